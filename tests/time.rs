//! Time: sleep, timeout, the paused clock, call_later/call_at. Every test
//! but `real_clock_sleep_lasts_at_least_its_duration` runs on the paused
//! clock, so none depends on the machine's speed. Intervals are in
//! `tests/interval.rs`.

mod support;

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use support::{panic_message, poll_once, DropCounter, Log};
use uniloop::time::{self, Instant};
use uniloop::{call_at, call_later, sleep, sleep_until, spawn, timeout, timeout_at, Runtime};

fn paused() -> Runtime {
    Runtime::builder().paused_clock(true).build().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Block on `f` on a paused runtime.
fn run_paused<F: Future>(f: impl FnOnce() -> F) -> F::Output {
    paused().block_on(async { f().await })
}

#[test]
fn sleeps_end_in_deadline_order_at_their_virtual_time() {
    run_paused(|| async {
        let start = time::now();
        let log = Log::new();
        let tasks: Vec<_> = [30, 10, 20]
            .into_iter()
            .map(|n| {
                let log = log.clone();
                spawn(async move {
                    sleep(ms(n)).await;
                    log.push(format!("{n}@{}", start.elapsed().as_millis()));
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(log.take(), ["10@10", "20@20", "30@30"]);
    });
}

#[test]
fn an_hour_long_sleep_ends_at_once_on_the_paused_clock() {
    let real = std::time::Instant::now();
    run_paused(|| async {
        let start = time::now();
        sleep(Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
    });
    assert!(real.elapsed() < Duration::from_secs(60));
}

#[test]
fn timers_due_together_fire_in_registration_order() {
    run_paused(|| async {
        let deadline = time::now() + ms(50);
        let log = Log::new();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let log = log.clone();
                spawn(async move {
                    sleep_until(deadline).await;
                    log.push(i.to_string());
                })
            })
            .collect();
        // A later registration with a deadline in the same millisecond.
        let late = sleep_until(deadline - Duration::from_micros(300));
        let log2 = log.clone();
        let last = spawn(async move {
            late.await;
            log2.push("late");
        });
        for task in tasks {
            task.await.unwrap();
        }
        last.await.unwrap();
        assert_eq!(log.take(), ["0", "1", "2", "3", "4", "5", "6", "7", "late"]);
    });
}

#[test]
fn many_timers_fire_sorted_by_deadline() {
    run_paused(|| async {
        let start = time::now();
        let fired = Rc::new(std::cell::RefCell::new(Vec::new()));
        // A scrambled spread of deadlines over ~3 hours, crossing levels.
        let delays: Vec<u64> = (0..5_000u64).map(|i| (i * 7_919) % 10_007 * 997).collect();
        let tasks: Vec<_> = delays
            .iter()
            .map(|&d| {
                let fired = fired.clone();
                spawn(async move {
                    sleep(ms(d)).await;
                    fired.borrow_mut().push((start.elapsed(), d));
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let fired = fired.borrow();
        assert_eq!(fired.len(), delays.len());
        for &(at, d) in fired.iter() {
            assert_eq!(at, ms(d));
        }
        assert!(fired.windows(2).all(|w| w[0].1 <= w[1].1));
    });
}

#[test]
fn zero_and_past_sleeps_yield_once() {
    run_paused(|| async {
        let log = Log::new();
        let other = {
            let log = log.clone();
            spawn(async move { log.push("other") })
        };
        let start = time::now();
        sleep(Duration::ZERO).await;
        log.push("zero");
        let again = {
            let log = log.clone();
            spawn(async move { log.push("other again") })
        };
        sleep_until(start - Duration::from_secs(5)).await;
        log.push("past");
        assert_eq!(log.take(), ["other", "zero", "other again", "past"]);
        assert_eq!(time::now(), start);
        other.await.unwrap();
        again.await.unwrap();
    });
}

#[test]
fn a_sleep_counts_from_its_first_poll() {
    run_paused(|| async {
        let nap = sleep(Duration::from_secs(2));
        time::advance(Duration::from_secs(5)).await;
        let start = time::now();
        nap.await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    });
}

#[test]
fn a_finished_sleep_stays_finished_and_reset_rearms_it() {
    run_paused(|| async {
        let start = time::now();
        let mut nap = sleep(ms(10));
        (&mut nap).await;
        assert!(nap.is_elapsed());
        assert_eq!(poll_once(&mut nap).await, Poll::Ready(()));
        nap.reset(start + ms(40));
        assert!(!nap.is_elapsed());
        (&mut nap).await;
        assert_eq!(start.elapsed(), ms(40));
        nap.reset(start + ms(100));
        nap.reset(start + ms(60)); // earlier again, after registering
        nap.await;
        assert_eq!(start.elapsed(), ms(60));
    });
}

#[test]
fn timeout_gives_ok_in_time_and_err_late() {
    run_paused(|| async {
        let start = time::now();
        let quick = timeout(ms(100), async {
            sleep(ms(50)).await;
            "quick"
        });
        assert_eq!(quick.await, Ok("quick"));
        assert_eq!(start.elapsed(), ms(50));

        let slow = timeout(ms(100), sleep(ms(500)));
        assert!(slow.await.is_err());
        assert_eq!(start.elapsed(), ms(150));
    });
}

#[test]
fn timeout_drops_the_late_future() {
    run_paused(|| async {
        let drops = DropCounter::new();
        let token = drops.token();
        let slow = async move {
            let _token = token;
            std::future::pending::<()>().await
        };
        assert!(timeout(ms(10), slow).await.is_err());
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn timeout_polls_the_future_first() {
    run_paused(|| async {
        // Ready at once: Ok even with no time at all, or a past deadline.
        assert_eq!(timeout(Duration::ZERO, async { 1 }).await, Ok(1));
        let past = time::now() - Duration::from_secs(1);
        assert_eq!(timeout_at(past, async { 2 }).await, Ok(2));
        // Pending at first: Err at once, without the clock moving.
        let start = time::now();
        assert!(timeout(Duration::ZERO, sleep(ms(1))).await.is_err());
        assert!(timeout_at(past, sleep(ms(1))).await.is_err());
        assert_eq!(time::now(), start);
        // Both due at the same tick: the future wins.
        let both = timeout(ms(20), sleep(ms(20)));
        assert!(both.await.is_ok());
    });
}

#[test]
fn timeout_reschedule_moves_the_deadline_both_ways() {
    run_paused(|| async {
        let start = time::now();
        let mut later = pin!(timeout(ms(10), sleep(ms(30))));
        assert_eq!(poll_once(&mut later).await, Poll::Pending);
        later.as_mut().reschedule(start + ms(100));
        assert_eq!(later.deadline(), start + ms(100));
        assert!(later.await.is_ok());
        assert_eq!(start.elapsed(), ms(30));

        let start = time::now();
        let mut earlier = pin!(timeout(
            Duration::from_secs(10),
            std::future::pending::<()>()
        ));
        assert_eq!(poll_once(&mut earlier).await, Poll::Pending);
        earlier.as_mut().reschedule(start + ms(5));
        assert!(earlier.await.is_err());
        assert_eq!(start.elapsed(), ms(5));

        // Rescheduled into the past: Err at the next poll.
        let mut gone = pin!(timeout(
            Duration::from_secs(10),
            std::future::pending::<()>()
        ));
        assert_eq!(poll_once(&mut gone).await, Poll::Pending);
        gone.as_mut().reschedule(start - ms(1));
        assert!(gone.await.is_err());
    });
}

#[test]
fn huge_durations_are_far_future_not_overflow() {
    run_paused(|| async {
        let start = time::now();
        let forever = sleep(Duration::MAX);
        let thirty_years = Duration::from_secs(86_400 * 365 * 30);
        assert_eq!(forever.deadline(), start + thirty_years);
        assert_eq!(timeout(Duration::MAX, async { 3 }).await, Ok(3));
        // Nothing else to do: auto-advance reaches even "forever".
        assert!(timeout(Duration::MAX, std::future::pending::<()>())
            .await
            .is_err());
        assert_eq!(start.elapsed(), thirty_years);
        assert!(time::now().checked_add(Duration::MAX).is_none());
        time::advance(Duration::MAX).await;
        time::advance(Duration::MAX).await;
        assert!(start.elapsed() > thirty_years);
        drop(forever);
    });
}

#[test]
fn auto_advance_waits_while_tasks_are_ready() {
    run_paused(|| async {
        let start = time::now();
        let busy = spawn(async move {
            for _ in 0..1_000 {
                assert_eq!(time::now(), start);
                uniloop::yield_now().await;
            }
        });
        sleep(ms(1)).await;
        assert!(busy.is_finished());
        assert_eq!(start.elapsed(), ms(1));
    });
}

#[test]
fn advance_fires_due_timers_and_runs_their_tasks_first() {
    run_paused(|| async {
        let log = Log::new();
        let log2 = log.clone();
        let sleeper = spawn(async move {
            sleep(Duration::from_secs(10)).await;
            log2.push("woke");
        });
        uniloop::yield_now().await;
        time::advance(Duration::from_secs(9)).await;
        assert!(log.is_empty());
        time::advance(Duration::from_secs(1)).await;
        assert_eq!(log.take(), ["woke"]);
        assert!(sleeper.is_finished());
    });
}

#[test]
fn advance_needs_a_paused_clock() {
    let message = panic_message(|| uniloop::run(time::advance(ms(1))));
    assert_eq!(
        message,
        "uniloop::time::advance() needs a paused clock (Builder::paused_clock(true))"
    );
}

#[test]
fn timer_functions_panic_outside_a_runtime() {
    assert_eq!(
        panic_message(|| sleep(ms(1))),
        "uniloop::sleep() called outside a uniloop runtime"
    );
    assert_eq!(
        panic_message(|| sleep_until(Instant::now())),
        "uniloop::sleep_until() called outside a uniloop runtime"
    );
    assert_eq!(
        panic_message(|| timeout(ms(1), async {})),
        "uniloop::timeout() called outside a uniloop runtime"
    );
    assert_eq!(
        panic_message(|| timeout_at(Instant::now(), async {})),
        "uniloop::timeout_at() called outside a uniloop runtime"
    );
    assert_eq!(
        panic_message(|| call_later(ms(1), || ())),
        "uniloop::call_later() called outside a uniloop runtime"
    );
    assert_eq!(
        panic_message(|| call_at(Instant::now(), || ())),
        "uniloop::call_at() called outside a uniloop runtime"
    );
    assert_eq!(
        panic_message(|| time::interval(ms(1))),
        "uniloop::time::interval() called outside a uniloop runtime"
    );
}

#[test]
fn now_outside_a_runtime_is_the_real_clock() {
    let before = std::time::Instant::now();
    let now = time::now().into_std();
    assert!(now >= before && now <= std::time::Instant::now());
}

#[test]
fn call_later_runs_in_deadline_then_scheduling_order() {
    run_paused(|| async {
        let start = time::now();
        let log = Log::new();
        for (name, delay) in [("c", 30), ("a", 10), ("b1", 20), ("b2", 20), ("now", 0)] {
            let log = log.clone();
            call_later(ms(delay), move || {
                log.push(format!("{name}@{}", start.elapsed().as_millis()))
            });
        }
        let log2 = log.clone();
        call_at(start + ms(20), move || log2.push("b3@20"));
        sleep(ms(100)).await;
        assert_eq!(
            log.take(),
            ["now@0", "a@10", "b1@20", "b2@20", "b3@20", "c@30"]
        );
    });
}

#[test]
fn cancelled_callbacks_never_run_and_drop_their_closure() {
    run_paused(|| async {
        let ran = Rc::new(Cell::new(0));
        let drops = DropCounter::new();
        let (r, token) = (ran.clone(), drops.token());
        let handle = call_later(ms(10), move || {
            let _token = token;
            r.set(r.get() + 1);
        });
        let r = ran.clone();
        let kept = call_at(time::now() + ms(20), move || r.set(r.get() + 10));
        sleep(ms(5)).await;
        assert!(handle.cancel());
        sleep(ms(50)).await;
        assert_eq!(ran.get(), 10);
        assert!(handle.is_cancelled());
        assert_eq!(drops.count(), 1);
        assert!(!kept.cancel()); // it already ran
    });
}

#[test]
fn a_panicking_callback_does_not_stop_the_loop() {
    run_paused(|| async {
        let ran = Rc::new(Cell::new(false));
        call_later(ms(1), || panic!("boom"));
        let flag = ran.clone();
        call_later(ms(2), move || flag.set(true));
        sleep(ms(3)).await;
        assert!(ran.get());
    });
}

#[test]
#[allow(clippy::async_yields_async)] // handing futures out of block_on is the point
fn timers_outlive_one_block_on_and_the_runtime() {
    let rt = paused();
    let start = rt.block_on(async { time::now() });
    let task = rt.block_on(async {
        spawn(async {
            sleep(ms(100)).await;
            time::now()
        })
    });
    let finished = rt.block_on(task).unwrap();
    assert_eq!(finished - start, ms(100));

    // A pending sleep that escapes its runtime can still be dropped.
    let escaped = rt.block_on(async {
        let mut nap = sleep(ms(10));
        assert_eq!(poll_once(&mut nap).await, Poll::Pending);
        nap
    });
    drop(rt);
    assert!(!escaped.is_elapsed());
    drop(escaped);
}

#[test]
fn a_sleep_dropped_before_its_deadline_never_wakes() {
    run_paused(|| async {
        let start = time::now();
        let woke = Rc::new(Cell::new(false));
        let flag = woke.clone();
        let task = spawn(async move {
            sleep(ms(50)).await;
            flag.set(true);
        });
        sleep(ms(10)).await;
        task.cancel();
        sleep(ms(100)).await;
        assert!(!woke.get());
        assert_eq!(start.elapsed(), ms(110));
    });
}

#[test]
fn real_clock_sleep_lasts_at_least_its_duration() {
    // The one test on the real clock: a lower bound only.
    let start = std::time::Instant::now();
    uniloop::run(async {
        let loop_start = time::now();
        sleep(ms(20)).await;
        assert!(loop_start.elapsed() >= ms(20));
    });
    assert!(start.elapsed() >= ms(20));
}
