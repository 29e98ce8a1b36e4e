//! Queues between tasks (≙ `asyncio.Queue`, `asyncio.LifoQueue`,
//! `asyncio.PriorityQueue`), with Python 3.13's `shutdown`.
//!
//! [`Queue<T>`](Queue) is FIFO; [`LifoQueue<T>`](LifoQueue) and
//! [`PriorityQueue<T>`](PriorityQueue) are the same type,
//! [`GenericQueue`], with another [`Order`], so they share every method
//! (documented on [`GenericQueue`]). A queue is a cheap `Clone` handle (an
//! `Rc`) to one queue; it is `!Send`.
//!
//! # Invariants
//!
//! - Getters wait only while the store is empty, and putters only while it
//!   is full (or others wait before them). An item put while getters wait
//!   is handed straight to the first one (stored in its node), so a
//!   `get_nowait` by another task cannot take it.
//! - No slot is free while a putter waits ungranted: a slot freed while
//!   putters wait (by a take, or by a granted put whose item went
//!   straight to a getter) is *granted* to the first putter
//!   (`State::grant_next`). It counts in `reserved`, so the queue stays
//!   full to everyone else, and the putter puts its item when it runs.
//!   A granted putter dropped before it runs passes the slot on to the
//!   next putter; its item never enters the queue (asyncio's rule). So a
//!   cancelled put put nothing, and a put that completed put exactly once.
//! - A getter dropped after it was handed an item gives the item back: to
//!   the next getter, or to the store at the place its put-order number
//!   gives it (before the items put after it). Nothing is lost by
//!   cancellation, and the order holds.
//! - `unfinished` counts items put and not yet `task_done`; `finished` is
//!   set exactly when it is zero.

mod error;
mod order;

