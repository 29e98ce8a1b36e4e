//! Threads (split from `tests/threads.rs`): the `Handle` other threads
//! reach the loop with (`spawn` → `RemoteTask`, `call_soon_threadsafe`):
//! a loop on its own thread, timeouts, cancellation, panics and the
//! runtime going away.
//!
//! Threads do not follow the paused clock, so everything here runs on the
//! real one, except the test that checks that the paused clock waits for a
//! job. Nothing sleeps to wait for something: tests wait on channels,
//! rendezvous and signals, with a generous `PATIENCE` only so that a bug
//! fails the test instead of hanging it. Every thread a test starts is
//! joined, and no blocking job is left running when a test returns.

mod support;
mod threads_support;

use std::future::pending;
use std::panic;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::thread::{self, ThreadId};
use std::time::Duration;

use support::{panic_message, payload_message, CustomPayload, Signal};
use threads_support::{run_on, PATIENCE};
use uniloop::channel::threadsafe;
use uniloop::{to_thread, Handle, RemoteError, RemoteTask, Runtime};

/// A runtime running on a thread of its own, for other threads to reach
/// through its [`Handle`]. Dropping it (or [`LoopThread::stop`]) ends its
/// `block_on` and drops the runtime on that thread, with every task still
/// on it.
struct LoopThread {
    handle: Handle,
    id: ThreadId,
    stop: Signal,
    thread: Option<thread::JoinHandle<()>>,
}

impl LoopThread {
    fn start() -> LoopThread {
        let stop = Signal::new();
        let (tx, rx) = mpsc::channel();
        let thread = thread::spawn({
            let stop = stop.clone();
            move || {
                let rt = Runtime::new().unwrap();
                tx.send((rt.handle(), thread::current().id())).unwrap();
                rt.block_on(stop.wait());
            }
        });
        let (handle, id) = rx.recv().unwrap();
        LoopThread {
            handle,
            id,
            stop,
            thread: Some(thread),
        }
    }

    /// Stop the loop; returns once the runtime has been dropped.
    fn stop(mut self) {
        self.join();
    }

