//! The I/O driver: the loop's reactor, a `mio::Poll`, where it parks; and
//! [`IoSource`], the registration every socket type does its I/O through.
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
use std::rc::Rc;
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Poll, Registry, Token, Waker};
use slab::Slab;

use crate::util::wake_batch::WakeBatch;

mod io_source;
mod scheduled;

pub(crate) use io_source::IoSource;
pub(crate) use scheduled::Direction;
use scheduled::{ScheduledIo, ERROR, READABLE, READ_CLOSED, WRITABLE, WRITE_CLOSED};

/// The token of the cross-thread waker.
const WAKE_TOKEN: Token = Token(usize::MAX);

/// The loop's `mio::Poll` and its event buffer.
pub(crate) struct Reactor {
    poll: RefCell<Poll>,
    /// A clone of `poll`'s registry, so sources (de)register while `poll`
    /// is borrowed.
    registry: Registry,
    events: RefCell<Events>,
    /// The registered sources, by token. With none, a non-blocking poll
    /// has nothing to find and is skipped.
    sources: RefCell<Slab<Rc<ScheduledIo>>>,
    /// I/O events dispatched so far.
    io_events: Cell<u64>,
    /// Calls to `poll` so far.
    polls: Cell<u64>,
    /// Its runtime was dropped: nothing polls it any more.
    closed: Cell<bool>,
}

impl Reactor {
    /// A reactor and the waker other threads use to interrupt its park.
    pub(crate) fn new(event_capacity: usize) -> io::Result<(Reactor, Waker)> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKE_TOKEN)?;
        let registry = poll.registry().try_clone()?;
        let reactor = Reactor {
            poll: RefCell::new(poll),
            registry,
            events: RefCell::new(Events::with_capacity(event_capacity.max(1))),
            sources: RefCell::new(Slab::new()),
            io_events: Cell::new(0),
            polls: Cell::new(0),
            closed: Cell::new(false),
        };
        Ok((reactor, waker))
    }

    /// Its runtime is gone: I/O sources that outlived it fail from now on
    /// (see `IoSource::poll_io`), and their waiting tasks are woken to see
    /// it.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        let sources: Vec<_> = self
            .sources
            .borrow()
            .iter()
            .map(|(_, io)| io.clone())
            .collect();
        sources.iter().for_each(|io| io.wake_all());
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Whether a non-blocking poll could find anything besides the waker.
    pub(crate) fn has_sources(&self) -> bool {
        !self.sources.borrow().is_empty()
    }

    /// Register `source`; its token and readiness.
    pub(crate) fn register(
        &self,
        source: &mut impl Source,
        interest: Interest,
    ) -> io::Result<(usize, Rc<ScheduledIo>)> {
        let mut sources = self.sources.borrow_mut();
        let entry = sources.vacant_entry();
        let token = entry.key();
        debug_assert_ne!(Token(token), WAKE_TOKEN);
        self.registry.register(source, Token(token), interest)?;
        let io = Rc::new(ScheduledIo::default());
        entry.insert(io.clone());
        Ok((token, io))
    }

    /// Deregister `source` (registered as `token`) and wake whoever waits
    /// on it, so nothing waits on a source that is gone.
    pub(crate) fn deregister(&self, source: &mut impl Source, token: usize) {
        // A failure means the descriptor is no longer registered (closing
        // it removed it from the poll set): nothing is left to undo.
        let _ = self.registry.deregister(source);
        let io = self.sources.borrow_mut().try_remove(token);
        if let Some(io) = io {
            io.wake_all();
        }
    }

    /// I/O events dispatched so far.
    #[allow(dead_code)] // for metrics (issue 9)
    pub(crate) fn io_events(&self) -> u64 {
        self.io_events.get()
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
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            other => other?,
        }
        // Wake after the borrows are released: a woken task only queues,
        // but a foreign waker could run anything.
        let mut wakers = WakeBatch::new();
        {
            let sources = self.sources.borrow();
            for event in events.iter() {
                let Some(io) = sources.get(event.token().0) else {
                    continue; // the remote waker's token
                };
                self.io_events.set(self.io_events.get() + 1);
                let mut bits = 0;
                for (set, bit) in [
                    (event.is_readable(), READABLE),
                    (event.is_writable(), WRITABLE),
                    (event.is_read_closed(), READ_CLOSED),
                    (event.is_write_closed(), WRITE_CLOSED),
                    (event.is_error(), ERROR),
                ] {
                    if set {
                        bits |= bit;
                    }
                }
                let [reader, writer] = io.set_ready(bits);
                wakers.push(reader);
                wakers.push(writer);
            }
        }
        drop(events);
        wakers.wake();
        Ok(())
    }
}
