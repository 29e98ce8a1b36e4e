//! `broadcast`'s sending half.

use std::fmt;
use std::rc::Rc;

use super::{Buffered, Receiver, SendError, Shared};
use crate::util::wake_batch::WakeBatch;

/// The sending half of a [`broadcast`](super) channel; clone it for more
/// senders. Receivers see the channel closed once every sender is gone.
///
/// # Examples
///
/// ```
/// let (tx, rx) = uniloop::channel::broadcast::channel::<u8>(8);
/// let tx2 = tx.clone();
/// assert_eq!(tx2.receiver_count(), 1);
/// drop(rx);
/// assert_eq!(tx.receiver_count(), 0);
/// ```
pub struct Sender<T> {
    pub(super) shared: Rc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Send `value` to every receiver alive now; returns how many that
    /// is. If the buffer is full, the oldest message is evicted: the
    /// receivers that had not read it will get [`RecvError::Lagged`](super::RecvError::Lagged).
    ///
    /// Never waits: a slow receiver cannot hold the sender back.
    ///
    /// # Errors
    ///
    /// `Err(SendError(value))` gives the value back if there is no
    /// receiver (a later [`subscribe`](Self::subscribe) would not see it
    /// anyway).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::broadcast::{self, SendError};
    ///
    /// let (tx, rx) = broadcast::channel(2);
    /// let _rx2 = rx.resubscribe();
    /// assert_eq!(tx.send(1), Ok(2));
    /// drop((rx, _rx2));
    /// assert_eq!(tx.send(2), Err(SendError(2)));
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let shared = &*self.shared;
        let receivers = shared.receivers.get();
        if receivers == 0 {
            return Err(SendError(value));
        }
        let mut wakers = WakeBatch::new();
        let evicted = {
            let mut state = shared.state.borrow_mut();
            let evicted = if state.buffer.len() == shared.capacity {
                state.head += 1;
                state.buffer.pop_front()
            } else {
                None
            };
            state.buffer.push_back(Buffered {
                value,
                remaining: receivers,
            });
            state.waiting.serve_front(usize::MAX, &mut wakers);
            evicted
        };
        drop(evicted);
        wakers.wake();
        Ok(receivers)
    }

    /// A new receiver, which sees the messages sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::broadcast::{self, TryRecvError};
    ///
    /// let (tx, _rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut late = tx.subscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(late.try_recv(), Ok(2));
    /// assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.new_receiver()
    }

    /// How many receivers are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::broadcast::channel::<u8>(1);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 2);
    /// # drop((rx, rx2));
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.get()
    }

    /// How many messages the channel holds: those some receiver has yet
    /// to read, at most the capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::broadcast::channel(4);
    /// let mut rx2 = tx.subscribe();
    /// tx.send(1).unwrap();
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1); // rx2 has not read it
    /// rx2.try_recv().unwrap();
    /// assert_eq!(tx.len(), 0); // dropped once everyone read it
    /// ```
    pub fn len(&self) -> usize {
        self.shared.state.borrow().buffer.len()
    }

    /// Whether the channel holds no message (see [`len`](Self::len)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = uniloop::channel::broadcast::channel(4);
    /// assert!(tx.is_empty());
    /// tx.send(()).unwrap();
    /// assert!(!tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.senders.set(self.shared.senders.get() + 1);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let senders = self.shared.senders.get() - 1;
        self.shared.senders.set(senders);
        if senders == 0 {
            let mut wakers = WakeBatch::new();
            self.shared
                .state
                .borrow_mut()
                .waiting
                .serve_front(usize::MAX, &mut wakers);
            wakers.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("receivers", &self.receiver_count())
            .field("buffered", &self.len())
            .finish()
    }
}

/// With the `sink` feature: a sender is a `futures_sink::Sink` that is
/// always ready (a broadcast never waits: a full buffer evicts its
/// oldest message) and whose `start_send` is [`send`](Sender::send).
///
/// # Errors
///
/// `start_send` gives the value back in `SendError(value)` when no
/// receiver is left.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "sink")]
/// # {
/// use futures::{SinkExt, StreamExt};
///
/// uniloop::run(async {
///     let (mut tx, rx) = uniloop::channel::broadcast::channel(4);
///     let mut stream = rx.into_stream();
///     SinkExt::send(&mut tx, 1).await.unwrap(); // the inherent `send` is not async
///     drop(tx);
///     assert_eq!(stream.next().await, Some(Ok(1)));
///     assert_eq!(stream.next().await, None);
/// });
/// # }
/// ```
#[cfg(feature = "sink")]
impl<T> futures_sink::Sink<T> for Sender<T> {
    type Error = SendError<T>;

    fn poll_ready(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), SendError<T>>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn start_send(self: std::pin::Pin<&mut Self>, value: T) -> Result<(), SendError<T>> {
        Sender::send(&self, value).map(drop)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), SendError<T>>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), SendError<T>>> {
        std::task::Poll::Ready(Ok(()))
    }
}
