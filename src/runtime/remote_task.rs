//! `RemoteTask`: a task started from another thread through a `Handle`
//! (≙ the `concurrent.futures.Future` of `asyncio.run_coroutine_threadsafe`).

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use super::context;
use super::core::Core;
use crate::util::oneshot::{Filler, HasOneShot, OneShot};
use crate::util::panic::Payload;

/// Why a [`RemoteTask`] gave no value: the task was cancelled or panicked,
/// its runtime is gone, or [`wait_timeout`](RemoteTask::wait_timeout) ran
/// out of time (≙ `CancelledError`, the task's exception, and
/// `TimeoutError` from `concurrent.futures.Future.result(timeout)`).
///
/// # Examples
///
/// ```
/// let rt = uniloop::Runtime::new()?;
/// let task = rt.handle().spawn(|| async { panic!("boom") });
/// rt.block_on(uniloop::yield_now());
/// let err = task.wait().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "the remote task panicked: boom");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct RemoteError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Payload),
    RuntimeGone,
    TimedOut,
}

impl RemoteError {
    fn new(repr: Repr) -> RemoteError {
        RemoteError { repr }
    }

    /// Whether the task was cancelled by [`RemoteTask::cancel`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| std::future::pending::<()>());
    /// task.cancel();
    /// rt.block_on(uniloop::yield_now());
    /// assert!(task.wait().unwrap_err().is_cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task (or the closure that built its future) panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| -> std::future::Ready<()> { panic!("no future") });
    /// rt.block_on(uniloop::yield_now());
    /// assert!(task.wait().unwrap_err().is_panic());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// Whether the runtime was dropped before the task finished (or before
    /// it was sent).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// drop(rt);
    /// assert!(handle.spawn(|| async {}).wait().unwrap_err().is_runtime_gone());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_runtime_gone(&self) -> bool {
        matches!(self.repr, Repr::RuntimeGone)
    }

    /// Whether [`RemoteTask::wait_timeout`] ran out of time; the task runs
    /// on and can be waited for again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::new()?;
    /// let mut task = rt.handle().spawn(|| async { 1 });
    /// assert!(task.wait_timeout(Duration::ZERO).unwrap_err().is_timeout());
    /// rt.block_on(uniloop::yield_now());
    /// assert_eq!(task.wait_timeout(Duration::ZERO).unwrap(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self.repr, Repr::TimedOut)
    }

    /// The panic's payload, to resume it with
    /// `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// If the error is not a panic ("RemoteError::into_panic() called on a
    /// RemoteError that is not a panic").
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| async { std::panic::panic_any(7_u8) });
    /// rt.block_on(uniloop::yield_now());
    /// let payload = task.wait().unwrap_err().into_panic();
    /// assert_eq!(payload.downcast_ref::<u8>(), Some(&7));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        match self.repr {
            Repr::Panic(payload) => payload.into_inner(),
            _ => panic!("RemoteError::into_panic() called on a RemoteError that is not a panic"),
        }
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("the remote task was cancelled"),
            Repr::Panic(payload) => match payload.message() {
                Some(message) => write!(f, "the remote task panicked: {message}"),
                None => f.write_str("the remote task panicked"),
            },
            Repr::RuntimeGone => f.write_str("the uniloop runtime is gone"),
            Repr::TimedOut => f.write_str("timed out waiting for the remote task"),
        }
    }
}

impl fmt::Debug for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("RemoteError::Cancelled"),
            Repr::Panic(_) => write!(f, "RemoteError::Panicked({self})"),
            Repr::RuntimeGone => f.write_str("RemoteError::RuntimeGone"),
            Repr::TimedOut => f.write_str("RemoteError::TimedOut"),
        }
    }
}

impl Error for RemoteError {}

type Outcome<T> = Result<T, RemoteError>;

