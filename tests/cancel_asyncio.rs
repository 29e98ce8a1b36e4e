//! One test per asyncio cancellation behaviour that uniloop follows, each
//! asserting what asyncio does (order of events, what was cancelled and
//! when, on the paused clock). The Python programs these outcomes come
//! from are quoted above each test; they were run with `python3` (3.11).

mod support;

use std::future::pending;
use std::time::Duration;

use support::{ms_since, paused, Log};
use uniloop::time::Instant;
use uniloop::{
    gather_all, on_cancel, sleep, spawn, timeout, wait, ChildError, ReturnWhen, TaskGroup,
};

/// ```python
/// async def worker():
///     try: await asyncio.sleep(10)
///     except asyncio.CancelledError:
///         log("worker cancelled"); await asyncio.sleep(0.5); log("cleanup done"); raise
/// task = asyncio.create_task(worker())
/// try: await asyncio.wait_for(task, 1)
/// except TimeoutError: log("timeout", task.done(), task.cancelled())
/// # worker cancelled 1.0; cleanup done 1.5; timeout 1.5 True True
/// ```
#[test]
fn wait_for_a_task_cancels_it_on_timeout_and_returns_after_its_cancellation() {
    let log = Log::new();
    paused().block_on(async {
        let start = Instant::now();
        let l = log.clone();
        let worker = spawn(on_cancel(sleep(Duration::from_secs(10)), async move {
            l.push(format!("worker cancelled at {}", ms_since(start)));
            sleep(Duration::from_millis(500)).await;
            l.push(format!("cleanup done at {}", ms_since(start)));
        }));
        let id = worker.id();
        let out = timeout(Duration::from_secs(1), worker).await;
        assert!(out.is_err());
        log.push(format!("timeout at {}", ms_since(start)));
        assert!(
            uniloop::all_tasks().iter().all(|t| t.id != id),
            "the task is done"
        );
    });
    assert_eq!(
        log.snapshot(),
        [
            "worker cancelled at 1000",
            "cleanup done at 1500",
            "timeout at 1500"
        ]
    );
}

/// ```python
/// async def inner():
///     try: await asyncio.sleep(10)
///     except asyncio.CancelledError as e: log("inner cancelled", e.args); raise
/// async def outer(it):
///     try: await it
///     except asyncio.CancelledError as e: log("outer cancelled", e.args, it.cancelled()); raise
/// it = create_task(inner()); ot = create_task(outer(it))
/// await asyncio.sleep(0.1); ot.cancel("bye")
/// # inner cancelled ('bye',); outer cancelled ('bye',) True
/// ```
#[test]
fn cancelling_a_task_cancels_the_task_it_awaits_first_with_the_same_message() {
    let log = Log::new();
    paused().block_on(async {
        let l = log.clone();
        let inner = spawn(on_cancel(sleep(Duration::from_secs(10)), async move {
            let me = uniloop::current_task().unwrap();
            l.push(format!("inner cancelled {:?}", me.cancel_message));
        }));
        let inner_id = inner.id();
        let l = log.clone();
        let outer = spawn(on_cancel(inner, async move {
            let inner_alive = uniloop::all_tasks().iter().any(|t| t.id == inner_id);
            l.push(format!("outer cleanup, inner alive: {inner_alive}"));
        }));
        sleep(Duration::from_millis(100)).await;
        outer.cancel_with("bye");
        let err = outer.await.unwrap_err();
        assert_eq!(err.cancel_message(), Some("bye"));
    });
    assert_eq!(
        log.snapshot(),
        [
            r#"inner cancelled Some("bye")"#,
            "outer cleanup, inner alive: false"
        ]
    );
}

/// The plain version, with no cleanups: the inner task is cancelled, and
/// the outer one is reported finished only after the inner one is.
#[test]
fn an_awaited_task_is_cancelled_and_completes_before_its_awaiter() {
    paused().block_on(async {
        let (tx, rx) = uniloop::channel::oneshot::channel::<()>();
        let inner = spawn(async move {
            sleep(Duration::from_secs(10)).await;
            let _ = tx.send(());
        });
        let outer = spawn(inner); // awaits `inner`
        sleep(Duration::from_millis(1)).await;
        outer.cancel();
        assert!(outer.await.unwrap_err().is_cancelled());
        // The inner task's future (holding the sender) is gone already.
        assert!(rx.await.is_err());
        assert!(
            uniloop::all_tasks().is_empty(),
            "{:?}",
            uniloop::all_tasks()
        );
    });
}

/// ```python
/// it = create_task(asyncio.sleep(0.2, "r"))
/// ot = create_task(outer(asyncio.shield(it)))
/// await asyncio.sleep(0.1); ot.cancel()
/// # outer cancelled, it.done() False; then await it == "r"
/// ```
#[test]
fn shield_stops_the_cancellation_at_the_shielded_task() {
    paused().block_on(async {
        let start = Instant::now();
        let it = spawn(async {
            sleep(Duration::from_millis(200)).await;
            "r"
        });
        let it_id = it.id();
        let ot = spawn(uniloop::shield(it));
        sleep(Duration::from_millis(100)).await;
        ot.cancel();
        assert!(ot.await.unwrap_err().is_cancelled());
        assert!(uniloop::all_tasks().iter().any(|t| t.id == it_id));
        assert_eq!(ms_since(start), 100);
    });
}

