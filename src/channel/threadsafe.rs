//! `threadsafe`: a channel from any OS thread into the loop (≙ feeding an
//! `asyncio.Queue` through `loop.call_soon_threadsafe`; tokio's `mpsc`
//! used with `blocking_send`).
//!
//! The [`Sender`] is `Clone + Send + Sync`: plain threads send with
//! [`Sender::send_blocking`], tasks on another runtime with
//! [`Sender::send`]`.await`. The [`Receiver`] is awaited by a task on the
//! loop. A send that finds the receiver waiting wakes it through its
//! waker, which reaches a parked loop from any thread (the loop's
//! `eventfd`), so the message is taken at once.
//!
//! This is the one channel that pays for atomics: its state sits behind a
//! `std::sync::Mutex` held for a few instructions per message. The
//! single-threaded [`mpsc`](super::mpsc) stays free of them.
//!
//! # Invariants
//!
//! The same as [`mpsc`](super::mpsc)'s, under the mutex instead of a
//! `RefCell`:
//!
//! - The buffer and the waiting senders are a
//!   `Bounded` (`channel/bounded.rs`): senders are served in FIFO order,
//!   whichever thread they are on; a slot a receive frees is kept for the
//!   first waiting sender, and passes on if that sender is cancelled.
//! - When the receiver is closed or dropped, every waiting sender gets its
//!   message back in [`SendError`]; later sends fail the same way.
//! - Wakers are woken after the mutex is released, so a waker that runs
//!   code (a thread unpark, a cross-thread wake) never runs under it.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use futures_core::Stream;

use super::bounded::{Bounded, Pending};
pub use super::mpsc::{SendError, TryRecvError, TrySendError};
use crate::runtime::context;
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};
use crate::util::wake_batch::WakeBatch;

/// A thread-safe channel holding at most `capacity` messages: sends wait
/// (or block, with [`Sender::send_blocking`]) while it is full.
///
/// # Panics
///
/// If `capacity` is 0: "uniloop::channel::threadsafe::channel(): the
/// capacity must be at least 1" (use [`unbounded`] for no limit).
///
/// # Examples
///
/// ```
/// use uniloop::channel::threadsafe;
///
/// uniloop::run(async {
///     let (tx, mut rx) = threadsafe::channel(16);
///     let workers: Vec<_> = (0..4)
///         .map(|id| {
///             let tx = tx.clone();
///             std::thread::spawn(move || tx.send_blocking(id).unwrap())
///         })
///         .collect();
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(id) = rx.recv().await {
///         got.push(id);
///     }
///     got.sort();
///     assert_eq!(got, [0, 1, 2, 3]);
///     workers.into_iter().for_each(|w| w.join().unwrap());
/// });
/// ```
#[track_caller]
pub fn channel<T: std::marker::Send>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "uniloop::channel::threadsafe::channel(): the capacity must be at least 1"
    );
    with_capacity(capacity)
}

/// A thread-safe channel without a size limit: sends never wait.
///
/// # Examples
///
/// ```
/// use uniloop::channel::threadsafe;
///
/// let (tx, mut rx) = threadsafe::unbounded();
/// std::thread::spawn(move || {
///     for n in 0..1_000 {
///         tx.try_send(n).unwrap();
///     }
/// })
/// .join()
/// .unwrap();
/// assert_eq!(rx.try_recv(), Ok(0));
/// ```
pub fn unbounded<T: std::marker::Send>() -> (Sender<T>, Receiver<T>) {
    with_capacity(usize::MAX)
}

fn with_capacity<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan {
        state: Mutex::new(State {
            bounded: Bounded::new(capacity),
            receiver: None,
            senders: 1,
            closed: false,
        }),
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

struct Chan<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    bounded: Bounded<T>,
    receiver: Option<Waker>,
    senders: usize,
    /// The receiver closed or dropped: sends fail.
    closed: bool,
}

impl<T> Chan<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing that can panic runs under this lock (wakers and message
        // destructors run after it is released), so a poisoned lock still
        // holds a consistent state.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Buffer `message` if the channel is open, has room and nobody waits
    /// before it, and wake the receiver; otherwise give it back.
    fn try_push(&self, message: T) -> Result<(), TrySendError<T>> {
        let receiver = self.push_locked(&mut self.lock(), message)?;
        if let Some(waker) = receiver {
            waker.wake();
        }
        Ok(())
    }

    /// [`try_push`](Self::try_push) under the caller's lock; returns the
    /// receiver's waker, to wake once the lock is released.
    fn push_locked(
        &self,
        state: &mut State<T>,
        message: T,
    ) -> Result<Option<Waker>, TrySendError<T>> {
        if state.closed {
            return Err(TrySendError::Closed(message));
        }
        state
            .bounded
            .try_push(message)
            .map_err(TrySendError::Full)?;
        Ok(state.receiver.take())
    }

    /// Release every waiting sender; each gets its message back.
    fn close(&self) {
        let mut wakers = WakeBatch::new();
        {
            let mut state = self.lock();
            state.closed = true;
            state.bounded.close(&mut wakers);
        }
        wakers.wake();
    }
}

