//! Tasks: `spawn`, `spawn_named` and the [`Task`] handle.

pub(crate) mod cancel;
pub(crate) mod cell;
mod error;
mod info;
pub(crate) mod raw;
pub(crate) mod state;

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::future::FusedFuture;

pub use error::JoinError;
pub use info::{TaskId, TaskInfo, TaskState};

use crate::runtime::{context, waker};
use cell::Header;
use raw::RawTask;

/// Spawn `future` as a new task on the current runtime (≙
/// `asyncio.create_task`).
///
/// The task is queued behind the tasks already ready and first runs when
/// the loop reaches it, whether or not the returned [`Task`] is awaited.
/// The future need not be `Send`: it never leaves the loop's thread.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::spawn() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let local = std::rc::Rc::new(20); // !Send is fine
///     let task = uniloop::spawn(async move { *local + 1 });
///     assert_eq!(task.await.unwrap(), 21);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let location = Location::caller();
    context::expect_current("spawn", |core| core.spawn(future, None, location))
}

/// Spawn `future` as a task with a name, which shows in
/// [`Task::name`], [`TaskInfo`] and debug output (≙
/// `asyncio.create_task(coro, name=...)`).
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::spawn_named() called outside a
/// uniloop runtime".
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let task = uniloop::spawn_named("fetch", async { 1 });
///     assert_eq!(task.name(), Some("fetch"));
///     assert_eq!(task.await.unwrap(), 1);
/// });
/// ```
#[track_caller]
pub fn spawn_named<F>(name: impl Into<String>, future: F) -> Task<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let location = Location::caller();
    let name = name.into().into_boxed_str();
    context::expect_current("spawn_named", |core| {
        core.spawn(future, Some(name), location)
    })
}

/// A handle to a spawned task (≙ asyncio's `Task`).
///
/// Awaiting it gives the task's output, or a [`JoinError`] if the task was
/// cancelled or panicked. [`cancel`](Task::cancel) stops it.
///
/// # Dropping a `Task`
///
/// One rule: dropping a `Task` cancels its task **if the handle was
/// awaited** (polled as a future: `.await`, or inside [`timeout`],
/// [`gather!`](crate::gather), [`gather_all`](crate::gather_all),
/// [`race`](crate::race)) **and the task has not completed**, unless it was
/// detached ([`detach`](Task::detach), [`shield`](crate::shield)).
/// Otherwise the task runs on, detached.
///
/// So a spawned task that nobody awaits is fire-and-forget, as in asyncio,
/// and cancellation travels down the await chain, as in asyncio: a task
/// cancelled while it awaits another cancels that one too, and counts as
/// finished only once that one's cancellation (and its cleanup,
/// [`on_cancel`](crate::on_cancel)) completed. [`wait`](crate::wait) owns
/// its tasks while it runs, so cancelling the task that waits cancels them
/// too; [`as_completed`](crate::as_completed) only watches its tasks, so
/// cancelling the task that reads it leaves them running (as asyncio's
/// `as_completed` does).
///
/// [`timeout`]: crate::timeout
///
/// # Cancel safety
///
/// Dropping a `Task` while awaiting it cancels the task (see above);
/// [`shield`](crate::shield) it to keep it running.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let task = uniloop::spawn(async { "done" });
///     assert!(!task.is_finished());
///     assert_eq!(task.await.unwrap(), "done");
/// });
/// ```
#[must_use = "a Task runs whether or not it is awaited; await it, or detach() it, or drop it on purpose"]
pub struct Task<T> {
    /// Whether it was polled as a future (and so cancels its task when
    /// dropped first, see the type docs) is a bit of the task's state:
    /// a handle stays one word.
    raw: RawTask,
    /// The cell's output type (`raw`'s typed calls rely on it).
    output: PhantomData<*const T>,
}

impl<T> Task<T> {
    /// The handle of the cell behind `raw`.
    ///
    /// # Safety
    ///
    /// `T` is the output type of the cell's future (`Scheduler::spawn`).
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<T> {
        Task {
            raw,
            output: PhantomData,
        }
    }

    /// `poll_join` for the handle polled as a future: marks it awaited
    /// first (see `runtime::task::cancel`).
    fn poll_join_awaited(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        self.raw.header().state.set_awaited(true);
        // SAFETY: `T` is the cell's output type (`from_raw`).
        unsafe { self.raw.poll_join(cx) }
    }

