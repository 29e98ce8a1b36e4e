//! [`SendStream`]: a byte stream behind a [`SendWrapper`], still a byte
//! stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::SendWrapper;

/// A uniloop stream (or any `Unpin` byte stream) made `Send` by a
/// [`SendWrapper`], that still reads and writes: `futures_io`'s traits,
/// and with the `tokio-io` feature tokio's. For libraries that demand a
/// `Send` stream although they run it where it is polled (redis'
/// `MultiplexedConnection::new` takes `C: Send`, its driver future
/// spawned on the loop).
///
/// A `SendWrapper<S>` alone is not a stream (neither crate may implement
/// the I/O traits for the other's type); this newtype is.
///
/// # Panics
///
/// Every read, write, flush, close, `get_ref`/`get_mut`, and the drop,
/// on a thread other than the one that called [`new`](Self::new): `...
/// SendWrapper<T> variable from a thread different to the one it has been
/// created with.` (see [`send`](super)).
///
/// # Examples
///
/// ```
/// use uniloop::io::{AsyncReadExt, AsyncWriteExt};
/// use uniloop::send::SendStream;
///
/// fn needs_send<S: Send>(stream: S) -> S {
///     stream
/// }
///
/// uniloop::run(async {
///     let (a, b) = uniloop::net::UnixStream::pair()?;
///     let mut a = needs_send(SendStream::new(a));
///     a.write_all(b"ping").await?;
///     let mut b = b;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SendStream<S>(SendWrapper<S>);

impl<S> SendStream<S> {
    /// Wrap `stream`, on the thread that will use it.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = uniloop::net::UnixStream::pair().unwrap();
    ///     let _wrapped = uniloop::send::SendStream::new(a);
    /// });
    /// ```
    pub fn new(stream: S) -> SendStream<S> {
        SendStream(SendWrapper::new(stream))
    }

    /// The stream.
    ///
    /// # Panics
    ///
    /// On another thread than the one that wrapped it.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = uniloop::net::UnixStream::pair().unwrap();
    ///     let wrapped = uniloop::send::SendStream::new(a);
    ///     assert!(wrapped.get_ref().peer_addr().is_ok());
    /// });
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.0
    }

    /// The stream, mutably.
    ///
    /// # Panics
    ///
    /// On another thread than the one that wrapped it.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = uniloop::net::UnixStream::pair().unwrap();
    ///     let mut wrapped = uniloop::send::SendStream::new(a);
    ///     let _stream: &mut uniloop::net::UnixStream = wrapped.get_mut();
    /// });
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.0
    }

    /// The stream, unwrapped.
    ///
    /// # Panics
    ///
    /// On another thread than the one that wrapped it.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = uniloop::net::UnixStream::pair().unwrap();
    ///     let _stream = uniloop::send::SendStream::new(a).into_inner();
    /// });
    /// ```
    pub fn into_inner(self) -> S {
        self.0.take()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SendStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().0).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SendStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_close(cx)
    }
}

/// With the `tokio-io` feature: tokio's I/O traits, for the crates written
/// against them (redis, ...).
#[cfg(feature = "tokio-io")]
impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for SendStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_read(cx, buf)
    }
}

#[cfg(feature = "tokio-io")]
impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for SendStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().0).poll_shutdown(cx)
    }
}
