//! The scheduler: the slab of tasks, the run queue, the task being polled,
//! and the steps of a task's life that need them (spawn, wake, run, free,
//! shut down). The drivers, which park the loop, are next door
//! (`runtime::driver`); `runtime::core` puts the two together.
//!
//! # Invariants
//!
//! - Ground rule: no `RefCell` of the scheduler is borrowed while user code
//!   runs (a poll, a destructor, a foreign waker). Borrows are taken, used
//!   and released inside one method; whatever must be dropped or woken is
//!   moved out first.
//! - A task's slab entry lives from its spawn until the poll that
//!   completes it ([`Scheduler::run_task`]) or the shutdown
//!   ([`Scheduler::shut_down`]); its [`TaskRef`] (runtime id, slab key,
//!   generation) is checked against the entry by every wake and pop
//!   ([`Scheduler::lookup`]), so a stale address touches nothing.
//! - Generations are a runtime's base plus the task's id, the base
//!   different in every runtime: a waker of a dropped runtime whose id was
//!   reused is stale here too.
//! - Every state change of a task goes through its `State`'s named
//!   transitions (`runtime::task::state`).

mod ring;
mod run_queue;
mod task_slab;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe, Location};
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Context;

pub(crate) use run_queue::Next;
use run_queue::{RunQueue, GOLDEN_GAMMA};
use task_slab::TaskSlab;

use super::debug::SlowPolls;
use super::metrics::{bump, Counters};
use super::task::cell::{Header, Kind, TaskCell};
use super::task::raw::RawTask;
use super::task::state::Schedule;
use super::task::{AbortHandle, Task, TaskId};
use super::waker::{self, TaskRef, MAIN_KEY, MAX_TASKS};

static GENERATION_BASES: AtomicU64 = AtomicU64::new(0);

pub(crate) struct Scheduler {
    /// The runtime's id, part of every `TaskRef` it hands out.
    id: usize,
    tasks: RefCell<TaskSlab>,
    run_queue: RunQueue,
    next_id: Cell<u64>,
    /// Added to task ids to make generations (see the module invariants).
    generation_base: u64,
    /// The task being polled, if it is a task (not a callback or main).
    running: Cell<Option<TaskRef>>,
    /// Debug mode: tasks report a panic nobody retrieved.
    report_unretrieved: bool,
    counters: Counters,
}

impl Scheduler {
    pub(crate) fn new(id: usize, seed: Option<u64>, report_unretrieved: bool) -> Scheduler {
        let generation_base = GENERATION_BASES.fetch_add(GOLDEN_GAMMA, Ordering::Relaxed);
        Scheduler {
            id,
            tasks: RefCell::new(TaskSlab::new()),
            run_queue: RunQueue::new(id, seed, TaskRef::generation_of(generation_base)),
            next_id: Cell::new(1),
            generation_base,
            running: Cell::new(None),
            report_unretrieved,
            counters: Counters::default(),
        }
    }

    /// The runtime's counters (the loop's are kept here too).
    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    pub(crate) fn id(&self) -> usize {
        self.id
    }

    /// Whether a task (or main) is ready to run.
    #[inline]
    pub(crate) fn has_ready(&self) -> bool {
        !self.run_queue.is_empty()
    }

    /// Spawn `future` as a task or a callback, queued behind the ready ones.
    pub(crate) fn spawn<F>(
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
        let report_unretrieved = self.report_unretrieved;
        let header = move || {
            Header::new(
                TaskId(id),
                name,
                location,
                kind,
                task_ref,
                report_unretrieved,
                TaskCell::<F>::VTABLE,
            )
        };
        let (slab_ref, handle_ref) = TaskCell::allocate(header, future);
        tasks.insert(slab_ref);
        drop(tasks);
        self.run_queue.push(task_ref);
        // SAFETY: the cell's future is `F`, whose output is the handle's.
        unsafe { Task::from_raw(handle_ref) }
    }

    /// The task at `task`, if it is still that task.
    #[inline]
    fn lookup(&self, task: TaskRef) -> Option<RawTask> {
        let tasks = self.tasks.borrow();
        let raw = tasks.get(task.key())?;
        (raw.header().task_ref == task).then(|| raw.clone())
    }

