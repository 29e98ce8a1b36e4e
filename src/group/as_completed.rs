//! `as_completed`: tasks' results in the order they finish.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::stream::FusedStream;
use futures_core::Stream;

use super::join::Join;
use crate::runtime::Unawaited;
use crate::time::{Elapsed, Sleep};
use crate::{spawn, JoinError, Task};

/// A [`Stream`] of the tasks' results in the order they finish (≙
/// `asyncio.as_completed`). Tasks that finish during the same loop turn
/// come in the order they were woken.
///
/// Dropping the stream drops the handles of the tasks not yielded yet,
/// which detaches them (they keep running), as asyncio's `as_completed`
/// leaves them: the stream only watches them. For plain futures, see
/// [`as_completed_futures`]; for an overall deadline,
/// [`AsCompleted::with_timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let tasks = [30, 10, 20].map(|ms| {
///         uniloop::spawn(async move {
///             uniloop::sleep(Duration::from_millis(ms)).await;
///             ms
///         })
///     });
///     let mut done = uniloop::as_completed(tasks);
///     let mut order = Vec::new();
///     while let Some(result) = done.next().await {
///         order.push(result.unwrap());
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
pub fn as_completed<T, I>(tasks: I) -> AsCompleted<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    AsCompleted {
        join: Join::new(tasks.into_iter().map(Unawaited)),
    }
}

/// Spawn every future of `futures` as a task and give their results in
/// the order they finish (≙ `asyncio.as_completed(coros)`, which wraps
/// coroutines in tasks). As with [`as_completed`], dropping the stream
/// leaves the tasks not yielded yet running.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::spawn() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let fetch = |ms: u64| async move {
///         uniloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     };
///     let mut done = uniloop::as_completed_futures([fetch(20), fetch(10)]);
///     assert_eq!(done.next().await.unwrap().unwrap(), 10);
///     assert_eq!(done.next().await.unwrap().unwrap(), 20);
///     assert!(done.next().await.is_none());
/// });
/// ```
#[track_caller]
pub fn as_completed_futures<I>(futures: I) -> AsCompleted<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    as_completed(futures.into_iter().map(spawn).collect::<Vec<_>>())
}

/// The stream of [`as_completed`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let stream: uniloop::AsCompleted<u8> = uniloop::as_completed(Vec::new());
///     assert_eq!(futures_core::Stream::size_hint(&stream), (0, Some(0)));
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<T> {
    /// Watched, not awaited: dropping the stream leaves the tasks running.
    join: Join<Unawaited<T>>,
}

impl<T> AsCompleted<T> {
    /// Give up on the tasks not finished after `timeout` (≙
    /// `asyncio.as_completed(aws, timeout=...)`): the stream yields
    /// `Ok(result)` for each task that finishes in time, then one
    /// `Err(Elapsed)` if the deadline passes first, then ends. The tasks
    /// not finished keep running, as in asyncio.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::sleep() called outside a
    /// uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
    /// rt.block_on(async {
    ///     let job = |ms: u64| uniloop::spawn(async move {
    ///         uniloop::sleep(Duration::from_millis(ms)).await;
    ///         ms
    ///     });
    ///     let mut done = uniloop::as_completed([job(10), job(1_000)])
    ///         .with_timeout(Duration::from_millis(100));
    ///     assert_eq!(done.next().await.unwrap().unwrap().unwrap(), 10);
    ///     assert!(done.next().await.unwrap().is_err()); // Elapsed
    ///     assert!(done.next().await.is_none());
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn with_timeout(self, timeout: Duration) -> AsCompletedTimeout<T> {
        AsCompletedTimeout {
            inner: self,
            deadline: Some(crate::sleep(timeout)),
        }
    }

    /// The next task's result, in completion order; `None` once every
    /// task's result was yielded (the stream's `next`, without needing a
    /// `StreamExt`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a result is taken only when `next` completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let mut done = uniloop::as_completed([uniloop::spawn(async { 7 })]);
    ///     assert_eq!(done.next().await.unwrap().unwrap(), 7);
    ///     assert!(done.next().await.is_none());
    /// });
    /// ```
    pub async fn next(&mut self) -> Option<Result<T, JoinError>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Stream for AsCompleted<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let join = &mut self.get_mut().join;
        join.poll_next(cx)
            .map(|finished| finished.map(|index| join.take(index)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.join.remaining();
        (left, Some(left))
    }
}

/// Terminated once every task's result was taken.
impl<T> FusedStream for AsCompleted<T> {
    fn is_terminated(&self) -> bool {
        self.join.remaining() == 0
    }
}

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.join.remaining())
            .finish()
    }
}

/// The stream of [`AsCompleted::with_timeout`]: `Ok(result)` per task
/// finished in time, then `Err(Elapsed)` if the deadline passed first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let tasks = vec![uniloop::spawn(async { 1 })];
///     let mut done: uniloop::AsCompletedTimeout<i32> =
///         uniloop::as_completed(tasks).with_timeout(Duration::from_secs(1));
///     assert_eq!(done.next().await.unwrap().unwrap().unwrap(), 1);
///     assert!(done.next().await.is_none());
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompletedTimeout<T> {
    inner: AsCompleted<T>,
    /// `None` once the deadline passed (and was reported).
    deadline: Option<Sleep>,
}

impl<T> AsCompletedTimeout<T> {
    /// The next result, `Err(Elapsed)` once the deadline passed, then
    /// `None` (a [`Stream::poll_next`] as an `async fn`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a result is only taken when it is returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// uniloop::run(async {
    ///     let mut done = uniloop::as_completed(Vec::<uniloop::Task<()>>::new())
    ///         .with_timeout(Duration::from_secs(1));
    ///     assert!(done.next().await.is_none());
    /// });
    /// ```
    pub async fn next(&mut self) -> Option<Result<Result<T, JoinError>, Elapsed>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Stream for AsCompletedTimeout<T> {
    type Item = Result<Result<T, JoinError>, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(deadline) = this.deadline.as_mut() else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(next) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(next.map(Ok));
        }
        std::task::ready!(Pin::new(deadline).poll(cx));
        this.deadline = None;
        Poll::Ready(Some(Err(Elapsed::new())))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.deadline {
            Some(_) => (0, Some(self.inner.join.remaining() + 1)),
            None => (0, Some(0)),
        }
    }
}

/// Terminated once every task's result was taken, or the deadline passed
/// and was reported.
impl<T> FusedStream for AsCompletedTimeout<T> {
    fn is_terminated(&self) -> bool {
        self.deadline.is_none() || self.inner.join.remaining() == 0
    }
}

impl<T> fmt::Debug for AsCompletedTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedTimeout")
            .field("remaining", &self.inner.join.remaining())
            .field("elapsed", &self.deadline.is_none())
            .finish()
    }
}
