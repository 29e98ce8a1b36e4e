//! Structured concurrency: `gather_all` and `try_gather_all` (split from
//! `tests/group.rs`): order, errors, fairness among ten thousand
//! children, wakes from other threads, panics and an overall timeout, on
//! the paused clock so that every "fetch" takes an exact virtual time.

mod group_support;
mod support;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use group_support::{fetch, ms, secs};
use support::{poll_counter, run_guarded, DropCounter, Log, Polls, Signal};
use uniloop::channel::oneshot;
use uniloop::time;
use uniloop::{gather_all, sleep, spawn, timeout, try_gather_all, yield_now};

// ---------------------------------------------------------------------------
// gather_all and try_gather_all
// ---------------------------------------------------------------------------

#[test]
fn gather_all_returns_outputs_in_input_order() {
    run_guarded(async {
        let start = time::now();
        let log = Log::new();
        let delays = [50u64, 10, 40, 20, 30];
        let out = gather_all(delays.map(|delay| {
            let log = log.clone();
            async move {
                sleep(ms(delay)).await;
                log.push(delay.to_string());
                delay * 2
            }
        }))
        .await;
        assert_eq!(out, [100, 20, 80, 40, 60]);
        assert_eq!(log.take(), ["10", "20", "30", "40", "50"]);
        assert_eq!(start.elapsed(), ms(50));
    });
}

#[test]
fn gather_all_of_nothing_is_empty_at_once() {
    run_guarded(async {
        let start = time::now();
        let out = gather_all(Vec::<std::future::Ready<u8>>::new()).await;
        assert!(out.is_empty());
        let out = try_gather_all(Vec::<std::future::Ready<Result<u8, ()>>>::new()).await;
        assert_eq!(out, Ok(vec![]));
        assert_eq!(time::now(), start);
    });
}

#[test]
fn gather_all_futures_may_borrow_from_the_caller() {
    run_guarded(async {
        let names = [String::from("x"), String::from("yy")];
        let lengths = gather_all(names.iter().map(|name| async move {
            yield_now().await;
            name.len()
        }))
        .await;
        assert_eq!(lengths, [1, 2]);
    });
}

#[test]
fn try_gather_all_returns_values_in_input_order_on_success() {
    run_guarded(async {
        let out = try_gather_all([30u64, 10, 20].map(|delay| async move {
            sleep(ms(delay)).await;
            Ok::<_, String>(delay)
        }))
        .await;
        assert_eq!(out, Ok(vec![30, 10, 20]));
    });
}

#[test]
fn try_gather_all_returns_the_first_error_in_time_and_drops_the_rest_at_once() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        // (delay, fails): the one of 20 ms fails first; the one of 40 ms
        // would fail too but never gets there.
        let jobs = [
            (60u64, false),
            (40, true),
            (10, false),
            (20, true),
            (90, false),
        ];
        let futures: Vec<_> = jobs
            .into_iter()
            .map(|(delay, fails)| {
                let token = drops.token();
                async move {
                    sleep(ms(delay)).await;
                    if fails {
                        Err(format!("job {delay} failed"))
                    } else {
                        Ok(token) // the value keeps the token alive
                    }
                }
            })
            .collect();
        let out = try_gather_all(futures).await;
        assert_eq!(drops.count(), 5); // all five, right after the await
        assert_eq!(out.map(|v| v.len()), Err("job 20 failed".to_string()));
        assert_eq!(start.elapsed(), ms(20));
    });
}

#[test]
fn gather_all_of_ten_thousand_futures_completing_one_at_a_time_polls_each_twice() {
    const N: usize = 10_000;
    run_guarded(async {
        let mut senders = Vec::with_capacity(N);
        let mut child_polls: Vec<Polls> = Vec::with_capacity(N);
        let mut futures = Vec::with_capacity(N);
        for i in 0..N {
            let (tx, rx) = oneshot::channel::<usize>();
            let (future, polls) = poll_counter(async move { rx.await.unwrap() * 10 + i % 10 });
            senders.push(Some(tx));
            child_polls.push(polls);
            futures.push(future);
        }
        // Fire them one per loop turn, in a scrambled order (7919 is prime,
        // so i * 7919 mod N visits every index once).
        let fired = Rc::new(Cell::new(0));
        let firer = {
            let fired = fired.clone();
            spawn(async move {
                for i in 0..N {
                    let index = i * 7919 % N;
                    senders[index].take().unwrap().send(index).unwrap();
                    fired.set(fired.get() + 1);
                    yield_now().await;
                }
            })
        };
        let (gather, gather_polls) = poll_counter(gather_all(futures));
        let out = gather.await;
        firer.await.unwrap();
        assert_eq!(fired.get(), N);
        let expected: Vec<usize> = (0..N).map(|i| i * 10 + i % 10).collect();
        assert_eq!(out, expected);
        // Each child: one poll to start (pending), one when its value came.
        let total: usize = child_polls.iter().map(Polls::get).sum();
        assert_eq!(total, 2 * N, "children were polled when not woken");
        assert!(child_polls.iter().all(|p| p.get() == 2));
        // The gather itself: its first poll, then once per wake-up.
        assert_eq!(gather_polls.get(), N + 1);
    });
}

