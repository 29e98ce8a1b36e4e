//! The executor: `run`, `Runtime`, `block_on`, shutdown and scheduling order.
//! Cancellation, wakers, introspection and callbacks have files of their own.

// Several tests hand a `Task` out of a `block_on` on purpose.
#![allow(clippy::async_yields_async)]

mod support;

use std::cell::Cell;
use std::future::{pending, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::task::Poll;

use support::{
    panic_message, payload_message, poll_counter, yield_times, CustomPayload, DropCounter, Log,
    Signal, WakerSlot,
};
use uniloop::{
    all_tasks, call_soon, current_task, run, spawn, spawn_named, yield_now, Handle, Runtime,
};

const NESTED_RUN: &str = "uniloop::run() cannot be called from a running event loop";
const NESTED_BLOCK_ON: &str =
    "uniloop::Runtime::block_on() cannot be called from a running event loop";

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

#[test]
fn run_returns_the_output_of_its_future() {
    assert_eq!(run(async { 6 * 7 }), 42);
    let text = String::from("not 'static");
    assert_eq!(run(async { text.len() }), 11);
}

#[test]
fn run_drives_spawned_tasks_to_produce_its_output() {
    let out = run(async {
        let a = spawn(async {
            yield_now().await;
            20
        });
        let b = spawn(async { 22 });
        a.await.unwrap() + b.await.unwrap()
    });
    assert_eq!(out, 42);
}

#[test]
fn run_inside_a_running_loop_panics_with_the_nested_run_message() {
    let msg = run(async { panic_message(|| run(async {})) });
    assert_eq!(msg, NESTED_RUN);
}

#[test]
fn run_inside_a_task_panics_and_the_task_reports_that_panic() {
    let err = run(async { spawn(async { run(async {}) }).await.unwrap_err() });
    assert!(err.is_panic());
    assert_eq!(payload_message(&*err.into_panic()).unwrap(), NESTED_RUN);
}

#[test]
fn run_inside_another_runtimes_block_on_panics() {
    let rt = Runtime::new().unwrap();
    let msg = rt.block_on(async { panic_message(|| run(async {})) });
    assert_eq!(msg, NESTED_RUN);
}

#[test]
fn block_on_inside_a_running_loop_panics_with_its_own_name() {
    let rt = Runtime::new().unwrap();
    let other = Runtime::new().unwrap();
    let (same, different) = rt.block_on(async {
        (
            panic_message(|| rt.block_on(async {})),
            panic_message(|| other.block_on(async {})),
        )
    });
    assert_eq!(same, NESTED_BLOCK_ON);
    assert_eq!(different, NESTED_BLOCK_ON);
    // Both runtimes are still usable afterwards.
    assert_eq!(rt.block_on(async { 1 }), 1);
    assert_eq!(other.block_on(async { 2 }), 2);
}

#[test]
fn dropping_a_runtime_inside_another_running_loop_drops_its_tasks_only() {
    let dropped = DropCounter::new();
    let token = dropped.token();
    let inner = Runtime::new().unwrap();
    let (parked, polls) = poll_counter(async move {
        let _token = token;
        pending::<()>().await
    });
    drop(inner.block_on(async { spawn(parked) }));
    run(async move {
        let outer = spawn(async {
            yield_now().await;
            5
        });
        drop(inner);
        assert_eq!(dropped.count(), 1);
        // The outer loop is still the current one, its task unharmed.
        assert_eq!(outer.await.unwrap(), 5);
        assert_eq!(spawn(async { 6 }).await.unwrap(), 6);
    });
    assert_eq!(polls.get(), 0);
}

#[test]
fn spawn_outside_a_runtime_panics_naming_spawn() {
    assert_eq!(
        panic_message(|| spawn(async {})),
        "uniloop::spawn() called outside a uniloop runtime"
    );
}

#[test]
fn spawn_named_outside_a_runtime_panics_naming_spawn_named() {
    assert_eq!(
        panic_message(|| spawn_named("x", async {})),
        "uniloop::spawn_named() called outside a uniloop runtime"
    );
}

#[test]
fn call_soon_outside_a_runtime_panics_naming_call_soon() {
    assert_eq!(
        panic_message(|| call_soon(|| ())),
        "uniloop::call_soon() called outside a uniloop runtime"
    );
}

#[test]
fn all_tasks_outside_a_runtime_panics_naming_all_tasks() {
    assert_eq!(
        panic_message(all_tasks),
        "uniloop::all_tasks() called outside a uniloop runtime"
    );
}

#[test]
fn handle_current_outside_a_runtime_panics_naming_handle_current() {
    assert_eq!(
        panic_message(Handle::current),
        "uniloop::Handle::current() called outside a uniloop runtime"
    );
    assert!(Handle::try_current().is_none());
}

#[test]
fn spawn_between_block_on_calls_panics_because_the_loop_is_not_running() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {});
    assert_eq!(
        panic_message(|| spawn(async {})),
        "uniloop::spawn() called outside a uniloop runtime"
    );
}

#[test]
fn current_task_outside_a_runtime_is_none() {
    assert!(current_task().is_none());
}

