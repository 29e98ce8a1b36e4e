//! `wait`: block until some or all of a set of tasks finish, or a timeout
//! passes, and hand every task back (≙ `asyncio.wait`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::join::Join;
use crate::runtime::task::cancel;
use crate::time::Sleep;
use crate::Task;

/// When [`wait`] returns (≙ asyncio's `FIRST_COMPLETED`,
/// `FIRST_EXCEPTION`, `ALL_COMPLETED`).
///
/// # Examples
///
/// ```
/// assert_ne!(uniloop::ReturnWhen::FirstCompleted, uniloop::ReturnWhen::AllCompleted);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnWhen {
    /// As soon as any task finishes.
    FirstCompleted,
    /// As soon as a task finishes with a [`JoinError`](crate::JoinError)
    /// (it panicked or was cancelled) — or, for tasks that return a
    /// `Result`, with an `Err`, if asked with [`Wait::counting_errors`] —
    /// or when all have finished.
    FirstException,
    /// When every task has finished.
    AllCompleted,
}

/// Wait until `tasks` meet `when`, or `timeout` passes, and return them
/// as `(done, pending)` (≙ `asyncio.wait(tasks, timeout=...,
/// return_when=...)`).
///
/// `done` holds every task finished by the time it returns, in the order
/// they were seen to finish (a finished task's result is taken by
/// awaiting it, which is ready at once); `pending` holds the others in the
/// order given. Reaching the condition or the timeout cancels nothing: as
/// in asyncio, cancel the pending tasks yourself if you no longer need
/// them. With no tasks it returns at once.
///
/// Tasks that fail the Rust way, returning `Err`: add
/// [`counting_errors`](Wait::counting_errors) to make `FirstException`
/// stop at the first `Err` too. Plain futures: [`wait_futures`].
///
/// # Cancellation
///
/// `wait` owns the handles while it runs, so if the task that waits is
/// cancelled (or the `Wait` dropped), the tasks are cancelled with it and
/// waited for, as for a task awaited directly (see [`Task`]). asyncio's
/// `wait` leaves them running, because its caller still holds them; to get
/// that here, [`shield`](crate::shield) what must survive, or keep the
/// work in tasks the waiter does not own.
///
/// # Panics
///
/// With a `timeout`, outside a uniloop runtime: "uniloop::sleep() called
/// outside a uniloop runtime".
///
/// # Cancel safety
///
/// Dropping the future cancels the tasks not handed back yet (see
/// Cancellation above).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use uniloop::{wait, ReturnWhen};
///
/// uniloop::run(async {
///     let job = |ms: u64, fail: bool| {
///         uniloop::spawn(async move {
///             uniloop::sleep(Duration::from_millis(ms)).await;
///             assert!(!fail, "job of {ms} ms failed");
///             ms
///         })
///     };
///     let tasks = vec![job(10, false), job(20, true), job(1_000, false)];
///     // Stop at the first failure, or after 500 ms whatever happens.
///     let (done, pending) =
///         wait(tasks, ReturnWhen::FirstException, Some(Duration::from_millis(500))).await;
///     assert_eq!(done.len(), 2);
///     for task in pending {
///         task.cancel(); // nobody needs the slow one any more
///     }
///     let mut results = Vec::new();
///     for task in done {
///         results.push(task.await.map_err(|e| e.is_panic()));
///     }
///     assert_eq!(results, [Ok(10), Err(true)]);
/// });
/// ```
pub fn wait<T>(tasks: Vec<Task<T>>, when: ReturnWhen, timeout: Option<Duration>) -> Wait<T> {
    Wait {
        join: Some(Join::new(
            tasks.into_iter().map(|task| Finished(Some(task))),
        )),
        done: Vec::new(),
        when,
        timeout: timeout.map(crate::sleep),
        fails: None,
    }
}

/// Spawn every future of `futures` as a task, then [`wait`] for them (≙
/// `asyncio.wait` on coroutines, which wraps them in tasks). The tasks
/// come back as `(done, pending)`.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::spawn() called outside a uniloop
/// runtime".
///
/// # Cancel safety
///
/// As [`wait`]: dropping it cancels the tasks not handed back yet.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use uniloop::ReturnWhen;
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let fetch = |ms: u64| async move {
///         uniloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     };
///     let (done, pending) =
///         uniloop::wait_futures([fetch(10), fetch(500)], ReturnWhen::FirstCompleted, None).await;
///     assert_eq!((done.len(), pending.len()), (1, 1));
///     for task in done {
///         assert_eq!(task.await.unwrap(), 10);
///     }
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn wait_futures<I>(
    futures: I,
    when: ReturnWhen,
    timeout: Option<Duration>,
) -> Wait<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    wait(
        futures.into_iter().map(crate::spawn).collect(),
        when,
        timeout,
    )
}