/// The answer of a task whose future was dropped unfinished: cancelled if
/// [`RemoteTask::cancel`] asked for it, otherwise the runtime went away.
fn dropped<T>(cancel_requested: bool) -> Outcome<T> {
    Err(RemoteError::new(if cancel_requested {
        Repr::Cancelled
    } else {
        Repr::RuntimeGone
    }))
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
            .unwrap_or_else(|| Err(RemoteError::new(Repr::TimedOut)))
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

/// What `Handle::spawn` sends to the loop, in one allocation with the
/// slot the `RemoteTask` waits on: the closure that builds the future.
struct Shared<M, Fut: Future> {
    slot: OneShot<Outcome<Fut::Output>>,
    /// Taken by `start` on the loop, or by `abandon` if it never gets there.
    make: Mutex<Option<M>>,
    location: &'static Location<'static>,
    /// Set by `start` on a debug-mode runtime to the task's id: a panic
    /// nobody took is then reported when this is dropped (≙ asyncio's
    /// "exception was never retrieved"), as for a detached local task.
    report_unretrieved: AtomicU64,
    _future: PhantomData<fn() -> Fut>,
}

impl<M, Fut: Future> Drop for Shared<M, Fut> {
    fn drop(&mut self) {
        let id = *self.report_unretrieved.get_mut();
        if id == 0 {
            return;
        }
        if let Some(Err(RemoteError {
            repr: Repr::Panic(payload),
        })) = self.slot.unretrieved()
        {
            let message = payload.describe();
            let _ = writeln!(
                io::stderr().lock(),
                "uniloop: task {id} (started by Handle::spawn at {}) panicked and its exception \
                 was never retrieved: {message}",
                self.location
            );
        }
    }
}

impl<M, Fut> HasOneShot<Outcome<Fut::Output>> for Shared<M, Fut>
where
    M: Send,
    Fut: Future,
    Fut::Output: Send,
{
    fn one_shot(&self) -> &OneShot<Outcome<Fut::Output>> {
        &self.slot
    }
}

/// The loop's side of a [`Shared`], with its types erased.
trait Start: Send + Sync {
    /// Build the future and spawn it.
    fn start(self: Arc<Self>, core: &Core);
    /// It will never start: answer the waiter.
    fn abandon(&self);
}

impl<M, Fut> Start for Shared<M, Fut>
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    fn start(self: Arc<Self>, core: &Core) {
        let Some(make) = lock(&self.make).take() else {
            return;
        };
        if self.slot.is_cancel_requested() {
            drop(make);
            return self.slot.fill(dropped(true));
        }
        match panic::catch_unwind(AssertUnwindSafe(make)) {
            Ok(future) => {
                let location = self.location;
                let shared = self.clone();
                let filler = Filler::new(self, dropped::<Fut::Output>);
                let task = RemoteFuture {
                    future,
                    filler: Some(filler),
                };
                let task = core.spawn(task, None, location);
                if core.is_debug() {
                    shared
                        .report_unretrieved
                        .store(task.id().0, Ordering::Relaxed);
                }
            }
            Err(payload) => self
                .slot
                .fill(Err(RemoteError::new(Repr::Panic(Payload::new(payload))))),
        }
    }

    fn abandon(&self) {
        let make = lock(&self.make).take();
        if make.is_some() {
            // Dropped first: its destructors run before the waiter hears.
            drop(make);
            self.slot.fill(dropped(self.slot.is_cancel_requested()));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Only `take` runs under it: a poison cannot mean a broken state.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A `Handle::spawn` on its way to the loop. Dropped unstarted (the
/// runtime refused it, or went away with it queued), it tells the waiter
/// the runtime is gone.
pub(crate) struct Starter(Option<Arc<dyn Start>>);

impl Starter {
    /// Start the task on `core`.
    pub(crate) fn start(mut self, core: &Core) {
        if let Some(start) = self.0.take() {
            start.start(core);
        }
    }
}

impl Drop for Starter {
    fn drop(&mut self) {
        if let Some(start) = self.0.take() {
            start.abandon();
        }
    }
}

/// A `RemoteTask` and the `Starter` to send to the loop.
pub(crate) fn starter<M, Fut>(
    make: M,
    owner: ThreadId,
    location: &'static Location<'static>,
) -> (RemoteTask<Fut::Output>, Starter)
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    let shared = Arc::new(Shared {
        slot: OneShot::empty(),
        make: Mutex::new(Some(make)),
        location,
        report_unretrieved: AtomicU64::new(0),
        _future: PhantomData::<fn() -> Fut>,
    });
    let task = RemoteTask {
        shared: shared.clone(),
        owner,
    };
    (task, Starter(Some(shared)))
}

pin_project! {
    /// The task's future: runs the user's future, puts its output (or its
    /// panic) in the slot, and stops early when cancelled.
    struct RemoteFuture<F: Future> {
        // Declared first: dropped before `filler` answers the waiter.
        #[pin]
        future: F,
        filler: Option<Filler<Outcome<F::Output>>>,
    }
}

impl<F: Future> Future for RemoteFuture<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let Some(filler) = this.filler.as_ref() else {
            return Poll::Ready(());
        };
        if filler.is_cancel_requested() {
            // Finishing drops this future: the user's future first (fields
            // drop in order), then the filler, whose drop answers
            // "cancelled". So the waiter hears only after the destructors.
            return Poll::Ready(());
        }
        // Caught here, not by the task: nobody holds this task's handle, so
        // a panic the task caught would count as never retrieved.
        let outcome = match panic::catch_unwind(AssertUnwindSafe(|| this.future.poll(cx))) {
            Ok(Poll::Pending) => {
                if filler.wake_on_cancel(cx.waker()) {
                    cx.waker().wake_by_ref(); // asked meanwhile: come back
                }
                return Poll::Pending;
            }
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(RemoteError::new(Repr::Panic(Payload::new(payload)))),
        };
        if let Some(filler) = this.filler.take() {
            filler.fill(outcome);
        }
        Poll::Ready(())
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
