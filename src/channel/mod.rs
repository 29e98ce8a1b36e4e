//! Channels between tasks on one loop.
//!
//! - [`oneshot`]: one value, once (≙ an `asyncio.Future` one task
//!   resolves).
//! - [`mpsc`]: many senders, one receiver, bounded or unbounded.
//! - [`broadcast`]: every receiver sees every message; a receiver that
//!   falls too far behind is told how many it missed.
//! - [`watch`]: one value, the latest; receivers wait for it to change.
//! - [`threadsafe`]: senders on any OS thread, the receiver on the loop.
//!
//! All but [`threadsafe`] are `!Send` (an `Rc` inside, no atomics); it is
//! the one that pays for a lock. A closed channel gives every message back
//! in its error, so nothing handed over is lost silently.
//!
//! # Which channel
//!
//! | asyncio pattern | channel |
//! |---|---|
//! | `fut = loop.create_future()`: one task calls `fut.set_result(x)`, another awaits `fut` | [`oneshot`] |
//! | an `asyncio.Queue` as a pipe from producers to one consumer, with a sentinel at the end | [`mpsc`] (`recv()` gives `None` once every sender is gone) |
//! | an `asyncio.Queue` per consumer, every consumer sees every message | [`broadcast`] |
//! | a shared variable plus a `Condition` notified on change (a setting, a state) | [`watch`] |
//! | `loop.call_soon_threadsafe(queue.put_nowait, x)` from another thread | [`threadsafe`] |
//!
//! Work shared by several consumers, with `task_done` and `join`, is a
//! [`queue::Queue`](crate::queue::Queue)'s job.
//!
//! # Examples
//!
//! Requests through an [`mpsc`], each answered through a [`oneshot`] (in
//! asyncio, a queue of `(request, future)` pairs):
//!
//! ```
//! use uniloop::channel::{mpsc, oneshot};
//!
//! uniloop::run(async {
//!     let (requests, mut inbox) = mpsc::channel::<(u32, oneshot::Sender<u32>)>(8);
//!     let server = uniloop::spawn(async move {
//!         while let Some((n, reply)) = inbox.recv().await {
//!             let _ = reply.send(n * 2); // the asker may have given up
//!         }
//!     });
//!     let (reply, answer) = oneshot::channel();
//!     requests.send((21, reply)).await.unwrap();
//!     assert_eq!(answer.await, Ok(42));
//!     drop(requests); // the server's `recv` gives `None`: it ends
//!     server.await.unwrap();
//! });
//! ```

mod bounded;
pub mod broadcast;
mod chan;
pub mod mpsc;
pub mod oneshot;
#[cfg(feature = "sink")]
mod sink;
pub mod threadsafe;
pub mod watch;