use std::cell::{Cell, RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

pub use error::{QueueEmpty, QueueFull, QueueShutDown, TooManyTaskDone, TryPutError};
pub use order::{Fifo, Lifo, Order, Priority};

use crate::sync::waiters::{Key, WaitList, Wakers};
use crate::sync::Event;

/// A queue handing out the item put longest ago first; `maxsize` 0 means
/// unbounded (≙ `asyncio.Queue(maxsize)`). With another [`Order`] it is a
/// [`LifoQueue`] or a [`PriorityQueue`].
///
/// Getters and putters that must wait are served in FIFO order. Cloning
/// the handle gives another handle to the same queue.
///
/// # Examples
///
/// Producers and consumers with `join` (asyncio's docs' pattern):
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use uniloop::queue::Queue;
///
/// uniloop::run(async {
///     let queue = Queue::new(2);
///     let total = Rc::new(Cell::new(0));
///     let workers: Vec<_> = (0..3)
///         .map(|_| {
///             let (queue, total) = (queue.clone(), total.clone());
///             uniloop::spawn(async move {
///                 while let Ok(n) = queue.get().await {
///                     total.set(total.get() + n);
///                     queue.task_done().unwrap();
///                 }
///             })
///         })
///         .collect();
///     for n in 1..=10 {
///         queue.put(n).await.unwrap(); // waits while 2 are queued
///     }
///     queue.join().await; // every item processed
///     assert_eq!(total.get(), 55);
///     queue.shutdown(false); // the workers' gets fail: they end
///     for worker in workers {
///         worker.await.unwrap();
///     }
/// });
/// ```
pub type Queue<T> = GenericQueue<T, Fifo>;

/// The queue type behind [`Queue`], [`LifoQueue`] and [`PriorityQueue`],
/// with the [`Order`] as a parameter; its methods are theirs. Name it
/// through those aliases (`Queue::new(8)`), which fix the order.
///
/// # Examples
///
/// ```
/// use uniloop::queue::{GenericQueue, Lifo, LifoQueue};
///
/// let stack: GenericQueue<u8, Lifo> = LifoQueue::new(0);
/// # let _ = stack;
/// ```
pub struct GenericQueue<T, O: Order<T> = Fifo> {
    inner: Rc<Inner<T, O>>,
}

/// A queue handing out the item put last first (≙ `asyncio.LifoQueue`).
///
/// # Examples
///
/// ```
/// let stack = uniloop::queue::LifoQueue::new(0);
/// for n in 1..=3 {
///     stack.put_nowait(n).unwrap();
/// }
/// assert_eq!(stack.get_nowait(), Ok(3));
/// ```
pub type LifoQueue<T> = GenericQueue<T, Lifo>;

/// A queue handing out its smallest item first (≙ `asyncio.PriorityQueue`;
/// put `(priority, item)` tuples for asyncio's usual pattern).
///
/// # Examples
///
/// ```
/// let queue = uniloop::queue::PriorityQueue::new(0);
/// for job in [(2, "write"), (1, "read"), (3, "close")] {
///     queue.put_nowait(job).unwrap();
/// }
/// assert_eq!(queue.get_nowait(), Ok((1, "read")));
/// ```
pub type PriorityQueue<T> = GenericQueue<T, Priority>;

struct Inner<T, O: Order<T>> {
    state: RefCell<State<T, O>>,
    maxsize: usize,
    unfinished: Cell<usize>,
    finished: Event,
    shut_down: Cell<bool>,
}

struct State<T, O: Order<T>> {
    items: O::Store,
    /// Numbers items in the order they were put, so that one a cancelled
    /// getter gives back goes back where it was.
    next_seq: u64,
    /// A getter's node receives the item it is handed, with its number.
    getters: WaitList<Option<(u64, T)>>,
    /// A putter's node holds its item until the putter runs, and whether
    /// it was granted a slot (`false` when shutdown released it).
    putters: WaitList<(T, bool)>,
    /// Slots granted to putters that have not run yet; they count as full.
    reserved: usize,
}

impl<T, O: Order<T>> State<T, O> {
    fn len(&self) -> usize {
        O::len(&self.items)
    }

    /// Whether `maxsize` items are stored or granted (never, if `maxsize`
    /// is 0).
    fn is_full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.len() + self.reserved >= maxsize
    }

    /// Grant a free slot to the first waiting putter, if both exist.
    fn grant_next(&mut self, maxsize: usize, wakers: &mut Wakers) {
        if self.is_full(maxsize) {
            return;
        }
        if let Some(key) = self.putters.front() {
            self.putters.data_mut(key).1 = true;
            self.reserved += 1;
            wakers.push(self.putters.serve(key));
        }
    }

    /// Give a newly put `item` to the first getter, or store it.
    fn put(&mut self, item: T, wakers: &mut Wakers) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.deliver(seq, item, false, wakers);
    }

    /// Give item number `seq` to the first getter, or store it: at its
    /// place by number if a cancelled getter `returned` it (it is older
    /// than the items put since), else as the newest.
    fn deliver(&mut self, seq: u64, item: T, returned: bool, wakers: &mut Wakers) {
        if let Some(key) = self.getters.front() {
            *self.getters.data_mut(key) = Some((seq, item));
            wakers.push(self.getters.serve(key));
        } else if returned {
            O::unpop(&mut self.items, seq, item);
        } else {
            O::push(&mut self.items, seq, item);
        }
    }

    /// Take the next item, granting the freed slot to the first putter.
    fn take(&mut self, maxsize: usize, wakers: &mut Wakers) -> Option<T> {
        let item = O::pop(&mut self.items)?;
        self.grant_next(maxsize, wakers);
        Some(item)
    }
}

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
        let finished = Event::new();
        finished.set();
        GenericQueue {
            inner: Rc::new(Inner {
                state: RefCell::new(State {
                    items: O::Store::default(),
                    next_seq: 0,
                    getters: WaitList::new(),
                    putters: WaitList::new(),
                    reserved: 0,
                }),
                maxsize,
                unfinished: Cell::new(0),
                finished,
                shut_down: Cell::new(false),
            }),
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
        self.inner.maxsize
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
        self.inner.state.borrow().len()
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
        self.inner.state.borrow().is_full(self.inner.maxsize)
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
        self.inner.shut_down.get()
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
            queue: self,
            item: Some(item),
            key: None,
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
        if self.inner.shut_down.get() {
            return Err(TryPutError::ShutDown(item));
        }
        self.put_now(item).map_err(TryPutError::Full)
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
            queue: self,
            key: None,
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
        let mut wakers = Wakers::new();
        let taken = self
            .inner
            .state
            .borrow_mut()
            .take(self.inner.maxsize, &mut wakers);
        let item = taken.ok_or(QueueEmpty)?;
        wakers.wake();
        Ok(item)
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
        let unfinished = self.inner.unfinished.get();
        if unfinished == 0 {
            return Err(TooManyTaskDone);
        }
        self.inner.unfinished.set(unfinished - 1);
        if unfinished == 1 {
            self.inner.finished.set();
        }
        Ok(())
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
        self.inner.finished.wait().await;
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
        let inner = &*self.inner;
        inner.shut_down.set(true);
        let mut dropped = Vec::new();
        let mut wakers = Wakers::new();
        {
            let mut state = inner.state.borrow_mut();
            if immediate {
                while let Some(item) = O::pop(&mut state.items) {
                    dropped.push(item);
                }
            }
            state.getters.serve_front(usize::MAX, &mut wakers);
            state.putters.serve_front(usize::MAX, &mut wakers);
        }
        if !dropped.is_empty() {
            let unfinished = inner.unfinished.get().saturating_sub(dropped.len());
            inner.unfinished.set(unfinished);
            if unfinished == 0 {
                inner.finished.set();
            }
        }
        wakers.wake();
        drop(dropped);
    }

    /// Put `item` if there is room now and no putter waits before it,
    /// else give it back (the shut-down check is the caller's).
    fn put_now(&self, item: T) -> Result<(), T> {
        let mut state = self.inner.state.borrow_mut();
        if state.is_full(self.inner.maxsize) || !state.putters.is_empty() {
            return Err(item);
        }
        let mut wakers = Wakers::new();
        state.put(item, &mut wakers);
        drop(state);
        self.count_put();
        wakers.wake();
        Ok(())
    }

    /// One more item to be marked done.
    fn count_put(&self) {
        let unfinished = self.inner.unfinished.get();
        self.inner.unfinished.set(unfinished + 1);
        if unfinished == 0 {
            self.inner.finished.clear();
        }
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
        let state = self.inner.state.borrow();
        f.debug_struct("Queue")
            .field("qsize", &state.len())
            .field("maxsize", &self.inner.maxsize)
            .field("getters", &state.getters.len())
            .field("putters", &state.putters.len())
            .field("unfinished", &self.inner.unfinished.get())
            .field("shut_down", &self.inner.shut_down.get())
            .finish()
    }
}

