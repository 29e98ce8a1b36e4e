//! Async cleanup on cancellation (`on_cancel`, `finally`), `shield`,
//! `cancel_with`, and the rule for dropping a `Task`.

mod fault_support;
mod support;

use std::future::pending;
use std::time::Duration;

use fault_support::watchdog;
use support::{ms_since, paused, Log};
use uniloop::time::Instant;
use uniloop::{finally, on_cancel, shield, sleep, spawn, yield_now, Runtime, TaskGroup};

#[test]
fn a_cleanup_runs_to_its_end_before_the_awaiter_sees_the_task_cancelled() {
    let log = Log::new();
    paused().block_on(async {
        let start = Instant::now();
        let l = log.clone();
        let worker = spawn(on_cancel(sleep(Duration::from_secs(10)), async move {
            l.push(format!("cleanup starts at {}", ms_since(start)));
            sleep(Duration::from_millis(500)).await;
            l.push(format!("cleanup ends at {}", ms_since(start)));
        }));
        sleep(Duration::from_secs(1)).await;
        assert!(worker.cancel());
        let err = worker.await.unwrap_err();
        assert!(err.is_cancelled());
        log.push(format!("awaiter sees cancelled at {}", ms_since(start)));
    });
    assert_eq!(
        log.snapshot(),
        [
            "cleanup starts at 1000",
            "cleanup ends at 1500",
            "awaiter sees cancelled at 1500"
        ]
    );
}

#[test]
fn on_cancel_without_a_cancellation_gives_the_work_output_and_skips_the_cleanup() {
    let log = Log::new();
    let l = log.clone();
    let out = uniloop::run(async move {
        spawn(on_cancel(async { 7 }, async move { l.push("cleanup") }))
            .await
            .unwrap()
    });
    assert_eq!(out, 7);
    assert!(log.is_empty());
}

#[test]
fn finally_runs_after_the_work_ends_and_after_a_cancellation() {
    let log = Log::new();
    paused().block_on(async {
        let l = log.clone();
        let ok = spawn(finally(async { "value" }, async move {
            yield_now().await;
            l.push("finally after work");
        }));
        assert_eq!(ok.await.unwrap(), "value");
        let l = log.clone();
        let cancelled = spawn(finally(pending::<()>(), async move {
            sleep(Duration::from_millis(5)).await;
            l.push("finally after cancel");
        }));
        yield_now().await;
        cancelled.cancel();
        assert!(cancelled.await.unwrap_err().is_cancelled());
    });
    assert_eq!(
        log.snapshot(),
        ["finally after work", "finally after cancel"]
    );
}

#[test]
fn finally_runs_when_the_work_panics_and_the_panic_goes_on() {
    let log = Log::new();
    let l = log.clone();
    let err = uniloop::run(async move {
        spawn(finally(
            async {
                panic!("work failed");
            },
            async move { l.push("finally") },
        ))
        .await
        .unwrap_err()
    });
    assert!(err.is_panic());
    assert_eq!(err.panic_message().as_deref(), Some("work failed"));
    assert_eq!(log.snapshot(), ["finally"]);
}

#[test]
fn nested_cleanups_run_innermost_first_as_nested_except_blocks_do() {
    let log = Log::new();
    paused().block_on(async {
        let (l1, l2) = (log.clone(), log.clone());
        let worker = spawn(on_cancel(
            on_cancel(pending::<()>(), async move {
                sleep(Duration::from_millis(10)).await;
                l1.push("inner");
            }),
            async move { l2.push("outer") },
        ));
        yield_now().await;
        worker.cancel();
        assert!(worker.await.unwrap_err().is_cancelled());
    });
    assert_eq!(log.snapshot(), ["inner", "outer"]);
}

#[test]
fn a_cleanup_reaches_the_cancellation_even_behind_a_future_that_does_not_poll_it() {
    // The cleanup sits in a branch that `race` never polls again (its
    // sibling keeps being the only one woken): the cancellation must still
    // reach it.
    let log = Log::new();
    paused().block_on(async {
        let l = log.clone();
        let worker = spawn(async move {
            let guarded = Box::pin(on_cancel(pending::<()>(), async move {
                l.push("cleanup");
            }));
            uniloop::race([
                guarded as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
                Box::pin(sleep(Duration::from_secs(3600))),
            ])
            .await;
        });
        sleep(Duration::from_millis(1)).await;
        worker.cancel();
        assert!(worker.await.unwrap_err().is_cancelled());
    });
    assert_eq!(log.snapshot(), ["cleanup"]);
}

