//! `LinkedSlab`: doubly linked lists threaded through one slab of nodes,
//! the structure under the wait lists of every primitive and under the
//! timer wheel's slots.
//!
//! A node is inserted unlinked and then pushed onto, or unlinked from, a
//! [`List`] the caller owns (a list is just its two ends, so one slab can
//! thread any number of lists: the wheel has 6 × 64 + 1). Every operation
//! is O(1) and allocates nothing beyond the slab's own growth.
//!
//! # Invariants
//!
//! - A node is in at most one list; its `prev`/`next` are `NIL` when it is
//!   in none. The slab does not know which list a node is in: the caller
//!   does (a waiter's `linked` flag, a timer entry's place), and passes
//!   that list to [`unlink`](LinkedSlab::unlink).
//! - [`remove`](LinkedSlab::remove) frees only unlinked nodes (checked in
//!   debug builds): a list never points at a freed slot.
//! - Lists keep insertion order: `push_back` appends, `pop_front` takes
//!   the oldest, so whoever serves a list in order serves FIFO.

use slab::Slab;

/// A node's key in its slab.
pub(crate) type Key = u32;

/// No node.
const NIL: Key = Key::MAX;

/// One list: its first and last node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct List {
    head: Key,
    tail: Key,
}

impl List {
    /// A list with no node.
    pub(crate) const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// The first node, if any.
    #[inline]
    pub(crate) fn front(&self) -> Option<Key> {
        (self.head != NIL).then_some(self.head)
    }
}

impl Default for List {
    fn default() -> List {
        List::EMPTY
    }
}

struct Node<T> {
    prev: Key,
    next: Key,
    value: T,
}

/// The slab of nodes, each holding a `T`.
pub(crate) struct LinkedSlab<T> {
    nodes: Slab<Node<T>>,
}

impl<T> LinkedSlab<T> {
    pub(crate) const fn new() -> LinkedSlab<T> {
        LinkedSlab { nodes: Slab::new() }
    }

    /// Nodes held, linked or not.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The slab's capacity (for tests of memory reuse).
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.nodes.capacity()
    }

    /// Give the slab's memory back if it is empty and holds more than
    /// `keep` slots (after a burst of nodes).
    #[inline]
    pub(crate) fn shrink_if_empty(&mut self, keep: usize) {
        if self.nodes.is_empty() && self.nodes.capacity() > keep {
            self.nodes = Slab::new();
        }
    }

    /// Add an unlinked node holding `value`; its key.
    ///
    /// # Panics
    ///
    /// With `u32::MAX - 1` nodes held already (naming `what`).
    #[inline]
    pub(crate) fn insert(&mut self, value: T, what: &str) -> Key {
        let key = self.nodes.vacant_key();
        assert!(key < NIL as usize, "uniloop: too many {what}");
        self.nodes.insert(Node {
            prev: NIL,
            next: NIL,
            value,
        });
        key as Key
    }

    /// Free the node at `key`, which is in no list; its value.
    #[inline]
    pub(crate) fn remove(&mut self, key: Key) -> T {
        let node = self.nodes.remove(key as usize);
        debug_assert!(node.prev == NIL && node.next == NIL, "freed a linked node");
        node.value
    }

    #[inline]
    pub(crate) fn get(&self, key: Key) -> &T {
        &self.nodes[key as usize].value
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, key: Key) -> &mut T {
        &mut self.nodes[key as usize].value
    }

    /// Append the node at `key` (in no list) to `list`.
    #[inline]
    pub(crate) fn push_back(&mut self, list: &mut List, key: Key) {
        let node = &mut self.nodes[key as usize];
        debug_assert!(node.prev == NIL && node.next == NIL, "node linked twice");
        node.prev = list.tail;
        node.next = NIL;
        if list.tail == NIL {
            list.head = key;
        } else {
            self.nodes[list.tail as usize].next = key;
        }
        list.tail = key;
    }

    /// Take the node at `key` out of `list`, which holds it.
    #[inline]
    pub(crate) fn unlink(&mut self, list: &mut List, key: Key) {
        let node = &mut self.nodes[key as usize];
        let (prev, next) = (node.prev, node.next);
        node.prev = NIL;
        node.next = NIL;
        if prev == NIL {
            debug_assert_eq!(list.head, key, "unlinked from the wrong list");
            list.head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
    }

    /// Take the first node out of `list`; its key.
    #[inline]
    pub(crate) fn pop_front(&mut self, list: &mut List) -> Option<Key> {
        let key = list.front()?;
        self.unlink(list, key);
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(slab: &mut LinkedSlab<u32>, list: &mut List) -> Vec<u32> {
        let mut values = Vec::new();
        while let Some(key) = slab.pop_front(list) {
            values.push(slab.remove(key));
        }
        values
    }

    #[test]
    fn lists_keep_order_and_share_one_slab() {
        let mut slab = LinkedSlab::new();
        let (mut odd, mut even) = (List::EMPTY, List::EMPTY);
        let keys: Vec<Key> = (0..6).map(|i| slab.insert(i, "nodes")).collect();
        for (i, &key) in keys.iter().enumerate() {
            let list = if i % 2 == 0 { &mut even } else { &mut odd };
            slab.push_back(list, key);
        }
        slab.unlink(&mut even, keys[2]);
        assert_eq!(slab.remove(keys[2]), 2);
        assert_eq!(drain(&mut slab, &mut even), [0, 4]);
        assert_eq!(drain(&mut slab, &mut odd), [1, 3, 5]);
        assert!(even.is_empty() && odd.is_empty() && slab.is_empty());
    }

    #[test]
    fn unlinking_the_ends_and_the_only_node_keeps_the_list_whole() {
        let mut slab = LinkedSlab::new();
        let mut list = List::EMPTY;
        let keys: Vec<Key> = (0..3).map(|i| slab.insert(i, "nodes")).collect();
        keys.iter().for_each(|&k| slab.push_back(&mut list, k));
        slab.unlink(&mut list, keys[0]); // the head
        slab.unlink(&mut list, keys[2]); // the tail
        assert_eq!(list.front(), Some(keys[1]));
        slab.unlink(&mut list, keys[1]); // the only one
        assert!(list.is_empty());
        slab.push_back(&mut list, keys[2]); // unlinked nodes can go back
        assert_eq!(drain(&mut slab, &mut list), [2]);
    }

    #[test]
    fn an_emptied_slab_gives_its_memory_back() {
        let mut slab = LinkedSlab::new();
        let keys: Vec<Key> = (0..100).map(|i| slab.insert(i, "nodes")).collect();
        keys.into_iter().for_each(|k| assert!(slab.remove(k) < 100));
        slab.shrink_if_empty(10);
        assert_eq!(slab.capacity(), 0);
    }
}
