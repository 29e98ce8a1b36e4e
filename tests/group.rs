//! Structured concurrency: `gather!`, `try_gather!`, `gather_all`,
//! `try_gather_all`, `race`, `TaskGroup`, `wait` and `as_completed`, on
//! the paused clock so that every "fetch" takes an exact virtual time.
//! The model test of nested groups is `tests/group_model.rs`.

mod support;

use std::cell::{Cell, RefCell};
use std::future::{pending, ready, Future};
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use futures::StreamExt;
use support::{
    panic_message, poll_counter, poll_once, run_guarded, CustomPayload, DropCounter, Log, Polls,
    Signal,
};
use uniloop::channel::oneshot;
use uniloop::time::{self, Instant};
use uniloop::{
    as_completed, gather, gather_all, race, sleep, spawn, timeout, try_gather, try_gather_all,
    wait, yield_now, ChildError, GroupError, ReturnWhen, Task, TaskGroup,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A "fetch": `delay` of virtual time, then the page's name.
async fn fetch(name: &'static str, delay: Duration) -> String {
    sleep(delay).await;
    format!("page {name}")
}

/// A task that sleeps `ms` milliseconds and returns `ms`.
fn sleeper(n: u64) -> Task<u64> {
    spawn(async move {
        sleep(ms(n)).await;
        n
    })
}

/// A task that sleeps `ms` milliseconds and panics.
fn crasher(n: u64) -> Task<u64> {
    spawn(async move {
        sleep(ms(n)).await;
        panic!("crash after {n} ms");
    })
}

/// Await every task (each must have finished) and map its result.
async fn outcomes(tasks: Vec<Task<u64>>) -> Vec<Result<u64, &'static str>> {
    let mut results = Vec::new();
    for task in tasks {
        assert!(task.is_finished(), "{task:?} is not finished");
        results.push(
            task.await
                .map_err(|e| if e.is_panic() { "panic" } else { "cancelled" }),
        );
    }
    results
}

// ---------------------------------------------------------------------------
// Concurrent fetches take the longest one's time, not the sum
// ---------------------------------------------------------------------------

#[test]
fn three_one_second_fetches_with_gather_take_one_second() {
    run_guarded(async {
        let start = time::now();
        let (a, b, c) = gather!(
            fetch("a", secs(1)),
            fetch("b", secs(1)),
            fetch("c", secs(1))
        )
        .await;
        assert_eq!(time::now() - start, secs(1));
        assert_eq!([a, b, c], ["page a", "page b", "page c"]);
    });
}

#[test]
fn three_one_second_fetches_with_gather_all_take_one_second() {
    run_guarded(async {
        let start = time::now();
        let pages = gather_all(["a", "b", "c"].map(|name| fetch(name, secs(1)))).await;
        assert_eq!(time::now() - start, secs(1));
        assert_eq!(pages, ["page a", "page b", "page c"]);
    });
}

#[test]
fn three_one_second_fetches_in_a_task_group_take_one_second() {
    run_guarded(async {
        let start = time::now();
        let group = TaskGroup::<()>::new();
        let tasks: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| group.spawn(async move { Ok(fetch(name, secs(1)).await) }))
            .collect();
        assert_eq!(group.len(), 3);
        group.join().await.unwrap();
        assert_eq!(time::now() - start, secs(1));
        let mut pages = Vec::new();
        for task in tasks {
            pages.push(task.await.unwrap());
        }
        assert_eq!(pages, ["page a", "page b", "page c"]);
    });
}

// ---------------------------------------------------------------------------
// gather! and try_gather!
// ---------------------------------------------------------------------------

#[test]
fn gather_returns_the_outputs_in_argument_order_whatever_order_they_finish_in() {
    run_guarded(async {
        let start = time::now();
        let log = Log::new();
        let step = |name: &'static str, delay: u64| {
            let log = log.clone();
            async move {
                sleep(ms(delay)).await;
                log.push(name);
                name
            }
        };
        let out = gather!(step("slow", 30), step("fast", 10), step("mid", 20)).await;
        assert_eq!(out, ("slow", "fast", "mid"));
        assert_eq!(log.take(), ["fast", "mid", "slow"]);
        assert_eq!(start.elapsed(), ms(30));
    });
}

#[test]
fn gather_of_twelve_futures_of_different_types() {
    run_guarded(async {
        let start = time::now();
        let after = |n: u64| sleep(ms(n));
        let out = gather!(
            async { 1u8 },
            async {
                after(12).await;
                2u16
            },
            async { "three" },
            async {
                after(3).await;
                String::from("four")
            },
            async { '5' },
            async {
                after(7).await;
                true
            },
            async { vec![7, 7] },
            async {
                after(1).await;
                Some(8u8)
            },
            async {},
            async {
                yield_now().await;
                10.5f64
            },
            async { -11i64 },
            async {
                after(5).await;
                Ok::<u8, ()>(12)
            },
        )
        .await;
        assert_eq!(
            out,
            (
                1u8,
                2u16,
                "three",
                String::from("four"),
                '5',
                true,
                vec![7, 7],
                Some(8u8),
                (),
                10.5f64,
                -11i64,
                Ok(12)
            )
        );
        assert_eq!(start.elapsed(), ms(12));
    });
}

