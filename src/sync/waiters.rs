//! `WaitList`: the FIFO list of waiting futures under every primitive.
//!
//! # Invariants
//!
//! - Each node belongs to one future (a lock, acquire, get, put, wait
//!   future), which holds its key; only that future removes the node, when
//!   it completes or is dropped. The list never frees a node on its own.
//! - A node is *linked* (in the FIFO) while it waits. The primitive
//!   *serves* a waiter by unlinking it, after storing what it hands over
//!   (a permit, an item, a wake-up) in the node's `data`. The future sees
//!   "unlinked" and takes the data; a future dropped while unlinked gives
//!   what it was handed back to its primitive, so nothing is lost.
//! - Wakers are taken out of the list and woken after the primitive's
//!   borrow is released (see [`Wakers`]).

use std::cell::RefMut;
use std::task::Waker;

use slab::Slab;

pub(crate) type Key = usize;

const NIL: Key = usize::MAX;

struct Node<D> {
    waker: Option<Waker>,
    prev: Key,
    next: Key,
    linked: bool,
    data: D,
}

pub(crate) struct WaitList<D> {
    nodes: Slab<Node<D>>,
    head: Key,
    tail: Key,
    linked: usize,
}

impl<D> WaitList<D> {
    pub(crate) const fn new() -> WaitList<D> {
        WaitList {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
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
        let key = self.nodes.insert(Node {
            waker: Some(waker.clone()),
            prev: self.tail,
            next: NIL,
            linked: true,
            data,
        });
        if self.tail == NIL {
            self.head = key;
        } else {
            self.nodes[self.tail].next = key;
        }
        self.tail = key;
        self.linked += 1;
        key
    }

    /// The first waiter not yet served.
    #[inline]
    pub(crate) fn front(&self) -> Option<Key> {
        (self.head != NIL).then_some(self.head)
    }

    #[inline]
    pub(crate) fn is_linked(&self, key: Key) -> bool {
        self.nodes[key].linked
    }

    #[inline]
    pub(crate) fn data(&self, key: Key) -> &D {
        &self.nodes[key].data
    }

    #[inline]
    pub(crate) fn data_mut(&mut self, key: Key) -> &mut D {
        &mut self.nodes[key].data
    }

    /// Serve the waiter at `key`: unlink it and return its waker to wake
    /// once the borrow is released.
    #[inline]
    pub(crate) fn serve(&mut self, key: Key) -> Option<Waker> {
        self.unlink(key);
        self.nodes[key].waker.take()
    }

    /// Serve up to `n` waiters from the front (all of them with
    /// `usize::MAX`), collecting their wakers into `wakers`.
    #[inline]
    pub(crate) fn serve_front(&mut self, n: usize, wakers: &mut Wakers) {
        for _ in 0..n {
            let Some(key) = self.front() else { break };
            wakers.push(self.serve(key));
        }
    }

    /// Store `waker` unless the stored one wakes the same task; returns
    /// the replaced waker, to drop after the borrow is released.
    #[inline]
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) -> Option<Waker> {
        let slot = &mut self.nodes[key].waker;
        match slot {
            Some(old) if old.will_wake(waker) => None,
            _ => slot.replace(waker.clone()),
        }
    }

    /// What a waiting future does when polled: once its node was served,
    /// free it and return its data; until then store `waker` (dropping
    /// the replaced one after `list`'s borrow is released) and return
    /// `None`.
    #[inline]
    pub(crate) fn poll_served(mut list: RefMut<'_, Self>, key: Key, waker: &Waker) -> Option<D> {
        if list.is_linked(key) {
            let old = list.set_waker(key, waker);
            drop(list);
            drop(old);
            return None;
        }
        Some(list.remove(key).0)
    }

    /// Free the node at `key`; returns its data and whether it was still
    /// waiting (not served).
    #[inline]
    pub(crate) fn remove(&mut self, key: Key) -> (D, bool) {
        let linked = self.nodes[key].linked;
        self.unlink(key);
        let node = self.nodes.remove(key);
        (node.data, linked)
    }

    #[inline]
    fn unlink(&mut self, key: Key) {
        let node = &mut self.nodes[key];
        if !node.linked {
            return;
        }
        node.linked = false;
        let (prev, next) = (node.prev, node.next);
        node.prev = NIL;
        node.next = NIL;
        if prev == NIL {
            self.head = next;
        } else {
            self.nodes[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.nodes[next].prev = prev;
        }
        self.linked -= 1;
    }
}

impl WaitList<()> {
    /// What a future that waits for a condition does each time it finds
    /// the condition false: keep its node `*key` waiting with `waker`,
    /// queueing a new node if it has none or its node was served (woken
    /// for a change that did not make the condition true). Returns the
    /// replaced waker, to drop after the borrow is released.
    #[inline]
    pub(crate) fn keep_waiting(&mut self, key: &mut Option<Key>, waker: &Waker) -> Option<Waker> {
        match *key {
            Some(waiting) if self.is_linked(waiting) => self.set_waker(waiting, waker),
            served => {
                if let Some(served) = served {
                    self.remove(served);
                }
                *key = Some(self.push((), waker));
                None
            }
        }
    }
}

/// Wakers collected under a primitive's borrow, woken after it.
pub(crate) struct Wakers {
    one: Option<Waker>,
    more: Vec<Waker>,
}

impl Wakers {
    #[inline]
    pub(crate) const fn new() -> Wakers {
        Wakers {
            one: None,
            more: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.one.is_none() {
            self.one = Some(waker);
        } else {
            self.more.push(waker);
        }
    }

    /// Wake them all, in the order they were pushed.
    #[inline]
    pub(crate) fn wake(self) {
        if let Some(one) = self.one {
            one.wake();
        }
        if !self.more.is_empty() {
            self.more.into_iter().for_each(Waker::wake);
        }
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
}
