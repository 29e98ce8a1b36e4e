//! Threads (split from `tests/threads.rs`): `to_thread` on the runtime's
//! blocking pool and `ThreadPool` with `run_in_executor`: running beside
//! the loop, the thread limit, FIFO queueing, panics, dropped futures,
//! the runtime and the pool going away, and the paused clock.
//!
//! Threads do not follow the paused clock, so everything here runs on the
//! real one, except the test that checks that the paused clock waits for a
//! job. Nothing sleeps to wait for something: tests wait on channels,
//! rendezvous and signals, with a generous `PATIENCE` only so that a bug
//! fails the test instead of hanging it. Every thread a test starts is
//! joined, and no blocking job is left running when a test returns.

mod support;
mod threads_support;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::Future;
use std::panic;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use support::{panic_message, payload_message, poll_once, CustomPayload};
use threads_support::{run_on, PATIENCE};
use uniloop::blocking::ThreadPool;
use uniloop::{run_in_executor, spawn, to_thread, Runtime};

/// [`run_on`] a fresh runtime with the default settings.
fn run_real<F: Future>(body: F) -> F::Output {
    run_on(Runtime::new().unwrap(), body)
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
