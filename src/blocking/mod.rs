//! Running blocking code off the loop (≙ `asyncio.to_thread` and
//! `loop.run_in_executor`).
//!
//! A loop runs one task at a time, so a closure that blocks (file I/O, a
//! C library, a long computation) stops every task. Hand it to a thread
//! instead and await its result:
//!
//! - [`to_thread`] runs it on the runtime's own blocking
//!   pool, which starts threads on demand up to
//!   [`Builder::blocking_threads`](crate::Builder::blocking_threads)
//!   (default `min(32, cpus + 4)`, as asyncio's default executor); threads
//!   idle for 10 s exit, and jobs beyond the limit wait in FIFO order.
//! - [`run_in_executor`] runs it on a
//!   [`ThreadPool`] of your own, which you can size and share between
//!   runtimes.
//!
//! Both return a [`Blocking`] future. A panic in the closure is caught on
//! the thread and resumed in the task that awaits the result, so inside a
//! spawned task it becomes that task's
//! [`JoinError::is_panic`](crate::JoinError::is_panic).
//!
//! # Shutdown
//!
//! When a runtime is dropped (which is how [`run`](crate::run) ends), jobs
//! its pool has not started are dropped unrun, and it waits up to 10 s
//! (see [`Runtime::shutdown_timeout`](crate::Runtime::shutdown_timeout) to
//! choose) for the running ones. A job still running then is left to
//! finish on its own thread, detached, rather than hang the program: Rust
//! cannot stop a thread, and asyncio's `shutdown_default_executor` makes
//! the same choice after its timeout.
//!
//! # The paused clock
//!
//! Under [`Builder::paused_clock`](crate::Builder::paused_clock) the clock
//! does not jump to the next timer while one of the runtime's
//! [`to_thread`] jobs is queued or running: the loop
//! waits for the job, as it would for a ready task, so a blocking job
//! takes no virtual time (tokio makes the same choice). Two consequences:
//! a [`timeout`](crate::timeout) around a `to_thread` cannot expire while
//! the job runs, and a job that waits for something only virtual time
//! brings (a task's `sleep`, a timer) waits forever, and the loop with it.
//! Jobs on a [`ThreadPool`] of your own do not hold the clock back.
//!
//! # Examples
//!
//! ```
//! use uniloop::blocking::ThreadPool;
//!
//! let pool = ThreadPool::new(2);
//! uniloop::run(async {
//!     let sum = uniloop::to_thread(|| (1..=100u64).sum::<u64>()).await;
//!     let len = uniloop::run_in_executor(&pool, || "on the pool".len()).await;
//!     assert_eq!((sum, len), (5050, 11));
//! });
//! ```

mod thread_pool;

use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;

pub use thread_pool::{run_in_executor, ThreadPool};

use crate::runtime::context;
use crate::runtime::driver::blocking::Pool;
use crate::util::oneshot::{Filler, OneShot};

/// The result of a closure running on another thread: a future of its
/// output, from [`to_thread`] or [`run_in_executor`].
///
/// # Panics
///
/// Polling it resumes the closure's panic, if it panicked; polling it
/// again after it returned the output panics too, as futures may.
///
/// # Cancel safety
///
/// Dropping it does not stop the closure, which Rust cannot interrupt: the
/// closure runs to its end and its output is dropped (on its thread).
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let job: uniloop::blocking::Blocking<u32> = uniloop::to_thread(|| 7);
///     assert_eq!(job.await, 7);
/// });
/// ```
#[must_use = "the closure runs anyway; await the Blocking to get its output"]
pub struct Blocking<T> {
    result: Arc<OneShot<thread::Result<T>>>,
}

impl<T> Future for Blocking<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.result.poll_take(cx, "uniloop::blocking::Blocking") {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(output)) => Poll::Ready(output),
            Poll::Ready(Err(payload)) => panic::resume_unwind(payload),
        }
    }
}

impl<T> Blocking<T> {
    /// Whether the closure has finished (returned or panicked).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, rx) = std::sync::mpsc::channel::<()>();
    ///     let job = uniloop::to_thread(move || rx.recv().unwrap());
    ///     assert!(!job.is_finished());
    ///     tx.send(()).unwrap();
    ///     job.await;
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.result.is_filled()
    }
}

impl<T> fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blocking")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// The fallback of a job dropped before it ran: only a pool shutting down
/// drops jobs, and by then nobody awaits them, but a `Blocking` must get
/// an answer.
fn unrun<T>(_: bool) -> thread::Result<T> {
    Err(Box::new(
        "uniloop: the blocking job was dropped unrun: its pool shut down",
    ))
}

/// `f` as a job that delivers its output (or its panic) to a one-shot,
/// and the `Blocking` future that awaits it.
fn job<F, T>(f: F) -> (Blocking<T>, impl FnOnce() + Send + 'static)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (result, filler): (_, Filler<thread::Result<T>>) = OneShot::new(unrun::<T>);
    let job = move || filler.fill(panic::catch_unwind(AssertUnwindSafe(f)));
    (Blocking { result }, job)
}

/// Queue `f` on `pool` (a `ThreadPool`'s).
///
/// # Errors
///
/// The OS's error if no thread runs and none could be started.
fn submit<F, T>(pool: &Pool, f: F) -> io::Result<Blocking<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (blocking, job) = job(f);
    pool.execute(Box::new(job)).map_err(|(_, e)| e)?;
    Ok(blocking)
}

/// `submit`'s error as the panic of `function`, for the functions that
/// have no error to return.
#[track_caller]
pub(crate) fn expect_submitted<T>(submitted: io::Result<T>, function: &str) -> T {
    submitted.unwrap_or_else(|e| panic!("uniloop::{function}() could not start a thread: {e}"))
}

/// Run `f` on the runtime's blocking pool and await its output (≙
/// `await asyncio.to_thread(f)`).
///
/// The loop keeps running other tasks meanwhile. See [the `blocking`
/// module](crate::blocking) for the pool's size and shutdown.
///
/// # Panics
///
/// - Outside a uniloop runtime: "uniloop::to_thread() called outside a
///   uniloop runtime".
/// - If the pool has no thread and the OS refuses to start one.
/// - Awaiting the result resumes `f`'s panic, if it panicked.
///
/// # Cancel safety
///
/// Dropping the future does not stop `f`, which runs to its end; its
/// output is dropped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let slow = uniloop::to_thread(|| {
///         std::thread::sleep(Duration::from_millis(10)); // blocks a pool thread, not the loop
///         "done"
///     });
///     let other = uniloop::spawn(async { "the loop kept going" });
///     assert_eq!(other.await.unwrap(), "the loop kept going");
///     assert_eq!(slow.await, "done");
/// });
/// ```
#[track_caller]
pub fn to_thread<F, T>(f: F) -> Blocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    expect_submitted(run_blocking("to_thread", f), "to_thread")
}

/// [`to_thread`] for the crate's own blocking calls (`fs`, name
/// resolution): the panic outside a runtime names `function`, and a pool
/// that cannot start a thread is an error to return.
#[track_caller]
pub(crate) fn run_blocking<F, T>(function: &str, f: F) -> io::Result<Blocking<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (blocking, job) = job(f);
    context::expect_current(function, |core| {
        core.blocking().execute(move |in_flight| {
            job();
            drop(in_flight); // after the fill: the loop wakes to a result
        })
    })?;
    Ok(blocking)
}