#[test]
fn gather_of_sixteen_futures() {
    run_guarded(async {
        let n = |i: u64| async move {
            sleep(ms(16 - i)).await;
            i
        };
        let out = gather!(
            n(0),
            n(1),
            n(2),
            n(3),
            n(4),
            n(5),
            n(6),
            n(7),
            n(8),
            n(9),
            n(10),
            n(11),
            n(12),
            n(13),
            n(14),
            n(15)
        )
        .await;
        // (Tuples of more than 12 have no Debug: compare as an array.)
        let (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) = out;
        assert_eq!(
            [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p],
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        );
    });
}

#[test]
fn dropping_a_gather_drops_the_unfinished_futures_and_the_finished_outputs() {
    run_guarded(async {
        let drops = DropCounter::new();
        let (done, slow) = (drops.token(), drops.token());
        let out = timeout(
            ms(20),
            gather!(
                async move {
                    sleep(ms(10)).await;
                    done // an output held by the gather
                },
                async move {
                    let _slow = slow;
                    sleep(secs(60)).await;
                },
            ),
        )
        .await;
        assert!(out.is_err());
        assert_eq!(drops.count(), 2);
    });
}

#[test]
fn try_gather_returns_the_values_in_order_when_all_succeed() {
    run_guarded(async {
        let start = time::now();
        let out = try_gather!(
            async {
                sleep(ms(20)).await;
                Ok::<_, String>(1u8)
            },
            async { Ok("two") },
            async {
                sleep(ms(10)).await;
                Ok(vec![3])
            },
        )
        .await;
        assert_eq!(out, Ok((1u8, "two", vec![3])));
        assert_eq!(start.elapsed(), ms(20));
    });
}

#[test]
fn try_gather_returns_the_first_error_and_drops_its_siblings_at_once() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let log = Log::new();
        let (slow, forever, finished) = (
            drops.logged_token(&log, "slow dropped"),
            drops.logged_token(&log, "forever dropped"),
            drops.logged_token(&log, "finished output dropped"),
        );
        let out = try_gather!(
            async move {
                let _slow = slow;
                sleep(secs(60)).await;
                Ok(1)
            },
            async {
                sleep(ms(10)).await;
                Err::<u8, _>("refused")
            },
            async {
                sleep(ms(30)).await;
                Err::<u8, _>("too late")
            },
            async move {
                let _forever = forever;
                pending::<()>().await;
                Ok(3)
            },
            async move {
                sleep(ms(5)).await;
                Ok(finished) // finished first; its value is dropped at the error
            },
        )
        .await;
        // Right after the await: every sibling is already gone.
        assert_eq!(drops.count(), 3);
        assert_eq!(log.len(), 3);
        assert_eq!(out.map(|_| ()), Err("refused"));
        assert_eq!(start.elapsed(), ms(10));
    });
}

#[test]
fn try_gather_with_two_errors_in_one_poll_returns_the_first_argument() {
    run_guarded(async {
        let out = try_gather!(
            async { Ok::<u8, u8>(0) },
            async { Err::<u8, u8>(1) },
            async { Err::<u8, u8>(2) },
        )
        .await;
        assert_eq!(out, Err(1));
        // Two sleeps of the same length: the first argument's timer was
        // registered first, so it fires first.
        let out = try_gather!(
            async {
                sleep(ms(10)).await;
                Err::<(), _>("b")
            },
            async {
                sleep(ms(10)).await;
                Err::<(), _>("c")
            },
        )
        .await;
        assert_eq!(out, Err("b"));
    });
}

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

// ---------------------------------------------------------------------------
// race
// ---------------------------------------------------------------------------

#[test]
fn race_returns_the_first_to_finish_and_drops_the_losers() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let mirror = |name: &'static str, delay: u64| {
            let token = drops.token();
            async move {
                let _token = token;
                sleep(ms(delay)).await;
                name
            }
        };
        let fastest = race([mirror("eu", 30), mirror("us", 10), mirror("asia", 20)]).await;
        assert_eq!(fastest, "us");
        assert_eq!(start.elapsed(), ms(10));
        assert_eq!(drops.count(), 3); // the winner, and both losers at once
    });
}

#[test]
fn race_of_one_ready_future_returns_it_at_once() {
    run_guarded(async {
        let start = time::now();
        assert_eq!(race([ready(5)]).await, 5);
        assert_eq!(race(vec![ready(1), ready(2)]).await, 1);
        let (slow, slow_polls) = poll_counter(async {
            sleep(secs(1)).await;
            0u8
        });
        let out = race(vec![
            Box::pin(slow) as std::pin::Pin<Box<dyn Future<Output = u8>>>,
            Box::pin(ready(7)),
        ])
        .await;
        assert_eq!(out, 7);
        assert_eq!(slow_polls.get(), 1);
        assert_eq!(time::now(), start);
    });
}

