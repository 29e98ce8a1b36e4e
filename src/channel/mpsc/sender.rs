//! `mpsc`'s sending half and its `send` future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Chan, SendError, TrySendError};
use crate::channel::chan::{self, SendCore};

/// The sending half of an [`mpsc`](super) channel; clone it for more
/// senders. The channel closes for the receiver when every sender is gone.
///
/// # Examples
///
/// ```
/// let (tx, rx) = uniloop::channel::mpsc::channel::<u8>(1);
/// let tx2 = tx.clone();
/// drop(rx);
/// assert!(tx2.is_closed());
/// # drop(tx);
/// ```
pub struct Sender<T> {
    pub(super) chan: Rc<Chan<T>>,
    /// The `Sink`'s message in flight, if the channel could not take it
    /// at once (`channel/sink.rs`).
    #[cfg(feature = "sink")]
    sink: crate::channel::sink::InFlight<T>,
}

impl<T> Sender<T> {
    /// A sender of `chan`, whose count of senders already includes it.
    pub(super) fn new(chan: Rc<Chan<T>>) -> Sender<T> {
        Sender {
            chan,
            #[cfg(feature = "sink")]
            sink: crate::channel::sink::InFlight::new(),
        }
    }

    /// Send `message`, waiting while the channel is full;
    /// `Err(SendError(message))` gives it back if the receiver is or gets
    /// closed or dropped first.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: once the future completes, the message is in the
    /// channel; dropped before, the message was not sent and is dropped
    /// with the future, and no other sender loses its turn. That holds
    /// even if a receive had already freed a slot for it: the slot passes
    /// to the next waiting sender, so a send retried after a cancellation
    /// cannot deliver its message twice.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, mut rx) = uniloop::channel::mpsc::channel(1);
    ///     tx.send("hi").await.unwrap();
    ///     assert_eq!(rx.recv().await, Some("hi"));
    /// });
    /// ```
    pub fn send(&self, message: T) -> Send<'_, T> {
        Send {
            core: SendCore::new(&*self.chan, message, false),
        }
    }

    /// Send `message` if there is room now and no send waits before it.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the
    /// message.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::mpsc::{self, TrySendError};
    ///
    /// let (tx, rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    pub fn try_send(&self, message: T) -> Result<(), TrySendError<T>> {
        chan::try_send(&*self.chan, message)
    }

    /// Whether the receiver is closed or dropped, so sends fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::mpsc::channel::<u8>(1);
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        chan::is_closed(&*self.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        chan::add_sender(&*self.chan);
        Sender::new(self.chan.clone())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        chan::drop_sender(&*self.chan);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The future of [`Sender::send`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let (tx, _rx) = uniloop::channel::mpsc::channel(1);
///     let send: uniloop::channel::mpsc::Send<'_, u8> = tx.send(1);
///     send.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Send<'a, T> {
    core: SendCore<'a, T, Chan<T>>,
}

impl<T> Unpin for Send<'_, T> {}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().core.poll(cx)
    }
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Send")
            .field("waiting", &self.core.is_waiting())
            .finish()
    }
}

/// With the `sink` feature: a sender is a `futures_sink::Sink`, so
/// `SinkExt::send`, `SinkExt::feed` and `StreamExt::forward` take it. A
/// message the channel cannot take at once waits its turn in a send of
/// its own; `poll_ready` and `poll_flush` wait for it, so the capacity is
/// the back-pressure. `poll_close` flushes; the receiver sees the end once
/// every sender is dropped.
///
/// # Errors
///
/// `SendError(message)` gives the message back when the receiver is
/// closed or dropped: from `start_send`, or from the `poll_ready` or
/// `poll_flush` that finds its send refused.
///
/// # Panics
///
/// `start_send` panics if a message is still in flight, i.e. if
/// `poll_ready` was not `Ready(Ok(()))` first (the `Sink` contract).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "sink")]
/// # {
/// use futures::{SinkExt, StreamExt};
///
/// uniloop::run(async {
///     let (mut tx, rx) = uniloop::channel::mpsc::channel(1);
///     uniloop::spawn(async move {
///         tx.send_all(&mut futures::stream::iter([1, 2, 3]).map(Ok)).await.unwrap();
///     })
///     .detach();
///     assert_eq!(rx.collect::<Vec<_>>().await, [1, 2, 3]);
/// });
/// # }
/// ```
#[cfg(feature = "sink")]
impl<T: 'static> futures_sink::Sink<T> for Sender<T> {
    type Error = SendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().sink.poll_flush(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: T) -> Result<(), SendError<T>> {
        let this = self.get_mut();
        let tried = this.try_send(message);
        let sender = matches!(tried, Err(TrySendError::Full(_))).then(|| this.clone());
        this.sink.start(tried, move |message| {
            let sender = sender.expect("cloned for a full channel");
            Box::pin(async move { sender.send(message).await })
        })
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().sink.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().sink.poll_flush(cx)
    }
}
