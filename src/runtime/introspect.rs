//! What a runtime says about itself: the current task, every live task
//! (≙ `asyncio.current_task()`, `asyncio.all_tasks()`), and its metrics.
//! Read-only views over the scheduler and the drivers.

use super::core::Core;
use super::metrics::Metrics;
use super::task::cell::{Header, Kind};
use super::task::{TaskInfo, TaskState};

impl Core {
    /// The task being polled, if it is a task.
    pub(crate) fn current_task(&self) -> Option<TaskInfo> {
        let running = self.scheduler().running_task()?;
        let header = running.header();
        (header.kind() == Kind::Task).then(|| info(header))
    }

    /// Every unfinished task (not callbacks), in slab order.
    pub(crate) fn all_tasks(&self) -> Vec<TaskInfo> {
        let mut tasks = Vec::new();
        self.scheduler().for_each(|header| {
            if is_alive_task(header) {
                tasks.push(info(header));
            }
        });
        tasks
    }

    /// Every task not complete, cancelled or not (what a shutdown would
    /// drop).
    pub(crate) fn incomplete_tasks(&self) -> Vec<TaskInfo> {
        let mut tasks = Vec::new();
        self.scheduler().for_each(|header| {
            if header.kind() == Kind::Task && !header.is_complete() {
                tasks.push(info(header));
            }
        });
        tasks
    }

    pub(crate) fn metrics(&self) -> Metrics {
        let c = self.counters();
        let (busy_time, idle_time) = c.times();
        let (mut tasks_alive, mut live_polls) = (0, 0);
        self.scheduler().for_each(|header| {
            live_polls += header.polls();
            tasks_alive += usize::from(is_alive_task(header));
        });
        Metrics {
            tasks_spawned: c.tasks_spawned.get(),
            tasks_alive,
            polls: c.retired_polls.get() + live_polls,
            local_wakeups: c.woken.get() - c.remote_wakeups.get(),
            remote_wakeups: c.remote_wakeups.get(),
            io_events: self.io().io_events(),
            timers_pending: self.time().pending(),
            loop_iterations: c.loop_iterations.get(),
            busy_time,
            idle_time,
        }
    }
}

/// A task not finished; or cancelled and still running its cleanup, or
/// waiting for the tasks it awaited to finish cancelling.
fn is_alive_task(header: &Header) -> bool {
    let state = &header.state;
    header.kind() == Kind::Task
        && (!state.is_done()
            || (!header.is_complete() && (state.has_cleanups() || state.is_closing())))
}

fn info(header: &Header) -> TaskInfo {
    let state = if header.state.is_running() {
        TaskState::Running
    } else if header.state.is_scheduled() {
        TaskState::Scheduled
    } else {
        TaskState::Idle
    };
    TaskInfo {
        id: header.id,
        name: header.name().map(str::to_owned),
        state,
        spawned_at: header.location,
        polls: header.polls(),
        cancelling: header.is_cancelled(),
        cancel_message: header.cancel_message().map(|m| m.to_string()),
    }
}
