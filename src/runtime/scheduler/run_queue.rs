//! `RunQueue`: the ready tasks in the order they run, the seeded shuffle
//! that may change that order, and the root future's place among them.
//!
//! # Invariants
//!
//! - A task is in the queue at most once: it is pushed only when its state
//!   says it became scheduled (`State::schedule`), and its state says so
//!   until it is popped.
//! - Entries carry their task's generation. An entry whose task was freed
//!   (it finished after queueing itself) or replaced by a newer task no
//!   longer matches and is skipped by the scheduler.
//! - The future given to `block_on` ("main") is not a task: it has the key
//!   `MAIN_KEY` and a generation bumped by every `block_on`
//!   ([`RunQueue::begin_main`]), and a flag of its own instead of a task
//!   state. [`RunQueue::pop`] drops entries of an earlier `block_on`'s
//!   main, so callers see [`Next::Main`] only for the current one.
//! - Without a seed the order is FIFO; with one ([`Builder::seed`]) each
//!   pop takes a ready task chosen by SplitMix64, so the same seed gives
//!   the same order.
//!
//! [`Builder::seed`]: crate::Builder::seed

use std::cell::{Cell, RefCell};

use super::ring::Ring;
use crate::runtime::waker::{TaskRef, MAIN_KEY};

/// Each seed's sequence, and each runtime's generation base, advance by
/// this odd constant (2⁶⁴ / φ), which spreads consecutive values.
pub(crate) const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// What the loop runs next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// A task (maybe a stale entry: the scheduler checks).
    Task(TaskRef),
    /// The future given to the current `block_on`.
    Main,
}

pub(crate) struct RunQueue {
    runtime: usize,
    queue: RefCell<Ring>,
    /// With a seed: the PRNG's state.
    shuffle: Option<Cell<u64>>,
    main_generation: Cell<u64>,
    main_scheduled: Cell<bool>,
}

impl RunQueue {
    pub(crate) fn new(runtime: usize, seed: Option<u64>, main_generation: u64) -> RunQueue {
        RunQueue {
            runtime,
            queue: RefCell::new(Ring::new()),
            shuffle: seed.map(Cell::new),
            main_generation: Cell::new(main_generation),
            main_scheduled: Cell::new(false),
        }
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.borrow().is_empty()
    }

    /// Queue a task that just became scheduled.
    #[inline]
    pub(crate) fn push(&self, task: TaskRef) {
        self.queue.borrow_mut().push_back(task);
    }

    /// Start a `block_on`: a new generation for main, queued behind the
    /// tasks already ready. Returns main's address (its waker's).
    pub(crate) fn begin_main(&self) -> TaskRef {
        let generation = TaskRef::generation_of(self.main_generation.get() + 1);
        self.main_generation.set(generation);
        self.main_scheduled.set(true);
        let main = TaskRef::new(self.runtime, MAIN_KEY, generation);
        self.push(main);
        main
    }

    /// A wake of main's address `task`: queue it if it is the current main
    /// and not queued yet. Whether it was queued.
    #[inline]
    pub(crate) fn schedule_main(&self, task: TaskRef) -> bool {
        if task.generation() != self.main_generation.get() || self.main_scheduled.get() {
            return false;
        }
        self.main_scheduled.set(true);
        self.push(task);
        true
    }

    /// The next entry to run, if any.
    #[inline]
    pub(crate) fn pop(&self) -> Option<Next> {
        loop {
            let task = self.pop_entry()?;
            if task.key() != MAIN_KEY {
                return Some(Next::Task(task));
            }
            if task.generation() == self.main_generation.get() {
                self.main_scheduled.set(false);
                return Some(Next::Main);
            }
            // An earlier block_on's main: gone.
        }
    }

    /// The first entry, or with a seed a random one.
    #[inline]
    fn pop_entry(&self) -> Option<TaskRef> {
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

    /// Forget every entry (the runtime is shutting down).
    pub(crate) fn clear(&self) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_is_reported_once_per_block_on_and_stale_mains_are_skipped() {
        let queue = RunQueue::new(1, None, 0);
        let first = queue.begin_main();
        let task = TaskRef::new(1, 3, 7);
        queue.push(task);
        assert!(!queue.schedule_main(first)); // queued already
        let second = queue.begin_main(); // the first block_on ended
        assert!(!queue.schedule_main(first)); // stale
        assert_eq!(queue.pop(), Some(Next::Task(task))); // first's entry skipped
        assert_eq!(queue.pop(), Some(Next::Main));
        assert_eq!(queue.pop(), None);
        assert!(queue.schedule_main(second));
        assert_eq!(queue.pop(), Some(Next::Main));
    }

    #[test]
    fn a_seed_fixes_the_order() {
        let order = |seed| {
            let queue = RunQueue::new(1, Some(seed), 0);
            (0..8).for_each(|k| queue.push(TaskRef::new(1, k, 1)));
            std::iter::from_fn(|| queue.pop())
                .map(|next| match next {
                    Next::Task(task) => task.key(),
                    Next::Main => unreachable!(),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(order(4), order(4));
        assert_ne!(order(4), order(5));
        let fifo = RunQueue::new(1, None, 0);
        (0..3).for_each(|k| fifo.push(TaskRef::new(1, k, 1)));
        assert_eq!(fifo.pop(), Some(Next::Task(TaskRef::new(1, 0, 1))));
    }
}
