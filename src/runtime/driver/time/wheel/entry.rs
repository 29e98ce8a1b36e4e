//! `Entry`: one timer of the wheel, in 24 bytes, so that its slab node
//! (two `u32` links around it) takes 32 bytes, not 40: every pending timer
//! costs that much of the wheel's slab (issue 21, the memory of sleeping
//! tasks).
//!
//! The deadline and the entry's place in the wheel share one word: the
//! place's code in the low nine bits, a bit that is always set above it,
//! the deadline in the 54 bits above that. Ticks are milliseconds, and the
//! clock clamps them to `MAX_TICK` (2^54 − 1, some 570 000 years), so they
//! fit. The always-set bit makes the word a `NonZeroU64`, whose niche the
//! slab's `Vacant`/`Occupied` enum uses for its tag.
//!
//! # Invariants
//!
//! - `word >> WHEN_SHIFT` is the deadline, at most [`MAX_WHEN`]:
//!   `Entry::new` and `set_when` take no later one (the wheel clamps;
//!   checked in debug builds, masked in release ones), so it never spills
//!   out of the word; [`LIVE`] is always set.

use std::num::NonZeroU64;
use std::task::Waker;

use super::{BITS, LEVELS};

/// Bits of the place's code, the low ones of the word.
const PLACE_BITS: u32 = 9;
const PLACE_MASK: u64 = (1 << PLACE_BITS) - 1;
/// Always set: the word is never zero (see the module doc).
const LIVE: u64 = 1 << PLACE_BITS;
/// Where the deadline starts in the word: above `LIVE`.
const WHEN_SHIFT: u32 = PLACE_BITS + 1;
/// The latest deadline an entry holds; the wheel clamps later ones to it.
pub(crate) const MAX_WHEN: u64 = u64::MAX >> WHEN_SHIFT;

/// Where an entry is: in a slot's list, in the list of entries found due,
/// or in no list (it has fired, or is between two places).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Place {
    Slot { level: u8, slot: u8 },
    Due,
    Fired,
}

/// The codes of the places that are not slots (those come first, see
/// `Place::code`). `FIRED` is all ones, so marking an entry fired is one
/// `or`.
const DUE: u64 = (LEVELS as u64) << BITS;
const FIRED: u64 = PLACE_MASK;

// The codes fit in their bits (`FIRED` is the largest).
const _: () = assert!(DUE < FIRED);

impl Place {
    /// Slot `s` of level `l` is `l * 64 + s` (the slot's own bits under
    /// the level's), then come `DUE` and `FIRED`.
    #[inline]
    fn code(self) -> u64 {
        match self {
            Place::Slot { level, slot } => (u64::from(level) << BITS) | u64::from(slot),
            Place::Due => DUE,
            Place::Fired => FIRED,
        }
    }

    #[inline]
    fn from_code(code: u64) -> Place {
        // Below `DUE`, so the level is below `LEVELS` (no bounds check
        // where it indexes the wheel's levels).
        if code < DUE {
            Place::Slot {
                level: (code >> BITS) as u8,
                slot: (code & super::DIGIT) as u8,
            }
        } else if code == DUE {
            Place::Due
        } else {
            Place::Fired
        }
    }
}

pub(super) struct Entry {
    /// The deadline, [`LIVE`] and the place (see the module doc).
    word: NonZeroU64,
    waker: Option<Waker>,
}

impl Entry {
    /// An entry due at `when` (at most [`MAX_WHEN`]), holding `waker`, in
    /// no list yet (`Fired`).
    #[inline]
    pub(super) fn new(when: u64, waker: Waker) -> Entry {
        debug_assert!(when <= MAX_WHEN, "a deadline past MAX_WHEN");
        Entry {
            word: word((when << WHEN_SHIFT) | FIRED),
            waker: Some(waker),
        }
    }

    #[inline]
    fn bits(&self) -> u64 {
        self.word.get()
    }

    #[inline]
    pub(super) fn when(&self) -> u64 {
        self.bits() >> WHEN_SHIFT
    }

    /// Move the deadline to `when` (at most [`MAX_WHEN`]).
    #[inline]
    pub(super) fn set_when(&mut self, when: u64) {
        debug_assert!(when <= MAX_WHEN, "a deadline past MAX_WHEN");
        self.word = word((when << WHEN_SHIFT) | (self.bits() & PLACE_MASK));
    }

    #[inline]
    pub(super) fn place(&self) -> Place {
        Place::from_code(self.bits() & PLACE_MASK)
    }

    #[inline]
    pub(super) fn is_fired(&self) -> bool {
        self.bits() & PLACE_MASK == FIRED
    }

    #[inline]
    pub(super) fn set_place(&mut self, place: Place) {
        self.word = word((self.bits() & !PLACE_MASK) | place.code());
    }

    /// The place it had, leaving `Fired` (in no list).
    #[inline]
    pub(super) fn take_place(&mut self) -> Place {
        let place = self.place();
        self.word = word(self.bits() | FIRED);
        place
    }

    /// Whether it holds a waker that would wake the same task as `waker`.
    #[inline]
    pub(super) fn will_wake(&self, waker: &Waker) -> bool {
        self.waker.as_ref().is_some_and(|w| w.will_wake(waker))
    }

    /// Hold `waker`; the waker held before, if any.
    #[inline]
    pub(super) fn replace_waker(&mut self, waker: Waker) -> Option<Waker> {
        self.waker.replace(waker)
    }

    /// Give the waker up, if it holds one.
    #[inline]
    pub(super) fn take_waker(&mut self) -> Option<Waker> {
        self.waker.take()
    }

    /// The waker it holds, if any, as the entry is freed.
    #[inline]
    pub(super) fn into_waker(self) -> Option<Waker> {
        self.waker
    }
}

/// `bits` with [`LIVE`] set, as the word it is.
#[inline]
fn word(bits: u64) -> NonZeroU64 {
    match NonZeroU64::new(bits | LIVE) {
        Some(word) => word,
        None => unreachable!("LIVE is set"),
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
    fn the_deadline_and_the_place_keep_to_their_bits() {
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
