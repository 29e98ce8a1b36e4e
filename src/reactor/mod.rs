//! The reactor: the loop's `mio::Poll`, where it parks.
//!
//! The loop parks here when no task is ready, and polls with a zero timeout
//! between batches of tasks while I/O sources are registered, so I/O is
//! never starved by tasks that keep waking themselves.
//!
//! # Spurious events
//!
//! As `mio` documents, readiness events may be spurious; the remote waker's
//! event in particular only means "look at the remote queue", which the loop
//! does after every poll anyway.

use std::cell::{Cell, RefCell};
use std::io;
use std::time::Duration;

use mio::{Events, Poll, Token, Waker};

/// The token of the cross-thread waker.
const WAKE_TOKEN: Token = Token(usize::MAX);

/// The loop's `mio::Poll` and its event buffer.
pub(crate) struct Reactor {
    poll: RefCell<Poll>,
    events: RefCell<Events>,
    /// I/O sources registered (0 until networking registers some): with
    /// none, a non-blocking poll has nothing to find and is skipped.
    sources: Cell<usize>,
    /// Calls to `poll` so far.
    polls: Cell<u64>,
}

impl Reactor {
    /// A reactor and the waker other threads use to interrupt its park.
    pub(crate) fn new(event_capacity: usize) -> io::Result<(Reactor, Waker)> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKE_TOKEN)?;
        let reactor = Reactor {
            poll: RefCell::new(poll),
            events: RefCell::new(Events::with_capacity(event_capacity.max(1))),
            sources: Cell::new(0),
            polls: Cell::new(0),
        };
        Ok((reactor, waker))
    }

    /// Whether a non-blocking poll could find anything besides the waker.
    pub(crate) fn has_sources(&self) -> bool {
        self.sources.get() > 0
    }

    /// Calls to [`poll`](Self::poll) so far.
    #[cfg(test)]
    pub(crate) fn polls(&self) -> u64 {
        self.polls.get()
    }

    /// Wait for events for at most `timeout` (`None`: until one arrives).
    ///
    /// An interrupted wait (`EINTR`) returns early without error: the loop
    /// looks at its queues and comes back.
    pub(crate) fn poll(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.polls.set(self.polls.get() + 1);
        let mut events = self.events.borrow_mut();
        match self.poll.borrow_mut().poll(&mut events, timeout) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            other => other,
        }
    }
}