    /// Request cancellation (≙ `asyncio.Task.cancel`): the task will not be
    /// polled again, and its future (and so its destructors) is dropped at
    /// the loop's next turn, before an await of this handle returns
    /// `Err(JoinError)` with [`is_cancelled`](JoinError::is_cancelled).
    ///
    /// Returns `true` if the request took effect, `false` if the task had
    /// already finished (or was finishing: a destructor of its future
    /// calling `cancel()` gets `false`) or been cancelled. A task that
    /// cancels itself and then returns a value in the same poll still ends
    /// cancelled, as in asyncio, so `true` always means an `Err` outcome;
    /// if it panics in that poll instead, the outcome is the panic
    /// ([`JoinError::is_panic`]) and [`is_cancelled`](Task::is_cancelled)
    /// goes back to `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(std::future::pending::<()>());
    ///     assert!(task.cancel());
    ///     assert!(!task.cancel()); // already cancelled
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        cancel(self.raw.header(), None)
    }

    /// [`cancel`](Task::cancel) with a message, which the task's
    /// [`JoinError`] gives back ([`JoinError::cancel_message`]) and the
    /// tasks it awaits are cancelled with too (≙ `task.cancel(msg)`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(std::future::pending::<()>());
    ///     assert!(task.cancel_with("shutting down"));
    ///     let err = task.await.unwrap_err();
    ///     assert!(err.is_cancelled());
    ///     assert_eq!(err.cancel_message(), Some("shutting down"));
    /// });
    /// ```
    pub fn cancel_with(&self, message: impl Into<String>) -> bool {
        let message: Rc<str> = Rc::from(message.into());
        cancel(self.raw.header(), Some(message))
    }

    /// Let the task run on, whatever happens to this handle: dropping it
    /// will not cancel the task, even after it was awaited (≙ keeping a
    /// task alive that nobody awaits any more).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// uniloop::run(async {
    ///     let (tx, rx) = uniloop::channel::oneshot::channel();
    ///     let mut task = uniloop::spawn(async move {
    ///         uniloop::sleep(Duration::from_millis(5)).await;
    ///         tx.send("kept running").unwrap();
    ///     });
    ///     // Awaited, then given up on: without detach() the drop would
    ///     // cancel it.
    ///     let _ = uniloop::timeout(Duration::from_millis(1), &mut task).await;
    ///     task.detach();
    ///     assert_eq!(rx.await, Ok("kept running"));
    /// });
    /// ```
    pub fn detach(self) {
        self.raw.header().state.set_awaited(false);
    }

    /// A cloneable handle that can cancel the task from elsewhere, while
    /// this `Task` is awaited (≙ holding another reference to an asyncio
    /// task; tokio's `AbortHandle`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(std::future::pending::<()>());
    ///     let handle = task.cancel_handle();
    ///     uniloop::spawn(async move { handle.cancel_with("from elsewhere") });
    ///     assert_eq!(task.await.unwrap_err().cancel_message(), Some("from elsewhere"));
    /// });
    /// ```
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(self.abort_handle())
    }

    /// Whether the task is done: it returned, panicked or was cancelled
    /// (true as soon as [`cancel`](Task::cancel) returns `true`, since it will
    /// not run again).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     assert!(!task.is_finished());
    ///     uniloop::yield_now().await;
    ///     assert!(task.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.header().is_done()
    }

    /// Whether the task was cancelled (by [`cancel`](Task::cancel), or by its
    /// runtime shutting down) (≙ `asyncio.Task.cancelled`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     task.cancel();
    ///     assert!(task.is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.raw.header().is_cancelled()
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async { uniloop::current_task().unwrap().id });
    ///     let id = task.id();
    ///     assert_eq!(task.await.unwrap(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.raw.header().id
    }

    /// The name given to [`spawn_named`], if any.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     assert_eq!(uniloop::spawn(async {}).name(), None);
    ///     assert_eq!(uniloop::spawn_named("n", async {}).name(), Some("n"));
    /// });
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.raw.header().name()
    }
}

/// Crate-internal: what the structured-concurrency combinators need.
impl<T> Task<T> {
    /// Wait for the task to complete without taking its output:
    /// `Ready(true)` if it ended with an `Err` (cancelled or panicked).
    pub(crate) fn poll_complete(&self, cx: &mut Context<'_>) -> Poll<bool> {
        self.raw.poll_complete(cx)
    }

    /// Whether its output (or error) is stored: it returned, panicked, or
    /// its cancellation has been carried out (unlike `is_finished`, not
    /// just requested).
    pub(crate) fn is_complete(&self) -> bool {
        self.raw.header().is_complete()
    }

    /// Whether it returned a value, not yet taken, for which `test` holds.
    pub(crate) fn output_is(&self, mut test: impl FnMut(&T) -> bool) -> bool {
        // SAFETY: `T` is the cell's output type (`from_raw`).
        unsafe { self.raw.output_is(&mut test) }
    }

    /// Poll for the output without counting as awaited: dropping the
    /// handle afterwards does not cancel the task (`shield`).
    pub(crate) fn poll_unawaited(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        // SAFETY: `T` is the cell's output type (`from_raw`).
        unsafe { self.raw.poll_join(cx) }
    }

    /// A handle that can cancel the task without knowing its output type.
    pub(crate) fn abort_handle(&self) -> AbortHandle {
        AbortHandle(self.raw.clone())
    }
}

