//! `RemoteTask`: a task started from another thread through a `Handle`
//! (≙ the `concurrent.futures.Future` of `asyncio.run_coroutine_threadsafe`).

//!
//! `error.rs` holds [`RemoteError`]; `start.rs` the loop's side (what
//! `Handle::spawn` sends, and the task that fills the result).

mod error;
mod start;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

pub use error::RemoteError;
pub(crate) use start::{starter, Starter};

use super::context;
use crate::util::oneshot::{HasOneShot, OneShot};

type Outcome<T> = Result<T, RemoteError>;

/// The answer of a task whose future was dropped unfinished: cancelled if
/// [`RemoteTask::cancel`] asked for it, otherwise the runtime went away.
fn dropped<T>(cancel_requested: bool) -> Outcome<T> {
    Err(if cancel_requested {
        RemoteError::cancelled()
    } else {
        RemoteError::runtime_gone()
    })
}

/// A task started on a runtime from another thread by
/// [`Handle::spawn`](crate::Handle::spawn) (≙ the future returned by
/// `asyncio.run_coroutine_threadsafe`).
///
/// Await it on any executor, or block a thread on it with
/// [`wait`](Self::wait) or [`wait_timeout`](Self::wait_timeout). Dropping
/// it detaches the task, which runs on; [`cancel`](Self::cancel) stops it.
///
/// It never hangs on a dead runtime: if the runtime is dropped before the
/// task finishes, the result is an error with
/// [`is_runtime_gone`](RemoteError::is_runtime_gone).
///
/// # Panics
///
/// Polling it, or calling `wait_timeout`, after it returned its result.
///
/// # Cancel safety
///
/// Dropping the future loses nothing but the result: the task runs on.
///
/// # Examples
///
/// ```
/// let rt = uniloop::Runtime::new()?;
/// let handle = rt.handle();
/// let worker = std::thread::spawn(move || {
///     let task = handle.spawn(|| async {
///         let local = std::rc::Rc::new(20); // the future need not be Send
///         *local + 1
///     });
///     task.wait().unwrap()
/// });
/// // The loop must run for the task to run; here until the thread is done.
/// rt.block_on(async {
///     while !worker.is_finished() {
///         uniloop::sleep(std::time::Duration::from_millis(1)).await;
///     }
/// });
/// assert_eq!(worker.join().unwrap(), 21);
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "a RemoteTask detaches when dropped; await it, wait() on it, or drop it on purpose"]
pub struct RemoteTask<T> {
    shared: Arc<dyn HasOneShot<Outcome<T>>>,
    /// The thread that owns the runtime, which a blocking wait there
    /// would stop forever.
    owner: ThreadId,
}

