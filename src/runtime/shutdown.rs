//! Shutting a runtime down as `asyncio.run` ends (≙ `Runner.close`):
//! cancel every task, run the loop until their cleanups have finished
//! (within the shutdown timeout), then drop what is left, close the inbox,
//! and shut the blocking pool down.
//!
//! # Invariants
//!
//! - The drain runs in rounds: each cancels every task still alive and
//!   runs the loop until the tasks of that round are complete. Tasks and
//!   callbacks started during a round run in it; tasks still alive after
//!   it are cancelled in the next. It ends when no task is alive, or at the
//!   deadline (real time: the I/O wait is capped by what is left of it).
//! - The inbox stays open during the drain (a cleanup may await a
//!   blocking job or a remote wake) and is closed after it.
//! - Nothing is dropped silently: tasks still alive at the deadline, or
//!   left because no drain could run, are counted on stderr (named in
//!   debug mode), and so are tasks spawned while the rest were dropped.

use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::context;
use super::core::{Core, BATCH};
use super::debug;
use super::driver::registry;
use super::scheduler::Next;
use super::task::{AbortHandle, TaskInfo};

impl Core {
    /// Everything `Runtime::drop` does, within `timeout` for the cleanups
    /// and the blocking jobs together; freeing the runtime's id comes last
    /// (see `runtime::driver::registry`).
    pub(crate) fn shut_down(&self, timeout: Duration) {
        let _registered = Registered(self.id());
        let deadline = Instant::now().checked_add(timeout);
        if self.is_debug() {
            debug::report_pending(&self.all_tasks());
        }
        let left = self.drain(deadline);
        // Dropping the queued messages runs their captures' destructors:
        // user code, which must not abort an unwinding `run`.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| self.drivers().close_inbox()));
        if let Some((why, tasks)) = left {
            report_dropped(why, &tasks, self.is_debug());
        }
        let spawned_late = {
            let _enter = context::enter(self);
            self.scheduler().shut_down()
        };
        if spawned_late > 0 {
            let s = if spawned_late == 1 { "" } else { "s" };
            let _ = writeln!(
                io::stderr().lock(),
                "uniloop: {spawned_late} task{s} spawned while the runtime was being dropped \
                 were dropped without running"
            );
        }
        let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        self.drivers().shut_down(remaining.unwrap_or(Duration::MAX));
    }

    /// Cancel every task and run the loop until they are all complete, or
    /// `deadline`. `None` if none is left; otherwise why and which.
    fn drain(&self, deadline: Option<Instant>) -> Option<(&'static str, Vec<TaskInfo>)> {
        if !self.scheduler().has_alive_tasks() {
            return None;
        }
        if context::with_current(|_| ()).is_some() {
            // Inside another runtime's task: this loop cannot run here.
            return Some((
                "another runtime runs on this thread",
                self.incomplete_tasks(),
            ));
        }
        let _enter = context::enter(self);
        loop {
            let round = self.scheduler().alive_tasks();
            if round.is_empty() {
                return None;
            }
            for task in &round {
                task.cancel();
            }
            loop {
                for _ in 0..BATCH {
                    match self.pop() {
                        None => break,
                        Some(Next::Task(task)) => self.run_task(task),
                        // A waker of a finished `block_on` future.
                        Some(Next::Main) => {}
                    }
                }
                if round.iter().all(AbortHandle::is_complete) {
                    break;
                }
                let left = match deadline {
                    Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                        Some(left) if !left.is_zero() => Some(left),
                        _ => return Some(("the shutdown timeout passed", self.incomplete_tasks())),
                    },
                    None => None,
                };
                self.turn_within(left);
            }
        }
    }
}

/// Say on stderr how many tasks are dropped without finishing their
/// cleanup, and in debug mode which.
fn report_dropped(why: &str, tasks: &[TaskInfo], debug: bool) {
    if tasks.is_empty() {
        return;
    }
    let mut stderr = io::stderr().lock();
    let s = if tasks.len() == 1 { "" } else { "s" };
    let _ = writeln!(
        stderr,
        "uniloop: {} task{s} dropped at shutdown before finishing cancelling ({why})",
        tasks.len()
    );
    if debug {
        for task in tasks {
            let _ = writeln!(stderr, "uniloop:   {task}");
        }
    }
}

struct Registered(usize);

impl Drop for Registered {
    fn drop(&mut self) {
        registry::unregister(self.0);
    }
}
