//! The one path into a loop from outside it: wakes and callbacks sent from
//! other threads (or from the loop's thread while its loop is not running).
//!
//! # Invariants
//!
//! - A producer pushes onto `queue` and *then* sets `notified`; if it was the
//!   one to set it, it also wakes the reactor. The loop clears `notified`
//!   *before* it swaps the queue out. So every push is either drained by the
//!   drain in progress or leaves `notified` set for the next one: no wake-up
//!   is lost, and a burst of wakes costs the loop one `eventfd` write.
//! - The queue holds at most one `Wake` per task (≙ tokio's per-task
//!   NOTIFIED bit): `Inbox::woken` names the tasks with a wake queued, and
//!   a wake of one of them is already served by that entry
//!   ([`Remote::wake`]). The loop empties `woken` in the same critical
//!   section as it takes the queue ([`Remote::drain`]), so a wake that
//!   comes after the take queues afresh. So the queue's memory is bounded
//!   by the number of tasks, not of wakes, and a buffer grown by a burst is
//!   given back after it ([`KEEP_CAPACITY`]).
//! - The registry maps a runtime id to its `Remote` while the runtime is
//!   alive. An id is reused after its runtime is dropped; a stale waker then
//!   reaches the new runtime, whose generations start from another base, so
//!   the generation check makes it a no-op (a spurious poll would need a
//!   1-in-2²⁶ coincidence, and futures tolerate spurious polls anyway).

use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::mem;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::ThreadId;

use super::core::Core;
use super::remote_task::Starter;
use super::waker::{TaskRef, MAX_RUNTIMES};

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

/// What other threads have sent, behind the `Remote`'s lock.
#[derive(Default)]
struct Inbox {
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

/// A loop's inbox for other threads.
pub(crate) struct Remote {
    queue: Mutex<Inbox>,
    notified: AtomicBool,
    closed: AtomicBool,
    waker: mio::Waker,
    /// The thread that owns the runtime: the only one that can run it.
    pub(crate) owner: ThreadId,
}

impl Remote {
    pub(crate) fn new(waker: mio::Waker) -> Remote {
        Remote {
            queue: Mutex::new(Inbox::default()),
            notified: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            waker,
            owner: std::thread::current().id(),
        }
    }

    /// Queue `value` (as `wrap(value)`) for the loop, or give it back if the
    /// runtime is gone. `closed` is read under the queue lock, so nothing is
    /// queued after `close` has emptied the queue.
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
            // A failed eventfd write leaves the counter readable: the loop
            // wakes either way, so there is nothing to handle here.
            let _ = self.waker.wake();
        }
    }

    /// The runtime is gone: refuse new callbacks, drop queued ones.
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

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; recover rather than spread a
    // poison that cannot mean anything.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

static REGISTRY: Mutex<Vec<Option<Arc<Remote>>>> = Mutex::new(Vec::new());

/// Give `remote` a runtime id.
pub(crate) fn register(remote: Arc<Remote>) -> io::Result<usize> {
    let mut registry = lock(&REGISTRY);
    if let Some(id) = registry.iter().position(Option::is_none) {
        registry[id] = Some(remote);
        return Ok(id);
    }
    if registry.len() == MAX_RUNTIMES {
        return Err(io::Error::other(format!(
            "uniloop: at most {MAX_RUNTIMES} runtimes can be alive at once"
        )));
    }
    registry.push(Some(remote));
    Ok(registry.len() - 1)
}

pub(crate) fn unregister(id: usize) {
    lock(&REGISTRY)[id] = None;
}

thread_local! {
    /// The runtime this thread last woke a task of, so that a stream of
    /// wakes from one thread into one loop (a worker thread finishing jobs,
    /// a channel's senders) takes only that loop's queue lock, not the
    /// registry's. `Weak`, so that it keeps no dead runtime's eventfd open.
    static LAST_WOKEN: RefCell<(usize, Weak<Remote>)> = const { RefCell::new((usize::MAX, Weak::new())) };
}

/// Wake `task` through its runtime's remote queue; a no-op if the runtime is
/// gone.
pub(crate) fn wake(task: TaskRef) {
    // The cached `Remote` accepts the wake only while it is open, and an open
    // one is the live runtime with that id: a runtime's `Remote` is closed
    // when it is dropped and never reopened, and a runtime that takes the id
    // later gets a new `Remote`. A refusal falls back to the registry.
    let cached = LAST_WOKEN
        .try_with(|last| {
            let last = last.borrow();
            (last.0 == task.runtime())
                .then(|| last.1.upgrade())
                .flatten()
        })
        .ok()
        .flatten();
    if let Some(remote) = cached {
        if remote.wake(task).is_ok() {
            return;
        }
    }
    let Some(remote) = lock(&REGISTRY).get(task.runtime()).cloned().flatten() else {
        return;
    };
    let _ =
        LAST_WOKEN.try_with(|last| *last.borrow_mut() = (task.runtime(), Arc::downgrade(&remote)));
    // A closed runtime has no task to wake.
    let _ = remote.wake(task);
}

/// Apply everything other threads sent to `core`.
pub(crate) fn deliver(core: &Core, messages: &mut Vec<Message>) {
    for message in messages.drain(..) {
        match message {
            Message::Wake(task) => core.wake_remote(task),
            Message::Call(f, location) => {
                // Detached: nothing outside the loop can cancel it.
                drop(core.spawn_callback(async move { f() }, location));
            }
            // It catches the panics of the user code it runs.
            Message::Spawn(starter) => starter.start(core),
        }
    }
}
