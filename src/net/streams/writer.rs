//! `StreamWriter` (≙ `asyncio.StreamWriter`): buffered writing to the
//! writing half of a TCP connection.
//!
//! # Invariants
//!
//! - While the writer is open, its [`Core`] holds the half, the bytes not
//!   yet sent (`buf[start..]`) and the first write error, which sticks:
//!   after it nothing is sent and every `drain` reports it.
//! - [`StreamWriter::write`] sends at once only when nothing is buffered,
//!   so bytes leave in the order they were written.
//! - `close` (or dropping the writer with bytes buffered) moves the core
//!   into a task that flushes it and shuts the writing side down; from then
//!   on that task is the only one writing, and `drain` / `wait_closed`
//!   wait for its [`Closing`] event.

use std::cell::RefCell;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready, Context, Poll, Waker};

use futures_io::AsyncWrite;

use super::copy_error;
use crate::net::OwnedWriteHalf;
use crate::runtime::context;
use crate::sync::Event;

/// A buffer whose capacity grew past this is freed once it is empty.
const SHRINK_ABOVE: usize = 1 << 20;

/// Buffered writing to a connection's writing half (≙
/// `asyncio.StreamWriter`), made by [`open_connection`](super::open_connection)
/// and [`start_server`](super::start_server).
///
/// [`write`](Self::write) is synchronous, as in asyncio: when nothing is
/// buffered it sends what the socket takes at once, and buffers the rest.
/// [`drain`](Self::drain) sends the buffer, waiting while the socket is
/// full: that is the backpressure. Unlike asyncio there is no background
/// flushing while the writer is open: bytes buffered stay buffered until
/// the next `drain`, [`close`](Self::close) or drop, so write-then-drain,
/// as asyncio recommends.
///
/// [`close`](Self::close) flushes what is buffered in a task of its own,
/// then shuts the writing side down (the peer reads end of stream);
/// [`wait_closed`](Self::wait_closed) waits for that. Dropping an open
/// writer closes it the same way.
///
/// # Examples
///
/// ```
/// use uniloop::net::{open_connection, start_server};
///
/// uniloop::run(async {
///     let server = start_server("127.0.0.1:0", |mut reader, _writer| async move {
///         assert_eq!(reader.read_to_end().await.unwrap(), b"hello, world");
///     })
///     .await
///     .unwrap();
///     let (_reader, mut writer) = open_connection(server.local_addr().unwrap()).await.unwrap();
///     writer.write(b"hello, ");
///     writer.write(b"world");
///     writer.drain().await.unwrap();
///     writer.close();
///     writer.wait_closed().await.unwrap();
/// });
/// ```
pub struct StreamWriter {
    /// `None` once closed: the closing task has it, or it is gone.
    core: Option<Core>,
    /// Set by `close`.
    closing: Option<Rc<Closing>>,
    /// `write_eof` or `close` was called.
    eof: bool,
    peer: io::Result<SocketAddr>,
}

/// The half, the bytes not yet sent and the sticky error.
struct Core {
    half: OwnedWriteHalf,
    buf: Vec<u8>,
    start: usize,
    error: Option<io::Error>,
    /// Shut the writing side down once the buffer is empty.
    shutdown_pending: bool,
}

/// The close in progress: set when the closing task is done, with its
/// error if it failed.
#[derive(Default)]
struct Closing {
    done: Event,
    error: RefCell<Option<io::Error>>,
}

impl StreamWriter {
    /// A writer over `half`.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{StreamWriter, TcpListener, TcpStream};
    ///
    /// uniloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (_read_half, write_half) = stream.into_split();
    ///     let mut writer = StreamWriter::new(write_half);
    ///     writer.write(b"hi");
    ///     writer.drain().await.unwrap();
    /// });
    /// ```
    pub fn new(half: OwnedWriteHalf) -> StreamWriter {
        StreamWriter {
            peer: half.peer_addr(),
            core: Some(Core {
                half,
                buf: Vec::new(),
                start: 0,
                error: None,
                shutdown_pending: false,
            }),
            closing: None,
            eof: false,
        }
    }