    fn join(&mut self) {
        self.stop.fire();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for LoopThread {
    fn drop(&mut self) {
        self.join();
    }
}

/// Takes 20 ms to drop, then bumps its counter: a future holding one
/// shows whether whoever reports its end waited for its destructors.
struct SlowDrop(Arc<AtomicUsize>);

impl Drop for SlowDrop {
    fn drop(&mut self) {
        thread::sleep(Duration::from_millis(20));
        self.0.fetch_add(1, SeqCst);
    }
}

/// The kinds of `error`, as a list of names, to compare in one assert.
fn kinds(error: &RemoteError) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    for (is, name) in [
        (error.is_cancelled(), "cancelled"),
        (error.is_panic(), "panic"),
        (error.is_runtime_gone(), "runtime gone"),
        (error.is_timeout(), "timeout"),
    ] {
        if is {
            kinds.push(name);
        }
    }
    kinds
}

// ---------------------------------------------------------------------------
// Handle: spawn, call_soon_threadsafe
// ---------------------------------------------------------------------------

#[test]
fn the_thread_types_can_move_between_threads() {
    fn send_sync_clone<T: Send + Sync + Clone>() {}
    fn send_unpin<T: Send + Unpin>() {}
    fn send<T: Send>() {}
    send_sync_clone::<Handle>();
    send_unpin::<RemoteTask<String>>();
    send::<RemoteError>();
}

#[test]
fn eight_threads_spawn_a_thousand_tasks_each_through_the_handle() {
    const THREADS: u64 = 8;
    const EACH: u64 = 1_000;
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let loop_thread = thread::current().id();
    run_on(rt, async move {
        let (tx, mut rx) = threadsafe::unbounded::<(u64, RemoteTask<(u64, ThreadId)>)>();
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let (handle, tx) = (handle.clone(), tx.clone());
                thread::spawn(move || {
                    let mut to_wait = Vec::new();
                    let mut done = 0;
                    for n in t * EACH..(t + 1) * EACH {
                        let task = handle.spawn(move || {
                            // Made on the loop thread, and not `Send`: it
                            // holds an `Rc` across an await.
                            let cell = Rc::new(n);
                            async move {
                                uniloop::yield_now().await;
                                (*cell * 2, thread::current().id())
                            }
                        });
                        match n % 3 {
                            // Waited on below, after the loop.
                            0 => to_wait.push((n, task)),
                            // Awaited here, as a future.
                            1 => {
                                let got = futures::executor::block_on(task).unwrap();
                                assert_eq!(got, (n * 2, loop_thread));
                                done += 1;
                            }
                            // Awaited on the loop.
                            _ => tx.try_send((n, task)).unwrap(),
                        }
                    }
                    drop(tx);
                    for (n, task) in to_wait {
                        assert_eq!(task.wait().unwrap(), (n * 2, loop_thread));
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        drop(tx);
        let mut on_loop = 0;
        while let Some((n, task)) = rx.recv().await {
            assert_eq!(task.await.unwrap(), (n * 2, loop_thread));
            on_loop += 1;
        }
        // The threads may still be waiting for their tasks, which need the
        // loop: join them off it.
        let on_threads: u64 =
            to_thread(move || threads.into_iter().map(|t| t.join().unwrap()).sum()).await;
        assert_eq!(on_loop + on_threads, THREADS * EACH);
    });
}

#[test]
fn call_soon_threadsafe_runs_the_callback_on_the_loop_thread() {
    let looper = LoopThread::start();
    let (tx, rx) = mpsc::channel();
    let sender = thread::spawn({
        let handle = looper.handle.clone();
        move || {
            for i in 0..3 {
                let tx = tx.clone();
                handle
                    .call_soon_threadsafe(move || tx.send((i, thread::current().id())).unwrap())
                    .unwrap();
            }
        }
    });
    sender.join().unwrap();
    for i in 0..3 {
        assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), (i, looper.id));
    }
    assert_ne!(looper.id, thread::current().id());
    looper.stop();
}

#[test]
fn a_remote_task_runs_on_the_loop_and_a_dropped_one_keeps_running() {
    let looper = LoopThread::start();
    let id = looper
        .handle
        .spawn(|| async { thread::current().id() })
        .wait()
        .unwrap();
    assert_eq!(id, looper.id);
    // `Handle::current` on the loop thread reaches the same loop.
    let again = looper
        .handle
        .spawn(|| async {
            Handle::current()
                .spawn(|| async { thread::current().id() })
                .await
        })
        .wait()
        .unwrap();
    assert_eq!(again.unwrap(), looper.id);
    // Dropping the RemoteTask detaches the task.
    let gate = Signal::new();
    let (tx, rx) = mpsc::channel();
    drop(looper.handle.spawn({
        let gate = gate.clone();
        move || async move {
            gate.wait().await;
            tx.send("ran after its RemoteTask was dropped").unwrap();
        }
    }));
    gate.fire();
    assert_eq!(
        rx.recv_timeout(PATIENCE),
        Ok("ran after its RemoteTask was dropped")
    );
    looper.stop();
}

#[test]
fn wait_timeout_expires_and_the_task_can_be_waited_on_again() {
    let looper = LoopThread::start();
    let gate = Signal::new();
    let mut task = looper.handle.spawn({
        let gate = gate.clone();
        move || async move {
            gate.wait().await;
            7
        }
    });
    let error = task.wait_timeout(Duration::from_millis(20)).unwrap_err();
    assert_eq!(kinds(&error), ["timeout"]);
    assert!(!task.is_finished());
    assert!(task.wait_timeout(Duration::ZERO).unwrap_err().is_timeout());
    gate.fire();
    assert_eq!(task.wait_timeout(PATIENCE).unwrap(), 7);
    looper.stop();
}

#[test]
fn a_task_that_never_finishes_times_out_then_is_cancelled_or_loses_its_runtime() {
    let looper = LoopThread::start();
    let dropped = Arc::new(AtomicUsize::new(0));
    let forever = |started: mpsc::Sender<()>| {
        let dropped = dropped.clone();
        move || async move {
            let _drop = SlowDrop(dropped);
            started.send(()).unwrap();
            pending::<u32>().await
        }
    };
    let (started_tx, started_rx) = mpsc::channel();
    let mut cancelled = looper.handle.spawn(forever(started_tx.clone()));
    let mut orphaned = looper.handle.spawn(forever(started_tx));
    for _ in 0..2 {
        started_rx.recv_timeout(PATIENCE).unwrap();
    }
    for task in [&mut cancelled, &mut orphaned] {
        let error = task.wait_timeout(Duration::from_millis(20)).unwrap_err();
        assert_eq!(kinds(&error), ["timeout"]);
        assert!(!task.is_finished());
    }
    cancelled.cancel();
    let error = cancelled.wait_timeout(PATIENCE).unwrap_err();
    assert_eq!(kinds(&error), ["cancelled"]);
    // The loop dropped the cancelled future, and so ran its destructors,
    // before it reported the cancellation.
    assert_eq!(dropped.load(SeqCst), 1);
    looper.stop();
    let error = orphaned.wait_timeout(PATIENCE).unwrap_err();
    assert_eq!(kinds(&error), ["runtime gone"]);
    assert_eq!(dropped.load(SeqCst), 2);
}

#[test]
fn cancel_after_the_task_finished_keeps_its_output() {
    let looper = LoopThread::start();
    let task = looper.handle.spawn(|| async { 5 });
    while !task.is_finished() {
        thread::yield_now();
    }
    task.cancel();
    assert_eq!(task.wait().unwrap(), 5);
    looper.stop();
}

#[test]
fn a_panic_in_make_or_in_the_future_is_a_panic_error() {
    fn is_error<E: std::error::Error + Send + 'static>(_: &E) {}
    fn make_panics() -> std::future::Ready<u32> {
        panic::panic_any(CustomPayload { code: 1 })
    }
    let looper = LoopThread::start();
    let error = looper.handle.spawn(make_panics).wait().unwrap_err();
    assert_eq!(kinds(&error), ["panic"]);
    assert_eq!(
        error.into_panic().downcast_ref::<CustomPayload>(),
        Some(&CustomPayload { code: 1 })
    );
    let error = looper
        .handle
        .spawn(|| async {
            uniloop::yield_now().await;
            panic!("in the future");
        })
        .wait()
        .unwrap_err();
    assert_eq!(kinds(&error), ["panic"]);
    assert!(!error.to_string().is_empty());
    assert!(!format!("{error:?}").is_empty());
    is_error(&error);
    assert_eq!(
        payload_message(&*error.into_panic()).as_deref(),
        Some("in the future")
    );
    // The loop survived both.
    assert_eq!(looper.handle.spawn(|| async { 3 }).wait().unwrap(), 3);
    // `into_panic` on an error that is not a panic panics.
    let task = looper.handle.spawn(pending::<u8>);
    task.cancel();
    let error = task.wait().unwrap_err();
    assert!(error.is_cancelled());
    assert!(!error.to_string().is_empty());
    let message = panic_message(|| error.into_panic());
    assert!(message.contains("into_panic()"), "{message}");
    looper.stop();
}

#[test]
fn dropping_the_runtime_fails_its_pending_remote_tasks_instead_of_hanging() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let token = Arc::new(());
    let started = Signal::new();
    // Started: taken in by the loop, made and polled, then pending.
    let running = handle.spawn({
        let (token, started) = (token.clone(), started.clone());
        move || async move {
            let _token = token;
            started.fire();
            pending::<u8>().await
        }
    });
    rt.block_on(started.wait());
    // Queued: sent while the loop is not running, so never taken in.
    let queued = handle.spawn({
        let token = token.clone();
        move || {
            let _token = token;
            async { 1u8 }
        }
    });
    assert!(!running.is_finished() && !queued.is_finished());
    // One waits on a thread, the other is awaited as a future on another
    // thread's loop; each with a `PATIENCE` limit, so that a hang fails.
    let mut running = running;
    let waiter = thread::spawn(move || running.wait_timeout(PATIENCE));
    let awaiter = thread::spawn(move || {
        uniloop::run(async move { uniloop::timeout(PATIENCE, queued).await })
    });
    drop(rt);
    let waited = waiter.join().unwrap();
    assert_eq!(kinds(&waited.unwrap_err()), ["runtime gone"]);
    let awaited = awaiter.join().unwrap().expect("the awaited task hung");
    assert_eq!(kinds(&awaited.unwrap_err()), ["runtime gone"]);
    // The running future and the unmade `make` were dropped.
    assert_eq!(Arc::strong_count(&token), 1);
}

#[test]
fn handle_spawn_after_the_runtime_is_gone_resolves_at_once() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    drop(rt);
    let token = Arc::new(());
    let made = Arc::new(AtomicBool::new(false));
    let task = handle.spawn({
        let (token, made) = (token.clone(), made.clone());
        move || {
            made.store(true, SeqCst);
            async move { *token }
        }
    });
    assert!(task.is_finished());
    assert_eq!(kinds(&task.wait().unwrap_err()), ["runtime gone"]);
    assert!(!made.load(SeqCst));
    assert_eq!(Arc::strong_count(&token), 1);
    let mut task = handle.spawn(|| async { 2 });
    let error = task.wait_timeout(Duration::ZERO).unwrap_err();
    assert_eq!(kinds(&error), ["runtime gone"]);
    // Awaited on another runtime's loop too.
    let error = uniloop::run(handle.spawn(|| async { 3 })).unwrap_err();
    assert_eq!(kinds(&error), ["runtime gone"]);
}

