//! `TcpListener`: accepts TCP connections on the loop.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::stream::TcpStream;
use crate::net::accept::{self, no_addresses};
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::runtime::driver::io::IoSource;

/// A TCP socket listening for connections (≙ the listening socket of
/// `asyncio.start_server`; tokio's `TcpListener`).
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
///     uniloop::spawn(async move {
///         let (mut conn, _) = listener.accept().await.unwrap();
///         conn.write_all(b"hello").await.unwrap();
///     });
///     let mut client = TcpStream::connect(addr).await.unwrap();
///     let mut buf = Vec::new();
///     client.read_to_end(&mut buf).await.unwrap();
///     assert_eq!(buf, b"hello");
/// });
/// ```
pub struct TcpListener {
    io: IoSource<mio::net::TcpListener>,
}

impl TcpListener {
    /// Listen on `addr` (the first of its addresses that binds). Port 0
    /// picks a free port; [`local_addr`](Self::local_addr) tells which.
    /// `SO_REUSEADDR` is set, as asyncio and tokio do.
    ///
    /// # Errors
    ///
    /// The last address's error if none binds (`AddrInUse`, ...), or the
    /// resolver's.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::TcpListener::bind() called
    /// outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is bound until it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(listener.local_addr().unwrap().port() > 0);
    /// });
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::bind_as(addr, "net::TcpListener::bind").await
    }

    /// [`bind`](Self::bind) for a public call named `function`.
    pub(crate) async fn bind_as(
        addr: impl ToSocketAddrs,
        function: &'static str,
    ) -> io::Result<TcpListener> {
        let mut last = None;
        for addr in resolve(addr, function).await? {
            match mio::net::TcpListener::bind(addr) {
                Ok(listener) => return TcpListener::register(listener, function),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(no_addresses))
    }

    /// Use a listener made with `std` (for socket options uniloop does not
    /// expose, such as `SO_REUSEPORT` for one loop per core). It is made
    /// non-blocking here.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::TcpListener::from_std()
    /// called outside a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let listener = uniloop::net::TcpListener::from_std(std_listener).unwrap();
    ///     assert!(listener.local_addr().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        let listener = mio::net::TcpListener::from_std(listener);
        TcpListener::register(listener, "net::TcpListener::from_std")
    }

    #[track_caller]
    fn register(listener: mio::net::TcpListener, function: &str) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: IoSource::new(listener, function)?,
        })
    }

    /// Wait for the next connection: the stream and the peer's address.
    ///
    /// When the process runs out of descriptors (`EMFILE`, `ENFILE`) or
    /// kernel memory, it does not spin and does not fail: it pauses 10 ms,
    /// doubling up to 100 ms, and tries again, so a server keeps serving
    /// once descriptors free up (as asyncio's loop does). A connection
    /// reset or aborted before it was accepted is skipped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is taken only when it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let client = uniloop::spawn(uniloop::net::TcpStream::connect(addr));
    ///     let (_conn, peer) = listener.accept().await.unwrap();
    ///     assert_eq!(peer, client.await.unwrap().unwrap().local_addr().unwrap());
    /// });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, peer) = accept::accept(&self.io, |l| l.accept()).await?;
        Ok((TcpStream::from_mio(stream)?, peer))
    }

    /// The address it listens on.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The incoming connections as a [`Stream`] of `io::Result<TcpStream>`
    /// (the stream never ends).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    ///
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let _client = uniloop::spawn(uniloop::net::TcpStream::connect(addr));
    ///     let mut incoming = listener.incoming();
    ///     let first = poll_fn(|cx| Pin::new(&mut incoming).poll_next(cx)).await;
    ///     assert!(first.unwrap().is_ok());
    /// });
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming {
            listener: self,
            accept: None,
        }
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// The stream of [`TcpListener::incoming`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let incoming: uniloop::net::Incoming<'_> = listener.incoming();
///     # drop(incoming);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
    #[allow(clippy::type_complexity)]
    accept: Option<
        Pin<Box<dyn std::future::Future<Output = io::Result<(TcpStream, SocketAddr)>> + 'a>>,
    >,
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let listener = self.listener;
        let accept = self
            .accept
            .get_or_insert_with(|| Box::pin(listener.accept()));
        let accepted = std::task::ready!(accept.as_mut().poll(cx));
        self.accept = None;
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}

impl fmt::Debug for Incoming<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("listener", self.listener)
            .finish()
    }
}
