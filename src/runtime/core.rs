//! `Core`: one runtime's scheduler and drivers, and the turn of the loop
//! that joins them.
//!
//! A turn (see `ARCHITECTURE.md`): the loop (`event_loop.rs`) runs up to
//! [`BATCH`] ready entries from the scheduler, then calls [`Core::turn`],
//! which carries out the drivers' park plan (glance at I/O, or block in
//! it, or jump the paused clock), takes in what other threads sent
//! ([`Core::receive`]), and fires the timers that are due. Wakes from
//! I/O, timers and the inbox land in the scheduler's run queue, and the
//! next batch runs them.
//!
//! Other modules reach the runtime through the narrow accessors below
//! ([`Core::io`], [`Core::time`], [`Core::inbox`], [`Core::blocking`],
//! [`Core::spawn`], ...), never through its fields.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::mem;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::builder::Config;

use super::debug::SlowPolls;
use super::driver::blocking::BlockingDriver;
use super::driver::inbox::{Inbox, Message, KEEP_CAPACITY};
use super::driver::io::Reactor;
use super::driver::{registry, time, Drivers, Park};
use super::metrics::{bump, Counters};
use super::scheduler::{Next, Scheduler};
use super::task::cell::Kind;
use super::task::Task;
use super::waker::TaskRef;

/// How many queue entries a turn runs before it looks at I/O, the inbox
/// and the timers again.
pub(crate) const BATCH: usize = 128;

pub(crate) struct Core {
    scheduler: Scheduler,
    drivers: Drivers,
    slow_polls: SlowPolls,
    /// The buffer `receive` takes the inbox's messages into (kept to reuse
    /// its allocation).
    received: RefCell<Vec<Message>>,
}

impl Core {
    pub(crate) fn new(config: &Config) -> io::Result<Core> {
        let drivers = Drivers::new(
            config.event_capacity,
            config.paused_clock,
            config.blocking_threads,
        )?;
        let id = registry::register(drivers.inbox().clone())?;
        Ok(Core {
            scheduler: Scheduler::new(id, config.seed, config.debug),
            drivers,
            slow_polls: SlowPolls::new(config.debug.then_some(config.slow_poll_threshold)),
            received: RefCell::new(Vec::new()),
        })
    }

    /// The runtime's id (see `runtime::driver::registry`).
    pub(crate) fn id(&self) -> usize {
        self.scheduler.id()
    }

    /// Whether the runtime runs in debug mode.
    pub(crate) fn is_debug(&self) -> bool {
        self.slow_polls.is_on()
    }

    pub(crate) fn io(&self) -> &Rc<Reactor> {
        self.drivers.io()
    }

    pub(crate) fn time(&self) -> &Rc<time::Driver> {
        self.drivers.time()
    }

    pub(crate) fn inbox(&self) -> &Arc<Inbox> {
        self.drivers.inbox()
    }

    pub(crate) fn blocking(&self) -> &BlockingDriver {
        self.drivers.blocking()
    }

    pub(crate) fn drivers(&self) -> &Drivers {
        &self.drivers
    }

    pub(crate) fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    pub(crate) fn counters(&self) -> &Counters {
        self.scheduler.counters()
    }

    /// Spawn a task, queued behind the ready ones.
    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
    ) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.scheduler.spawn(future, name, location, Kind::Task)
    }

    /// Spawn a callback (`call_soon` and friends): a task that is not
    /// listed, counted or named.
    pub(crate) fn spawn_callback<F>(
        &self,
        future: F,
        location: &'static Location<'static>,
    ) -> Task<()>
    where
        F: Future<Output = ()> + 'static,
    {
        self.scheduler.spawn(future, None, location, Kind::Callback)
    }

    /// A wake from the loop's own thread.
    #[inline]
    pub(crate) fn schedule(&self, task: TaskRef) -> bool {
        self.scheduler.schedule(task)
    }

    /// Start a `block_on`: main's address, queued behind the ready tasks.
    pub(crate) fn begin_main(&self) -> TaskRef {
        self.scheduler.begin_main()
    }

    /// The next entry to run.
    #[inline]
    pub(crate) fn pop(&self) -> Option<Next> {
        self.scheduler.pop()
    }

    /// Run a popped task once.
    #[inline]
    pub(crate) fn run_task(&self, task: TaskRef) {
        self.scheduler.run_task(task, &self.slow_polls);
    }

    /// Run `poll` (main's), timed in debug mode.
    #[inline]
    pub(crate) fn timed<R>(&self, poll: impl FnOnce() -> R, what: impl FnOnce() -> String) -> R {
        self.slow_polls.timed(poll, what)
    }

    /// Between batches: carry out the drivers' park plan, then take in
    /// what other threads sent and fire the timers that are due.
    pub(crate) fn turn(&self) {
        self.turn_within(None);
    }

    /// [`turn`](Core::turn), blocking no longer than `limit` in I/O.
    pub(crate) fn turn_within(&self, limit: Option<Duration>) {
        let counters = self.counters();
        bump(&counters.loop_iterations);
        match self.drivers.plan_park(self.scheduler.has_ready()) {
            Park::Nothing => return,
            Park::NoIo => {}
            Park::Glance => self.drivers.poll_io(Some(Duration::ZERO)),
            Park::Block(timeout) => {
                let timeout = match (timeout, limit) {
                    (Some(t), Some(l)) => Some(t.min(l)),
                    (t, l) => t.or(l),
                };
                counters.idle(|| self.drivers.poll_io(timeout));
            }
            Park::JumpTo(deadline) => {
                if self.io().has_sources() {
                    self.drivers.poll_io(Some(Duration::ZERO));
                }
                self.receive();
                if !self.scheduler.has_ready() {
                    self.time().clock.advance_to(deadline);
                }
            }
        }
        self.receive();
        self.time().fire_expired();
    }

    /// Take in what other threads sent: wakes, callbacks, task starts.
    pub(crate) fn receive(&self) {
        let mut received = mem::take(&mut *self.received.borrow_mut());
        self.inbox().drain(&mut received);
        for message in received.drain(..) {
            match message {
                Message::Wake(task) => self.scheduler.wake_remote(task),
                Message::Call(f, location) => {
                    // Detached: nothing outside the loop can cancel it.
                    drop(self.spawn_callback(async move { f() }, location));
                }
                // It catches the panics of the user code it runs.
                Message::Spawn(starter) => starter.start(self),
            }
        }
        // Keep room for a usual batch, not for the largest burst seen.
        received.shrink_to(KEEP_CAPACITY);
        *self.received.borrow_mut() = received;
    }
}
