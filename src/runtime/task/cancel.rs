//! Cancellation that travels down the await chain (≙ asyncio cancelling
//! the task an awaiting task waits on).
//!
//! The rule, in one place: dropping a [`Task`](super::Task) handle cancels
//! its task if the handle was awaited (polled as a future) and the task has
//! not completed, unless it was detached (`Task::detach`, `shield`). A task
//! that is spawned and never awaited stays detached when its handle is
//! dropped (fire-and-forget).
//!
//! Whoever drops futures on purpose can wait for the cancellations that
//! causes: [`collecting`] runs a drop with a collector on this thread's
//! stack, and every task cancelled by a handle dropped meanwhile lands in
//! it ([`dropped_while_awaited`]). A task that closes waits for what its
//! close collected before it counts as finished (`TaskCell::complete`);
//! `timeout`, `race`, the `try_` gathers and `on_cancel` wait before they
//! return. So nothing a task awaited runs after the task is reported
//! finished, and a cancelled `timeout(d, task)` returns once the task's
//! cancellation (and its cleanup) completed, as `asyncio.wait_for` does.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::AbortHandle;

/// The cancellations caught while a drop runs, and the message they carry
/// (the cancelling task's, passed down as asyncio passes `cancel(msg)`).
struct Collector {
    cancelled: Vec<AbortHandle>,
    message: Option<Rc<str>>,
}

thread_local! {
    static COLLECTORS: RefCell<Vec<Collector>> = const { RefCell::new(Vec::new()) };
}

/// Run `drop` (code that drops futures), collecting the tasks it cancels
/// by dropping their awaited handles; they are cancelled with `message`.
pub(crate) fn collecting<R>(message: Option<Rc<str>>, drop: impl FnOnce() -> R) -> (R, Cancelling) {
    let pushed = COLLECTORS
        .try_with(|c| {
            c.borrow_mut().push(Collector {
                cancelled: Vec::new(),
                message,
            })
        })
        .is_ok();
    // Popped even if `drop` unwinds: a destructor's panic must not leave a
    // stale collector behind.
    struct Pop(bool);
    impl Drop for Pop {
        fn drop(&mut self) {
            if self.0 {
                let _ = COLLECTORS.try_with(|c| c.borrow_mut().pop());
            }
        }
    }
    let guard = Pop(pushed);
    let output = drop();
    let collected = if pushed {
        let collector = COLLECTORS.try_with(|c| c.borrow_mut().pop()).ok().flatten();
        std::mem::forget(guard);
        collector.map(|c| c.cancelled).unwrap_or_default()
    } else {
        Vec::new()
    };
    (output, Cancelling(collected))
}

/// An awaited handle of an unfinished task was dropped: cancel the task
/// (with the collector's message, if a collector runs) and hand it to the
/// collector, if any. With none, the cancellation is not waited for.
pub(crate) fn dropped_while_awaited(task: AbortHandle) {
    let collected = COLLECTORS
        .try_with(|c| {
            let mut collectors = c.borrow_mut();
            let collector = collectors.last_mut()?;
            let message = collector.message.clone();
            collector.cancelled.push(task.clone());
            Some(message)
        })
        .ok()
        .flatten();
    // Cancelled outside the borrow: cancelling schedules the task, and a
    // foreign waker could run anything.
    task.cancel_with_message(collected.flatten());
}

/// Tasks a drop cancelled, being waited for. Dropped before they all
/// completed, it hands them on to the collector running then, if any (so a
/// `timeout` cancelled while it waits for its task's cancellation passes
/// that wait on to its own task).
#[derive(Default)]
pub(crate) struct Cancelling(Vec<AbortHandle>);

impl Cancelling {
    /// `Ready` once every task has completed; until then the caller's
    /// waker is woken when each does. Completed ones are let go.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.0.retain(|task| task.poll_complete(cx).is_pending());
        if self.0.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Wait for `task` too.
    pub(crate) fn push(&mut self, task: AbortHandle) {
        self.0.push(task);
    }

    /// Stop waiting for the task `id`: a closing task's own drop may hand
    /// it back (its group's list of closing children), and a task must not
    /// wait for itself.
    pub(crate) fn forget(&mut self, id: super::TaskId) {
        self.0.retain(|task| task.id() != id);
    }

    /// Let go of the tasks that have completed.
    pub(crate) fn prune(&mut self) {
        self.0.retain(|task| !task.is_complete());
    }

    /// Stop waiting (the runtime is shutting down).
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

impl Drop for Cancelling {
    fn drop(&mut self) {
        for task in self.0.drain(..) {
            if !task.is_complete() {
                dropped_while_awaited(task);
            }
        }
    }
}
