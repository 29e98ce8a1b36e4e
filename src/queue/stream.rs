//! A queue's consumer side as a `Stream` ([`GenericQueue::stream`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::{GenericQueue, Order};

type Next<T, O> = Pin<Box<dyn Future<Output = (Option<T>, GenericQueue<T, O>)>>>;

/// The next `get` of `queue`, owning a handle to it.
fn next<T: 'static, O: Order<T> + 'static>(queue: GenericQueue<T, O>) -> Next<T, O> {
    Box::pin(async move {
        let item = queue.get().await.ok();
        (item, queue)
    })
}

impl<T: 'static, O: Order<T> + 'static> GenericQueue<T, O> {
    /// The queue's items as a [`Stream`] (≙ `while True: item = await
    /// queue.get()`): each `get`, in the queue's order; it ends when the
    /// queue is shut down and empty. The stream holds a handle to the
    /// queue; call [`task_done`](Self::task_done) on the queue for each
    /// item as with `get`.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt; // next(), map(), collect(), ...
    /// use uniloop::queue::Queue;
    ///
    /// uniloop::run(async {
    ///     let queue = Queue::new(0);
    ///     let mut items = queue.stream();
    ///     queue.put_nowait(1).unwrap();
    ///     queue.put_nowait(2).unwrap();
    ///     queue.shutdown(false);
    ///     assert_eq!(items.next().await, Some(1));
    ///     assert_eq!(items.next().await, Some(2));
    ///     assert_eq!(items.next().await, None);
    /// });
    /// ```
    pub fn stream(&self) -> GetStream<T, O> {
        GetStream {
            next: Some(next(self.clone())),
        }
    }
}

/// A queue's items as a [`Stream`]; from [`GenericQueue::stream`].
///
/// Dropping it while it waits loses nothing (`get` is cancel safe).
///
/// # Examples
///
/// ```
/// use futures_core::stream::FusedStream;
///
/// let queue = uniloop::queue::Queue::<u8>::new(1);
/// assert!(!queue.stream().is_terminated());
/// ```
pub struct GetStream<T, O: Order<T> = super::Fifo> {
    /// `None` once the queue was shut down and emptied.
    next: Option<Next<T, O>>,
}

impl<T: 'static, O: Order<T> + 'static> Stream for GetStream<T, O> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(pending) = self.next.as_mut() else {
            return Poll::Ready(None);
        };
        let (item, queue) = ready!(pending.as_mut().poll(cx));
        self.next = item.is_some().then(|| next(queue));
        Poll::Ready(item)
    }
}

impl<T: 'static, O: Order<T> + 'static> FusedStream for GetStream<T, O> {
    fn is_terminated(&self) -> bool {
        self.next.is_none()
    }
}

impl<T, O: Order<T>> fmt::Debug for GetStream<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("queue::GetStream")
            .field("terminated", &self.next.is_none())
            .finish()
    }
}