#[test]
fn race_ties_go_to_the_one_woken_first() {
    run_guarded(async {
        let after = |name: &'static str| async move {
            sleep(ms(10)).await;
            name
        };
        assert_eq!(race([after("first"), after("second")]).await, "first");
    });
}

#[test]
fn race_of_nothing_panics() {
    let message = panic_message(|| race(Vec::<std::future::Ready<u8>>::new()));
    assert_eq!(message, "uniloop::race() needs at least one future");
}

// ---------------------------------------------------------------------------
// TaskGroup
// ---------------------------------------------------------------------------

#[test]
fn task_group_success_gives_every_value_through_the_handles() {
    run_guarded(async {
        let start = time::now();
        let group = TaskGroup::<String>::new();
        assert!(group.is_empty());
        let a = group.spawn(async {
            sleep(ms(20)).await;
            Ok(1u32)
        });
        let b = group.spawn_named("b", async {
            sleep(ms(10)).await;
            Ok("two")
        });
        let c = group.spawn(async { Ok(vec![3u8]) });
        assert_eq!(b.name(), Some("b"));
        assert_eq!(group.len(), 3);
        assert!(!group.is_failing());
        yield_now().await;
        assert_eq!(group.len(), 2); // `c` finished in its first poll
        group.join().await.unwrap();
        assert_eq!(start.elapsed(), ms(20));
        assert_eq!(a.await.unwrap(), 1);
        assert_eq!(b.await.unwrap(), "two");
        assert_eq!(c.await.unwrap(), [3]);
    });
}

#[test]
fn an_empty_task_group_joins_at_once() {
    run_guarded(async {
        let start = time::now();
        TaskGroup::<()>::new().join().await.unwrap();
        TaskGroup::<()>::default().join().await.unwrap();
        assert_eq!(time::now(), start);
    });
}

#[test]
fn task_group_failure_cancels_the_siblings_and_reports_the_error() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let log = Log::new();
        let group = TaskGroup::<&'static str>::new();
        let slow: Vec<Task<u32>> = (0..2)
            .map(|i| {
                let (token, log) = (drops.token(), log.clone());
                group.spawn(async move {
                    let _token = token;
                    sleep(secs(60)).await;
                    log.push(format!("slow {i} finished"));
                    Ok(i)
                })
            })
            .collect();
        let fast = {
            let token = drops.token();
            group.spawn(async move {
                let _token = token;
                sleep(ms(5)).await;
                Ok(5)
            })
        };
        let failing = {
            let token = drops.token();
            group.spawn(async move {
                let _token = token;
                sleep(ms(10)).await;
                Err::<u32, _>("connection refused")
            })
        };
        let err = group.join().await.unwrap_err();
        assert_eq!(start.elapsed(), ms(10));
        // Every child's future is gone once join returns.
        assert_eq!(drops.count(), 4);
        assert_eq!(err.errors(), [ChildError::Failed("connection refused")]);
        assert_eq!(
            err.to_string(),
            "1 task of a TaskGroup failed: connection refused"
        );
        assert_eq!(fast.await.unwrap(), 5);
        // A child that returned Err ends as cancelled; its error went to join.
        let failed = failing.await.unwrap_err();
        assert!(failed.is_cancelled());
        for task in slow {
            assert!(task.is_cancelled());
            assert!(task.await.unwrap_err().is_cancelled());
        }
        sleep(secs(120)).await;
        assert!(log.is_empty(), "{:?}", log.take());
    });
}

