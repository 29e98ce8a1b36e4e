//! Faults around threads and runtimes: wakes lost to runtime-id reuse
//! (stress), a due timer not fired under a paused clock while a
//! `to_thread` job runs, `shutdown_timeout(Duration::MAX)`, timers used
//! after their runtime was dropped, `ThreadPool::drop` on a loop thread,
//! and the debug report of a `Handle::spawn` task's panic nobody awaited.
//!
//! Scenarios that can hang run on a thread of their own under a watchdog
//! (they block, never spin); the debug-mode report is read from a child
//! process's stderr, under a watchdog too.

mod fault_support;

use std::future::{pending, poll_fn, Future};
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use fault_support::{
    after_its_runtime_is_dropped, child_case, heard_within, payload_message, watchdog,
};
use uniloop::blocking::ThreadPool;
use uniloop::channel::threadsafe;
use uniloop::{run_in_executor, spawn, to_thread, Runtime};

/// Runs a closure when dropped: a hook into a task's destruction.
struct OnDrop<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

fn on_drop<F: FnOnce()>(f: F) -> OnDrop<F> {
    OnDrop(Some(f))
}

// ---------------------------------------------------------------------------
// Defect 2: lost wakes when runtime ids are reused (stress)
// ---------------------------------------------------------------------------

/// One round: runtime A (on this thread) holds, in a task, the last
/// `Sender` of a channel (`via_channel`) or a task started with
/// `Handle::spawn` (otherwise) that runtime B awaits. B is built on
/// another thread while A is being dropped, after A gave up its id. The
/// destructor of A's task wakes B (the last sender goes, or the remote
/// task ends "runtime gone"): B must hear it. Returns whether it did
/// (within 5 s, on B's own real-clock timer; it takes microseconds).
fn id_reuse_round(via_channel: bool) -> bool {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (built_tx, built_rx) = mpsc::channel::<()>();
    let a = Runtime::new().unwrap();
    let hook = on_drop(move || {
        // A is being dropped: its id is free. Let B take one, then wake it.
        let _ = go_tx.send(());
        let _ = built_rx.recv_timeout(Duration::from_secs(5));
        thread::sleep(Duration::from_millis(1));
    });
    let b_side: Box<dyn FnOnce() -> bool + Send> = if via_channel {
        let (tx, mut rx) = threadsafe::channel::<()>(1);
        a.block_on(async move {
            drop(spawn(async move {
                // Fields drop in order: the hook first, then the sender.
                let _held = (hook, tx);
                pending::<()>().await
            }));
            uniloop::yield_now().await;
        });
        Box::new(move || {
            let b = Runtime::new().unwrap();
            let _ = built_tx.send(());
            b.block_on(heard_within(rx.recv(), Duration::from_secs(5)))
                .is_some_and(|message| message.is_none())
        })
    } else {
        let remote = a.handle().spawn(move || async move {
            let _hook = hook;
            pending::<()>().await
        });
        a.block_on(uniloop::yield_now()); // starts the remote task
        Box::new(move || {
            let b = Runtime::new().unwrap();
            let _ = built_tx.send(());
            b.block_on(heard_within(remote, Duration::from_secs(5)))
                .is_some_and(|outcome| outcome.is_err_and(|e| e.is_runtime_gone()))
        })
    };
    let b_thread = thread::spawn(move || {
        go_rx.recv().unwrap();
        b_side()
    });
    drop(a);
    b_thread.join().unwrap()
}

/// Defect 2 (stress): three threads each run rounds of "drop runtime A
/// while runtime B, built on another thread meanwhile, waits for a wake
/// from A's tasks' destructors", with channels and `Handle::spawn`. Ids
/// are reused lowest-first, so B often gets A's id; no wake may be lost.
#[test]
fn wakes_from_a_dropping_runtime_reach_runtimes_built_meanwhile() {
    watchdog("the runtime-id reuse stress test", 120, || {
        let workers: Vec<_> = (0..3)
            .map(|worker| {
                thread::spawn(move || {
                    for round in 0..30 {
                        let via_channel = (round + worker) % 2 == 0;
                        assert!(
                            id_reuse_round(via_channel),
                            "worker {worker} round {round}: a wake from runtime A's \
                             dropping task ({}) never reached runtime B, built on another \
                             thread while A shut down (lost wake on runtime-id reuse)",
                            if via_channel {
                                "last threadsafe::Sender dropped"
                            } else {
                                "Handle::spawn task ended: runtime gone"
                            }
                        );
                    }
                })
            })
            .collect();
        for worker in workers {
            if let Err(payload) = worker.join() {
                panic::resume_unwind(payload);
            }
        }
    });
}

