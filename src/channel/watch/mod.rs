//! `watch`: one value that changes, and a wake-up for whoever watches it
//! (≙ a shared variable plus an `asyncio.Condition` notified on every
//! change; tokio's `watch`).
//!
//! # Examples
//!
//! A worker that follows a setting. Unlike a queue, it sees only the
//! latest value: two changes before it runs are one change to it.
//!
//! ```
//! use uniloop::channel::watch;
//!
//! uniloop::run(async {
//!     let (tx, mut rx) = watch::channel(1); // say, a log level
//!     let worker = uniloop::spawn(async move {
//!         let mut seen = vec![*rx.borrow_and_update()];
//!         while rx.changed().await.is_ok() {
//!             seen.push(*rx.borrow_and_update());
//!         }
//!         seen // `changed` fails once the sender is gone and all was seen
//!     });
//!     uniloop::yield_now().await; // the worker reads 1, then waits
//!     tx.send(2).unwrap();
//!     tx.send(3).unwrap();
//!     drop(tx);
//!     assert_eq!(worker.await.unwrap(), [1, 3]);
//! });
//! ```
//!
//! # Invariants
//!
//! - `version` counts the accepted changes and only grows. Each receiver
//!   keeps `seen`, the version it last marked seen; it has a change to
//!   see while `seen != version`.
//! - The value lives in a `RefCell`; a [`Ref`] is a shared borrow of it.
//!   Writers check with `try_borrow_mut` and panic with their own name
//!   while a `Ref` is alive, instead of `RefCell`'s message.
//! - A `changed` waits only while it has no change to see and the sender
//!   is alive; every accepted change and the sender's drop serve every
//!   waiter. A `closed` waits while a receiver is alive; the last
//!   receiver's drop serves them. Wakers are woken, and replaced values
//!   dropped, after the borrows are released.

use std::cell::{self, Cell, RefCell, RefMut};
use std::error::Error;
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use crate::util::wait_list::WaitList;
use crate::util::wake_batch::WakeBatch;

mod receiver;
mod sender;
mod stream;

pub use receiver::Receiver;
pub use sender::Sender;
pub use stream::ChangeStream;

/// A channel holding one value, `init` to begin with: the [`Sender`]
/// replaces or modifies it, each [`Receiver`] reads the latest and can
/// wait for the next change (tokio's `watch::channel`).
///
/// Receivers see only the latest value: one that misses several changes
/// sees the last, once.
///
/// # Examples
///
/// ```
/// use uniloop::channel::watch;
///
/// uniloop::run(async {
///     let (tx, mut rx) = watch::channel("starting");
///     let watcher = uniloop::spawn(async move {
///         rx.changed().await.unwrap();
///         *rx.borrow_and_update()
///     });
///     uniloop::yield_now().await;
///     tx.send("ready").unwrap();
///     assert_eq!(watcher.await.unwrap(), "ready");
/// });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(Shared {
        value: RefCell::new(init),
        version: Cell::new(0),
        sender_alive: Cell::new(true),
        receivers: Cell::new(1),
        changes: RefCell::new(WaitList::new()),
        closes: RefCell::new(WaitList::new()),
    });
    let receiver = Receiver {
        shared: shared.clone(),
        seen: 0,
    };
    (Sender { shared }, receiver)
}

struct Shared<T> {
    value: RefCell<T>,
    version: Cell<u64>,
    sender_alive: Cell<bool>,
    receivers: Cell<usize>,
    /// `changed` futures waiting for a new version.
    changes: RefCell<WaitList<()>>,
    /// `closed` futures waiting for the last receiver to go.
    closes: RefCell<WaitList<()>>,
}

impl<T> Shared<T> {
    #[track_caller]
    fn write(&self, caller: &str) -> RefMut<'_, T> {
        self.value.try_borrow_mut().unwrap_or_else(|_| {
            panic!(
                "uniloop::channel::watch::Sender::{caller}(): the value is borrowed \
                 (a watch::Ref is still alive)"
            )
        })
    }

    #[track_caller]
    fn read(&self, caller: &str) -> cell::Ref<'_, T> {
        self.value.try_borrow().unwrap_or_else(|_| {
            panic!(
                "uniloop::channel::watch::{caller}(): the value is being modified \
                 (inside send_modify or send_if_modified)"
            )
        })
    }

    /// A change was accepted: a new version, and every waiting `changed`
    /// is served.
    fn notify(&self) {
        self.version.set(self.version.get() + 1);
        serve_all(&self.changes);
    }
}

/// Serve every waiter of `list`, waking them after its borrow.
fn serve_all(list: &RefCell<WaitList<()>>) {
    let mut wakers = WakeBatch::new();
    list.borrow_mut().serve_front(usize::MAX, &mut wakers);
    wakers.wake();
}

/// A waiting future's place in one of the wait lists, left when it is
/// dropped (so a cancelled wait leaves nothing behind).
type Waiter<'a> = crate::util::wait_list::WaitEntry<&'a RefCell<WaitList<()>>>;

/// A borrow of a [`watch`](self) channel's value; derefs to it.
///
/// While it is alive, every send panics: drop it soon, and never hold it
/// across an `.await`.
///
/// # Examples
///
/// ```
/// let (_tx, rx) = uniloop::channel::watch::channel(vec![1, 2]);
/// let value: uniloop::channel::watch::Ref<'_, Vec<i32>> = rx.borrow();
/// assert_eq!(value.len(), 2);
/// ```
pub struct Ref<'a, T> {
    inner: cell::Ref<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the receiver it was borrowed from had not marked this value
    /// seen yet (for [`Receiver::borrow_and_update`]: before this call).
    /// Always `false` for [`Sender::borrow`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

/// Does not need `T: Debug`; print `*r` for the value.
impl<T> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Ref")
            .field("has_changed", &self.has_changed)
            .finish_non_exhaustive()
    }
}

/// Every receiver is gone: the value comes back, not stored.
///
/// # Examples
///
/// ```
/// let (tx, rx) = uniloop::channel::watch::channel(0);
/// drop(rx);
/// assert_eq!(tx.send(1), Err(uniloop::channel::watch::SendError(1)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// The sender is gone and the last value was seen: nothing will change.
///
/// # Examples
///
/// ```
/// let (tx, rx) = uniloop::channel::watch::channel(0);
/// drop(tx);
/// assert_eq!(rx.has_changed().unwrap_err().to_string(), "the sender was dropped");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError(());

/// Does not need `T: Debug`, so that `unwrap()` works for any value.
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
        f.write_str("the sender was dropped")
    }
}

impl<T> Error for SendError<T> {}
impl Error for RecvError {}
