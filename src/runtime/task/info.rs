//! What can be known about a task from outside it.

use std::fmt;
use std::panic::Location;

/// A task's id, unique among the tasks of one runtime (≙ asyncio's
/// `id(task)`). Ids count up from 1 in spawn order.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let a = uniloop::spawn(async {});
///     let b = uniloop::spawn(async {});
///     assert!(a.id() < b.id());
///     assert_eq!(format!("{}", a.id()), a.id().as_u64().to_string());
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The id as a number.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     assert!(uniloop::spawn(async {}).id().as_u64() >= 1);
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a task is in its life, as [`TaskInfo`] reports it.
///
/// # Examples
///
/// ```
/// use uniloop::TaskState;
///
/// uniloop::run(async {
///     let task = uniloop::spawn(async {});
///     assert_eq!(uniloop::all_tasks()[0].state, TaskState::Scheduled);
///     task.await.unwrap();
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum TaskState {
    /// Ready: in the run queue, waiting for its turn.
    Scheduled,
    /// Being polled right now (the task asking is this one).
    Running,
    /// Waiting for a wake-up.
    Idle,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Idle => "idle",
        })
    }
}

/// A snapshot of one task, from [`current_task`](crate::current_task) or
/// [`all_tasks`](crate::all_tasks) (≙ asyncio's `Task` repr).
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let task = uniloop::spawn_named("worker", async {
///         uniloop::current_task().unwrap()
///     });
///     let info = task.await.unwrap();
///     assert_eq!(info.name.as_deref(), Some("worker"));
///     assert_eq!(info.spawned_at.line(), line!() - 5);
///     assert_eq!(info.polls, 1);
///     println!("{info}"); // task 1 "worker" running, 1 poll, spawned at src/main.rs:4:16
/// });
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given to [`spawn_named`](crate::spawn_named).
    pub name: Option<String>,
    /// Where the task is in its life.
    pub state: TaskState,
    /// Where it was spawned (the caller of `spawn`).
    pub spawned_at: &'static Location<'static>,
    /// How many times it has been polled.
    pub polls: u64,
    /// Whether it was cancelled and is running its cleanup
    /// ([`on_cancel`](crate::on_cancel)) (≙ `task.cancelling() > 0`).
    pub cancelling: bool,
    /// The message of [`Task::cancel_with`](crate::Task::cancel_with), once
    /// cancelled with one (≙ the `CancelledError`'s `args`).
    pub cancel_message: Option<String>,
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        let plural = if self.polls == 1 { "" } else { "s" };
        write!(
            f,
            " {}, {} poll{plural}, spawned at {}",
            self.state, self.polls, self.spawned_at
        )
    }
}
