//! `Interval`: ticks at a fixed period.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

use super::timer::{Object, Timer};
use super::Instant;
use crate::runtime::driver::time::FAR_FUTURE;

/// A tick this late or later counts as missed (as tokio's).
const TOLERANCE: Duration = Duration::from_millis(5);

/// An [`Interval`] whose first tick completes at once and then every
/// `period` (≙ tokio's `interval`; asyncio has no twin: a loop of
/// `asyncio.sleep` drifts, an interval does not).
///
/// # Panics
///
/// - If `period` is zero: "uniloop::time::interval(): the period must be
///   non-zero" (a zero period would tick forever without yielding).
/// - Outside a uniloop runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = uniloop::time::now();
///     let mut every = uniloop::time::interval(Duration::from_millis(10));
///     for n in 0..3 {
///         let tick = every.tick().await;
///         assert_eq!(tick - start, Duration::from_millis(10 * n));
///     }
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    new_interval("time::interval", Instant::now(), period)
}

/// An [`Interval`] whose first tick completes at `start`, then every
/// `period`.
///
/// # Panics
///
/// - If `period` is zero: "uniloop::time::interval_at(): the period must be
///   non-zero".
/// - Outside a uniloop runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = uniloop::time::now() + Duration::from_secs(1);
///     let mut every = uniloop::time::interval_at(start, Duration::from_secs(1));
///     assert_eq!(every.tick().await, start);
///     assert_eq!(uniloop::time::now(), start);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    new_interval("time::interval_at", start, period)
}