    /// Write `data` (≙ `StreamWriter.write`): synchronous. If nothing is
    /// buffered, what the socket takes is sent at once; the rest is
    /// buffered for [`drain`](Self::drain). After a write error, `data`
    /// is discarded and `drain` reports the error.
    ///
    /// # Panics
    ///
    /// After [`write_eof`](Self::write_eof) or [`close`](Self::close)
    /// (asyncio raises `RuntimeError`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let (_r, mut writer) = uniloop::net::open_connection(listener.local_addr().unwrap()).await.unwrap();
    ///     writer.write(b"ping\n");
    ///     assert_eq!(writer.write_buffer_size(), 0); // the socket took it
    /// });
    /// ```
    pub fn write(&mut self, data: &[u8]) {
        assert!(
            !self.eof,
            "StreamWriter::write() after write_eof() or close()"
        );
        let Some(core) = self.core.as_mut() else {
            unreachable!("an open writer has its core")
        };
        core.write(data);
    }

    /// How many bytes are buffered, not yet sent (≙
    /// `transport.get_write_buffer_size()`).
    ///
    /// # Examples
    ///
    /// See [`write`](Self::write).
    pub fn write_buffer_size(&self) -> usize {
        self.core
            .as_ref()
            .map_or(0, |core| core.buf.len() - core.start)
    }

    /// Send everything buffered (≙ `await StreamWriter.drain()`), waiting
    /// while the socket is full; then, after [`write_eof`](Self::write_eof),
    /// shut the writing side down. After [`close`](Self::close), wait for
    /// the close instead ([`wait_closed`](Self::wait_closed)).
    ///
    /// It returns once the buffer is empty (asyncio's returns once it is
    /// below a low-water mark and flushes the rest in the background),
    /// and at once when nothing is buffered.
    ///
    /// # Errors
    ///
    /// The connection's write error (`BrokenPipe` once the peer has closed,
    /// `ConnectionReset`, ...): the first one, every time, from then on.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: unsent bytes stay buffered; drain again to send them.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |mut r, _w| async move {
    ///         assert_eq!(r.read_to_end().await.unwrap().len(), 1 << 22);
    ///     })
    ///     .await
    ///     .unwrap();
    ///     let (_r, mut writer) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     writer.write(&vec![7; 1 << 22]); // more than the socket takes at once
    ///     writer.drain().await.unwrap();
    ///     assert_eq!(writer.write_buffer_size(), 0);
    /// });
    /// ```
    pub async fn drain(&mut self) -> io::Result<()> {
        match &mut self.core {
            Some(core) => poll_fn(|cx| core.poll_flush(cx)).await,
            None => self.wait_closed().await,
        }
    }

    /// Shut the writing side down once the buffer is sent (≙
    /// `StreamWriter.write_eof()`): at once if nothing is buffered,
    /// otherwise at the end of the next [`drain`](Self::drain) (or of the
    /// close). The peer then reads end of stream; this side can still
    /// read.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |mut r, mut w| async move {
    ///         let request = r.read_to_end().await.unwrap(); // until write_eof
    ///         w.write(&request);
    ///     })
    ///     .await
    ///     .unwrap();
    ///     let (mut reader, mut writer) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     writer.write(b"question");
    ///     writer.write_eof();
    ///     writer.drain().await.unwrap();
    ///     assert_eq!(reader.read_to_end().await.unwrap(), b"question");
    /// });
    /// ```
    pub fn write_eof(&mut self) {
        if self.eof {
            return;
        }
        self.eof = true;
        if let Some(core) = self.core.as_mut() {
            core.shutdown_pending = true;
            if core.start == core.buf.len() {
                // Shutting down never waits, so a no-op waker is enough.
                let _ = core.poll_flush(&mut Context::from_waker(Waker::noop()));
            }
        }
    }

    /// Whether [`close`](Self::close) was called (≙
    /// `StreamWriter.is_closing()`).
    ///
    /// # Examples
    ///
    /// See [`close`](Self::close).
    pub fn is_closing(&self) -> bool {
        self.closing.is_some()
    }

