//! What every byte-stream socket (TCP, Unix) shares: reads and writes
//! through its `IoSource`, and the `futures_io` impls over them.

use std::io::{self, IoSlice, Read, Write};
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
use std::mem::MaybeUninit;
use std::task::{Context, Poll};

use mio::event::Source;

use crate::runtime::driver::io::{Direction, IoSource};

impl<S: Source> IoSource<S>
where
    for<'a> &'a S: Read + Write,
{
    pub(crate) fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_stream_io(Direction::Read, cx, len, |mut s| s.read(buf))
    }

    pub(crate) fn poll_write_stream(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_stream_io(Direction::Write, cx, buf.len(), |mut s| s.write(buf))
    }

    pub(crate) fn poll_write_vectored_stream(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Not `poll_stream_io`: a vectored write can stop short at the
        // system's limit on slices while the socket still has room.
        self.poll_io(Direction::Write, cx, |mut s| s.write_vectored(bufs))
    }

    /// Write what the socket takes of `buf` now, without waiting:
    /// `WouldBlock` if it takes nothing.
    pub(crate) fn try_write_stream(&self, buf: &[u8]) -> io::Result<usize> {
        self.try_stream_io(Direction::Write, buf.len(), |mut s| s.write(buf))
    }
}

#[cfg(any(feature = "hyper", feature = "tokio-io"))]
impl<S: Source> IoSource<S>
where
    for<'a> &'a S: Read,
    S: ReadUninit,
{
    /// [`poll_read_stream`](Self::poll_read_stream) into memory that may
    /// be uninitialised (hyper's and tokio's read buffers), without
    /// zeroing it first: the system call writes the bytes it returns and
    /// nothing else reads the rest.
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_stream_io(Direction::Read, cx, len, |s| s.read_uninit(buf))
    }
}

/// A source that reads into uninitialised memory.
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub(crate) trait ReadUninit {
    /// Read once into `buf`, returning how many bytes were read; those
    /// first bytes of `buf` are then initialised.
    fn read_uninit(&self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize>;
}

/// A `read(2)` on the descriptor.
#[cfg(all(unix, any(feature = "hyper", feature = "tokio-io")))]
impl<S: std::os::fd::AsRawFd> ReadUninit for S {
    fn read_uninit(&self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        // SAFETY: `buf` is a unique borrow of `buf.len()` bytes, valid for
        // writes for the whole call, and `MaybeUninit<u8>` may hold any
        // bytes, so `read(2)` may write any of them; it writes at most
        // `buf.len()` and reads none. The descriptor belongs to `self`,
        // which is borrowed, so it stays open during the call.
        let n = unsafe { libc::read(self.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        // A negative return is the failure (-1 and `errno`); anything
        // else is a count no greater than `buf.len()`.
        usize::try_from(n).map_err(|_| io::Error::last_os_error())
    }
}

/// Elsewhere: zero the buffer, then an ordinary read.
#[cfg(all(not(unix), any(feature = "hyper", feature = "tokio-io")))]
impl<S> ReadUninit for S
where
    for<'a> &'a S: Read,
{
    fn read_uninit(&self, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
        buf.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `buf` was just initialised (to 0), and
        // `u8` and `MaybeUninit<u8>` have the same layout.
        let buf = unsafe { &mut *(buf as *mut [MaybeUninit<u8>] as *mut [u8]) };
        let mut source = self;
        source.read(buf)
    }
}

/// The operations every byte stream of the crate offers its adapters to
/// other crates' traits (`crate::hyper::HyperIo`), through `&self`.
///
/// Public, so that public bounds can name it, in a private module, so
/// that no other crate can implement it (sealed).
#[cfg(feature = "hyper")]
pub trait PollStream {
    /// Read into `buf`, which may be uninitialised; `Ok(n)`: its first `n`
    /// bytes are initialised.
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;

    /// Write from `buf`.
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Write from `bufs`, in order.
    fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;

    /// Shut the writing side down (a socket no longer connected counts as
    /// shut).
    fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// Implements [`PollStream`] for `$ty`, a stream with an `io: IoSource<_>`
/// field and a `shutdown` method.
#[cfg(feature = "hyper")]
macro_rules! impl_poll_stream {
    ($ty:ty) => {
        impl $crate::net::stream_io::PollStream for $ty {
            fn poll_read_uninit(
                &self,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [::std::mem::MaybeUninit<u8>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.io.poll_read_uninit(cx, buf)
            }

            fn poll_write(
                &self,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.io.poll_write_stream(cx, buf)
            }

            fn poll_write_vectored(
                &self,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                self.io.poll_write_vectored_stream(cx, bufs)
            }

            fn poll_shutdown(
                &self,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                $crate::net::stream_io::closed(self.shutdown(::std::net::Shutdown::Write))
            }
        }
    };
}

#[cfg(feature = "hyper")]
pub(crate) use impl_poll_stream;

/// `poll_close`'s outcome from `shutdown(Write)`: a socket that is no
/// longer connected is closed already.
pub(crate) fn closed(shutdown: io::Result<()>) -> Poll<io::Result<()>> {
    Poll::Ready(match shutdown {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        done => done,
    })
}

/// Implements `futures_io::AsyncRead`/`AsyncWrite` for `$ty`, given the
/// stream (a type with an `io: IoSource<_>` field and a `shutdown`
/// method) that `|$this| $stream` reaches from `&$ty`.
macro_rules! impl_async_io {
    ($ty:ty, |$this:ident| $stream:expr) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut [u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.io.poll_read_stream(cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.io.poll_write_stream(cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.io.poll_write_vectored_stream(cx, bufs)
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                $crate::net::stream_io::closed($stream.shutdown(::std::net::Shutdown::Write))
            }
        }

        /// With the `tokio-io` feature: tokio's I/O traits, for crates
        /// written against them (tokio-postgres, redis, ...).
        #[cfg(feature = "tokio-io")]
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                // SAFETY: `unfilled_mut` hands out the unfilled part, which
                // we must not de-initialise: `poll_read_uninit` only
                // writes bytes into it (never uninitialised ones).
                let unfilled = unsafe { buf.unfilled_mut() };
                let n = ::std::task::ready!($stream.io.poll_read_uninit(cx, unfilled))?;
                // SAFETY: a successful read of `n` initialised the first
                // `n` bytes of the unfilled part.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                ::std::task::Poll::Ready(Ok(()))
            }
        }

        #[cfg(feature = "tokio-io")]
        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                buf: &[u8],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.io.poll_write_stream(cx, buf)
            }

            fn poll_write_vectored(
                self: ::std::pin::Pin<&mut Self>,
                cx: &mut ::std::task::Context<'_>,
                bufs: &[::std::io::IoSlice<'_>],
            ) -> ::std::task::Poll<::std::io::Result<usize>> {
                let $this = &*self;
                $stream.io.poll_write_vectored_stream(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            fn poll_shutdown(
                self: ::std::pin::Pin<&mut Self>,
                _: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<::std::io::Result<()>> {
                let $this = &*self;
                $crate::net::stream_io::closed($stream.shutdown(::std::net::Shutdown::Write))
            }
        }
    };
}

pub(crate) use impl_async_io;
