//! A hierarchical timing wheel with millisecond ticks (as tokio's and the
//! Linux kernel's).
//!
//! Six levels of 64 slots. A slot of level `l` spans `64^l` ticks, so the
//! wheel spans `64^6` ms, about 2.2 years; a timer further out waits in the
//! top level and is placed again when that slot comes round. Each slot is a
//! doubly linked list threaded through a slab of entries, and each level
//! keeps a bitmap of its non-empty slots, so insert, cancel and "when is
//! the next expiry" are O(1) (a few bit operations per level). An entry
//! and its two links take 32 bytes of that slab (`entry.rs`).
//!
//! # Invariants
//!
//! - `elapsed` is the last tick processed; it only grows. An entry in a
//!   slot has `when > elapsed` and sits in the level of the highest 6-bit
//!   group in which `when` and `elapsed` differ (clamped to the top level),
//!   in the slot of `when`'s digit at that level. So every entry of level
//!   `l` falls inside the current level-`l + 1` slot, and level 0 holds the
//!   earliest entries.
//! - A slot is processed when `elapsed` reaches its first tick: its entries
//!   that are due move to `due`, the others move down to the level they
//!   now belong to. No entry is inserted into a slot before that slot's
//!   parent was processed, so every list stays in registration order, and
//!   timers due at the same tick fire in the order they were inserted.
//! - Every deadline held is at most [`MAX_WHEN`], which leaves an entry's
//!   word room for its place (`entry.rs`): `insert` and `reset` clamp
//!   (the clock's ticks never go past it; asserted in `time/mod.rs`).
//! - `linked` counts the entries in a slot or in `due`. An entry leaves the
//!   slab only through `remove`: the wheel never frees what a caller holds
//!   a key to.

mod entry;
#[cfg(test)]
mod tests;

use std::task::Waker;

use crate::util::linked_slab::{LinkedSlab, List};
use entry::{Entry, Place};

pub(super) use entry::MAX_WHEN;

pub(crate) use crate::util::linked_slab::Key;

const LEVELS: usize = 6;
const BITS: u32 = 6;
const SLOTS: usize = 1 << BITS;
const DIGIT: u64 = SLOTS as u64 - 1;
/// Ticks the wheel spans.
const SPAN: u64 = 1 << (BITS * LEVELS as u32);
/// A slab this large that empties is replaced, returning its memory.
const SHRINK_ABOVE: usize = 4096;

/// The level an entry due at `when` belongs in while the wheel is at
/// `elapsed`: that of the highest 6-bit digit in which the two differ
/// (the lowest level, 0, when only the last digit differs), clamped to
/// the top level for deadlines beyond the wheel's span.
fn level_for(elapsed: u64, when: u64) -> usize {
    let mut differing = (elapsed ^ when) | DIGIT;
    if differing >= SPAN {
        differing = SPAN - 1;
    }
    ((63 - differing.leading_zeros()) / BITS) as usize
}

/// The slot of level `level` an entry due at `when` goes in: `when`'s
/// digit at that level.
fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (BITS * level as u32)) & DIGIT) as usize
}

/// The first tick of slot `slot` of level `level`, in the level's current
/// turn as seen from `elapsed`, or its next turn if that tick is not
/// after `elapsed` (which only happens in the top level, see
/// `Wheel::next_expiration`).
fn slot_start(elapsed: u64, level: usize, slot: usize) -> u64 {
    let slot_span = 1u64 << (BITS * level as u32);
    let level_span = slot_span << BITS;
    let start = (elapsed & !(level_span - 1)) + slot as u64 * slot_span;
    if start <= elapsed {
        start + level_span
    } else {
        start
    }
}

/// The first occupied slot of a level's bitmap at or after slot `from`,
/// wrapping round.
fn first_occupied_from(occupied: u64, from: u32) -> usize {
    (occupied.rotate_right(from).trailing_zeros() + from) as usize % SLOTS
}

struct Level {
    /// Bit `s` is set when `slots[s]` is non-empty.
    occupied: u64,
    slots: [List; SLOTS],
}

/// The next slot to process: its level, index, and first tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Expiration {
    level: usize,
    slot: usize,
    deadline: u64,
}

