//! What every byte-stream socket (TCP, Unix) shares: reads and writes
//! through its `IoSource`, and the `futures_io` impls over them.

use std::io::{self, IoSlice, Read, Write};
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
                // Zeroes only what was never initialised: a reused
                // `ReadBuf` is zeroed once, not at every read.
                let unfilled = buf.initialize_unfilled();
                let n = ::std::task::ready!($stream.io.poll_read_stream(cx, unfilled))?;
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
