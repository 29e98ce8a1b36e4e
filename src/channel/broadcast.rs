//! `broadcast`: every receiver sees every message (≙ one producer feeding
//! an `asyncio.Queue` per consumer; tokio's `broadcast`).
//!
//! # Invariants
//!
//! - Messages get consecutive positions. The buffer holds positions
//!   `head..tail`, at most `capacity` of them. Each receiver keeps `next`,
//!   the position it reads next (`next <= tail`), and claims every message
//!   from `next` on.
//! - Each buffered message counts its claimants (`remaining`): the live
//!   receivers with `next <= position`. The count never decreases from the
//!   front to the back, and the front's is never 0: a message nobody still
//!   has to read is dropped at once. Its last reader takes it without a
//!   clone; a dropped receiver releases its claims.
//! - A send into a full buffer evicts the front message. A receiver with
//!   `next < head` lagged: its next receive reports `Lagged(head - next)`
//!   and moves it to `head`, the oldest message still buffered.
//! - A receiver waits only while `next == tail`. Every send and the drop
//!   of the last sender serve every waiter; wakers are woken, and values
//!   leaving the buffer dropped, after the borrow is released. Only
//!   `T::clone` runs under the borrow (a `Clone` that uses the same
//!   channel would panic).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};
use crate::util::wake_batch::WakeBatch;

/// A channel whose every [`Receiver`] sees every message, keeping at most
/// `capacity` of them for receivers that fall behind (tokio's
/// `broadcast::channel`).
///
/// A receiver more than `capacity` messages behind misses the oldest ones
/// and is told so once, with [`RecvError::Lagged`].
///
/// # Panics
///
/// If `capacity` is 0: "uniloop::channel::broadcast::channel(): the
/// capacity must be at least 1".
///
/// # Examples
///
/// ```
/// use uniloop::channel::broadcast;
///
/// uniloop::run(async {
///     let (tx, mut rx1) = broadcast::channel(4);
///     let mut rx2 = tx.subscribe();
///     tx.send("hello").unwrap();
///     assert_eq!(rx1.recv().await, Ok("hello"));
///     assert_eq!(rx2.recv().await, Ok("hello"));
/// });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "uniloop::channel::broadcast::channel(): the capacity must be at least 1"
    );
    let shared = Rc::new(Shared {
        state: RefCell::new(State {
            buffer: VecDeque::new(),
            head: 0,
            waiting: WaitList::new(),
        }),
        capacity,
        senders: Cell::new(1),
        receivers: Cell::new(1),
    });
    let receiver = Receiver {
        shared: shared.clone(),
        next: 0,
    };
    (Sender { shared }, receiver)
}

struct Shared<T> {
    state: RefCell<State<T>>,
    capacity: usize,
    senders: Cell<usize>,
    receivers: Cell<usize>,
}

struct State<T> {
    buffer: VecDeque<Slot<T>>,
    /// The position of `buffer[0]`.
    head: u64,
    /// Receivers waiting for the next message.
    waiting: WaitList<()>,
}

struct Slot<T> {
    value: T,
    /// The receivers that still have to read it.
    remaining: usize,
}

impl<T> State<T> {
    /// The position the next message gets.
    fn tail(&self) -> u64 {
        self.head + self.buffer.len() as u64
    }

    /// A dropped receiver's claims end: every message from `from` on has
    /// one reader less. The messages nobody claims any more move to
    /// `dropped`, to be dropped after the borrow.
    fn release(&mut self, from: u64, dropped: &mut Vec<T>) {
        let start = from.saturating_sub(self.head) as usize;
        for slot in self.buffer.iter_mut().skip(start) {
            slot.remaining -= 1;
        }
        while self.buffer.front().is_some_and(|slot| slot.remaining == 0) {
            let slot = self.buffer.pop_front().expect("the front was just seen");
            self.head += 1;
            dropped.push(slot.value);
        }
    }
}

impl<T> Shared<T> {
    fn new_receiver(self: &Rc<Self>) -> Receiver<T> {
        self.receivers.set(self.receivers.get() + 1);
        let next = self.state.borrow().tail();
        Receiver {
            shared: self.clone(),
            next,
        }
    }
}

