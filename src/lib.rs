//! # uniloop
//!
//! A single-threaded async runtime with the toolbox of Python's `asyncio`.
//!
//! A `mio` reactor drives a slab of tasks through a FIFO run queue. Tasks
//! need no `Send` bound: everything runs on the loop's thread, so the local
//! paths (spawn, wake, schedule) use plain `Cell`s and no atomics. Only the
//! way in from other threads ([`Handle`], wakers woken elsewhere) pays for
//! synchronisation.
//!
//! ```
//! use std::time::Duration;
//!
//! uniloop::run(async {
//!     let worker = uniloop::spawn_named("worker", async {
//!         uniloop::yield_now().await;
//!         "done"
//!     });
//!     let forever = uniloop::spawn(std::future::pending::<()>());
//!     forever.cancel();
//!     assert_eq!(worker.await.unwrap(), "done");
//!     assert!(forever.await.unwrap_err().is_cancelled());
//! });
//! ```
//!
//! ## asyncio → uniloop
//!
//! The chapter [Porting from asyncio](porting) walks the common patterns
//! Python-beside-Rust; this table is the index.
//!
//! | asyncio | uniloop |
//! |---|---|
//! | `asyncio.run(main())` (then cancels what is left, running its cleanups) | [`run`]`(main())`; the bound: [`Builder::shutdown_timeout`] |
//! | `asyncio.run(main(), debug=True)` | [`Runtime::builder`]`().debug(true).build()?.block_on(main())`, or `UNILOOP_DEBUG=1` |
//! | the loop object | [`Runtime`] (`block_on`, `handle`) |
//! | `asyncio.create_task(coro, name=...)` | [`spawn`], [`spawn_named`] |
//! | `Task`, `await task`, `task.cancel()`, `task.done()`, `task.cancelled()` | [`Task`], `task.await`, [`Task::cancel`], [`Task::is_finished`], [`Task::is_cancelled`] |
//! | `task.cancel(msg)`, `CancelledError(msg)` | [`Task::cancel_with`], [`JoinError::cancel_message`] |
//! | keeping a task running after its awaiter is cancelled, `asyncio.shield(task)` | [`Task::detach`], [`shield`]`(task)` |
//! | `except CancelledError: await cleanup(); raise` | [`on_cancel`]`(fut, async { cleanup })` |
//! | `try: ... finally: await cleanup()` | [`finally`]`(fut, async { cleanup })` |
//! | `task.cancel()` from a callback or another thread's task | [`Task::cancel_handle`] → [`CancelHandle`] |
//! | `CancelledError`, an exception escaping a task | [`JoinError::is_cancelled`], [`JoinError::is_panic`] |
//! | `await asyncio.sleep(0)` | [`yield_now`]`().await` |
//! | `await asyncio.sleep(s)` | [`sleep`]`(Duration)`, [`sleep_until`]`(Instant)` |
//! | `async with asyncio.timeout(s)` | [`timeout`]`(Duration, fut)`, [`timeout_at`] → `Result<T, `[`Elapsed`](time::Elapsed)`>` |
//! | `asyncio.wait_for(task, s)` (cancels the task, waits for its cancellation) | [`timeout`]`(d, task)`, or [`timeout`]`(d, `[`spawn`]`(fut))`: on expiry the task is cancelled and `timeout` returns once its cleanup ended |
//! | `asyncio.timeout(None)`, then `.reschedule(when)` | [`time::timeout_never`]`(fut)`, then [`Timeout::reschedule`](time::Timeout::reschedule); [`Timeout::clear_deadline`](time::Timeout::clear_deadline) |
//! | `asyncio.Timeout.reschedule(when)` | [`Timeout::reschedule`](time::Timeout::reschedule) |
//! | `loop.time()` | [`time::now`]`()` ([`time::Instant`]) |
//! | `loop.call_later(s, f)`, `loop.call_at(when, f)` | [`call_later`], [`call_at`] |
//! | a periodic `while True: ...; await asyncio.sleep(s)` | [`time::interval`] |
//! | `asyncio.Lock`, `Semaphore`, `BoundedSemaphore`, `Event`, `Condition`, `Barrier` | [`sync::Lock`] ([`sync::Mutex`]), [`sync::Semaphore`], [`sync::BoundedSemaphore`], [`sync::Event`], [`sync::Condition`], [`sync::Barrier`] |
//! | an `asyncio.Future` one task resolves for another | [`channel::oneshot`] |
//! | a queue as a pipe from producers to one consumer | [`channel::mpsc`] (closed when every sender is gone) |
//! | one producer, every consumer sees every message | [`channel::broadcast`] (a slow receiver is told how many it missed) |
//! | a shared variable plus a `Condition` notified on change | [`channel::watch`] (`changed().await`, `borrow()`) |
//! | feeding the loop from threads (`loop.call_soon_threadsafe(queue.put_nowait, x)`) | [`channel::threadsafe`] (`send_blocking`, async `send`) |
//! | `asyncio.Queue`, `PriorityQueue`, `LifoQueue`; `QueueFull`, `QueueEmpty`, `QueueShutDown` | [`queue::Queue`], [`queue::PriorityQueue`], [`queue::LifoQueue`]; [`queue::QueueFull`], [`queue::QueueEmpty`], [`queue::QueueShutDown`] |
//! | `await asyncio.gather(a, b)` | [`gather!`]`(a, b).await`, [`try_gather!`] (first error cancels the rest) |
//! | `await asyncio.gather(*aws)`, `return_exceptions=True` | [`gather_all`]`(iter).await` (gather futures of `Result` to keep every error), [`try_gather_all`] |
//! | `async with asyncio.TaskGroup() as tg:` (the body is cancelled when a child fails), `ExceptionGroup` | [`TaskGroup::scope`]`(\|tg\| async move { .. }).await`, [`GroupError`] (every failure, in order) |
//! | `tg.create_task(..)` from a child, `TaskGroup` without a body | [`GroupHandle`] ([`TaskGroup::handle`]), [`TaskGroup`] (`spawn`, `join().await`) |
//! | `asyncio.wait(tasks, timeout, return_when)` | [`wait`]`(tasks, `[`ReturnWhen`]`, timeout)` → `(done, pending)`; [`wait_futures`] for plain futures; `.`[`counting_errors`](Wait::counting_errors)`()` to count `Err` as an exception |
//! | `asyncio.as_completed(aws, timeout=s)` | [`as_completed`]`(tasks)`, [`as_completed_futures`]`(futs)`, a `Stream`; `.`[`with_timeout`](AsCompleted::with_timeout)`(d)` |
//! | first of several to finish, the rest cancelled | [`race`]`(futures)` |
//! | `asyncio.current_task()`, `asyncio.all_tasks()` | [`current_task`], [`all_tasks`] ([`TaskInfo`]) |
//! | `loop.call_soon(f)`, `Handle.cancel()` | [`call_soon`], [`CallbackHandle::cancel`] |
//! | `loop.call_soon_threadsafe(f)` | [`Handle::call_soon_threadsafe`] |
//! | `await asyncio.to_thread(f)` | [`to_thread`]`(f).await` (the runtime's blocking pool, [`Builder::blocking_threads`]) |
//! | `ThreadPoolExecutor(n)`, `await loop.run_in_executor(pool, f)` | [`blocking::ThreadPool::new`]`(n)`, [`run_in_executor`]`(&pool, f).await` |
//! | `asyncio.run_coroutine_threadsafe(coro, loop)`, `.result(timeout)` | [`Handle::spawn`]`(\|\| fut)` → [`RemoteTask`], [`RemoteTask::wait_timeout`] |
//! | debug-mode logs, `len(asyncio.all_tasks())` | [`metrics`] ([`Metrics`]), [`all_tasks`] |
//! | `PYTHONASYNCIODEBUG=1` in tests, a deterministic event loop | [`Builder::paused_clock`], [`Builder::seed`] |
//!
//! ## Semantics
//!
//! - Ready tasks run in the FIFO order in which they were woken; a new task
//!   first runs after those already ready; [`yield_now`] goes to the back.
//! - [`Task::cancel`] drops the task's future at the loop's next turn,
//!   unless the future armed a cleanup ([`on_cancel`], [`finally`]): then
//!   the task is polled once more so the cleanup runs, and it may await
//!   anything. Whoever awaits the task sees it finished only after the
//!   cleanup ended.
//! - **When dropping a [`Task`] cancels it.** A handle that was awaited
//!   (polled at least once) and is dropped before its task completed
//!   cancels the task: this is how cancellation travels down the await
//!   chain, as in asyncio (a cancelled task cancels the task it awaits,
//!   directly or through [`timeout`], [`gather!`], [`gather_all`],
//!   [`try_gather!`], [`race`] or [`wait`]). A handle never awaited
//!   detaches its task when dropped (fire-and-forget). [`Task::detach`]
//!   and [`shield`] keep an awaited task running.
//! - A task whose drop cancelled tasks it awaited counts as finished only
//!   once their cancellation (and cleanup) completed, and so do
//!   [`timeout`], [`race`] and the `try_` gathers when they cancel: nothing
//!   a task awaited runs after the task is reported finished.
//! - A [`TaskGroup`]'s first failing child cancels every other child, and
//!   in the [`scope`](TaskGroup::scope) form the body too; failures in the
//!   same loop turn are all kept, in order, as asyncio does.
//! - A panic inside a task is caught and delivered as
//!   [`JoinError::is_panic`]; the loop and every other task carry on.
//! - When [`run`]'s future completes, or a [`Runtime`] is dropped, every
//!   task still alive is cancelled and the loop runs until their cleanups
//!   ended, for at most [`Builder::shutdown_timeout`] (10 s by default);
//!   tasks and callbacks spawned meanwhile run too. What outran the bound
//!   is dropped and reported on stderr (named, in debug mode). Between
//!   two [`Runtime::block_on`] calls tasks are left running (a runtime is
//!   not closed until it is dropped).
//! - Timers have millisecond resolution and never fire early; a runtime
//!   built with [`Builder::paused_clock`] runs on virtual time (see
//!   [`time`]).
//! - Locks, semaphores, events, conditions, barriers and queues are
//!   `!Send`, use no atomics, serve waiters in FIFO order and hand off:
//!   what is released while tasks wait goes to the first, and a waiter
//!   cancelled after being handed something passes it on.
//! - Free functions that need a loop ([`spawn`], [`call_soon`], ...) panic
//!   outside one with a message naming the function.
//!
//! ## Cargo features
//!
//! None is on by default; the chapter [Ecosystem](ecosystem) shows each
//! at work with the crates it is for.
//!
//! - `tokio-io`: tokio's `AsyncRead`/`AsyncWrite` for the TCP and Unix
//!   streams and their halves (tokio's traits only, no tokio runtime), for
//!   tokio-postgres, redis and other crates written against them.
//! - `hyper`: the `uniloop::hyper` module, hyper 1.x on uniloop (an
//!   I/O adapter, an executor and a timer, as hyper-util's `rt::tokio` is
//!   for tokio).
//! - `sink`: `futures_sink::Sink` for the [`mpsc`](channel::mpsc),
//!   [`threadsafe`](channel::threadsafe), [`broadcast`](channel::broadcast)
//!   and [`watch`](channel::watch) senders.
//! - `send-wrapper`: `uniloop::send::SendWrapper`, to hand loop-bound values and
//!   futures to APIs that demand `Send` (axum handlers, ...), checked to
//!   be touched only on their thread.
//!
//! ## Limits
//!
//! uniloop needs a 64-bit target (a waker packs its task's address into one
//! word); one runtime holds up to 2²⁶ − 1 tasks at once, and up to 4096
//! runtimes can be alive at once in a process.