#[test]
fn task_group_failure_is_seen_by_is_failing_and_cancels_everyone() {
    run_guarded(async {
        let group = TaskGroup::<u8>::new();
        let forever = group.spawn(pending::<Result<(), u8>>());
        drop(group.spawn(async { Err::<(), u8>(7) }));
        assert!(!group.is_failing());
        yield_now().await; // both ran once; the second failed
        assert!(group.is_failing());
        assert!(forever.is_cancelled());
        let err = group.join().await.unwrap_err();
        assert_eq!(err.into_errors(), [ChildError::Failed(7)]);
        assert!(forever.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn two_failures_in_the_same_turn_report_only_the_first_polled() {
    run_guarded(async {
        let start = time::now();
        let polled = Log::new();
        let group = TaskGroup::<&'static str>::new();
        for name in ["a", "b", "c"] {
            let polled = polled.clone();
            drop(group.spawn(async move {
                sleep(ms(10)).await;
                polled.push(name);
                Err::<(), _>(name)
            }));
        }
        let err = group.join().await.unwrap_err();
        assert_eq!(err.errors(), [ChildError::Failed("a")]);
        // "b" and "c" were woken in the same turn but cancelled before
        // they were polled.
        assert_eq!(polled.take(), ["a"]);
        assert_eq!(start.elapsed(), ms(10));
    });
}

#[test]
fn task_group_panic_is_reported_with_its_message_and_the_loop_keeps_running() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let group = TaskGroup::<String>::new();
        let sibling = {
            let token = drops.token();
            group.spawn(async move {
                let _token = token;
                sleep(secs(60)).await;
                Ok(1)
            })
        };
        let panicking = {
            let token = drops.token();
            group.spawn(async move {
                let _token = token;
                sleep(ms(10)).await;
                let input = 42;
                if input == 42 {
                    panic!("bad input {input}");
                }
                Ok(0)
            })
        };
        let err = group.join().await.unwrap_err();
        assert_eq!(start.elapsed(), ms(10));
        assert_eq!(drops.count(), 2);
        assert_eq!(err.errors(), [ChildError::Panicked("bad input 42".into())]);
        assert_eq!(
            err.to_string(),
            "1 task of a TaskGroup failed: panicked: bad input 42"
        );
        assert!(err.errors()[0].is_panic());
        let panicked = panicking.await.unwrap_err();
        assert!(panicked.is_panic(), "{panicked:?}");
        assert_eq!(
            support::payload_message(&*panicked.into_panic()).as_deref(),
            Some("bad input 42")
        );
        assert!(sibling.await.unwrap_err().is_cancelled());

        // The loop is fine.
        assert_eq!(spawn(async { 1 + 1 }).await.unwrap(), 2);
        sleep(ms(5)).await;
        assert_eq!(start.elapsed(), ms(15));
    });
}

#[test]
fn task_group_panic_without_a_string_message() {
    run_guarded(async {
        let group = TaskGroup::<()>::new();
        let task = group.spawn(async {
            let code = 3;
            if code == 3 {
                std::panic::panic_any(CustomPayload { code });
            }
            Ok(())
        });
        let err = group.join().await.unwrap_err();
        assert_eq!(err.errors(), [ChildError::Panicked("(no message)".into())]);
        let payload = task.await.unwrap_err().into_panic();
        assert_eq!(
            payload.downcast_ref::<CustomPayload>(),
            Some(&CustomPayload { code: 3 })
        );
    });
}

#[test]
fn dropping_a_task_group_cancels_its_children() {
    run_guarded(async {
        let drops = DropCounter::new();
        let log = Log::new();
        let group = TaskGroup::<()>::new();
        let tasks: Vec<Task<()>> = (0..3)
            .map(|i| {
                let (token, log) = (drops.token(), log.clone());
                group.spawn(async move {
                    let _token = token;
                    log.push(format!("child {i} started"));
                    sleep(ms(10)).await;
                    log.push(format!("child {i} finished"));
                    Ok(())
                })
            })
            .collect();
        yield_now().await;
        assert_eq!(log.len(), 3);
        drop(group);
        assert!(tasks.iter().all(Task::is_cancelled));
        assert_eq!(drops.count(), 0); // cancelling only flags them...
        yield_now().await;
        assert_eq!(drops.count(), 3); // ...their futures go at the next turn
        for task in tasks {
            assert!(task.await.unwrap_err().is_cancelled());
        }
        sleep(secs(1)).await;
        assert_eq!(
            log.take(),
            ["child 0 started", "child 1 started", "child 2 started"]
        );
    });
}

#[test]
fn dropping_the_join_future_mid_wait_cancels_the_children() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let group = TaskGroup::<()>::new();
        let quick = group.spawn(async {
            sleep(ms(5)).await;
            Ok("quick")
        });
        let slow: Vec<Task<&str>> = (0..2)
            .map(|_| {
                let token = drops.token();
                group.spawn(async move {
                    let _token = token;
                    sleep(secs(60)).await;
                    Ok("slow")
                })
            })
            .collect();
        let out = timeout(ms(20), group.join()).await;
        assert!(out.is_err());
        assert_eq!(start.elapsed(), ms(20));
        assert!(slow.iter().all(Task::is_cancelled));
        yield_now().await;
        assert_eq!(drops.count(), 2);
        assert_eq!(quick.await.unwrap(), "quick");
        for task in slow {
            assert!(task.await.unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn a_nested_group_failure_is_the_outer_childs_error() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let outer = TaskGroup::<String>::new();
        let outer_sibling = {
            let token = drops.token();
            outer.spawn(async move {
                let _token = token;
                sleep(secs(60)).await;
                Ok(())
            })
        };
        let inner_token = drops.token();
        let nested = outer.spawn(async move {
            let inner = TaskGroup::<String>::new();
            let _slow = inner.spawn(async move {
                let _token = inner_token;
                sleep(secs(60)).await;
                Ok(())
            });
            drop(inner.spawn(async {
                sleep(ms(10)).await;
                Err::<(), _>("disk full".to_string())
            }));
            inner
                .join()
                .await
                .map_err(|err| format!("inner group: {err}"))
        });
        let err = outer.join().await.unwrap_err();
        assert_eq!(start.elapsed(), ms(10));
        assert_eq!(
            err.errors(),
            [ChildError::Failed(
                "inner group: 1 task of a TaskGroup failed: disk full".to_string()
            )]
        );
        assert_eq!(drops.count(), 2);
        assert!(nested.await.unwrap_err().is_cancelled());
        assert!(outer_sibling.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn an_outer_failure_cancels_the_children_of_a_nested_group() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let log = Log::new();
        let outer = TaskGroup::<&'static str>::new();
        let tokens: Vec<_> = (0..2).map(|_| drops.token()).collect();
        let nested = {
            let log = log.clone();
            outer.spawn(async move {
                let inner = TaskGroup::<&'static str>::new();
                for (i, token) in tokens.into_iter().enumerate() {
                    let log = log.clone();
                    drop(inner.spawn(async move {
                        let _token = token;
                        sleep(secs(60)).await;
                        log.push(format!("grandchild {i} finished"));
                        Ok(())
                    }));
                }
                inner.join().await.map_err(|_| "inner failed")
            })
        };
        drop(outer.spawn(async {
            sleep(ms(10)).await;
            Err::<(), _>("outer failure")
        }));
        let err = outer.join().await.unwrap_err();
        assert_eq!(err.errors(), [ChildError::Failed("outer failure")]);
        assert_eq!(start.elapsed(), ms(10));
        assert!(nested.await.unwrap_err().is_cancelled());
        // The inner group was dropped with the nested child: its children
        // are cancelled, and gone by the next turn.
        yield_now().await;
        assert_eq!(drops.count(), 2);
        sleep(secs(120)).await;
        assert!(log.is_empty(), "{:?}", log.take());
    });
}

#[test]
fn spawning_into_a_failing_group_cancels_the_child_at_once() {
    run_guarded(async {
        let drops = DropCounter::new();
        let group = TaskGroup::<&'static str>::new();
        drop(group.spawn(async { Err::<(), _>("first") }));
        yield_now().await;
        assert!(group.is_failing());
        let polled = Rc::new(Cell::new(false));
        let late = {
            let (token, polled) = (drops.token(), polled.clone());
            group.spawn(async move {
                let _token = token;
                polled.set(true);
                Ok(())
            })
        };
        assert!(late.is_cancelled());
        let err = group.join().await.unwrap_err();
        assert_eq!(err.errors(), [ChildError::Failed("first")]);
        assert!(late.await.unwrap_err().is_cancelled());
        assert!(!polled.get());
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn cancel_stops_every_child_and_join_is_ok() {
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let group = TaskGroup::<()>::new();
        let done = group.spawn(async { Ok(1) });
        let tasks: Vec<Task<u8>> = (0..3)
            .map(|_| {
                let token = drops.token();
                group.spawn(async move {
                    let _token = token;
                    sleep(secs(60)).await;
                    Ok(0)
                })
            })
            .collect();
        yield_now().await;
        group.cancel();
        assert!(!group.is_failing());
        assert!(tasks.iter().all(Task::is_cancelled));
        group.join().await.unwrap();
        assert_eq!(time::now(), start);
        assert_eq!(drops.count(), 3);
        assert_eq!(done.await.unwrap(), 1);
        for task in tasks {
            assert!(task.await.unwrap_err().is_cancelled());
        }
    });
}

#[test]
fn group_error_lists_every_error_and_is_a_std_error() {
    run_guarded(async {
        let group = TaskGroup::<std::io::Error>::new();
        drop(group.spawn(async { Err::<(), _>(std::io::Error::other("no route")) }));
        let err: GroupError<std::io::Error> = group.join().await.unwrap_err();
        assert_eq!(err.errors().len(), 1);
        let boxed: Box<dyn std::error::Error> = Box::new(err);
        assert_eq!(boxed.to_string(), "1 task of a TaskGroup failed: no route");
    });
}

#[test]
fn task_group_spawn_outside_a_runtime_panics() {
    let group = TaskGroup::<()>::new();
    let message = panic_message(|| group.spawn(async { Ok(()) }));
    assert_eq!(
        message,
        "uniloop::TaskGroup::spawn() called outside a uniloop runtime"
    );
    assert!(group.is_empty());
}

// ---------------------------------------------------------------------------
// wait
// ---------------------------------------------------------------------------

#[test]
fn wait_all_completed_returns_every_task_in_completion_order() {
    run_guarded(async {
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(30), sleeper(10), crasher(20)],
            ReturnWhen::AllCompleted,
            None,
        )
        .await;
        assert_eq!(start.elapsed(), ms(30));
        assert!(pending.is_empty());
        assert_eq!(outcomes(done).await, [Ok(10), Err("panic"), Ok(30)]);
    });
}

