//! The drivers: what a loop waits on, and what wakes it.
//!
//! - [`io`]: the reactor (`mio::Poll`), where the loop parks, and the
//!   registration every socket does its I/O through;
//! - [`time`]: the clock (real or paused) and the timing wheel;
//! - [`inbox`]: what other threads send (wakes, callbacks, task starts),
//!   and [`registry`], how a waker reaches its runtime's inbox;
//! - [`blocking`]: the runtime's pool for blocking jobs.
//!
//! [`Drivers::plan_park`] is the park policy, all of it: whether the loop
//! glances at I/O or blocks in it and for how long, when the paused clock
//! may jump, and what blocking jobs hold back. `runtime::core` carries the
//! plan out; the scheduler knows none of it.

pub(crate) mod blocking;
pub(crate) mod inbox;
pub(crate) mod io;
pub(crate) mod registry;
pub(crate) mod time;

use std::io as stdio;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blocking::BlockingDriver;
use inbox::{Inbox, LoopWaker};
use io::Reactor;

/// The loop's drivers.
pub(crate) struct Drivers {
    io: Rc<Reactor>,
    time: Rc<time::Driver>,
    inbox: Arc<Inbox>,
    blocking: BlockingDriver,
}

/// What the loop does when it looks outside between batches of tasks
/// ([`Drivers::plan_park`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Park {
    /// Nothing outside can have anything: go back to the tasks.
    Nothing,
    /// Skip the reactor (no source is registered), but take in the inbox
    /// and fire due timers.
    NoIo,
    /// Poll the reactor without blocking.
    Glance,
    /// Block in the reactor until an event, or for at most this long.
    Block(Option<Duration>),
    /// Paused clock, nothing ready: glance at I/O and the inbox, then, if
    /// still nothing is ready, move the clock to this timer's deadline.
    JumpTo(Instant),
}

impl Drivers {
    /// The drivers of a new runtime: a reactor with room for
    /// `event_capacity` events per poll, a clock (paused or not), and a
    /// blocking pool of up to `blocking_threads` threads.
    pub(crate) fn new(
        event_capacity: usize,
        paused_clock: bool,
        blocking_threads: usize,
    ) -> stdio::Result<Drivers> {
        let (reactor, waker) = Reactor::new(event_capacity)?;
        let inbox = Arc::new(Inbox::new(LoopWaker::Reactor(waker)));
        // Under a paused clock the loop may wait for a job instead of
        // jumping the clock: a job that ends must wake it.
        let nudge = paused_clock.then(|| inbox.clone());
        Ok(Drivers {
            io: Rc::new(reactor),
            time: Rc::new(time::Driver::new(paused_clock)),
            inbox,
            blocking: BlockingDriver::new(blocking_threads, nudge),
        })
    }

    pub(crate) fn io(&self) -> &Rc<Reactor> {
        &self.io
    }

    pub(crate) fn time(&self) -> &Rc<time::Driver> {
        &self.time
    }

    pub(crate) fn inbox(&self) -> &Arc<Inbox> {
        &self.inbox
    }

    pub(crate) fn blocking(&self) -> &BlockingDriver {
        &self.blocking
    }

    /// The park policy: what to do between batches, given whether a task
    /// is ready.
    ///
    /// - Tasks are ready: glance at I/O (so tasks that keep waking
    ///   themselves never starve it), or skip it when no source is
    ///   registered and neither the inbox nor a timer has anything.
    /// - Nothing is ready, no timer: block until an event.
    /// - Real clock: block until the next deadline, rounded up to whole
    ///   milliseconds (waking early would spin).
    /// - Paused clock: a timer that is due fires now, without waiting. One
    ///   that is not waits for the blocking jobs in flight (they take no
    ///   virtual time, and end with a nudge); with none, the clock jumps
    ///   to it once a glance found nothing to run.
    pub(crate) fn plan_park(&self, ready: bool) -> Park {
        if ready {
            return if self.io.has_sources() {
                Park::Glance
            } else if self.inbox.is_notified() || self.time.pending() > 0 {
                Park::NoIo
            } else {
                Park::Nothing
            };
        }
        let Some(deadline) = self.time.next_deadline() else {
            return Park::Block(None);
        };
        if !self.time.clock.is_paused() {
            let wait = deadline.saturating_duration_since(Instant::now());
            let millis = wait.as_nanos().div_ceil(1_000_000);
            return Park::Block(Some(Duration::from_millis(millis as u64)));
        }
        if self.time.is_due(deadline) {
            return if self.io.has_sources() {
                Park::Glance
            } else {
                Park::NoIo
            };
        }
        if self.blocking.in_flight() > 0 {
            return Park::Block(None);
        }
        Park::JumpTo(deadline)
    }

    /// Poll the reactor for at most `timeout` (`None`: until an event).
    ///
    /// # Panics
    ///
    /// If `epoll_wait` fails with anything but `EINTR` (the loop could not
    /// go on).
    pub(crate) fn poll_io(&self, timeout: Option<Duration>) {
        if let Err(e) = self.io.poll(timeout) {
            panic!("uniloop: the reactor failed: {e}");
        }
    }

    /// The runtime is gone: close the inbox (refusing what other threads
    /// send from now on) and drop what it holds.
    pub(crate) fn close_inbox(&self) {
        self.inbox.close();
    }

    /// The runtime is gone and its tasks with it: drop the blocking jobs
    /// not started, wait up to `timeout` for the running ones, and make
    /// the timers and sockets that outlived it say so when used.
    pub(crate) fn shut_down(&self, timeout: Duration) {
        self.blocking.shut_down(timeout);
        self.time.close();
        self.io.close();
    }
}
