//! A pool of OS threads running closures: the runtime's blocking pool and
//! [`ThreadPool`](super::ThreadPool).
//!
//! # Design
//!
//! One `Mutex` guards a FIFO of jobs and the thread counts; idle threads
//! wait on one `Condvar`. Submitting a job hands it to an idle thread if
//! there is one, else starts a thread if fewer than `max` run, else leaves
//! it queued for the next thread that frees up. Threads that stay idle for
//! `keep_alive` exit. A thread that finishes a job watches the queue for
//! 50 µs before it sleeps, so a caller submitting jobs one after another
//! does not wake a sleeping thread for each.
//!
//! # Invariants
//!
//! - `idle` counts threads waiting on `work` that no submission has claimed
//!   yet. A submission that claims one moves it from `idle` to `notified`
//!   before it signals, and a woken thread takes a notification only if
//!   `notified > 0`. So two submissions never count on one idle thread,
//!   and a spurious wake-up claims nothing: it waits again.
//! - `spinning` counts threads watching `queued` (the queue's length,
//!   stored under the lock) without the lock. A submission leaves its job
//!   to them if there are at least as many as queued jobs; a watcher
//!   retakes the lock, stops counting itself and looks at the queue in one
//!   step, so a job queued at the last moment is still taken.
//! - `threads` counts started threads that have not yet left the worker
//!   loop; `handles` holds the join handle of each, by thread number. An
//!   idle thread that exits takes its own handle out (a thread cannot join
//!   itself), so `handles` holds only threads that shutdown may join.

use crate::util::sync::thread::{self, JoinHandle};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use crate::util::sync::{lock, wait_until, AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};

/// A job: it catches its own panics (see [`super::job`]); a panic that
/// still escapes (from a destructor) is caught here and dropped.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// How long an idle thread waits for work before it exits.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(10);

#[cfg(not(uniloop_loom))]
thread_local! {
    /// The address of the pool (its `Shared`) whose worker this thread is;
    /// 0 on other threads. Compared, never dereferenced.
    static WORKER_OF: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(uniloop_loom)]
loom::thread_local! {
    static WORKER_OF: std::cell::Cell<usize> = std::cell::Cell::new(0);
}

/// How long a thread that just finished a job watches the queue before it
/// sleeps.
#[cfg(not(uniloop_loom))]
const SPIN: Duration = Duration::from_micros(50);

pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Idle threads wait here for work.
    work: Condvar,
    /// Shutdown waits here for the last thread to leave.
    exited: Condvar,
    max: usize,
    keep_alive: Duration,
    name: &'static str,
    /// The queue's length, for spinning threads to watch without the lock.
    queued: AtomicUsize,
}

struct State {
    queue: VecDeque<Job>,
    threads: usize,
    idle: usize,
    notified: usize,
    /// Threads watching the queue after a job (see `Shared::spin`).
    spinning: usize,
    shutdown: bool,
    handles: HashMap<usize, JoinHandle<()>>,
    next_thread: usize,
}

/// What `Pool::shutdown` does with jobs that have not started.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Queued {
    /// Run them first (`ThreadPool`'s drop).
    Run,
    /// Drop them unrun (a runtime's drop: nobody awaits them any more).
    Drop,
}

