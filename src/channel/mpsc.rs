//! `mpsc`: many senders, one receiver, bounded or not (≙ an
//! `asyncio.Queue` used as a pipe, with "closed" when the senders are
//! gone).
//!
//! # Invariants
//!
//! The buffer and the waiting senders are a `Bounded` (`channel/bounded.rs`),
//! whose invariants say how a slot freed by a receive is kept for the
//! first waiting sender, and passes on if that sender is cancelled.
//!
//! - When the receiver is closed or dropped, every waiting sender gets
//!   its message back in `SendError`; later sends fail the same way.
//!   Nothing handed to the channel is lost without a trace, and nothing
//!   a cancelled send held is delivered.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::Stream;

use super::bounded::{Bounded, Pending};
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};
use crate::util::wake_batch::WakeBatch;

/// A channel holding at most `capacity` messages: [`Sender::send`] waits
/// while it is full (≙ `asyncio.Queue(maxsize)` between producers and one
/// consumer; tokio's `mpsc::channel`).
///
/// # Panics
///
/// If `capacity` is 0: "uniloop::channel::mpsc::channel(): the capacity
/// must be at least 1" (use [`unbounded`] for no limit).
///
/// # Examples
///
/// ```
/// use uniloop::channel::mpsc;
///
/// uniloop::run(async {
///     let (tx, mut rx) = mpsc::channel(2);
///     for n in 0..3 {
///         let tx = tx.clone();
///         uniloop::spawn(async move { tx.send(n).await.unwrap() });
///     }
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(n) = rx.recv().await {
///         got.push(n);
///     }
///     assert_eq!(got, [0, 1, 2]); // None once every sender is gone
/// });
/// ```
#[track_caller]
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "uniloop::channel::mpsc::channel(): the capacity must be at least 1"
    );
    with_capacity(capacity)
}

/// A channel without a size limit: sends never wait.
///
/// # Examples
///
/// ```
/// use uniloop::channel::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded();
/// for n in 0..1_000 {
///     tx.try_send(n).unwrap();
/// }
/// assert_eq!(rx.try_recv(), Ok(0));
/// ```
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    with_capacity(usize::MAX)
}

