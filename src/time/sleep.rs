//! `sleep` and `sleep_until`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::future::FusedFuture;

use super::timer::{Object, Timer};
use super::Instant;

/// Wait for `duration` (≙ `await asyncio.sleep(seconds)`).
///
/// As with `asyncio.sleep`, the time counts from the first poll (the
/// `.await`), not from the call. The loop's timers have millisecond
/// resolution: the sleep ends at the first millisecond tick at or after its
/// deadline, never before it. `Duration::ZERO` yields once to the other
/// ready tasks, as `asyncio.sleep(0)` does; a duration too large for the
/// clock (such as `Duration::MAX`) sleeps for about 30 years.
///
/// Under a [paused clock](crate::Builder::paused_clock), the sleep ends as
/// soon as nothing else can run: the clock jumps to its deadline.
///
/// # Cancel safety
///
/// Cancel safe: dropping the `Sleep` removes its timer and frees its entry.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::sleep() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = uniloop::time::now();
///     uniloop::sleep(Duration::from_millis(250)).await;
///     assert_eq!(start.elapsed(), Duration::from_millis(250));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        timer: Timer::after("sleep", Object::Sleep, duration),
        polled: false,
        done: false,
    }
}

/// Wait until `deadline` (≙ `await asyncio.sleep(when - loop.time())`). A deadline that
/// has passed yields once, as [`sleep`]`(Duration::ZERO)` does.
///
/// # Cancel safety
///
/// Cancel safe: dropping the `Sleep` removes its timer and frees its entry.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::sleep_until() called outside a
/// uniloop runtime".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let deadline = uniloop::time::now() + Duration::from_secs(5);
///     uniloop::sleep_until(deadline).await;
///     assert_eq!(uniloop::time::now(), deadline);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        timer: Timer::at("sleep_until", Object::Sleep, deadline.into_std()),
        polled: false,
        done: false,
    }
}

/// The future returned by [`sleep`] and [`sleep_until`]. It is `Unpin`, so
/// it can be polled through `&mut` and reused with [`reset`](Self::reset).
///
/// A `Sleep` belongs to the runtime it was created on, and its deadline is
/// measured on that runtime's clock.
///
/// # Panics
///
/// Polled after its runtime was dropped (no clock runs for it any more):
/// "uniloop::time::Sleep polled after its runtime was dropped".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let mut nap = uniloop::sleep(Duration::from_secs(1));
///     (&mut nap).await;
///     assert!(nap.is_elapsed());
///     nap.reset(uniloop::time::now() + Duration::from_secs(1));
///     assert!(!nap.is_elapsed());
///     nap.await;
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Sleep {
    timer: Timer,
    /// Whether it was polled before: a first poll that finds the deadline
    /// passed yields once instead of completing.
    polled: bool,
    /// It returned `Ready` (and has not been reset since): for
    /// `FusedFuture`, so `select!` skips it.
    done: bool,
}

impl Sleep {
    /// The instant the sleep ends. For a [`sleep`] not yet polled, this
    /// starts its time now.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let nap = uniloop::sleep(Duration::from_secs(2));
    ///     assert_eq!(nap.deadline(), uniloop::time::now() + Duration::from_secs(2));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn deadline(&self) -> Instant {
        Instant::from_std(self.timer.deadline())
    }

    /// Whether the deadline has passed.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// uniloop::run(async {
    ///     assert!(uniloop::sleep(Duration::ZERO).is_elapsed());
    ///     assert!(!uniloop::sleep(Duration::from_secs(60)).is_elapsed());
    /// });
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.timer.is_elapsed()
    }

    /// Move the deadline to `deadline`, earlier or later, whether or not
    /// the sleep has ended; a task waiting on it is woken at the new
    /// deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let start = uniloop::time::now();
    ///     let mut nap = uniloop::sleep(Duration::from_secs(60));
    ///     nap.reset(start + Duration::from_secs(1));
    ///     nap.await;
    ///     assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.timer.reset(deadline.into_std());
        self.done = false;
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let first = !this.polled;
        this.polled = true;
        match this.timer.poll_elapsed(cx) {
            Poll::Ready(()) if first => {
                // Already due at the first poll: yield once, as
                // `asyncio.sleep(0)` does.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(()) => {
                this.done = true;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Terminated once it returned `Ready`, until [`reset`](Sleep::reset).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures_core::future::FusedFuture;
///
/// uniloop::run(async {
///     let mut nap = uniloop::sleep(Duration::from_millis(1));
///     assert!(!nap.is_terminated());
///     (&mut nap).await;
///     assert!(nap.is_terminated());
/// });
/// ```
impl FusedFuture for Sleep {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("timer", &self.timer).finish()
    }
}
