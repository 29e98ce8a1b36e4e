//! Threads: `to_thread` on the runtime's blocking pool, `ThreadPool` with
//! `run_in_executor`, and the `Handle` other threads reach the loop with
//! (`spawn` → `RemoteTask`, `call_soon_threadsafe`): running beside the
//! loop, the thread limit, FIFO queueing, panics, timeouts, cancellation,
//! the runtime going away, and the paused clock.
//!
//! Threads do not follow the paused clock, so everything here runs on the
//! real one, except the test that checks that the paused clock waits for a
//! job. Nothing sleeps to wait for something: tests wait on channels,
//! rendezvous and signals, with a generous `PATIENCE` only so that a bug
//! fails the test instead of hanging it. Every thread a test starts is
//! joined, and no blocking job is left running when a test returns.

mod support;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::{pending, Future};
use std::panic;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use support::{panic_message, payload_message, poll_once, CustomPayload, Signal};
use uniloop::blocking::ThreadPool;
use uniloop::channel::threadsafe;
use uniloop::{run_in_executor, spawn, to_thread, Handle, RemoteError, RemoteTask, Runtime};

/// How long a test waits for something that must happen before calling it
/// a hang; never reached when the code is right.
const PATIENCE: Duration = Duration::from_secs(30);

/// Run `body` on `rt` under a `PATIENCE` timeout (on the real clock), so
/// that a deadlock fails the test instead of hanging it; then drop `rt`.
fn run_on<F: Future>(rt: Runtime, body: F) -> F::Output {
    rt.block_on(async {
        uniloop::timeout(PATIENCE, body)
            .await
            .expect("deadlock: the test waited for something that never came")
    })
}

/// [`run_on`] a fresh runtime with the default settings.
fn run_real<F: Future>(body: F) -> F::Output {
    run_on(Runtime::new().unwrap(), body)
}

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

/// A meeting point for `n` threads that gives up after `PATIENCE`, so
/// that a test can prove `n` jobs ran at once without hanging when they
/// cannot.
struct Rendezvous {
    arrived: Mutex<usize>,
    all_here: Condvar,
    n: usize,
}

impl Rendezvous {
    fn new(n: usize) -> Rendezvous {
        Rendezvous {
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
            n,
        }
    }

    /// Arrive and wait for the other `n - 1`; whether they all came.
    fn arrive(&self) -> bool {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.all_here.notify_all();
        let (arrived, timeout) = self
            .all_here
            .wait_timeout_while(arrived, PATIENCE, |arrived| *arrived < self.n)
            .unwrap();
        drop(arrived);
        !timeout.timed_out()
    }
}

/// Bumps its counter when dropped: kept in a thread-local of a pool
/// thread, it counts that thread's exit.
struct ExitCounter(Arc<AtomicUsize>);

impl Drop for ExitCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

thread_local! {
    static EXIT_COUNTER: RefCell<Option<ExitCounter>> = const { RefCell::new(None) };
}

/// Count the exit of the calling thread in `exits` (once per thread). A
/// thread-local's destructor runs before the thread can be joined, so
/// after a join the count includes the joined thread.
fn count_exit_of_this_thread(exits: &Arc<AtomicUsize>) {
    EXIT_COUNTER.with(|counter| {
        counter
            .borrow_mut()
            .get_or_insert_with(|| ExitCounter(exits.clone()));
    });
}

/// Sends "output dropped" when dropped.
struct SendsOnDrop(mpsc::Sender<&'static str>);

impl Drop for SendsOnDrop {
    fn drop(&mut self) {
        self.0.send("output dropped").unwrap();
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
// to_thread
// ---------------------------------------------------------------------------

#[test]
fn the_loop_keeps_running_while_a_to_thread_job_blocks() {
    run_real(async {
        let (tick_tx, tick_rx) = mpsc::channel::<u64>();
        let ticks = Rc::new(Cell::new(0u64));
        let ticker = spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    ticks.set(ticks.get() + 1);
                    let _ = tick_tx.send(ticks.get()); // the job may be done
                    uniloop::sleep(Duration::from_millis(1)).await;
                }
            }
        });
        // The ticker only runs while this task waits, so every tick above
        // `before` is sent while the job is out.
        let before = ticks.get();
        let job = to_thread(move || {
            thread::sleep(Duration::from_millis(100));
            // The loop must tick while this thread is blocked: if it
            // waited for the job, these ticks could never come.
            loop {
                match tick_rx.recv_timeout(PATIENCE) {
                    Ok(tick) if tick >= before + 3 => return Some(tick),
                    Ok(_) => {}
                    Err(_) => return None,
                }
            }
        });
        let seen = job
            .await
            .expect("the loop did not tick while the job blocked");
        assert!(seen > before);
        assert!(ticks.get() >= seen);
        ticker.cancel();
    });
}

