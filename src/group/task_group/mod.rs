//! `TaskGroup`: spawned children that live and fail together (≙
//! `asyncio.TaskGroup`, a trio nursery): the group itself, its
//! `GroupHandle`, its scope form, and what they share.

mod handle;
mod scope;
mod shared;

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

pub use handle::GroupHandle;
pub use scope::Scope;
use shared::Shared;

use super::error::GroupError;
use crate::Task;

/// The error type a [`TaskGroup`] collects unless told otherwise: any
/// error, boxed (what `?` converts most errors into).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A group of child tasks that succeed or fail together (≙
/// `asyncio.TaskGroup`; a trio nursery).
///
/// Two forms:
///
/// - **Scope** (asyncio-exact): [`TaskGroup::scope`]`(|tg| async move {
///   ... })` runs the body (the `async with` block) as a task of the
///   group; the first failure cancels the children *and the body*; it
///   returns once every child (and every cleanup) has finished, with the
///   body's value or the [`GroupError`]. A failing nested scope so fails
///   its parent at once, however long the parent's body would have slept.
/// - **Handle**: [`TaskGroup::new`], [`spawn`](TaskGroup::spawn), then
///   [`join`](TaskGroup::join). The code that owns the group is not
///   cancelled by a failure: it runs on until it awaits `join`, which
///   returns the failure ([`is_failing`](TaskGroup::is_failing) tells it
///   earlier).
///
/// In both:
///
/// - A child is a future of `Result<T, E>` run as a task of its own; its
///   [`Task`] gives the `Ok` value.
/// - The first child that returns `Err` or panics cancels every other
///   child (and ends itself as cancelled: its error goes to the group).
///   The group keeps every failure in the order they happened
///   ([`ChildError::Failed`](crate::ChildError::Failed) for an `Err`, [`ChildError::Panicked`](crate::ChildError::Panicked) with
///   the message): two children failing in the same loop turn are both
///   recorded, and so is a panic in a cancelled child's cleanup; the
///   siblings merely cancelled are not.
/// - Children can spawn siblings while the group is being joined, through
///   a cloned [`GroupHandle`] (≙ `tg.create_task` from a child).
/// - Dropping the group (or the future of `join` or `scope`) cancels
///   every child still running; a task cancelled while it holds a group
///   counts as finished only once the children have. No child outlives
///   its group. (For work that should outlive it, use
///   [`spawn`](crate::spawn).)
/// - A child's cleanup ([`on_cancel`](crate::on_cancel)) runs to its end
///   before the group's join returns.
///
/// The error type `E` defaults to [`BoxError`]: `TaskGroup::scope` and a
/// `let tg: TaskGroup = TaskGroup::new();` need no annotation; name another
/// type with `TaskGroup::<E>::new()`.
///
/// # From asyncio
///
/// ```python
/// async with asyncio.TaskGroup() as tg:
///     tg.create_task(fetch(a))
///     tg.create_task(fetch(b))
///     await asyncio.sleep(10)
/// ```
///
/// becomes `TaskGroup::scope(|tg| async move { tg.spawn(fetch(a));
/// tg.spawn(fetch(b)); sleep(10 s).await; Ok(()) }).await?`. asyncio's
/// `ExceptionGroup` is the [`GroupError`] (`errors()`); an exception in
/// the body is the body's `Err` (or panic), recorded with the children's.
///
/// # Examples
///
/// The scope: a child fails after 10 ms; the body, asleep for a minute, is
/// cancelled, and the scope returns at 10 ms.
///
/// ```
/// use std::time::Duration;
/// use uniloop::{ChildError, TaskGroup};
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = uniloop::time::now();
///     let result = TaskGroup::scope(|tg| async move {
///         tg.spawn(async {
///             uniloop::sleep(Duration::from_millis(10)).await;
///             Err::<(), _>("connection refused".into())
///         });
///         uniloop::sleep(Duration::from_secs(60)).await;
///         Ok("never")
///     })
///     .await;
///     let err = result.unwrap_err();
///     assert_eq!(err.errors().len(), 1);
///     assert_eq!(err.to_string(), "1 task of a TaskGroup failed: connection refused");
///     assert_eq!(start.elapsed(), Duration::from_millis(10));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// The handle form: fail fast, `join` reports the failure.
///
/// ```
/// use std::time::Duration;
/// use uniloop::{ChildError, TaskGroup};
///
/// uniloop::run(async {
///     let group = TaskGroup::new();
///     let slow = group.spawn(async {
///         uniloop::sleep(Duration::from_secs(60)).await;
///         Ok("slow page")
///     });
///     group.spawn(async {
///         uniloop::sleep(Duration::from_millis(10)).await;
///         Err::<&str, _>("connection refused")
///     });
///     let err = group.join().await.unwrap_err();
///     assert_eq!(err.errors(), [ChildError::Failed("connection refused")]);
///     assert!(slow.await.unwrap_err().is_cancelled());
/// });
/// ```
pub struct TaskGroup<E = BoxError> {
    shared: Rc<Shared<E>>,
}

