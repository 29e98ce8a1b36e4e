//! `TaskGroup`: spawned children that live and fail together (≙
//! `asyncio.TaskGroup`, a trio nursery).
//!
//! # Invariants
//!
//! - Every child is a spawned task running a [`Child`] future that holds
//!   its slab key in the group. The child removes its entry when its
//!   future is dropped (it returned, panicked or was cancelled), and the
//!   last one to leave wakes `join`. So `children` lists exactly the
//!   children whose futures are alive, and an entry's abort handle never
//!   keeps a finished task's cell (or the reference cycle through it)
//!   alive.
//! - The first failure (an `Err` or a panic) sets `failing` and cancels
//!   every child, the failing one included: a cancelled task is never
//!   polled again, so no failure is recorded after that turn's polls.
//!   Children spawned into a failing group are cancelled at once.
//! - Dropping the group (or the future of `join`) cancels every child
//!   still alive: no child outlives its group.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;
use slab::Slab;

use super::error::{ChildError, GroupError};
use crate::runtime::{context, AbortHandle};
use crate::util::panic::message as payload_message;
use crate::Task;

/// A group of child tasks that succeed or fail together (≙
/// `asyncio.TaskGroup`; a trio nursery).
///
/// - [`spawn`](TaskGroup::spawn) starts a child: a future of
///   `Result<T, E>`, run as a task of its own.
/// - The first child that returns `Err` or panics cancels every other
///   child (and ends itself as cancelled: its error goes to the group).
/// - [`join`](TaskGroup::join) waits for every child and returns `Ok(())`,
///   or a [`GroupError`] with every failure ([`ChildError::Failed`] for an
///   `Err`, [`ChildError::Panicked`] with the message for a panic).
/// - Dropping the group, or the future of `join`, cancels every child
///   still running: no child outlives its group. (To start work that
///   should outlive it, use [`spawn`](crate::spawn) instead.)
/// - A failure cancels the children, not the code that owns the group
///   (asyncio also cancels the body of the `async with`): that code runs
///   on until it awaits `join`, which returns the failure;
///   [`is_failing`](TaskGroup::is_failing) tells it earlier.
/// - `join` waits for the group's own children. A child that owns a
///   nested group cancels it when it is dropped; the grandchildren are
///   never polled again, but their futures are dropped at the loop's next
///   turn, which can come after the outer `join` returned (asyncio's
///   nested `async with` waits for them; here their destructors run a
///   turn later).
///
/// # From asyncio
///
/// `async with asyncio.TaskGroup() as tg:` becomes `let tg =
/// TaskGroup::new();` and the block's end becomes `tg.join().await?`.
/// asyncio raises an `ExceptionGroup` of the children's exceptions; here
/// `join` returns it as `GroupError::errors()`, and like asyncio it leaves
/// out the siblings that were cancelled because of the failure. The
/// body's own failure (asyncio's exception in the `async with` block) is
/// Rust's early return or `?`, which drops the group and so cancels the
/// children.
///
/// # Examples
///
/// Fail fast: one fetch fails, the slow one is cancelled, `join` reports
/// the failure.
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
pub struct TaskGroup<E> {
    shared: Rc<Shared<E>>,
}

struct Shared<E> {
    /// The children whose futures are alive.
    children: RefCell<Slab<AbortHandle>>,
    errors: RefCell<Vec<ChildError<E>>>,
    /// A child failed: every child is (being) cancelled.
    failing: Cell<bool>,
    /// `cancel()` was called: children spawned from now on are cancelled
    /// at once, as they are while failing.
    cancelled: Cell<bool>,
    joiner: Cell<Option<Waker>>,
}

impl<E> Shared<E> {
    /// Record a child's failure; the first one cancels every child.
    fn fail(&self, error: ChildError<E>) {
        self.errors.borrow_mut().push(error);
        if !self.failing.replace(true) {
            self.cancel_all();
        }
    }

    fn cancel_all(&self) {
        // Cancelling only flags a task and queues it; its future is dropped
        // (and leaves `children`) at the loop's next turn.
        for (_, child) in self.children.borrow().iter() {
            child.cancel();
        }
    }

    /// A child's future was dropped.
    fn leave(&self, key: usize) {
        let mut children = self.children.borrow_mut();
        let handle = children.try_remove(key);
        let last = children.is_empty();
        drop(children);
        drop(handle);
        if last {
            if let Some(joiner) = self.joiner.take() {
                joiner.wake();
            }
        }
    }
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
            shared: Rc::new(Shared {
                children: RefCell::new(Slab::new()),
                errors: RefCell::new(Vec::new()),
                failing: Cell::new(false),
                cancelled: Cell::new(false),
                joiner: Cell::new(None),
            }),
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
        let location = Location::caller();
        let key = self.shared.children.borrow().vacant_key();
        let child = Child {
            future,
            group: ChildGuard {
                group: self.shared.clone(),
                key,
            },
        };
        let name = name.map(String::into_boxed_str);
        let task = context::expect_current(function, |core| core.spawn(child, name, location));
        // The task has not run yet (spawning only queues it), so its entry
        // is in place before its future can leave.
        let inserted = self
            .shared
            .children
            .borrow_mut()
            .insert(task.abort_handle());
        debug_assert_eq!(inserted, key);
        if self.shared.failing.get() || self.shared.cancelled.get() {
            task.cancel();
        }
        task
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
        self.shared.cancel_all();
    }
}

impl<E> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("children", &self.shared.children.borrow().len())
            .field("errors", &self.shared.errors.borrow().len())
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

impl<E> Future for GroupJoin<E> {
    type Output = Result<(), GroupError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let shared = &self.group.shared;
        if !shared.children.borrow().is_empty() {
            let old = shared.joiner.replace(Some(cx.waker().clone()));
            drop(old);
            return Poll::Pending;
        }
        let errors = std::mem::take(&mut *shared.errors.borrow_mut());
        Poll::Ready(if errors.is_empty() {
            Ok(())
        } else {
            Err(GroupError::new(errors))
        })
    }
}

impl<E> fmt::Debug for GroupJoin<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupJoin")
            .field("group", &self.group)
            .finish()
    }
}

pin_project! {
    /// A child's future: records its failure in the group, leaves the
    /// group when dropped.
    struct Child<F, E> {
        #[pin]
        future: F,
        group: ChildGuard<E>,
    }
}

struct ChildGuard<E> {
    group: Rc<Shared<E>>,
    key: usize,
}

impl<E> Drop for ChildGuard<E> {
    fn drop(&mut self) {
        self.group.leave(self.key);
    }
}

impl<F, T, E> Future for Child<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.project();
        let group = &this.group.group;
        match panic::catch_unwind(AssertUnwindSafe(|| this.future.poll(cx))) {
            Ok(Poll::Ready(Ok(value))) => Poll::Ready(value),
            Ok(Poll::Ready(Err(err))) => {
                // This cancels this child too: it is not polled again, and
                // ends as cancelled once the loop drops it.
                group.fail(ChildError::Failed(err));
                Poll::Pending
            }
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => {
                let message = payload_message(&*payload).unwrap_or_else(|| "(no message)".into());
                // The group hands the panic to `join`: debug mode must not
                // call it never retrieved.
                if let Some(me) = group.children.borrow().get(this.group.key) {
                    me.mark_retrieved();
                }
                group.fail(ChildError::Panicked(message));
                // The task still ends as a panic, for whoever awaits it.
                panic::resume_unwind(payload)
            }
        }
    }
}
