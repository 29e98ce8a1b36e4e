//! `as_completed`: tasks' results in the order they finish.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::join::Join;
use crate::{JoinError, Task};

/// A [`Stream`] of the tasks' results in the order they finish (≙
/// `asyncio.as_completed`). Tasks that finish during the same loop turn
/// come in the order they were woken.
///
/// Dropping the stream drops the handles of the tasks not yielded yet,
/// which detaches them (they keep running), as dropping a [`Task`] does.
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
        join: Join::new(tasks),
    }
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
    join: Join<Task<T>>,
}

impl<T> AsCompleted<T> {
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

impl<T> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.join.remaining())
            .finish()
    }
}
