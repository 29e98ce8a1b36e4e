//! [`GenericQueue`]'s methods: the public facade of the queues.

use std::fmt;
use std::rc::Rc;

use super::error::{QueueEmpty, QueueFull, TooManyTaskDone, TryPutError};
use super::futures::{Get, Put};
use super::order::Order;
use super::state::{Getters, Inner, Putters};
use super::GenericQueue;
use crate::util::wait_list::WaitEntry;

impl<T, O: Order<T>> GenericQueue<T, O> {
    /// A queue holding at most `maxsize` items; `0` means no limit (as in
    /// asyncio).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue: uniloop::queue::Queue<u8> = uniloop::queue::Queue::new(10);
    /// assert_eq!(queue.maxsize(), 10);
    /// ```
    pub fn new(maxsize: usize) -> GenericQueue<T, O> {
        GenericQueue {
            inner: Rc::new(Inner::new(maxsize)),
        }
    }

    /// A queue without a size limit (`new(0)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue: uniloop::queue::Queue<u8> = uniloop::queue::Queue::unbounded();
    /// assert_eq!(queue.maxsize(), 0);
    /// ```
    pub fn unbounded() -> GenericQueue<T, O> {
        GenericQueue::new(0)
    }

    /// The size limit (0: none).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::queue::Queue::<u8>::new(3).maxsize(), 3);
    /// ```
    pub fn maxsize(&self) -> usize {
        self.inner.maxsize()
    }

