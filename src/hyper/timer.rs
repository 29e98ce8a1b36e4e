//! `HyperTimer` and its `HyperSleep`: hyper's timeouts on the loop's
//! clock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::thread_bound::ThreadBound;
use crate::time::Sleep;

/// hyper's [`Timer`](::hyper::rt::Timer) on the current loop's clock (≙
/// hyper-util's `TokioTimer`): give it to a connection builder's `timer`
/// to enable hyper's timeouts (`header_read_timeout`, HTTP/2 keep-alive
/// pings, the client pool's idle timeout).
///
/// Its `now` is the loop's clock ([`uniloop::time::now`](crate::time::now)),
/// so under a [paused clock](crate::Builder::paused_clock) hyper's
/// timeouts run on virtual time and fire as soon as the loop has nothing
/// else to do. Its sleeps are [`HyperSleep`]s; `reset` moves one in place
/// (no new allocation per request for the header-read timeout).
///
/// # Panics
///
/// `sleep` and `sleep_until` outside a uniloop runtime: "uniloop::sleep()
/// called outside a uniloop runtime" (or `sleep_until()`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer;
/// use uniloop::hyper::HyperTimer;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = HyperTimer.now();
///     HyperTimer.sleep(Duration::from_secs(30)).await; // virtual time
///     assert_eq!(HyperTimer.now() - start, Duration::from_secs(30));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperTimer;

impl HyperTimer {
    /// A `HyperTimer` (it holds nothing; the type is a unit struct).
    ///
    /// # Examples
    ///
    /// ```
    /// let _timer = uniloop::hyper::HyperTimer::new();
    /// ```
    pub fn new() -> HyperTimer {
        HyperTimer
    }
}

impl ::hyper::rt::Timer for HyperTimer {
    #[track_caller]
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        let sleep = crate::time::sleep(duration);
        // hyper counts from now, not from the first poll: start it.
        let _ = sleep.deadline();
        Box::pin(HyperSleep::new(sleep))
    }

    #[track_caller]
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        let sleep = crate::time::sleep_until(crate::time::Instant::from_std(deadline));
        Box::pin(HyperSleep::new(sleep))
    }

    fn now(&self) -> Instant {
        crate::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(ours) => ours.get_mut().reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// The sleep of a [`HyperTimer`]: a [`uniloop::time::Sleep`](Sleep) that
/// is `Send + Sync`, as hyper's [`Sleep`](::hyper::rt::Sleep) trait
/// requires.
///
/// # Why `Send + Sync` is sound
///
/// A uniloop `Sleep` holds its loop's clock through an `Rc`, so it must
/// stay on the loop's thread. hyper asks for `Send + Sync` because its
/// timers may serve multi-threaded runtimes; on uniloop its connections,
/// and so their sleeps, stay on the loop's thread. A `HyperSleep` checks
/// that this holds: polling it, resetting it, reading its deadline or
/// dropping it on any thread but the one that created it **panics** before
/// the inner `Sleep` is touched (a drop there leaks the `Sleep` instead,
/// and panics unless the thread is already panicking). So the `Rc` is never
/// used off its thread, whichever thread the box travels to.
///
/// # Cancel safety
///
/// Cancel safe: dropping it removes its timer.
///
/// # Panics
///
/// Used or dropped on a thread other than the one that created it:
/// "uniloop::hyper::HyperSleep used on a thread other than the one it was
/// created on". Polled after its runtime was dropped, as a `Sleep`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer;
/// use uniloop::hyper::{HyperSleep, HyperTimer};
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = HyperTimer.now();
///     let mut sleep = HyperTimer.sleep(Duration::from_secs(60));
///     assert!(sleep.as_mut().downcast_mut_pin::<HyperSleep>().is_some());
///     HyperTimer.reset(&mut sleep, start + Duration::from_secs(2));
///     sleep.await;
///     assert_eq!(HyperTimer.now() - start, Duration::from_secs(2));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct HyperSleep {
    sleep: ThreadBound<Sleep>,
}

impl HyperSleep {
    fn new(sleep: Sleep) -> HyperSleep {
        HyperSleep {
            sleep: ThreadBound::new(sleep, "uniloop::hyper::HyperSleep"),
        }
    }

    /// The instant it ends, on the loop's clock.
    ///
    /// # Panics
    ///
    /// Off the thread that created it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::rt::Timer;
    /// use uniloop::hyper::{HyperSleep, HyperTimer};
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let mut sleep = HyperTimer.sleep(Duration::from_secs(5));
    ///     let ours = sleep.as_mut().downcast_mut_pin::<HyperSleep>().unwrap();
    ///     assert_eq!(ours.deadline(), HyperTimer.now() + Duration::from_secs(5));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn deadline(&self) -> Instant {
        self.sleep.get().deadline().into_std()
    }

    /// Move the deadline, earlier or later, whether or not it has ended
    /// (what [`HyperTimer`]'s `reset` does).
    ///
    /// # Panics
    ///
    /// Off the thread that created it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use hyper::rt::Timer;
    /// use uniloop::hyper::{HyperSleep, HyperTimer};
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let start = HyperTimer.now();
    ///     let mut sleep = HyperTimer.sleep(Duration::ZERO);
    ///     sleep.as_mut().downcast_mut_pin::<HyperSleep>().unwrap()
    ///         .get_mut()
    ///         .reset(start + Duration::from_secs(7));
    ///     sleep.await;
    ///     assert_eq!(HyperTimer.now() - start, Duration::from_secs(7));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn reset(&mut self, deadline: Instant) {
        self.sleep
            .get_mut()
            .reset(crate::time::Instant::from_std(deadline));
    }
}

impl Future for HyperSleep {
    type Output = ();

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(self.get_mut().sleep.get_mut()).poll(cx)
    }
}

impl ::hyper::rt::Sleep for HyperSleep {}

impl fmt::Debug for HyperSleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HyperSleep").field(&self.sleep).finish()
    }
}