// ---------------------------------------------------------------------------
// Defect 4: a due timer under a paused clock while a to_thread job runs
// ---------------------------------------------------------------------------

/// Defect 4: under a paused clock, with a `to_thread` job in flight, a
/// timer that is already due (a `Sleep` reset to now: no virtual time has
/// to pass) must fire. Here the job waits for the sleeping task, so if the
/// loop waits for the job instead of firing the timer, both wait forever.
#[test]
fn a_due_timer_fires_while_a_to_thread_job_runs_under_a_paused_clock() {
    watchdog(
        "a due timer did not fire while a to_thread job ran (paused clock)",
        10,
        || {
            let rt = Runtime::builder().paused_clock(true).build().unwrap();
            rt.block_on(async {
                let (tx, rx) = mpsc::channel::<()>();
                // Bounded, so that a failed test's job ends eventually.
                let job = to_thread(move || rx.recv_timeout(Duration::from_secs(30)).is_ok());
                let sleeper = spawn(async move {
                    let mut sleep = uniloop::sleep(Duration::from_secs(3600));
                    // Registered for an hour from now...
                    poll_fn(|cx| {
                        assert!(std::pin::Pin::new(&mut sleep).poll(cx).is_pending());
                        Poll::Ready(())
                    })
                    .await;
                    // ...then due at once: the clock need not move.
                    sleep.reset(uniloop::time::now());
                    sleep.await;
                    tx.send(()).unwrap();
                });
                assert!(job.await, "the job never heard from the sleeping task");
                sleeper.await.unwrap();
            });
        },
    );
}

// ---------------------------------------------------------------------------
// Defect 5: shutdown_timeout(Duration::MAX)
// ---------------------------------------------------------------------------

/// Defect 5: `Runtime::shutdown_timeout(Duration::MAX)` ("wait as long as
/// it takes") must not panic computing its deadline (`Instant + MAX`
/// overflows).
#[test]
fn shutdown_timeout_duration_max_does_not_panic() {
    let rt = Runtime::new().unwrap();
    // The pool has a thread (idle now), which the shutdown waits for.
    assert_eq!(rt.block_on(async { to_thread(|| 6 * 7).await }), 42);
    let shutdown = panic::catch_unwind(AssertUnwindSafe(|| rt.shutdown_timeout(Duration::MAX)));
    if let Err(payload) = shutdown {
        panic!(
            "Runtime::shutdown_timeout(Duration::MAX) panicked: {}",
            payload_message(&*payload)
        );
    }
}

// ---------------------------------------------------------------------------
// Defect 7: Sleep and Interval after their runtime was dropped
// ---------------------------------------------------------------------------

/// Run `use_it` on a new runtime B with `object`, made on runtime A by
/// `make`, after A was dropped; it must panic (not hang) with a message
/// naming `name` and saying its runtime is gone.
fn panics_after_its_runtime_is_gone<S: 'static>(
    name: &'static str,
    make: impl AsyncFnOnce() -> S + Send + 'static,
    use_it: impl AsyncFnOnce(S) + Send + 'static,
) {
    let hung =
        format!("a {name} used after its runtime was dropped hangs silently (expected a panic)");
    let Err(payload) = after_its_runtime_is_dropped(&hung, make, use_it) else {
        panic!("a {name} used after its runtime was dropped completed");
    };
    let message = *payload.downcast::<String>().unwrap();
    let lower = message.to_lowercase();
    assert!(
        lower.contains(&name.to_lowercase())
            && lower.contains("runtime")
            && (lower.contains("dropped") || lower.contains("gone")),
        "the panic should name the {name} and say its runtime is gone: {message:?}"
    );
}

/// Defect 7: a `Sleep` made on a runtime that was then dropped, awaited on
/// another runtime: a clear panic, not a silent hang.
#[test]
#[allow(clippy::async_yields_async)] // making the Sleep is the point
fn a_sleep_used_after_its_runtime_was_dropped_panics_clearly() {
    panics_after_its_runtime_is_gone(
        "Sleep",
        async || uniloop::sleep(Duration::from_millis(10)),
        async |sleep| sleep.await,
    );
}

