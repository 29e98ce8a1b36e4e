//! A broadcast receiver as a `Stream` ([`Receiver::into_stream`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::{Receiver, RecvError};

type Next<T> = Pin<Box<dyn Future<Output = (Result<T, RecvError>, Receiver<T>)>>>;

/// The next `recv` of `receiver`, owning it (a `recv` borrows its
/// receiver, a stream must own its state).
fn next<T: Clone + 'static>(mut receiver: Receiver<T>) -> Next<T> {
    Box::pin(async move {
        let received = receiver.recv().await;
        (received, receiver)
    })
}

impl<T: Clone + 'static> Receiver<T> {
    /// This receiver as a [`Stream`] (with `futures::StreamExt`:
    /// `next`, `map`, `select!`...): each message, or
    /// `Err(RecvError::Lagged(n))` where it missed `n` of them; it ends
    /// when every sender is gone and it has read everything.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt; // next(), map(), collect(), ...
    ///
    /// uniloop::run(async {
    ///     let (tx, rx) = uniloop::channel::broadcast::channel(4);
    ///     let mut stream = rx.into_stream();
    ///     tx.send("a").unwrap();
    ///     drop(tx);
    ///     assert_eq!(stream.next().await, Some(Ok("a")));
    ///     assert_eq!(stream.next().await, None);
    /// });
    /// ```
    pub fn into_stream(self) -> RecvStream<T> {
        RecvStream {
            next: Some(next(self)),
        }
    }
}

/// A broadcast [`Receiver`] as a [`Stream`]; from
/// [`Receiver::into_stream`].
///
/// Dropping it while it waits loses nothing (`recv` is cancel safe).
///
/// # Examples
///
/// ```
/// use futures_core::stream::FusedStream;
///
/// let (tx, rx) = uniloop::channel::broadcast::channel::<u8>(1);
/// let stream = rx.into_stream();
/// assert!(!stream.is_terminated());
/// # drop(tx);
/// ```
pub struct RecvStream<T> {
    /// `None` once the channel closed.
    next: Option<Next<T>>,
}

impl<T: Clone + 'static> Stream for RecvStream<T> {
    type Item = Result<T, RecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(pending) = self.next.as_mut() else {
            return Poll::Ready(None);
        };
        let (received, receiver) = ready!(pending.as_mut().poll(cx));
        if matches!(received, Err(RecvError::Closed)) {
            self.next = None;
            return Poll::Ready(None);
        }
        self.next = Some(next(receiver));
        Poll::Ready(Some(received))
    }
}

impl<T: Clone + 'static> FusedStream for RecvStream<T> {
    fn is_terminated(&self) -> bool {
        self.next.is_none()
    }
}

impl<T> fmt::Debug for RecvStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::RecvStream")
            .field("terminated", &self.next.is_none())
            .finish()
    }
}
