//! Channels between tasks on one loop.
//!
//! - [`oneshot`]: one value, once (≙ an `asyncio.Future` one task
//!   resolves).
//! - [`mpsc`]: many senders, one receiver, bounded or unbounded.
//!
//! They are `!Send` (an `Rc` inside, no atomics). A closed channel gives
//! every message back in its error, so nothing handed over is lost
//! silently.
//!
//! Broadcast, watch and the thread-safe channel are not written yet.

pub mod mpsc;
pub mod oneshot;
