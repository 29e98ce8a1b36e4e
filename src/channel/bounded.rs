//! `Bounded`: a channel's buffer and the sends waiting for room in it,
//! shared by [`mpsc`](super::mpsc) (in a `RefCell`) and
//! [`threadsafe`](super::threadsafe) (behind a `Mutex`).
//!
//! # Invariants
//!
//! - A send waits only while the buffer and the granted slots fill the
//!   capacity, or other sends wait before it ([`Bounded::try_push`]): sends
//!   are served in FIFO order, and `try_send` cannot jump the queue.
//! - No slot is free while a send waits ungranted: the slot a receive
//!   frees is *granted* to the first waiting send ([`Bounded::pop`]), which
//!   counts it in `reserved` (so the channel stays full to everyone else)
//!   and is woken. Its message goes into the buffer when it runs
//!   ([`Bounded::poll_send`]).
//! - A granted send dropped before it runs was never sent: its slot passes
//!   to the next waiting send ([`Bounded::cancel`]). So a send either
//!   completes, its message delivered once, or is cancelled with its
//!   message never in the channel (tokio's mpsc promises the same).
//! - [`Bounded::close`] releases every waiting send ungranted; a granted
//!   one finds the channel closed when it runs. Either way its message
//!   comes back.

use std::collections::VecDeque;
use std::task::Waker;

use crate::sync::waiters::{Key, WaitList, Wakers};

pub(super) struct Bounded<T> {
    buffer: VecDeque<T>,
    capacity: usize,
    /// A waiting send's node holds its message until the send runs, and
    /// whether a slot was granted to it (`false`: released by `close`).
    waiting: WaitList<(T, bool)>,
    /// Slots granted to sends that have not run yet.
    reserved: usize,
}

/// What a waiting send finds when it is polled again.
pub(super) enum SendPoll<T> {
    /// Still waiting; the waker it replaced, to drop after the borrow.
    Waiting(Option<Waker>),
    /// Its message is in the buffer: wake the receiver.
    Sent,
    /// The channel is closed: the message comes back.
    Closed(T),
}

impl<T> Bounded<T> {
    pub(super) fn new(capacity: usize) -> Bounded<T> {
        Bounded {
            buffer: VecDeque::new(),
            capacity,
            waiting: WaitList::new(),
            reserved: 0,
        }
    }

    /// Messages in the buffer.
    pub(super) fn len(&self) -> usize {
        self.buffer.len()
    }

    /// Sends waiting for a slot (not counting granted ones).
    pub(super) fn senders_waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Whether the buffer and the granted slots fill the capacity.
    pub(super) fn is_full(&self) -> bool {
        self.buffer.len() + self.reserved >= self.capacity
    }

    /// Buffer `message` if there is room and no send waits before it;
    /// otherwise give it back.
    pub(super) fn try_push(&mut self, message: T) -> Result<(), T> {
        if self.is_full() || !self.waiting.is_empty() {
            return Err(message);
        }
        self.buffer.push_back(message);
        Ok(())
    }

    /// Queue a send that found no room; its key.
    pub(super) fn wait(&mut self, message: T, waker: &Waker) -> Key {
        self.waiting.push((message, false), waker)
    }

    /// A waiting send is polled again (`closed`: the receiver closed).
    pub(super) fn poll_send(&mut self, key: Key, waker: &Waker, closed: bool) -> SendPoll<T> {
        if self.waiting.is_linked(key) {
            return SendPoll::Waiting(self.waiting.set_waker(key, waker));
        }
        let ((message, granted), _) = self.waiting.remove(key);
        if granted {
            self.reserved -= 1;
        }
        if closed {
            return SendPoll::Closed(message);
        }
        // Served and open: it was granted a slot, kept for it until now.
        self.buffer.push_back(message);
        SendPoll::Sent
    }

    /// A waiting send was dropped: its message (to drop after the borrow),
    /// and the waker of the send its granted slot passed to, if any.
    pub(super) fn cancel(&mut self, key: Key, closed: bool) -> (T, Option<Waker>) {
        let ((message, granted), _) = self.waiting.remove(key);
        let mut next = None;
        if granted {
            self.reserved -= 1;
            if !closed {
                next = self.grant_next();
            }
        }
        (message, next)
    }

    /// Take the first message; the waker of the send granted the freed
    /// slot, if one waits.
    pub(super) fn pop(&mut self) -> Option<(T, Option<Waker>)> {
        let message = self.buffer.pop_front()?;
        Some((message, self.grant_next()))
    }

    /// Grant a free slot to the first waiting send; its waker.
    fn grant_next(&mut self) -> Option<Waker> {
        if self.is_full() {
            return None;
        }
        let key = self.waiting.front()?;
        self.waiting.data_mut(key).1 = true;
        self.reserved += 1;
        self.waiting.serve(key)
    }

    /// Release every waiting send: each gets its message back.
    pub(super) fn close(&mut self, wakers: &mut Wakers) {
        self.waiting.serve_front(usize::MAX, wakers);
    }

    /// The buffered messages, to drop after the borrow.
    pub(super) fn take_buffer(&mut self) -> VecDeque<T> {
        std::mem::take(&mut self.buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_slot_waits_for_its_send_and_passes_on_if_the_send_is_dropped() {
        let waker = Waker::noop();
        let mut chan = Bounded::new(1);
        chan.try_push(0).unwrap();
        let first = chan.wait(1, waker);
        let second = chan.wait(2, waker);
        assert_eq!(chan.pop().map(|(m, _)| m), Some(0));
        // The slot is `first`'s: nobody else may fill it, and nothing is in.
        assert!(chan.is_full());
        assert_eq!(chan.try_push(9), Err(9));
        assert!(chan.pop().is_none());
        // `first` is dropped before it runs: its message was never sent.
        let (message, next) = chan.cancel(first, false);
        assert_eq!((message, next.is_some()), (1, true));
        assert!(matches!(
            chan.poll_send(second, waker, false),
            SendPoll::Sent
        ));
        assert_eq!(chan.pop().map(|(m, _)| m), Some(2));
        assert!(!chan.is_full());
    }

    #[test]
    fn close_gives_every_waiting_send_its_message_back() {
        let waker = Waker::noop();
        let mut chan = Bounded::new(1);
        chan.try_push(0).unwrap();
        let granted = chan.wait(1, waker);
        let waiting = chan.wait(2, waker);
        let _ = chan.pop();
        chan.close(&mut Wakers::new());
        assert!(matches!(
            chan.poll_send(granted, waker, true),
            SendPoll::Closed(1)
        ));
        assert!(matches!(
            chan.poll_send(waiting, waker, true),
            SendPoll::Closed(2)
        ));
        assert_eq!(chan.reserved, 0);
    }
}
