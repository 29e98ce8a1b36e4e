//! `threadsafe`'s sending half, usable from any thread, and its `send`
//! future.

use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use super::parker::Parker;
use super::{Chan, SendError, TrySendError};
use crate::channel::chan::{self, SendCore};
use crate::runtime::context;

/// The sending half of a [`threadsafe`](super) channel: `Clone + Send +
/// Sync`, usable from any thread. The receiver sees the end of the stream
/// when every sender is gone.
///
/// # Examples
///
/// ```
/// let (tx, rx) = uniloop::channel::threadsafe::channel::<u8>(1);
/// let tx2 = tx.clone();
/// std::thread::spawn(move || drop(rx)).join().unwrap();
/// assert!(tx2.is_closed());
/// # drop(tx);
/// ```
pub struct Sender<T> {
    pub(super) chan: Arc<Chan<T>>,
    /// The `Sink`'s message in flight, if the channel could not take it
    /// at once (`channel/sink.rs`).
    #[cfg(feature = "sink")]
    sink: crate::channel::sink::InFlightSend<T>,
}

impl<T> Sender<T> {
    /// A sender of `chan`, whose count of senders already includes it.
    pub(super) fn new(chan: Arc<Chan<T>>) -> Sender<T> {
        Sender {
            chan,
            #[cfg(feature = "sink")]
            sink: crate::channel::sink::InFlightSend::new(),
        }
    }

    /// Send `message`, blocking this thread while the channel is full.
    /// `Err(SendError(message))` gives it back if the receiver is or gets
    /// closed or dropped first.
    ///
    /// For plain threads (a worker, a callback from a C library). Tasks use
    /// [`send`](Self::send)`.await` instead.
    ///
    /// # Panics
    ///
    /// On a thread running a uniloop loop, where blocking would stop the
    /// loop (and deadlock if the receiver is on it): "uniloop::channel::
    /// threadsafe::Sender::send_blocking() called on a thread running a
    /// uniloop loop; use `send(..).await`". tokio's `blocking_send` panics
    /// the same way.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, mut rx) = uniloop::channel::threadsafe::channel(1);
    ///     let worker = std::thread::spawn(move || {
    ///         tx.send_blocking(1).unwrap();
    ///         tx.send_blocking(2).unwrap(); // waits for the loop to take 1
    ///     });
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, Some(2));
    ///     worker.join().unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn send_blocking(&self, message: T) -> Result<(), SendError<T>> {
        if context::with_current(|_| ()).is_some() {
            panic!(
                "uniloop::channel::threadsafe::Sender::send_blocking() called on a thread \
                 running a uniloop loop; use `send(..).await`"
            );
        }
        // Room now: sent without a waker (the first poll would do the same).
        let message = match self.try_send(message) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Closed(message)) => return Err(SendError(message)),
            Err(TrySendError::Full(message)) => message,
        };
        let mut send = pin!(Send {
            core: SendCore::new(&*self.chan, message, true),
        });
        let parker = Parker::current();
        let waker = parker.waker();
        let mut cx = Context::from_waker(&waker);
        loop {
            parker.arm();
            if let Poll::Ready(sent) = send.as_mut().poll(&mut cx) {
                return sent;
            }
            // Spurious returns only cost another poll.
            parker.wait();
        }
    }

    /// Send `message`, waiting while the channel is full; for tasks, on
    /// this runtime or any other. `Err(SendError(message))` gives it back
    /// if the receiver is or gets closed or dropped first.
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
    /// let (tx, mut rx) = uniloop::channel::threadsafe::channel(1);
    /// // A task on another runtime, on another thread, sends.
    /// std::thread::spawn(move || uniloop::run(async move { tx.send("hi").await.unwrap() }));
    /// uniloop::run(async move { assert_eq!(rx.recv().await, Some("hi")) });
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
    /// use uniloop::channel::threadsafe::{self, TrySendError};
    ///
    /// let (tx, rx) = threadsafe::channel(1);
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
    /// let (tx, mut rx) = uniloop::channel::threadsafe::channel::<u8>(1);
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
        f.debug_struct("threadsafe::Sender")
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
///     let (tx, _rx) = uniloop::channel::threadsafe::channel(1);
///     let send: uniloop::channel::threadsafe::Send<'_, u8> = tx.send(1);
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
        f.debug_struct("threadsafe::Send")
            .field("waiting", &self.core.is_waiting())
            .finish()
    }
}

/// With the `sink` feature: a sender is a `futures_sink::Sink`, on the
/// loop or on another runtime's task, like [`send`](Sender::send). A
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
/// let (mut tx, rx) = uniloop::channel::threadsafe::channel(1);
/// // Another executor, on another thread, feeds the loop through the sink.
/// let feeder = std::thread::spawn(move || {
///     futures::executor::block_on(async move {
///         tx.send_all(&mut futures::stream::iter([1, 2, 3]).map(Ok)).await.unwrap();
///     })
/// });
/// let got: Vec<i32> = uniloop::run(rx.collect());
/// assert_eq!(got, [1, 2, 3]);
/// feeder.join().unwrap();
/// # }
/// ```
#[cfg(feature = "sink")]
impl<T: std::marker::Send + 'static> futures_sink::Sink<T> for Sender<T> {
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
