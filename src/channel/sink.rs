//! With the `sink` feature: `futures_sink::Sink` for the senders.
//!
//! The bounded senders ([`mpsc`](super::mpsc),
//! [`threadsafe`](super::threadsafe)) accept one message at a time:
//! `start_send` buffers it at once when the channel has room and no send
//! waits before it (`try_send`); otherwise the message goes into a send
//! future of its own, which owns a clone of the sender and waits its turn
//! in FIFO order like any `send(..).await`. `poll_ready` and `poll_flush`
//! drive that future to its end, so at most one message per sender is in
//! flight: the channel's capacity is the back-pressure, as with `send`.
//!
//! # Invariants
//!
//! - A message handed to `start_send` is buffered, or in the in-flight
//!   send, or given back in the error of the `poll_*` that finds the
//!   channel closed: never lost silently (`InFlight::poll_flush`).
//! - Dropping a sender with a message in flight drops that send: the
//!   message is not delivered and no other sender loses its turn (the
//!   send future's cancel safety).
//! - `poll_close` only flushes: the receiver sees the end of the stream
//!   when every sender is dropped, as without the sink.
//!
//! [`broadcast`](super::broadcast) and [`watch`](super::watch) never wait:
//! their sinks are always ready and `start_send` is `send`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::mpsc::{SendError, TrySendError};

/// The boxed send of a message the channel could not take at once.
type SendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<(), SendError<T>>> + 'a>>;

/// A loop-side sender's message in flight (`mpsc`).
pub(super) struct InFlight<T>(Option<SendFuture<'static, T>>);

impl<T> InFlight<T> {
    pub(super) fn new() -> InFlight<T> {
        InFlight(None)
    }

    /// Drive the send in flight, if any, to its end.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        poll_slot(&mut self.0, cx)
    }

    /// `start_send`: buffer `message` now, or start its send with `send`.
    pub(super) fn start(
        &mut self,
        tried: Result<(), TrySendError<T>>,
        send: impl FnOnce(T) -> SendFuture<'static, T>,
    ) -> Result<(), SendError<T>> {
        start(&mut self.0, tried, send)
    }
}

impl<T> fmt::Debug for InFlight<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlight")
            .field("sending", &self.0.is_some())
            .finish()
    }
}

/// The boxed send of a thread-safe sender's message.
type SendFutureSend<T> = Pin<Box<dyn Future<Output = Result<(), SendError<T>>> + Send + 'static>>;

/// A thread-safe sender's message in flight (`threadsafe`). The `Mutex`
/// only makes the sender `Sync` again: it is reached through `&mut self`
/// (`Mutex::get_mut`), never locked.
pub(super) struct InFlightSend<T>(std::sync::Mutex<Option<SendFutureSend<T>>>);

impl<T> InFlightSend<T> {
    pub(super) fn new() -> InFlightSend<T> {
        InFlightSend(std::sync::Mutex::new(None))
    }

    fn slot(&mut self) -> &mut Option<SendFutureSend<T>> {
        // Poisoned only if a poll of the send panicked; the slot is still
        // a consistent `Option`.
        self.0
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        poll_slot(self.slot(), cx)
    }

    pub(super) fn start(
        &mut self,
        tried: Result<(), TrySendError<T>>,
        send: impl FnOnce(T) -> SendFutureSend<T>,
    ) -> Result<(), SendError<T>> {
        start(self.slot(), tried, send)
    }
}

impl<T> fmt::Debug for InFlightSend<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlightSend").finish_non_exhaustive()
    }
}

fn poll_slot<T, F>(
    slot: &mut Option<Pin<Box<F>>>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), SendError<T>>>
where
    F: Future<Output = Result<(), SendError<T>>> + ?Sized,
{
    let Some(send) = slot else {
        return Poll::Ready(Ok(()));
    };
    let sent = ready!(send.as_mut().poll(cx));
    *slot = None;
    Poll::Ready(sent)
}

fn start<T, F: ?Sized>(
    slot: &mut Option<Pin<Box<F>>>,
    tried: Result<(), TrySendError<T>>,
    send: impl FnOnce(T) -> Pin<Box<F>>,
) -> Result<(), SendError<T>> {
    assert!(
        slot.is_none(),
        "Sink::start_send called before poll_ready returned Ready(Ok(()))"
    );
    match tried {
        Ok(()) => Ok(()),
        Err(TrySendError::Full(message)) => {
            *slot = Some(send(message));
            Ok(())
        }
        Err(TrySendError::Closed(message)) => Err(SendError(message)),
    }
}
