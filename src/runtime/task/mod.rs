//! Tasks: `spawn`, `spawn_named` and the [`Task`] handle.

pub(crate) mod cell;
mod error;
mod info;
pub(crate) mod state;

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

pub use error::JoinError;
pub use info::{TaskId, TaskInfo, TaskState};

use crate::runtime::{context, waker};
use cell::{Harness, Header, JoinSide};

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
/// cancelled or panicked. Dropping it **detaches** the task, which keeps
/// running, as in asyncio; call [`cancel`](Task::cancel) to stop it.
///
/// # Cancel safety
///
/// Dropping a `Task` that is being awaited loses nothing: the task runs on
/// and its output is dropped when it finishes.
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
#[must_use = "a Task detaches when dropped; await it, or cancel() it, or drop it on purpose"]
pub struct Task<T> {
    raw: Rc<dyn JoinSide<T>>,
}

impl<T> Task<T> {
    pub(crate) fn new(raw: Rc<dyn JoinSide<T>>) -> Task<T> {
        Task { raw }
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
        cancel(self.raw.header())
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
        self.raw.header().name.as_deref()
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

    /// A handle that can cancel the task without knowing its output type.
    pub(crate) fn abort_handle(&self) -> AbortHandle {
        AbortHandle(self.raw.clone().into_harness())
    }
}

/// Cancels a task of any output type (held by a `TaskGroup`).
pub(crate) struct AbortHandle(Rc<dyn Harness>);

impl AbortHandle {
    /// See [`Task::cancel`].
    pub(crate) fn cancel(&self) -> bool {
        cancel(self.0.header())
    }

    /// The task's panic was handed to someone (see `Header::mark_retrieved`).
    pub(crate) fn mark_retrieved(&self) {
        self.0.header().mark_retrieved();
    }
}

fn cancel(header: &Header) -> bool {
    let took_effect = header.state.request_cancel();
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
        self.raw.poll_join(cx)
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.raw.header();
        f.debug_struct("Task")
            .field("id", &header.id)
            .field("name", &header.name)
            .field("finished", &self.is_finished())
            .field("cancelled", &header.is_cancelled())
            .finish()
    }
}