impl<T> RemoteTask<T> {
    /// Block this thread until the task finishes, and return its output
    /// (≙ `concurrent.futures.Future.result()`).
    ///
    /// # Errors
    ///
    /// The task was cancelled or panicked, or its runtime is gone.
    ///
    /// # Panics
    ///
    /// - On a thread that is running a uniloop loop, whose tasks it would
    ///   stop ("uniloop::RemoteTask::wait() called on a thread running a
    ///   uniloop loop"); await the task there instead.
    /// - On the thread that owns the task's runtime, whose loop could not
    ///   run while this thread waits ("uniloop::RemoteTask::wait() called on
    ///   the thread that owns its runtime"): run `block_on` there.
    /// - If the result was taken already (by a `wait_timeout` or an
    ///   `.await` that returned it).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| async { "ok" });
    /// rt.block_on(uniloop::yield_now());
    /// assert_eq!(task.wait().unwrap(), "ok");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn wait(self) -> Result<T, RemoteError> {
        self.not_on_a_loop("RemoteTask::wait");
        if thread::current().id() == self.owner && !self.is_finished() {
            panic!("uniloop::RemoteTask::wait() called on the thread that owns its runtime");
        }
        self.slot()
            .wait_until(None, "uniloop::RemoteTask::wait()")
            .expect("no deadline")
    }

    /// Block this thread until the task finishes or `timeout` passes (≙
    /// `concurrent.futures.Future.result(timeout)`). After a timeout the
    /// task runs on, and can be waited for again.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait), and an error with
    /// [`is_timeout`](RemoteError::is_timeout) if time ran out.
    ///
    /// # Panics
    ///
    /// - On a thread running a uniloop loop, as [`wait`](Self::wait). (On
    ///   the thread that owns the runtime, outside its loop, it only waits
    ///   out the timeout: the task cannot progress meanwhile.)
    /// - If the result was taken already (a previous wait returned it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::new()?;
    /// let mut task = rt.handle().spawn(|| std::future::pending::<()>());
    /// let err = task.wait_timeout(Duration::from_millis(1)).unwrap_err();
    /// assert!(err.is_timeout());
    /// drop(rt);
    /// assert!(task.wait_timeout(Duration::from_secs(60)).unwrap_err().is_runtime_gone());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn wait_timeout(&mut self, timeout: Duration) -> Result<T, RemoteError> {
        self.not_on_a_loop("RemoteTask::wait_timeout");
        let deadline = Instant::now().checked_add(timeout);
        self.slot()
            .wait_until(deadline, "uniloop::RemoteTask::wait_timeout()")
            .unwrap_or_else(|| Err(RemoteError::timed_out()))
    }

    /// Ask the loop to cancel the task: its future is dropped on the loop's
    /// thread at its next turn, and the result becomes an error with
    /// [`is_cancelled`](RemoteError::is_cancelled). No effect once the task
    /// has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| std::future::pending::<()>());
    /// rt.block_on(uniloop::yield_now()); // the task starts, and waits forever
    /// task.cancel();
    /// rt.block_on(uniloop::yield_now()); // the loop drops it
    /// assert!(task.is_finished());
    /// assert!(task.wait().unwrap_err().is_cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn cancel(&self) {
        self.slot().request_cancel();
    }

    /// Whether the task has finished, one way or another.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| async {});
    /// assert!(!task.is_finished());
    /// rt.block_on(uniloop::yield_now());
    /// assert!(task.is_finished());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_finished(&self) -> bool {
        self.slot().is_filled()
    }
}

impl<T> RemoteTask<T> {
    fn slot(&self) -> &OneShot<Outcome<T>> {
        self.shared.one_shot()
    }

    /// Refuse to block a thread whose loop the task may need.
    #[track_caller]
    fn not_on_a_loop(&self, function: &str) {
        if context::with_current(|_| ()).is_some() {
            panic!("uniloop::{function}() called on a thread running a uniloop loop");
        }
    }
}

impl<T> Future for RemoteTask<T> {
    type Output = Result<T, RemoteError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.shared.one_shot().poll_take(cx, "uniloop::RemoteTask")
    }
}

impl<T> fmt::Debug for RemoteTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteTask")
            .field("finished", &self.is_finished())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::Runtime;

    #[test]
    #[should_panic(
        expected = "uniloop::RemoteTask::wait() called on the thread that owns its runtime"
    )]
    fn waiting_on_the_runtimes_own_thread_outside_its_loop_panics_instead_of_hanging() {
        let rt = Runtime::new().unwrap();
        let task = rt.handle().spawn(|| async {});
        let _ = task.wait();
    }

    #[test]
    fn waiting_on_the_runtimes_own_thread_is_fine_once_finished() {
        let rt = Runtime::new().unwrap();
        let task = rt.handle().spawn(|| async { 5 });
        rt.block_on(crate::yield_now());
        assert_eq!(task.wait().unwrap(), 5);
    }

    #[test]
    #[should_panic(
        expected = "uniloop::RemoteTask::wait() called on a thread running a uniloop loop"
    )]
    fn waiting_inside_a_loop_panics() {
        let rt = Runtime::new().unwrap();
        let task = rt.handle().spawn(|| async {});
        crate::run(async move {
            let _ = task.wait();
        });
    }
}
