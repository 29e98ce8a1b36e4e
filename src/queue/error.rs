//! The queues' errors. Those of a put give the item back.

use std::error::Error;
use std::fmt;

/// [`put_nowait`](super::GenericQueue::put_nowait) found the queue full; the item
/// is given back (≙ `asyncio.QueueFull`).
///
/// # Examples
///
/// ```
/// use uniloop::queue::{Queue, QueueFull};
///
/// let queue = Queue::new(1);
/// queue.put_nowait("a").unwrap();
/// assert_eq!(queue.put_nowait("b"), Err(QueueFull("b")));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

/// The queue was shut down (≙ `asyncio.QueueShutDown`): on the put side it
/// carries the item back; on the get side, `QueueShutDown` (`T = ()`) means
/// the queue is shut down and empty.
///
/// # Examples
///
/// ```
/// use uniloop::queue::{Queue, QueueShutDown};
///
/// uniloop::run(async {
///     let queue = Queue::new(0);
///     queue.shutdown(false);
///     assert_eq!(queue.put(7).await, Err(QueueShutDown(7)));
///     assert_eq!(queue.get().await, Err(QueueShutDown(())));
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueShutDown<T = ()>(pub T);

/// Why [`try_put`](super::GenericQueue::try_put) put nothing; the item is
/// given back (≙ `put_nowait`'s `QueueFull` and `QueueShutDown`).
///
/// # Examples
///
/// ```
/// use uniloop::queue::{Queue, TryPutError};
///
/// let queue = Queue::new(1);
/// queue.try_put(1).unwrap();
/// assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
/// queue.shutdown(false);
/// assert_eq!(queue.try_put(3), Err(TryPutError::ShutDown(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// The queue is full, or putters wait before this one.
    Full(T),
    /// The queue is shut down.
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::queue::TryPutError::ShutDown(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }

    /// Whether the queue was shut down (rather than full).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::queue::TryPutError::ShutDown(()).is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        matches!(self, TryPutError::ShutDown(_))
    }
}

/// Does not need `T: Debug`, so that `unwrap()` works for any item.
impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPutError::Full(_) => "Full(..)",
            TryPutError::ShutDown(_) => "ShutDown(..)",
        })
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("the queue is full"),
            TryPutError::ShutDown(_) => f.write_str("the queue is shut down"),
        }
    }
}

impl<T> Error for TryPutError<T> {}

/// [`get_nowait`](super::GenericQueue::get_nowait) found the queue empty (≙
/// `asyncio.QueueEmpty`).
///
/// # Examples
///
/// ```
/// use uniloop::queue::{Queue, QueueEmpty};
///
/// let queue: Queue<i32> = Queue::new(0);
/// assert_eq!(queue.get_nowait(), Err(QueueEmpty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueEmpty;

/// [`task_done`](super::GenericQueue::task_done) was called more times than items
/// were put (≙ asyncio's `ValueError`).
///
/// # Examples
///
/// ```
/// let queue: uniloop::queue::Queue<i32> = uniloop::queue::Queue::new(0);
/// let err = queue.task_done().unwrap_err();
/// assert_eq!(err.to_string(), "task_done() called too many times");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyTaskDone;

impl<T> QueueFull<T> {
    /// The item that was not put.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::queue::QueueFull(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> QueueShutDown<T> {
    /// The item that was not put (`()` on the get side).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::queue::QueueShutDown(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Does not need `T: Debug`, so that `unwrap()` works for any item.
impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

/// Does not need `T: Debug`, so that `unwrap()` works for any item.
impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is shut down")
    }
}

impl fmt::Display for QueueEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}

impl fmt::Display for TooManyTaskDone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl<T> Error for QueueFull<T> {}
impl<T> Error for QueueShutDown<T> {}
impl Error for QueueEmpty {}
impl Error for TooManyTaskDone {}
