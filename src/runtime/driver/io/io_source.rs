//! `IoSource`: a `mio` source registered with the loop's reactor, and the
//! one way every socket type does non-blocking I/O.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{ready, Context, Poll};

use mio::event::Source;
use mio::Interest;

use super::scheduled::{Direction, ScheduledIo};
use super::Reactor;
use crate::runtime::context;

/// A registered source: readable and writable interest, edge-triggered.
/// Deregistered when dropped.
pub(crate) struct IoSource<S: Source> {
    source: S,
    io: Rc<ScheduledIo>,
    token: usize,
    reactor: Rc<Reactor>,
}

impl<S: Source> IoSource<S> {
    /// Register `source` with the current runtime's reactor.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime, naming `function`.
    #[track_caller]
    pub(crate) fn new(mut source: S, function: &str) -> io::Result<IoSource<S>> {
        let reactor = context::expect_current(function, |core| core.io().clone());
        let (token, io) = reactor.register(&mut source, Interest::READABLE | Interest::WRITABLE)?;
        Ok(IoSource {
            source,
            io,
            token,
            reactor,
        })
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.source
    }

    /// Run `op` once the source is ready in `direction`; when it returns
    /// `WouldBlock`, clear that readiness and wait for the next event.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.check_open()?;
        loop {
            ready!(self.io.poll_ready(direction, cx));
            match op(&self.source) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.io.clear_ready(direction),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                done => return Poll::Ready(done),
            }
        }
    }

    /// [`poll_io`](Self::poll_io) for a byte stream's read or write of
    /// `len` bytes. A transfer shorter than `len` (but not 0) also clears
    /// the readiness: with edge-triggered polling, a short read means the
    /// socket's receive buffer was emptied (a short write, that its send
    /// buffer filled), so trying again could only get `WouldBlock`. Data
    /// (or room) that comes later raises a new event. This saves a system
    /// call per message in request-response traffic.
    pub(crate) fn poll_stream_io(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let polled = self.poll_io(direction, cx, op);
        if let Poll::Ready(Ok(n)) = polled {
            self.clear_if_short(direction, len, n);
        }
        polled
    }

    /// Run `op` now, without waiting and without touching the waiting
    /// tasks' wakers (the core of a `try_` method): `WouldBlock` clears
    /// the readiness in `direction`, as in [`poll_io`](Self::poll_io),
    /// and is returned.
    ///
    /// `op` runs even when no event has marked the source ready: the
    /// readiness is a hint, and reading it here would take a waker slot.
    /// At worst that is one system call that returns `WouldBlock`.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check_open()?;
        loop {
            match op(&self.source) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.io.clear_ready(direction);
                    return Err(e);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                done => return done,
            }
        }
    }

    /// [`try_io`](Self::try_io) for a byte stream's read or write of `len`
    /// bytes; a short transfer clears the readiness, as in
    /// [`poll_stream_io`](Self::poll_stream_io).
    pub(crate) fn try_stream_io(
        &self,
        direction: Direction,
        len: usize,
        op: impl FnMut(&S) -> io::Result<usize>,
    ) -> io::Result<usize> {
        let done = self.try_io(direction, op);
        if let Ok(n) = done {
            self.clear_if_short(direction, len, n);
        }
        done
    }

    /// A transfer of `n` of `len` bytes that stopped short (but not at 0,
    /// which is end of stream) emptied or filled the socket's buffer.
    fn clear_if_short(&self, direction: Direction, len: usize, n: usize) {
        if n > 0 && n < len {
            self.io.clear_ready(direction);
        }
    }

    /// [`poll_io`](Self::poll_io) as a future.
    pub(crate) async fn io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| self.poll_io(direction, cx, &mut op)).await
    }

    /// Wait until the source is ready in `direction` (or has hung up or
    /// failed, or its runtime is gone), without running an operation.
    pub(crate) fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        if self.reactor.is_closed() {
            return Poll::Ready(());
        }
        self.io.poll_ready(direction, cx)
    }

    /// An error once the runtime this source was registered with is gone:
    /// no reactor will report its readiness again, so waiting would hang.
    fn check_open(&self) -> io::Result<()> {
        if !self.reactor.is_closed() {
            return Ok(());
        }
        let name = std::any::type_name::<S>()
            .rsplit("::")
            .next()
            .unwrap_or("source");
        Err(io::Error::other(format!(
            "uniloop: the runtime this {name} was created on has been dropped"
        )))
    }

    /// Forget readiness in `direction` (an operation outside
    /// [`poll_io`](Self::poll_io) returned `WouldBlock`).
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.io.clear_ready(direction);
    }
}

impl<S: Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        self.reactor.deregister(&mut self.source, self.token);
    }
}

impl<S: Source + fmt::Debug> fmt::Debug for IoSource<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}
