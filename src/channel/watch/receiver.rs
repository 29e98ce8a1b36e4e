//! The [`Receiver`] of a [`watch`](super) channel.

use std::fmt;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use super::{serve_all, RecvError, Ref, Shared, Waiter};

/// The receiving half of a [`watch`](super) channel: it reads the latest
/// value and waits for changes. Clone it for more receivers; a clone has
/// seen what the original has seen.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let (tx, mut rx) = uniloop::channel::watch::channel(0);
///     tx.send(1).unwrap();
///     tx.send(2).unwrap();
///     drop(tx);
///     rx.changed().await.unwrap(); // one change to see: the latest
///     assert_eq!(*rx.borrow_and_update(), 2);
///     assert!(rx.changed().await.is_err()); // the sender is gone
/// });
/// ```
pub struct Receiver<T> {
    pub(super) shared: Rc<Shared<T>>,
    /// The version it last marked seen.
    pub(super) seen: u64,
}

impl<T> Receiver<T> {
    /// Borrow the latest value, without marking it seen
    /// ([`Ref::has_changed`] tells whether it was). Do not hold it across
    /// an `.await`: a send meanwhile would panic.
    ///
    /// # Panics
    ///
    /// If called from inside [`Sender::send_modify`](super::Sender::send_modify) or
    /// [`Sender::send_if_modified`](super::Sender::send_if_modified).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow(), 2);
    /// assert!(rx.has_changed().unwrap()); // still not marked seen
    /// ```
    #[track_caller]
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.read("Receiver::borrow"),
            has_changed: self.seen != self.shared.version.get(),
        }
    }

    /// Borrow the latest value and mark it seen.
    ///
    /// # Panics
    ///
    /// As [`borrow`](Self::borrow).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    #[track_caller]
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.read("Receiver::borrow_and_update");
        let version = self.shared.version.get();
        let has_changed = self.seen != version;
        self.seen = version;
        Ref { inner, has_changed }
    }

    /// Whether there is a value this receiver has not marked seen.
    ///
    /// Unlike tokio's, it reports an unseen last value (`Ok(true)`) even
    /// after the sender is gone, so it always predicts what
    /// [`changed`](Self::changed) would return.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender is gone and the last value was seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::watch::channel(1);
    /// tx.send(2).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// rx.mark_unchanged();
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.seen != self.shared.version.get() {
            Ok(true)
        } else if self.shared.sender_alive.get() {
            Ok(false)
        } else {
            Err(RecvError(()))
        }
    }

    /// Wait for a value not marked seen, and mark it seen; at once if
    /// there is one (even if the sender is gone since).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the sender is gone and the last value was seen:
    /// nothing will change any more.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it marks the value seen only when it completes, so a
    /// dropped `changed` misses no change.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (tx, mut rx) = uniloop::channel::watch::channel(0);
    ///     uniloop::spawn(async move { tx.send_modify(|n| *n += 1) });
    ///     rx.changed().await.unwrap();
    ///     assert_eq!(*rx.borrow(), 1);
    /// });
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        let shared = &*self.shared;
        let seen = &mut self.seen;
        let mut waiter = Waiter::new(&shared.changes);
        poll_fn(|cx| {
            let version = shared.version.get();
            if *seen != version {
                *seen = version;
                Poll::Ready(Ok(()))
            } else if shared.sender_alive.get() {
                waiter.keep_waiting(cx.waker());
                Poll::Pending
            } else {
                Poll::Ready(Err(RecvError(())))
            }
        })
        .await
    }

    /// Mark the latest value seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = uniloop::channel::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert_eq!(rx.has_changed(), Ok(false));
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.get();
    }

    /// Mark the latest value not seen, so that [`changed`](Self::changed)
    /// completes at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = uniloop::channel::watch::channel(0);
    /// rx.mark_changed();
    /// assert_eq!(rx.has_changed(), Ok(true));
    /// ```
    pub fn mark_changed(&mut self) {
        // Versions only grow, so this one never comes back.
        self.seen = self.shared.version.get().wrapping_sub(1);
    }

    /// Whether the sender is gone, so that nothing changes any more.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = uniloop::channel::watch::channel(0);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        !self.shared.sender_alive.get()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.receivers.set(self.shared.receivers.get() + 1);
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let receivers = self.shared.receivers.get() - 1;
        self.shared.receivers.set(receivers);
        if receivers == 0 {
            serve_all(&self.shared.closes);
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("seen", &self.seen)
            .field("version", &self.shared.version.get())
            .field("closed", &self.is_closed())
            .finish()
    }
}
