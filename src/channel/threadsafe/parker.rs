//! How a thread blocked in `send_blocking` waits: it watches for its wake
//! for a moment before it parks.
//!
//! # Why
//!
//! On a full channel, a blocked sender is granted the slot a receive
//! frees (FIFO, `channel/bounded.rs`), so while senders outpace the
//! receiver, *every* message passes through a blocked sender: the loop
//! wakes it, and it sends once and blocks again. Parked each time, that
//! costs the sender a `futex` wait, and the loop a `futex` wake on every
//! receive, after which the woken sender often takes the loop's CPU. A
//! sender that is still watching when its wake comes is not parked: the
//! loop's wake is then `Thread::unpark` on a running thread, an atomic
//! swap with no system call, and neither side is switched out.
//!
//! # Invariants
//!
//! - [`Unparker`] unparks *then* sets `woken` ([`Unparker::wake`]), so a
//!   thread that sees `woken` ([`Parker::wait`]) holds the park token
//!   already: the `thread::park` it then calls returns at once, without a
//!   system call, and no stale token is left to cut a later wait short.
//! - `woken` is only a hint: the sender clears it before each poll
//!   ([`Parker::arm`]) and learns whether it was sent from that poll,
//!   under the channel's lock. A wake missed by the watch is kept by the
//!   park token, so the watch can neither lose a wake nor invent one.
//! - The watch is bounded ([`SPIN`]) and skipped where this process has one
//!   CPU: there, watching would only hold the CPU the receiver needs.

use std::sync::Arc;
use std::task::{Wake, Waker};

use crate::util::sync::{thread, AtomicBool, Ordering};

/// The longest a blocked sender watches for its wake before it parks: a
/// few dozen receives while the loop is draining the channel, far below a
/// time slice. Measured on 2 CPUs (`benches/channel.rs`, threadsafe): 5 µs
/// beat 2, 3, 8 and 20 µs; longer watches mostly burn the CPU that the
/// other senders need (see BENCHMARKS.md).
#[cfg(not(uniloop_loom))]
const SPIN: std::time::Duration = std::time::Duration::from_micros(5);

/// Wakes the thread blocked in `send_blocking`.
pub(super) struct Unparker {
    thread: thread::Thread,
    /// Set by every wake since the last [`Parker::arm`].
    woken: AtomicBool,
}

impl Unparker {
    fn new() -> Unparker {
        Unparker {
            thread: thread::current(),
            woken: AtomicBool::new(false),
        }
    }
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // The token first: see the module's invariants.
        self.thread.unpark();
        self.woken.store(true, Ordering::Release);
    }
}

/// This thread's side of its [`Unparker`]: a waker for its sends, and the
/// wait between their polls.
pub(super) struct Parker {
    unparker: Arc<Unparker>,
}

impl Parker {
    /// The current thread's parker (its unparker is made once per thread).
    pub(super) fn current() -> Parker {
        Parker {
            unparker: this_thread(),
        }
    }

    /// A waker that wakes this thread.
    pub(super) fn waker(&self) -> Waker {
        Waker::from(self.unparker.clone())
    }

    /// Forget earlier wakes: call before each poll, whose own outcome
    /// tells what happened before it.
    pub(super) fn arm(&self) {
        self.unparker.woken.store(false, Ordering::Relaxed);
    }

    /// Wait for a wake since the last [`arm`](Self::arm) (or return
    /// spuriously, which costs the caller another poll).
    pub(super) fn wait(&self) {
        // Under loom, one look stands for the watch: what matters is that
        // the park below neither misses a wake nor keeps a stale one.
        #[cfg(uniloop_loom)]
        let _ = self.unparker.woken.load(Ordering::Acquire);
        #[cfg(not(uniloop_loom))]
        if many_cpus() {
            let until = std::time::Instant::now() + SPIN;
            'watch: while std::time::Instant::now() < until {
                for _ in 0..64 {
                    if self.unparker.woken.load(Ordering::Acquire) {
                        break 'watch;
                    }
                    std::hint::spin_loop();
                }
            }
        }
        // Returns at once if the wake came: its token is already set.
        thread::park();
    }
}

impl std::fmt::Debug for Parker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parker").finish_non_exhaustive()
    }
}

/// This thread's unparker, made once per thread.
#[cfg(not(uniloop_loom))]
fn this_thread() -> Arc<Unparker> {
    thread_local! {
        static UNPARKER: Arc<Unparker> = Arc::new(Unparker::new());
    }
    UNPARKER
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::new(Unparker::new()))
}

/// This thread's unparker (loom's threads may share an OS thread: no
/// per-thread cache there).
#[cfg(uniloop_loom)]
fn this_thread() -> Arc<Unparker> {
    Arc::new(Unparker::new())
}

/// Whether this process may run on more than one CPU (its affinity mask,
/// as `taskset` sets it, and its cgroup's quota), looked up once.
#[cfg(not(uniloop_loom))]
fn many_cpus() -> bool {
    static MANY: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MANY.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}
