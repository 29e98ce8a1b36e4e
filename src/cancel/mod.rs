//! Cancellation: async cleanup ([`on_cancel`], [`finally`]) and
//! [`shield`].
//!
//! The rules, as asyncio has them (see the crate docs' semantics section
//! for the whole list):
//!
//! - A cancelled task is not polled again; at the loop's next turn its
//!   future is dropped, unless it armed a cleanup ([`on_cancel`],
//!   [`finally`]): then it is polled on, its work is dropped, and the
//!   cleanup runs to its end (it may await anything) before the task ends
//!   cancelled.
//! - Cancellation travels down the await chain: a task cancelled while it
//!   awaits a [`Task`](crate::Task) (directly, or through
//!   [`timeout`](crate::timeout), the gathers, [`race`](crate::race),
//!   [`wait`](crate::wait), a [`TaskGroup`](crate::TaskGroup)) cancels
//!   that task too, with the same message, and counts as finished only
//!   once that task's cancellation (and its cleanup) has completed.
//!   [`shield`] stops it there.
//! - Nobody sees a task finished before its cleanup ended: its awaiter,
//!   `TaskGroup::join`, `wait`, the runtime's shutdown.

mod cleanup;
mod shield;

pub use cleanup::{finally, on_cancel, Cleanup};
pub use shield::{shield, Shield};
