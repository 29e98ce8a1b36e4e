//! `TcpStream`: a TCP connection on the loop.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};

use crate::net::accept::no_addresses;
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::net::stream_io;
use crate::runtime::driver::io::{Direction, IoSource};

/// A TCP connection (≙ the socket under asyncio's `StreamReader` /
/// `StreamWriter`; tokio's `TcpStream`). It implements
/// `futures_io::AsyncRead` and `AsyncWrite`, so
/// [`AsyncReadExt`](crate::io::AsyncReadExt),
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt) and the futures ecosystem
/// work on it. `&TcpStream` does too, so one task can read while another
/// writes ([`split`](Self::split)).
///
/// A write to a connection the peer closed fails with `BrokenPipe`; it
/// does not raise `SIGPIPE` (Rust programs ignore that signal from `main`
/// on; a host program that restores it must ignore it too).
///
/// # Examples
///
/// ```
/// use uniloop::io::{AsyncReadExt, AsyncWriteExt};
/// use uniloop::net::{TcpListener, TcpStream};
///
/// uniloop::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let echo = uniloop::spawn(async move {
///         let (mut conn, _) = listener.accept().await.unwrap();
///         let mut buf = [0; 4];
///         conn.read_exact(&mut buf).await.unwrap();
///         conn.write_all(&buf).await.unwrap();
///     });
///     let mut client = TcpStream::connect(addr).await.unwrap();
///     client.write_all(b"ping").await.unwrap();
///     let mut buf = [0; 4];
///     client.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
///     echo.await.unwrap();
/// });
/// ```
pub struct TcpStream {
    io: IoSource<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connect to `addr`, trying each of its addresses in turn; host names
    /// are resolved off the loop.
    ///
    /// # Errors
    ///
    /// The last address's error (`ConnectionRefused` for a closed port),
    /// or the resolver's.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::TcpStream::connect()
    /// called outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// Dropping it closes the connection being made.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     // A port nothing listens on: bind one, then free it.
    ///     let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    ///     let err = uniloop::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// });
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        TcpStream::connect_as(addr, "net::TcpStream::connect").await
    }

    /// [`connect`](Self::connect) for a public call named `function`.
    pub(crate) async fn connect_as(
        addr: impl ToSocketAddrs,
        function: &'static str,
    ) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in resolve(addr, function).await? {
            match TcpStream::connect_one(addr, function).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(no_addresses))
    }

    async fn connect_one(addr: SocketAddr, function: &'static str) -> io::Result<TcpStream> {
        let stream = mio::net::TcpStream::connect(addr)?;
        let io = IoSource::new(stream, function)?;
        // As mio documents: wait for writability, then the socket error
        // or the peer address tell whether the connection was made.
        loop {
            std::future::poll_fn(|cx| io.poll_ready(Direction::Write, cx)).await;
            if let Some(e) = io.get_ref().take_error()? {
                return Err(e);
            }
            match io.get_ref().peer_addr() {
                Ok(_) => return Ok(TcpStream { io }),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                    io.clear_ready(Direction::Write);
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(stream, "net::TcpListener::accept")?,
        })
    }

    /// Use a connected stream made with `std` (for socket options uniloop
    /// does not expose). It is made non-blocking here.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::TcpStream::from_std()
    /// called outside a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let std_stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    ///     let stream = uniloop::net::TcpStream::from_std(std_stream).unwrap();
    ///     assert!(stream.peer_addr().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: IoSource::new(
                mio::net::TcpStream::from_std(stream),
                "net::TcpStream::from_std",
            )?,
        })
    }

    /// The peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let stream = uniloop::net::TcpStream::connect(addr).await.unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap(), addr);
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = uniloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert!(stream.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Turn Nagle's algorithm off (`true`) or on: with it off, small
    /// writes go out at once, which request-response protocols want.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = uniloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     stream.set_nodelay(true).unwrap();
    ///     assert!(stream.nodelay().unwrap());
    /// });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = uniloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert!(!stream.nodelay().unwrap());
    /// });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Shut down reading, writing or both; after `Shutdown::Write` the peer
    /// reads end of stream (≙ `StreamWriter.write_eof()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncReadExt;
    ///
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let client = uniloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (mut server, _) = listener.accept().await.unwrap();
    ///     client.shutdown(std::net::Shutdown::Write).unwrap();
    ///     assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0); // end of stream
    /// });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Write what the socket takes of `buf` now, without waiting (the
    /// core of [`StreamWriter::write`](crate::net::StreamWriter::write)).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the socket takes nothing now; the write's error
    /// otherwise.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write_stream(buf)
    }

    /// Borrow a reading half and a writing half, to read in one future and
    /// write in another (`gather!` them, or use them in one task). No
    /// lock: both are `&TcpStream`, which reads and writes.
    ///
    /// **On an owned stream, call it as `TcpStream::split(&mut stream)`**
    /// (or on a `&mut TcpStream`): with
    /// [`AsyncReadExt`](crate::io::AsyncReadExt) in scope, `stream.split()`
    /// on an owned stream is that trait's `split(self)`, futures'
    /// lock-based split, which consumes the stream (Rust tries `self`
    /// before `&mut self`). For owned halves that move into separate
    /// tasks, use [`into_split`](Self::into_split).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::{AsyncReadExt, AsyncWriteExt};
    /// use uniloop::net::TcpStream;
    ///
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (mut server, _) = listener.accept().await.unwrap();
    ///     let (mut reader, mut writer): (&TcpStream, &TcpStream) = TcpStream::split(&mut client);
    ///     let mut buf = [0; 2];
    ///     let (wrote, read) = uniloop::gather!(
    ///         async { writer.write_all(b"hi").await },
    ///         async { server.read_exact(&mut buf).await },
    ///     )
    ///     .await;
    ///     wrote.unwrap();
    ///     read.unwrap();
    ///     assert_eq!(&buf, b"hi");
    ///     # let _ = &mut reader;
    ///     client.close().await.unwrap(); // still ours: it was borrowed
    /// });
    /// ```
    pub fn split(&mut self) -> (&TcpStream, &TcpStream) {
        (self, self)
    }

    /// Split into owned halves that can move into separate tasks; dropping
    /// the writing half shuts the writing side down. This is uniloop's
    /// owned split (no lock, the halves share the stream): prefer it to
    /// `AsyncReadExt::split`, which `stream.split()` on an owned stream
    /// resolves to (see [`split`](Self::split)).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let client = uniloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (mut server, _) = listener.accept().await.unwrap();
    ///     let (_reader, mut writer) = client.into_split();
    ///     uniloop::spawn(async move { writer.write_all(b"bye").await.unwrap() });
    ///     let mut got = Vec::new();
    ///     server.read_to_end(&mut got).await.unwrap(); // ends when the writer is dropped
    ///     assert_eq!(got, b"bye");
    /// });
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        let stream = std::rc::Rc::new(self);
        (
            OwnedReadHalf {
                stream: stream.clone(),
            },
            OwnedWriteHalf { stream },
        )
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

