//! Structured concurrency, the asyncio patterns (split from
//! `tests/group.rs`): three concurrent fetches take the longest one's
//! time, not the sum, with `gather!`, `gather_all` and a `TaskGroup`; and
//! fan-out patterns from asyncio (a bounded budget with `as_completed`, a
//! group inside an overall timeout, `return_exceptions`). On the paused
//! clock so that every "fetch" takes an exact virtual time.

mod group_support;
mod support;

use std::cell::RefCell;
use std::rc::Rc;

use group_support::{fetch, ms, secs, sleeper};
use support::{run_guarded, DropCounter};
use uniloop::time::{self, Instant};
use uniloop::{as_completed, gather, gather_all, sleep, timeout, yield_now, Task, TaskGroup};

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
