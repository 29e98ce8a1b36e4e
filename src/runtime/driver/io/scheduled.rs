//! `ScheduledIo`: one registered source's readiness and waiting tasks.
//!
//! # Invariants
//!
//! - The reactor *sets* readiness bits from events; only an operation
//!   that returned `WouldBlock` *clears* the bits it needed. The loop is
//!   single-threaded and dispatches events only between polls of tasks,
//!   so no event can arrive between an operation's `WouldBlock` and the
//!   clear that follows it: a wake-up is never lost, and a task never
//!   spins on stale readiness. The error bit is cleared with the
//!   readiness ([`Direction::clearable`]): the error it announced was
//!   reported by the operation that ran (or by an earlier one), so a
//!   later `WouldBlock` waits for a new event like any other.
//! - There is one reader and one writer waker: the last task to wait for
//!   each direction. (Like tokio's, a source awaited by two readers at
//!   once wakes only the latest; split a stream to read and write from
//!   two tasks.)

use std::cell::Cell;
use std::task::{Context, Poll, Waker};

/// Readiness bits.
pub(crate) const READABLE: u8 = 1 << 0;
pub(crate) const WRITABLE: u8 = 1 << 1;
pub(crate) const READ_CLOSED: u8 = 1 << 2;
pub(crate) const WRITE_CLOSED: u8 = 1 << 3;
pub(crate) const ERROR: u8 = 1 << 4;

/// A direction a task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The bits that make an operation in this direction worth trying:
    /// readiness, but also a hang-up or an error, which the operation then
    /// reports (EOF, `BrokenPipe`, the socket error).
    fn mask(self) -> u8 {
        match self {
            Direction::Read => READABLE | READ_CLOSED | ERROR,
            Direction::Write => WRITABLE | WRITE_CLOSED | ERROR,
        }
    }

    /// The bits a `WouldBlock` proves stale: the readiness, and an error
    /// (a socket reports its pending error, `SO_ERROR`, from the next
    /// operation and then clears it, so an operation that got
    /// `WouldBlock` found none). Hang-ups stay: a read after one returns
    /// end of stream, and a write `BrokenPipe`, never `WouldBlock`.
    fn clearable(self) -> u8 {
        match self {
            Direction::Read => READABLE | ERROR,
            Direction::Write => WRITABLE | ERROR,
        }
    }
}

#[derive(Default)]
pub(crate) struct ScheduledIo {
    readiness: Cell<u8>,
    reader: Cell<Option<Waker>>,
    writer: Cell<Option<Waker>>,
}

impl ScheduledIo {
    /// Record an event's readiness; returns the wakers to wake.
    pub(crate) fn set_ready(&self, bits: u8) -> [Option<Waker>; 2] {
        self.readiness.set(self.readiness.get() | bits);
        let reader = (bits & Direction::Read.mask() != 0)
            .then(|| self.reader.take())
            .flatten();
        let writer = (bits & Direction::Write.mask() != 0)
            .then(|| self.writer.take())
            .flatten();
        [reader, writer]
    }

    /// `Ready` if an operation in `direction` is worth trying; otherwise
    /// store `cx`'s waker for that direction.
    pub(crate) fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        if self.readiness.get() & direction.mask() != 0 {
            return Poll::Ready(());
        }
        let slot = match direction {
            Direction::Read => &self.reader,
            Direction::Write => &self.writer,
        };
        let waker = match slot.take() {
            Some(old) if old.will_wake(cx.waker()) => old,
            _ => cx.waker().clone(),
        };
        slot.set(Some(waker));
        Poll::Pending
    }

    /// An operation in `direction` returned `WouldBlock`.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.readiness
            .set(self.readiness.get() & !direction.clearable());
    }

    /// Wake both waiters (the source is going away).
    pub(crate) fn wake_all(&self) {
        for slot in [&self.reader, &self.writer] {
            if let Some(waker) = slot.take() {
                waker.wake();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_ready(io: &ScheduledIo, direction: Direction) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        io.poll_ready(direction, &mut cx).is_ready()
    }

    #[test]
    fn a_would_block_clears_an_error_it_outlived() {
        let io = ScheduledIo::default();
        let _ = io.set_ready(ERROR);
        assert!(is_ready(&io, Direction::Read));
        assert!(is_ready(&io, Direction::Write));
        // The operation reported the error; the next one got WouldBlock.
        io.clear_ready(Direction::Read);
        assert!(!is_ready(&io, Direction::Read));
        assert!(!is_ready(&io, Direction::Write));
    }

    #[test]
    fn hang_ups_stay_ready() {
        let io = ScheduledIo::default();
        let _ = io.set_ready(READ_CLOSED | WRITE_CLOSED);
        io.clear_ready(Direction::Read);
        io.clear_ready(Direction::Write);
        assert!(is_ready(&io, Direction::Read));
        assert!(is_ready(&io, Direction::Write));
    }
}
