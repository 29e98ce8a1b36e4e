//! With the `send-wrapper` feature: handing loop-bound values and futures
//! to APIs that demand `Send` (axum handlers and state, deadpool, a
//! `Box<dyn Future + Send>` in a library's signature, ...).
//!
//! uniloop's timers, sockets, channels and `Rc` state are `!Send`: they
//! belong to the loop's thread. A library that only *requires* `Send`
//! (because it may move work to another thread) but, on uniloop, runs
//! everything on that one thread can still take them, wrapped in a
//! [`SendWrapper`]: it is `Send` and `Sync` for any `T`, and checks on
//! every touch that it is on the thread that wrapped it.
//!
//! - Dereferencing it, polling it (as a `Future` or `Stream`), cloning or
//!   formatting it on another thread panics: `Dereferenced
//!   SendWrapper<T> variable from a thread different to the one it has
//!   been created with.` (`Polling ...` for a poll).
//! - Dropping it on another thread panics too (`Dropped
//!   SendWrapper<T> variable ...`), unless `T` has nothing to drop; while that thread is
//!   already unwinding it leaks the value instead (a second panic would
//!   abort).
//!
//! So a mistake, a library that does move the value after all, is a
//! clear panic at the first touch, never a data race.
//!
//! [`SendStream`] is the same for a byte stream that must stay one (a
//! `SendWrapper<TcpStream>` is not `AsyncRead`): redis'
//! `MultiplexedConnection::new` takes a `Send` stream, for one.
//!
//! # Why a crate, and this one
//!
//! The check needs one `unsafe impl Send` and a pinned projection; the
//! [`send_wrapper`](https://docs.rs/send_wrapper) crate has both (and its
//! `Future`/`Stream` impls, with its `futures` feature), is small, widely
//! used and reviewed, and depends on nothing else here. uniloop keeps its
//! own `unsafe` inside the task code; this module only re-exports it.
//!
//! # What it does not do
//!
//! - It does not make a *multi-threaded* runtime able to run the value:
//!   tokio's `spawn` on a multi-threaded runtime, or a thread pool, would
//!   panic at the first poll on another worker. Hand wrapped values only
//!   to code that stays on the loop's thread (axum's `Router` served by a
//!   connection task on uniloop, for one).
//! - The wrapped value's thread is the one that called
//!   [`SendWrapper::new`]: wrap inside the loop (inside the handler's
//!   `async` block, for instance), not before starting it on another
//!   thread.
//!
//! # Examples
//!
//! A future holding a uniloop timer and `Rc` state, given to a function
//! that demands `Send + 'static` (as an axum handler's future must be):
//!
//! ```
//! use std::future::Future;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! use uniloop::send::SendWrapper;
//!
//! fn run_later<F: Future + Send + 'static>(future: F) -> F {
//!     future // a library would keep it, then poll it
//! }
//!
//! uniloop::run(async {
//!     let hits = Rc::new(std::cell::Cell::new(0));
//!     let wrapped = SendWrapper::new({
//!         let hits = hits.clone();
//!         async move {
//!             uniloop::sleep(Duration::from_millis(1)).await;
//!             hits.set(hits.get() + 1);
//!             "done"
//!         }
//!     });
//!     assert_eq!(run_later(wrapped).await, "done");
//!     assert_eq!(hits.get(), 1);
//! });
//! ```
//!
//! Touched on another thread, it panics (and so does its drop there):
//!
//! ```
//! use std::rc::Rc;
//! use uniloop::send::SendWrapper;
//!
//! let state = SendWrapper::new(Rc::new(5));
//! let err = std::thread::spawn(move || {
//!     let value = **state; // panics: not the thread that wrapped it
//!     value
//! })
//! .join()
//! .unwrap_err();
//! let message = err.downcast_ref::<String>().unwrap();
//! assert!(message.starts_with("Dereferenced SendWrapper<T> variable from a thread different"));
//! ```

/// A value or future that is `Send` and `Sync` because every touch checks
/// that it is on the thread that wrapped it: `send_wrapper`'s, re-exported
/// (see [the module docs](self)).
///
/// # Panics
///
/// Dereferenced, polled, cloned, formatted or dropped on another thread
/// (see the module docs for the messages and the one exception).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use uniloop::send::SendWrapper;
///
/// fn needs_send_sync<T: Send + Sync>(_: &T) {}
///
/// let shared = SendWrapper::new(Rc::new(String::from("loop state")));
/// needs_send_sync(&shared);
/// assert!(shared.valid()); // on the thread that wrapped it
/// assert_eq!(shared.as_str(), "loop state");
/// ```
pub use send_wrapper::SendWrapper;

mod stream;

pub use stream::SendStream;