#[test]
fn sixty_four_jobs_never_run_on_more_than_the_configured_threads() {
    const THREADS: usize = 4;
    const JOBS: usize = 64;
    let rt = Runtime::builder()
        .blocking_threads(THREADS)
        .build()
        .unwrap();
    let loop_thread = thread::current().id();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let rendezvous = Arc::new(Rendezvous::new(THREADS));
    let results = run_on(rt, async {
        let jobs = (0..JOBS).map(|i| {
            let (running, most) = (running.clone(), most.clone());
            let (started, rendezvous) = (started.clone(), rendezvous.clone());
            to_thread(move || {
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                // The first THREADS jobs to start wait for each other: they
                // all arrive only if THREADS jobs run at once.
                let met = started.fetch_add(1, SeqCst) >= THREADS || rendezvous.arrive();
                thread::yield_now();
                running.fetch_sub(1, SeqCst);
                (i, met, thread::current().id())
            })
        });
        uniloop::gather_all(jobs).await
    });
    let order: Vec<_> = results.iter().map(|&(i, _, _)| i).collect();
    assert_eq!(order, (0..JOBS).collect::<Vec<_>>());
    assert!(
        results.iter().all(|&(_, met, _)| met),
        "the first {THREADS} jobs never ran at the same time"
    );
    assert_eq!(most.load(SeqCst), THREADS);
    let threads: HashSet<_> = results.iter().map(|&(_, _, id)| id).collect();
    assert!(
        threads.len() <= THREADS,
        "{} threads ran jobs",
        threads.len()
    );
    assert!(!threads.contains(&loop_thread));
}

#[test]
fn queued_jobs_run_in_fifo_order() {
    let rt = Runtime::builder().blocking_threads(1).build().unwrap();
    run_on(rt, async {
        let order = Arc::new(Mutex::new(Vec::new()));
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::channel();
        let mut first = Box::pin(to_thread(move || {
            started_tx.send(()).unwrap();
            gate_rx.recv_timeout(PATIENCE).unwrap();
            thread::current().id()
        }));
        assert!(poll_once(&mut first).await.is_pending());
        // The only thread is taken: the next jobs queue, in this order.
        started_rx.recv_timeout(PATIENCE).unwrap();
        let mut queued: Vec<_> = (1..=20)
            .map(|i| {
                let order = order.clone();
                Box::pin(to_thread(move || {
                    order.lock().unwrap().push(i);
                    thread::current().id()
                }))
            })
            .collect();
        for job in &mut queued {
            assert!(poll_once(job).await.is_pending());
        }
        gate_tx.send(()).unwrap();
        let only = first.await;
        let threads = uniloop::gather_all(queued).await;
        assert_eq!(*order.lock().unwrap(), (1..=20).collect::<Vec<_>>());
        assert!(threads.iter().all(|&id| id == only));
    });
}

#[test]
fn a_panic_in_a_to_thread_job_resumes_in_the_awaiting_task() {
    run_real(async {
        let task = spawn(to_thread(|| -> u32 {
            panic::panic_any(CustomPayload { code: 7 })
        }));
        let error = task.await.unwrap_err();
        assert!(error.is_panic());
        let payload = error.into_panic();
        assert_eq!(
            payload.downcast_ref::<CustomPayload>(),
            Some(&CustomPayload { code: 7 })
        );
        let task = spawn(to_thread(|| -> u32 { panic!("job {} failed", 2) }));
        let payload = task.await.unwrap_err().into_panic();
        assert_eq!(payload_message(&*payload).as_deref(), Some("job 2 failed"));
        // The loop, its other tasks and the pool carry on.
        let other = spawn(async {
            uniloop::yield_now().await;
            1
        });
        assert_eq!(to_thread(|| 41).await + other.await.unwrap(), 42);
    });
    // Awaited by the main future, the panic comes out of `run`.
    let message = panic_message(|| {
        uniloop::run(async { to_thread(|| -> u32 { panic!("out of run") }).await })
    });
    assert_eq!(message, "out of run");
}

#[test]
fn a_dropped_to_thread_future_lets_its_job_run_to_the_end() {
    run_real(async {
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let (log_tx, log_rx) = mpsc::channel();
        let mut job = Box::pin(to_thread({
            let log_tx = log_tx.clone();
            move || {
                gate_rx.recv_timeout(PATIENCE).unwrap();
                log_tx.send("job ran to the end").unwrap();
                SendsOnDrop(log_tx)
            }
        }));
        assert!(poll_once(&mut job).await.is_pending());
        drop(job);
        gate_tx.send(()).unwrap();
        drop(log_tx);
        // The log ends when the job's output, holding the last sender, is
        // dropped. Read it off the loop, wherever the output is dropped.
        let log = to_thread(move || log_rx.iter().collect::<Vec<_>>()).await;
        assert_eq!(log, ["job ran to the end", "output dropped"]);
    });
}

#[test]
fn run_waits_for_a_running_blocking_job_before_it_returns() {
    let done = Arc::new(AtomicBool::new(false));
    uniloop::run({
        let done = done.clone();
        async move {
            let (gate_tx, gate_rx) = mpsc::channel::<()>();
            let (started_tx, started_rx) = mpsc::channel();
            // Detached: `run` cancels the task, not the job.
            drop(spawn(to_thread(move || {
                started_tx.send(()).unwrap();
                gate_rx.recv_timeout(PATIENCE).unwrap();
                thread::sleep(Duration::from_millis(50)); // still at work as `run` ends
                done.store(true, SeqCst);
            })));
            to_thread(move || started_rx.recv_timeout(PATIENCE).unwrap()).await;
            gate_tx.send(()).unwrap();
        }
    });
    assert!(
        done.load(SeqCst),
        "run() returned while a blocking job was running"
    );
}

