//! `ReadySet`: which of n futures were woken since their last poll, so a
//! combinator polls only those (O(1) work per wake-up, never all n).
//!
//! # Invariants
//!
//! - Every child has its own waker, which may be woken from any thread
//!   (a child may hand it to a thread-safe channel or a worker). Waking it
//!   queues the child's index once (its `queued` flag stops duplicates)
//!   and wakes the parent's waker.
//! - [`ReadySet::take`] registers the parent's waker *before* it takes the
//!   queued indices, and each index's `queued` flag is cleared before the
//!   child is polled: a wake that races with a poll queues the child
//!   again, so no wake-up is lost.
//! - At the start every child is queued, so each is polled once.

use std::mem;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Wake, Waker};

pub(crate) struct ReadySet {
    shared: Arc<Shared>,
    children: Box<[Waker]>,
    /// The flags of `children`, for clearing before a poll.
    flags: Box<[Arc<Child>]>,
}

struct Shared {
    state: Mutex<State>,
}

struct State {
    /// Indices woken since the parent last took them, in wake order.
    ready: Vec<usize>,
    parent: Option<Waker>,
}

struct Child {
    index: usize,
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics under this lock (wakers run after it is released).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Wake for Child {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let parent = {
            let mut state = self.shared.lock();
            state.ready.push(self.index);
            state.parent.take()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl ReadySet {
    /// A set of `n` children, all queued for a first poll.
    pub(crate) fn new(n: usize) -> ReadySet {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                ready: (0..n).collect(),
                parent: None,
            }),
        });
        let flags: Box<[Arc<Child>]> = (0..n)
            .map(|index| {
                Arc::new(Child {
                    index,
                    queued: AtomicBool::new(true),
                    shared: shared.clone(),
                })
            })
            .collect();
        let children = flags.iter().map(|c| Waker::from(c.clone())).collect();
        ReadySet {
            shared,
            children,
            flags,
        }
    }

    /// The children woken since the last call, in wake order, swapped into
    /// `into` (which the caller has emptied); `parent` is woken by the next
    /// child wake. Poll each with [`prepare`](Self::prepare)'s waker.
    pub(crate) fn take(&self, parent: &Waker, into: &mut Vec<usize>) {
        let old = {
            let mut state = self.shared.lock();
            let old = match &state.parent {
                Some(w) if w.will_wake(parent) => None,
                _ => state.parent.replace(parent.clone()),
            };
            mem::swap(&mut state.ready, into);
            old
        };
        drop(old);
    }

    /// Clear child `index`'s queued flag and return the waker to poll it
    /// with.
    #[inline]
    pub(crate) fn prepare(&self, index: usize) -> &Waker {
        // A read-modify-write, not a store: it is ordered with a waking
        // thread's `swap` on the same flag, so either that wake sees
        // `false` and queues the child, or the poll that follows sees
        // everything written before the wake. A plain store could be
        // reordered after the poll's reads (store buffering) and lose the
        // wake.
        self.flags[index].queued.swap(false, Ordering::AcqRel);
        &self.children[index]
    }
}

impl std::fmt::Debug for ReadySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadySet")
            .field("children", &self.children.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_woken_twice_is_queued_once_and_wakes_the_parent() {
        let set = ReadySet::new(3);
        let mut ready = Vec::new();
        set.take(Waker::noop(), &mut ready);
        assert_eq!(ready, [0, 1, 2]);
        for &i in &ready {
            let _ = set.prepare(i);
        }
        ready.clear();
        set.children[2].wake_by_ref();
        set.children[2].wake_by_ref();
        set.children[0].wake_by_ref();
        set.take(Waker::noop(), &mut ready);
        assert_eq!(ready, [2, 0]);
        // Woken from another thread.
        let waker = set.prepare(1).clone();
        std::thread::spawn(move || waker.wake()).join().unwrap();
        ready.clear();
        set.take(Waker::noop(), &mut ready);
        assert_eq!(ready, [1]);
    }
}
