//! The loop's state: the task slab, the run queue, and the steps of a turn.
//!
//! # Invariants
//!
//! - Ground rule: no `RefCell` of the core is borrowed while user code runs
//!   (a poll, a destructor, a foreign waker). Borrows are taken, used and
//!   released inside one method; whatever must be dropped or woken is moved
//!   out first.
//! - A task is in `queue` at most once: `Slot::scheduled` is set when it is
//!   pushed and cleared when it is popped, before it is polled, so a task
//!   that wakes itself while running is queued again exactly once.
//! - Queue entries carry their task's generation. An entry whose slot was
//!   freed (the task finished after re-queueing itself) or reused by a newer
//!   task no longer matches and is skipped when popped.
//! - The future given to `block_on` ("main") is not in the slab; it has the
//!   reserved key `MAIN_KEY` and a generation bumped by every `block_on`, so
//!   it shares the FIFO queue with tasks.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::io::{self, Write};
use std::mem;
use std::panic::{self, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Context;
use std::time::{Duration, Instant};

use slab::Slab;

use super::builder::Config;
use super::metrics::{bump, Counters, Metrics};
use super::remote::{self, Remote};
use super::task::cell::{Harness, Header, Kind, TaskCell};
use super::task::{Task, TaskId, TaskInfo, TaskState};
use super::waker::{self, TaskRef, MAIN_KEY, MAX_TASKS};
use crate::blocking::{JobCount, Pool, KEEP_ALIVE};
use crate::reactor::Reactor;
use crate::time::driver::Driver;

/// Each runtime's generation base is the previous one plus this odd
/// constant (2⁶⁴ / φ), which spreads consecutive bases over the generation
/// space.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
static GENERATION_BASES: AtomicU64 = AtomicU64::new(0);

/// How many queue entries a turn runs before it looks at I/O and the remote
/// queue again.
pub(crate) const BATCH: usize = 128;

struct Slot {
    task: Rc<dyn Harness>,
    generation: u64,
    scheduled: Cell<bool>,
    /// `header().kind == Kind::Task`, kept here to spare the hot path a
    /// virtual call.
    is_task: bool,
}

pub(crate) struct Core {
    id: usize,
    tasks: RefCell<Slab<Slot>>,
    queue: RefCell<VecDeque<TaskRef>>,
    next_id: Cell<u64>,
    /// Added to task ids to make generations, different in every runtime so
    /// that a waker of a dropped runtime whose id was reused is stale here
    /// too, instead of matching the task that got the same id.
    generation_base: u64,
    /// The task being polled, if it is a task (not a callback).
    running: Cell<Option<TaskRef>>,
    main_generation: Cell<u64>,
    main_scheduled: Cell<bool>,
    pub(crate) remote: Arc<Remote>,
    inbox: RefCell<Vec<remote::Message>>,
    /// The loop's reactor; I/O sources hold it too.
    pub(crate) reactor: Rc<Reactor>,
    /// The clock and the timers; tasks' timers hold it too.
    pub(crate) time: Rc<Driver>,
    /// `Some(threshold)` in debug mode: report polls that take longer.
    slow_poll: Option<Duration>,
    /// The blocking pool behind `to_thread`.
    pub(crate) blocking: Pool,
    /// `to_thread` jobs queued or running, which the paused clock waits for.
    pub(crate) blocking_jobs: JobCount,
    pub(crate) counters: Counters,
    /// With `Builder::seed`: the state of the PRNG that picks the next
    /// ready task.
    shuffle: Option<Cell<u64>>,
}

impl Core {
    pub(crate) fn new(config: &Config) -> io::Result<Core> {
        let (reactor, mio_waker) = Reactor::new(config.event_capacity)?;
        let remote = Arc::new(Remote::new(mio_waker));
        let id = remote::register(remote.clone())?;
        let generation_base = GENERATION_BASES.fetch_add(GOLDEN_GAMMA, Ordering::Relaxed);
        Ok(Core {
            id,
            tasks: RefCell::new(Slab::new()),
            queue: RefCell::new(VecDeque::new()),
            next_id: Cell::new(1),
            generation_base,
            running: Cell::new(None),
            main_generation: Cell::new(TaskRef::generation_of(generation_base)),
            main_scheduled: Cell::new(false),
            remote,
            inbox: RefCell::new(Vec::new()),
            reactor: Rc::new(reactor),
            time: Rc::new(Driver::new(config.paused_clock)),
            slow_poll: config.debug.then_some(config.slow_poll_threshold),
            blocking: Pool::new(config.blocking_threads, KEEP_ALIVE, "uniloop-blocking"),
            blocking_jobs: JobCount::new(),
            counters: Counters::default(),
            shuffle: config.seed.map(Cell::new),
        })
    }

    pub(crate) fn id(&self) -> usize {
        self.id
    }

    /// Whether the runtime runs in debug mode.
    pub(crate) fn is_debug(&self) -> bool {
        self.slow_poll.is_some()
    }

    /// Run `poll`. In debug mode, time it and report it (as `what()`) if it
    /// took longer than the slow-poll threshold. Off, it is one branch.
    pub(crate) fn timed<R>(&self, poll: impl FnOnce() -> R, what: impl FnOnce() -> String) -> R {
        let Some(threshold) = self.slow_poll else {
            return poll();
        };
        let start = Instant::now();
        let output = poll();
        report_slow_poll(start.elapsed(), threshold, what);
        output
    }

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
        self.spawn_kind(future, name, location, Kind::Task)
    }

    pub(crate) fn spawn_callback<F>(
        &self,
        future: F,
        location: &'static Location<'static>,
    ) -> Task<()>
    where
        F: Future<Output = ()> + 'static,
    {
        self.spawn_kind(future, None, location, Kind::Callback)
    }

    fn spawn_kind<F>(
        &self,
        future: F,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
        kind: Kind,
    ) -> Task<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let generation = TaskRef::generation_of(id.wrapping_add(self.generation_base));
        let mut tasks = self.tasks.borrow_mut();
        let key = tasks.vacant_key();
        if key >= MAX_TASKS {
            drop(tasks); // a panic hook may look at the tasks
            panic!("uniloop: more than {MAX_TASKS} tasks alive in one runtime");
        }
        let task_ref = TaskRef::new(self.id, key, generation);
        if kind == Kind::Task {
            bump(&self.counters.tasks_spawned);
        }
        let debug = self.slow_poll.is_some();
        let header = Header::new(TaskId(id), name, location, kind, task_ref, debug);
        let cell = Rc::new(TaskCell::new(header, future));
        tasks.insert(Slot {
            task: cell.clone(),
            generation,
            scheduled: Cell::new(true),
            is_task: kind == Kind::Task,
        });
        drop(tasks);
        self.queue.borrow_mut().push_back(task_ref);
        Task::new(cell)
    }

    /// A wake of `task` that came from another thread.
    pub(crate) fn wake_remote(&self, task: TaskRef) {
        if self.schedule(task) {
            bump(&self.counters.remote_wakeups);
        }
    }

    /// Queue the task at `task` unless it is queued already, finished, or
    /// `task` is stale; whether it was queued. The local half of every
    /// wake: a wake that queues counts in `woken` (local and remote; the
    /// remote ones are told apart by `wake_remote`).
    pub(crate) fn schedule(&self, task: TaskRef) -> bool {
        if task.key() == MAIN_KEY {
            if task.generation() == self.main_generation.get() && !self.main_scheduled.get() {
                self.main_scheduled.set(true);
                self.queue.borrow_mut().push_back(task);
                bump(&self.counters.woken);
                return true;
            }
            return false;
        }
        let tasks = self.tasks.borrow();
        if let Some(slot) = tasks.get(task.key()) {
            if slot.generation == task.generation() && !slot.scheduled.replace(true) {
                self.queue.borrow_mut().push_back(task);
                bump(&self.counters.woken);
                return true;
            }
        }
        false
    }

    /// Start a `block_on`: a new generation for main, queued behind the
    /// tasks already ready.
    pub(crate) fn begin_main(&self) -> TaskRef {
        let generation = TaskRef::generation_of(self.main_generation.get() + 1);
        self.main_generation.set(generation);
        let main = TaskRef::new(self.id, MAIN_KEY, generation);
        // Queued as `schedule` would, but not a wake-up.
        self.main_scheduled.set(true);
        self.queue.borrow_mut().push_back(main);
        main
    }

    /// The next ready task: the first, or with a seed a random one.
    pub(crate) fn pop(&self) -> Option<TaskRef> {
        let mut queue = self.queue.borrow_mut();
        let Some(state) = &self.shuffle else {
            return queue.pop_front();
        };
        if queue.is_empty() {
            return None;
        }
        let pick = splitmix64(state) % queue.len() as u64;
        queue.swap_remove_front(pick as usize)
    }

    /// Whether `task`, just popped, is the current main and due a poll.
    pub(crate) fn take_main(&self, task: TaskRef) -> bool {
        let current = task.generation() == self.main_generation.get();
        if current {
            self.main_scheduled.set(false);
        }
        current
    }

    /// Poll the task at `task` (just popped) once, and free it if it is done.
    pub(crate) fn run_task(&self, task: TaskRef) {
        let (harness, is_task) = {
            let tasks = self.tasks.borrow();
            match tasks.get(task.key()) {
                Some(slot) if slot.generation == task.generation() => {
                    slot.scheduled.set(false);
                    (slot.task.clone(), slot.is_task)
                }
                _ => return,
            }
        };
        if is_task {
            self.running.set(Some(task));
        }
        let waker = waker::waker(task);
        let mut cx = Context::from_waker(&waker);
        let done = self.timed(|| harness.run(&mut cx), || harness.header().describe());
        self.running.set(None);
        if done {
            let slot = self.tasks.borrow_mut().remove(task.key());
            let polls = self.counters.retired_polls.get() + harness.header().polls.get();
            self.counters.retired_polls.set(polls);
            // Dropping the last handle may drop the output: user code.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| drop((slot, harness))));
        }
    }

    /// Between batches: park when nothing is ready, otherwise glance at I/O;
    /// then take in what other threads sent and fire the timers that are
    /// due.
    pub(crate) fn turn(&self) {
        bump(&self.counters.loop_iterations);
        if self.queue.borrow().is_empty() {
            self.counters.idle(|| self.park());
        } else if self.reactor.has_sources() {
            self.poll_reactor(Some(Duration::ZERO));
        } else if !self.remote.is_notified() && self.time.pending() == 0 {
            return;
        }
        self.receive();
        self.time.fire_expired();
    }

    /// Nothing is ready: wait for I/O, another thread, or the next timer.
    /// Under a paused clock, instead of waiting for the timer, jump to it
    /// once a glance at I/O and the remote queue found nothing to run.
    fn park(&self) {
        let Some(deadline) = self.time.next_deadline() else {
            return self.poll_reactor(None);
        };
        if self.time.clock.is_paused() {
            // A due timer fires now; only a jump of virtual time waits for
            // the blocking jobs.
            let due = deadline <= self.time.clock.now();
            if !due && self.blocking_jobs.get() > 0 {
                // Wait for the job (it wakes the loop when done, see
                // `wake_on_job_done`), not for virtual time.
                return self.poll_reactor(None);
            }
            if self.reactor.has_sources() {
                self.poll_reactor(Some(Duration::ZERO));
            }
            self.receive();
            if self.queue.borrow().is_empty() {
                self.time.clock.advance_to(deadline);
            }
            return;
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        // Whole milliseconds, rounded up: waking early would spin.
        let millis = wait.as_nanos().div_ceil(1_000_000);
        self.poll_reactor(Some(Duration::from_millis(millis as u64)));
    }

    /// What a `to_thread` job does when it finishes: under a paused clock,
    /// wake the loop, which may be waiting for it in `park` even if nobody
    /// awaits its result any more.
    pub(crate) fn wake_on_job_done(&self) -> Option<Box<dyn FnOnce() + Send>> {
        if !self.time.clock.is_paused() {
            return None;
        }
        let remote = self.remote.clone();
        Some(Box::new(move || remote.nudge()))
    }

    #[cfg(test)]
    pub(crate) fn reactor(&self) -> &Reactor {
        &self.reactor
    }

    fn poll_reactor(&self, timeout: Option<Duration>) {
        if let Err(e) = self.reactor.poll(timeout) {
            panic!("uniloop: the reactor failed: {e}");
        }
    }

    /// Take in what other threads sent: wakes and callbacks.
    pub(crate) fn receive(&self) {
        let mut inbox = mem::take(&mut *self.inbox.borrow_mut());
        self.remote.drain(&mut inbox);
        remote::deliver(self, &mut inbox);
        // Keep room for a usual batch, not for the largest burst seen.
        inbox.shrink_to(remote::KEEP_CAPACITY);
        *self.inbox.borrow_mut() = inbox;
    }

    pub(crate) fn current_task(&self) -> Option<TaskInfo> {
        let running = self.running.get()?;
        let tasks = self.tasks.borrow();
        Some(self.info(running, tasks.get(running.key())?))
    }

    pub(crate) fn metrics(&self) -> Metrics {
        let c = &self.counters;
        let (busy_time, idle_time) = c.times();
        Metrics {
            tasks_spawned: c.tasks_spawned.get(),
            tasks_alive: self.tasks_alive(),
            polls: c.retired_polls.get() + self.live_polls(),
            local_wakeups: c.woken.get() - c.remote_wakeups.get(),
            remote_wakeups: c.remote_wakeups.get(),
            io_events: self.reactor.io_events(),
            timers_pending: self.time.pending(),
            loop_iterations: c.loop_iterations.get(),
            busy_time,
            idle_time,
        }
    }

    /// Polls of the tasks and callbacks in the slab.
    fn live_polls(&self) -> u64 {
        let tasks = self.tasks.borrow();
        tasks
            .iter()
            .map(|(_, slot)| slot.task.header().polls.get())
            .sum()
    }

    fn tasks_alive(&self) -> usize {
        let tasks = self.tasks.borrow();
        tasks
            .iter()
            .filter(|(_, slot)| slot.is_task && !slot.task.header().is_done())
            .count()
    }

    pub(crate) fn all_tasks(&self) -> Vec<TaskInfo> {
        let tasks = self.tasks.borrow();
        tasks
            .iter()
            .filter(|(_, slot)| slot.is_task && !slot.task.header().is_done())
            .map(|(_, slot)| self.info(slot.task.header().task_ref, slot))
            .collect()
    }

    fn info(&self, task: TaskRef, slot: &Slot) -> TaskInfo {
        let header = slot.task.header();
        let state = if self.running.get() == Some(task) {
            TaskState::Running
        } else if slot.scheduled.get() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        TaskInfo {
            id: header.id,
            name: header.name.as_deref().map(str::to_owned),
            state,
            spawned_at: header.location,
            polls: header.polls.get(),
        }
    }

    /// In debug mode, list the tasks still pending as the runtime goes (≙
    /// asyncio's "Task was destroyed but it is pending!").
    pub(crate) fn report_pending(&self) {
        if self.slow_poll.is_none() {
            return;
        }
        let pending = self.all_tasks();
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

    /// Drop every task still alive, including tasks their destructors spawn.
    /// Each ends cancelled; their handles see `JoinError::is_cancelled`.
    pub(crate) fn shut_down(&self) {
        let _enter = super::context::enter(self);
        loop {
            let slots: Vec<Slot> = self.tasks.borrow_mut().drain().collect();
            if slots.is_empty() {
                break;
            }
            for slot in &slots {
                slot.task.shut_down();
            }
            let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(slots)));
        }
        self.queue.borrow_mut().clear();
    }
}

/// The next number of a SplitMix64 sequence: a small, fast PRNG whose
/// every seed (0 included) gives a good sequence.
fn splitmix64(state: &Cell<u64>) -> u64 {
    let next = state.get().wrapping_add(GOLDEN_GAMMA);
    state.set(next);
    let mut z = next;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// In debug mode, print one line for a poll of `what` that took longer
/// than `threshold` (≙ asyncio's "Executing <Task ...> took 2.001 seconds").
/// A failed write (a closed stderr pipe) is ignored: it must not take the
/// loop down.
fn report_slow_poll(took: Duration, threshold: Duration, what: impl FnOnce() -> String) {
    if took < threshold {
        return;
    }
    let _ = writeln!(
        io::stderr().lock(),
        "uniloop: executing {} took {:.3} seconds",
        what(),
        took.as_secs_f64()
    );
}