    /// Begin closing (≙ `StreamWriter.close()`): synchronous. What is
    /// buffered is sent by a task of its own, then the writing side is
    /// shut down, so the peer reads end of stream (the reading half, which
    /// the [`StreamReader`](super::StreamReader) owns, stays open until it
    /// is dropped). [`wait_closed`](Self::wait_closed) waits for the
    /// close to finish. Calling it again does nothing.
    ///
    /// The closing task holds the socket until the buffer is sent, so a
    /// peer that never reads keeps it open.
    ///
    /// # Panics
    ///
    /// With bytes buffered, outside a uniloop runtime (it spawns the
    /// closing task).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let (_r, mut writer) = uniloop::net::open_connection(listener.local_addr().unwrap()).await.unwrap();
    ///     writer.write(b"bye\n");
    ///     writer.close();
    ///     assert!(writer.is_closing());
    ///     writer.wait_closed().await.unwrap();
    /// });
    /// ```
    pub fn close(&mut self) {
        if self.closing.is_some() {
            return;
        }
        self.write_eof();
        let closing = Rc::new(Closing::default());
        self.closing = Some(closing.clone());
        let Some(mut core) = self.core.take() else {
            unreachable!("an open writer has its core")
        };
        if core.is_idle() {
            *closing.error.borrow_mut() = core.error.take();
            drop(core);
            closing.done.set();
            return;
        }
        drop(crate::spawn(async move {
            let flushed = poll_fn(|cx| core.poll_flush(cx)).await;
            drop(core); // the socket's writing side is shut down by now
            *closing.error.borrow_mut() = flushed.err();
            closing.done.set();
        }));
    }

    /// Wait until the close is done (≙ `await StreamWriter.wait_closed()`):
    /// everything buffered sent and the writing side shut down. Calls
    /// [`close`](Self::close) first if it was not called.
    ///
    /// # Errors
    ///
    /// The connection's write error, if sending the buffer failed (its
    /// bytes are lost).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the close goes on in its own task.
    ///
    /// # Examples
    ///
    /// See [`close`](Self::close).
    pub async fn wait_closed(&mut self) -> io::Result<()> {
        self.close();
        let Some(closing) = &self.closing else {
            unreachable!("close() sets it")
        };
        closing.done.wait().await;
        match &*closing.error.borrow() {
            Some(e) => Err(copy_error(e)),
            None => Ok(()),
        }
    }

    /// The peer's address (≙ `get_extra_info("peername")`), kept from when
    /// the writer was made.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let (_r, writer) = uniloop::net::open_connection(addr).await.unwrap();
    ///     assert_eq!(writer.peer_addr().unwrap(), addr);
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match &self.peer {
            Ok(addr) => Ok(*addr),
            Err(e) => Err(copy_error(e)),
        }
    }
}

impl Drop for StreamWriter {
    /// An open writer with bytes buffered closes as [`close`](Self::close)
    /// does, if a runtime is there to run the closing task; otherwise the
    /// half is dropped, which shuts the writing side down.
    fn drop(&mut self) {
        let busy = self.core.as_ref().is_some_and(|core| !core.is_idle());
        if busy && context::with_current(|_| ()).is_some() {
            self.close();
        }
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("peer_addr", &self.peer.as_ref().ok())
            .field("buffered", &self.write_buffer_size())
            .field("eof", &self.eof)
            .field("closing", &self.is_closing())
            .finish()
    }
}

impl Core {
    /// Nothing to send and no shutdown to do.
    fn is_idle(&self) -> bool {
        self.error.is_some() || (self.start == self.buf.len() && !self.shutdown_pending)
    }

