//! Synchronisation primitives for tasks on one loop (≙ asyncio's
//! `Lock`, `Semaphore`, `BoundedSemaphore`, `Event`, `Condition`,
//! `Barrier`).
//!
//! They are `!Send` and `!Sync`: plain `Cell`s and `RefCell`s, no atomics
//! (share them between tasks with `Rc`). Every one serves its waiters in
//! FIFO order, and hands off: what is released while tasks wait goes to
//! the first waiter, which may then be cancelled (dropped) before it runs;
//! then it passes what it was handed on, so nothing is lost.
//!
//! | asyncio | uniloop |
//! |---|---|
//! | `asyncio.Lock()`, `async with lock` | [`Lock`]`::default()`, `lock.lock().await` ([`Mutex`]`<T>` guards data) |
//! | `asyncio.Semaphore(n)`, `async with sem` | [`Semaphore`]`::new(n)`, `sem.acquire().await` |
//! | `asyncio.BoundedSemaphore(n)` | [`BoundedSemaphore`]`::new(n)` |
//! | `asyncio.Event()`, `set`, `clear`, `wait` | [`Event`] |
//! | `asyncio.Condition(lock)`, `wait`, `wait_for`, `notify` | [`Condition`], with any [`Mutex`]'s guard |
//! | `asyncio.Barrier(n)`, `wait`, `abort`, `reset` | [`Barrier`] |
//!
//! # Examples
//!
//! A [`Semaphore`] lets at most two tasks fetch at once, and a [`Mutex`]
//! is held across an `.await` while a task records its result:
//!
//! ```
//! use std::rc::Rc;
//! use uniloop::sync::{Mutex, Semaphore};
//!
//! uniloop::run(async {
//!     let limit = Rc::new(Semaphore::new(2)); // ≙ asyncio.Semaphore(2)
//!     let log = Rc::new(Mutex::new(Vec::new())); // ≙ asyncio.Lock() plus its data
//!     let tasks: Vec<_> = (0..5)
//!         .map(|n| {
//!             let (limit, log) = (limit.clone(), log.clone());
//!             uniloop::spawn(async move {
//!                 let _permit = limit.acquire().await; // ≙ async with limit:
//!                 uniloop::yield_now().await; // the fetch
//!                 let mut log = log.lock().await; // ≙ async with lock:
//!                 uniloop::yield_now().await; // others wait for the lock
//!                 log.push(n);
//!             })
//!         })
//!         .collect();
//!     for task in tasks {
//!         task.await.unwrap();
//!     }
//!     assert_eq!(*log.lock().await, [0, 1, 2, 3, 4]); // FIFO: in turn
//!     assert_eq!(limit.available_permits(), 2);
//! });
//! ```

mod barrier;
mod bounded;
mod condition;
mod event;
mod mutex;
mod permits;
mod semaphore;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult, BrokenBarrier};
pub use bounded::{BoundedSemaphore, TooManyPermits};
pub use condition::Condition;
pub use event::{Event, EventWait};
pub use mutex::{Lock, LockFuture, Mutex, MutexGuard};
pub use semaphore::{Acquire, AcquireOwned, OwnedSemaphorePermit, Semaphore, SemaphorePermit};