    /// Items in the queue (not counting one handed to a getter that has
    /// not run yet).
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = uniloop::queue::Queue::new(0);
    /// queue.put_nowait('x').unwrap();
    /// assert_eq!(queue.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.inner.len()
    }

    /// Whether [`qsize`](Self::qsize) is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::queue::Queue::<u8>::new(0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether the queue holds `maxsize` items, counting the slots freed
    /// for waiting putters that have not run yet (never, if unbounded):
    /// whether a put now would wait.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = uniloop::queue::Queue::new(1);
    /// queue.put_nowait(1).unwrap();
    /// assert!(queue.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.inner.is_full()
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = uniloop::queue::Queue::<u8>::new(0);
    /// queue.shutdown(false);
    /// assert!(queue.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.inner.is_shut_down()
    }

    /// Put `item`, waiting while the queue is full (≙ `await
    /// queue.put(item)`); `Err(QueueShutDown(item))` gives it back if the
    /// queue is or gets shut down first.
    ///
    /// # Cancel safety
    ///
    /// Once the future completes, the item is in the queue. Dropped before,
    /// nothing was put: the item is dropped with the future, and no other
    /// putter loses its turn. That holds even if a `get` had already freed
    /// a slot for it: the slot passes to the next putter (asyncio's rule),
    /// so a put retried after a cancellation cannot put its item twice.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let queue = uniloop::queue::Queue::new(1);
    ///     queue.put("a").await.unwrap();
    ///     assert!(queue.is_full());
    /// });
    /// ```
    pub fn put(&self, item: T) -> Put<'_, T, O> {
        Put {
            item: Some(item),
            entry: WaitEntry::new(Putters(&self.inner)),
        }
    }

    /// Put `item` if there is room now and no putter waits, else give it
    /// back (≙ `queue.put_nowait`). A shut-down queue takes nothing: the
    /// item comes back as `QueueFull` too, since this return type cannot
    /// say more (asyncio raises `QueueShutDown`). [`try_put`](Self::try_put)
    /// is the same call with an error that tells the two apart.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::queue::{Queue, QueueFull};
    ///
    /// let queue = Queue::new(1);
    /// assert_eq!(queue.put_nowait(1), Ok(()));
    /// assert_eq!(queue.put_nowait(2), Err(QueueFull(2)));
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        self.try_put(item).map_err(|e| QueueFull(e.into_inner()))
    }

    /// Put `item` if there is room now and no putter waits (≙
    /// `queue.put_nowait`, with asyncio's two errors): else give it back in
    /// [`TryPutError::Full`], or in [`TryPutError::ShutDown`] if the queue
    /// is shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::queue::{Queue, TryPutError};
    ///
    /// let queue = Queue::new(1);
    /// assert_eq!(queue.try_put('a'), Ok(()));
    /// assert_eq!(queue.try_put('b'), Err(TryPutError::Full('b')));
    /// queue.shutdown(false);
    /// let err = queue.try_put('c').unwrap_err();
    /// assert!(err.is_shut_down());
    /// assert_eq!(err.into_inner(), 'c');
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.inner.try_put(item)
    }

    /// Take the next item, waiting while the queue is empty (≙ `await
    /// queue.get()`). Once the queue is shut down, gets drain what is left
    /// and then give `Err(QueueShutDown(()))`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropped after it was handed an item but before it ran,
    /// it gives the item back (to the next getter, or to the queue, ahead
    /// of the items put after it), so nothing is lost. An item handed to a
    /// getter does not count towards `maxsize`, so a queue can hold more
    /// than `maxsize` items after such a give-back (puts wait until it is
    /// below again).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let queue = uniloop::queue::Queue::new(0);
    ///     queue.put_nowait(5).unwrap();
    ///     assert_eq!(queue.get().await, Ok(5));
    /// });
    /// ```
    pub fn get(&self) -> Get<'_, T, O> {
        Get {
            entry: WaitEntry::new(Getters(&self.inner)),
        }
    }

    /// The next item if there is one (≙ `queue.get_nowait`); a shut-down
    /// queue still gives what it holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::queue::{Queue, QueueEmpty};
    ///
    /// let queue = Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// assert_eq!(queue.get_nowait(), Ok(1));
    /// assert_eq!(queue.get_nowait(), Err(QueueEmpty));
    /// ```
    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        self.inner.take().ok_or(QueueEmpty)
    }

    /// Mark one item taken from the queue as processed (≙
    /// `queue.task_done()`); when every item put has been, [`join`]
    /// returns.
    ///
    /// [`join`]: Self::join
    ///
    /// # Errors
    ///
    /// [`TooManyTaskDone`] if called more times than items were put.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = uniloop::queue::Queue::new(0);
    /// queue.put_nowait(1).unwrap();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err());
    /// ```
    pub fn task_done(&self) -> Result<(), TooManyTaskDone> {
        if self.inner.task_done() {
            Ok(())
        } else {
            Err(TooManyTaskDone)
        }
    }

    /// Wait until every item put has been marked done with
    /// [`task_done`](Self::task_done) (≙ `await queue.join()`); at once if
    /// none is pending. `shutdown(true)` counts the items it discards as
    /// done.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it takes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let queue: uniloop::queue::Queue<u8> = uniloop::queue::Queue::new(0);
    ///     queue.join().await; // nothing pending
    /// });
    /// ```
    pub async fn join(&self) {
        self.inner.finished().wait().await;
    }

    /// Shut the queue down (≙ Python 3.13's `queue.shutdown(immediate)`):
    /// puts fail from now on, and the putters waiting get their items back
    /// in `Err(QueueShutDown(item))`. Gets drain what is queued, then fail;
    /// getters waiting now fail at once (the queue is empty, or they would
    /// not wait). With `immediate`, the queued items are dropped too and
    /// counted as done, which releases [`join`](Self::join).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::queue::{Queue, QueueShutDown};
    ///
    /// uniloop::run(async {
    ///     let queue = Queue::new(0);
    ///     queue.put_nowait(1).unwrap();
    ///     queue.shutdown(false);
    ///     assert_eq!(queue.get().await, Ok(1)); // drained...
    ///     assert_eq!(queue.get().await, Err(QueueShutDown(()))); // ...then closed
    /// });
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        self.inner.shutdown(immediate);
    }
}

impl<T, O: Order<T>> Clone for GenericQueue<T, O> {
    fn clone(&self) -> GenericQueue<T, O> {
        GenericQueue {
            inner: self.inner.clone(),
        }
    }
}

impl<T, O: Order<T>> fmt::Debug for GenericQueue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (getters, putters) = self.inner.waiting();
        f.debug_struct("Queue")
            .field("qsize", &self.inner.len())
            .field("maxsize", &self.inner.maxsize())
            .field("getters", &getters)
            .field("putters", &putters)
            .field("unfinished", &self.inner.unfinished())
            .field("shut_down", &self.inner.is_shut_down())
            .finish()
    }
}
