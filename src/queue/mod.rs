//! Queues between tasks (≙ `asyncio.Queue`, `asyncio.LifoQueue`,
//! `asyncio.PriorityQueue`), with Python 3.13's `shutdown`.
//!
//! [`Queue<T>`](Queue) is FIFO; [`LifoQueue<T>`](LifoQueue) and
//! [`PriorityQueue<T>`](PriorityQueue) are the same type,
//! [`GenericQueue`], with another [`Order`], so they share every method
//! (documented on [`GenericQueue`]). A queue is a cheap `Clone` handle (an
//! `Rc`) to one queue; it is `!Send`.
//!
//! # Examples
//!
//! Workers take jobs; the producer waits with `join` until every job got
//! its `task_done`, then shuts the queue down to end them:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use uniloop::queue::Queue;
//!
//! uniloop::run(async {
//!     let queue = Queue::new(4); // ≙ asyncio.Queue(maxsize=4)
//!     let done = Rc::new(RefCell::new(Vec::new()));
//!     for _ in 0..2 {
//!         let (queue, done) = (queue.clone(), done.clone());
//!         uniloop::spawn(async move {
//!             while let Ok(job) = queue.get().await {
//!                 uniloop::yield_now().await; // process the job
//!                 done.borrow_mut().push(job);
//!                 queue.task_done().unwrap();
//!             }
//!         });
//!     }
//!     for job in ["a", "b", "c", "d", "e", "f"] {
//!         queue.put(job).await.unwrap(); // waits while 4 are queued
//!     }
//!     queue.join().await; // ≙ await queue.join()
//!     assert_eq!(done.borrow().len(), 6);
//!     queue.shutdown(false); // the workers' `get` fails: they end
//! });
//! ```
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

//!
//! # Files
//!
//! `generic.rs` is the public facade ([`GenericQueue`]'s methods),
//! `futures.rs` the [`Put`] and [`Get`] futures, `state.rs` the algorithm
//! under both, `order.rs` the three orders, `error.rs` the errors.

mod error;
mod futures;
mod generic;
mod order;
mod state;
mod stream;

use std::rc::Rc;

pub use error::{QueueEmpty, QueueFull, QueueShutDown, TooManyTaskDone, TryPutError};
pub use futures::{Get, Put};
pub use order::{Fifo, Lifo, Order, Priority};
pub use stream::GetStream;

use state::Inner;

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
