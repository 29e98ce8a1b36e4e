//! `UnixStream`: a Unix domain stream connection on the loop.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::net::stream_io;
use crate::runtime::driver::io::{Direction, IoSource};

/// A Unix domain stream connection (≙ the socket under
/// `asyncio.open_unix_connection`; tokio's `UnixStream`). It implements
/// `futures_io::AsyncRead` and `AsyncWrite`, and so does `&UnixStream`,
/// so one task can read while another writes.
///
/// A write to a connection the peer closed fails with `BrokenPipe`.
///
/// # Examples
///
/// ```
/// use uniloop::io::{AsyncReadExt, AsyncWriteExt};
///
/// uniloop::run(async {
///     let (mut a, mut b) = uniloop::net::UnixStream::pair().unwrap();
///     a.write_all(b"ping").await.unwrap();
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
/// });
/// ```
pub struct UnixStream {
    io: IoSource<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connect to the listener at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` if nothing is at `path`, `ConnectionRefused` if nothing
    /// listens there, `WouldBlock` if the listener's backlog is full.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::UnixStream::connect()
    /// called outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// Dropping it closes the connection being made.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// uniloop::run(async {
    ///     let listener = uniloop::net::UnixListener::bind(&path).unwrap();
    ///     let stream = uniloop::net::UnixStream::connect(&path).await.unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
    ///     # drop(listener);
    /// });
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = mio::net::UnixStream::connect(path)?;
        let io = IoSource::new(stream, "net::UnixStream::connect")?;
        // As mio documents: the connection may still be in progress; once
        // writable, the socket error tells whether it was made.
        std::future::poll_fn(|cx| io.poll_ready(Direction::Write, cx)).await;
        match io.get_ref().take_error()? {
            Some(e) => Err(e),
            None => Ok(UnixStream { io }),
        }
    }

    /// A pair of streams connected to each other (`socketpair`).
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::UnixStream::pair() called
    /// outside a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, b) = uniloop::net::UnixStream::pair().unwrap();
    ///     assert!(a.peer_addr().unwrap().is_unnamed());
    ///     # drop(b);
    /// });
    /// ```
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        let register = |s| IoSource::new(s, "net::UnixStream::pair").map(|io| UnixStream { io });
        Ok((register(a)?, register(b)?))
    }

    pub(crate) fn from_mio(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::new(stream, "net::UnixListener::accept")?,
        })
    }

    /// Use a connected stream made with `std`. It is made non-blocking
    /// here.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::UnixStream::from_std()
    /// called outside a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    ///     let stream = uniloop::net::UnixStream::from_std(a).unwrap();
    ///     assert!(stream.local_addr().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: IoSource::new(
                mio::net::UnixStream::from_std(stream),
                "net::UnixStream::from_std",
            )?,
        })
    }

    /// The peer's address.
    ///
    /// # Examples
    ///
    /// See [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address (unnamed for a connecting client or a
    /// [`pair`](Self::pair)).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (a, _b) = uniloop::net::UnixStream::pair().unwrap();
    ///     assert!(a.local_addr().unwrap().as_pathname().is_none());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Shut down reading, writing or both; after `Shutdown::Write` the peer
    /// reads end of stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::io::AsyncReadExt;
    ///
    /// uniloop::run(async {
    ///     let (a, mut b) = uniloop::net::UnixStream::pair().unwrap();
    ///     a.shutdown(std::net::Shutdown::Write).unwrap();
    ///     assert_eq!(b.read(&mut [0; 8]).await.unwrap(), 0); // end of stream
    /// });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

stream_io::impl_async_io!(UnixStream, |this| this);
stream_io::impl_async_io!(&UnixStream, |this| *this);
#[cfg(feature = "hyper")]
stream_io::impl_poll_stream!(UnixStream);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use futures_io::AsyncWrite;
    use std::io::IoSlice;
    use std::pin::Pin;

    #[test]
    fn pair_echo() {
        crate::run(async {
            let (mut a, b) = UnixStream::pair().unwrap();
            let echo = crate::spawn(async move {
                let mut b = &b; // reads and writes through `&UnixStream`
                let mut buf = [0; 256];
                let mut total = 0;
                loop {
                    match b.read(&mut buf).await.unwrap() {
                        0 => break total,
                        n => {
                            b.write_all(&buf[..n]).await.unwrap();
                            total += n;
                        }
                    }
                }
            });
            let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
            let (reader, writer) = (&a, &a);
            let (wrote, back) = crate::gather!(
                async move {
                    let mut writer = writer;
                    writer.write_all(&data).await.unwrap();
                    writer.close().await.unwrap();
                    data
                },
                async move {
                    let mut reader = reader;
                    let mut back = Vec::new();
                    reader.read_to_end(&mut back).await.unwrap();
                    back
                },
            )
            .await;
            assert_eq!(wrote, back);
            assert_eq!(echo.await.unwrap(), back.len());
            assert_eq!(a.read(&mut [0; 8]).await.unwrap(), 0);
        });
    }

    #[test]
    fn vectored_write_and_eof_on_drop() {
        crate::run(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
            let n = std::future::poll_fn(|cx| Pin::new(&mut a).poll_write_vectored(cx, &bufs))
                .await
                .unwrap();
            assert_eq!(n, 4);
            drop(a);
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"abcd");
        });
    }

    #[test]
    fn write_to_closed_peer_is_broken_pipe() {
        crate::run(async {
            let (mut a, b) = UnixStream::pair().unwrap();
            drop(b);
            let err = a.write_all(b"x").await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        });
    }

    #[test]
    fn debug_names_addresses() {
        crate::run(async {
            let (a, _b) = UnixStream::pair().unwrap();
            assert!(format!("{a:?}").starts_with("UnixStream { local_addr: Some("));
        });
    }
}
