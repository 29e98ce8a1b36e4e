//! The event loop: a scheduler and its drivers (`ARCHITECTURE.md` draws
//! the map).
//!
//! - [`event_loop`]: `Runtime`, `block_on`, `run`: the loop itself.
//! - [`core`]: one runtime's scheduler and drivers, and the turn of the
//!   loop that joins them.
//! - [`scheduler`]: the slab of tasks, the run queue, running a task.
//! - [`driver`]: I/O, time, the inbox from other threads, the blocking
//!   pool, and the park policy.
//! - [`task`]: the task cell, its state machine and the `Task` handle.
//! - [`waker`]: wakers packed into one word; [`context`]: which runtime
//!   runs on this thread.
//! - [`debug`] and [`introspect`]: debug mode's reports, and what a
//!   runtime says about its tasks and counters.

mod builder;
mod callback;
pub(crate) mod context;
mod core;
mod debug;
pub(crate) mod driver;
mod event_loop;
mod handle;
mod introspect;
mod metrics;
mod remote_task;
mod scheduler;
mod shutdown;
pub(crate) mod task;
pub(crate) mod waker;
mod yield_now;

pub use builder::Builder;
pub use callback::{call_at, call_later, call_soon, CallbackHandle};
pub use event_loop::{run, Runtime};
pub use handle::{Handle, LoopClosed};
pub use metrics::{metrics, Metrics};
pub use remote_task::{RemoteError, RemoteTask};
pub use task::{spawn, spawn_named, CancelHandle, JoinError, Task, TaskId, TaskInfo, TaskState};
pub(crate) use task::{AbortHandle, Unawaited};
pub use yield_now::{yield_now, YieldNow};

/// A snapshot of the task being polled, or `None` in the future given to
/// `block_on`/`run`, in a callback, or outside a runtime (≙
/// `asyncio.current_task()`; like tokio's `task::try_id`, the root future is
/// not a task).
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     assert!(uniloop::current_task().is_none()); // the root future
///     let task = uniloop::spawn_named("child", async {
///         uniloop::current_task().unwrap().name
///     });
///     assert_eq!(task.await.unwrap().as_deref(), Some("child"));
/// });
/// ```
pub fn current_task() -> Option<TaskInfo> {
    context::with_current(|core| core.current_task()).flatten()
}

/// Snapshots of every unfinished task of the current runtime, in slab order
/// (≙ `asyncio.all_tasks()`). Callbacks, the root future, and tasks whose
/// cancellation is under way are not listed.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::all_tasks() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let a = uniloop::spawn_named("a", std::future::pending::<()>());
///     let _b = uniloop::spawn(async {});
///     assert_eq!(uniloop::all_tasks().len(), 2);
///     uniloop::yield_now().await; // b finishes
///     a.cancel();
///     assert!(uniloop::all_tasks().is_empty());
///     for task in uniloop::all_tasks() {
///         println!("{task}");
///     }
/// });
/// ```
#[track_caller]
pub fn all_tasks() -> Vec<TaskInfo> {
    context::expect_current("all_tasks", |core| core.all_tasks())
}
