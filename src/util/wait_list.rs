//! `WaitList`: the FIFO list of waiting futures under every primitive
//! (locks, semaphores, events, conditions, barriers, queues, channels),
//! and [`WaitEntry`], a waiting future's place in one.
//!
//! # Invariants
//!
//! - Each node belongs to one [`WaitEntry`], which holds its key; only the
//!   entry frees the node: when its future takes what it was handed
//!   ([`WaitEntry::poll_served`]), or when it is dropped
//!   ([`WaitEntry::leave`]). The list never frees a node on its own.
//! - A node is *linked* (in the FIFO) while it waits. The primitive
//!   *serves* a waiter by unlinking it ([`WaitList::serve`]), after storing
//!   what it hands over (a permit, an item, a wake-up) in the node's data.
//!   The future sees "unlinked" and takes the data; an entry dropped while
//!   unlinked hands the data to its owner's [`WaitListOwner::left`], which
//!   gives it back to the primitive, so nothing is lost.
//! - Wakers are taken out of the list and woken after the owner's borrow
//!   (or lock) is released ([`WakeBatch`]); a replaced waker is dropped
//!   after it too (a foreign waker's destructor is user code).

use std::cell::RefCell;
use std::task::Waker;

use super::linked_slab::{LinkedSlab, List};
use super::wake_batch::WakeBatch;

pub(crate) use super::linked_slab::Key;

struct Waiter<D> {
    waker: Option<Waker>,
    linked: bool,
    data: D,
}

pub(crate) struct WaitList<D> {
    nodes: LinkedSlab<Waiter<D>>,
    queue: List,
    linked: usize,
}

impl<D> WaitList<D> {
    pub(crate) const fn new() -> WaitList<D> {
        WaitList {
            nodes: LinkedSlab::new(),
            queue: List::EMPTY,
            linked: 0,
        }
    }

    /// Waiters not yet served.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.linked
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// Queue a waiter at the back.
    #[inline]
    pub(crate) fn push(&mut self, data: D, waker: &Waker) -> Key {
        let waiter = Waiter {
            waker: Some(waker.clone()),
            linked: true,
            data,
        };
        let key = self.nodes.insert(waiter, "waiters");
        self.nodes.push_back(&mut self.queue, key);
        self.linked += 1;
        key
    }

    /// The first waiter not yet served.
    #[inline]
    pub(crate) fn front(&self) -> Option<Key> {
        self.queue.front()
    }

    #[inline]
    pub(crate) fn is_linked(&self, key: Key) -> bool {
        self.nodes.get(key).linked
    }

    #[inline]
    pub(crate) fn data(&self, key: Key) -> &D {
        &self.nodes.get(key).data
    }

    #[inline]
    pub(crate) fn data_mut(&mut self, key: Key) -> &mut D {
        &mut self.nodes.get_mut(key).data
    }

    /// Serve the waiter at `key`: unlink it and return its waker to wake
    /// once the borrow is released.
    #[inline]
    pub(crate) fn serve(&mut self, key: Key) -> Option<Waker> {
        self.unlink(key);
        self.nodes.get_mut(key).waker.take()
    }

    /// Serve up to `n` waiters from the front (all of them with
    /// `usize::MAX`), collecting their wakers into `wakers`.
    #[inline]
    pub(crate) fn serve_front(&mut self, n: usize, wakers: &mut WakeBatch) {
        for _ in 0..n {
            let Some(key) = self.front() else { break };
            wakers.push(self.serve(key));
        }
    }

    /// Store `waker` unless the stored one wakes the same task; returns
    /// the replaced waker, to drop after the borrow is released.
    #[inline]
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) -> Option<Waker> {
        let slot = &mut self.nodes.get_mut(key).waker;
        match slot {
            Some(old) if old.will_wake(waker) => None,
            _ => slot.replace(waker.clone()),
        }
    }

    /// Free the node at `key`; returns its data and whether it was still
    /// waiting (not served).
    #[inline]
    pub(crate) fn remove(&mut self, key: Key) -> (D, bool) {
        let linked = self.nodes.get(key).linked;
        self.unlink(key);
        let waiter = self.nodes.remove(key);
        (waiter.data, linked)
    }

    #[inline]
    fn unlink(&mut self, key: Key) {
        let waiter = self.nodes.get_mut(key);
        if !waiter.linked {
            return;
        }
        waiter.linked = false;
        self.nodes.unlink(&mut self.queue, key);
        self.linked -= 1;
    }
}

/// What owns a wait list: a primitive, or a handle to one side of it. It
/// says how to reach the list and what a waiter that leaves gives back.
pub(crate) trait WaitListOwner {
    /// What each node holds (what a waiter asks for, or is handed).
    type Data;

    /// Run `f` on the wait list, under the owner's borrow or lock.
    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<Self::Data>) -> R) -> R;

    /// A waiter left before taking its data; `served` says whether it had
    /// been served (handed something it never took). Called after the
    /// list's borrow is released. The default drops `data`.
    fn left(&self, data: Self::Data, served: bool) {
        let _ = (data, served);
    }
}

/// A plain list of wake-ups: a waiter that leaves gives nothing back.
impl WaitListOwner for &RefCell<WaitList<()>> {
    type Data = ();

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<()>) -> R) -> R {
        f(&mut self.borrow_mut())
    }
}

/// A waiting future's node in its owner's wait list, freed when the entry
/// is dropped (RAII): queued by [`wait`](Self::wait), taken back with what
/// it was handed by [`poll_served`](Self::poll_served), and otherwise
/// removed by [`leave`](Self::leave) on drop, which hands anything it was
/// served to the owner's [`WaitListOwner::left`].
pub(crate) struct WaitEntry<O: WaitListOwner> {
    owner: O,
    key: Option<Key>,
}

