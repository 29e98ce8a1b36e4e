//! `GroupHandle`: what a child holds to spawn siblings into its group.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;

use super::shared::Shared;
use crate::Task;

/// A cloneable handle that spawns into a [`TaskGroup`](crate::TaskGroup)
/// (≙ the `tg` of `async with asyncio.TaskGroup() as tg`, passed to
/// children so that they can `tg.create_task`). The body of
/// [`TaskGroup::scope`](crate::TaskGroup::scope) gets one; a group made
/// with `new` gives one with [`TaskGroup::handle`](crate::TaskGroup::handle).
///
/// Spawning works while the group is being joined (a child starting a
/// sibling): the join waits for the new child too. Into a group that is
/// failing, the child is cancelled at once.
///
/// # Examples
///
/// A crawler: each page spawns a child per link it finds, into the same
/// group.
///
/// ```
/// use uniloop::{GroupHandle, TaskGroup};
///
/// fn crawl(tg: GroupHandle, depth: u32) -> impl std::future::Future<Output = Result<(), uniloop::BoxError>> {
///     async move {
///         if depth > 0 {
///             for _ in 0..2 {
///                 tg.spawn(crawl(tg.clone(), depth - 1));
///             }
///         }
///         Ok(())
///     }
/// }
///
/// uniloop::run(async {
///     TaskGroup::scope(|tg| async move {
///         tg.spawn(crawl(tg.clone(), 3));
///         Ok(())
///     })
///     .await
///     .unwrap();
/// });
/// ```
pub struct GroupHandle<E = super::BoxError> {
    shared: Rc<Shared<E>>,
}

impl<E> GroupHandle<E> {
    pub(super) fn new(shared: Rc<Shared<E>>) -> GroupHandle<E> {
        GroupHandle { shared }
    }
}

impl<E: 'static> GroupHandle<E> {
    /// Spawn `future` as a child of the group (see
    /// [`TaskGroup::spawn`](crate::TaskGroup::spawn)).
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::GroupHandle::spawn() called
    /// outside a uniloop runtime". Once the group has finished (its join
    /// or scope returned, or it was dropped): "uniloop::GroupHandle::spawn()
    /// on a TaskGroup that has finished ...".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let value = uniloop::TaskGroup::scope(|tg| async move {
    ///         let child = tg.spawn(async { Ok(20) });
    ///         Ok(child.await.unwrap() + 1)
    ///     })
    ///     .await
    ///     .unwrap();
    ///     assert_eq!(value, 21);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&self, future: F) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        self.shared
            .spawn(None, future, "GroupHandle::spawn", Location::caller())
    }

    /// [`spawn`](Self::spawn) with a task name.
    ///
    /// # Panics
    ///
    /// As [`spawn`](Self::spawn), naming `GroupHandle::spawn_named`.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     uniloop::TaskGroup::scope(|tg| async move {
    ///         let child = tg.spawn_named("worker", async { Ok(()) });
    ///         assert_eq!(child.name(), Some("worker"));
    ///         Ok(())
    ///     })
    ///     .await
    ///     .unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_named<F, T>(&self, name: impl Into<String>, future: F) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        let name = Some(name.into());
        self.shared
            .spawn(name, future, "GroupHandle::spawn_named", Location::caller())
    }

    /// Whether a child failed, so the group is cancelling.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<()>::new();
    ///     assert!(!group.handle().is_failing());
    ///     group.join().await.unwrap();
    /// });
    /// ```
    pub fn is_failing(&self) -> bool {
        self.shared.failing.get()
    }

    /// Whether the group has finished: spawning into it would panic.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::<()>::new();
    ///     let handle = group.handle();
    ///     group.join().await.unwrap();
    ///     assert!(handle.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.shared.finished.get()
    }
}

impl<E> Clone for GroupHandle<E> {
    fn clone(&self) -> GroupHandle<E> {
        GroupHandle {
            shared: self.shared.clone(),
        }
    }
}

impl<E> fmt::Debug for GroupHandle<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupHandle")
            .field("children", &self.shared.children.borrow().len())
            .field("failing", &self.shared.failing.get())
            .field("finished", &self.shared.finished.get())
            .finish()
    }
}
