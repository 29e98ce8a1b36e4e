//! Structured concurrency: `gather!`, `try_gather!` and `race` (split
//! from `tests/group.rs`), on the paused clock so that every future takes
//! an exact virtual time. `gather_all` is in `tests/group_gather_all.rs`.

mod group_support;
mod support;

use std::future::{pending, ready, Future};

use group_support::{ms, secs};
use support::{panic_message, poll_counter, run_guarded, DropCounter, Log};
use uniloop::time;
use uniloop::{gather, race, sleep, timeout, try_gather, yield_now};

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
