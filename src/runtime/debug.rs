//! Debug mode's reports (≙ asyncio's debug mode): slow polls as they
//! happen, and the tasks still pending when a runtime is dropped. (Panics
//! nobody retrieved are reported by the task cell that holds them.)
//!
//! Every report is one write to stderr; a failed write (a closed pipe) is
//! ignored, so that it cannot take the loop down.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use super::task::TaskInfo;

/// The slow-poll check: `Some(threshold)` in debug mode.
pub(crate) struct SlowPolls(Option<Duration>);

impl SlowPolls {
    pub(crate) fn new(threshold: Option<Duration>) -> SlowPolls {
        SlowPolls(threshold)
    }

    pub(crate) fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Run `poll`. In debug mode, time it and report it (as `what()`) if it
    /// took longer than the threshold (≙ asyncio's "Executing <Task ...>
    /// took 2.001 seconds"). Off, it is one branch.
    #[inline]
    pub(crate) fn timed<R>(&self, poll: impl FnOnce() -> R, what: impl FnOnce() -> String) -> R {
        let Some(threshold) = self.0 else {
            return poll();
        };
        let start = Instant::now();
        let output = poll();
        let took = start.elapsed();
        if took >= threshold {
            let _ = writeln!(
                io::stderr().lock(),
                "uniloop: executing {} took {:.3} seconds",
                what(),
                took.as_secs_f64()
            );
        }
        output
    }
}

/// List the tasks still pending as a runtime goes (≙ asyncio's "Task was
/// destroyed but it is pending!").
pub(crate) fn report_pending(pending: &[TaskInfo]) {
    if pending.is_empty() {
        return;
    }
    let mut stderr = io::stderr().lock();
    let s = if pending.len() == 1 { "" } else { "s" };
    let _ = writeln!(
        stderr,
        "uniloop: {} task{s} still pending at shutdown, cancelled:",
        pending.len()
    );
    for task in pending {
        let _ = writeln!(stderr, "uniloop:   {task}");
    }
}