impl Pool {
    /// A pool of up to `max` threads (at least 1) named `name`. No thread
    /// starts until the first job.
    pub(crate) fn new(max: usize, keep_alive: Duration, name: &'static str) -> Pool {
        Pool {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    threads: 0,
                    idle: 0,
                    notified: 0,
                    spinning: 0,
                    shutdown: false,
                    handles: HashMap::new(),
                    next_thread: 0,
                }),
                work: Condvar::new(),
                exited: Condvar::new(),
                max: max.max(1),
                keep_alive,
                name,
                queued: AtomicUsize::new(0),
            }),
        }
    }

    /// Queue `job`.
    ///
    /// # Errors
    ///
    /// The job back if the pool is shut down, or with the OS's error if no
    /// thread runs and none could be started.
    pub(crate) fn execute(&self, job: Job) -> Result<(), (Job, io::Error)> {
        let shared = &self.shared;
        let mut state = shared.lock();
        if state.shutdown {
            return Err((job, io::Error::other("the pool is shut down")));
        }
        state.queue.push_back(job);
        shared.queued.store(state.queue.len(), Ordering::Relaxed);
        if state.spinning >= state.queue.len() {
            return Ok(()); // threads fresh from a job watch the queue
        }
        if state.idle > 0 {
            state.idle -= 1;
            state.notified += 1;
            drop(state);
            shared.work.notify_one();
            return Ok(());
        }
        if state.threads == shared.max {
            return Ok(()); // a busy thread takes it when it is done
        }
        let number = state.next_thread;
        let worker = self.shared.clone();
        let spawned = thread::Builder::new()
            .name(shared.name.to_owned())
            .spawn(move || worker.run(number));
        match spawned {
            Ok(handle) => {
                state.next_thread += 1;
                state.threads += 1;
                state.handles.insert(number, handle);
                Ok(())
            }
            // Another thread will get to the job.
            Err(_) if state.threads > 0 => Ok(()),
            Err(e) => {
                let job = state.queue.pop_back().expect("the job just queued");
                Err((job, e))
            }
        }
    }

    /// Stop the pool: start no new job (dropping or running what is
    /// queued, as `queued` says), then wait for the threads to finish, up to
    /// `timeout` (`None`: as long as it takes). Threads still busy at the
    /// deadline are left to finish on their own (detached).
    ///
    /// Returns whether every thread finished.
    pub(crate) fn shutdown(&self, queued: Queued, timeout: Option<Duration>) -> bool {
        let shared = &self.shared;
        // On one of our own threads (a job dropping the last handle of its
        // pool), waiting for every thread would wait for this one: wait for
        // none, and let the threads finish the queue and exit on their own.
        let timeout = if shared.is_current_worker() {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        // A timeout too large for an `Instant` waits as long as it takes.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut state = shared.lock();
        state.shutdown = true;
        let dropped = match queued {
            Queued::Drop => {
                shared.queued.store(0, Ordering::Relaxed);
                mem::take(&mut state.queue)
            }
            Queued::Run => VecDeque::new(),
        };
        shared.work.notify_all();
        drop(state);
        // Unrun jobs' captures run user destructors: keep them out of the
        // lock and their panics out of the caller.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(dropped)));

        let mut state = shared.lock();
        while state.threads > 0 {
            match wait_until(&shared.exited, state, deadline) {
                Ok(woken) => state = woken,
                Err(timed_out) => {
                    state = timed_out;
                    break;
                }
            }
        }
        let finished = state.threads == 0;
        let handles = std::mem::take(&mut state.handles);
        drop(state);
        if finished {
            // Every thread has left its loop: these joins return at once.
            for handle in handles.into_values() {
                let _ = handle.join();
            }
        }
        // Otherwise dropping the handles detaches the busy threads.
        finished
    }

    /// Threads started and not yet exited.
    #[cfg(test)]
    pub(crate) fn threads(&self) -> usize {
        self.shared.lock().threads
    }
}

