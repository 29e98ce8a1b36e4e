//! `mpsc`: many senders, one receiver, bounded or not (≙ an
//! `asyncio.Queue` used as a pipe, with "closed" when the senders are
//! gone).
//!
//! # Examples
//!
//! A producer task feeding a consumer; where asyncio code puts a sentinel
//! at the end, here the channel closes when the last [`Sender`] is
//! dropped, and [`Receiver::recv`] then gives `None`:
//!
//! ```
//! use uniloop::channel::mpsc;
//!
//! uniloop::run(async {
//!     let (tx, mut rx) = mpsc::channel(2); // `send` waits while 2 are queued
//!     let producer = uniloop::spawn(async move {
//!         for line in ["a", "b", "c"] {
//!             tx.send(line).await.unwrap();
//!         }
//!     }); // `tx` is dropped when the producer ends
//!     let mut got = Vec::new();
//!     while let Some(line) = rx.recv().await {
//!         got.push(line);
//!     }
//!     assert_eq!(got, ["a", "b", "c"]);
//!     producer.await.unwrap();
//! });
//! ```
//!
//! # Implementation
//!
//! The state the halves share, and every operation on it, is
//! `channel/chan.rs`'s (with `threadsafe`'s): here it sits in a `RefCell`,
//! and its invariants are stated there.

use std::cell::RefCell;
use std::rc::Rc;

use super::chan::ChanState;

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
    let chan = Rc::new(RefCell::new(ChanState::new(capacity)));
    (Sender::new(chan.clone()), Receiver { chan })
}

/// The state both halves share, on one thread.
type Chan<T> = RefCell<ChanState<T>>;
