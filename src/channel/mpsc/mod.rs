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
use std::rc::Rc;
use std::task::Waker;

use super::bounded::Bounded;
use crate::util::wake_batch::WakeBatch;

mod error;
mod receiver;
mod sender;

pub use error::{SendError, TryRecvError, TrySendError};
pub use receiver::Receiver;
pub use sender::{Send, Sender};

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
