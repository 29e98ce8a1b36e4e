//! `threadsafe`'s receiving half, on the loop.

use std::fmt;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::stream::FusedStream;
use futures_core::Stream;

use super::{Chan, TryRecvError};
use crate::channel::chan;
use crate::util::sync::lock;

/// The receiving half of a [`threadsafe`](super) channel, awaited on the
/// loop; also a [`Stream`] of the messages.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let (tx, mut rx) = uniloop::channel::threadsafe::unbounded();
///     std::thread::spawn(move || tx.send_blocking(1).unwrap());
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, None); // the sender is gone
/// });
/// ```
pub struct Receiver<T> {
    pub(super) chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// The next message, waiting for one; `None` once the channel is empty
    /// and every sender is gone (or it was closed).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a message is taken only when `recv` completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, mut rx) = uniloop::channel::threadsafe::channel(4);
    ///     std::thread::spawn(move || tx.send_blocking(7).unwrap());
    ///     assert_eq!(rx.recv().await, Some(7));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Poll for the next message (see [`recv`](Self::recv)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// uniloop::run(async {
    ///     let (tx, mut rx) = uniloop::channel::threadsafe::channel(1);
    ///     tx.try_send(3).unwrap();
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(3));
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        chan::poll_recv(&*self.chan, cx)
    }

    /// The next message if there is one, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if none is buffered yet,
    /// [`TryRecvError::Disconnected`] if none ever will be.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::threadsafe::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = threadsafe::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        chan::try_recv(&*self.chan)
    }

    /// Refuse new messages: sends fail from now on (the waiting ones get
    /// their messages back), while what is buffered can still be
    /// received.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, mut rx) = uniloop::channel::threadsafe::channel(2);
    ///     tx.send(1).await.unwrap();
    ///     rx.close();
    ///     assert!(tx.send(2).await.is_err());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub fn close(&mut self) {
        chan::close(&*self.chan);
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

/// Terminated once a receive would give `None`: the channel is empty
/// and every sender is gone (or it was closed).
///
/// # Examples
///
/// ```
/// use futures_core::stream::FusedStream;
///
/// uniloop::run(async {
///     let (tx, mut rx) = uniloop::channel::threadsafe::channel(2);
///     tx.send(1).await.unwrap();
///     drop(tx);
///     assert!(!rx.is_terminated()); // one message left
///     assert_eq!(rx.recv().await, Some(1));
///     assert!(rx.is_terminated());
/// });
/// ```
impl<T> FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        chan::is_terminated(&*self.chan)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        chan::drop_receiver(&*self.chan);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (buffered, senders_waiting, senders) = lock(&self.chan).counts();
        f.debug_struct("threadsafe::Receiver")
            .field("buffered", &buffered)
            .field("senders_waiting", &senders_waiting)
            .field("senders", &senders)
            .finish()
    }
}