/// The future of [`GenericQueue::put`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let queue = uniloop::queue::Queue::new(0);
///     let put: uniloop::queue::Put<'_, i32> = queue.put(1);
///     put.await.unwrap();
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Put<'a, T, O: Order<T> = Fifo> {
    queue: &'a GenericQueue<T, O>,
    /// The item, until it is put or queued in a putter node.
    item: Option<T>,
    key: Option<Key>,
}

impl<T, O: Order<T>> Unpin for Put<'_, T, O> {}

impl<T, O: Order<T>> Future for Put<'_, T, O> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let queue = this.queue;
        let inner = &*queue.inner;
        let Some(key) = this.key else {
            let item = this.item.take().expect("Put polled after completion");
            return match queue.try_put(item) {
                Ok(()) => Poll::Ready(Ok(())),
                Err(TryPutError::ShutDown(item)) => Poll::Ready(Err(QueueShutDown(item))),
                Err(TryPutError::Full(item)) => {
                    let mut state = inner.state.borrow_mut();
                    this.key = Some(state.putters.push((item, false), cx.waker()));
                    Poll::Pending
                }
            };
        };
        let putters = RefMut::map(inner.state.borrow_mut(), |s| &mut s.putters);
        let Some((item, granted)) = WaitList::poll_served(putters, key, cx.waker()) else {
            return Poll::Pending;
        };
        this.key = None;
        let mut state = inner.state.borrow_mut();
        if granted {
            state.reserved -= 1;
        }
        // Released by shutdown, or shut down since its slot was granted.
        if inner.shut_down.get() {
            return Poll::Ready(Err(QueueShutDown(item)));
        }
        let mut wakers = Wakers::new();
        state.put(item, &mut wakers);
        // Handed straight to a getter, it left its slot free.
        state.grant_next(inner.maxsize, &mut wakers);
        drop(state);
        queue.count_put();
        wakers.wake();
        Poll::Ready(Ok(()))
    }
}

impl<T, O: Order<T>> Drop for Put<'_, T, O> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let inner = &*self.queue.inner;
        let mut wakers = Wakers::new();
        let item = {
            let mut state = inner.state.borrow_mut();
            let ((item, granted), _) = state.putters.remove(key);
            if granted {
                // Its slot goes to the next putter; its item never went in.
                state.reserved -= 1;
                if !inner.shut_down.get() {
                    state.grant_next(inner.maxsize, &mut wakers);
                }
            }
            item
        };
        wakers.wake();
        drop(item);
    }
}

impl<T, O: Order<T>> fmt::Debug for Put<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// The future of [`GenericQueue::get`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let queue = uniloop::queue::Queue::new(0);
///     queue.put_nowait(1).unwrap();
///     let get: uniloop::queue::Get<'_, i32> = queue.get();
///     assert_eq!(get.await, Ok(1));
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Get<'a, T, O: Order<T> = Fifo> {
    queue: &'a GenericQueue<T, O>,
    key: Option<Key>,
}

impl<T, O: Order<T>> Future for Get<'_, T, O> {
    type Output = Result<T, QueueShutDown>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = &*this.queue.inner;
        let mut state = inner.state.borrow_mut();
        let Some(key) = this.key else {
            let mut wakers = Wakers::new();
            if let Some(item) = state.take(inner.maxsize, &mut wakers) {
                drop(state);
                wakers.wake();
                return Poll::Ready(Ok(item));
            }
            if inner.shut_down.get() {
                return Poll::Ready(Err(QueueShutDown(())));
            }
            this.key = Some(state.getters.push(None, cx.waker()));
            return Poll::Pending;
        };
        let getters = RefMut::map(state, |s| &mut s.getters);
        let Some(item) = WaitList::poll_served(getters, key, cx.waker()) else {
            return Poll::Pending;
        };
        this.key = None;
        // Served without an item: released by shutdown.
        Poll::Ready(item.map(|(_, item)| item).ok_or(QueueShutDown(())))
    }
}

impl<T, O: Order<T>> Drop for Get<'_, T, O> {
    fn drop(&mut self) {
        let Some(key) = self.key else { return };
        let mut wakers = Wakers::new();
        {
            let mut state = self.queue.inner.state.borrow_mut();
            if let (Some((seq, item)), _) = state.getters.remove(key) {
                // Handed an item it never took: pass it on.
                state.deliver(seq, item, true, &mut wakers);
            }
        }
        wakers.wake();
    }
}

impl<T, O: Order<T>> fmt::Debug for Get<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
