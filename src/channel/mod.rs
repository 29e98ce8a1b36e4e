//! Channels between tasks on one loop.
//!
//! - [`oneshot`]: one value, once (≙ an `asyncio.Future` one task
//!   resolves).
//! - [`mpsc`]: many senders, one receiver, bounded or unbounded.
//! - [`broadcast`]: every receiver sees every message; a receiver that
//!   falls too far behind is told how many it missed.
//! - [`watch`]: one value, the latest; receivers wait for it to change.
//! - [`threadsafe`]: senders on any OS thread, the receiver on the loop.
//!
//! All but [`threadsafe`] are `!Send` (an `Rc` inside, no atomics); it is
//! the one that pays for a lock. A closed channel gives every message back
//! in its error, so nothing handed over is lost silently.

mod bounded;
pub mod broadcast;
mod chan;
pub mod mpsc;
pub mod oneshot;
pub mod threadsafe;
pub mod watch;
