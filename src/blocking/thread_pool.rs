//! `ThreadPool` and `run_in_executor`: a pool of your own.

use std::fmt;
use std::time::Duration;

use super::{expect_submitted, submit, Blocking};
use crate::runtime::context;
use crate::runtime::driver::blocking::{Pool, Queued, KEEP_ALIVE};

/// A pool of up to `n` threads for blocking closures, used through
/// [`run_in_executor`] (≙ `concurrent.futures.ThreadPoolExecutor`).
///
/// Threads start on demand and exit after 10 s idle; jobs beyond `n` wait
/// in FIFO order. A pool is `Send + Sync` and not tied to a runtime: share
/// it (by reference or in an `Arc`) between tasks, runtimes and threads.
///
/// Dropping the pool runs the jobs already queued, then joins its threads
/// (≙ `executor.shutdown(wait=True)`), so the drop blocks until they are
/// done. Two places cannot wait, and there the drop waits for nothing:
/// its threads finish the queue and exit on their own (≙
/// `shutdown(wait=False)`):
/// - a thread running a uniloop loop: a queued job may need that loop
///   (a `Handle::spawn(..).wait()`, a send into a full
///   [`threadsafe`](crate::channel::threadsafe) channel), which could not
///   run while the drop blocked it, and the two would wait for each other
///   forever;
/// - one of the pool's own threads (a job held the last `Arc` of it),
///   which cannot wait for itself.
///
/// # Examples
///
/// ```
/// use uniloop::blocking::ThreadPool;
///
/// let pool = ThreadPool::new(4);
/// let total = uniloop::run(async {
///     let jobs: Vec<_> = (1..=4u64)
///         .map(|i| uniloop::run_in_executor(&pool, move || i * i))
///         .collect();
///     let mut total = 0;
///     for job in jobs {
///         total += job.await;
///     }
///     total
/// });
/// assert_eq!(total, 1 + 4 + 9 + 16);
/// drop(pool); // joins the threads
/// ```
pub struct ThreadPool {
    pool: Pool,
    size: usize,
}

impl ThreadPool {
    /// A pool of up to `n` threads; `0` is taken as 1. No thread starts
    /// before the first job.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = uniloop::blocking::ThreadPool::new(8);
    /// assert_eq!(pool.size(), 8);
    /// ```
    pub fn new(n: usize) -> ThreadPool {
        let size = n.max(1);
        ThreadPool {
            pool: Pool::new(size, KEEP_ALIVE, "uniloop-pool"),
            size,
        }
    }

    /// The most threads the pool runs at once.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::blocking::ThreadPool::new(0).size(), 1);
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        // On a loop's thread, blocking could deadlock (see the type docs).
        let on_a_loop = context::with_current(|_| ()).is_some();
        let wait = if on_a_loop {
            Some(Duration::ZERO)
        } else {
            None
        };
        self.pool.shutdown(Queued::Run, wait);
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Run `f` on `pool` and await its output (≙
/// `await loop.run_in_executor(pool, f)`).
///
/// It needs no runtime: the returned future works on any executor. Unlike
/// [`to_thread`](crate::to_thread)'s jobs, these do not hold back a paused
/// clock: the pool is not the runtime's, so a
/// [`timeout`](crate::timeout) around one can expire in virtual time while
/// the job runs.
///
/// # Panics
///
/// - If the pool has no thread and the OS refuses to start one
///   ("uniloop::run_in_executor() could not start a thread: ...").
/// - Awaiting the result resumes `f`'s panic, if it panicked.
///
/// # Cancel safety
///
/// Dropping the future does not stop `f`, which runs to its end; its
/// output is dropped.
///
/// # Examples
///
/// ```
/// let pool = uniloop::blocking::ThreadPool::new(1);
/// uniloop::run(async {
///     let caught = uniloop::spawn(uniloop::run_in_executor(&pool, || panic!("in the pool")));
///     assert!(caught.await.unwrap_err().is_panic());
///     assert_eq!(uniloop::run_in_executor(&pool, || 2 + 2).await, 4);
/// });
/// ```
#[track_caller]
pub fn run_in_executor<F, T>(pool: &ThreadPool, f: F) -> Blocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    expect_submitted(submit(&pool.pool, f), "run_in_executor")
}
