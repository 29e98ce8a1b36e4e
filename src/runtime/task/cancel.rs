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
//! it ([`dropped_while_awaited`]); `timeout`, `race`, the `try_` gathers
//! and `on_cancel` wait for them before they return. With no collector
//! running, a handle dropped while the loop closes a task (drops its
//! future) lands in that task, which waits for it before it counts as
//! finished (`TaskCell::complete`): found through the loop, so that the
//! completion of a task, which almost never drops an awaited handle, pays
//! nothing for this.
//!
//! The `awaited` mark is a bit of the task's state (`State::set_awaited`),
//! so a `Task` stays one word. So nothing a task awaited runs after the task is reported
//! finished, and a cancelled `timeout(d, task)` returns once the task's
//! cancellation (and its cleanup) completed, as `asyncio.wait_for` does.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::raw::RawTask;
use super::AbortHandle;
use crate::runtime::context;

/// The collectors running on this thread, innermost last: a depth, the
/// tasks caught (one stack for all: each collector owns the part above
/// where it started), and the messages of the collectors that carry one.
/// Kept flat so that a drop that catches nothing (nearly every task's
/// completion) costs two thread-local accesses and no allocation.
struct Collectors {
    depth: Cell<u32>,
    caught: RefCell<Vec<AbortHandle>>,
    /// `(depth, message)` of the collectors with a message.
    messages: RefCell<Vec<(u32, Rc<str>)>>,
}

thread_local! {
    static COLLECTORS: Collectors = const {
        Collectors {
            depth: Cell::new(0),
            caught: RefCell::new(Vec::new()),
            messages: RefCell::new(Vec::new()),
        }
    };
}

/// Run `drop` (code that drops futures), collecting the tasks it cancels
/// by dropping their awaited handles; they are cancelled with `message`.
pub(crate) fn collecting<R>(message: Option<Rc<str>>, drop: impl FnOnce() -> R) -> (R, Cancelling) {
    let with_message = message.is_some();
    // `None` when the thread is exiting: nothing is collected then.
    let base = COLLECTORS
        .try_with(|c| {
            let depth = c.depth.get() + 1;
            c.depth.set(depth);
            if let Some(message) = message {
                c.messages.borrow_mut().push((depth, message));
            }
            c.caught.borrow().len()
        })
        .ok();
    // Undone even if `drop` unwinds: a destructor's panic must not leave a
    // collector behind. Hands back what this collector caught.
    struct Leave {
        base: Option<usize>,
        with_message: bool,
    }
    impl Leave {
        fn leave(&mut self) -> Vec<AbortHandle> {
            let Some(base) = self.base.take() else {
                return Vec::new();
            };
            COLLECTORS
                .try_with(|c| {
                    c.depth.set(c.depth.get() - 1);
                    if self.with_message {
                        c.messages.borrow_mut().pop();
                    }
                    let mut caught = c.caught.borrow_mut();
                    if caught.len() > base {
                        caught.split_off(base)
                    } else {
                        Vec::new()
                    }
                })
                .unwrap_or_default()
        }
    }
    impl Drop for Leave {
        fn drop(&mut self) {
            self.leave();
        }
    }
    let mut leave = Leave { base, with_message };
    let output = drop();
    (output, Cancelling(leave.leave()))
}

/// An awaited handle of an unfinished task was dropped: cancel the task
/// and hand it to whoever waits for it: the innermost collector on this
/// thread, if one runs (`timeout`, `race`, ...), or else the task whose
/// future is being dropped (a closing task waits for what its close
/// cancelled, see `TaskCell::complete`), with that one's cancel message.
/// With neither, the cancellation is not waited for.
///
/// The closing task is found through the loop (the task it runs), not a
/// collector of its own: so a task's completion, which almost never drops
/// an awaited handle, costs nothing here.
pub(crate) fn dropped_while_awaited(task: AbortHandle) {
    let collected = COLLECTORS
        .try_with(|c| {
            let depth = c.depth.get();
            if depth == 0 {
                return None;
            }
            c.caught.borrow_mut().push(task.clone());
            let messages = c.messages.borrow();
            let message = messages
                .last()
                .filter(|(at, _)| *at == depth)
                .map(|(_, message)| message.clone());
            Some(message)
        })
        .ok()
        .flatten();
    let message = match collected {
        Some(message) => message,
        None => match closing_task() {
            Some(closing) => {
                let header = closing.header();
                header.extra().push_cancelled(task.clone());
                header.cancel_message()
            }
            None => None,
        },
    };
    // Cancelled outside the borrows: cancelling schedules the task, and a
    // foreign waker could run anything.
    task.cancel_with_message(message);
}

/// The task the loop on this thread is closing (dropping its future), if
/// any.
fn closing_task() -> Option<RawTask> {
    context::with_current(|core| core.scheduler().running_task())
        .flatten()
        .filter(|task| task.header().state.is_closing())
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
