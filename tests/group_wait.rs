//! Structured concurrency: `wait` (every `ReturnWhen`, timeouts, drops)
//! and `as_completed` (split from `tests/group.rs`), on the paused clock
//! so that every task takes an exact virtual time.

mod group_support;
mod support;

use std::task::Poll;

use futures::StreamExt;
use group_support::{ms, secs, sleeper};
use support::{poll_once, run_guarded, DropCounter, Log};
use uniloop::time;
use uniloop::{as_completed, sleep, spawn, timeout, wait, yield_now, ReturnWhen, Task, TaskGroup};

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
fn dropping_a_wait_cancels_its_tasks_and_waits_for_them() {
    run_guarded(async {
        let log = Log::new();
        let drops = DropCounter::new();
        let tasks: Vec<Task<()>> = [10u64, 20]
            .into_iter()
            .map(|n| {
                let log = log.clone();
                let token = drops.logged_token(&log, format!("{n} dropped"));
                spawn(async move {
                    let _token = token;
                    sleep(ms(n)).await;
                    log.push(format!("{n} finished"));
                })
            })
            .collect();
        let out = timeout(ms(5), wait(tasks, ReturnWhen::AllCompleted, None)).await;
        assert!(out.is_err());
        // `wait` owned the handles: the timeout cancelled them, and
        // returned once both had been dropped.
        assert_eq!(log.take(), ["10 dropped", "20 dropped"]);
        sleep(ms(50)).await;
        assert!(log.is_empty(), "{:?}", log.take());
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