#[test]
fn wait_first_completed_returns_at_the_first_and_leaves_the_rest_running() {
    run_guarded(async {
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(30), sleeper(10), sleeper(20)],
            ReturnWhen::FirstCompleted,
            None,
        )
        .await;
        assert_eq!(start.elapsed(), ms(10));
        assert_eq!(done.len(), 1);
        let mut first = done.into_iter().next().unwrap();
        // A finished task's result is ready at once.
        assert!(matches!(poll_once(&mut first).await, Poll::Ready(Ok(10))));
        // Pending in input order, not cancelled.
        assert_eq!(pending.len(), 2);
        assert!(pending
            .iter()
            .all(|t| !t.is_finished() && !t.is_cancelled()));
        let mut results = Vec::new();
        for task in pending {
            results.push(task.await.unwrap());
        }
        assert_eq!(results, [30, 20]);
    });
}

#[test]
fn wait_first_completed_with_an_already_finished_task_returns_at_once() {
    run_guarded(async {
        let finished = spawn(async { 5u64 });
        yield_now().await;
        assert!(finished.is_finished());
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(10), finished],
            ReturnWhen::FirstCompleted,
            None,
        )
        .await;
        assert_eq!(time::now(), start);
        assert_eq!(outcomes(done).await, [Ok(5)]);
        assert_eq!(pending.len(), 1);
        pending.into_iter().for_each(|t| {
            t.cancel();
        });
    });
}

