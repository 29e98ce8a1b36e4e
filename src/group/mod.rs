//! Structured concurrency: run many futures or tasks and collect them
//! (≙ `asyncio.gather`, `TaskGroup`, `wait`, `as_completed`).
//!
//! - [`gather!`](crate::gather) / [`try_gather!`](crate::try_gather): a few
//!   futures of different types, inside the current task.
//! - [`gather_all`] / [`try_gather_all`]: any number of futures of one
//!   type, inside the current task; each is polled only when woken.
//! - [`race`]: the first of several futures to finish.
//! - [`TaskGroup`]: spawned children that fail together.
//! - [`wait`] and [`as_completed`]: over spawned [`Task`](crate::Task)s
//!   ([`wait_futures`], [`as_completed_futures`] spawn plain futures).
//!
//! The combinators over futures poll them inside the task that awaits,
//! so the futures need not be `'static`; the ones over tasks work on
//! handles. Cancelling the task that awaits any of them cancels the tasks
//! it awaits through them, except `as_completed`, which only watches.

mod as_completed;
mod error;
pub(crate) mod gather;
mod gather_all;
mod join;
mod race;
mod ready;
mod task_group;
mod wait;

pub use as_completed::{as_completed, as_completed_futures, AsCompleted, AsCompletedTimeout};
pub use error::{ChildError, GroupError};
pub use gather_all::{gather_all, try_gather_all, GatherAll, TryGatherAll};
pub use race::{race, Race};
pub use task_group::{BoxError, GroupHandle, GroupJoin, Scope, TaskGroup};
pub use wait::{wait, wait_futures, ReturnWhen, Wait};
