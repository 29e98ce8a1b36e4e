//! `Runtime` and `run`: the loop itself.

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::builder::{Builder, Config};
use super::context;
use super::core::{Core, BATCH};
use super::handle::Handle;
use super::metrics::Metrics;
use super::scheduler::Next;
use super::waker;

/// Run `future` on a new runtime to completion and return its output (≙
/// `asyncio.run(main())`).
///
/// When `future` completes, the runtime shuts down as `asyncio.run` does:
/// every task still alive is cancelled, and the loop runs on until they
/// have finished cancelling (their [`on_cancel`](crate::on_cancel) and
/// [`finally`](crate::finally) cleanups ran to their end; what those spawn
/// or schedule runs too), for up to 10 s (see
/// [`Builder::shutdown_timeout`]). Then the blocking pool shuts down:
/// jobs not started are dropped, and running ones get what is left of the
/// 10 s, then are left to finish detached (see
/// [`blocking`](crate::blocking#shutdown)). A panic inside `future`
/// propagates out of `run` (after the same shutdown).
///
/// # Panics
///
/// - Inside a running uniloop loop: "uniloop::run() cannot be called from a
///   running event loop".
/// - If the runtime cannot be created (see [`Builder::build`]).
/// - If `future` panics.
///
/// # Examples
///
/// ```
/// let answer = uniloop::run(async {
///     let task = uniloop::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    if context::with_current(|_| ()).is_some() {
        panic!("uniloop::run() cannot be called from a running event loop");
    }
    let runtime =
        Runtime::new().unwrap_or_else(|e| panic!("uniloop::run() could not start a runtime: {e}"));
    runtime.run_main(future, "run")
}

/// A single-threaded event loop: a `mio` reactor, a slab of tasks and a FIFO
/// run queue (≙ an asyncio event loop).
///
/// A `Runtime` is `!Send`: its tasks are `!Send` and live on the thread
/// that created it. Other threads reach it through a [`Handle`].
///
/// Tasks live on between calls of [`block_on`](Runtime::block_on) (≙
/// `asyncio.Runner.run`). Dropping the runtime (≙ `Runner.close`) shuts
/// it down as [`run`] does: every task still alive is cancelled and the
/// loop runs until their cleanups have finished, within
/// [`Builder::shutdown_timeout`] (10 s by default) for the cleanups and
/// the blocking jobs together. Their [`Task`](crate::Task) handles report
/// [`JoinError::is_cancelled`](crate::JoinError::is_cancelled). A runtime
/// dropped while another runtime runs on the same thread (inside one of
/// its tasks) cannot run its loop: its tasks are dropped without their
/// cleanups, which a line on stderr reports.
///
/// # Examples
///
/// ```
/// let rt = uniloop::Runtime::new()?;
/// let task = rt.block_on(async { uniloop::spawn(async { "later" }) });
/// // Tasks outlive one block_on and run in the next.
/// assert_eq!(rt.block_on(task).unwrap(), "later");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Runtime {
    core: Box<Core>,
    /// How long dropping waits for cleanups and running blocking jobs.
    shutdown_timeout: Duration,
}

impl Runtime {
    /// A runtime with the default options (see [`Builder::new`]).
    ///
    /// # Errors
    ///
    /// As [`Builder::build`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to set options.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::builder().debug(true).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_config(config: Config) -> io::Result<Runtime> {
        Ok(Runtime {
            core: Box::new(Core::new(&config)?),
            shutdown_timeout: config.shutdown_timeout,
        })
    }

    /// Run the loop until `future` completes, and return its output (≙
    /// `asyncio.Runner.run`). Tasks spawned inside keep their state between
    /// calls: `block_on` may be called any number of times, and only
    /// dropping the runtime cancels what is left (see the type docs).
    ///
    /// `future` runs on this thread, in the same FIFO order as tasks, and
    /// need not be `'static`. A panic inside it propagates.
    ///
    /// # Panics
    ///
    /// - Inside a running uniloop loop: "uniloop::Runtime::block_on() cannot
    ///   be called from a running event loop".
    /// - If `future` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let text = String::from("borrowed");
    /// assert_eq!(rt.block_on(async { text.len() }), 8);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.run_main(future, "Runtime::block_on")
    }

    /// A snapshot of the runtime's counters: tasks, polls, wake-ups, I/O
    /// events, timers, loop turns, busy and idle time. See [`Metrics`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// rt.block_on(async {
    ///     for _ in 0..3 {
    ///         uniloop::spawn(async {});
    ///     }
    ///     uniloop::yield_now().await;
    /// });
    /// let m = rt.metrics();
    /// assert_eq!((m.tasks_spawned, m.tasks_alive, m.polls), (3, 0, 3));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn metrics(&self) -> Metrics {
        self.core.metrics()
    }

    /// A [`Handle`] through which other threads reach this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// std::thread::spawn(move || handle.call_soon_threadsafe(|| println!("on the loop")))
    ///     .join()
    ///     .unwrap()
    ///     .ok()
    ///     .unwrap();
    /// rt.block_on(uniloop::yield_now());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> Handle {
        Handle::new(self.core.inbox().clone())
    }

    /// Drop the runtime, waiting up to `timeout` (instead of
    /// [`Builder::shutdown_timeout`]) for the cancelled tasks' cleanups and
    /// then the blocking jobs still running on its pool (≙ tokio's
    /// `Runtime::shutdown_timeout`). Unstarted jobs are dropped as in any
    /// drop; jobs still running at the deadline are left to finish on
    /// their own threads, detached. `Duration::ZERO` waits for nothing
    /// (tasks are dropped without their cleanups, which stderr reports);
    /// a timeout too large for the clock (`Duration::MAX`) waits as long
    /// as they take.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::new()?;
    /// let (started, running) = std::sync::mpsc::channel();
    /// let (release, gate) = std::sync::mpsc::channel::<()>();
    /// let job = rt.block_on(async {
    ///     uniloop::to_thread(move || {
    ///         started.send(()).unwrap();
    ///         gate.recv().unwrap();
    ///     })
    /// });
    /// running.recv().unwrap(); // the job runs, and blocks
    /// rt.shutdown_timeout(Duration::ZERO); // returns anyway
    /// release.send(()).unwrap(); // the detached job can still finish
    /// drop(job);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown_timeout = timeout;
    }

    #[track_caller]
    fn run_main<F: Future>(&self, future: F, function: &str) -> F::Output {
        let core = &*self.core;
        let caller = Location::caller();
        let _enter = context::enter_loop(core, function);
        let _time = core.counters().enter_loop();
        let mut future = pin!(future);
        // What other threads sent while the loop was not running goes first.
        core.receive();
        let main = core.begin_main();
        let main_waker = waker::waker(main);
        let mut cx = Context::from_waker(&main_waker);
        loop {
            for _ in 0..BATCH {
                match core.pop() {
                    None => break,
                    Some(Next::Task(task)) => core.run_task(task),
                    Some(Next::Main) => {
                        let poll = core.timed(
                            || future.as_mut().poll(&mut cx),
                            || format!("the future given to {function} (at {caller})"),
                        );
                        if let Poll::Ready(output) = poll {
                            return output;
                        }
                    }
                }
            }
            core.turn();
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.core.shut_down(self.shutdown_timeout);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("id", &self.core.id())
            .finish_non_exhaustive()
    }
}