/// ```python
/// a = create_task(inner()); b = create_task(inner())
/// g = create_task(gather_them(a, b))   # await asyncio.gather(a, b)
/// await asyncio.sleep(0.1); g.cancel("g")
/// # inner cancelled ('g',) twice; a.cancelled() and b.cancelled()
/// ```
#[test]
fn cancelling_a_task_that_gathers_tasks_cancels_every_one() {
    let log = Log::new();
    paused().block_on(async {
        let inner = |name: &'static str| {
            let l = log.clone();
            spawn(on_cancel(sleep(Duration::from_secs(10)), async move {
                let me = uniloop::current_task().unwrap();
                l.push(format!("{name} cancelled {:?}", me.cancel_message));
            }))
        };
        let (a, b) = (inner("a"), inner("b"));
        let (c, d) = (inner("c"), inner("d"));
        let g = spawn(async move { uniloop::gather!(a, b).await });
        let g_all = spawn(async move { gather_all([c, d]).await });
        sleep(Duration::from_millis(100)).await;
        g.cancel_with("g");
        g_all.cancel_with("g_all");
        assert!(g.await.unwrap_err().is_cancelled());
        assert!(g_all.await.unwrap_err().is_cancelled());
    });
    let mut events = log.snapshot();
    events.sort();
    assert_eq!(
        events,
        [
            r#"a cancelled Some("g")"#,
            r#"b cancelled Some("g")"#,
            r#"c cancelled Some("g_all")"#,
            r#"d cancelled Some("g_all")"#,
        ]
    );
}

/// ```python
/// async def g():
///     await asyncio.sleep(0.1); raise ValueError("child")
/// async with asyncio.TaskGroup() as tg:
///     tg.create_task(g())
///     try: await asyncio.sleep(10)
///     except CancelledError: log("body cancelled", t()); raise
/// # body cancelled 0.1; ExceptionGroup (ValueError('child'),) at 0.1
/// ```
#[test]
fn a_task_group_failure_cancels_the_body() {
    let log = Log::new();
    paused().block_on(async {
        let start = Instant::now();
        let l = log.clone();
        let result = TaskGroup::scope(move |tg| async move {
            drop(tg.spawn(async {
                sleep(Duration::from_millis(100)).await;
                Err::<(), _>("child".into())
            }));
            on_cancel(sleep(Duration::from_secs(10)), async move {
                l.push(format!("body cancelled at {}", ms_since(start)));
            })
            .await;
            Ok(())
        })
        .await;
        let err = result.unwrap_err();
        assert_eq!(err.to_string(), "1 task of a TaskGroup failed: child");
        log.push(format!("scope returned at {}", ms_since(start)));
    });
    assert_eq!(
        log.snapshot(),
        ["body cancelled at 100", "scope returned at 100"]
    );
}

/// ```python
/// async def child():
///     async with asyncio.TaskGroup() as inner:
///         inner.create_task(fail_after(0.1))
///         await asyncio.sleep(10)
/// async with asyncio.TaskGroup() as outer:
///     outer.create_task(child())
///     await asyncio.sleep(10)
/// # ExceptionGroup(ExceptionGroup(ValueError)) at 0.1
/// ```
#[test]
fn a_nested_group_failure_surfaces_at_once_not_after_the_body_sleeps() {
    paused().block_on(async {
        let start = Instant::now();
        let result = TaskGroup::scope(|outer| async move {
            drop(outer.spawn(async {
                TaskGroup::scope(|inner| async move {
                    drop(inner.spawn(async {
                        sleep(Duration::from_millis(100)).await;
                        Err::<(), _>("deep".into())
                    }));
                    sleep(Duration::from_secs(10)).await;
                    Ok(())
                })
                .await
                .map_err(uniloop::BoxError::from)
            }));
            sleep(Duration::from_secs(10)).await;
            Ok(())
        })
        .await;
        assert_eq!(ms_since(start), 100);
        let err = result.unwrap_err();
        assert_eq!(
            err.to_string(),
            "1 task of a TaskGroup failed: 1 task of a TaskGroup failed: deep"
        );
    });
}

/// ```python
/// async def parent(tg):
///     await asyncio.sleep(0.1)
///     tg.create_task(asyncio.sleep(0.1))      # a sibling, while joining
/// async with asyncio.TaskGroup() as tg:
///     tg.create_task(parent(tg))
/// # leaves at 0.2
/// ```
#[test]
fn children_spawn_siblings_while_the_group_is_joined() {
    paused().block_on(async {
        let start = Instant::now();
        let group = TaskGroup::<()>::new();
        let handle = group.handle();
        let (tx, rx) = uniloop::channel::oneshot::channel();
        drop(group.spawn(async move {
            sleep(Duration::from_millis(100)).await;
            let sibling = handle.spawn(async {
                sleep(Duration::from_millis(100)).await;
                Ok(7)
            });
            let _ = tx.send(sibling);
            Ok(())
        }));
        group.join().await.unwrap();
        assert_eq!(ms_since(start), 200);
        assert_eq!(rx.await.unwrap().await.unwrap(), 7);
    });
}