/// A task watched without being awaited (`as_completed`): a future of its
/// output whose drop detaches the task, as asyncio's `as_completed` leaves
/// its tasks running.
pub(crate) struct Unawaited<T>(pub(crate) Task<T>);

impl<T> Future for Unawaited<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll_unawaited(cx)
    }
}

impl<T> Drop for Task<T> {
    /// Cancel the task if this handle was awaited and it has not completed
    /// (see the type docs); the cancellation lands in whatever collects
    /// them on this thread (`cancel::collecting`).
    #[inline]
    fn drop(&mut self) {
        let header = self.raw.header();
        if header.state.is_awaited() && !header.is_complete() {
            cancel::dropped_while_awaited(self.abort_handle());
        }
    }
}

/// Cancels a task from anywhere on its loop's thread, whatever its output
/// type; from [`Task::cancel_handle`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let task = uniloop::spawn(std::future::pending::<()>());
///     let handles = vec![task.cancel_handle(), task.cancel_handle()];
///     assert!(handles[0].cancel());
///     assert!(handles[1].is_cancelled() && handles[1].is_finished());
///     assert_eq!(handles[1].id(), task.id());
///     assert!(task.await.unwrap_err().is_cancelled());
/// });
/// ```
#[derive(Clone)]
pub struct CancelHandle(AbortHandle);

impl CancelHandle {
    /// As [`Task::cancel`].
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     let handle = task.cancel_handle();
    ///     task.await.unwrap();
    ///     assert!(!handle.cancel()); // finished already
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        self.0.cancel()
    }

    /// As [`Task::cancel_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(std::future::pending::<()>());
    ///     task.cancel_handle().cancel_with("stop");
    ///     assert_eq!(task.await.unwrap_err().cancel_message(), Some("stop"));
    /// });
    /// ```
    pub fn cancel_with(&self, message: impl Into<String>) -> bool {
        self.0.cancel_with_message(Some(Rc::from(message.into())))
    }

    /// As [`Task::is_finished`].
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     let handle = task.cancel_handle();
    ///     task.await.unwrap();
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.0 .0.header().is_done()
    }

    /// As [`Task::is_cancelled`].
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     assert!(!task.cancel_handle().is_cancelled());
    /// #   task.await.unwrap();
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.0 .0.header().is_cancelled()
    }

    /// The task's id.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     assert_eq!(task.cancel_handle().id(), task.id());
    /// #   task.await.unwrap();
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.0 .0.header().id
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.0 .0.header();
        f.debug_struct("CancelHandle")
            .field("id", &header.id)
            .field("cancelled", &header.is_cancelled())
            .finish()
    }
}

/// Cancels a task of any output type, and watches for its completion
/// (held by a `TaskGroup`, by whoever waits for cancellations).
#[derive(Clone)]
pub(crate) struct AbortHandle(RawTask);

impl AbortHandle {
    pub(crate) fn new(task: RawTask) -> AbortHandle {
        AbortHandle(task)
    }

    /// See [`Task::cancel`].
    pub(crate) fn cancel(&self) -> bool {
        cancel(self.0.header(), None)
    }

    /// See [`Task::cancel_with`].
    pub(crate) fn cancel_with_message(&self, message: Option<Rc<str>>) -> bool {
        cancel(self.0.header(), message)
    }

    /// `Ready` once the task has completed.
    pub(crate) fn poll_complete(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.poll_completion(cx)
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.0.header().is_complete()
    }

    pub(crate) fn id(&self) -> TaskId {
        self.0.header().id
    }

    /// The task's panic was handed to someone (see `Header::mark_retrieved`).
    pub(crate) fn mark_retrieved(&self) {
        self.0.header().mark_retrieved();
    }
}

fn cancel(header: &Header, message: Option<Rc<str>>) -> bool {
    let took_effect = header.request_cancel(message);
    if took_effect {
        waker::schedule(header.task_ref);
    }
    took_effect
}

impl<T> Future for Task<T> {
    type Output = Result<T, JoinError>;

    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_join_awaited(cx)
    }
}

/// Terminated once it returned `Ready` (its output was taken), so
/// `futures::select!` skips it.
///
/// # Examples
///
/// ```
/// use futures_core::future::FusedFuture;
///
/// uniloop::run(async {
///     let mut task = uniloop::spawn(async { 1 });
///     assert!(!task.is_terminated());
///     assert_eq!((&mut task).await.unwrap(), 1);
///     assert!(task.is_terminated());
/// });
/// ```
impl<T> FusedFuture for Task<T> {
    fn is_terminated(&self) -> bool {
        self.raw.is_consumed()
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.raw.header();
        f.debug_struct("Task")
            .field("id", &header.id)
            .field("name", &header.name())
            .field("finished", &self.is_finished())
            .field("cancelled", &header.is_cancelled())
            .finish()
    }
}
