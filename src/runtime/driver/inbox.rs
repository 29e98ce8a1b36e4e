//! `Inbox`: the one path into a loop from outside it: wakes, callbacks and
//! task starts sent from other threads (or from the loop's thread while
//! its loop is not running).
//!
//! # Invariants
//!
//! - A producer pushes onto `queue` and *then* sets `notified`; if it was
//!   the one to set it, it also wakes the loop ([`Inbox::nudge`]). The loop
//!   clears `notified` *before* it takes the queue ([`Inbox::drain`]). So
//!   every push is either taken by the drain in progress or leaves
//!   `notified` set for the next one: no wake-up is lost, and a burst of
//!   sends costs the loop one `eventfd` write.
//! - The queue holds at most one `Wake` per task (≙ tokio's per-task
//!   NOTIFIED bit; a task's own state cannot hold it, see
//!   `runtime::task::state`): `Queue::woken` names the tasks with a wake
//!   queued, and a wake of one of them is already served by that entry
//!   ([`Inbox::wake`]). The loop empties `woken` in the same critical
//!   section as it takes the queue, so a wake that comes after the take
//!   queues afresh. The queue's memory is bounded by the number of tasks,
//!   not of wakes, and a buffer grown by a burst is given back after it
//!   ([`KEEP_CAPACITY`]).
//! - `closed` is read and set under the queue's lock, so nothing is queued
//!   after [`Inbox::close`] emptied the queue: what is sent later comes
//!   back to the sender.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::mem;
use std::panic::Location;
use std::thread::ThreadId;

use crate::runtime::remote_task::Starter;
use crate::runtime::waker::TaskRef;
use crate::util::sync::{lock, AtomicBool, Mutex, Ordering};

/// Something sent into the loop from outside.
pub(crate) enum Message {
    /// Wake a task.
    Wake(TaskRef),
    /// Run a callback on the loop (`Handle::call_soon_threadsafe`), with
    /// where it was sent from.
    Call(Box<dyn FnOnce() + Send>, &'static Location<'static>),
    /// Start a task (`Handle::spawn`).
    Spawn(Starter),
}

/// How many entries the inbox's buffers keep room for once drained; a
/// burst beyond that is given back after it.
pub(crate) const KEEP_CAPACITY: usize = 1024;

/// What other threads have sent, behind the inbox's lock.
#[derive(Default)]
struct Queue {
    messages: Vec<Message>,
    /// The tasks with a `Message::Wake` in `messages`.
    woken: HashSet<TaskRef, BuildHasherDefault<TaskRefHasher>>,
}

/// Hashes a `TaskRef` by one multiplication (its bits are already
/// distinct per task; the product spreads them into the high bits).
#[derive(Default)]
struct TaskRefHasher(u64);

impl Hasher for TaskRefHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(GOLDEN);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(GOLDEN);
    }
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// How the inbox wakes its parked loop.
pub(crate) enum LoopWaker {
    /// The reactor's `eventfd` (every real runtime).
    Reactor(mio::Waker),
    /// A counter of wakes (the loom models, which have no reactor).
    #[cfg(all(test, uniloop_loom))]
    Count(std::sync::Arc<crate::util::sync::AtomicUsize>),
}

impl LoopWaker {
    fn wake(&self) {
        match self {
            // A failed eventfd write leaves the counter readable: the loop
            // wakes either way, so there is nothing to handle here.
            LoopWaker::Reactor(waker) => drop(waker.wake()),
            #[cfg(all(test, uniloop_loom))]
            LoopWaker::Count(count) => drop(count.fetch_add(1, Ordering::AcqRel)),
        }
    }
}

/// A loop's inbox for other threads.
pub(crate) struct Inbox {
    queue: Mutex<Queue>,
    notified: AtomicBool,
    closed: AtomicBool,
    waker: LoopWaker,
    /// The thread that owns the runtime: the only one that can run it.
    owner: ThreadId,
}

impl Inbox {
    pub(crate) fn new(waker: LoopWaker) -> Inbox {
        Inbox {
            queue: Mutex::new(Queue::default()),
            notified: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            waker,
            owner: std::thread::current().id(),
        }
    }

    /// The thread that owns the runtime.
    pub(crate) fn owner(&self) -> ThreadId {
        self.owner
    }

    /// Queue `value` (as `wrap(value)`) for the loop, or give it back if the
    /// runtime is gone.
    pub(crate) fn send<T>(&self, value: T, wrap: impl FnOnce(T) -> Message) -> Result<(), T> {
        let mut queue = lock(&self.queue);
        if self.closed.load(Ordering::Relaxed) {
            return Err(value);
        }
        queue.messages.push(wrap(value));
        drop(queue);
        self.nudge();
        Ok(())
    }

    /// Queue a wake of `task`, unless one is queued already; `Err` if the
    /// runtime is gone.
    pub(crate) fn wake(&self, task: TaskRef) -> Result<(), ()> {
        let mut queue = lock(&self.queue);
        if self.closed.load(Ordering::Relaxed) {
            return Err(());
        }
        if !queue.woken.insert(task) {
            return Ok(()); // the queued wake will do
        }
        queue.messages.push(Message::Wake(task));
        drop(queue);
        self.nudge();
        Ok(())
    }

    /// Wake the loop with nothing to deliver, so that it looks again at
    /// what it was waiting for.
    pub(crate) fn nudge(&self) {
        if !self.notified.swap(true, Ordering::AcqRel) {
            self.waker.wake();
        }
    }

    /// The runtime is gone: refuse new messages, drop queued ones (their
    /// destructors run here, outside the lock).
    pub(crate) fn close(&self) {
        let queued = {
            let mut queue = lock(&self.queue);
            self.closed.store(true, Ordering::Relaxed);
            mem::take(&mut *queue)
        };
        drop(queued);
    }

    /// Whether a `drain` would find anything (one atomic load).
    pub(crate) fn is_notified(&self) -> bool {
        self.notified.load(Ordering::Acquire)
    }

    /// Move everything sent so far into `into` (which the caller empties,
    /// and may then shrink: see [`KEEP_CAPACITY`]).
    pub(crate) fn drain(&self, into: &mut Vec<Message>) {
        if !self.notified.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut queue = lock(&self.queue);
        mem::swap(&mut queue.messages, into);
        // A burst's table goes; a small one is kept and reused.
        let burst = if queue.woken.capacity() > KEEP_CAPACITY {
            mem::take(&mut queue.woken)
        } else {
            queue.woken.clear();
            HashSet::default()
        };
        drop(queue);
        drop(burst);
    }
}
