//! `mpsc`'s sending half and its `send` future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Chan, SendError, TrySendError};
use crate::channel::bounded::Pending;
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};

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
}

impl<T> Sender<T> {
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
            message: Some(message),
            entry: WaitEntry::new(&*self.chan),
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
        if self.chan.closed.get() {
            return Err(TrySendError::Closed(message));
        }
        self.chan.try_push(message).map_err(TrySendError::Full)
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
        self.chan.closed.get()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.senders.set(self.chan.senders.get() + 1);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let senders = self.chan.senders.get() - 1;
        self.chan.senders.set(senders);
        if senders == 0 {
            let receiver = self.chan.state.borrow_mut().receiver.take();
            if let Some(waker) = receiver {
                waker.wake();
            }
        }
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
    /// The message, until it is buffered or queued in the entry's node.
    message: Option<T>,
    entry: WaitEntry<&'a Chan<T>>,
}

impl<T> Unpin for Send<'_, T> {}

impl<T> Future for Send<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let chan = *this.entry.owner();
        if this.entry.is_queued() {
            let Some(pending) = this.entry.poll_served(cx.waker()) else {
                return Poll::Pending;
            };
            let mut state = chan.state.borrow_mut();
            let sent = state.bounded.finish_send(pending, chan.closed.get());
            let receiver = state.receiver.take().filter(|_| sent.is_ok());
            drop(state);
            if let Some(waker) = receiver {
                waker.wake();
            }
            return Poll::Ready(sent.map_err(SendError));
        }
        let message = this.message.take().expect("Send polled after completion");
        if chan.closed.get() {
            return Poll::Ready(Err(SendError(message)));
        }
        match chan.try_push(message) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(message) => {
                this.entry.wait(Pending::new(message, false), cx.waker());
                Poll::Pending
            }
        }
    }
}

/// The senders' side of a channel, owner of a `Send`'s wait entry.
impl<T> WaitListOwner for &Chan<T> {
    type Data = Pending<T>;

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<Pending<T>>) -> R) -> R {
        f(self.state.borrow_mut().bounded.waiting())
    }

    /// Its message was never sent: it is dropped here; a slot granted to
    /// it passes to the next sender.
    fn left(&self, pending: Pending<T>, _served: bool) {
        let closed = self.closed.get();
        let (message, next) = self.state.borrow_mut().bounded.cancel(pending, closed);
        drop(message);
        if let Some(waker) = next {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Send")
            .field("waiting", &self.entry.is_queued())
            .finish()
    }
}