#[test]
fn yield_now_needs_no_runtime() {
    futures::executor::block_on(yield_now());
}

#[test]
fn block_on_can_be_called_repeatedly_and_tasks_survive_between_calls() {
    let rt = Runtime::new().unwrap();
    let log = Log::new();
    let l = log.clone();
    let task = rt.block_on(async move {
        spawn(async move {
            for i in 0..4 {
                l.push(format!("step {i}"));
                yield_now().await;
            }
            "finished"
        })
    });
    assert!(log.is_empty(), "the task has not run yet");
    // The task was queued before this call's future: it runs first, then
    // once more while the future yields.
    rt.block_on(yield_now());
    assert_eq!(log.snapshot(), ["step 0", "step 1"]);
    assert_eq!(rt.block_on(task).unwrap(), "finished");
    assert_eq!(log.snapshot(), ["step 0", "step 1", "step 2", "step 3"]);
    assert_eq!(rt.block_on(async { 3 }), 3);
}

#[test]
fn block_on_may_borrow_from_the_caller() {
    let rt = Runtime::new().unwrap();
    let mut items = vec![1, 2, 3];
    rt.block_on(async {
        yield_now().await;
        items.push(4);
    });
    assert_eq!(items, [1, 2, 3, 4]);
}

#[test]
fn a_panic_in_block_on_propagates_and_leaves_the_runtime_usable() {
    let rt = Runtime::new().unwrap();
    let task = rt.block_on(async {
        spawn(async {
            yield_times(3).await;
            7
        })
    });
    let msg = panic_message(|| {
        rt.block_on(async {
            yield_now().await;
            panic!("main failed");
        })
    });
    assert_eq!(msg, "main failed");
    assert_eq!(rt.block_on(task).unwrap(), 7);
    assert!(current_task().is_none());
    assert!(Handle::try_current().is_none());
}

#[test]
fn waking_a_task_between_block_on_calls_runs_it_in_the_next_call() {
    let rt = Runtime::new().unwrap();
    let signal = Signal::new();
    let s = signal.clone();
    let task = rt.block_on(async move {
        let task = spawn(async move {
            s.wait().await;
            "woken"
        });
        yield_now().await; // the task parks on the signal
        task
    });
    assert!(signal.has_waiter());
    signal.fire(); // wakes the task while no loop runs
    assert_eq!(rt.block_on(task).unwrap(), "woken");
}

#[test]
fn cancel_between_block_on_calls_takes_effect_in_the_next_call() {
    let rt = Runtime::new().unwrap();
    let dropped = DropCounter::new();
    let token = dropped.token();
    let task = rt.block_on(async move {
        let task = spawn(async move {
            let _token = token;
            pending::<()>().await
        });
        yield_now().await;
        task
    });
    assert!(task.cancel());
    assert!(task.is_finished());
    assert_eq!(dropped.count(), 0);
    assert!(rt.block_on(task).unwrap_err().is_cancelled());
    assert_eq!(dropped.count(), 1);
}

// ---------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------

#[test]
fn run_drops_every_task_still_alive_when_its_future_completes() {
    let dropped = DropCounter::new();
    let (tokens, idle, queued) = (dropped.clone(), DropCounter::new(), DropCounter::new());
    let (idle_token, queued_token) = (idle.token(), queued.token());
    let handles = run(async move {
        let mut handles = Vec::new();
        for _ in 0..10 {
            let token = tokens.token();
            handles.push(spawn(async move {
                let _token = token;
                pending::<()>().await
            }));
        }
        // Detached, and polled once: idle at shutdown.
        drop(spawn(async move {
            let _token = idle_token;
            pending::<()>().await
        }));
        yield_now().await;
        // Spawned last: never polled, still queued at shutdown.
        drop(spawn(async move {
            let _token = queued_token;
            pending::<()>().await
        }));
        assert_eq!(tokens.count(), 0);
        handles
    });
    assert_eq!(dropped.count(), 10);
    assert_eq!(idle.count(), 1);
    assert_eq!(queued.count(), 1);
    for handle in handles {
        assert!(handle.is_finished());
        assert!(handle.is_cancelled());
        assert!(!handle.cancel());
        // Its result is ready at once, even under another runtime.
        assert!(run(handle).unwrap_err().is_cancelled());
    }
}

#[test]
fn tasks_spawned_by_destructors_during_shutdown_run_and_are_cancelled_in_turn() {
    struct SpawnOnDrop {
        depth: usize,
        dropped: DropCounter,
        polled: Rc<Cell<usize>>,
    }
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            if self.depth == 0 {
                return;
            }
            let child = SpawnOnDrop {
                depth: self.depth - 1,
                dropped: self.dropped.clone(),
                polled: self.polled.clone(),
            };
            let token = self.dropped.token();
            let polled = self.polled.clone();
            drop(spawn(async move {
                let _child = child;
                let _token = token;
                polled.set(polled.get() + 1);
                pending::<()>().await
            }));
        }
    }
    let dropped = DropCounter::new();
    let polled = Rc::new(Cell::new(0));
    let root = SpawnOnDrop {
        depth: 3,
        dropped: dropped.clone(),
        polled: polled.clone(),
    };
    run(async move {
        drop(spawn(async move {
            let _root = root;
            pending::<()>().await
        }));
        yield_now().await;
    });
    // root's destructor spawned a task, which ran; cancelled in the next
    // round, its destructor spawned another... (≙ asyncio.run, where
    // nothing started during the shutdown is discarded unrun).
    assert_eq!(dropped.count(), 3);
    assert_eq!(polled.get(), 3, "tasks spawned during shutdown run");
}