/// The future of [`wait`].
///
/// # Examples
///
/// ```
/// use uniloop::{wait, ReturnWhen, Wait};
///
/// uniloop::run(async {
///     let waiting: Wait<()> = wait(Vec::new(), ReturnWhen::AllCompleted, None);
///     let (done, pending) = waiting.await;
///     assert!(done.is_empty() && pending.is_empty());
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Wait<T> {
    join: Option<Join<Finished<T>>>,
    done: Vec<Task<T>>,
    when: ReturnWhen,
    timeout: Option<Sleep>,
    /// Which returned values count as failures for `FirstException`.
    fails: Option<fn(&T) -> bool>,
}

impl<T, E> Wait<Result<T, E>> {
    /// Count a task that returned `Err` as failed, so that
    /// [`ReturnWhen::FirstException`] also returns at the first one (the
    /// Rust way to fail is an `Err`, not a panic).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use uniloop::{wait, ReturnWhen};
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let start = uniloop::time::now();
    ///     let job = |ms: u64, ok: bool| uniloop::spawn(async move {
    ///         uniloop::sleep(Duration::from_millis(ms)).await;
    ///         if ok { Ok(ms) } else { Err(format!("job {ms} failed")) }
    ///     });
    ///     let tasks = vec![job(10, true), job(20, false), job(1_000, true)];
    ///     let (done, pending) = wait(tasks, ReturnWhen::FirstException, None)
    ///         .counting_errors()
    ///         .await;
    ///     assert_eq!((done.len(), pending.len()), (2, 1));
    ///     assert_eq!(start.elapsed(), Duration::from_millis(20)); // not 1 s
    /// #   for t in pending { t.cancel(); }
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn counting_errors(mut self) -> Self {
        self.fails = Some(Result::is_err);
        self
    }
}

impl<T> Future for Wait<T> {
    type Output = (Vec<Task<T>>, Vec<Task<T>>);

    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let join = this
            .join
            .as_mut()
            .expect("uniloop::Wait polled after it returned");
        let mut met = loop {
            match join.poll_next(cx) {
                Poll::Ready(Some(index)) => {
                    let (task, panicked) = join.take(index);
                    let failed = panicked || this.fails.is_some_and(|fails| task.output_is(fails));
                    this.done.push(task);
                    match this.when {
                        ReturnWhen::FirstCompleted => break true,
                        ReturnWhen::FirstException if failed => break true,
                        _ => {}
                    }
                }
                Poll::Ready(None) => break true,
                Poll::Pending => break false,
            }
        };
        if !met {
            met = this
                .timeout
                .as_mut()
                .is_some_and(|sleep| Pin::new(sleep).poll(cx).is_ready());
        }
        if !met {
            return Poll::Pending;
        }
        // Every task complete by now is done, also those completed in the
        // same turn as the one that met the condition (asyncio's rule).
        let join = this.join.take().expect("checked above");
        let mut done = std::mem::take(&mut this.done);
        let mut pending = Vec::new();
        let handed_back = join
            .into_pending()
            .into_iter()
            .filter_map(|mut f| f.0.take());
        for task in handed_back {
            if task.is_complete() {
                done.push(task);
            } else {
                pending.push(task);
            }
        }
        Poll::Ready((done, pending))
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("done", &self.done.len())
            .field("when", &self.when)
            .finish_non_exhaustive()
    }
}

/// Completes with its task (output left inside) and whether it failed.
/// Dropped with its task not complete (the `Wait` was dropped), it cancels
/// the task, as an awaited handle does.
struct Finished<T>(Option<Task<T>>);

impl<T> Drop for Finished<T> {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            if !task.is_complete() {
                cancel::dropped_while_awaited(task.abort_handle());
            }
        }
    }
}

impl<T> Future for Finished<T> {
    type Output = (Task<T>, bool);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(Task<T>, bool)> {
        let task = self.0.as_ref().expect("Finished polled after completion");
        let failed = std::task::ready!(task.poll_complete(cx));
        Poll::Ready((self.0.take().expect("checked above"), failed))
    }
}