/// The sending half of a [`broadcast`](self) channel; clone it for more
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
    shared: Rc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Send `value` to every receiver alive now; returns how many that
    /// is. If the buffer is full, the oldest message is evicted: the
    /// receivers that had not read it will get [`RecvError::Lagged`].
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
            state.buffer.push_back(Slot {
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

/// The receiving half of a [`broadcast`](self) channel: it sees every
/// message sent after it was created, in order.
///
/// Dropping it gives up its claim on the messages it has not read.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let (tx, mut rx) = uniloop::channel::broadcast::channel(4);
///     tx.send(1).unwrap();
///     tx.send(2).unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Ok(1));
///     assert_eq!(rx.recv().await, Ok(2));
///     assert!(rx.recv().await.is_err()); // closed
/// });
/// ```
pub struct Receiver<T> {
    shared: Rc<Shared<T>>,
    /// The position of the next message to read.
    next: u64,
}

impl<T> Receiver<T> {
    /// A new receiver, which sees the messages sent from now on (not
    /// those this one has yet to read).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::broadcast::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        self.shared.new_receiver()
    }

    /// How many messages were sent that this receiver has not received,
    /// counting those it missed by lagging.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap(); // evicts 1
    /// assert_eq!(rx.len(), 2);
    /// assert!(rx.try_recv().is_err()); // Lagged(1)
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        (self.shared.state.borrow().tail() - self.next) as usize
    }

    /// Whether this receiver has received everything sent so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::broadcast::channel(2);
    /// tx.send(()).unwrap();
    /// assert!(!rx.is_empty());
    /// rx.try_recv().unwrap();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T: Clone> Receiver<T> {
    /// The next message, waiting for one: a clone of it, or the value
    /// itself if this receiver is the last to read it.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`]`(n)` once if this receiver fell so far behind
    /// that `n` messages were evicted before it read them; the next call
    /// returns the oldest message still held. [`RecvError::Closed`] once
    /// every sender is gone and everything sent was received.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a message is taken only when `recv` completes, so a
    /// dropped `recv` loses nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::broadcast::{self, RecvError};
    ///
    /// uniloop::run(async {
    ///     let (tx, mut rx) = broadcast::channel(2);
    ///     for n in 0..3 {
    ///         tx.send(n).unwrap();
    ///     }
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
    ///     assert_eq!(rx.recv().await, Ok(1));
    ///     assert_eq!(rx.recv().await, Ok(2));
    ///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// });
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        let (shared, next) = (&*self.shared, &mut self.next);
        let mut waiter = WaitEntry::new(shared);
        poll_fn(|cx| match shared.take(next) {
            Ok(value) => Poll::Ready(Ok(value)),
            Err(TryRecvError::Closed) => Poll::Ready(Err(RecvError::Closed)),
            Err(TryRecvError::Lagged(missed)) => Poll::Ready(Err(RecvError::Lagged(missed))),
            Err(TryRecvError::Empty) => {
                waiter.keep_waiting(cx.waker());
                Poll::Pending
            }
        })
        .await
    }

    /// The next message if there is one, without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] if this receiver has read everything sent
    /// so far; [`TryRecvError::Closed`] and [`TryRecvError::Lagged`] as
    /// for [`recv`](Self::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::channel::broadcast::{self, TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send('a').unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.shared.take(&mut self.next)
    }
}

impl<T: Clone> Shared<T> {
    /// Receive for a receiver at `next`: a clone of the message, or the
    /// message itself for its last reader.
    fn take(&self, next: &mut u64) -> Result<T, TryRecvError> {
        let mut state = self.state.borrow_mut();
        if *next < state.head {
            let missed = state.head - *next;
            *next = state.head;
            return Err(TryRecvError::Lagged(missed));
        }
        let index = (*next - state.head) as usize;
        let Some(slot) = state.buffer.get_mut(index) else {
            return Err(if self.senders.get() == 0 {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        };
        *next += 1;
        if slot.remaining == 1 && index == 0 {
            // The last reader (so the front, as counts grow front to
            // back): it takes the value itself.
            let slot = state.buffer.pop_front().expect("the slot was just seen");
            state.head += 1;
            return Ok(slot.value);
        }
        slot.remaining -= 1;
        debug_assert!(slot.remaining > 0, "only the front loses its last reader");
        Ok(slot.value.clone())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let shared = &*self.shared;
        shared.receivers.set(shared.receivers.get() - 1);
        let mut dropped = Vec::new();
        shared.state.borrow_mut().release(self.next, &mut dropped);
        drop(dropped);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("unread", &self.len())
            .field("senders", &self.shared.senders.get())
            .finish()
    }
}

/// The receivers' waiting list, where a waiting `recv` keeps its place
/// (a `WaitEntry`, left when dropped: a cancelled `recv` leaves nothing
/// behind).
impl<T> WaitListOwner for &Shared<T> {
    type Data = ();

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<()>) -> R) -> R {
        f(&mut self.state.borrow_mut().waiting)
    }
}

/// There is no receiver: the value comes back.
///
/// # Examples
///
/// ```
/// use uniloop::channel::broadcast::{self, SendError};
///
/// let (tx, rx) = broadcast::channel(1);
/// drop(rx);
/// let SendError(back) = tx.send(String::from("lost?")).unwrap_err();
/// assert_eq!(back, "lost?");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// Why [`Receiver::recv`] returned no message.
///
/// # Examples
///
/// ```
/// use uniloop::channel::broadcast::{self, RecvError};
///
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap();
/// let err = uniloop::run(rx.recv()).unwrap_err();
/// assert_eq!(err, RecvError::Lagged(1));
/// assert_eq!(format!("{err:?}"), "Lagged(1)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvError {
    /// Every sender is gone and every message was received.
    Closed,
    /// The receiver fell behind: this many messages were evicted before
    /// it read them. It continues from the oldest message still held.
    Lagged(u64),
}

/// Why [`Receiver::try_recv`] returned no message.
///
/// # Examples
///
/// ```
/// use uniloop::channel::broadcast::{self, TryRecvError};
///
/// let (_tx, mut rx) = broadcast::channel::<u8>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing new yet.
    Empty,
    /// Every sender is gone and every message was received.
    Closed,
    /// The receiver fell behind: this many messages were evicted before
    /// it read them. It continues from the oldest message still held.
    Lagged(u64),
}

/// Does not need `T: Debug`, so that `unwrap()` works for any message.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the channel has no receiver")
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("the channel is empty and closed"),
            RecvError::Lagged(missed) => {
                write!(f, "the receiver lagged behind and missed {missed} messages")
            }
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("the channel is empty"),
            TryRecvError::Closed => RecvError::Closed.fmt(f),
            TryRecvError::Lagged(missed) => RecvError::Lagged(*missed).fmt(f),
        }
    }
}

impl<T> Error for SendError<T> {}
impl Error for RecvError {}
impl Error for TryRecvError {}
