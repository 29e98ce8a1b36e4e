//! `ChanState`: what the two halves of a bounded channel share (its buffer
//! and waiting senders, the receiver's waker, the count of senders, whether
//! it is closed), and every operation on it, written once for
//! [`mpsc`](super::mpsc), which keeps it in a `RefCell` on one thread, and
//! [`threadsafe`](super::threadsafe), which keeps it behind a `Mutex` for
//! any thread. [`Lock`] is the one difference between them.
//!
//! # Invariants
//!
//! - The buffer and the waiting senders are a `Bounded` (`bounded.rs`):
//!   its invariants say how a slot freed by a receive is kept for the
//!   first waiting sender, and passes on if that sender is cancelled.
//! - When the receiver is closed or dropped ([`close`]), every waiting
//!   sender gets its message back in `SendError`; later sends fail the same
//!   way. Nothing handed to the channel is lost without a trace, and
//!   nothing a cancelled send held is delivered.
//! - Wakers are woken, and messages dropped, after the borrow or lock is
//!   released: a waker that runs code (a thread unpark, a cross-thread
//!   wake) never runs under it.

use std::cell::{RefCell, RefMut};
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::ops::DerefMut;
use std::task::{Context, Poll, Waker};

use super::bounded::{Bounded, Pending};
use super::mpsc::{SendError, TryRecvError, TrySendError};
use crate::util::sync::{lock, Mutex, MutexGuard};
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};
use crate::util::wake_batch::WakeBatch;

pub(super) struct ChanState<T> {
    bounded: Bounded<T>,
    receiver: Option<Waker>,
    senders: usize,
    /// The receiver closed or dropped: sends fail.
    closed: bool,
}

impl<T> ChanState<T> {
    /// A channel of `capacity`, with one sender.
    pub(super) fn new(capacity: usize) -> ChanState<T> {
        ChanState {
            bounded: Bounded::new(capacity),
            receiver: None,
            senders: 1,
            closed: false,
        }
    }

    /// Buffer `message` if the channel is open, has room and nobody waits
    /// before it: the receiver's waker, to wake after the lock.
    fn push(&mut self, message: T) -> Result<Option<Waker>, TrySendError<T>> {
        if self.closed {
            return Err(TrySendError::Closed(message));
        }
        self.bounded.try_push(message).map_err(TrySendError::Full)?;
        Ok(self.receiver.take())
    }

    /// Take the next message, with the waker of the sender granted the
    /// freed slot.
    fn take(&mut self) -> Result<(T, Option<Waker>), TryRecvError> {
        self.bounded
            .pop()
            .ok_or(if self.senders == 0 || self.closed {
                TryRecvError::Disconnected
            } else {
                TryRecvError::Empty
            })
    }

    /// (messages buffered, senders waiting, senders) for `Debug`.
    pub(super) fn counts(&self) -> (usize, usize, usize) {
        (
            self.bounded.len(),
            self.bounded.senders_waiting(),
            self.senders,
        )
    }
}

/// How a channel's halves reach their shared state: a `RefCell` borrow
/// (`mpsc`) or a `Mutex` lock (`threadsafe`).
pub(super) trait Lock<T> {
    type Guard<'a>: DerefMut<Target = ChanState<T>>
    where
        Self: 'a;

    fn lock(&self) -> Self::Guard<'_>;
}

impl<T> Lock<T> for RefCell<ChanState<T>> {
    type Guard<'a>
        = RefMut<'a, ChanState<T>>
    where
        T: 'a;

    #[inline]
    fn lock(&self) -> RefMut<'_, ChanState<T>> {
        self.borrow_mut()
    }
}

impl<T> Lock<T> for Mutex<ChanState<T>> {
    type Guard<'a>
        = MutexGuard<'a, ChanState<T>>
    where
        T: 'a;

    /// Nothing that can panic runs under this lock (wakers and message
    /// destructors run after it), so a poisoned lock still holds a
    /// consistent state.
    #[inline]
    fn lock(&self) -> MutexGuard<'_, ChanState<T>> {
        lock(self)
    }
}

#[inline]
fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// `try_send`: buffer `message` now, or give it back.
#[inline]
pub(super) fn try_send<T>(chan: &impl Lock<T>, message: T) -> Result<(), TrySendError<T>> {
    let receiver = chan.lock().push(message)?;
    wake(receiver);
    Ok(())
}

/// `try_recv`: the next message if there is one.
#[inline]
pub(super) fn try_recv<T>(chan: &impl Lock<T>) -> Result<T, TryRecvError> {
    let taken = chan.lock().take();
    taken.map(|(message, sender)| {
        wake(sender);
        message
    })
}

