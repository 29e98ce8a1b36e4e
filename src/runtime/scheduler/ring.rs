//! `Ring`: the run queue's storage, a growable ring buffer of task
//! addresses.
//!
//! `VecDeque` would do, but its `push_back` is not inlined into the wake
//! path (the growth it carries makes it too big), which costs a call on
//! every wake. Here the common case, a push into a ring with room, is a
//! store and two additions inline, and growth is a cold function.
//!
//! # Invariants
//!
//! - `slots.len()` is zero or a power of two, so `& mask` wraps an index.
//! - The entries are `slots[(head + i) & mask]` for `i` in `0..len`, in
//!   queue order; `len <= slots.len()`. Those slots, and only those, are
//!   read, and each was written when its entry was pushed; the others may
//!   hold stale entries (which are plain integers) or nothing.

use std::mem::MaybeUninit;

use crate::runtime::waker::TaskRef;

pub(super) struct Ring {
    slots: Box<[MaybeUninit<TaskRef>]>,
    head: usize,
    len: usize,
}

impl Ring {
    pub(super) fn new() -> Ring {
        Ring {
            slots: Box::new([]),
            head: 0,
            len: 0,
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// Queue `task` at the back.
    #[inline]
    pub(super) fn push_back(&mut self, task: TaskRef) {
        if self.len == self.slots.len() {
            self.grow();
        }
        let at = (self.head + self.len) & self.mask();
        self.slots[at].write(task);
        self.len += 1;
    }

    /// Take the entry at the front.
    #[inline]
    pub(super) fn pop_front(&mut self) -> Option<TaskRef> {
        if self.len == 0 {
            return None;
        }
        // SAFETY: `head` is the first of the `len > 0` entries, written
        // when it was pushed (module invariants).
        let task = unsafe { self.slots[self.head].assume_init() };
        self.head = (self.head + 1) & self.mask();
        self.len -= 1;
        Some(task)
    }

    /// Take the entry `index` places from the front, the front entry
    /// taking its place (as `VecDeque::swap_remove_front`).
    pub(super) fn swap_remove_front(&mut self, index: usize) -> Option<TaskRef> {
        if index >= self.len {
            return None;
        }
        let at = (self.head + index) & self.mask();
        // SAFETY: `index < len`, so `at` holds an entry (module invariants).
        let task = unsafe { self.slots[at].assume_init() };
        self.slots[at] = self.slots[self.head];
        self.pop_front();
        Some(task)
    }

    /// Forget every entry.
    pub(super) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// Double the room (at least 64 slots), the entries moved to the front
    /// in order.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let room = (self.slots.len() * 2).max(64);
        let mut slots = Box::new_uninit_slice(room);
        let (first, second) = self.slots.split_at(self.head);
        // The entries in order: from `head` to the end, then the wrapped
        // part (the ring is full, so they fill `slots`).
        slots[..second.len()].copy_from_slice(second);
        slots[second.len()..self.len].copy_from_slice(first);
        self.slots = slots;
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(key: usize) -> TaskRef {
        TaskRef::new(1, key, 1)
    }

    #[test]
    fn keeps_fifo_order_across_wraps_and_growth() {
        let mut ring = Ring::new();
        let mut next_in = 0;
        let mut next_out = 0;
        // Push and pop unevenly so that the head wraps before each growth.
        for round in 0..10 {
            for _ in 0..(40 + round * 13) {
                ring.push_back(task(next_in));
                next_in += 1;
            }
            for _ in 0..(30 + round * 7) {
                assert_eq!(ring.pop_front(), Some(task(next_out)));
                next_out += 1;
            }
        }
        assert_eq!(ring.len(), next_in - next_out);
        while let Some(t) = ring.pop_front() {
            assert_eq!(t, task(next_out));
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
        assert!(ring.is_empty());
    }

    #[test]
    fn swap_remove_front_matches_vec_deque() {
        let mut ring = Ring::new();
        let mut deque = std::collections::VecDeque::new();
        for k in 0..100 {
            ring.push_back(task(k));
            deque.push_back(task(k));
        }
        for k in 0..50 {
            assert_eq!(ring.pop_front(), deque.pop_front());
            ring.push_back(task(100 + k));
            deque.push_back(task(100 + k));
        }
        for pick in [0, 7, 93, 3, 40, 1000] {
            assert_eq!(ring.swap_remove_front(pick), deque.swap_remove_front(pick));
        }
        assert_eq!(ring.len(), deque.len());
        while let Some(t) = deque.pop_front() {
            assert_eq!(ring.pop_front(), Some(t));
        }
        ring.push_back(task(1));
        ring.clear();
        assert_eq!(ring.pop_front(), None);
    }
}
