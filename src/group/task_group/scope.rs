//! `TaskGroup::scope` and `TaskGroup::run`: a group whose body (the
//! `async with` block) is one of its tasks, cancelled by a failure as
//! asyncio cancels the task running the block.
//!
//! # Invariants
//!
//! - The body runs as a child of the group (spawned at the first poll),
//!   so a failure cancels it like any child, its `Err` or panic is
//!   recorded in failure order with the children's, and its cleanups run
//!   as any task's.
//! - The scope returns once every child, the body included, is complete:
//!   the body's value if nothing failed, the `GroupError` otherwise. A
//!   body that ends without a value (cancelled) implies a recorded
//!   failure: nothing but a failure can cancel it (its task handle is
//!   private and the group's `cancel` is not reachable from a scope).
//! - Dropping the scope drops the group, which cancels every child and
//!   the body and hands them to whoever drops it (`cancel::collecting`).

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{BoxError, GroupHandle, TaskGroup};
use crate::group::error::GroupError;
use crate::Task;

type Start<T, E> = Box<dyn FnOnce(&TaskGroup<E>, &'static Location<'static>) -> Task<T>>;

impl TaskGroup {
    /// Run `body` as the body of a new group (≙ `async with
    /// asyncio.TaskGroup() as tg:`), with a [`GroupHandle`] to spawn
    /// children; return the body's value once every child has finished,
    /// or every failure.
    ///
    /// The body is a task of the group: the first failure (a child's or
    /// the body's own `Err` or panic) cancels the children and the body.
    /// Errors are [`BoxError`]s, so nothing needs annotating; for another
    /// error type, use [`TaskGroup::<E>::new().run(body)`](TaskGroup::run).
    ///
    /// # Panics
    ///
    /// When polled outside a uniloop runtime: "uniloop::TaskGroup::scope()
    /// called outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// Dropping it cancels the body and every child; a task cancelled
    /// while it awaits a scope ends once they all have.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// uniloop::run(async {
    ///     let total = uniloop::TaskGroup::scope(|tg| async move {
    ///         let a = tg.spawn(async { Ok(20) });
    ///         let b = tg.spawn(async {
    ///             uniloop::sleep(Duration::from_millis(5)).await;
    ///             Ok(22)
    ///         });
    ///         Ok(a.await? + b.await?)
    ///     })
    ///     .await
    ///     .unwrap();
    ///     assert_eq!(total, 42);
    /// });
    /// ```
    #[track_caller]
    pub fn scope<B, Fut, T>(body: B) -> Scope<T, BoxError>
    where
        B: FnOnce(GroupHandle) -> Fut + 'static,
        Fut: Future<Output = Result<T, BoxError>> + 'static,
        T: 'static,
    {
        TaskGroup::new().scoped(body, "TaskGroup::scope")
    }
}

impl<E: 'static> TaskGroup<E> {
    /// [`TaskGroup::scope`] on this group, for any error type: run `body`
    /// as the group's body, cancelled by the first failure, and return its
    /// value once every child has finished, or every failure.
    ///
    /// # Panics
    ///
    /// When polled outside a uniloop runtime: "uniloop::TaskGroup::run()
    /// called outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// As [`TaskGroup::scope`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use uniloop::{ChildError, TaskGroup};
    ///
    /// uniloop::run(async {
    ///     let result = TaskGroup::<io::Error>::new()
    ///         .run(|tg| async move {
    ///             tg.spawn(async { Err::<(), _>(io::Error::other("disk full")) });
    ///             std::future::pending::<()>().await; // cancelled by the failure
    ///             Ok(())
    ///         })
    ///         .await;
    ///     let errors = result.unwrap_err().into_errors();
    ///     assert!(matches!(&errors[..], [ChildError::Failed(e)] if e.to_string() == "disk full"));
    /// });
    /// ```
    #[track_caller]
    pub fn run<B, Fut, T>(self, body: B) -> Scope<T, E>
    where
        B: FnOnce(GroupHandle<E>) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.scoped(body, "TaskGroup::run")
    }

    #[track_caller]
    fn scoped<B, Fut, T>(self, body: B, function: &'static str) -> Scope<T, E>
    where
        B: FnOnce(GroupHandle<E>) -> Fut + 'static,
        Fut: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        let start: Start<T, E> = Box::new(move |group, location| {
            let handle = group.handle();
            group
                .shared
                .spawn(None, async move { body(handle).await }, function, location)
        });
        Scope {
            group: self,
            start: Some((start, Location::caller())),
            body: None,
            output: None,
        }
    }
}

/// The future of [`TaskGroup::scope`] and [`TaskGroup::run`]: the body's
/// value, or the group's failures.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let scope: uniloop::Scope<u8, uniloop::BoxError> =
///         uniloop::TaskGroup::scope(|_tg| async { Ok(1) });
///     assert_eq!(scope.await.unwrap(), 1);
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Scope<T, E = BoxError> {
    group: TaskGroup<E>,
    start: Option<(Start<T, E>, &'static Location<'static>)>,
    body: Option<Task<T>>,
    output: Option<T>,
}

// Nothing in it is pinned: the body runs as a task of its own.
impl<T, E> Unpin for Scope<T, E> {}

impl<T: 'static, E: 'static> Future for Scope<T, E> {
    type Output = Result<T, GroupError<E>>;

    /// # Panics
    ///
    /// If polled again after it returned.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some((start, location)) = this.start.take() {
            this.body = Some(start(&this.group, location));
        }
        if let Some(body) = this.body.as_mut() {
            if let Poll::Ready(outcome) = Pin::new(body).poll(cx) {
                this.body = None;
                // An `Err` (cancelled or panicked) is in the group's
                // failures already.
                this.output = outcome.ok();
            }
        }
        assert!(
            !this.group.shared.finished.get(),
            "uniloop::Scope polled after it returned"
        );
        match std::task::ready!(this.group.shared.poll_join(cx)) {
            Err(err) => Poll::Ready(Err(err)),
            Ok(()) => Poll::Ready(Ok(this.output.take().expect(
                "uniloop: a TaskGroup scope's body ended without a value though nothing failed",
            ))),
        }
    }
}

impl<T, E> fmt::Debug for Scope<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("group", &self.group)
            .field("body_running", &self.body.is_some())
            .finish()
    }
}
