//! What a `TaskGroup`, its handles, its scope and its children share: the
//! children alive, the failures, and the child future that records them.
//!
//! # Invariants
//!
//! - Every child is a spawned task running a [`Child`] future that holds
//!   its slab key in the group. The child removes its entry when its
//!   future is dropped (it returned, panicked or was cancelled), and the
//!   last one to leave wakes the joiner. So `children` lists exactly the
//!   children whose futures are alive, and an entry's abort handle never
//!   keeps a finished task's cell (or the reference cycle through it)
//!   alive.
//! - A child that left is complete only once the tasks its drop
//!   cancelled are (its cleanup, its own awaited tasks): until then it is
//!   in `closing`, and the join waits for it too. `closing` is pruned of
//!   completed children at every leave, so it stays short.
//! - The first failure (an `Err` or a panic) sets `failing` and, at the
//!   end of the current turn (a `call_soon`), cancels every child, the
//!   failing one included: children already running this turn can still
//!   fail and be recorded, as in asyncio, where a task's done callbacks
//!   run after the tasks already scheduled. A cancelled task is never
//!   polled again except for its cleanup, so what a group records after
//!   that are the failures of cleanups.
//! - `finished` is set once the group's join (or scope) returned or the
//!   group was dropped: spawning into it then is a bug, and panics.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;
use slab::Slab;

use crate::group::error::{ChildError, GroupError};
use crate::runtime::task::cancel::{self, Cancelling};
use crate::runtime::{context, AbortHandle};
use crate::util::panic::message as payload_message;
use crate::Task;

pub(super) struct Shared<E> {
    /// The children whose futures are alive.
    pub(super) children: RefCell<Slab<AbortHandle>>,
    /// Children whose futures are gone, not yet complete.
    closing: RefCell<Cancelling>,
    errors: RefCell<Vec<ChildError<E>>>,
    /// A child failed: every child is (being) cancelled.
    pub(super) failing: Cell<bool>,
    /// `cancel()` was called: children spawned from now on are cancelled
    /// at once, as they are while failing.
    pub(super) cancelled: Cell<bool>,
    /// The join returned, or the group was dropped.
    pub(super) finished: Cell<bool>,
    joiner: Cell<Option<Waker>>,
}

impl<E: 'static> Shared<E> {
    pub(super) fn new() -> Rc<Shared<E>> {
        Rc::new(Shared {
            children: RefCell::new(Slab::new()),
            closing: RefCell::new(Cancelling::default()),
            errors: RefCell::new(Vec::new()),
            failing: Cell::new(false),
            cancelled: Cell::new(false),
            finished: Cell::new(false),
            joiner: Cell::new(None),
        })
    }

    /// Record a child's failure; the first one cancels every child at the
    /// end of this turn.
    fn fail(self: &Rc<Self>, error: ChildError<E>) {
        self.errors.borrow_mut().push(error);
        if !self.failing.replace(true) {
            let group = self.clone();
            crate::call_soon(move || group.cancel_all());
        }
    }

    /// Spawn `future` as a child.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming `function`; into a finished group.
    pub(super) fn spawn<F, T>(
        self: &Rc<Self>,
        name: Option<String>,
        future: F,
        function: &str,
        location: &'static Location<'static>,
    ) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        assert!(
            !self.finished.get(),
            "uniloop::{function}() on a TaskGroup that has finished (its join returned or it was dropped)"
        );
        let key = self.children.borrow().vacant_key();
        let child = Child {
            future,
            group: ChildGuard {
                group: self.clone(),
                key,
            },
        };
        let name = name.map(String::into_boxed_str);
        let task = context::expect_current(function, |core| core.spawn(child, name, location));
        // The task has not run yet (spawning only queues it), so its entry
        // is in place before its future can leave.
        let inserted = self.children.borrow_mut().insert(task.abort_handle());
        debug_assert_eq!(inserted, key);
        if self.failing.get() || self.cancelled.get() {
            task.cancel();
        }
        task
    }
}

impl<E> Shared<E> {
    pub(super) fn cancel_all(&self) {
        // Cancelling only flags a task and queues it; its future is dropped
        // (and leaves `children`) at the loop's next turn. Collected
        // children are copied first: cancelling runs no user code, but a
        // cleanup's waker could.
        let children = self.child_handles();
        for child in children {
            child.cancel();
        }
    }

    /// Handles of the children alive, copied out of the borrow (what is
    /// done with them may run user code: a cleanup's waker).
    fn child_handles(&self) -> Vec<AbortHandle> {
        self.children
            .borrow()
            .iter()
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// The group is dropped: cancel every child, and let whoever drops it
    /// (a cancelled task closing, a `timeout`) wait for them.
    pub(super) fn drop_children(&self) {
        self.finished.set(true);
        let children = self.child_handles();
        for child in children {
            cancel::dropped_while_awaited(child);
        }
        let closing = std::mem::take(&mut *self.closing.borrow_mut());
        drop(closing); // hands what is still closing on to the collector
    }

    /// A child's future was dropped.
    fn leave(&self, key: usize) {
        let mut children = self.children.borrow_mut();
        let handle = children.try_remove(key);
        let last = children.is_empty();
        drop(children);
        if let Some(handle) = handle {
            let mut closing = self.closing.borrow_mut();
            closing.prune();
            closing.push(handle);
        }
        if last {
            if let Some(joiner) = self.joiner.take() {
                joiner.wake();
            }
        }
    }

    /// `Ready` once every child is complete, with every failure; the group
    /// is then finished.
    pub(super) fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<(), GroupError<E>>> {
        if !self.children.borrow().is_empty() {
            let old = self.joiner.replace(Some(cx.waker().clone()));
            drop(old);
            return Poll::Pending;
        }
        std::task::ready!(self.closing.borrow_mut().poll(cx));
        self.finished.set(true);
        let errors = std::mem::take(&mut *self.errors.borrow_mut());
        Poll::Ready(if errors.is_empty() {
            Ok(())
        } else {
            Err(GroupError::new(errors))
        })
    }

    pub(super) fn error_count(&self) -> usize {
        self.errors.borrow().len()
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

impl<F, T, E: 'static> Future for Child<F, E>
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
                // The group cancels this child too: it ends as cancelled
                // (unless a cleanup of its own is armed, which then runs).
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
