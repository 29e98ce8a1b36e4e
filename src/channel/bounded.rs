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
//!   ([`Bounded::finish_send`]).
//! - A granted send dropped before it runs was never sent: its slot passes
//!   to the next waiting send ([`Bounded::release_grant`]). So a send either
//!   completes, its message delivered once, or is cancelled with its
//!   message never in the channel (tokio's mpsc promises the same).
//! - A blocking send (`threadsafe::Sender::send_blocking`) cannot be
//!   cancelled, so it needs no grant: the slot a receive frees moves its
//!   message into the buffer at once, and its thread learns it was sent
//!   when it wakes. The receiver does not wait for that thread to be
//!   scheduled, which is what keeps a channel fed by threads fast.
//! - [`Bounded::close`] releases every waiting send ungranted; a granted
//!   one finds the channel closed when it runs. Either way its message
//!   comes back.

use std::collections::VecDeque;
use std::task::Waker;

use crate::util::wait_list::WaitList;
use crate::util::wake_batch::WakeBatch;

pub(super) struct Bounded<T> {
    buffer: VecDeque<T>,
    capacity: usize,
    waiting: WaitList<Pending<T>>,
    /// Slots granted to sends that have not run yet.
    reserved: usize,
}

/// A waiting send's node.
pub(super) struct Pending<T> {
    /// Its message, until the send runs (or, for a blocking send, until
    /// its message moves into a freed slot).
    message: Option<T>,
    /// A slot was granted to it (`false` when `close` released it).
    granted: bool,
    /// A blocking send: its message moves in when a slot frees.
    blocking: bool,
}

impl<T> Pending<T> {
    /// The node of a send of `message`, blocking or not.
    pub(super) fn new(message: T, blocking: bool) -> Pending<T> {
        Pending {
            message: Some(message),
            granted: false,
            blocking,
        }
    }
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
    #[inline]
    pub(super) fn is_full(&self) -> bool {
        self.buffer.len() + self.reserved >= self.capacity
    }

    /// Buffer `message` if there is room and no send waits before it;
    /// otherwise give it back.
    #[inline]
    pub(super) fn try_push(&mut self, message: T) -> Result<(), T> {
        if self.is_full() || !self.waiting.is_empty() {
            return Err(message);
        }
        self.buffer.push_back(message);
        Ok(())
    }

    /// The waiting sends (each send's wait entry is a node here).
    pub(super) fn waiting(&mut self) -> &mut WaitList<Pending<T>> {
        &mut self.waiting
    }

    /// A send that was served runs (`closed`: the receiver closed): its
    /// message goes into the slot it was granted (unless it moved in
    /// already), or comes back if the channel closed (or the close is
    /// what served it).
    #[inline]
    pub(super) fn finish_send(&mut self, pending: Pending<T>, closed: bool) -> Result<(), T> {
        let Some(message) = pending.message else {
            return Ok(()); // a blocking send's: moved in when served
        };
        if pending.granted {
            self.reserved -= 1;
        }
        if closed {
            return Err(message);
        }
        // Served and open: it was granted a slot, kept for it until now.
        debug_assert!(pending.granted);
        self.buffer.push_back(message);
        Ok(())
    }

    /// A send left without running: its message comes back (to drop); a
    /// slot granted to it passes on, with the waker of the send it passed
    /// to, if any.
    pub(super) fn cancel(
        &mut self,
        pending: Pending<T>,
        closed: bool,
    ) -> (Option<T>, Option<Waker>) {
        let mut next = None;
        if pending.granted && pending.message.is_some() {
            self.reserved -= 1;
            if !closed {
                next = self.grant_next();
            }
        }
        (pending.message, next)
    }

    /// Take the first message; the waker of the send granted the freed
    /// slot, if one waits.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<(T, Option<Waker>)> {
        let message = self.buffer.pop_front()?;
        // Most receives find no send waiting: one test, inline.
        let granted = if self.waiting.is_empty() {
            None
        } else {
            self.grant_next()
        };
        Some((message, granted))
    }

    /// Grant a free slot to the first waiting send (a blocking one's
    /// message moves in); its waker.
    #[inline(never)]
    fn grant_next(&mut self) -> Option<Waker> {
        if self.is_full() {
            return None;
        }
        let key = self.waiting.front()?;
        let pending = self.waiting.data_mut(key);
        if pending.blocking {
            let message = pending
                .message
                .take()
                .expect("a waiting send holds its message");
            self.buffer.push_back(message);
        } else {
            pending.granted = true;
            self.reserved += 1;
        }
        self.waiting.serve(key)
    }

    /// Release every waiting send: each gets its message back.
    pub(super) fn close(&mut self, wakers: &mut WakeBatch) {
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

    /// A send's wait: its node, as a `WaitEntry` would make it.
    fn wait(chan: &mut Bounded<u32>, message: u32, blocking: bool) -> crate::util::wait_list::Key {
        chan.waiting()
            .push(Pending::new(message, blocking), Waker::noop())
    }

    #[test]
    fn a_freed_slot_waits_for_its_send_and_passes_on_if_the_send_leaves() {
        let mut chan = Bounded::new(1);
        chan.try_push(0).unwrap();
        let first = wait(&mut chan, 1, false);
        let second = wait(&mut chan, 2, false);
        assert_eq!(chan.pop().map(|(m, _)| m), Some(0));
        // The slot is `first`'s: nobody else may fill it, and nothing is in.
        assert!(chan.is_full());
        assert_eq!(chan.try_push(9), Err(9));
        assert!(chan.pop().is_none());
        // `first` leaves before it runs: its message was never sent.
        let (pending, waiting) = chan.waiting().remove(first);
        assert!(!waiting);
        let (message, next) = chan.cancel(pending, false);
        assert_eq!((message, next.is_some()), (Some(1), true)); // to `second`
        let (pending, _) = chan.waiting().remove(second);
        assert_eq!(chan.finish_send(pending, false), Ok(()));
        assert_eq!(chan.pop().map(|(m, _)| m), Some(2));
        assert!(!chan.is_full());
    }

    #[test]
    fn a_blocking_sends_message_moves_in_as_soon_as_a_slot_frees() {
        let mut chan = Bounded::new(1);
        chan.try_push(0).unwrap();
        let blocking = wait(&mut chan, 1, true);
        assert_eq!(chan.pop().map(|(m, _)| m), Some(0));
        assert_eq!(chan.pop().map(|(m, _)| m), Some(1)); // before its thread ran
        let (pending, _) = chan.waiting().remove(blocking);
        assert_eq!(chan.finish_send(pending, false), Ok(()));
        assert!(chan.pop().is_none());
    }

    #[test]
    fn close_gives_every_waiting_send_its_message_back() {
        let mut chan = Bounded::new(1);
        chan.try_push(0).unwrap();
        let granted = wait(&mut chan, 1, false);
        let waiting = wait(&mut chan, 2, false);
        let _ = chan.pop();
        chan.close(&mut WakeBatch::new());
        for (key, message) in [(granted, 1), (waiting, 2)] {
            let (pending, _) = chan.waiting().remove(key);
            assert_eq!(chan.finish_send(pending, true), Err(message));
        }
        assert_eq!(chan.reserved, 0);
    }
}
