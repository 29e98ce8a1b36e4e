//! The blocking driver: the runtime's own pool of threads for blocking
//! jobs (`to_thread`, `fs`, name resolution), and the count of its jobs in
//! flight, which holds the paused clock back (see `Drivers::plan_park`).
//!
//! The pool itself ([`Pool`]) is also what a user's
//! [`ThreadPool`](crate::blocking::ThreadPool) runs on; the public layer,
//! `crate::blocking`, turns jobs into futures with a one-shot.
//!
//! # Invariants
//!
//! - A job counts in `in_flight` from its submission until it has run (or
//!   was dropped unrun by a shutdown): its [`InFlight`] guard, which the
//!   job owns, uncounts it when dropped, after the job delivered its
//!   result. So a count of 0 means no result is still to come.
//! - Under a paused clock, the guard also nudges the loop when it drops,
//!   so a loop that waits for the job (instead of jumping the clock) wakes.

mod pool;

use std::io;
use std::sync::Arc;
use std::time::Duration;

pub(crate) use pool::{Pool, Queued, KEEP_ALIVE};

use super::inbox::Inbox;
use crate::util::sync::{AtomicUsize, Ordering};

/// The runtime's pool and its jobs in flight.
pub(crate) struct BlockingDriver {
    pool: Pool,
    in_flight: Arc<AtomicUsize>,
    /// Under a paused clock: the inbox to nudge when a job ends.
    nudge: Option<Arc<Inbox>>,
}

impl BlockingDriver {
    /// A pool of up to `threads` threads (started on demand); `nudge` is
    /// the inbox to wake when a job ends, under a paused clock.
    pub(crate) fn new(threads: usize, nudge: Option<Arc<Inbox>>) -> BlockingDriver {
        BlockingDriver {
            pool: Pool::new(threads, KEEP_ALIVE, "uniloop-blocking"),
            in_flight: Arc::new(AtomicUsize::new(0)),
            nudge,
        }
    }

    /// Jobs submitted and not yet finished.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Run `job` on the pool; `job` receives the guard that counts it in
    /// flight, to drop once it has delivered its result.
    ///
    /// # Errors
    ///
    /// The OS's error if no thread runs and none could be started.
    pub(crate) fn execute(&self, job: impl FnOnce(InFlight) + Send + 'static) -> io::Result<()> {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let in_flight = InFlight {
            count: self.in_flight.clone(),
            nudge: self.nudge.clone(),
        };
        self.pool
            .execute(Box::new(move || job(in_flight)))
            .map_err(|(job, e)| {
                drop(job); // uncounts it
                e
            })
    }

    /// Drop the jobs not started, and wait up to `timeout` for the running
    /// ones (the runtime is being dropped: nobody awaits them any more).
    pub(crate) fn shut_down(&self, timeout: Duration) {
        self.pool.shutdown(Queued::Drop, Some(timeout));
    }
}

/// A job in flight; dropping it counts the job done.
pub(crate) struct InFlight {
    count: Arc<AtomicUsize>,
    nudge: Option<Arc<Inbox>>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::AcqRel);
        if let Some(inbox) = &self.nudge {
            inbox.nudge();
        }
    }
}
