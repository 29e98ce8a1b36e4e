//! The time driver: the loop's clock and its timing wheel, and what the
//! loop does with them between batches of tasks. The public layer
//! (`sleep`, `timeout`, `interval`, `call_later`) holds [`Timer`]s, each
//! an entry here (`crate::time::Timer`).
//!
//! [`Timer`]: crate::time::Timer
//!
//! # Ground rules
//!
//! - The wheel is borrowed only inside the methods below, never while user
//!   code runs: wakers are collected, the borrow released, then they are
//!   woken (and a replaced waker is dropped after the borrow too, since a
//!   foreign waker's destructor is user code).
//! - A wheel entry belongs to exactly one [`Timer`](super::timer::Timer),
//!   which alone removes it (when it has fired and been seen, or on drop).

mod clock;
mod wheel;

use std::cell::{Cell, RefCell};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

pub(crate) use clock::{Clock, FAR_FUTURE};
pub(crate) use wheel::Key;

use crate::util::wake_batch::WakeBatch;
use wheel::Wheel;

// The wheel packs a deadline into `MAX_WHEN`'s bits: every tick the clock
// gives must fit.
const _: () = assert!(clock::MAX_TICK <= wheel::MAX_WHEN);

pub(crate) struct Driver {
    pub(crate) clock: Clock,
    wheel: RefCell<Wheel>,
    /// Its runtime was dropped: nothing fires its timers any more.
    closed: Cell<bool>,
}

impl Driver {
    pub(crate) fn new(paused: bool) -> Driver {
        Driver {
            clock: Clock::new(paused),
            wheel: RefCell::new(Wheel::new()),
            closed: Cell::new(false),
        }
    }

    /// Its runtime is gone: a timer polled from now on panics (see
    /// `Timer::poll_elapsed`) instead of waiting forever.
    pub(crate) fn close(&self) {
        self.closed.set(true);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Timers waiting to fire.
    pub(crate) fn pending(&self) -> usize {
        self.wheel.borrow().pending()
    }

    /// Wheel entries held (pending or fired but not yet seen) and the
    /// slab's capacity.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> (usize, usize) {
        let wheel = self.wheel.borrow();
        (wheel.slots_used(), wheel.capacity())
    }

    /// When the loop next has timer work to do, if any timer is pending.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let tick = self.wheel.borrow().next_deadline()?;
        Some(self.clock.instant_of(tick))
    }

    /// Fire every timer whose deadline has passed, waking its task.
    pub(crate) fn fire_expired(&self) {
        if self.pending() > 0 {
            self.fire(self.clock.now_tick());
        }
    }

    /// Move the paused clock forward by `duration` and fire what is due.
    pub(crate) fn advance(&self, duration: Duration) {
        self.clock.advance(duration);
        self.fire(self.clock.now_tick());
    }

    fn fire(&self, now: u64) {
        let mut wakers = WakeBatch::new();
        {
            let mut wheel = self.wheel.borrow_mut();
            while let Some(waker) = wheel.poll(now) {
                wakers.push(Some(waker));
            }
        }
        wakers.wake();
    }

    /// Whether the next timer is due now (fired by the next
    /// `fire_expired` without moving the clock).
    pub(crate) fn is_due(&self, deadline: Instant) -> bool {
        deadline <= self.clock.now()
    }

    /// Register a timer for `deadline` that wakes `waker`, or `None` if
    /// the deadline has passed.
    pub(crate) fn register(&self, deadline: Instant, waker: &Waker) -> Option<Key> {
        if deadline <= self.clock.now() {
            return None;
        }
        Some(self.insert(deadline, waker))
    }

    /// Register a timer for `deadline`, which the caller knows to be after
    /// the current time.
    pub(crate) fn insert(&self, deadline: Instant, waker: &Waker) -> Key {
        let tick = self.clock.tick_of(deadline);
        let inserted = self.wheel.borrow_mut().insert(tick, waker.clone());
        // A deadline after `now` has a tick after the wheel's `elapsed`
        // (see the clock's rounding), so insertion cannot be refused.
        inserted.unwrap_or_else(|_| unreachable!("a timer after now is due already"))
    }

    /// `Ready` once the timer at `key` has fired, which frees its entry;
    /// otherwise `waker` is stored to be woken when it fires.
    pub(crate) fn poll_entry(&self, key: Key, waker: &Waker) -> Poll<()> {
        let mut wheel = self.wheel.borrow_mut();
        if wheel.is_fired(key) {
            let old = wheel.remove(key);
            drop(wheel);
            drop(old);
            Poll::Ready(())
        } else {
            let old = wheel.set_waker(key, waker);
            drop(wheel);
            drop(old);
            Poll::Pending
        }
    }

    /// Whether the timer at `key` has fired.
    pub(crate) fn is_fired(&self, key: Key) -> bool {
        self.wheel.borrow().is_fired(key)
    }

    /// Move the timer at `key` to `deadline` (armed again if it had
    /// fired); a deadline that has passed fires at the loop's next turn.
    pub(crate) fn reset(&self, key: Key, deadline: Instant) {
        let tick = self.clock.tick_of(deadline);
        self.wheel.borrow_mut().reset(key, tick);
    }

    /// Forget the timer at `key` and free its entry.
    pub(crate) fn deregister(&self, key: Key) {
        let waker = self.wheel.borrow_mut().remove(key);
        drop(waker);
    }
}