#[test]
fn wait_puts_every_task_already_finished_in_done() {
    // asyncio.wait puts every task that is done when the waiter resumes in
    // `done`. Here `wait` stops at the first completion it polls and hands
    // the others back as pending, finished or not.
    run_guarded(async {
        // Both finished before the wait even starts.
        let (a, b) = (spawn(async { 1u64 }), spawn(async { 2u64 }));
        yield_now().await;
        assert!(a.is_finished() && b.is_finished());
        let (done, pending) = wait(vec![a, b], ReturnWhen::FirstCompleted, None).await;
        assert_eq!(
            (done.len(), pending.len()),
            (2, 0),
            "a finished task was returned as pending"
        );

        // Two tasks that finish in the same loop turn.
        let (done, pending) = wait(
            vec![sleeper(10), sleeper(10), sleeper(20)],
            ReturnWhen::FirstCompleted,
            None,
        )
        .await;
        let finished_in_pending = pending.iter().filter(|t| t.is_finished()).count();
        assert_eq!(
            (done.len(), pending.len(), finished_in_pending),
            (2, 1, 0),
            "a finished task was returned as pending"
        );

        // FirstException: the task that finished alongside the panic.
        let (done, pending) = wait(
            vec![crasher(10), sleeper(10), sleeper(20)],
            ReturnWhen::FirstException,
            None,
        )
        .await;
        assert_eq!(outcomes(done).await, [Err("panic"), Ok(10)]);
        assert_eq!(pending.len(), 1);
    });
}

#[test]
fn wait_first_exception_returns_at_the_first_panic() {
    run_guarded(async {
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(10), crasher(20), sleeper(1000), sleeper(30)],
            ReturnWhen::FirstException,
            None,
        )
        .await;
        assert_eq!(start.elapsed(), ms(20));
        assert_eq!(outcomes(done).await, [Ok(10), Err("panic")]);
        assert_eq!(pending.len(), 2);
        let mut results = Vec::new();
        for task in pending {
            results.push(task.await.unwrap());
        }
        assert_eq!(results, [1000, 30]);
    });
}

#[test]
fn wait_first_exception_returns_at_the_first_cancelled_task() {
    run_guarded(async {
        let start = time::now();
        // A TaskGroup child that returns Err ends as cancelled: it is
        // cancelled while `wait` is waiting.
        let group = TaskGroup::<()>::new();
        let cancelled: Task<u64> = group.spawn(async {
            sleep(ms(15)).await;
            Err(())
        });
        let (done, pending) = wait(
            vec![sleeper(30), cancelled, sleeper(5)],
            ReturnWhen::FirstException,
            None,
        )
        .await;
        assert_eq!(start.elapsed(), ms(15));
        assert_eq!(outcomes(done).await, [Ok(5), Err("cancelled")]);
        assert_eq!(pending.len(), 1);
        assert!(group.join().await.is_err());

        // A task cancelled before the wait: done at once.
        let start = time::now();
        let doomed = sleeper(10);
        doomed.cancel();
        let (done, pending) =
            wait(vec![sleeper(30), doomed], ReturnWhen::FirstException, None).await;
        assert_eq!(time::now(), start);
        assert_eq!(outcomes(done).await, [Err("cancelled")]);
        assert_eq!(pending.len(), 1);
    });
}

#[test]
fn wait_first_exception_without_a_failure_waits_for_all() {
    run_guarded(async {
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(20), sleeper(10)],
            ReturnWhen::FirstException,
            None,
        )
        .await;
        assert_eq!(start.elapsed(), ms(20));
        assert!(pending.is_empty());
        assert_eq!(outcomes(done).await, [Ok(10), Ok(20)]);
    });
}

