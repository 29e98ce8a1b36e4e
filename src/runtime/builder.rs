//! `Builder`: a runtime's options.

use std::env;
use std::io;
use std::time::Duration;

use super::event_loop::Runtime;

/// The options a [`Runtime`] is built with (≙ the keyword arguments of
/// `asyncio.run` and the loop's setters).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let rt = uniloop::Runtime::builder()
///     .debug(true)
///     .slow_poll_threshold(Duration::from_millis(50))
///     .event_capacity(256)
///     .build()?;
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    debug: Option<bool>,
    slow_poll_threshold: Duration,
    event_capacity: usize,
    paused_clock: bool,
    blocking_threads: Option<usize>,
    seed: Option<u64>,
    shutdown_timeout: Duration,
}

/// What the core needs of a `Builder`, with the environment applied.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) debug: bool,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) event_capacity: usize,
    pub(crate) paused_clock: bool,
    /// The blocking pool's thread limit, at least 1.
    pub(crate) blocking_threads: usize,
    /// `Some` to take ready tasks in a shuffled order from this seed.
    pub(crate) seed: Option<u64>,
    /// How long dropping the runtime waits for cancelled tasks' cleanups
    /// and running blocking jobs.
    pub(crate) shutdown_timeout: Duration,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// The default options: debug mode off unless `UNILOOP_DEBUG` says
    /// otherwise, a 100 ms slow-poll threshold, 1024 events per reactor poll.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Builder::new().build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> Builder {
        Builder {
            debug: None,
            slow_poll_threshold: Duration::from_millis(100),
            event_capacity: 1024,
            paused_clock: false,
            blocking_threads: None,
            seed: None,
            shutdown_timeout: Duration::from_secs(10),
        }
    }

    /// Debug mode (≙ `asyncio.run(main(), debug=True)`), which prints to
    /// stderr:
    /// - one line for every poll (of a task, a callback, or the future given
    ///   to `block_on`) that takes longer than
    ///   [`slow_poll_threshold`](Self::slow_poll_threshold), naming it, its
    ///   id, its spawn location and the duration (≙ "Executing <Task ...>
    ///   took 2.001 seconds");
    /// - one line for a task that panicked and whose panic nobody awaited
    ///   (its `Task` was dropped), with the panic's message (≙ "Task
    ///   exception was never retrieved").
    ///
    /// Unset, it follows the environment variable `UNILOOP_DEBUG` (≙
    /// `PYTHONASYNCIODEBUG`): on when set to anything but empty or `0`.
    /// Off, it costs nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::builder().debug(false).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn debug(mut self, enabled: bool) -> Builder {
        self.debug = Some(enabled);
        self
    }

    /// How long a single poll may take before debug mode reports it
    /// (default 100 ms, as asyncio's `slow_callback_duration`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder()
    ///     .debug(true)
    ///     .slow_poll_threshold(Duration::from_millis(10))
    ///     .build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Builder {
        self.slow_poll_threshold = threshold;
        self
    }

    /// How many I/O events one reactor poll can return (default 1024; `0` is
    /// taken as 1). More are picked up by the next poll.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::builder().event_capacity(64).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn event_capacity(mut self, capacity: usize) -> Builder {
        self.event_capacity = capacity;
        self
    }

    /// Run on virtual time (default off): the clock starts frozen and moves
    /// only by [`time::advance`](crate::time::advance) or by jumping to the
    /// next timer when no task is ready and no I/O has arrived, so that
    /// `sleep(Duration::from_secs(3600))` ends at once and timeouts are
    /// deterministic. See [the `time` module](crate::time#the-paused-clock)
    /// for how it treats real I/O, and [`blocking`](crate::blocking#the-paused-clock)
    /// for how it waits for [`to_thread`](crate::to_thread) jobs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// let real = std::time::Instant::now();
    /// rt.block_on(async { uniloop::sleep(Duration::from_secs(3600)).await });
    /// assert!(real.elapsed() < Duration::from_secs(3600));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn paused_clock(mut self, paused: bool) -> Builder {
        self.paused_clock = paused;
        self
    }

    /// The most threads the runtime's blocking pool (behind
    /// [`to_thread`](crate::to_thread)) runs at once. The default is
    /// asyncio's for its default executor, `min(32, cpus + 4)`; `0` is
    /// taken as 1. Threads are started on demand and exit after 10 s idle;
    /// jobs beyond the limit wait in FIFO order.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::builder().blocking_threads(2).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn blocking_threads(mut self, threads: usize) -> Builder {
        self.blocking_threads = Some(threads);
        self
    }

    /// Take ready tasks in an order shuffled by a PRNG seeded with `seed`,
    /// instead of FIFO. The same seed and the same program give the same
    /// interleaving, so an order-dependent bug found with one seed can be
    /// replayed; with [`paused_clock`](Self::paused_clock) a whole run is
    /// deterministic, as long as the program has no other source of
    /// chance: what other threads, real sockets or blocking jobs do, and
    /// when, still varies from run to run. Meant for tests: it gives up
    /// the FIFO guarantee.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::builder().seed(7).paused_clock(true).build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn seed(mut self, seed: u64) -> Builder {
        self.seed = Some(seed);
        self
    }

    /// How long dropping the runtime (and so the end of [`run`](crate::run))
    /// may take: the time the tasks it cancels get to finish their
    /// cleanups ([`on_cancel`](crate::on_cancel)), and then the blocking
    /// jobs still running get to finish, together. Default: 10 s.
    ///
    /// Shutdown works as `asyncio.run` ends: every task still alive is
    /// cancelled, and the loop runs until they have all finished (their
    /// cleanups ran), tasks and callbacks started meanwhile included (a
    /// task started meanwhile that is still running when the others are
    /// done is cancelled in turn). Whatever still runs at the bound is
    /// dropped without finishing its cleanup, and a line on stderr says how
    /// many (debug mode names each). The bound is on the real clock, even
    /// with [`paused_clock`](Builder::paused_clock), on which the cleanups'
    /// sleeps take no time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder()
    ///     .shutdown_timeout(Duration::from_secs(2))
    ///     .build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Builder {
        self.shutdown_timeout = timeout;
        self
    }

    /// Create the runtime.
    ///
    /// # Errors
    ///
    /// If the OS refuses the reactor's resources (an `epoll` instance and an
    /// `eventfd`), or 4096 runtimes are alive already.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::builder().build()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn build(self) -> io::Result<Runtime> {
        let debug = self.debug.unwrap_or_else(|| {
            env::var_os("UNILOOP_DEBUG").is_some_and(|v| !v.is_empty() && v != "0")
        });
        Runtime::from_config(Config {
            debug,
            slow_poll_threshold: self.slow_poll_threshold,
            event_capacity: self.event_capacity,
            paused_clock: self.paused_clock,
            blocking_threads: self
                .blocking_threads
                .unwrap_or_else(default_blocking_threads)
                .max(1),
            seed: self.seed,
            shutdown_timeout: self.shutdown_timeout,
        })
    }
}

/// asyncio's default executor size: `min(32, cpus + 4)`.
fn default_blocking_threads() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    (cpus + 4).min(32)
}
