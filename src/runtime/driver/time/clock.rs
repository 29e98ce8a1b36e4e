//! The loop's clock: real (`std::time::Instant::now`) or paused (virtual).
//!
//! # Invariants
//!
//! - Time never goes backwards: the paused clock only moves forwards
//!   (`advance_to` ignores earlier instants), and the real clock is
//!   monotonic.
//! - Ticks are whole milliseconds since `start`. A deadline is rounded
//!   *up* to its tick and "now" *down*, so a timer that fires at tick `t`
//!   (once `now_tick() >= t`) never fires before its deadline.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// How far ahead "never" is: a deadline that would overflow `Instant` (say
/// `now + Duration::MAX`) becomes `now + FAR_FUTURE`, about 30 years (as
/// tokio does).
pub(crate) const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// The furthest the paused clock can be advanced from its start, about
/// 1 000 years, so that virtual instants never overflow.
const MAX_VIRTUAL: Duration = Duration::from_secs(86_400 * 365 * 1_000);

/// The largest tick; later deadlines are clamped to it (it is ~570 000
/// years after the clock's start), and the wheel packs ticks in 54 bits.
pub(super) const MAX_TICK: u64 = u64::MAX >> 10;

pub(crate) struct Clock {
    start: Instant,
    /// `Some(time since start)` when paused.
    virtual_elapsed: Option<Cell<Duration>>,
}

impl Clock {
    pub(crate) fn new(paused: bool) -> Clock {
        Clock {
            start: Instant::now(),
            virtual_elapsed: paused.then(|| Cell::new(Duration::ZERO)),
        }
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.virtual_elapsed.is_some()
    }

    pub(crate) fn now(&self) -> Instant {
        match &self.virtual_elapsed {
            None => Instant::now(),
            Some(elapsed) => self.start + elapsed.get(),
        }
    }

    /// `now + duration`, or [`FAR_FUTURE`] from now if that overflows.
    pub(crate) fn deadline_after(&self, duration: Duration) -> Instant {
        let now = self.now();
        now.checked_add(duration)
            .unwrap_or_else(|| now + FAR_FUTURE)
    }

    /// The whole milliseconds elapsed, rounded down.
    pub(crate) fn now_tick(&self) -> u64 {
        let elapsed = self.now().saturating_duration_since(self.start);
        millis(elapsed, 0)
    }

    /// The tick at which a timer for `deadline` fires: its offset from the
    /// start in milliseconds, rounded up. Deadlines before the start are
    /// tick 0.
    pub(crate) fn tick_of(&self, deadline: Instant) -> u64 {
        let offset = deadline.saturating_duration_since(self.start);
        millis(offset, 999_999)
    }

    /// The instant at which `tick` begins.
    pub(crate) fn instant_of(&self, tick: u64) -> Instant {
        let offset = Duration::from_millis(tick);
        self.start
            .checked_add(offset)
            .unwrap_or_else(|| self.start + MAX_VIRTUAL)
    }

    /// Move the paused clock forward by `duration` (saturating about 1 000
    /// years after its start). The caller checks that it is paused.
    pub(crate) fn advance(&self, duration: Duration) {
        if let Some(elapsed) = &self.virtual_elapsed {
            elapsed.set(elapsed.get().saturating_add(duration).min(MAX_VIRTUAL));
        }
    }

    /// Move the paused clock forward to `instant`, if that is later.
    pub(crate) fn advance_to(&self, instant: Instant) {
        if let Some(elapsed) = &self.virtual_elapsed {
            let target = instant
                .saturating_duration_since(self.start)
                .min(MAX_VIRTUAL);
            if target > elapsed.get() {
                elapsed.set(target);
            }
        }
    }
}

/// `duration` in milliseconds, adding `round_nanos` to the sub-millisecond
/// part first (0 rounds down, 999 999 rounds up), clamped to `MAX_TICK`.
fn millis(duration: Duration, round_nanos: u32) -> u64 {
    let sub = (u64::from(duration.subsec_nanos()) + u64::from(round_nanos)) / 1_000_000;
    duration
        .as_secs()
        .checked_mul(1_000)
        .and_then(|ms| ms.checked_add(sub))
        .map_or(MAX_TICK, |ms| ms.min(MAX_TICK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_round_up_and_now_rounds_down() {
        let clock = Clock::new(true);
        let at = |nanos| clock.start + Duration::from_nanos(nanos);
        assert_eq!(clock.tick_of(at(0)), 0);
        assert_eq!(clock.tick_of(at(1)), 1);
        assert_eq!(clock.tick_of(at(1_000_000)), 1);
        assert_eq!(clock.tick_of(at(1_000_001)), 2);
        clock.advance(Duration::from_nanos(1_999_999));
        assert_eq!(clock.now_tick(), 1);
        assert_eq!(clock.instant_of(2), at(2_000_000));
    }

    #[test]
    fn huge_durations_saturate() {
        let clock = Clock::new(true);
        let far = clock.deadline_after(Duration::MAX);
        assert_eq!(far, clock.start + FAR_FUTURE);
        assert!(clock.tick_of(far) < MAX_TICK);
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), clock.start + MAX_VIRTUAL);
        assert_eq!(millis(Duration::MAX, 999_999), MAX_TICK);
    }

    #[test]
    fn the_paused_clock_never_goes_back() {
        let clock = Clock::new(true);
        clock.advance_to(clock.start + Duration::from_secs(5));
        clock.advance_to(clock.start + Duration::from_secs(1));
        assert_eq!(clock.now(), clock.start + Duration::from_secs(5));
        clock.advance_to(clock.start - Duration::from_secs(0));
        assert_eq!(clock.now_tick(), 5_000);
    }
}