/// Defect 7: the same for a `Sleep` that was registered (polled once) on
/// its runtime before that runtime was dropped.
#[test]
#[allow(clippy::async_yields_async)] // making the Sleep is the point
fn a_registered_sleep_used_after_its_runtime_was_dropped_panics_clearly() {
    panics_after_its_runtime_is_gone(
        "Sleep",
        async || {
            let mut sleep = Box::pin(uniloop::sleep(Duration::from_millis(10)));
            poll_fn(|cx| {
                assert!(sleep.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            sleep
        },
        async |sleep| sleep.await,
    );
}

/// Defect 7: an `Interval` made (and ticked once) on a runtime that was
/// then dropped, ticked on another runtime: a clear panic, not a hang.
#[test]
fn an_interval_used_after_its_runtime_was_dropped_panics_clearly() {
    panics_after_its_runtime_is_gone(
        "Interval",
        async || {
            let mut interval = uniloop::time::interval(Duration::from_millis(10));
            interval.tick().await; // the first tick is at once
            interval
        },
        async |mut interval| {
            interval.tick().await;
        },
    );
}

// ---------------------------------------------------------------------------
// Defect 8: ThreadPool::drop on a loop thread
// ---------------------------------------------------------------------------

/// On a loop thread, drop a `ThreadPool` whose job `job` needs that loop
/// (given its handle and a channel sender). The drop must not wait for a
/// job that waits for the loop: it returns at once, the job finishes with
/// the loop's help, and the pool's threads go on their own.
fn thread_pool_drop_on_the_loop(
    what: &str,
    job: fn(uniloop::Handle, threadsafe::Sender<u32>) -> u32,
) {
    let received = watchdog(
        &format!("ThreadPool::drop on a loop thread deadlocked: {what}"),
        10,
        move || {
            let rt = Runtime::new().unwrap();
            let handle = rt.handle();
            let received = rt.block_on(async move {
                let (tx, mut rx) = threadsafe::channel(1);
                let pool = ThreadPool::new(1);
                let running = run_in_executor(&pool, move || job(handle, tx));
                drop(pool); // returns: it must not block the loop
                let mut received = Vec::new();
                while let Some(n) = rx.recv().await {
                    received.push(n);
                }
                assert_eq!(running.await, 1, "the job ran to its end");
                received
            });
            drop(rt);
            received
        },
    );
    assert!(received.len() <= 3, "{received:?}");
}

/// Defect 8: the pool's job waits for a task it started on the loop
/// (`Handle::spawn(..).wait()`) while the loop thread drops the pool.
#[test]
fn dropping_a_thread_pool_on_a_loop_thread_whose_job_needs_the_loop_does_not_block_it() {
    thread_pool_drop_on_the_loop("the job waits in RemoteTask::wait", |handle, tx| {
        let answer = handle.spawn(|| async { 1 }).wait().unwrap();
        drop(tx);
        answer
    });
}

/// Defect 8: the pool's job blocks sending into a full threadsafe channel
/// whose receiver is on the loop that drops the pool.
#[test]
fn dropping_a_thread_pool_on_a_loop_thread_whose_job_sends_to_the_loop_does_not_block_it() {
    thread_pool_drop_on_the_loop("the job blocks in send_blocking", |_handle, tx| {
        for n in 0..3 {
            tx.send_blocking(n).unwrap(); // capacity 1: blocks for the loop
        }
        1
    });
}

// ---------------------------------------------------------------------------
// Defect 11a: an unretrieved Handle::spawn panic in debug mode
// ---------------------------------------------------------------------------

/// In the child: a debug runtime; another thread starts a task through
/// `Handle::spawn` that panics, and drops its `RemoteTask`.
fn remote_orphan_panic() {
    let rt = Runtime::builder().debug(true).build().unwrap();
    let handle = rt.handle();
    let (ran_tx, ran_rx) = mpsc::channel();
    thread::spawn(move || {
        drop(handle.spawn(move || async move {
            ran_tx.send(()).unwrap();
            panic!("nobody awaited this remote task");
        }));
    })
    .join()
    .unwrap();
    rt.block_on(async {
        while ran_rx.try_recv().is_err() {
            uniloop::sleep(Duration::from_millis(1)).await;
        }
        uniloop::yield_now().await;
    });
    drop(rt);
    eprintln!("dropped");
}

/// Defect 11a: in debug mode, a panic in a `Handle::spawn` task whose
/// `RemoteTask` was dropped is reported on stderr ("... never
/// retrieved"), as a detached local task's is. (In a child process, to
/// read its stderr.)
#[test]
fn a_remote_task_panic_nobody_awaits_is_reported_in_debug_mode() {
    let Some(stderr) = child_case(
        "a_remote_task_panic_nobody_awaits_is_reported_in_debug_mode",
        10,
        "a debug runtime running a panicking Handle::spawn task",
        remote_orphan_panic,
    ) else {
        return;
    };
    assert!(stderr.contains("dropped"), "{stderr}");
    let reports: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("never retrieved"))
        .collect();
    assert_eq!(
        reports.len(),
        1,
        "expected one \"never retrieved\" report of the remote task's panic:\n{stderr}"
    );
    assert!(
        reports[0].contains("nobody awaited this remote task"),
        "{}",
        reports[0]
    );
}