#[test]
fn wait_with_a_timeout_returns_the_split_at_the_timeout() {
    run_guarded(async {
        // AllCompleted: 10 and 20 done at 25 ms, 40 and 30 pending in input order.
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(40), sleeper(10), sleeper(30), sleeper(20)],
            ReturnWhen::AllCompleted,
            Some(ms(25)),
        )
        .await;
        assert_eq!(start.elapsed(), ms(25));
        assert_eq!(outcomes(done).await, [Ok(10), Ok(20)]);
        assert!(pending.iter().all(|t| !t.is_finished()));
        let mut rest = Vec::new();
        for task in pending {
            rest.push(task.await.unwrap()); // they kept running
        }
        assert_eq!(rest, [40, 30]);
        assert_eq!(start.elapsed(), ms(40));

        // FirstCompleted: nothing finished before the timeout.
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(30), sleeper(20)],
            ReturnWhen::FirstCompleted,
            Some(ms(5)),
        )
        .await;
        assert_eq!(start.elapsed(), ms(5));
        assert!(done.is_empty());
        assert_eq!(pending.len(), 2);
        for task in pending {
            task.cancel();
        }

        // FirstException: no failure before the timeout.
        let start = time::now();
        let (done, pending) = wait(
            vec![crasher(50), sleeper(10)],
            ReturnWhen::FirstException,
            Some(ms(30)),
        )
        .await;
        assert_eq!(start.elapsed(), ms(30));
        assert_eq!(outcomes(done).await, [Ok(10)]);
        assert_eq!(pending.len(), 1);
        for task in pending {
            task.cancel();
        }

        // A timeout longer than the wait changes nothing.
        let start = time::now();
        let (done, pending) = wait(
            vec![sleeper(10), sleeper(20)],
            ReturnWhen::AllCompleted,
            Some(secs(10)),
        )
        .await;
        assert_eq!(start.elapsed(), ms(20));
        assert_eq!(outcomes(done).await, [Ok(10), Ok(20)]);
        assert!(pending.is_empty());
    });
}

#[test]
fn wait_first_exception_with_a_timeout_then_cancel_the_pending() {
    // asyncio: done, pending = await asyncio.wait(tasks, timeout=0.5,
    // return_when=FIRST_EXCEPTION); for t in pending: t.cancel()
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let slow = {
            let token = drops.token();
            spawn(async move {
                let _token = token;
                sleep(secs(60)).await;
                0
            })
        };
        let (done, pending) = wait(
            vec![sleeper(10), crasher(20), slow],
            ReturnWhen::FirstException,
            Some(ms(500)),
        )
        .await;
        assert_eq!(start.elapsed(), ms(20));
        assert_eq!(pending.len(), 1);
        for task in &pending {
            assert!(task.cancel());
        }
        yield_now().await;
        assert_eq!(drops.count(), 1);
        assert_eq!(outcomes(done).await, [Ok(10), Err("panic")]);
        assert_eq!(outcomes(pending).await, [Err("cancelled")]);
    });
}

#[test]
fn dropping_a_wait_detaches_its_tasks() {
    run_guarded(async {
        let log = Log::new();
        let tasks: Vec<Task<()>> = [10u64, 20]
            .into_iter()
            .map(|n| {
                let log = log.clone();
                spawn(async move {
                    sleep(ms(n)).await;
                    log.push(format!("{n} finished"));
                })
            })
            .collect();
        let out = timeout(ms(5), wait(tasks, ReturnWhen::AllCompleted, None)).await;
        assert!(out.is_err());
        sleep(ms(50)).await;
        assert_eq!(log.take(), ["10 finished", "20 finished"]);
    });
}

#[test]
fn wait_on_no_tasks_returns_at_once_in_every_mode() {
    run_guarded(async {
        let start = time::now();
        for when in [
            ReturnWhen::FirstCompleted,
            ReturnWhen::FirstException,
            ReturnWhen::AllCompleted,
        ] {
            for timeout in [None, Some(ms(10))] {
                let (done, pending) = wait(Vec::<Task<()>>::new(), when, timeout).await;
                assert!(done.is_empty() && pending.is_empty());
            }
        }
        assert_eq!(time::now(), start);
    });
}

// ---------------------------------------------------------------------------
// as_completed
// ---------------------------------------------------------------------------

#[test]
fn as_completed_yields_results_in_completion_order() {
    run_guarded(async {
        let start = time::now();
        let mut stream = as_completed([30, 10, 20].map(sleeper));
        assert_eq!(futures_core::Stream::size_hint(&stream), (3, Some(3)));
        let mut seen = Vec::new();
        while let Some(result) = stream.next().await {
            seen.push((result.unwrap(), start.elapsed()));
        }
        assert_eq!(seen, [(10, ms(10)), (20, ms(20)), (30, ms(30))]);
        assert!(stream.next().await.is_none());
        assert_eq!(futures_core::Stream::size_hint(&stream), (0, Some(0)));
    });
}

#[test]
fn as_completed_yields_a_panic_in_its_place() {
    run_guarded(async {
        let mut stream = as_completed(vec![sleeper(30), crasher(10), sleeper(20)]);
        let first = stream.next().await.unwrap().unwrap_err();
        assert!(first.is_panic());
        assert_eq!(
            support::payload_message(&*first.into_panic()).as_deref(),
            Some("crash after 10 ms")
        );
        assert_eq!(stream.next().await.unwrap().unwrap(), 20);
        assert_eq!(stream.next().await.unwrap().unwrap(), 30);
        assert!(stream.next().await.is_none());
    });
}

