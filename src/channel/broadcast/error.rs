//! `broadcast`'s errors.

use std::error::Error;
use std::fmt;

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

/// Why [`Receiver::recv`](super::Receiver::recv) returned no message.
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

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no message.
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
