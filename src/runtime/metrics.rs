//! `Metrics`: what a runtime has done so far, read without stopping it.

use std::cell::Cell;
use std::fmt;
use std::time::{Duration, Instant};

use super::context;

/// A snapshot of a runtime's counters, from [`Runtime::metrics`] or
/// [`metrics()`] (≙ what asyncio users piece together from `all_tasks()`
/// and debug logs; closer to tokio's `RuntimeMetrics`).
///
/// Counters start at zero when the runtime is built and only grow; the
/// gauges (`tasks_alive`, `timers_pending`) are read at the snapshot.
/// Times are on the real clock, even under a paused clock.
///
/// [`Runtime::metrics`]: crate::Runtime::metrics
///
/// # Examples
///
/// ```
/// let rt = uniloop::Runtime::new()?;
/// rt.block_on(async {
///     uniloop::spawn(async { uniloop::yield_now().await }).await.unwrap();
/// });
/// let m = rt.metrics();
/// assert_eq!(m.tasks_spawned, 1);
/// assert_eq!(m.tasks_alive, 0);
/// assert_eq!(m.polls, 2); // the task: once before its yield, once after
/// println!("{m}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Metrics {
    /// Tasks spawned ([`spawn`](crate::spawn) and friends; not callbacks).
    pub tasks_spawned: u64,
    /// Tasks spawned and not yet finished or cancelled (what
    /// [`all_tasks`](crate::all_tasks) lists).
    pub tasks_alive: usize,
    /// Polls of tasks and callbacks (not of the future given to
    /// `block_on`).
    pub polls: u64,
    /// Wake-ups from the loop's own thread while it runs (including a task
    /// waking itself, as [`yield_now`](crate::yield_now) does) that put a
    /// task in the run queue. Waking a task that is queued already, or
    /// finished, does nothing and is not counted.
    pub local_wakeups: u64,
    /// Wake-ups that came from other threads (or from the loop's thread
    /// while it was not running) and put a task in the run queue.
    pub remote_wakeups: u64,
    /// I/O readiness events the reactor delivered to sockets.
    pub io_events: u64,
    /// Timers (sleeps, timeouts, intervals, `call_later`) waiting to fire.
    pub timers_pending: usize,
    /// Turns of the loop: each is up to 128 polls, then a look at I/O,
    /// other threads and timers (or a park, when nothing is ready).
    pub loop_iterations: u64,
    /// Time inside `block_on` (or `run`) not spent parked.
    pub busy_time: Duration,
    /// Time inside `block_on` spent parked, waiting for I/O, a timer or
    /// another thread.
    pub idle_time: Duration,
}

/// The snapshot of the runtime running on this thread (≙
/// [`Runtime::metrics`](crate::Runtime::metrics) from inside).
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::metrics() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let before = uniloop::metrics();
///     uniloop::spawn(async {}).await.unwrap();
///     let after = uniloop::metrics();
///     assert_eq!(after.tasks_spawned - before.tasks_spawned, 1);
///     assert_eq!(after.polls - before.polls, 1);
/// });
/// ```
#[track_caller]
pub fn metrics() -> Metrics {
    context::expect_current("metrics", |core| core.metrics())
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "tasks: {} spawned, {} alive; {} polls; wake-ups: {} local, {} remote",
            self.tasks_spawned,
            self.tasks_alive,
            self.polls,
            self.local_wakeups,
            self.remote_wakeups
        )?;
        write!(
            f,
            "{} I/O events, {} timers pending, {} loop iterations; busy {:.3} s, idle {:.3} s",
            self.io_events,
            self.timers_pending,
            self.loop_iterations,
            self.busy_time.as_secs_f64(),
            self.idle_time.as_secs_f64()
        )
    }
}

/// The counters a core keeps (plain `Cell`s: only its thread touches them).
///
/// The hot paths pay one add, for a wake that queues a task. Polls are not
/// counted again: each task's header counts its own, and the core adds a
/// task's count to `retired_polls` when it frees it.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) tasks_spawned: Cell<u64>,
    /// Wake-ups that queued a task, local and remote.
    pub(crate) woken: Cell<u64>,
    /// The remote part of `woken`.
    pub(crate) remote_wakeups: Cell<u64>,
    /// Polls of the tasks and callbacks freed so far.
    pub(crate) retired_polls: Cell<u64>,
    pub(crate) loop_iterations: Cell<u64>,
    /// Time spent parked.
    idle: Cell<Duration>,
    /// Time inside finished `block_on` calls.
    looped: Cell<Duration>,
    /// When the `block_on` in progress started, if one is.
    since: Cell<Option<Instant>>,
}

/// Add one to a counter.
pub(crate) fn bump(counter: &Cell<u64>) {
    counter.set(counter.get() + 1);
}

impl Counters {
    /// Time `park` (the reactor wait) as idle.
    pub(crate) fn idle<R>(&self, park: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let output = park();
        self.idle.set(self.idle.get() + start.elapsed());
        output
    }

    /// A `block_on` starts; the guard marks its end, unwinding included.
    pub(crate) fn enter_loop(&self) -> LoopTime<'_> {
        self.since.set(Some(Instant::now()));
        LoopTime { counters: self }
    }

    /// (busy, idle) so far.
    pub(crate) fn times(&self) -> (Duration, Duration) {
        let running = self.since.get().map_or(Duration::ZERO, |t| t.elapsed());
        let total = self.looped.get() + running;
        let idle = self.idle.get();
        (total.saturating_sub(idle), idle)
    }
}

/// Adds a `block_on`'s time to the total when dropped.
pub(crate) struct LoopTime<'a> {
    counters: &'a Counters,
}

impl Drop for LoopTime<'_> {
    fn drop(&mut self) {
        if let Some(since) = self.counters.since.take() {
            let looped = self.counters.looped.get() + since.elapsed();
            self.counters.looped.set(looped);
        }
    }
}