impl Shared {
    /// After a job, watch the queue for a moment before sleeping: a caller
    /// that awaits one job and then submits the next (a `to_thread` in a
    /// loop) finds this thread awake, and neither side pays for a futex
    /// wake-up. Submissions meanwhile just queue (`spinning` tells them).
    fn spin<'a>(&'a self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        state.spinning += 1;
        drop(state);
        // Under loom, one look stands for the watch: what matters is
        // that a job queued meanwhile is seen under the lock below.
        #[cfg(uniloop_loom)]
        let _ = self.queued.load(Ordering::Relaxed);
        #[cfg(not(uniloop_loom))]
        {
            let until = Instant::now() + SPIN;
            'watch: while Instant::now() < until {
                for _ in 0..64 {
                    if self.queued.load(Ordering::Relaxed) > 0 {
                        break 'watch;
                    }
                    std::hint::spin_loop();
                }
            }
        }
        let mut state = self.lock();
        // Under the lock the caller looks at the queue again, so a job
        // queued while we watched is taken even if we missed it.
        state.spinning -= 1;
        state
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock: a poison cannot mean a broken state.
        lock(&self.state)
    }

    /// Whether this thread is one of this pool's.
    fn is_current_worker(&self) -> bool {
        let me = self as *const Shared as usize;
        WORKER_OF.try_with(|w| w.get() == me).unwrap_or(false)
    }

    /// A worker thread: run jobs until shut down, or idle for `keep_alive`.
    fn run(&self, number: usize) {
        let _ = WORKER_OF.try_with(|w| w.set(self as *const Shared as usize));
        let mut state = self.lock();
        let mut just_worked = false;
        loop {
            if let Some(job) = state.queue.pop_front() {
                self.queued.store(state.queue.len(), Ordering::Relaxed);
                drop(state);
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
                state = self.lock();
                just_worked = true;
                continue;
            }
            if state.shutdown {
                break;
            }
            if mem::take(&mut just_worked) {
                state = self.spin(state);
                continue;
            }
            state.idle += 1;
            loop {
                let (guard, wait) = self
                    .work
                    .wait_timeout(state, self.keep_alive)
                    .unwrap_or_else(PoisonError::into_inner);
                state = guard;
                if state.notified > 0 {
                    state.notified -= 1;
                    break;
                }
                if state.shutdown {
                    state.idle -= 1;
                    break;
                }
                if wait.timed_out() {
                    state.idle -= 1;
                    state.threads -= 1;
                    if state.threads == 0 {
                        self.exited.notify_all();
                    }
                    // Detach ourselves: a thread cannot join itself.
                    let me = state.handles.remove(&number);
                    drop(state);
                    drop(me);
                    return;
                }
            }
        }
        state.threads -= 1;
        if state.threads == 0 {
            self.exited.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    #[test]
    fn threads_start_on_demand_up_to_the_limit() {
        let pool = Pool::new(2, KEEP_ALIVE, "test");
        assert_eq!(pool.threads(), 0);
        let (tx, rx) = mpsc::channel();
        let gate = Arc::new(std::sync::Barrier::new(3));
        for _ in 0..2 {
            let gate = gate.clone();
            pool.execute(Box::new(move || {
                gate.wait();
            }))
            .ok()
            .unwrap();
        }
        let done = tx.clone();
        pool.execute(Box::new(move || done.send(()).unwrap()))
            .ok()
            .unwrap();
        assert_eq!(pool.threads(), 2);
        gate.wait(); // both threads were busy at once
        rx.recv().unwrap(); // and the queued job ran after
        assert!(pool.shutdown(Queued::Run, None));
        assert_eq!(pool.threads(), 0);
    }

    #[test]
    fn one_thread_runs_jobs_in_fifo_order() {
        let pool = Pool::new(1, KEEP_ALIVE, "test");
        let order = Arc::new(Mutex::new(Vec::new()));
        for i in 0..50 {
            let order = order.clone();
            pool.execute(Box::new(move || order.lock().unwrap().push(i)))
                .ok()
                .unwrap();
        }
        assert!(pool.shutdown(Queued::Run, None));
        assert_eq!(*order.lock().unwrap(), (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn idle_threads_exit_after_the_keep_alive() {
        let pool = Pool::new(4, Duration::from_millis(1), "test");
        let (tx, rx) = mpsc::channel();
        pool.execute(Box::new(move || tx.send(()).unwrap()))
            .ok()
            .unwrap();
        rx.recv().unwrap();
        // No timing assumption: wait for the exit itself.
        let mut state = pool.shared.lock();
        while state.threads > 0 {
            state = pool.shared.exited.wait(state).unwrap();
        }
        assert!(state.handles.is_empty());
        drop(state);
        // The pool starts a thread again for the next job.
        let (tx, rx) = mpsc::channel();
        pool.execute(Box::new(move || tx.send(()).unwrap()))
            .ok()
            .unwrap();
        rx.recv().unwrap();
        assert!(pool.shutdown(Queued::Run, None));
    }

    #[test]
    fn shutdown_drops_queued_jobs_and_refuses_new_ones() {
        let pool = Pool::new(1, KEEP_ALIVE, "test");
        let (started, running) = mpsc::channel();
        let (release, wait) = mpsc::channel::<()>();
        pool.execute(Box::new(move || {
            started.send(()).unwrap();
            wait.recv().unwrap();
        }))
        .ok()
        .unwrap();
        running.recv().unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = ran.clone();
        pool.execute(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }))
        .ok()
        .unwrap();
        // The busy job outlives a zero timeout: it is detached.
        assert!(!pool.shutdown(Queued::Drop, Some(Duration::ZERO)));
        assert!(pool.execute(Box::new(|| {})).is_err());
        release.send(()).unwrap();
        // Now wait for it for real, so that no thread outlives the test.
        assert!(pool.shutdown(Queued::Drop, None));
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_panicking_job_does_not_kill_its_thread() {
        let pool = Pool::new(1, KEEP_ALIVE, "test");
        pool.execute(Box::new(|| panic!("job panicked")))
            .ok()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        pool.execute(Box::new(move || tx.send(()).unwrap()))
            .ok()
            .unwrap();
        rx.recv().unwrap();
        assert_eq!(pool.threads(), 1);
        assert!(pool.shutdown(Queued::Run, None));
    }

    #[test]
    fn shutdown_from_one_of_its_own_threads_does_not_wait_for_itself() {
        let pool = Arc::new(Pool::new(2, KEEP_ALIVE, "test"));
        let (tx, rx) = mpsc::channel();
        let inner = pool.clone();
        pool.execute(Box::new(move || {
            // Would wait for this very thread if it waited at all.
            tx.send(inner.shutdown(Queued::Run, None)).unwrap();
        }))
        .ok()
        .unwrap();
        assert!(!rx.recv().unwrap());
        // From outside, the wait completes: the thread has gone.
        assert!(pool.shutdown(Queued::Run, None));
    }
}