#[track_caller]
fn new_interval(function: &str, start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "uniloop::{function}(): the period must be non-zero"
    );
    Interval {
        timer: Timer::at(function, Object::Interval, start.into_std()),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed because the task was
/// not polled in time (tokio's three behaviours, with tokio's meaning). A
/// tick counts as missed when it completes 5 ms or more after its
/// scheduled time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use uniloop::time::MissedTickBehavior;
///
/// uniloop::run(async {
///     let mut every = uniloop::time::interval(Duration::from_secs(1));
///     every.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
/// });
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MissedTickBehavior {
    /// Catch up: the missed ticks complete at once, one after the other,
    /// then the original schedule resumes (the default).
    #[default]
    Burst,
    /// Start again from now: the next tick is one period after the late
    /// one completed, and the schedule shifts.
    Delay,
    /// Drop the missed ticks: the next tick is the next one of the original
    /// schedule that is still in the future.
    Skip,
}

impl MissedTickBehavior {
    /// The tick after the one scheduled for `scheduled`, which completed
    /// late, at `now`.
    fn next(
        self,
        scheduled: std::time::Instant,
        now: std::time::Instant,
        period: Duration,
    ) -> std::time::Instant {
        let next = match self {
            MissedTickBehavior::Burst => scheduled.checked_add(period),
            MissedTickBehavior::Delay => now.checked_add(period),
            MissedTickBehavior::Skip => {
                let late = now.saturating_duration_since(scheduled).as_nanos();
                let into_period = (late % period.as_nanos()) as u64;
                now.checked_add(period - Duration::from_nanos(into_period))
            }
        };
        next.unwrap_or_else(|| now + FAR_FUTURE)
    }
}

/// Ticks every period; made by [`interval`] or [`interval_at`]. Also a
/// [`Stream`] of its ticks.
///
/// Each tick completes with the instant it was scheduled for. If the task
/// falls behind, the [`MissedTickBehavior`] decides what follows.
///
/// # Panics
///
/// Polled after its runtime was dropped: "uniloop::time::Interval polled
/// after its runtime was dropped".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = uniloop::time::now();
///     let mut every = uniloop::time::interval(Duration::from_secs(1));
///     every.tick().await;
///     uniloop::sleep(Duration::from_millis(2500)).await; // misses 2 ticks
///     // The missed ticks complete at once (Burst, the default)...
///     assert_eq!(every.tick().await - start, Duration::from_secs(1));
///     assert_eq!(every.tick().await - start, Duration::from_secs(2));
///     assert_eq!(uniloop::time::now() - start, Duration::from_millis(2500));
///     // ...then the schedule resumes.
///     assert_eq!(every.tick().await - start, Duration::from_secs(3));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Interval {
    timer: Timer,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Wait for the next tick and return the instant it was scheduled
    /// for.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a tick is consumed only when `tick` completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let mut every = uniloop::time::interval(Duration::from_secs(1));
    ///     let first = every.tick().await;
    ///     assert_eq!(every.tick().await - first, Duration::from_secs(1));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Poll for the next tick: `Ready` with its scheduled instant once it
    /// has come, otherwise the task is woken when it does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// uniloop::run(async {
    ///     let mut every = uniloop::time::interval(std::time::Duration::from_secs(1));
    ///     poll_fn(|cx| every.poll_tick(cx)).await; // the first tick is immediate
    /// });
    /// ```
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.timer.poll_elapsed(cx).is_pending() {
            return Poll::Pending;
        }
        let scheduled = self.timer.deadline();
        let now = self.timer.driver().clock.now();
        let next = if now >= scheduled + TOLERANCE {
            self.missed_tick_behavior.next(scheduled, now, self.period)
        } else {
            scheduled
                .checked_add(self.period)
                .unwrap_or_else(|| now + FAR_FUTURE)
        };
        self.timer.reset(next);
        Poll::Ready(Instant::from_std(scheduled))
    }

    /// Restart the schedule: the next tick is one period from now.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let mut every = uniloop::time::interval(Duration::from_secs(1));
    ///     every.reset(); // no immediate first tick now
    ///     let start = uniloop::time::now();
    ///     every.tick().await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reset(&mut self) {
        self.reset_after(self.period);
    }

    /// Make the next tick complete at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let mut every = uniloop::time::interval(Duration::from_secs(1));
    ///     every.tick().await;
    ///     every.reset_immediately();
    ///     let start = uniloop::time::now();
    ///     every.tick().await;
    ///     assert_eq!(uniloop::time::now(), start);
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reset_immediately(&mut self) {
        self.reset_after(Duration::ZERO);
    }

    /// Make the next tick come `after` from now, then every period.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let mut every = uniloop::time::interval(Duration::from_secs(1));
    ///     every.reset_after(Duration::from_secs(5));
    ///     let start = uniloop::time::now();
    ///     every.tick().await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(5));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reset_after(&mut self, after: Duration) {
        let next = self.timer.driver().clock.deadline_after(after);
        self.timer.reset(next);
    }

    /// Make the next tick come at `deadline`, then every period.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let mut every = uniloop::time::interval(Duration::from_secs(1));
    ///     let at = uniloop::time::now() + Duration::from_millis(300);
    ///     every.reset_at(at);
    ///     assert_eq!(every.tick().await, at);
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reset_at(&mut self, deadline: Instant) {
        self.timer.reset(deadline.into_std());
    }

    /// The period.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// uniloop::run(async {
    ///     let every = uniloop::time::interval(Duration::from_secs(2));
    ///     assert_eq!(every.period(), Duration::from_secs(2));
    /// });
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::time::MissedTickBehavior;
    ///
    /// uniloop::run(async {
    ///     let every = uniloop::time::interval(std::time::Duration::from_secs(1));
    ///     assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// });
    /// ```
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Choose what happens to missed ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use uniloop::time::MissedTickBehavior;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let start = uniloop::time::now();
    ///     let mut every = uniloop::time::interval(Duration::from_secs(1));
    ///     every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ///     every.tick().await;
    ///     uniloop::sleep(Duration::from_millis(2500)).await;
    ///     // The late tick completes at once; the next is a period later.
    ///     assert_eq!(every.tick().await - start, Duration::from_secs(1));
    ///     assert_eq!(every.tick().await - start, Duration::from_millis(3500));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }
}

impl Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

/// An interval never ends: `select!` may poll it in every round.
impl futures_core::stream::FusedStream for Interval {
    fn is_terminated(&self) -> bool {
        false
    }
}
