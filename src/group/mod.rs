//! Structured concurrency: run many futures or tasks and collect them
//! (≙ `asyncio.gather`, `TaskGroup`, `wait`, `as_completed`).
//!
//! - [`gather!`](crate::gather) / [`try_gather!`](crate::try_gather): a few
//!   futures of different types, inside the current task.
//! - [`gather_all`] / [`try_gather_all`]: any number of futures of one
//!   type, inside the current task; each is polled only when woken.
//! - [`race`]: the first of several futures to finish.
//! - [`TaskGroup`]: spawned children that fail together.
//! - [`wait`] and [`as_completed`]: over spawned [`Task`](crate::Task)s.
//!
//! The combinators over futures poll them inside the task that awaits,
//! so the futures need not be `'static`; the ones over tasks work on
//! handles and leave the tasks running unless asked to cancel.

mod as_completed;
mod error;
pub(crate) mod gather;
mod gather_all;
mod join;
mod race;
mod ready;
mod task_group;
mod wait;

pub use as_completed::{as_completed, AsCompleted};
pub use error::{ChildError, GroupError};
pub use gather_all::{gather_all, try_gather_all, GatherAll, TryGatherAll};
pub use race::{race, Race};
pub use task_group::{GroupJoin, TaskGroup};
pub use wait::{wait, ReturnWhen, Wait};