#[test]
fn to_thread_outside_a_runtime_panics() {
    let message = panic_message(|| to_thread(|| 1));
    assert_eq!(
        message,
        "uniloop::to_thread() called outside a uniloop runtime"
    );
}

#[test]
fn the_paused_clock_does_not_jump_while_the_loop_awaits_a_to_thread_job() {
    let rt = Runtime::builder().paused_clock(true).build().unwrap();
    rt.block_on(async {
        let start = uniloop::time::now();
        let sleeper = spawn(uniloop::sleep(Duration::from_secs(3600)));
        let (tx, rx) = mpsc::channel();
        // For 100 ms of real time the loop has nothing to do but wait for
        // the job and the hour-long timer: it must wait for the job.
        let feeder = thread::spawn(move || {
            thread::sleep(Duration::from_millis(100));
            tx.send(5).unwrap();
        });
        let got = to_thread(move || rx.recv_timeout(PATIENCE).unwrap()).await;
        assert_eq!(got, 5);
        assert_eq!(
            uniloop::time::now(),
            start,
            "the clock jumped while a job ran"
        );
        assert!(!sleeper.is_finished());
        feeder.join().unwrap();
        // With no job out, the clock jumps again.
        sleeper.await.unwrap();
        assert_eq!(uniloop::time::now() - start, Duration::from_secs(3600));
    });
}

// ---------------------------------------------------------------------------
// ThreadPool and run_in_executor
// ---------------------------------------------------------------------------

#[test]
fn run_in_executor_runs_on_the_pool_from_any_task_and_resumes_panics() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ThreadPool>();
    let pool = Arc::new(ThreadPool::new(2));
    run_real({
        let pool = pool.clone();
        async move {
            let loop_thread = thread::current().id();
            let (value, ran_on) = run_in_executor(&pool, || (6 * 7, thread::current().id())).await;
            assert_eq!(value, 42);
            assert_ne!(ran_on, loop_thread);
            let task = spawn(run_in_executor(&pool, || -> u8 {
                panic::panic_any(CustomPayload { code: 9 })
            }));
            let error = task.await.unwrap_err();
            assert!(error.is_panic());
            assert_eq!(
                error.into_panic().downcast_ref::<CustomPayload>(),
                Some(&CustomPayload { code: 9 })
            );
            // The pool carries on, also from a spawned task.
            let task = spawn({
                let pool = pool.clone();
                async move { run_in_executor(&pool, || 1).await }
            });
            assert_eq!(task.await.unwrap(), 1);
        }
    });
    // One pool, shared by the runtimes of two threads.
    let threads: Vec<_> = (0..2u32)
        .map(|t| {
            let pool = pool.clone();
            thread::spawn(move || {
                uniloop::run(async move { run_in_executor(&pool, move || t).await })
            })
        })
        .collect();
    let got: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(got, [0, 1]);
    // A size of 0 is taken as 1.
    let pool = ThreadPool::new(0);
    assert_eq!(
        uniloop::run(async move { run_in_executor(&pool, || 3).await }),
        3
    );
}

#[test]
fn dropping_a_thread_pool_runs_its_queued_jobs_and_joins_its_threads() {
    const QUEUED: usize = 10;
    let done = Arc::new(AtomicUsize::new(0));
    let exits = Arc::new(AtomicUsize::new(0));
    let pool = run_real(async {
        let pool = ThreadPool::new(1);
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::channel();
        let mut first = Box::pin(run_in_executor(&pool, {
            let (done, exits) = (done.clone(), exits.clone());
            move || {
                count_exit_of_this_thread(&exits);
                started_tx.send(()).unwrap();
                gate_rx.recv_timeout(PATIENCE).unwrap();
                done.fetch_add(1, SeqCst);
            }
        }));
        assert!(poll_once(&mut first).await.is_pending());
        // The pool's only thread is taken: the rest queue.
        started_rx.recv_timeout(PATIENCE).unwrap();
        let mut queued: Vec<_> = (0..QUEUED)
            .map(|_| {
                let (done, exits) = (done.clone(), exits.clone());
                Box::pin(run_in_executor(&pool, move || {
                    count_exit_of_this_thread(&exits);
                    thread::yield_now();
                    done.fetch_add(1, SeqCst);
                }))
            })
            .collect();
        for job in &mut queued {
            assert!(poll_once(job).await.is_pending());
        }
        // Dropping the futures does not take the jobs back.
        drop(first);
        drop(queued);
        gate_tx.send(()).unwrap();
        pool
    });
    // Off the loop (on a loop thread the drop would not wait: see
    // `faults_threads.rs`).
    drop(pool);
    // The drop returned: every job ran and the thread was joined.
    assert_eq!(done.load(SeqCst), QUEUED + 1);
    assert_eq!(exits.load(SeqCst), 1);
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
