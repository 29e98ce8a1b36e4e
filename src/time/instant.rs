//! `Instant`: a point on the loop's clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

use crate::runtime::context;

/// A point in time on the loop's clock (≙ `loop.time()`), which is virtual
/// when the runtime was built with
/// [`paused_clock(true)`](crate::Builder::paused_clock).
///
/// It wraps [`std::time::Instant`] and converts to and from it
/// ([`from_std`](Self::from_std), [`into_std`](Self::into_std)). Outside a
/// runtime, [`Instant::now`] is the real time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use uniloop::time::Instant;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = Instant::now();
///     uniloop::sleep(Duration::from_secs(3600)).await; // no real waiting
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(std::time::Instant);

impl Instant {
    /// The current time on the running loop's clock, or the real time
    /// outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// let before = uniloop::time::Instant::now();
    /// assert!(uniloop::time::Instant::now() >= before);
    /// ```
    pub fn now() -> Instant {
        let now = context::with_current(|core| core.time().clock.now());
        Instant(now.unwrap_or_else(std::time::Instant::now))
    }

    /// The same point as a [`std::time::Instant`].
    ///
    /// # Examples
    ///
    /// ```
    /// let now = uniloop::time::Instant::now();
    /// assert_eq!(uniloop::time::Instant::from_std(now.into_std()), now);
    /// ```
    pub fn from_std(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }

    /// The same point as a [`std::time::Instant`]. Under a paused clock it
    /// is the virtual time, which does not follow the real clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let std_now: std::time::Instant = uniloop::time::Instant::now().into_std();
    /// # let _ = std_now;
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.0
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use uniloop::time::Instant;
    ///
    /// let a = Instant::now();
    /// let b = a + Duration::from_secs(2);
    /// assert_eq!(b.duration_since(a), Duration::from_secs(2));
    /// assert_eq!(a.duration_since(b), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use uniloop::time::Instant;
    ///
    /// let a = Instant::now();
    /// let b = a + Duration::from_secs(2);
    /// assert_eq!(a.checked_duration_since(b), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_duration_since(earlier.0)
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later
    /// (the same as [`duration_since`](Self::duration_since), named as in
    /// std and tokio).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use uniloop::time::Instant;
    ///
    /// let a = Instant::now();
    /// assert_eq!(a.saturating_duration_since(a + Duration::from_secs(1)), Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }

    /// The time since `self` on the loop's clock ([`Instant::now`] `-
    /// self`, zero if `self` is later).
    ///
    /// # Examples
    ///
    /// ```
    /// let start = uniloop::time::Instant::now();
    /// assert!(start.elapsed() < std::time::Duration::from_secs(60));
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let now = uniloop::time::Instant::now();
    /// assert!(now.checked_add(Duration::MAX).is_none());
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self - duration`, or `None` on overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let now = uniloop::time::Instant::now();
    /// assert!(now.checked_sub(Duration::MAX).is_none());
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(instant: std::time::Instant) -> Instant {
        Instant(instant)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.0
    }
}

/// # Panics
///
/// On overflow, as `std::time::Instant` does; use
/// [`Instant::checked_add`] to avoid it.
impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, duration: Duration) -> Instant {
        Instant(self.0 + duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

/// # Panics
///
/// On overflow, as `std::time::Instant` does; use
/// [`Instant::checked_sub`] to avoid it.
impl Sub<Duration> for Instant {
    type Output = Instant;

    fn sub(self, duration: Duration) -> Instant {
        Instant(self.0 - duration)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

/// The time between two instants, zero if `earlier` is later (as
/// [`Instant::duration_since`]).
impl Sub<Instant> for Instant {
    type Output = Duration;

    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
