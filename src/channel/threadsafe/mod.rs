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
//! This is the answer for talking to the loop from another thread through
//! a primitive. The loop's own primitives ([`mpsc`](super::mpsc),
//! [`queue`](crate::queue), [`sync`](crate::sync), ...) hold an `Rc`:
//! they are `!Send`, so they cannot move to another thread, nor be
//! captured by the closure given to [`Handle::spawn`](crate::Handle::spawn),
//! which must be `Send`. Make a `threadsafe` channel, move its [`Sender`]
//! to the thread, and receive in a task on the loop, which can pass what
//! it gets on to the `Rc`-based primitives. (For a one-off call on the
//! loop, [`Handle::call_soon_threadsafe`](crate::Handle::call_soon_threadsafe)
//! is enough.)
//!
//! # Examples
//!
//! A std thread doing blocking work feeds the loop:
//!
//! ```
//! use uniloop::channel::threadsafe;
//!
//! uniloop::run(async {
//!     let (tx, mut rx) = threadsafe::channel(4);
//!     let reader = std::thread::spawn(move || {
//!         // blocking work: a device, a blocking library, stdin, ...
//!         for line in ["one", "two", "three"] {
//!             tx.send_blocking(line.to_string()).unwrap(); // waits while 4 are queued
//!         }
//!     }); // `tx` is dropped when the thread ends: `recv` then gives `None`
//!     let mut lines = Vec::new();
//!     while let Some(line) = rx.recv().await {
//!         lines.push(line);
//!     }
//!     assert_eq!(lines, ["one", "two", "three"]);
//!     reader.join().unwrap();
//! });
//! ```
//!
//! # Implementation
//!
//! This is the one channel that pays for atomics: its state sits behind a
//! `std::sync::Mutex` held for a few instructions per message. The
//! single-threaded [`mpsc`](super::mpsc) stays free of them.
//!
//! The state the halves share, and every operation on it, is
//! `channel/chan.rs`'s (with [`mpsc`](super::mpsc)'s): here it sits
//! behind a `Mutex`, and its invariants are stated there. Senders are
//! served in FIFO order, whichever thread they are on.
//!
//! A thread blocked in [`Sender::send_blocking`] watches for its wake for
//! a few microseconds before it parks (`parker.rs`, where more than one
//! CPU is available), so that while the loop drains a full channel its
//! wakes reach running threads and cost no system call.

use std::sync::Arc;

pub use super::mpsc::{SendError, TryRecvError, TrySendError};

use super::chan::ChanState;
use crate::util::sync::Mutex;

mod parker;
mod receiver;
mod sender;

pub use receiver::Receiver;
pub use sender::{Send, Sender};

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
    let chan = Arc::new(Mutex::new(ChanState::new(capacity)));
    (Sender::new(chan.clone()), Receiver { chan })
}

/// The state both halves share, for any thread.
type Chan<T> = Mutex<ChanState<T>>;