pub(crate) struct Wheel {
    elapsed: u64,
    entries: LinkedSlab<Entry>,
    levels: [Level; LEVELS],
    /// Entries found due, in firing order, not yet returned by `poll`.
    due: List,
    linked: usize,
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            entries: LinkedSlab::new(),
            levels: std::array::from_fn(|_| Level {
                occupied: 0,
                slots: [List::EMPTY; SLOTS],
            }),
            due: List::EMPTY,
            linked: 0,
        }
    }

    /// Timers waiting to fire.
    pub(crate) fn pending(&self) -> usize {
        self.linked
    }

    /// Entries held, fired or not, and the slab's capacity (for tests of
    /// memory reuse).
    #[cfg(test)]
    pub(crate) fn slots_used(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// Add a timer firing at tick `when` (at most [`MAX_WHEN`]: later
    /// ones fire then) that wakes `waker`, or give the waker back if `when`
    /// has passed already.
    #[inline]
    pub(crate) fn insert(&mut self, when: u64, waker: Waker) -> Result<Key, Waker> {
        let when = when.min(MAX_WHEN);
        if when <= self.elapsed {
            return Err(waker);
        }
        let key = self.entries.insert(Entry::new(when, waker), "timers");
        self.link(key);
        self.linked += 1;
        Ok(key)
    }

    /// Whether the timer at `key` has fired.
    pub(crate) fn is_fired(&self, key: Key) -> bool {
        self.entries.get(key).is_fired()
    }

    /// Store `waker` for the timer at `key` unless the one it has would
    /// wake the same task; returns the replaced waker, for the caller to
    /// drop after releasing its borrow.
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) -> Option<Waker> {
        let entry = self.entries.get_mut(key);
        if entry.will_wake(waker) {
            None
        } else {
            entry.replace_waker(waker.clone())
        }
    }

    /// Move the timer at `key` to tick `when`; it fires at the next `poll`
    /// if `when` has passed (clamped to [`MAX_WHEN`], as by `insert`). A
    /// fired timer is armed again.
    pub(crate) fn reset(&mut self, key: Key, when: u64) {
        let when = when.min(MAX_WHEN);
        if self.unlink(key) {
            self.linked -= 1;
        }
        self.entries.get_mut(key).set_when(when);
        if when <= self.elapsed {
            self.push_due(key);
        } else {
            self.link(key);
        }
        self.linked += 1;
    }

    /// Forget the timer at `key`, freeing its entry; returns its waker, for
    /// the caller to drop after releasing its borrow.
    pub(crate) fn remove(&mut self, key: Key) -> Option<Waker> {
        if self.unlink(key) {
            self.linked -= 1;
        }
        let entry = self.entries.remove(key);
        self.entries.shrink_if_empty(SHRINK_ABOVE);
        entry.into_waker()
    }

    /// The first tick at which `poll` has something to do: fire a timer or
    /// move timers down a level.
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        if !self.due.is_empty() {
            return Some(self.elapsed);
        }
        self.next_expiration().map(|e| e.deadline)
    }

    /// Fire the next timer due at tick `now`: mark it fired and return its
    /// waker. `None` once every timer due by `now` has fired.
    pub(crate) fn poll(&mut self, now: u64) -> Option<Waker> {
        loop {
            if let Some(key) = self.entries.pop_front(&mut self.due) {
                let entry = self.entries.get_mut(key);
                entry.set_place(Place::Fired);
                self.linked -= 1;
                match entry.take_waker() {
                    Some(waker) => return Some(waker),
                    None => continue,
                }
            }
            match self.next_expiration() {
                Some(expiration) if expiration.deadline <= now => self.process(expiration),
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return None;
                }
            }
        }
    }

    /// The earliest non-empty slot. Levels hold later timers the higher
    /// they are, so it is the first non-empty slot of the lowest non-empty
    /// level, counting from the slot after `elapsed`'s.
    ///
    /// The slot holding `elapsed` is never occupied below the top level (an
    /// entry there would differ from `elapsed` at a lower level). In the
    /// top level it and the slots before it can hold timers further out
    /// than the wheel spans: they belong to its next turn, so they come
    /// last (`slot_start` puts them there).
    fn next_expiration(&self) -> Option<Expiration> {
        self.levels.iter().enumerate().find_map(|(level, l)| {
            if l.occupied == 0 {
                return None;
            }
            let from = (slot_for(self.elapsed, level) as u32 + 1) % SLOTS as u32;
            let slot = first_occupied_from(l.occupied, from);
            let deadline = slot_start(self.elapsed, level, slot);
            debug_assert!(
                level == LEVELS - 1
                    || deadline - self.elapsed <= (1 << (BITS * (level as u32 + 1)))
            );
            Some(Expiration {
                level,
                slot,
                deadline,
            })
        })
    }

    /// Empty the slot of `expiration`, whose first tick has come: due
    /// entries go to `due` in list order, the others down a level.
    fn process(&mut self, expiration: Expiration) {
        let level = &mut self.levels[expiration.level];
        let mut list = std::mem::replace(&mut level.slots[expiration.slot], List::EMPTY);
        level.occupied &= !(1 << expiration.slot);
        self.elapsed = expiration.deadline;
        while let Some(key) = self.entries.pop_front(&mut list) {
            if self.entries.get(key).when() <= self.elapsed {
                self.push_due(key);
            } else {
                self.link(key);
            }
        }
    }

    /// Append the entry at `key` (in no list) to its slot.
    fn link(&mut self, key: Key) {
        let when = self.entries.get(key).when();
        let level = level_for(self.elapsed, when);
        let slot = slot_for(when, level);
        let l = &mut self.levels[level];
        self.entries.push_back(&mut l.slots[slot], key);
        l.occupied |= 1 << slot;
        self.entries.get_mut(key).set_place(Place::Slot {
            level: level as u8,
            slot: slot as u8,
        });
    }

    fn push_due(&mut self, key: Key) {
        self.entries.push_back(&mut self.due, key);
        self.entries.get_mut(key).set_place(Place::Due);
    }

    /// Take the entry at `key` out of whatever list holds it; `true` if it
    /// was in one (it was pending, not fired). It is marked fired (in no
    /// list) until placed again.
    fn unlink(&mut self, key: Key) -> bool {
        let place = self.entries.get_mut(key).take_place();
        match place {
            Place::Fired => false,
            Place::Due => {
                self.entries.unlink(&mut self.due, key);
                true
            }
            Place::Slot { level, slot } => {
                let l = &mut self.levels[level as usize];
                let list = &mut l.slots[slot as usize];
                self.entries.unlink(list, key);
                if list.is_empty() {
                    l.occupied &= !(1 << slot);
                }
                true
            }
        }
    }
}
