//! The queues' futures: [`Put`] and [`Get`], each a wait entry in its
//! queue's putters or getters; dropping one leaves the line and gives back
//! what it was handed (see `state.rs`'s owners).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::{QueueShutDown, TryPutError};
use super::order::{Fifo, Order};
use super::state::{Getters, Putters};
#[cfg(doc)]
use super::GenericQueue;
use crate::util::wait_list::WaitEntry;

/// The future of [`GenericQueue::put`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let queue = uniloop::queue::Queue::new(0);
///     let put: uniloop::queue::Put<'_, i32> = queue.put(1);
///     put.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Put<'a, T, O: Order<T> = Fifo> {
    /// The item, until it is put or queued in the entry's node.
    pub(super) item: Option<T>,
    pub(super) entry: WaitEntry<Putters<'a, T, O>>,
}

impl<T, O: Order<T>> Unpin for Put<'_, T, O> {}

impl<T, O: Order<T>> Future for Put<'_, T, O> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.entry.is_queued() {
            return match this.entry.poll_served(cx.waker()) {
                Some((item, granted)) => {
                    Poll::Ready(this.entry.owner().0.finish_put(item, granted))
                }
                None => Poll::Pending,
            };
        }
        let item = this.item.take().expect("Put polled after completion");
        match this.entry.owner().0.try_put(item) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(TryPutError::ShutDown(item)) => Poll::Ready(Err(QueueShutDown(item))),
            Err(TryPutError::Full(item)) => {
                this.entry.wait((item, false), cx.waker());
                Poll::Pending
            }
        }
    }
}

impl<T, O: Order<T>> fmt::Debug for Put<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.entry.is_queued())
            .finish()
    }
}

/// The future of [`GenericQueue::get`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let queue = uniloop::queue::Queue::new(0);
///     queue.put_nowait(1).unwrap();
///     let get: uniloop::queue::Get<'_, i32> = queue.get();
///     assert_eq!(get.await, Ok(1));
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Get<'a, T, O: Order<T> = Fifo> {
    pub(super) entry: WaitEntry<Getters<'a, T, O>>,
}

impl<T, O: Order<T>> Future for Get<'_, T, O> {
    type Output = Result<T, QueueShutDown>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.entry.is_queued() {
            return match this.entry.poll_served(cx.waker()) {
                // Served without an item: released by shutdown.
                Some(handed) => Poll::Ready(handed.map(|(_, item)| item).ok_or(QueueShutDown(()))),
                None => Poll::Pending,
            };
        }
        let inner = this.entry.owner().0;
        if let Some(item) = inner.take() {
            return Poll::Ready(Ok(item));
        }
        if inner.is_shut_down() {
            return Poll::Ready(Err(QueueShutDown(())));
        }
        this.entry.wait(None, cx.waker());
        Poll::Pending
    }
}

impl<T, O: Order<T>> fmt::Debug for Get<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.entry.is_queued())
            .finish()
    }
}