#![deny(missing_docs, missing_debug_implementations, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod blocking;
mod cancel;
pub mod channel;
#[doc = include_str!("../docs/ecosystem.md")]
pub mod ecosystem {}
pub mod fs;
mod group;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
pub mod net;
#[doc = include_str!("../docs/porting.md")]
pub mod porting {}
pub mod queue;
mod runtime;
#[cfg(feature = "send-wrapper")]
pub mod send;
pub mod signal;
pub mod sync;
pub mod time;
mod util;

#[cfg(all(test, uniloop_loom))]
mod loom_tests;

pub use blocking::{run_in_executor, to_thread};
pub use cancel::{finally, on_cancel, shield, Cleanup, Shield};
pub use group::{
    as_completed, as_completed_futures, gather_all, race, try_gather_all, wait, wait_futures,
    AsCompleted, AsCompletedTimeout, BoxError, ChildError, GatherAll, GroupError, GroupHandle,
    GroupJoin, Race, ReturnWhen, Scope, TaskGroup, TryGatherAll, Wait,
};
pub use runtime::{
    all_tasks, call_at, call_later, call_soon, current_task, metrics, run, spawn, spawn_named,
    yield_now, Builder, CallbackHandle, CancelHandle, Handle, JoinError, LoopClosed, Metrics,
    RemoteError, RemoteTask, Runtime, Task, TaskId, TaskInfo, TaskState, YieldNow,
};
pub use time::{sleep, sleep_until, timeout, timeout_at};
pub use uniloop_macros::{main, test};

/// Doc tests of `#[uniloop::main]` and `#[uniloop::test]`: their examples,
/// and misuses that must not compile.
#[cfg(doctest)]
mod macros_doc;

/// What the `gather!` macros expand to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::group::gather::{
        Futures, Gather, IntoFutures, MaybeDone, TryFutures, TryGather,
    };
}

/// The README's examples, compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