#[test]
fn wait_on_a_thread_running_a_loop_panics() {
    const WAIT_ON_A_LOOP: &str =
        "uniloop::RemoteTask::wait() called on a thread running a uniloop loop";
    // A task on another thread's loop: waiting for it would stall this
    // thread's loop.
    let looper = LoopThread::start();
    let handle = looper.handle.clone();
    let message =
        panic_message(|| uniloop::run(async move { handle.spawn(|| async { 1 }).wait() }));
    assert_eq!(message, WAIT_ON_A_LOOP);
    looper.stop();
    // A task on this thread's own loop: waiting for it would never end.
    // (Checked second, so that a missing check fails above, not hangs here.)
    let message =
        panic_message(|| uniloop::run(async { Handle::current().spawn(|| async { 1 }).wait() }));
    assert_eq!(message, WAIT_ON_A_LOOP);
}

#[test]
fn a_blocking_job_that_spawns_on_its_dropping_runtime_hears_runtime_gone_at_once() {
    // The runtime closes its way in before it waits for its pool: a job
    // that then spawns through the handle and waits is answered "runtime
    // gone" at once, instead of holding up the drop until the pool's
    // shutdown timeout.
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    let (started, running) = mpsc::channel();
    let (go, gate) = mpsc::channel::<()>();
    let (answer, answered) = mpsc::channel();
    rt.block_on(async {
        drop(to_thread(move || {
            started.send(()).unwrap();
            gate.recv().unwrap_err(); // released when the sender drops
            answer.send(handle.spawn(|| async { 1 }).wait()).unwrap();
        }));
    });
    running.recv().unwrap();
    let start = std::time::Instant::now();
    drop(go); // the job goes on while the runtime is dropped...
    rt.shutdown_timeout(Duration::from_secs(60)); // ...which waits for it
    let took = start.elapsed();
    assert!(answered.recv().unwrap().unwrap_err().is_runtime_gone());
    // A loose bound, not a speed claim: without the early close the drop
    // waits out the whole 60 s timeout.
    assert!(took < Duration::from_secs(30), "{took:?}");
}