/// The sending half of a [`threadsafe`](self) channel: `Clone + Send +
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
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
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
        let mut send = pin!(Send {
            blocking: true,
            ..self.send(message)
        });
        let waker = thread_waker();
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(sent) = send.as_mut().poll(&mut cx) {
                return sent;
            }
            // Spurious unparks only cost another poll.
            thread::park();
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
            message: Some(message),
            entry: WaitEntry::new(&*self.chan),
            blocking: false,
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
        self.chan.try_push(message)
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
        self.chan.lock().closed
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.lock().senders += 1;
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let receiver = {
            let mut state = self.chan.lock();
            state.senders -= 1;
            if state.senders == 0 {
                state.receiver.take()
            } else {
                None
            }
        };
        if let Some(waker) = receiver {
            waker.wake();
        }
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
    /// The message, until it is buffered or queued in the entry's node.
    message: Option<T>,
    entry: WaitEntry<&'a Chan<T>>,
    /// Driven by `send_blocking`, which cannot be cancelled (see
    /// `channel/bounded.rs`).
    blocking: bool,
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
            let (sent, receiver) = {
                let mut state = chan.lock();
                let closed = state.closed;
                let sent = state.bounded.finish_send(pending, closed);
                let receiver = state.receiver.take().filter(|_| sent.is_ok());
                (sent, receiver)
            };
            if let Some(waker) = receiver {
                waker.wake();
            }
            return Poll::Ready(sent.map_err(SendError));
        }
        let message = this.message.take().expect("Send polled after completion");
        let mut state = chan.lock();
        match chan.push_locked(&mut state, message) {
            Ok(receiver) => {
                drop(state);
                if let Some(waker) = receiver {
                    waker.wake();
                }
                Poll::Ready(Ok(()))
            }
            Err(TrySendError::Closed(message)) => Poll::Ready(Err(SendError(message))),
            Err(TrySendError::Full(message)) => {
                let pending = Pending::new(message, this.blocking);
                this.entry
                    .wait_in(state.bounded.waiting(), pending, cx.waker());
                Poll::Pending
            }
        }
    }
}

/// The senders' side of a channel, owner of a `Send`'s wait entry.
impl<T> WaitListOwner for &Chan<T> {
    type Data = Pending<T>;

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<Pending<T>>) -> R) -> R {
        f(self.lock().bounded.waiting())
    }

    /// Its message was never sent: it is dropped here (outside the lock);
    /// a slot granted to it passes to the next sender.
    fn left(&self, pending: Pending<T>, _served: bool) {
        let (message, next) = {
            let mut state = self.lock();
            let closed = state.closed;
            state.bounded.cancel(pending, closed)
        };
        drop(message);
        if let Some(waker) = next {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("threadsafe::Send")
            .field("waiting", &self.entry.is_queued())
            .finish()
    }
}

/// The receiving half of a [`threadsafe`](self) channel, awaited on the
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
    chan: Arc<Chan<T>>,
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
        let (taken, sender, old) = {
            let mut state = self.chan.lock();
            match take(&mut state) {
                Ok((message, sender)) => (Poll::Ready(Some(message)), sender, None),
                Err(TryRecvError::Disconnected) => (Poll::Ready(None), None, None),
                Err(TryRecvError::Empty) => {
                    let old = match &state.receiver {
                        Some(waker) if waker.will_wake(cx.waker()) => None,
                        _ => state.receiver.replace(cx.waker().clone()),
                    };
                    (Poll::Pending, None, old)
                }
            }
        };
        drop(old);
        if let Some(waker) = sender {
            waker.wake();
        }
        taken
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
        let taken = take(&mut self.chan.lock());
        taken.map(|(message, sender)| {
            if let Some(waker) = sender {
                waker.wake();
            }
            message
        })
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
        self.chan.close();
    }
}

/// Take the next message, granting the freed slot to the first waiting
/// sender, whose waker is returned to wake once the lock is released.
fn take<T>(state: &mut State<T>) -> Result<(T, Option<Waker>), TryRecvError> {
    state
        .bounded
        .pop()
        .ok_or(if state.senders == 0 || state.closed {
            TryRecvError::Disconnected
        } else {
            TryRecvError::Empty
        })
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
        // Buffered messages are dropped here, outside the lock.
        let buffered = self.chan.lock().bounded.take_buffer();
        drop(buffered);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.chan.lock();
        f.debug_struct("threadsafe::Receiver")
            .field("buffered", &state.bounded.len())
            .field("senders_waiting", &state.bounded.senders_waiting())
            .field("senders", &state.senders)
            .finish()
    }
}

/// Unparks the thread blocked in [`Sender::send_blocking`].
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// This thread's unparking waker, made once per thread.
fn thread_waker() -> Waker {
    thread_local! {
        static WAKER: Waker = Waker::from(Arc::new(Unparker(thread::current())));
    }
    WAKER
        .try_with(Waker::clone)
        .unwrap_or_else(|_| Waker::from(Arc::new(Unparker(thread::current()))))
}