#[test]
fn a_child_that_wakes_itself_on_every_poll_does_not_starve_the_others() {
    const TICKS: usize = 5;
    run_guarded(async {
        let log = Log::new();
        let (tx, rx) = oneshot::channel::<()>();
        let done = Rc::new(Cell::new(false));
        // Another task: ticks, yielding between ticks, then releases the
        // waiter.
        let ticker = {
            let log = log.clone();
            spawn(async move {
                for i in 0..TICKS {
                    log.push(format!("tick {i}"));
                    yield_now().await;
                }
                tx.send(()).unwrap();
            })
        };
        let spinner = {
            let (log, done) = (log.clone(), done.clone());
            async move {
                let mut spins: usize = 0;
                while !done.get() {
                    spins += 1;
                    assert!(spins < 100, "the spinner was polled {spins} times");
                    log.push("spin");
                    yield_now().await; // wakes itself at once
                }
                spins
            }
        };
        let waiter = {
            let done = done.clone();
            async move {
                rx.await.unwrap();
                done.set(true);
                0usize
            }
        };
        let out = gather_all(vec![
            Box::pin(spinner) as std::pin::Pin<Box<dyn Future<Output = usize>>>,
            Box::pin(waiter),
        ])
        .await;
        ticker.await.unwrap();
        let log = log.take();
        // The spinner and the ticker alternate: one poll of the spinner per
        // wake-up of the gathering task, never a busy loop inside one.
        let mut expected = Vec::new();
        for i in 0..TICKS {
            expected.push("spin".to_string());
            expected.push(format!("tick {i}"));
        }
        assert_eq!(log[..2 * TICKS], expected[..]);
        assert!(log[2 * TICKS..].iter().all(|e| e == "spin"));
        assert!(log.len() <= 2 * TICKS + 2, "{log:?}");
        assert_eq!(out[0], log.iter().filter(|e| *e == "spin").count());
    });
}

#[test]
fn gather_all_children_can_be_woken_from_other_threads() {
    // Real clock: the paused one would jump to the deadlock guard instead
    // of waiting for the thread.
    const N: usize = 64;
    let signals: Vec<Signal> = (0..N).map(|_| Signal::new()).collect();
    let firing = signals.clone();
    let thread = std::thread::spawn(move || {
        // Wait (without sleeping) until every child has parked its waker,
        // then wake them in reverse order.
        while !firing.iter().all(Signal::has_waiter) {
            std::thread::yield_now();
        }
        for signal in firing.iter().rev() {
            signal.fire();
        }
    });
    let gather = gather_all(signals.iter().enumerate().map(|(i, signal)| async move {
        signal.wait().await;
        i
    }));
    // A guard against a lost wake-up hanging the test (never reached when
    // it passes).
    let out = uniloop::run(async { timeout(secs(60), gather).await }).expect("a wake-up was lost");
    thread.join().unwrap();
    assert_eq!(out, (0..N).collect::<Vec<_>>());
}

#[test]
fn a_panic_in_a_gathered_future_unwinds_the_task_and_drops_the_others() {
    run_guarded(async {
        let drops = DropCounter::new();
        let tokens: Vec<_> = (0..3).map(|_| drops.token()).collect();
        let task = spawn(gather_all(tokens.into_iter().enumerate().map(
            |(i, token)| async move {
                let _token = token;
                sleep(ms(10 * (i as u64 + 1))).await;
                assert!(i != 1, "gathered future {i} failed");
                i
            },
        )));
        let err = task.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(
            support::payload_message(&*err.into_panic()).as_deref(),
            Some("gathered future 1 failed")
        );
        assert_eq!(drops.count(), 3);
    });
}

#[test]
fn an_overall_timeout_around_gather_all_cancels_every_fetch() {
    // asyncio: `await asyncio.wait_for(asyncio.gather(*fetches), 0.05)`.
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let log = Log::new();
        let fetches: Vec<_> = [10u64, 30, 100, 200]
            .into_iter()
            .map(|delay| {
                let (log, token) = (log.clone(), drops.token());
                async move {
                    sleep(ms(delay)).await;
                    log.push(format!("fetched {delay}"));
                    token
                }
            })
            .collect();
        let out = timeout(ms(50), gather_all(fetches)).await;
        assert!(out.is_err());
        assert_eq!(start.elapsed(), ms(50));
        assert_eq!(drops.count(), 4); // finished outputs and pending fetches
        sleep(secs(1)).await; // the slow ones never finish
        assert_eq!(log.take(), ["fetched 10", "fetched 30"]);

        // Within the budget: every page, in order.
        let start = time::now();
        let pages = timeout(
            ms(50),
            gather_all([("a", 40), ("b", 10)].map(|(n, d)| fetch(n, ms(d)))),
        )
        .await
        .unwrap();
        assert_eq!(pages, ["page a", "page b"]);
        assert_eq!(start.elapsed(), ms(40));
    });
}
