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
