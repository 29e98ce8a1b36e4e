//! `oneshot`: one value from one task to another (≙ an `asyncio.Future`
//! that one task resolves and another awaits).
//!
//! # Examples
//!
//! ```
//! use uniloop::channel::oneshot;
//!
//! uniloop::run(async {
//!     let (tx, rx) = oneshot::channel(); // ≙ fut = loop.create_future()
//!     uniloop::spawn(async move {
//!         uniloop::yield_now().await; // some work
//!         tx.send("result").unwrap(); // ≙ fut.set_result("result")
//!     });
//!     assert_eq!(rx.await, Ok("result")); // ≙ await fut
//!
//!     let (tx, rx) = oneshot::channel::<u32>();
//!     drop(tx); // never resolved: the awaiter is told, not left waiting
//!     assert!(rx.await.is_err());
//! });
//! ```

use std::cell::Cell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::future::FusedFuture;

/// A channel for one value: the [`Sender`] sends it once, the
/// [`Receiver`] is a future of it (≙ an `asyncio.Future` resolved with
/// `set_result`).
///
/// # Examples
///
/// ```
/// use uniloop::channel::oneshot;
///
/// uniloop::run(async {
///     let (tx, rx) = oneshot::channel();
///     uniloop::spawn(async move { tx.send(42).unwrap() });
///     assert_eq!(rx.await, Ok(42));
/// });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(Inner {
        value: Cell::new(None),
        sender_gone: Cell::new(false),
        receiver_gone: Cell::new(false),
        waker: Cell::new(None),
    });
    (
        Sender {
            inner: inner.clone(),
        },
        Receiver { inner, done: false },
    )
}

struct Inner<T> {
    value: Cell<Option<T>>,
    /// The sender sent or was dropped: nothing more will come.
    sender_gone: Cell<bool>,
    /// The receiver was dropped or closed: a send would be lost.
    receiver_gone: Cell<bool>,
    /// The receiver's waker.
    waker: Cell<Option<Waker>>,
}

impl<T> Inner<T> {
    fn wake_receiver(&self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

/// The sending half of a [`oneshot::channel`](channel).
///
/// # Examples
///
/// ```
/// let (tx, rx) = uniloop::channel::oneshot::channel::<u8>();
/// assert!(!tx.is_closed());
/// drop(rx);
/// assert!(tx.is_closed());
/// ```
pub struct Sender<T> {
    inner: Rc<Inner<T>>,
}

impl<T> Sender<T> {
    /// Send the value, or give it back if the receiver is gone (dropped
    /// or [closed](Receiver::close)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send("lost?"), Err("lost?")); // no: it comes back
    /// ```
    pub fn send(self, value: T) -> Result<(), T> {
        if self.inner.receiver_gone.get() {
            return Err(value);
        }
        self.inner.value.set(Some(value));
        // `self` drops here, which marks the sender gone and wakes the
        // receiver.
        Ok(())
    }

    /// Whether the receiver is gone, so a send would fail.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::oneshot::channel::<u8>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.receiver_gone.get()
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.inner.sender_gone.set(true);
        self.inner.wake_receiver();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The receiving half of a [`oneshot::channel`](channel): a future of the
/// value, or of [`RecvError`] if the sender is dropped without sending.
///
/// # Cancel safety
///
/// Awaiting `&mut receiver` is cancel safe: a value that arrives stays in
/// the channel until received.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let (tx, rx) = uniloop::channel::oneshot::channel::<u8>();
///     drop(tx);
///     assert!(rx.await.is_err());
/// });
/// ```
pub struct Receiver<T> {
    inner: Rc<Inner<T>>,
    /// It returned `Ready` (for `FusedFuture`).
    done: bool,
}

impl<T> Receiver<T> {
    /// The value if it was sent, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if nothing was sent yet,
    /// [`TryRecvError::Closed`] if nothing ever will be.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::oneshot::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.inner.value.take() {
            Some(value) => Ok(value),
            None if self.inner.sender_gone.get() => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Refuse the value from now on: a later send fails and gives it back.
    /// A value sent before can still be received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(5), Err(5));
    /// ```
    pub fn close(&mut self) {
        self.inner.receiver_gone.set(true);
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = &this.inner;
        if let Some(value) = inner.value.take() {
            this.done = true;
            return Poll::Ready(Ok(value));
        }
        if inner.sender_gone.get() {
            this.done = true;
            return Poll::Ready(Err(RecvError(())));
        }
        inner.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

/// Terminated once it returned `Ready` (the value, or `RecvError`).
///
/// # Examples
///
/// ```
/// use futures_core::future::FusedFuture;
///
/// uniloop::run(async {
///     let (tx, mut rx) = uniloop::channel::oneshot::channel();
///     tx.send(5).unwrap();
///     assert!(!rx.is_terminated());
///     assert_eq!((&mut rx).await, Ok(5));
///     assert!(rx.is_terminated());
/// });
/// ```
impl<T> FusedFuture for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.inner.receiver_gone.set(true);
        // A value sent but never received is dropped here, not later with
        // the last handle: its destructor runs where the receiver went.
        drop(self.inner.value.take());
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver")
            .field("sender_gone", &self.inner.sender_gone.get())
            .finish()
    }
}

/// The [`Sender`] was dropped without sending.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let (tx, rx) = uniloop::channel::oneshot::channel::<u8>();
///     drop(tx);
///     let err = rx.await.unwrap_err();
///     assert_eq!(err.to_string(), "the sender was dropped without sending");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError(());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the sender was dropped without sending")
    }
}

impl Error for RecvError {}

/// Why [`Receiver::try_recv`] has no value.
///
/// # Examples
///
/// ```
/// use uniloop::channel::oneshot::{self, TryRecvError};
///
/// let (tx, mut rx) = oneshot::channel::<u8>();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing was sent yet.
    Empty,
    /// The sender is gone: nothing will be sent (or the value was taken).
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "nothing was sent yet",
            TryRecvError::Closed => "the sender is gone",
        })
    }
}

impl Error for TryRecvError {}