stream_io::impl_async_io!(TcpStream, |this| this);
stream_io::impl_async_io!(&TcpStream, |this| *this);
#[cfg(feature = "hyper")]
stream_io::impl_poll_stream!(TcpStream);
stream_io::impl_async_io!(OwnedReadHalf, |this| this.stream);
stream_io::impl_async_io!(OwnedWriteHalf, |this| this.stream);

/// The reading half of [`TcpStream::into_split`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let client = uniloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
///     let (reader, _writer): (uniloop::net::OwnedReadHalf, _) = client.into_split();
///     assert!(reader.peer_addr().is_ok());
/// });
/// ```
pub struct OwnedReadHalf {
    stream: std::rc::Rc<TcpStream>,
}

impl OwnedReadHalf {
    /// The peer's address.
    ///
    /// # Examples
    ///
    /// See [`OwnedReadHalf`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl fmt::Debug for OwnedReadHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedReadHalf").field(&self.stream).finish()
    }
}

/// The writing half of [`TcpStream::into_split`]; dropping it shuts the
/// writing side down, so the peer reads end of stream.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let client = uniloop::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
///     let (_reader, writer): (_, uniloop::net::OwnedWriteHalf) = client.into_split();
///     assert!(writer.peer_addr().is_ok());
/// });
/// ```
pub struct OwnedWriteHalf {
    stream: std::rc::Rc<TcpStream>,
}

impl OwnedWriteHalf {
    /// The peer's address.
    ///
    /// # Examples
    ///
    /// See [`OwnedWriteHalf`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }
}

impl OwnedWriteHalf {
    /// [`TcpStream::try_write`] on the connection.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.stream.try_write(buf)
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

impl fmt::Debug for OwnedWriteHalf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedWriteHalf").field(&self.stream).finish()
    }
}

#[allow(dead_code)]
fn assert_unpin() {
    fn unpin<T: Unpin>() {}
    unpin::<TcpStream>();
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;
    use std::time::Duration;

    use super::*;
    use crate::io::{AsyncReadExt, AsyncWriteExt};

    /// A connection's two ends.
    async fn pair() -> (TcpStream, TcpStream) {
        let listener = crate::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (client, server)
    }

    #[test]
    fn try_write_sends_now_until_the_socket_is_full() {
        crate::run(async {
            let (client, mut server) = pair().await;
            assert_eq!(client.try_write(b"ping").unwrap(), 4);
            let mut buf = [0; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            let chunk = [1; 64 * 1024];
            let mut sent = 0;
            let full = loop {
                match client.try_write(&chunk) {
                    Ok(n) => sent += n,
                    Err(e) => break e,
                }
                assert!(sent < 1 << 30, "the socket never filled");
            };
            assert_eq!(full.kind(), io::ErrorKind::WouldBlock);
            // Readiness is cleared, so a write now waits for the peer.
            let mut got = vec![0; sent];
            let (wrote, read) = crate::gather!((&client).write_all(b"!"), async {
                server.read_exact(&mut got).await
            })
            .await;
            wrote.unwrap();
            read.unwrap();
            assert!(got.iter().all(|&b| b == 1));
            server.read_exact(&mut buf[..1]).await.unwrap();
            assert_eq!(buf[0], b'!');
        });
    }

    /// `try_write` takes no waker slot: a task waiting to write on the
    /// same socket is still woken when there is room.
    #[test]
    fn try_write_leaves_a_waiting_writer_its_wake_up() {
        crate::run(async {
            let (client, mut server) = pair().await;
            let client = Rc::new(client);
            let data: Vec<u8> = (0..32u32 << 20).map(|i| (i % 251) as u8).collect();
            let writer = crate::spawn({
                let (client, data) = (client.clone(), data.clone());
                async move { (&*client).write_all(&data).await }
            });
            crate::yield_now().await; // the writer fills the socket and waits
            let err = client.try_write(b"x").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
            let mut got = vec![0; data.len()];
            let read_all = async {
                server.read_exact(&mut got).await.unwrap();
                writer.await.unwrap().unwrap();
            };
            crate::timeout(Duration::from_secs(10), read_all)
                .await
                .expect("the waiting writer was never woken");
            assert!(got == data);
        });
    }
}