impl<E: 'static> TaskGroup<E> {
    /// An empty group.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<std::io::Error>::new();
    ///     assert!(group.is_empty());
    ///     group.join().await.unwrap();
    /// });
    /// ```
    pub fn new() -> TaskGroup<E> {
        TaskGroup {
            shared: Shared::new(),
        }
    }

    /// Spawn `future` as a child (≙ `tg.create_task(coro)`).
    ///
    /// The returned [`Task`] gives the child's `Ok` value. A child that
    /// returns `Err` ends as cancelled (its error goes to
    /// [`join`](Self::join)); one that panics ends as a panic, and the
    /// group records the message. Spawned into a group that is already
    /// failing, the child is cancelled at once.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::TaskGroup::spawn() called
    /// outside a uniloop runtime".
    /// Into a group that has finished (its join returned or it was
    /// dropped): "uniloop::TaskGroup::spawn() on a TaskGroup that has
    /// finished".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<()>::new();
    ///     let a = group.spawn(async { Ok(1) });
    ///     let b = group.spawn(async { Ok(2) });
    ///     group.join().await.unwrap();
    ///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.spawn_inner(None, future, "TaskGroup::spawn")
    }

    /// [`spawn`](Self::spawn) with a task name (see
    /// [`spawn_named`](crate::spawn_named)).
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::TaskGroup::spawn_named()
    /// called outside a uniloop runtime".
    /// Into a group that has finished (its join returned or it was
    /// dropped): "uniloop::TaskGroup::spawn_named() on a TaskGroup that has
    /// finished".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<()>::new();
    ///     let task = group.spawn_named("worker", async { Ok(()) });
    ///     assert_eq!(task.name(), Some("worker"));
    ///     group.join().await.unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_named<F, T>(&self, name: impl Into<String>, future: F) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.spawn_inner(Some(name.into()), future, "TaskGroup::spawn_named")
    }

    #[track_caller]
    fn spawn_inner<F, T>(&self, name: Option<String>, future: F, function: &str) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.shared
            .spawn(name, future, function, Location::caller())
    }

    /// A handle that spawns into this group, for the children to clone
    /// (≙ passing `tg` to a child so that it can `tg.create_task`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<()>::new();
    ///     let handle = group.handle();
    ///     group.spawn(async move {
    ///         // A child starts a sibling while the group is being joined.
    ///         handle.spawn(async { Ok(()) });
    ///         Ok(())
    ///     });
    ///     group.join().await.unwrap();
    /// });
    /// ```
    pub fn handle(&self) -> GroupHandle<E> {
        GroupHandle::new(self.shared.clone())
    }

    /// Wait for every child, then return `Ok(())`, or every failure in a
    /// [`GroupError`] (≙ leaving `async with asyncio.TaskGroup()`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels every child
    /// still running.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::{ChildError, TaskGroup};
    ///
    /// uniloop::run(async {
    ///     let group = TaskGroup::<String>::new();
    ///     group.spawn(async { panic!("bad input") as Result<(), String> });
    ///     let err = group.join().await.unwrap_err();
    ///     assert_eq!(err.errors(), [ChildError::Panicked("bad input".into())]);
    /// });
    /// ```
    pub fn join(self) -> GroupJoin<E> {
        GroupJoin { group: self }
    }

    /// Cancel every child, and every child spawned from now on (as a
    /// failure would, but recording none); `join` then returns `Ok(())`
    /// unless something failed before.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<()>::new();
    ///     let forever = group.spawn(std::future::pending::<Result<(), ()>>());
    ///     group.cancel();
    ///     group.join().await.unwrap();
    ///     assert!(forever.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) {
        self.shared.cancelled.set(true);
        self.shared.cancel_all();
    }

    /// Children still running (their futures not dropped yet).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<()>::new();
    ///     let _ = group.spawn(async { Ok(()) });
    ///     assert_eq!(group.len(), 1);
    ///     uniloop::yield_now().await;
    ///     assert_eq!(group.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.shared.children.borrow().len()
    }

    /// Whether no child is running.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::TaskGroup::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a child failed, so the group is cancelling.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::new();
    ///     group.spawn(async { Err::<(), _>("no") });
    ///     uniloop::yield_now().await;
    ///     assert!(group.is_failing());
    /// #   let _ = group.join().await;
    /// });
    /// ```
    pub fn is_failing(&self) -> bool {
        self.shared.failing.get()
    }
}

impl<E: 'static> Default for TaskGroup<E> {
    fn default() -> TaskGroup<E> {
        TaskGroup::new()
    }
}

impl<E> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        self.shared.drop_children();
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("children", &self.shared.children.borrow().len())
            .field("errors", &self.shared.error_count())
            .field("failing", &self.shared.failing.get())
            .finish()
    }
}

/// The future of [`TaskGroup::join`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let join: uniloop::GroupJoin<()> = uniloop::TaskGroup::new().join();
///     assert!(join.await.is_ok());
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct GroupJoin<E> {
    group: TaskGroup<E>,
}

impl<E: 'static> Future for GroupJoin<E> {
    type Output = Result<(), GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.group.shared.poll_join(cx)
    }
}

impl<E> fmt::Debug for GroupJoin<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupJoin")
            .field("group", &self.group)
            .finish()
    }
}
