//! Time: the loop's clock and its timers (≙ `asyncio.sleep`,
//! `asyncio.timeout`, `loop.time()`, `loop.call_later`).
//!
//! - [`sleep`], [`sleep_until`]: wait ([`Sleep`]).
//! - [`timeout`], [`timeout_at`]: a deadline around a future
//!   ([`Timeout`], [`Elapsed`]).
//! - [`interval`], [`interval_at`]: ticks at a fixed period ([`Interval`],
//!   [`MissedTickBehavior`]).
//! - [`now`], [`Instant`]: the loop's clock; [`advance`] moves a paused one.
//! - [`call_later`](crate::call_later), [`call_at`](crate::call_at): run a
//!   function at a time.
//!
//! # How timers work
//!
//! The loop owns a hierarchical timing wheel with millisecond ticks (six
//! levels of 64 slots, as tokio's): registering, cancelling and firing a
//! timer are O(1), and a million pending timers are fine. Deadlines are
//! rounded up to the next millisecond, so no timer fires early, and timers
//! due in the same millisecond fire in the order they were registered
//! (first polled). When no task is ready, the loop parks in `epoll` until
//! the next deadline (rounded up to a whole millisecond, never a busy
//! spin). A timer is registered only when its future is first polled and
//! is removed, its memory reused, when the future completes or is dropped.
//!
//! # The paused clock
//!
//! With [`Builder::paused_clock(true)`](crate::Builder::paused_clock) the
//! loop's clock starts frozen and moves only
//! - by [`advance`], or
//! - by **auto-advance**: when no task is ready, the loop first looks for
//!   I/O events and messages from other threads without waiting; if none
//!   made a task ready, the clock jumps to the next timer's deadline.
//!
//! So `sleep(Duration::from_secs(3600))` completes at once, and timeouts
//! fire in a fixed, reproducible order. Tasks that keep themselves busy
//! (never letting the queue empty) keep the clock still.
//!
//! **Real I/O and other threads under a paused clock:** auto-advance does
//! not wait for I/O or cross-thread messages that have not arrived yet
//! (tokio behaves the same). Bytes already in a socket's buffer (a loopback
//! write that returned) are seen before the jump; a reply that is still on
//! the network, or a thread that has not sent yet, loses the race against
//! any pending timer. Use the paused clock for logic and in-process I/O,
//! and the real clock for tests that wait on the outside world.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
//! rt.block_on(async {
//!     let start = uniloop::time::now();
//!     let slow = async {
//!         uniloop::sleep(Duration::from_secs(10)).await;
//!         "slow"
//!     };
//!     let limited = uniloop::timeout(Duration::from_secs(3), slow).await;
//!     assert!(limited.is_err()); // and `slow` was dropped: cancelled
//!     assert_eq!(start.elapsed(), Duration::from_secs(3));
//! });
//! # Ok::<(), std::io::Error>(())
//! ```

mod instant;
mod interval;
mod sleep;
mod timeout;
mod timer;

use std::time::Duration;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout, timeout_at, timeout_never, Elapsed, Timeout};

pub(crate) use timer::{Object, Timer};

use crate::runtime::context;

/// The current time on the running loop's clock (≙ `loop.time()`), virtual
/// under a paused clock; the real time outside a runtime. The same as
/// [`Instant::now`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let start = uniloop::time::now();
///     assert_eq!(uniloop::time::now(), start); // frozen
///     uniloop::time::advance(Duration::from_secs(1)).await;
///     assert_eq!(uniloop::time::now() - start, Duration::from_secs(1));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn now() -> Instant {
    Instant::now()
}

/// Move the paused clock forward by `duration` (saturating about 1 000
/// years after the runtime started), fire every timer due by then, and
/// yield, so that the tasks those timers woke run before this one goes on.
///
/// # Panics
///
/// - If the clock is not paused: "uniloop::time::advance() needs a paused
///   clock (Builder::paused_clock(true))".
/// - Outside a uniloop runtime.
///
/// # Cancel safety
///
/// The clock moves at the first poll; dropping the future after that does
/// not undo it.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let woke = Rc::new(Cell::new(false));
///     let flag = woke.clone();
///     let _sleeper = uniloop::spawn(async move {
///         uniloop::sleep(Duration::from_secs(60)).await;
///         flag.set(true);
///     });
///     uniloop::yield_now().await; // let it start sleeping
///     uniloop::time::advance(Duration::from_secs(59)).await;
///     assert!(!woke.get());
///     uniloop::time::advance(Duration::from_secs(1)).await;
///     assert!(woke.get());
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn advance(duration: Duration) {
    context::expect_current("time::advance", |core| {
        assert!(
            core.time().clock.is_paused(),
            "uniloop::time::advance() needs a paused clock (Builder::paused_clock(true))"
        );
        core.time().advance(duration);
    });
    crate::yield_now().await;
}