fn with_capacity<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Rc::new(Chan {
        state: RefCell::new(State {
            bounded: Bounded::new(capacity),
            receiver: None,
        }),
        senders: Cell::new(1),
        closed: Cell::new(false),
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

struct Chan<T> {
    state: RefCell<State<T>>,
    senders: Cell<usize>,
    /// The receiver closed or dropped: sends fail.
    closed: Cell<bool>,
}

struct State<T> {
    bounded: Bounded<T>,
    receiver: Option<Waker>,
}

impl<T> Chan<T> {
    /// Buffer `message` if there is room and nobody waits before it;
    /// otherwise give it back.
    fn try_push(&self, message: T) -> Result<(), T> {
        let mut state = self.state.borrow_mut();
        state.bounded.try_push(message)?;
        let receiver = state.receiver.take();
        drop(state);
        if let Some(waker) = receiver {
            waker.wake();
        }
        Ok(())
    }

    /// Release every waiting sender; each gets its message back.
    fn close(&self) {
        self.closed.set(true);
        let mut wakers = WakeBatch::new();
        self.state.borrow_mut().bounded.close(&mut wakers);
        wakers.wake();
    }
}

/// The sending half of an [`mpsc`](self) channel; clone it for more
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
    chan: Rc<Chan<T>>,
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

/// The receiving half of an [`mpsc`](self) channel; also a [`Stream`] of
/// the messages.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let (tx, mut rx) = uniloop::channel::mpsc::unbounded();
///     tx.send(1).await.unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub struct Receiver<T> {
    chan: Rc<Chan<T>>,
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
    ///     let (tx, mut rx) = uniloop::channel::mpsc::channel(4);
    ///     uniloop::spawn(async move { tx.send(7).await.unwrap() });
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
    ///     let (tx, mut rx) = uniloop::channel::mpsc::channel(1);
    ///     tx.try_send(3).unwrap();
    ///     assert_eq!(poll_fn(|cx| rx.poll_recv(cx)).await, Some(3));
    /// });
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.take() {
            Ok(message) => Poll::Ready(Some(message)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => {
                let old = self
                    .chan
                    .state
                    .borrow_mut()
                    .receiver
                    .replace(cx.waker().clone());
                drop(old);
                Poll::Pending
            }
        }
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
    /// use uniloop::channel::mpsc::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.take()
    }

    /// Refuse new messages: sends fail from now on (the waiting ones get
    /// their messages back), while what is buffered can still be
    /// received.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, mut rx) = uniloop::channel::mpsc::channel(2);
    ///     tx.send(1).await.unwrap();
    ///     rx.close();
    ///     assert!(tx.send(2).await.is_err());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Take the next message, granting the freed slot to the first
    /// waiting sender.
    fn take(&mut self) -> Result<T, TryRecvError> {
        let chan = &*self.chan;
        let popped = chan.state.borrow_mut().bounded.pop();
        let Some((message, sender)) = popped else {
            let gone = chan.senders.get() == 0 || chan.closed.get();
            return Err(if gone {
                TryRecvError::Disconnected
            } else {
                TryRecvError::Empty
            });
        };
        if let Some(waker) = sender {
            waker.wake();
        }
        Ok(message)
    }
}

impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.close();
        // Buffered messages are dropped here, outside the borrow.
        let buffered = self.chan.state.borrow_mut().bounded.take_buffer();
        drop(buffered);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.chan.state.borrow();
        f.debug_struct("mpsc::Receiver")
            .field("buffered", &state.bounded.len())
            .field("senders_waiting", &state.bounded.senders_waiting())
            .field("senders", &self.chan.senders.get())
            .finish()
    }
}

/// The channel is closed: the message comes back (≙ sending into a
/// closed pipe).
///
/// # Examples
///
/// ```
/// use uniloop::channel::mpsc::{self, SendError};
///
/// uniloop::run(async {
///     let (tx, rx) = mpsc::channel(1);
///     drop(rx);
///     assert_eq!(tx.send(9).await, Err(SendError(9)));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// Why [`Sender::try_send`] did not send; both give the message back.
///
/// # Examples
///
/// ```
/// use uniloop::channel::mpsc::{self, TrySendError};
///
/// let (tx, _rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// let err = tx.try_send(2).unwrap_err();
/// assert!(err.is_full());
/// assert_eq!(err.into_inner(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The channel is full (or sends wait before this one).
    Full(T),
    /// The receiver is closed or dropped.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::channel::mpsc::TrySendError::Closed(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(message) | TrySendError::Closed(message) => message,
        }
    }

    /// Whether the channel was full.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::channel::mpsc::TrySendError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the channel was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::channel::mpsc::TrySendError::Closed(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

/// Why [`Receiver::try_recv`] has no message.
///
/// # Examples
///
/// ```
/// use uniloop::channel::mpsc::{self, TryRecvError};
///
/// let (_tx, mut rx) = mpsc::channel::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing buffered yet.
    Empty,
    /// Nothing buffered, and every sender is gone (or the receiver
    /// closed): nothing will come.
    Disconnected,
}

/// Does not need `T: Debug`, so that `unwrap()` works for any message.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

/// Does not need `T: Debug`, so that `unwrap()` works for any message.
impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "Full(..)",
            TrySendError::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the channel is closed")
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "the channel is full",
            TrySendError::Closed(_) => "the channel is closed",
        })
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "the channel is empty",
            TryRecvError::Disconnected => "the channel is empty and closed",
        })
    }
}

impl<T> Error for SendError<T> {}
impl<T> Error for TrySendError<T> {}
impl Error for TryRecvError {}