    fn write(&mut self, mut data: &[u8]) {
        if self.error.is_some() || data.is_empty() {
            return;
        }
        if self.start == self.buf.len() {
            // Nothing buffered: try the socket now, without waiting.
            match self.half.try_write(data) {
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return self.fail(e),
            }
            if data.is_empty() {
                return;
            }
        } else if self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Send the buffer, then shut down if asked to.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = &self.error {
            return Poll::Ready(Err(copy_error(e)));
        }
        while self.start < self.buf.len() {
            let unsent = &self.buf[self.start..];
            match ready!(Pin::new(&mut self.half).poll_write(cx, unsent)) {
                Ok(0) => return Poll::Ready(Err(self.failed(io::ErrorKind::WriteZero.into()))),
                Ok(n) => self.start += n,
                Err(e) => return Poll::Ready(Err(self.failed(e))),
            }
        }
        self.start = 0;
        self.buf.clear();
        if self.buf.capacity() > SHRINK_ABOVE {
            self.buf = Vec::new();
        }
        if self.shutdown_pending {
            self.shutdown_pending = false;
            if let Err(e) = ready!(Pin::new(&mut self.half).poll_close(cx)) {
                return Poll::Ready(Err(self.failed(e)));
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Record `e` as the sticky error and drop the unsent bytes.
    fn fail(&mut self, e: io::Error) {
        self.buf = Vec::new();
        self.start = 0;
        self.error = Some(e);
    }

    /// [`fail`](Self::fail), returning a copy of `e`.
    fn failed(&mut self, e: io::Error) -> io::Error {
        let copy = copy_error(&e);
        self.fail(e);
        copy
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::io::AsyncReadExt;
    use crate::net::{TcpListener, TcpStream};

    /// A writer over a connection, and the peer's stream.
    async fn pair() -> (StreamWriter, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (peer, _) = listener.accept().await.unwrap();
        (StreamWriter::new(client.into_split().1), peer)
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn drain_waits_while_the_peer_does_not_read() {
        crate::run(async {
            let (mut writer, mut peer) = pair().await;
            let data = pattern(32 << 20); // far more than the socket buffers hold
            writer.write(&data);
            assert!(writer.write_buffer_size() > 0);
            // The peer reads nothing: drain cannot finish ...
            let blocked = crate::timeout(Duration::from_millis(50), writer.drain()).await;
            assert!(blocked.is_err());
            let left = writer.write_buffer_size();
            assert!(left > 0);
            // ... until it does; the cancelled drain lost nothing.
            let reader = crate::spawn(async move {
                let mut got = Vec::new();
                peer.read_to_end(&mut got).await.unwrap();
                got
            });
            writer.drain().await.unwrap();
            assert_eq!(writer.write_buffer_size(), 0);
            drop(writer);
            assert!(reader.await.unwrap() == data);
        });
    }

    #[test]
    fn close_flushes_in_the_background_then_shuts_down() {
        crate::run(async {
            let (mut writer, mut peer) = pair().await;
            let data = pattern(8 << 20);
            writer.write(&data);
            writer.close();
            assert!(writer.is_closing());
            let mut got = Vec::new();
            peer.read_to_end(&mut got).await.unwrap(); // ends: shut down
            assert!(got == data);
            writer.wait_closed().await.unwrap();
            writer.drain().await.unwrap(); // after close: waits for it
        });
    }

    #[test]
    fn dropping_a_writer_with_bytes_buffered_still_sends_them() {
        crate::run(async {
            let (mut writer, mut peer) = pair().await;
            let data = pattern(8 << 20);
            writer.write(&data);
            assert!(writer.write_buffer_size() > 0);
            drop(writer);
            let mut got = Vec::new();
            peer.read_to_end(&mut got).await.unwrap();
            assert!(got == data);
        });
    }

    #[test]
    fn write_eof_after_drain_lets_the_writer_read_on() {
        crate::run(async {
            let (mut writer, mut peer) = pair().await;
            writer.write(b"abc");
            writer.write_eof();
            writer.drain().await.unwrap();
            let mut got = Vec::new();
            peer.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"abc");
        });
    }

    #[test]
    fn writing_to_a_closed_peer_is_a_sticky_error() {
        crate::run(async {
            let (mut writer, peer) = pair().await;
            drop(peer);
            let mut failed = None;
            // The first writes may land in the kernel before the reset
            // comes back; keep writing until one fails.
            for _ in 0..1000 {
                writer.write(&[0; 1024]);
                if let Err(e) = writer.drain().await {
                    failed = Some(e);
                    break;
                }
                crate::sleep(Duration::from_millis(1)).await;
            }
            let kind = failed.expect("the write never failed").kind();
            assert!(
                matches!(
                    kind,
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ),
                "{kind:?}"
            );
            writer.write(b"discarded");
            assert_eq!(writer.write_buffer_size(), 0);
            assert_eq!(writer.drain().await.unwrap_err().kind(), kind);
            assert_eq!(writer.wait_closed().await.unwrap_err().kind(), kind);
        });
    }

    #[test]
    #[should_panic(expected = "after write_eof() or close()")]
    fn write_after_close_panics() {
        crate::run(async {
            let (mut writer, _peer) = pair().await;
            writer.close();
            writer.write(b"late");
        });
    }
}
