//! `broadcast`'s receiving half: the claims it holds on the buffered
//! messages, and how a receive takes one.

use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use super::{RecvError, Shared, TryRecvError};
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};

/// The receiving half of a [`broadcast`](super) channel: it sees every
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
    pub(super) shared: Rc<Shared<T>>,
    /// The position of the next message to read.
    pub(super) next: u64,
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
    pub(super) fn take(&self, next: &mut u64) -> Result<T, TryRecvError> {
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