#[test]
fn as_completed_yields_a_cancelled_task_in_its_place() {
    run_guarded(async {
        let doomed = sleeper(5);
        let doomed_id = doomed.id();
        doomed.cancel();
        let mut stream = as_completed(vec![sleeper(10), doomed]);
        let first = stream.next().await.unwrap().unwrap_err();
        assert!(first.is_cancelled());
        assert_eq!(first.id(), doomed_id);
        assert_eq!(stream.next().await.unwrap().unwrap(), 10);
        assert!(stream.next().await.is_none());
    });
}

#[test]
fn as_completed_is_a_stream() {
    run_guarded(async {
        let start = time::now();
        let results: Vec<u64> = as_completed([40, 10, 30, 20].map(sleeper))
            .map(Result::unwrap)
            .collect()
            .await;
        assert_eq!(results, [10, 20, 30, 40]);
        assert_eq!(start.elapsed(), ms(40));

        let mut stream = as_completed(Vec::<Task<u8>>::new());
        assert!(StreamExt::next(&mut stream).await.is_none());
    });
}

#[test]
fn dropping_as_completed_detaches_the_remaining_tasks() {
    run_guarded(async {
        let log = Log::new();
        let tasks: Vec<Task<()>> = [10, 20]
            .into_iter()
            .map(|n| {
                let log = log.clone();
                spawn(async move {
                    sleep(ms(n)).await;
                    log.push(format!("{n} finished"));
                })
            })
            .collect();
        let mut stream = as_completed(tasks);
        stream.next().await.unwrap().unwrap();
        drop(stream);
        sleep(ms(50)).await;
        assert_eq!(log.take(), ["10 finished", "20 finished"]);
    });
}

// ---------------------------------------------------------------------------
// Fan-out patterns from asyncio
// ---------------------------------------------------------------------------

#[test]
fn fan_out_with_a_bounded_budget_keeps_what_finished() {
    // asyncio: `for coro in asyncio.as_completed(aws, timeout=...)`: take
    // results as they come until a deadline, then cancel the rest.
    run_guarded(async {
        let start = time::now();
        let deadline = start + ms(25);
        let tasks: Vec<Task<u64>> = [40, 10, 30, 20].map(sleeper).into();
        let mut stream = as_completed(tasks);
        let mut got = Vec::new();
        while let Ok(Some(result)) = uniloop::timeout_at(deadline, stream.next()).await {
            got.push(result.unwrap());
        }
        assert_eq!(got, [10, 20]);
        assert_eq!(time::now(), deadline);
        assert_eq!(futures_core::Stream::size_hint(&stream), (2, Some(2)));
    });
}

#[test]
fn a_task_group_inside_an_overall_timeout_is_cancelled_whole() {
    // asyncio: `async with asyncio.timeout(1): async with TaskGroup() as tg: ...`
    run_guarded(async {
        let start = time::now();
        let drops = DropCounter::new();
        let results = Rc::new(RefCell::new(Vec::new()));
        let body = {
            let (drops, results) = (drops.clone(), results.clone());
            async move {
                let group = TaskGroup::<()>::new();
                for n in [10u64, 2_000, 500] {
                    let (token, results) = (drops.token(), results.clone());
                    drop(group.spawn(async move {
                        let _token = token;
                        sleep(ms(n)).await;
                        results.borrow_mut().push(n);
                        Ok(())
                    }));
                }
                group.join().await
            }
        };
        let out = timeout(secs(1), body).await;
        assert!(out.is_err());
        assert_eq!(start.elapsed(), secs(1));
        yield_now().await;
        assert_eq!(drops.count(), 3);
        assert_eq!(*results.borrow(), [10, 500]);
    });
}

#[test]
fn gather_all_with_return_exceptions_is_a_gather_of_results() {
    // asyncio: `await asyncio.gather(*aws, return_exceptions=True)`.
    run_guarded(async {
        let start = time::now();
        let jobs = [(20u64, true), (10, false), (30, true)];
        let out = gather_all(jobs.map(|(delay, ok)| async move {
            sleep(ms(delay)).await;
            if ok {
                Ok(delay)
            } else {
                Err(format!("job {delay} failed"))
            }
        }))
        .await;
        assert_eq!(out, [Ok(20), Err("job 10 failed".to_string()), Ok(30)]);
        assert_eq!(start.elapsed(), ms(30));
    });
}

#[test]
fn virtual_instants_are_exact() {
    // A sanity check of the clock these tests rely on.
    run_guarded(async {
        let start: Instant = time::now();
        gather!(sleep(ms(7)), sleep(ms(3))).await;
        assert_eq!(time::now() - start, ms(7));
        sleep(ms(0)).await;
        assert_eq!(time::now() - start, ms(7));
    });
}

#[test]
fn children_spawned_after_cancel_are_cancelled_too() {
    run_guarded(async {
        let group = TaskGroup::<()>::new();
        group.cancel();
        let late = group.spawn(async { Ok(7) });
        group.join().await.unwrap();
        assert!(late.await.unwrap_err().is_cancelled());
    });
}