/// ```python
/// async def f(i): await asyncio.sleep(0.1); raise ValueError(i)
/// async with asyncio.TaskGroup() as tg:
///     tg.create_task(f(1)); tg.create_task(f(2))
/// # ExceptionGroup: (ValueError(1), ValueError(2))
/// ```
#[test]
fn every_child_error_is_kept_in_failure_order() {
    paused().block_on(async {
        let result = TaskGroup::<String>::new()
            .run(|tg| async move {
                for i in 1..=2 {
                    drop(tg.spawn(async move {
                        sleep(Duration::from_millis(100)).await;
                        Err::<(), _>(format!("child {i}"))
                    }));
                }
                Ok(())
            })
            .await;
        assert_eq!(
            result.unwrap_err().into_errors(),
            [
                ChildError::Failed("child 1".to_string()),
                ChildError::Failed("child 2".to_string())
            ]
        );
    });
}

/// ```python
/// async def h():
///     try: await asyncio.sleep(10)
///     except asyncio.CancelledError: raise ValueError("in cleanup")
/// async with asyncio.TaskGroup() as tg:
///     tg.create_task(h()); tg.create_task(g())
/// # ExceptionGroup: (ValueError('child'), ValueError('in cleanup'))
/// ```
#[test]
fn a_failure_in_a_cancelled_childs_cleanup_is_kept_too() {
    paused().block_on(async {
        let result = TaskGroup::scope(|tg| async move {
            drop(tg.spawn(async {
                on_cancel(sleep(Duration::from_secs(10)), async {
                    panic!("in cleanup");
                })
                .await;
                Ok(())
            }));
            drop(tg.spawn(async {
                sleep(Duration::from_millis(100)).await;
                Err::<(), _>("child".into())
            }));
            Ok(())
        })
        .await;
        let errors: Vec<String> = result
            .unwrap_err()
            .errors()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errors, ["child", "panicked: in cleanup"]);
    });
}

/// ```python
/// async def main():
///     async def worker():
///         try: await asyncio.sleep(10)
///         finally: await asyncio.sleep(0.1); log("finally ran")
///     asyncio.create_task(worker())
///     await asyncio.sleep(0)
/// asyncio.run(main())   # "finally ran", then run() returns
/// ```
#[test]
fn run_cancels_pending_tasks_and_waits_for_their_cleanups() {
    let log = Log::new();
    let l = log.clone();
    let rt = paused();
    rt.block_on(async move {
        drop(spawn(uniloop::finally(
            sleep(Duration::from_secs(10)),
            async move {
                sleep(Duration::from_millis(100)).await;
                l.push("finally ran");
            },
        )));
        uniloop::yield_now().await;
    });
    drop(rt);
    assert_eq!(log.snapshot(), ["finally ran"]);
}

/// `uniloop::run` as `asyncio.run`: the same, and what the cleanups spawn
/// or schedule runs too.
#[test]
fn work_spawned_or_scheduled_during_shutdown_runs() {
    let log = Log::new();
    let l = log.clone();
    uniloop::run(async move {
        drop(spawn(on_cancel(pending::<()>(), async move {
            let l2 = l.clone();
            uniloop::call_soon(move || l2.push("callback ran"));
            let l3 = l.clone();
            spawn(async move { l3.push("task ran") }).await.unwrap();
            l.push("cleanup done");
        })));
        uniloop::yield_now().await;
    });
    let mut events = log.snapshot();
    events.sort();
    assert_eq!(events, ["callback ran", "cleanup done", "task ran"]);
}

/// ```python
/// async def ok(): await asyncio.sleep(0.01); return 1
/// async def bad(): await asyncio.sleep(0.02); raise ValueError()
/// done, pending = await asyncio.wait([ok(), bad(), slow()], return_when=FIRST_EXCEPTION)
/// # returns at 0.02 with 2 done, 1 pending
/// ```
#[test]
fn wait_first_exception_counts_an_err_as_a_failure() {
    paused().block_on(async {
        let start = Instant::now();
        let job = |ms: u64, ok: bool| {
            spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                if ok {
                    Ok(ms)
                } else {
                    Err("failed")
                }
            })
        };
        let tasks = vec![job(10, true), job(20, false), job(1_000, true)];
        let (done, pending) = wait(tasks, ReturnWhen::FirstException, None)
            .counting_errors()
            .await;
        assert_eq!(ms_since(start), 20);
        assert_eq!((done.len(), pending.len()), (2, 1));
        // Handed back, not awaited: dropping a pending task leaves it
        // running, as asyncio's pending set does.
        let slow_id = pending[0].id();
        drop(pending);
        assert!(uniloop::all_tasks().iter().any(|t| t.id == slow_id));
    });
}
