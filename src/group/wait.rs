//! `wait`: block until some or all of a set of tasks finish, or a timeout
//! passes, and hand every task back (≙ `asyncio.wait`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::join::Join;
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
    /// (it panicked or was cancelled), or when all have finished.
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
/// order given. Nothing is
/// cancelled: as in asyncio, cancel the pending tasks yourself if you no
/// longer need them. With no tasks it returns at once.
///
/// # Panics
///
/// With a `timeout`, outside a uniloop runtime: "uniloop::sleep() called
/// outside a uniloop runtime".
///
/// # Cancel safety
///
/// Dropping the future drops the task handles, which detaches the tasks
/// (they keep running).
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
    }
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
                    let (task, failed) = join.take(index);
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
        for task in join.into_pending().into_iter().filter_map(|f| f.0) {
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
struct Finished<T>(Option<Task<T>>);

impl<T> Future for Finished<T> {
    type Output = (Task<T>, bool);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(Task<T>, bool)> {
        let task = self.0.as_ref().expect("Finished polled after completion");
        let failed = std::task::ready!(task.poll_complete(cx));
        Poll::Ready((self.0.take().expect("checked above"), failed))
    }
}
