//! Wakers that cost nothing to clone or drop.
//!
//! # Design
//!
//! A uniloop waker owns no reference count. Its data word is not a pointer
//! but a packed [`TaskRef`]: the runtime's id, the task's slab key and a
//! generation (the low bits of the task's id). Clone and drop are no-ops.
//!
//! Waking routes on the runtime id:
//! - on the loop's own thread, while that loop is running, a wake is a
//!   generation check and a push onto the run queue ([`Core::schedule`]);
//! - anywhere else (another thread, or the loop's thread while it is not
//!   running), the wake goes through the registry of live runtimes to that
//!   runtime's inbox, which wakes the parked loop.
//!
//! # Soundness
//!
//! The data word is never dereferenced: it is an integer carried in a
//! pointer-sized slot (`ptr::without_provenance`). Every lookup it drives is
//! bounds- and generation-checked, so a stale waker (its task finished, the
//! slab slot reused, the runtime gone, even a generation that wrapped around)
//! can at worst cause one spurious poll, which futures must tolerate anyway.
//!
//! [`Core::schedule`]: super::core::Core::schedule

use std::ptr;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::context;
use super::driver::registry;

#[cfg(not(target_pointer_width = "64"))]
compile_error!("uniloop needs a 64-bit target: a waker packs its task's address into one word");

const KEY_BITS: u32 = 26;
const GEN_BITS: u32 = 26;
const RT_BITS: u32 = 12;
const KEY_MASK: u64 = (1 << KEY_BITS) - 1;
const GEN_MASK: u64 = (1 << GEN_BITS) - 1;

/// How many runtimes may be alive at once (the width of the runtime id).
pub(crate) const MAX_RUNTIMES: usize = 1 << RT_BITS;
/// The slab key reserved for the future passed to `block_on`.
pub(crate) const MAIN_KEY: usize = KEY_MASK as usize;
/// Tasks alive at once in one runtime: every key below `MAIN_KEY`.
pub(crate) const MAX_TASKS: usize = MAIN_KEY;

/// The address of a task: runtime id, slab key, generation, in one word.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct TaskRef(u64);

impl TaskRef {
    pub(crate) fn new(runtime: usize, key: usize, generation: u64) -> TaskRef {
        debug_assert!(runtime < MAX_RUNTIMES && key <= MAIN_KEY);
        TaskRef(
            (runtime as u64) << (KEY_BITS + GEN_BITS)
                | (key as u64) << GEN_BITS
                | (generation & GEN_MASK),
        )
    }

    pub(crate) fn runtime(self) -> usize {
        (self.0 >> (KEY_BITS + GEN_BITS)) as usize
    }

    pub(crate) fn key(self) -> usize {
        ((self.0 >> GEN_BITS) & KEY_MASK) as usize
    }

    pub(crate) fn generation(self) -> u64 {
        self.0 & GEN_MASK
    }

    /// The generation a task with this id gets.
    pub(crate) fn generation_of(id: u64) -> u64 {
        id & GEN_MASK
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, drop);

fn clone(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

fn wake(data: *const ()) {
    schedule(TaskRef(data.addr() as u64));
}

fn drop(_: *const ()) {}

/// The waker of the task at `task`.
pub(crate) fn waker(task: TaskRef) -> Waker {
    let raw = RawWaker::new(ptr::without_provenance(task.0 as usize), &VTABLE);
    // SAFETY: the vtable's functions never dereference the data word (it is a
    // packed integer, see the module docs), they are sound on any thread
    // (they touch only a thread-local and the mutex-guarded registry), and
    // clone returns a waker with the same vtable, as `RawWaker` requires.
    unsafe { Waker::from_raw(raw) }
}

/// Wake the task at `task`, from any thread.
#[inline]
pub(crate) fn schedule(task: TaskRef) {
    let local = context::with_current(|core| {
        let mine = core.id() == task.runtime();
        if mine {
            core.schedule(task);
        }
        mine
    });
    if local != Some(true) {
        registry::wake(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_at_the_limits() {
        let r = TaskRef::new(MAX_RUNTIMES - 1, MAIN_KEY, u64::MAX);
        assert_eq!(r.runtime(), MAX_RUNTIMES - 1);
        assert_eq!(r.key(), MAIN_KEY);
        assert_eq!(r.generation(), GEN_MASK);
        let r = TaskRef::new(3, 17, 5);
        assert_eq!((r.runtime(), r.key(), r.generation()), (3, 17, 5));
    }

    #[test]
    fn generation_wraps_instead_of_overflowing() {
        assert_eq!(TaskRef::generation_of(1 << GEN_BITS), 0);
        assert_eq!(TaskRef::generation_of((1 << GEN_BITS) + 9), 9);
    }

    #[test]
    fn clones_of_a_waker_wake_the_same_task() {
        let w = waker(TaskRef::new(1, 2, 3));
        assert!(w.will_wake(&w.clone()));
        assert!(!w.will_wake(&waker(TaskRef::new(1, 2, 4))));
    }
}
