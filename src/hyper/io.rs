//! `HyperIo`: uniloop's streams as hyper's I/O, and hyper's I/O as
//! `futures_io`'s (≙ hyper-util's `TokioIo`).

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};

use super::thread_bound::ThreadBound;
use crate::net::stream_io::PollStream;

/// A uniloop byte stream as hyper's I/O: [`hyper::rt::Read`] and
/// [`hyper::rt::Write`] for a [`TcpStream`](crate::net::TcpStream) or a
/// [`UnixStream`](crate::net::UnixStream) (≙ hyper-util's `TokioIo`). Hand
/// it to hyper's `serve_connection` or `handshake`.
///
/// Reads go straight into hyper's buffer, which hyper hands out
/// uninitialised: one `read(2)`, nothing zeroed. Writes are vectored when
/// hyper asks (one `writev(2)` for a response's head and body).
///
/// The other way round, a `HyperIo` around something that implements
/// hyper's traits (such as hyper's `Upgraded`, after an HTTP upgrade)
/// implements [`futures_io::AsyncRead`] and [`futures_io::AsyncWrite`], so
/// [`uniloop::io`](crate::io)'s extension traits work on it.
///
/// # `Send`, and the thread it belongs to
///
/// A `HyperIo` is `Send` and `Sync` whatever it wraps, because hyper asks
/// for `Send` where it does not need it on a single thread: an HTTP upgrade
/// (`hyper::upgrade::on`) boxes the connection's I/O as `Upgraded`, which
/// requires `Read + Write + Unpin + Send`. This is sound because the
/// wrapped value is touched only on the thread that created the
/// `HyperIo` (the loop's thread): used there, it costs one comparison of
/// thread ids; moved to another thread, every method and the `Read`/`Write`
/// impls **panic** before reaching the value, and dropping it there leaks
/// the value (and panics, unless the thread is already panicking) rather
/// than run its destructor on the wrong thread.
///
/// # Panics
///
/// Any method, I/O call or the drop on a thread other than the one that
/// called [`HyperIo::new`]: "uniloop::hyper::HyperIo used on a thread
/// other than the one it was created on".
///
/// # Examples
///
/// Driving hyper's I/O traits by hand (hyper's connections do this):
///
/// ```
/// use std::future::poll_fn;
/// use std::mem::MaybeUninit;
/// use std::pin::Pin;
/// use hyper::rt::{Read, ReadBuf, Write};
/// use uniloop::hyper::HyperIo;
/// use uniloop::net::UnixStream;
///
/// uniloop::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (mut a, mut b) = (HyperIo::new(a), HyperIo::new(b));
///     let n = poll_fn(|cx| Pin::new(&mut a).poll_write(cx, b"ping")).await.unwrap();
///     assert_eq!(n, 4);
///
///     let mut memory = [MaybeUninit::<u8>::uninit(); 64]; // never zeroed
///     let mut buf = ReadBuf::uninit(&mut memory);
///     poll_fn(|cx| Pin::new(&mut b).poll_read(cx, buf.unfilled())).await.unwrap();
///     assert_eq!(buf.filled(), b"ping");
/// });
/// ```
pub struct HyperIo<T> {
    inner: ThreadBound<T>,
}

impl<T> HyperIo<T> {
    /// Wrap `inner`, binding it to this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = uniloop::net::UnixStream::pair().unwrap();
    ///     let io = uniloop::hyper::HyperIo::new(a);
    ///     assert!(io.inner().peer_addr().is_ok());
    /// });
    /// ```
    pub fn new(inner: T) -> HyperIo<T> {
        HyperIo {
            inner: ThreadBound::new(inner, "uniloop::hyper::HyperIo"),
        }
    }

    /// The wrapped value.
    ///
    /// # Panics
    ///
    /// Off the thread that created this `HyperIo`.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let stream = uniloop::net::TcpStream::connect(addr).await.unwrap();
    ///     let io = uniloop::hyper::HyperIo::new(stream);
    ///     assert_eq!(io.inner().peer_addr().unwrap(), addr);
    /// });
    /// ```
    #[track_caller]
    pub fn inner(&self) -> &T {
        self.inner.get()
    }

    /// The wrapped value, mutably.
    ///
    /// # Panics
    ///
    /// Off the thread that created this `HyperIo`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut io = uniloop::hyper::HyperIo::new(vec![1]);
    /// io.inner_mut().push(2);
    /// assert_eq!(io.into_inner(), [1, 2]);
    /// ```
    #[track_caller]
    pub fn inner_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// The wrapped value, unwrapped.
    ///
    /// # Panics
    ///
    /// Off the thread that created this `HyperIo`.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = uniloop::net::UnixStream::pair().unwrap();
    ///     let stream: uniloop::net::UnixStream = uniloop::hyper::HyperIo::new(a).into_inner();
    ///     # drop(stream);
    /// });
    /// ```
    #[track_caller]
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

/// Reads into hyper's uninitialised buffer without zeroing it.
///
/// # Cancel safety
///
/// A pending read has read nothing; drop it at will.
impl<T: PollStream> Read for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let stream = self.inner.get();
        // SAFETY: `as_mut` hands out the unfilled part, which we must not
        // de-initialise: `poll_read_uninit` only writes bytes into it.
        let n = ready!(stream.poll_read_uninit(cx, unsafe { buf.as_mut() }))?;
        // SAFETY: a successful read of `n` bytes initialised the first `n`
        // bytes of the unfilled part.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: PollStream> Write for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.get().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.get().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing is buffered: ready at once.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.get();
        Poll::Ready(Ok(()))
    }

    /// Shuts the writing side down.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.get().poll_shutdown(cx)
    }
}

/// hyper's I/O (such as `Upgraded`) as `futures_io`'s.
impl<T: Read + Unpin> futures_io::AsyncRead for HyperIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read = ReadBuf::new(buf);
        ready!(Pin::new(self.get_mut().inner.get_mut()).poll_read(cx, read.unfilled()))?;
        Poll::Ready(Ok(read.filled().len()))
    }
}

/// hyper's I/O (such as `Upgraded`) as `futures_io`'s.
impl<T: Write + Unpin> futures_io::AsyncWrite for HyperIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.get_mut().inner.get_mut()).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(self.get_mut().inner.get_mut()).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().inner.get_mut()).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(self.get_mut().inner.get_mut()).poll_shutdown(cx)
    }
}

impl<T: fmt::Debug> fmt::Debug for HyperIo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HyperIo").field(&self.inner).finish()
    }
}