#[test]
fn a_cancel_message_reaches_the_join_error_and_the_cleanup() {
    let log = Log::new();
    let err = uniloop::run({
        let log = log.clone();
        async move {
            let l = log.clone();
            let worker = spawn(on_cancel(pending::<()>(), async move {
                let me = uniloop::current_task().unwrap();
                l.push(format!("cleanup sees {:?}", me.cancel_message));
            }));
            yield_now().await;
            assert!(worker.cancel_with("shutting down"));
            assert!(!worker.cancel_with("again"));
            worker.await.unwrap_err()
        }
    });
    assert!(err.is_cancelled());
    assert_eq!(err.cancel_message(), Some("shutting down"));
    assert!(
        err.to_string().ends_with("was cancelled: shutting down"),
        "{err}"
    );
    assert_eq!(log.snapshot(), [r#"cleanup sees Some("shutting down")"#]);
}

#[test]
fn a_plain_cancel_has_no_message() {
    let err = uniloop::run(async {
        let task = spawn(pending::<()>());
        task.cancel();
        task.await.unwrap_err()
    });
    assert_eq!(err.cancel_message(), None);
}

#[test]
fn a_cleanup_dropped_by_its_own_task_does_not_run() {
    // A select that gives up on a guarded branch drops it: no cleanup
    // (only a cancellation of the task runs cleanups).
    let log = Log::new();
    paused().block_on(async {
        let l = log.clone();
        let out = uniloop::timeout(
            Duration::from_millis(5),
            on_cancel(pending::<()>(), async move { l.push("cleanup") }),
        )
        .await;
        assert!(out.is_err());
    });
    assert!(log.is_empty());
}

#[test]
fn outside_a_task_on_cancel_is_just_its_work() {
    let out = Runtime::new()
        .unwrap()
        .block_on(on_cancel(async { 5 }, async { unreachable!() }));
    assert_eq!(out, 5);
}

#[test]
fn a_panicking_cleanup_ends_the_task_as_a_panic() {
    let err = uniloop::run(async {
        let worker = spawn(on_cancel(pending::<()>(), async {
            panic!("cleanup failed");
        }));
        yield_now().await;
        worker.cancel();
        worker.await.unwrap_err()
    });
    assert!(err.is_panic());
    assert_eq!(err.panic_message().as_deref(), Some("cleanup failed"));
}

// ---------------------------------------------------------------------------
// Dropping a Task: the rule
// ---------------------------------------------------------------------------

#[test]
fn a_task_never_awaited_runs_on_when_its_handle_is_dropped() {
    let log = Log::new();
    let l = log.clone();
    paused().block_on(async move {
        drop(spawn(async move {
            sleep(Duration::from_millis(5)).await;
            l.push("fire and forget ran");
        }));
        sleep(Duration::from_millis(10)).await;
    });
    assert_eq!(log.snapshot(), ["fire and forget ran"]);
}

#[test]
fn a_task_awaited_then_dropped_unfinished_is_cancelled_unless_detached() {
    paused().block_on(async {
        let (tx, rx) = uniloop::channel::oneshot::channel::<()>();
        let mut kept = spawn(async move {
            sleep(Duration::from_millis(20)).await;
            tx.send(()).unwrap();
        });
        let (tx2, rx2) = uniloop::channel::oneshot::channel::<()>();
        let mut dropped = spawn(async move {
            sleep(Duration::from_millis(20)).await;
            let _ = tx2.send(());
        });
        let _ = uniloop::timeout(Duration::from_millis(1), &mut kept).await;
        let _ = uniloop::timeout(Duration::from_millis(1), &mut dropped).await;
        kept.detach();
        drop(dropped);
        assert_eq!(rx.await, Ok(()));
        assert!(rx2.await.is_err(), "the dropped task was cancelled");
    });
}

#[test]
fn shield_keeps_the_awaited_task_running_when_the_awaiter_is_cancelled() {
    let log = Log::new();
    paused().block_on(async {
        let start = Instant::now();
        let l = log.clone();
        let save = spawn(async move {
            sleep(Duration::from_millis(200)).await;
            l.push(format!("saved at {}", ms_since(start)));
            "r"
        });
        let save_id = save.id();
        let caller = spawn(shield(save));
        sleep(Duration::from_millis(100)).await;
        caller.cancel();
        assert!(caller.await.unwrap_err().is_cancelled());
        log.push(format!("caller cancelled at {}", ms_since(start)));
        assert!(uniloop::all_tasks().iter().any(|t| t.id == save_id));
        sleep(Duration::from_millis(150)).await;
    });
    assert_eq!(log.snapshot(), ["caller cancelled at 100", "saved at 200"]);
}

/// A child that leaves its group while closing must not wait for itself:
/// cancelling a task whose future owns a `TaskGroup` drops the group, which
/// cancels its children; each child's close drops the group's last
/// reference, whose list of closing children holds that very child. (This
/// hung: the child collected itself and waited forever.)
#[test]
fn cancelling_a_task_that_owns_a_group_completes() {
    let joined = watchdog(
        "a failing child cancelling a sibling that owns a group",
        20,
        || {
            paused().block_on(async {
                let group: TaskGroup<&str> = TaskGroup::new();
                drop(group.spawn(async {
                    sleep(Duration::from_millis(10)).await;
                    Err::<(), _>("first")
                }));
                drop(group.spawn(async {
                    let inner: TaskGroup<&str> = TaskGroup::new();
                    drop(inner.spawn(async {
                        sleep(Duration::from_secs(1)).await;
                        Ok::<(), &str>(())
                    }));
                    inner.join().await.map_err(|_| "inner")
                }));
                group.join().await.map_err(|err| err.into_errors().len())
            })
        },
    );
    assert_eq!(joined, Err(1));
}
