//! Structured concurrency: `TaskGroup` (split from `tests/group.rs`):
//! success, failure and panics, cancelling the siblings, drops, nested
//! groups, `cancel` and `GroupError`, on the paused clock. The model test
//! of nested groups is `tests/group_model.rs`.

mod group_support;
mod support;

use std::cell::Cell;
use std::future::pending;
use std::rc::Rc;

use group_support::{ms, secs};
use support::{panic_message, run_guarded, CustomPayload, DropCounter, Log};
use uniloop::time;
use uniloop::{sleep, spawn, timeout, yield_now, ChildError, GroupError, Task, TaskGroup};

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
        // The group cancels at the end of the turn the failure happened
        // in (as asyncio's done callback runs after the tasks already
        // scheduled, this one included).
        yield_now().await;
        assert!(forever.is_cancelled());
        let err = group.join().await.unwrap_err();
        assert_eq!(err.into_errors(), [ChildError::Failed(7)]);
        assert!(forever.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn two_failures_in_the_same_turn_are_all_kept_in_order() {
    // asyncio: three tasks failing after the same sleep raise one
    // ExceptionGroup of three (python3 3.11).
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
        assert_eq!(
            err.errors(),
            [
                ChildError::Failed("a"),
                ChildError::Failed("b"),
                ChildError::Failed("c")
            ]
        );
        // Woken in the same turn, all three ran before the group cancelled.
        assert_eq!(polled.take(), ["a", "b", "c"]);
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