    /// A wake of the task (or main) at `task`: queue it unless it is queued
    /// already, done, or `task` is stale. Whether it was queued (counted in
    /// `woken`).
    #[inline]
    pub(crate) fn schedule(&self, task: TaskRef) -> bool {
        let queued = if task.key() == MAIN_KEY {
            self.run_queue.schedule_main(task)
        } else {
            let tasks = self.tasks.borrow();
            match tasks.get(task.key()) {
                Some(raw) => {
                    let header = raw.header();
                    header.task_ref == task && header.state.schedule() == Schedule::Queue
                }
                None => false,
            }
        };
        if queued {
            if task.key() != MAIN_KEY {
                self.run_queue.push(task);
            }
            bump(&self.counters.woken);
        }
        queued
    }

    /// A wake from another thread (see [`schedule`](Self::schedule)).
    pub(crate) fn wake_remote(&self, task: TaskRef) {
        if self.schedule(task) {
            bump(&self.counters.remote_wakeups);
        }
    }

    /// Start a `block_on`: see [`RunQueue::begin_main`].
    pub(crate) fn begin_main(&self) -> TaskRef {
        self.run_queue.begin_main()
    }

    /// The next entry to run.
    #[inline]
    pub(crate) fn pop(&self) -> Option<Next> {
        self.run_queue.pop()
    }

    /// Run the task at `task` (just popped) once, timed in debug mode,
    /// and free it if it is done.
    #[inline]
    pub(crate) fn run_task(&self, task: TaskRef, slow_polls: &SlowPolls) {
        let harness = {
            let tasks = self.tasks.borrow();
            match tasks.get(task.key()) {
                Some(raw) if raw.header().task_ref == task => {
                    // SAFETY: a copy of the slab entry's pointer, which is
                    // not dropped: the entry's count stands for it. The
                    // entry holds that count until the removal below, and
                    // nothing else removes it meanwhile: entries are
                    // removed only here, for the task this call runs, and
                    // by `shut_down`, which the loop calls between turns,
                    // never during a poll (one loop runs per thread:
                    // `context::enter_loop`; a runtime dropped inside
                    // another's task is not running). So the cell lives
                    // until then, wherever the slab moves its entries when
                    // a spawn grows it. Not cloning the cell for the poll
                    // saves a count's increment and decrement per poll.
                    ManuallyDrop::new(unsafe { ptr::read(raw) })
                }
                _ => return, // stale: freed or replaced since it was queued
            }
        };
        let header = harness.header();
        let is_task = header.kind() == Kind::Task;
        if is_task {
            self.running.set(Some(task));
        }
        let waker = waker::waker(task);
        let mut cx = Context::from_waker(&waker);
        let done = slow_polls.timed(|| harness.run(&mut cx), || header.describe());
        self.running.set(None);
        if done {
            let retired = &self.counters.retired_polls;
            retired.set(retired.get() + header.polls());
            // `harness` and `header` are not used past this point.
            let entry = self.tasks.borrow_mut().remove(task.key());
            // Dropping the last handle may drop the output: user code.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(entry)));
        }
    }

    /// The cell of the task being polled, if it is a task.
    pub(crate) fn running_task(&self) -> Option<RawTask> {
        self.lookup(self.running.get()?)
    }

    /// Run `f` on every task and callback in the slab, in slab order (for
    /// introspection; `f` must not spawn or free tasks).
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Header)) {
        let tasks = self.tasks.borrow();
        tasks.iter().for_each(|raw| f(raw.header()));
    }

    /// Drop every task still alive, including tasks their destructors
    /// spawn. Each ends cancelled; their handles see
    /// `JoinError::is_cancelled`.
    /// Returns how many tasks were spawned while the others were dropped
    /// (by their destructors), and so dropped without running.
    pub(crate) fn shut_down(&self) -> usize {
        let mut spawned_late = 0;
        let mut first = true;
        loop {
            let tasks = self.tasks.borrow_mut().drain();
            if tasks.is_empty() {
                break;
            }
            if !first {
                spawned_late += tasks
                    .iter()
                    .filter(|t| t.header().kind() == Kind::Task)
                    .count();
            }
            first = false;
            for task in &tasks {
                task.shut_down();
            }
            let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(tasks)));
        }
        self.run_queue.clear();
        spawned_late
    }

    /// Whether any task (not a callback) has not completed.
    pub(crate) fn has_alive_tasks(&self) -> bool {
        self.tasks.borrow().iter().any(|t| is_alive(t.header()))
    }

    /// Every task (not a callback) that has not completed.
    pub(crate) fn alive_tasks(&self) -> Vec<AbortHandle> {
        self.tasks
            .borrow()
            .iter()
            .filter(|t| is_alive(t.header()))
            .map(|t| AbortHandle::new(t.clone()))
            .collect()
    }
}

fn is_alive(header: &Header) -> bool {
    header.kind() == Kind::Task && !header.is_complete()
}
