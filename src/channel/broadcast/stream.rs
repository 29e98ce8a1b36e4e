//! A broadcast receiver as a `Stream` ([`Receiver::into_stream`]).

use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use super::{Receiver, RecvError, Shared, TryRecvError};
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};

/// The stream's place in the receivers' wait list, kept between items: a
/// stream polls the channel itself rather than through a boxed `recv`
/// future, so it allocates nothing per message.
struct Waiting<T>(Rc<Shared<T>>);

impl<T> WaitListOwner for Waiting<T> {
    type Data = ();

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<()>) -> R) -> R {
        f(&mut self.0.state.borrow_mut().waiting)
    }
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
            waiting: WaitEntry::new(Waiting(self.shared.clone())),
            receiver: Some(self),
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
    /// `None` once every sender is gone and everything was read.
    receiver: Option<Receiver<T>>,
    waiting: WaitEntry<Waiting<T>>,
}

impl<T: Clone + 'static> Stream for RecvStream<T> {
    type Item = Result<T, RecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(receiver) = this.receiver.as_mut() else {
            return Poll::Ready(None);
        };
        // As `recv`: take the next message, or wait for one in the list.
        let item = match receiver.shared.take(&mut receiver.next) {
            Ok(value) => Ok(value),
            Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
            Err(TryRecvError::Closed) => {
                this.waiting.leave();
                this.receiver = None;
                return Poll::Ready(None);
            }
            Err(TryRecvError::Empty) => {
                this.waiting.keep_waiting(cx.waker());
                return Poll::Pending;
            }
        };
        this.waiting.leave();
        Poll::Ready(Some(item))
    }
}

impl<T: Clone + 'static> FusedStream for RecvStream<T> {
    fn is_terminated(&self) -> bool {
        self.receiver.is_none()
    }
}

impl<T> fmt::Debug for RecvStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::RecvStream")
            .field("terminated", &self.receiver.is_none())
            .finish()
    }
}