#[test]
fn a_panic_inside_the_run_future_propagates_and_tasks_are_still_dropped() {
    let dropped = DropCounter::new();
    let token = dropped.token();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        run(async move {
            drop(spawn(async move {
                let _token = token;
                pending::<()>().await
            }));
            yield_now().await;
            panic::panic_any(CustomPayload { code: 99 });
        })
    }));
    let payload = result.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<CustomPayload>(),
        Some(&CustomPayload { code: 99 })
    );
    assert_eq!(dropped.count(), 1);
    assert!(current_task().is_none());
    // A new runtime can be started on this thread afterwards.
    assert_eq!(run(async { 1 }), 1);
}

#[test]
fn dropping_a_runtime_drops_its_tasks_and_their_handles_report_cancelled() {
    let dropped = DropCounter::new();
    let token = dropped.token();
    let rt = Runtime::new().unwrap();
    let task = rt.block_on(async move {
        spawn(async move {
            let _token = token;
            pending::<u8>().await
        })
    });
    assert!(!task.is_finished());
    drop(rt);
    assert_eq!(dropped.count(), 1);
    assert!(task.is_cancelled() && task.is_finished());
    assert!(!task.cancel());
    assert!(futures::executor::block_on(task)
        .unwrap_err()
        .is_cancelled());
}

#[test]
fn run_completes_one_hundred_thousand_spawned_tasks() {
    const N: usize = 100_000;
    let (done, sum) = run(async {
        let done = Rc::new(Cell::new(0usize));
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let done = done.clone();
                spawn(async move {
                    yield_now().await;
                    done.set(done.get() + 1);
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for handle in handles {
            sum += handle.await.unwrap();
        }
        (done.get(), sum)
    });
    assert_eq!(done, N);
    assert_eq!(sum, N * (N - 1) / 2);
}

// ---------------------------------------------------------------------------
// Scheduling order
// ---------------------------------------------------------------------------

#[test]
fn two_yielding_tasks_alternate_in_fifo_order() {
    let log = Log::new();
    run(async {
        let tasks: Vec<_> = ["A", "B"]
            .into_iter()
            .map(|name| {
                let log = log.clone();
                spawn(async move {
                    for i in 0..3 {
                        log.push(format!("{name}{i}"));
                        yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(log.snapshot(), ["A0", "B0", "A1", "B1", "A2", "B2"]);
}

#[test]
fn a_newly_spawned_task_runs_after_the_tasks_already_ready() {
    let log = Log::new();
    run(async {
        let l = log.clone();
        let a = spawn(async move {
            l.push("A");
            let l2 = l.clone();
            let c = spawn(async move { l2.push("C") });
            l.push("A spawned C");
            c
        });
        let l = log.clone();
        let b = spawn(async move { l.push("B") });
        let c = a.await.unwrap();
        b.await.unwrap();
        c.await.unwrap();
    });
    assert_eq!(log.snapshot(), ["A", "A spawned C", "B", "C"]);
}

#[test]
fn the_run_future_shares_the_fifo_queue_with_tasks() {
    let log = Log::new();
    run(async {
        for name in ["A", "B"] {
            let log = log.clone();
            drop(spawn(async move {
                log.push(format!("{name}0"));
                yield_now().await;
                log.push(format!("{name}1"));
            }));
        }
        log.push("main0");
        yield_now().await;
        log.push("main1");
        yield_now().await;
        log.push("main2");
    });
    assert_eq!(
        log.snapshot(),
        ["main0", "A0", "B0", "main1", "A1", "B1", "main2"]
    );
}

#[test]
fn woken_tasks_run_in_the_order_they_were_woken() {
    let log = Log::new();
    run(async {
        let slots: Vec<WakerSlot> = (0..3).map(|_| WakerSlot::new()).collect();
        let mut tasks = Vec::new();
        for (i, slot) in slots.iter().enumerate() {
            let (log, slot) = (log.clone(), slot.clone());
            tasks.push(spawn(async move {
                let mut parked = false;
                poll_fn(|cx| {
                    if parked {
                        return Poll::Ready(());
                    }
                    parked = true;
                    slot.set(cx.waker().clone());
                    Poll::Pending
                })
                .await;
                log.push(format!("task {i} woke"));
            }));
        }
        yield_now().await;
        for i in [2, 0, 1] {
            slots[i].wake();
        }
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(
        log.snapshot(),
        ["task 2 woke", "task 0 woke", "task 1 woke"]
    );
}
