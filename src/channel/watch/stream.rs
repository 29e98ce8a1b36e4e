//! A watch receiver as a `Stream` ([`Receiver::into_stream`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::Receiver;

type Next<T> = Pin<Box<dyn Future<Output = (Option<T>, Receiver<T>)>>>;

/// The value now, owning `receiver`.
fn current<T: Clone + 'static>(mut receiver: Receiver<T>) -> Next<T> {
    Box::pin(async move {
        let value = receiver.borrow_and_update().clone();
        (Some(value), receiver)
    })
}

/// The value after the next change, or `None` once the sender is gone.
fn changed<T: Clone + 'static>(mut receiver: Receiver<T>) -> Next<T> {
    Box::pin(async move {
        let value = match receiver.changed().await {
            Ok(()) => Some(receiver.borrow_and_update().clone()),
            Err(_) => None,
        };
        (value, receiver)
    })
}

impl<T: Clone + 'static> Receiver<T> {
    /// This receiver as a [`Stream`] of values: the current one first,
    /// then the value after each change (changes made between two polls
    /// give one item, the latest, as `changed` does); it ends when the
    /// sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt; // next(), map(), collect(), ...
    ///
    /// uniloop::run(async {
    ///     let (tx, rx) = uniloop::channel::watch::channel(0);
    ///     let mut stream = rx.into_stream();
    ///     assert_eq!(stream.next().await, Some(0));
    ///     tx.send(1).unwrap();
    ///     tx.send(2).unwrap();
    ///     assert_eq!(stream.next().await, Some(2)); // the latest
    ///     drop(tx);
    ///     assert_eq!(stream.next().await, None);
    /// });
    /// ```
    pub fn into_stream(self) -> ChangeStream<T> {
        ChangeStream {
            next: Some(current(self)),
        }
    }
}

/// A watch [`Receiver`] as a [`Stream`] of values; from
/// [`Receiver::into_stream`].
///
/// # Examples
///
/// ```
/// use futures_core::stream::FusedStream;
///
/// let (tx, rx) = uniloop::channel::watch::channel("config");
/// assert!(!rx.into_stream().is_terminated());
/// # drop(tx);
/// ```
pub struct ChangeStream<T> {
    /// `None` once the sender is gone.
    next: Option<Next<T>>,
}

impl<T: Clone + 'static> Stream for ChangeStream<T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(pending) = self.next.as_mut() else {
            return Poll::Ready(None);
        };
        let (value, receiver) = ready!(pending.as_mut().poll(cx));
        self.next = value.is_some().then(|| changed(receiver));
        Poll::Ready(value)
    }
}

impl<T: Clone + 'static> FusedStream for ChangeStream<T> {
    fn is_terminated(&self) -> bool {
        self.next.is_none()
    }
}

impl<T> fmt::Debug for ChangeStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::ChangeStream")
            .field("terminated", &self.next.is_none())
            .finish()
    }
}
