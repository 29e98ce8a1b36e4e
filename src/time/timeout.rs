//! `timeout` and `timeout_at`: a deadline around a future.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::timer::Timer;
use super::Instant;

/// Run `future` for at most `duration` (≙ `asyncio.timeout(delay)` and
/// `asyncio.wait_for(aw, timeout)`): `Ok(output)` if it completes in time,
/// `Err(Elapsed)` otherwise, in which case `future` is dropped (cancelled)
/// when the `Timeout` is.
///
/// As with `asyncio.timeout`, the time counts from the first poll (the
/// `.await`), not from the call. `future` is polled before the deadline is
/// checked, so a future that is ready at once always gives `Ok`, even with
/// `Duration::ZERO`; a future that is pending then gives `Err` at once. A
/// duration too large for the clock (`Duration::MAX`) means about 30 years.
///
/// # Cancel safety
///
/// As cancel safe as `future`: dropping the `Timeout` drops `future` and
/// frees the timer.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::timeout() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let quick = uniloop::timeout(Duration::from_secs(1), async { "done" });
///     assert_eq!(quick.await, Ok("done"));
///
///     let slow = uniloop::timeout(Duration::from_secs(1), std::future::pending::<()>());
///     assert!(slow.await.is_err());
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        future,
        timer: Timer::after("timeout", "Timeout", duration),
    }
}

/// Run `future` until `deadline` at the latest (≙ `asyncio.timeout_at`).
/// A deadline that has passed still polls `future` once.
///
/// # Cancel safety
///
/// As cancel safe as `future`: dropping the `Timeout` drops `future` and
/// frees the timer.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::timeout_at() called outside a
/// uniloop runtime".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let deadline = uniloop::time::now() + Duration::from_millis(100);
///     let nap = uniloop::sleep(Duration::from_secs(1));
///     assert!(uniloop::timeout_at(deadline, nap).await.is_err());
///     assert_eq!(uniloop::time::now(), deadline);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        timer: Timer::at("timeout_at", "Timeout", deadline.into_std()),
    }
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`]: the output of
    /// the inner future, or [`Elapsed`].
    ///
    /// # Panics
    ///
    /// Polled after its runtime was dropped: "uniloop::time::Timeout polled
    /// after its runtime was dropped".
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let start = uniloop::time::now();
    ///     let mut limited = pin!(uniloop::timeout(
    ///         Duration::from_secs(10),
    ///         std::future::pending::<()>(),
    ///     ));
    ///     limited.as_mut().reschedule(start + Duration::from_secs(2));
    ///     assert!(limited.await.is_err());
    ///     assert_eq!(start.elapsed(), Duration::from_secs(2));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use = "futures do nothing unless you .await or poll them"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        timer: Timer,
    }
}

impl<F> Timeout<F> {
    /// The deadline. For a [`timeout`] not yet polled, this starts its time
    /// now.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let limited = uniloop::timeout(Duration::from_secs(3), async {});
    ///     assert_eq!(limited.deadline(), uniloop::time::now() + Duration::from_secs(3));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn deadline(&self) -> Instant {
        Instant::from_std(self.timer.deadline())
    }

    /// Move the deadline, earlier or later (≙ `asyncio.Timeout.reschedule`).
    /// A deadline that has passed makes the next poll give `Err(Elapsed)`
    /// unless the inner future is ready. `Timeout` is `Unpin` when `F` is;
    /// otherwise pin it first (`std::pin::pin!`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::Pin;
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let start = uniloop::time::now();
    ///     let mut limited = uniloop::timeout(Duration::from_secs(1), uniloop::sleep(Duration::from_secs(5)));
    ///     Pin::new(&mut limited).reschedule(start + Duration::from_secs(10));
    ///     assert!(limited.await.is_ok());
    ///     assert_eq!(start.elapsed(), Duration::from_secs(5));
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reschedule(self: Pin<&mut Self>, deadline: Instant) {
        self.project().timer.reset(deadline.into_std());
    }

    /// The inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let limited = uniloop::timeout(std::time::Duration::from_secs(1), std::future::ready(7));
    ///     assert!(limited.get_ref().clone().await == 7);
    /// });
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The inner future, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let mut limited = uniloop::timeout(std::time::Duration::from_secs(1), std::future::ready(7));
    ///     let _inner: &mut std::future::Ready<i32> = limited.get_mut();
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// The inner future, without the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let limited = uniloop::timeout(std::time::Duration::from_secs(1), async { 7 });
    ///     assert_eq!(limited.into_inner().await, 7);
    /// });
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        this.timer.poll_elapsed(cx).map(|()| Err(Elapsed(())))
    }
}

impl<F: fmt::Debug> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("future", &self.future)
            .field("timer", &self.timer)
            .finish()
    }
}

/// The error of a [`Timeout`] whose deadline passed first (≙
/// `TimeoutError`). It converts into an [`io::Error`] of kind `TimedOut`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// let err = rt
///     .block_on(async { uniloop::timeout(Duration::ZERO, std::future::pending::<()>()).await })
///     .unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::TimedOut);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(elapsed: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, elapsed)
    }
}
