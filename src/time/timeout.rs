//! `timeout`, `timeout_at` and `timeout_never`: a deadline around a
//! future.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::future::FusedFuture;
use pin_project_lite::pin_project;

use super::timer::{Object, Timer};
use super::Instant;
use crate::runtime::task::cancel::{collecting, Cancelling};

/// Run `future` for at most `duration` (≙ `asyncio.timeout(delay)` and
/// `asyncio.wait_for(aw, timeout)`): `Ok(output)` if it completes in time,
/// `Err(Elapsed)` otherwise.
///
/// When the deadline passes, `future` is dropped before `Err(Elapsed)` is
/// returned, and so are the tasks it was awaiting ([`Task`](crate::Task)
/// handles it held): they are cancelled, and `Err(Elapsed)` comes once
/// their cancellation (and their [`on_cancel`](crate::on_cancel)
/// cleanups) completed. So `timeout(d, task)` is `asyncio.wait_for(task,
/// d)`: on expiry the task is cancelled and waited for.
/// ([`shield`](crate::shield) the task to let it run on.)
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
/// ≙ `asyncio.wait_for(task, 1)`: the task is cancelled, and its cleanup
/// has run when the timeout returns.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let cleaned = Rc::new(Cell::new(false));
///     let c = cleaned.clone();
///     let task = uniloop::spawn(uniloop::on_cancel(
///         uniloop::sleep(Duration::from_secs(10)),
///         async move { c.set(true) },
///     ));
///     assert!(uniloop::timeout(Duration::from_secs(1), task).await.is_err());
///     assert!(cleaned.get());
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
///
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
    Timeout::new(future, Timer::after("timeout", Object::Timeout, duration))
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
    Timeout::new(
        future,
        Timer::at("timeout_at", Object::Timeout, deadline.into_std()),
    )
}

/// Run `future` with no deadline yet (≙ `asyncio.timeout(None)`): give it
/// one later with [`Timeout::reschedule`], or take it away again with
/// [`Timeout::clear_deadline`].
///
/// # Cancel safety
///
/// As cancel safe as `future`.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::time::timeout_never() called
/// outside a uniloop runtime".
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
///     let mut limited = pin!(uniloop::time::timeout_never(uniloop::sleep(Duration::from_secs(60))));
///     assert_eq!(limited.when(), None);
///     // Later, once it is known how long the work may take:
///     limited.as_mut().reschedule(start + Duration::from_secs(5));
///     assert!(limited.await.is_err());
///     assert_eq!(start.elapsed(), Duration::from_secs(5));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn timeout_never<F: Future>(future: F) -> Timeout<F> {
    Timeout::new(future, Timer::never("time::timeout_never", Object::Timeout))
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
        // `None` once the deadline passed: dropped, with what it awaited.
        #[pin]
        future: Option<F>,
        timer: Timer,
        // The deadline passed: the tasks the drop cancelled, waited for.
        cancelling: Option<Cancelling>,
        // It returned `Ready` (for `FusedFuture`).
        done: bool,
    }
}

impl<F> Timeout<F> {
    fn new(future: F, timer: Timer) -> Timeout<F> {
        Timeout {
            future: Some(future),
            timer,
            cancelling: None,
            done: false,
        }
    }

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
    ///
    /// # Panics
    ///
    /// If it has no deadline ([`timeout_never`], [`clear_deadline`]):
    /// "uniloop::time::Timeout::deadline() on a timeout with no deadline
    /// (see when())".
    ///
    /// [`clear_deadline`]: Timeout::clear_deadline
    pub fn deadline(&self) -> Instant {
        Instant::from_std(self.timer.deadline())
    }

    /// The deadline, or `None` if it has none (≙ `asyncio.Timeout.when`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// uniloop::run(async {
    ///     let at = uniloop::time::now() + Duration::from_secs(3);
    ///     let limited = uniloop::timeout_at(at, async {});
    ///     assert_eq!(limited.when(), Some(at));
    ///     assert_eq!(uniloop::time::timeout_never(async {}).when(), None);
    /// });
    /// ```
    pub fn when(&self) -> Option<Instant> {
        self.timer.when().map(Instant::from_std)
    }

    /// Take the deadline away: the future runs with no limit until a
    /// [`reschedule`](Timeout::reschedule) (≙ `reschedule(None)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let mut limited = pin!(uniloop::timeout(Duration::from_millis(1), uniloop::sleep(Duration::from_secs(9))));
    ///     limited.as_mut().clear_deadline();
    ///     assert!(limited.await.is_ok());
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn clear_deadline(self: Pin<&mut Self>) {
        self.project().timer.clear();
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
    /// # Panics
    ///
    /// After the deadline passed (the future was dropped): "uniloop::time::Timeout::get_ref() after
    /// its deadline passed".
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
        self.future.as_ref().unwrap_or_else(|| gone("get_ref"))
    }

    /// The inner future, mutably.
    ///
    /// # Panics
    ///
    /// After the deadline passed: "uniloop::time::Timeout::get_mut() after
    /// its deadline passed".
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
        self.future.as_mut().unwrap_or_else(|| gone("get_mut"))
    }

    /// The inner future, without the deadline.
    ///
    /// # Panics
    ///
    /// After the deadline passed: "uniloop::time::Timeout::into_inner()
    /// after its deadline passed".
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
        self.future.unwrap_or_else(|| gone("into_inner"))
    }
}

fn gone(method: &str) -> ! {
    panic!(
        "uniloop::time::Timeout::{method}() after its deadline passed \
         (the future was dropped then)"
    )
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    /// # Panics
    ///
    /// If polled again after it returned `Err(Elapsed)`.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.cancelling.is_none() {
            let this = self.as_mut().project();
            let future = this
                .future
                .as_pin_mut()
                .expect("uniloop::time::Timeout polled after its deadline passed");
            if let Poll::Ready(output) = future.poll(cx) {
                *this.done = true;
                return Poll::Ready(Ok(output));
            }
            std::task::ready!(this.timer.poll_elapsed(cx));
        }
        self.expire(cx)
    }
}

impl<F: Future> Timeout<F> {
    /// The deadline passed: drop the future, and wait for the tasks it
    /// awaited to finish cancelling (asyncio's `wait_for`). Out of line:
    /// the common poll is the future's and the timer's.
    #[cold]
    #[inline(never)]
    fn expire(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<F::Output, Elapsed>> {
        let mut this = self.project();
        if let Some(cancelling) = this.cancelling {
            std::task::ready!(cancelling.poll(cx));
            *this.cancelling = None;
            *this.done = true;
            return Poll::Ready(Err(Elapsed(())));
        }
        let ((), mut cancelling) = collecting(None, || this.future.set(None));
        if cancelling.poll(cx).is_pending() {
            *this.cancelling = Some(cancelling);
            return Poll::Pending;
        }
        *this.done = true;
        Poll::Ready(Err(Elapsed(())))
    }
}

/// Terminated once it returned `Ready` (its future's output, or
/// `Elapsed`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures_core::future::FusedFuture;
///
/// uniloop::run(async {
///     let mut limited = uniloop::timeout(Duration::from_secs(1), std::future::ready(7));
///     assert!(!limited.is_terminated());
///     assert_eq!((&mut limited).await, Ok(7));
///     assert!(limited.is_terminated());
/// });
/// ```
impl<F: Future> FusedFuture for Timeout<F> {
    fn is_terminated(&self) -> bool {
        self.done
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

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

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