impl<O: WaitListOwner> WaitEntry<O> {
    /// An entry of `owner`'s list that does not wait yet.
    #[inline]
    pub(crate) fn new(owner: O) -> WaitEntry<O> {
        WaitEntry { owner, key: None }
    }

    #[inline]
    pub(crate) fn owner(&self) -> &O {
        &self.owner
    }

    /// Whether it has a node (waiting, or served and not yet polled).
    #[inline]
    pub(crate) fn is_queued(&self) -> bool {
        self.key.is_some()
    }

    /// Queue it at the back with `data` (it must have no node).
    #[inline]
    pub(crate) fn wait(&mut self, data: O::Data, waker: &Waker) {
        debug_assert!(self.key.is_none(), "a wait entry queued twice");
        self.key = Some(self.owner.with_list(|list| list.push(data, waker)));
    }

    /// [`wait`](Self::wait) within a borrow of the list the caller holds.
    #[inline]
    pub(crate) fn wait_in(&mut self, list: &mut WaitList<O::Data>, data: O::Data, waker: &Waker) {
        debug_assert!(self.key.is_none(), "a wait entry queued twice");
        self.key = Some(list.push(data, waker));
    }

    /// Once served: free the node and return what it was handed. Until
    /// then: keep `waker` to be woken, and return `None`.
    #[inline]
    pub(crate) fn poll_served(&mut self, waker: &Waker) -> Option<O::Data> {
        let key = self.key?;
        let (taken, replaced) = self.owner.with_list(|list| {
            if list.is_linked(key) {
                (None, list.set_waker(key, waker))
            } else {
                (Some(list.remove(key).0), None)
            }
        });
        drop(replaced);
        if taken.is_some() {
            self.key = None;
        }
        taken
    }

    /// Leave the list now (what dropping the entry does): free the node
    /// and hand what it held to the owner's `left`.
    #[inline]
    pub(crate) fn leave(&mut self) {
        if let Some(key) = self.key.take() {
            self.leave_list(key);
        }
    }

    /// [`leave`](Self::leave) for an entry with a node: kept out of line,
    /// so that dropping an entry that never waited (the common case: the
    /// operation completed at once) is one inline test.
    #[inline(never)]
    fn leave_list(&mut self, key: Key) {
        let (data, waiting) = self.owner.with_list(|list| list.remove(key));
        self.owner.left(data, !waiting);
    }
}

impl<O: WaitListOwner<Data = ()>> WaitEntry<O> {
    /// What a future that waits for a condition does each time it finds
    /// the condition false: keep its node waiting with `waker`, queueing a
    /// new node if it has none or its node was served (woken for a change
    /// that did not make the condition true).
    #[inline]
    pub(crate) fn keep_waiting(&mut self, waker: &Waker) {
        let key = &mut self.key;
        let replaced = self.owner.with_list(|list| match *key {
            Some(waiting) if list.is_linked(waiting) => list.set_waker(waiting, waker),
            served => {
                if let Some(served) = served {
                    list.remove(served);
                }
                *key = Some(list.push((), waker));
                None
            }
        });
        drop(replaced);
    }
}

impl<O: WaitListOwner> Drop for WaitEntry<O> {
    #[inline]
    fn drop(&mut self) {
        self.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(list: &mut WaitList<u32>) -> Vec<u32> {
        let mut served = Vec::new();
        while let Some(key) = list.front() {
            served.push(*list.data(key));
            drop(list.serve(key));
        }
        served
    }

    #[test]
    fn serves_in_fifo_order_and_skips_removed_waiters() {
        let mut list = WaitList::new();
        let keys: Vec<Key> = (0..5).map(|i| list.push(i, Waker::noop())).collect();
        assert_eq!(list.remove(keys[0]), (0, true));
        assert_eq!(list.remove(keys[2]), (2, true));
        assert_eq!(list.remove(keys[4]), (4, true));
        assert_eq!(list.len(), 2);
        let again = list.push(5, Waker::noop());
        assert_eq!(drain(&mut list), [1, 3, 5]);
        assert!(list.is_empty());
        // Served nodes stay until their future removes them.
        assert!(!list.is_linked(again));
        assert_eq!(list.remove(again), (5, false));
        assert_eq!(list.remove(keys[1]), (1, false));
        assert_eq!(list.remove(keys[3]), (3, false));
        assert_eq!(list.nodes.len(), 0);
    }

    #[test]
    fn a_dropped_entry_frees_its_node_whether_waiting_or_served() {
        let list = RefCell::new(WaitList::new());
        let mut waiting = WaitEntry::new(&list);
        waiting.wait((), Waker::noop());
        let mut served = WaitEntry::new(&list);
        served.wait((), Waker::noop());
        let key = list.borrow().front().unwrap();
        drop(list.borrow_mut().serve(key)); // serves `waiting`
        assert_eq!(list.borrow().len(), 1);
        drop(waiting);
        drop(served);
        assert_eq!(list.borrow().nodes.len(), 0);
    }

    #[test]
    fn keep_waiting_requeues_a_served_entry_at_the_back() {
        let list = RefCell::new(WaitList::new());
        let mut first = WaitEntry::new(&list);
        first.keep_waiting(Waker::noop());
        let mut second = WaitEntry::new(&list);
        second.keep_waiting(Waker::noop());
        let key = list.borrow().front().unwrap();
        drop(list.borrow_mut().serve(key)); // `first`, woken for nothing
        first.keep_waiting(Waker::noop());
        assert_eq!(list.borrow().front(), second.key);
        assert_eq!(list.borrow().len(), 2);
    }
}
