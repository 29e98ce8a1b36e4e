//! The [`Sender`] of a [`watch`](super) channel.

use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use super::{serve_all, Receiver, Ref, SendError, Shared, Waiter};

/// The sending half of a [`watch`](super) channel (there is one). Receivers
/// see the channel closed once it is dropped.
///
/// # Examples
///
/// ```
/// let (tx, rx) = uniloop::channel::watch::channel(0);
/// tx.send_replace(1);
/// assert_eq!(*rx.borrow(), 1);
/// ```
pub struct Sender<T> {
    pub(super) shared: Rc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Store `value` and notify the receivers, if there is any.
    ///
    /// # Errors
    ///
    /// `Err(SendError(value))` gives the value back, leaving the stored
    /// one as it was, if every receiver is gone (use
    /// [`send_replace`](Self::send_replace) to store it anyway).
    ///
    /// # Panics
    ///
    /// If the value is borrowed by a [`Ref`]: "uniloop::channel::watch::
    /// Sender::send(): the value is borrowed (a watch::Ref is still
    /// alive)".
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().0, 3);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receivers.get() == 0 {
            return Err(SendError(value));
        }
        drop(self.replace(value, "send"));
        Ok(())
    }

    /// Store `value` even if no receiver is left, notify the receivers,
    /// and return the value it replaces.
    ///
    /// # Panics
    ///
    /// If the value is borrowed by a [`Ref`] (see [`send`](Self::send)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(1);
    /// drop(rx);
    /// assert_eq!(tx.send_replace(2), 1);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    #[track_caller]
    pub fn send_replace(&self, value: T) -> T {
        self.replace(value, "send_replace")
    }

    #[track_caller]
    fn replace(&self, value: T, caller: &str) -> T {
        let old = std::mem::replace(&mut *self.shared.write(caller), value);
        self.shared.notify();
        old
    }

    /// Modify the value in place and notify the receivers (even if none
    /// is left or nothing changed). If `modify` panics, nobody is
    /// notified, but what it changed stays changed.
    ///
    /// # Panics
    ///
    /// If the value is borrowed by a [`Ref`] (see [`send`](Self::send)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    #[track_caller]
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        modify(&mut *self.shared.write("send_modify"));
        self.shared.notify();
    }

    /// Modify the value in place; notify the receivers only if `modify`
    /// returns `true`, and return that. If `modify` panics, nobody is
    /// notified.
    ///
    /// # Panics
    ///
    /// If the value is borrowed by a [`Ref`] (see [`send`](Self::send)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(5);
    /// assert!(!tx.send_if_modified(|n| std::mem::replace(n, 5) != 5));
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    #[track_caller]
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let modified = modify(&mut *self.shared.write("send_if_modified"));
        if modified {
            self.shared.notify();
        }
        modified
    }

    /// Borrow the current value ([`Ref::has_changed`] is `false`). Do not
    /// hold it across a send (which would panic) or an `.await`.
    ///
    /// # Panics
    ///
    /// If called from inside [`send_modify`](Self::send_modify) or
    /// [`send_if_modified`](Self::send_if_modified).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = uniloop::channel::watch::channel(String::from("hi"));
    /// assert_eq!(tx.borrow().len(), 2);
    /// ```
    #[track_caller]
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.read("Sender::borrow"),
            has_changed: false,
        }
    }

    /// A new receiver, which has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = uniloop::channel::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(tx.subscribe().has_changed(), Ok(false));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.set(self.shared.receivers.get() + 1);
        Receiver {
            shared: self.shared.clone(),
            seen: self.shared.version.get(),
        }
    }

    /// How many receivers are alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(());
    /// assert_eq!(tx.receiver_count(), 1);
    /// # drop(rx);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.get()
    }

    /// Whether every receiver is gone, so [`send`](Self::send) fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.receivers.get() == 0
    }

    /// Wait until every receiver is gone (at once if they are).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only watches.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, rx) = uniloop::channel::watch::channel(());
    ///     uniloop::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&self) {
        let shared = &*self.shared;
        let mut waiter = Waiter::new(&shared.closes);
        poll_fn(|cx| {
            if shared.receivers.get() == 0 {
                return Poll::Ready(());
            }
            waiter.keep_waiting(cx.waker());
            Poll::Pending
        })
        .await;
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.sender_alive.set(false);
        serve_all(&self.shared.changes);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Sender")
            .field("version", &self.shared.version.get())
            .field("receivers", &self.shared.receivers.get())
            .finish()
    }
}

/// With the `sink` feature: the sender is a `futures_sink::Sink` that is
/// always ready (a watch keeps only the latest value) and whose
/// `start_send` is [`send`](Sender::send).
///
/// # Errors
///
/// `start_send` gives the value back in `SendError(value)` when no
/// receiver is left.
///
/// # Panics
///
/// As [`send`](Sender::send): while a `borrow()` of the value is held.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "sink")]
/// # {
/// use futures::SinkExt;
///
/// uniloop::run(async {
///     let (mut tx, rx) = uniloop::channel::watch::channel(0);
///     SinkExt::send(&mut tx, 5).await.unwrap(); // the inherent `send` is not async
///     assert_eq!(*rx.borrow(), 5);
/// });
/// # }
/// ```
#[cfg(feature = "sink")]
impl<T> futures_sink::Sink<T> for Sender<T> {
    type Error = SendError<T>;

    fn poll_ready(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        Poll::Ready(Ok(()))
    }

    #[track_caller]
    fn start_send(self: std::pin::Pin<&mut Self>, value: T) -> Result<(), SendError<T>> {
        Sender::send(&self, value)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        Poll::Ready(Ok(()))
    }
}
