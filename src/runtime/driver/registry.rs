//! The registry of live runtimes: how a waker, which holds only its
//! runtime's id (see `runtime::waker`), reaches that runtime's inbox from
//! any thread.
//!
//! # Invariants
//!
//! - An id maps to its runtime's inbox from `register` until `unregister`,
//!   which `Runtime::drop` calls last, after every task's future was
//!   dropped. So no runtime built meanwhile on another thread can take the
//!   id while a dropping future may still wake tasks: a wake routed by id
//!   reaches the runtime it was made for.
//! - An id is reused after its runtime is gone. A stale waker then reaches
//!   the new runtime, whose generations start from another base, so the
//!   generation check makes it a no-op (a spurious poll would need a
//!   1-in-2²⁶ coincidence, and futures tolerate spurious polls anyway).
//! - The thread-local cache ([`Registry::wake`]) holds a `Weak` to the
//!   inbox a thread last woke into. It is used only while that inbox is
//!   open, and an open inbox is the live runtime with that id: an inbox is
//!   closed when its runtime is dropped, never reopened, and a runtime that
//!   takes the id later has a new one.

use std::cell::RefCell;
use std::io;
use std::sync::{Arc, Weak};

use super::inbox::Inbox;
use crate::runtime::waker::{TaskRef, MAX_RUNTIMES};
use crate::util::sync::{lock, Mutex};

/// The live runtimes' inboxes, by id.
pub(crate) struct Registry {
    inboxes: Mutex<Vec<Option<Arc<Inbox>>>>,
}

/// What a thread woke into last: a runtime id and its inbox.
pub(crate) type LastWoken = RefCell<(usize, Weak<Inbox>)>;

impl Registry {
    #[cfg(not(uniloop_loom))]
    const fn new() -> Registry {
        Registry {
            inboxes: Mutex::new(Vec::new()),
        }
    }

    #[cfg(uniloop_loom)]
    pub(crate) fn new() -> Registry {
        Registry {
            inboxes: Mutex::new(Vec::new()),
        }
    }

    /// Give `inbox` a runtime id: the lowest free one.
    pub(crate) fn register(&self, inbox: Arc<Inbox>) -> io::Result<usize> {
        let mut inboxes = lock(&self.inboxes);
        if let Some(id) = inboxes.iter().position(Option::is_none) {
            inboxes[id] = Some(inbox);
            return Ok(id);
        }
        if inboxes.len() == MAX_RUNTIMES {
            return Err(io::Error::other(format!(
                "uniloop: at most {MAX_RUNTIMES} runtimes can be alive at once"
            )));
        }
        inboxes.push(Some(inbox));
        Ok(inboxes.len() - 1)
    }

    /// Free `id` (the last step of dropping its runtime).
    pub(crate) fn unregister(&self, id: usize) {
        lock(&self.inboxes)[id] = None;
    }

    /// Wake `task` through its runtime's inbox; a no-op if the runtime is
    /// gone. `last` is this thread's cache (see the module invariants), so
    /// that a stream of wakes from one thread into one loop takes only
    /// that loop's lock, not the registry's.
    pub(crate) fn wake(&self, task: TaskRef, last: &LastWoken) {
        let cached = {
            let last = last.borrow();
            (last.0 == task.runtime())
                .then(|| last.1.upgrade())
                .flatten()
        };
        if let Some(inbox) = cached {
            if inbox.wake(task).is_ok() {
                return;
            }
        }
        let Some(inbox) = lock(&self.inboxes).get(task.runtime()).cloned().flatten() else {
            return;
        };
        *last.borrow_mut() = (task.runtime(), Arc::downgrade(&inbox));
        // A closed runtime has no task to wake.
        let _ = inbox.wake(task);
    }
}

#[cfg(not(uniloop_loom))]
static REGISTRY: Registry = Registry::new();

#[cfg(uniloop_loom)]
loom::lazy_static! {
    static ref REGISTRY: Registry = Registry::new();
}

thread_local! {
    static LAST_WOKEN: LastWoken = const { RefCell::new((usize::MAX, Weak::new())) };
}

/// Give `inbox` a runtime id in the process's registry.
pub(crate) fn register(inbox: Arc<Inbox>) -> io::Result<usize> {
    REGISTRY.register(inbox)
}

/// Free `id` in the process's registry.
pub(crate) fn unregister(id: usize) {
    REGISTRY.unregister(id);
}

/// Wake `task` from any thread, through the process's registry.
pub(crate) fn wake(task: TaskRef) {
    // During thread-local destruction the cache is gone: go without it.
    let woke = LAST_WOKEN.try_with(|last| REGISTRY.wake(task, last));
    if woke.is_err() {
        REGISTRY.wake(task, &RefCell::new((usize::MAX, Weak::new())));
    }
}