/// `poll_recv`: the next message, `None` once none will come, or wait.
#[inline]
pub(super) fn poll_recv<T>(chan: &impl Lock<T>, cx: &mut Context<'_>) -> Poll<Option<T>> {
    let (taken, sender, replaced) = {
        let mut state = chan.lock();
        match state.take() {
            Ok((message, sender)) => (Poll::Ready(Some(message)), sender, None),
            Err(TryRecvError::Disconnected) => (Poll::Ready(None), None, None),
            Err(TryRecvError::Empty) => {
                let replaced = match &state.receiver {
                    Some(waker) if waker.will_wake(cx.waker()) => None,
                    _ => state.receiver.replace(cx.waker().clone()),
                };
                (Poll::Pending, None, replaced)
            }
        }
    };
    drop(replaced);
    wake(sender);
    taken
}

/// The receiver closes: refuse new messages, release every waiting
/// sender with its message.
pub(super) fn close<T>(chan: &impl Lock<T>) {
    let mut wakers = WakeBatch::new();
    {
        let mut state = chan.lock();
        state.closed = true;
        state.bounded.close(&mut wakers);
    }
    wakers.wake();
}

/// The receiver is dropped: close, and drop what is buffered (outside the
/// lock).
pub(super) fn drop_receiver<T>(chan: &impl Lock<T>) {
    close(chan);
    let buffered: VecDeque<T> = chan.lock().bounded.take_buffer();
    drop(buffered);
}

/// Whether a receive would give `None`: nothing buffered, and nothing
/// more can come (every sender is gone, or the receiver closed).
pub(super) fn is_terminated<T>(chan: &impl Lock<T>) -> bool {
    let state = chan.lock();
    let (buffered, _, senders) = state.counts();
    buffered == 0 && (senders == 0 || state.closed)
}

pub(super) fn is_closed<T>(chan: &impl Lock<T>) -> bool {
    chan.lock().closed
}

/// A sender was cloned.
pub(super) fn add_sender<T>(chan: &impl Lock<T>) {
    chan.lock().senders += 1;
}

/// A sender was dropped: the last one wakes the receiver, to see the end.
pub(super) fn drop_sender<T>(chan: &impl Lock<T>) {
    let receiver = {
        let mut state = chan.lock();
        state.senders -= 1;
        if state.senders == 0 {
            state.receiver.take()
        } else {
            None
        }
    };
    wake(receiver);
}

/// The senders' side of a channel: owner of a send's wait entry.
pub(super) struct Senders<'a, T, L: Lock<T>>(&'a L, PhantomData<fn(T)>);

impl<T, L: Lock<T>> WaitListOwner for Senders<'_, T, L> {
    type Data = Pending<T>;

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<Pending<T>>) -> R) -> R {
        f(self.0.lock().bounded.waiting())
    }

    /// Its message was never sent: it is dropped here (outside the lock);
    /// a slot granted to it passes to the next sender.
    fn left(&self, pending: Pending<T>, _served: bool) {
        let (message, next) = {
            let mut state = self.0.lock();
            let closed = state.closed;
            state.bounded.cancel(pending, closed)
        };
        drop(message);
        wake(next);
    }
}

/// The state of a `send` future, the same for both channels.
pub(super) struct SendCore<'a, T, L: Lock<T>> {
    /// The message, until it is buffered or queued in the entry's node.
    message: Option<T>,
    entry: WaitEntry<Senders<'a, T, L>>,
    /// A blocking send (`threadsafe::Sender::send_blocking`), which cannot
    /// be cancelled (see `bounded.rs`).
    blocking: bool,
}

impl<'a, T, L: Lock<T>> SendCore<'a, T, L> {
    pub(super) fn new(chan: &'a L, message: T, blocking: bool) -> SendCore<'a, T, L> {
        SendCore {
            message: Some(message),
            entry: WaitEntry::new(Senders(chan, PhantomData)),
            blocking,
        }
    }

    pub(super) fn is_waiting(&self) -> bool {
        self.entry.is_queued()
    }

    /// Send: buffered at once, or wait for a slot; `Err` with the message
    /// if the channel is or gets closed first.
    pub(super) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let chan = self.entry.owner().0;
        if self.entry.is_queued() {
            let Some(pending) = self.entry.poll_served(cx.waker()) else {
                return Poll::Pending;
            };
            let (sent, receiver) = {
                let mut state = chan.lock();
                let closed = state.closed;
                let sent = state.bounded.finish_send(pending, closed);
                let receiver = if sent.is_ok() {
                    state.receiver.take()
                } else {
                    None
                };
                (sent, receiver)
            };
            wake(receiver);
            return Poll::Ready(sent.map_err(SendError));
        }
        let message = self.message.take().expect("Send polled after completion");
        let mut state = chan.lock();
        match state.push(message) {
            Ok(receiver) => {
                drop(state);
                wake(receiver);
                Poll::Ready(Ok(()))
            }
            Err(TrySendError::Closed(message)) => Poll::Ready(Err(SendError(message))),
            Err(TrySendError::Full(message)) => {
                let pending = Pending::new(message, self.blocking);
                self.entry
                    .wait_in(state.bounded.waiting(), pending, cx.waker());
                Poll::Pending
            }
        }
    }
}
