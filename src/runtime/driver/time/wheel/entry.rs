//! `Entry`: one timer of the wheel, in 24 bytes, so that its slab node
//! (two `u32` links around it) takes 32 bytes, not 40: every pending timer
//! costs that much of the wheel's slab (issue 21, the memory of sleeping
//! tasks).
//!
//! Two things make it small:
//!
//! - The deadline, the entry's place in the wheel and whether it holds a
//!   waker share one word. Ticks are milliseconds, and the clock clamps
//!   them to `MAX_TICK` (2^54 − 1, some 570 000 years), so the ten bits
//!   above them are free: the place takes nine, the waker flag one.
//! - The waker is not an `Option`: an entry without one holds
//!   [`Waker::noop`], which is never handed out. So the waker's vtable
//!   pointer, never null, is a niche the slab's `Vacant`/`Occupied` enum
//!   uses for its tag instead of a word of its own.
//!
//! # Invariants
//!
//! - `word`'s low [`WHEN_BITS`] bits are the deadline, which never
//!   spills into the place's bits: `Entry::new` and `set_when` take
//!   deadlines up to [`MAX_WHEN`] (the wheel clamps them; checked in debug
//!   builds, masked in release ones).
//! - [`HAS_WAKER`] is set exactly when `waker` is the caller's waker;
//!   clear, `waker` is the noop waker and `take_waker`, `replace_waker`
//!   and `into_waker` give `None` rather than hand it out (as the
//!   `Option<Waker>` this replaces would).

use std::task::Waker;

use super::{BITS, LEVELS};

/// Bits of an entry's word that hold its deadline.
const WHEN_BITS: u32 = 54;
/// The latest deadline an entry holds; the wheel clamps later ones to it.
pub(crate) const MAX_WHEN: u64 = (1 << WHEN_BITS) - 1;
/// Where the place's code starts in the word, its bits, and their mask
/// once shifted down (see `Place::code`).
const PLACE_SHIFT: u32 = WHEN_BITS;
const PLACE_BITS: u32 = 9;
const PLACE_MASK: u64 = (1 << PLACE_BITS) - 1;
/// Set while the entry holds its caller's waker: the word's top bit.
const HAS_WAKER: u64 = 1 << 63;

// The largest code fits, and the place's bits end below the flag's.
const _: () = assert!(((LEVELS as u64 + 1) << BITS) - 1 <= PLACE_MASK);
const _: () = assert!(PLACE_SHIFT + PLACE_BITS == 63);

/// Where an entry is: in a slot's list, in the list of entries found due,
/// or in no list (it has fired, or is between two places).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Place {
    Slot { level: u8, slot: u8 },
    Due,
    Fired,
}

impl Place {
    /// `Fired` is 0, `Due` 1, and slot `s` of level `l` is
    /// `(l + 1) * 64 + s`: the slot's own bits, under a level that is
    /// never 0.
    fn code(self) -> u64 {
        match self {
            Place::Fired => 0,
            Place::Due => 1,
            Place::Slot { level, slot } => ((u64::from(level) + 1) << BITS) | u64::from(slot),
        }
    }

    fn from_code(code: u64) -> Place {
        match code {
            0 => Place::Fired,
            1 => Place::Due,
            _ => Place::Slot {
                level: ((code >> BITS) - 1) as u8,
                slot: (code & super::DIGIT) as u8,
            },
        }
    }
}

pub(super) struct Entry {
    /// The deadline, the place and [`HAS_WAKER`] (see the module doc).
    word: u64,
    waker: Waker,
}

impl Entry {
    /// An entry due at `when` (at most [`MAX_WHEN`]), holding `waker`, in
    /// no list yet (`Fired`).
    pub(super) fn new(when: u64, waker: Waker) -> Entry {
        debug_assert!(when <= MAX_WHEN, "a deadline past MAX_WHEN");
        Entry {
            word: (when & MAX_WHEN) | HAS_WAKER,
            waker,
        }
    }

    #[inline]
    pub(super) fn when(&self) -> u64 {
        self.word & MAX_WHEN
    }

    /// Move the deadline to `when` (at most [`MAX_WHEN`]).
    #[inline]
    pub(super) fn set_when(&mut self, when: u64) {
        debug_assert!(when <= MAX_WHEN, "a deadline past MAX_WHEN");
        self.word = (self.word & !MAX_WHEN) | (when & MAX_WHEN);
    }

    #[inline]
    pub(super) fn place(&self) -> Place {
        Place::from_code((self.word >> PLACE_SHIFT) & PLACE_MASK)
    }

    #[inline]
    pub(super) fn is_fired(&self) -> bool {
        (self.word >> PLACE_SHIFT) & PLACE_MASK == 0
    }

    #[inline]
    pub(super) fn set_place(&mut self, place: Place) {
        self.word = (self.word & !(PLACE_MASK << PLACE_SHIFT)) | (place.code() << PLACE_SHIFT);
    }

    /// The place it had, leaving `Fired` (in no list).
    #[inline]
    pub(super) fn take_place(&mut self) -> Place {
        let place = self.place();
        self.word &= !(PLACE_MASK << PLACE_SHIFT);
        place
    }

    fn has_waker(&self) -> bool {
        self.word & HAS_WAKER != 0
    }

    /// Whether it holds a waker that would wake the same task as `waker`.
    pub(super) fn will_wake(&self, waker: &Waker) -> bool {
        self.has_waker() && self.waker.will_wake(waker)
    }

    /// Hold `waker`; the waker held before, if any.
    pub(super) fn replace_waker(&mut self, waker: Waker) -> Option<Waker> {
        let old = std::mem::replace(&mut self.waker, waker);
        let had = self.has_waker();
        self.word |= HAS_WAKER;
        had.then_some(old)
    }

    /// Give the waker up, if it holds one (leaving the noop waker).
    #[inline]
    pub(super) fn take_waker(&mut self) -> Option<Waker> {
        if !self.has_waker() {
            return None;
        }
        self.word &= !HAS_WAKER;
        Some(std::mem::replace(&mut self.waker, Waker::noop().clone()))
    }

    /// The waker it holds, if any, as the entry is freed.
    pub(super) fn into_waker(self) -> Option<Waker> {
        self.has_waker().then_some(self.waker)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_survives_the_round_trip_through_its_code() {
        let mut places = vec![Place::Fired, Place::Due];
        for level in 0..LEVELS as u8 {
            places.extend((0..64).map(|slot| Place::Slot { level, slot }));
        }
        for place in places {
            assert!(place.code() <= PLACE_MASK);
            assert_eq!(Place::from_code(place.code()), place);
        }
    }

    #[test]
    fn the_deadline_the_place_and_the_waker_flag_keep_to_their_bits() {
        let mut entry = Entry::new(MAX_WHEN, Waker::noop().clone());
        assert_eq!((entry.when(), entry.place()), (MAX_WHEN, Place::Fired));
        let last_slot = Place::Slot { level: 5, slot: 63 };
        entry.set_place(last_slot);
        entry.set_when(12_345);
        assert_eq!((entry.when(), entry.place()), (12_345, last_slot));
        assert!(entry.take_waker().is_some() && entry.take_waker().is_none());
        entry.set_when(MAX_WHEN);
        assert_eq!((entry.when(), entry.place()), (MAX_WHEN, last_slot));
        assert_eq!(entry.take_place(), last_slot);
        assert!(entry.is_fired() && entry.when() == MAX_WHEN);
        assert!(entry.replace_waker(Waker::noop().clone()).is_none());
        assert!(entry.into_waker().is_some());
    }
}
