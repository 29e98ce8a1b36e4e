//! Async I/O traits: `futures_io`'s `AsyncRead` / `AsyncWrite` (which
//! every uniloop stream implements, so the futures ecosystem works), and
//! small extension traits with the everyday methods.
//!
//! [`AsyncReadExt`] and [`AsyncWriteExt`] are the few methods most code
//! needs (`read`, `read_exact`, `read_to_end`, `write_all`, `flush`,
//! `close`), for any `futures_io` reader or writer; `futures::io`'s
//! extension traits work as well.
//!
//! # Examples
//!
//! The extension traits on a [`TcpStream`](crate::net::TcpStream) (≙
//! `writer.write(data); await writer.drain()`, `writer.close()`, `await
//! reader.read()`):
//!
//! ```
//! use uniloop::io::{AsyncReadExt, AsyncWriteExt};
//! use uniloop::net::{TcpListener, TcpStream};
//!
//! uniloop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let mut client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (mut server, _) = listener.accept().await?;
//!     client.write_all(b"GET /\n").await?;
//!     client.close().await?; // shuts the write side: the server reads to its end
//!     let mut request = Vec::new();
//!     server.read_to_end(&mut request).await?;
//!     assert_eq!(request, b"GET /\n");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;

pub use futures_io::{AsyncRead, AsyncWrite};

/// Reading helpers for every [`AsyncRead`].
///
/// # Examples
///
/// ```
/// use uniloop::io::AsyncReadExt;
///
/// uniloop::run(async {
///     let mut input: &[u8] = b"hello";
///     let mut buf = [0; 5];
///     input.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
/// });
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// Read some bytes into `buf`; `Ok(0)` at end of stream (or when `buf`
    /// is empty).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no bytes are taken unless it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncReadExt;
    ///
    /// uniloop::run(async {
    ///     let mut input: &[u8] = b"abc";
    ///     let mut buf = [0; 8];
    ///     assert_eq!(input.read(&mut buf).await.unwrap(), 3);
    ///     assert_eq!(input.read(&mut buf).await.unwrap(), 0);
    /// });
    /// ```
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_read(cx, buf))
    }

    /// Fill `buf` exactly; `UnexpectedEof` if the stream ends first.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: bytes read before it was dropped are lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncReadExt;
    ///
    /// uniloop::run(async {
    ///     let mut input: &[u8] = b"ab";
    ///     let mut buf = [0; 3];
    ///     let err = input.read_exact(&mut buf).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// });
    /// ```
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<()>> + 'a
    where
        Self: Unpin,
    {
        async move {
            let mut filled = 0;
            while filled < buf.len() {
                match self.read(&mut buf[filled..]).await? {
                    0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                    n => filled += n,
                }
            }
            Ok(())
        }
    }

    /// Read until the end of the stream, appending to `buf`; returns how
    /// many bytes were read.
    ///
    /// # Cancel safety
    ///
    /// What was read before it was dropped stays in `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncReadExt;
    ///
    /// uniloop::run(async {
    ///     let mut input: &[u8] = b"all of it";
    ///     let mut buf = Vec::new();
    ///     assert_eq!(input.read_to_end(&mut buf).await.unwrap(), 9);
    ///     assert_eq!(buf, b"all of it");
    /// });
    /// ```
    fn read_to_end<'a>(
        &'a mut self,
        buf: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        async move {
            let start = buf.len();
            let mut chunk = [0; 8 * 1024];
            loop {
                match self.read(&mut chunk).await? {
                    0 => return Ok(buf.len() - start),
                    n => buf.extend_from_slice(&chunk[..n]),
                }
            }
        }
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

/// Writing helpers for every [`AsyncWrite`].
///
/// # Examples
///
/// ```
/// use uniloop::io::AsyncWriteExt;
///
/// uniloop::run(async {
///     let mut out = Vec::new();
///     out.write_all(b"hello").await.unwrap();
///     assert_eq!(out, b"hello");
/// });
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Write some of `buf`; returns how many bytes were written.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is written unless it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncWriteExt;
    ///
    /// uniloop::run(async {
    ///     let mut out = Vec::new();
    ///     assert_eq!(out.write(b"hi").await.unwrap(), 2);
    /// });
    /// ```
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_write(cx, buf))
    }

    /// Write all of `buf`; `WriteZero` if the writer stops accepting bytes.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: part of `buf` may have been written.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncWriteExt;
    ///
    /// uniloop::run(async {
    ///     let mut out = Vec::new();
    ///     out.write_all(b"a whole line\n").await.unwrap();
    ///     assert_eq!(out, b"a whole line\n");
    /// });
    /// ```
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a
    where
        Self: Unpin,
    {
        async move {
            let mut written = 0;
            while written < buf.len() {
                match self.write(&buf[written..]).await? {
                    0 => return Err(io::ErrorKind::WriteZero.into()),
                    n => written += n,
                }
            }
            Ok(())
        }
    }

    /// Flush buffered bytes.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe; flush again to finish.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncWriteExt;
    ///
    /// uniloop::run(async { Vec::new().flush().await.unwrap() });
    /// ```
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_flush(cx))
    }

    /// Flush and close: for a socket, shut down its writing side, so the
    /// peer reads end of stream.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe; close again to finish.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncWriteExt;
    ///
    /// uniloop::run(async { Vec::new().close().await.unwrap() });
    /// ```
    fn close(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_close(cx))
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}
