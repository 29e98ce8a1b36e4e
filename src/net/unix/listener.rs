//! `UnixListener`: accepts Unix domain stream connections on the loop.

use std::fmt;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::stream::UnixStream;
use crate::net::accept;
use crate::runtime::driver::io::IoSource;

/// A Unix domain socket listening for stream connections (≙ the listening
/// socket of `asyncio.start_unix_server`; tokio's `UnixListener`).
///
/// Like `std`'s, it does not remove its socket file when dropped: remove
/// it yourself, and remove a stale one before binding again.
///
/// # Examples
///
/// ```
/// use uniloop::io::{AsyncReadExt, AsyncWriteExt};
/// use uniloop::net::{UnixListener, UnixStream};
///
/// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// uniloop::run(async {
///     let listener = UnixListener::bind(&path).unwrap();
///     uniloop::spawn(async move {
///         let (mut conn, _) = listener.accept().await.unwrap();
///         conn.write_all(b"hello").await.unwrap();
///     });
///     let mut client = UnixStream::connect(&path).await.unwrap();
///     let mut buf = Vec::new();
///     client.read_to_end(&mut buf).await.unwrap();
///     assert_eq!(buf, b"hello");
/// });
/// std::fs::remove_file(&path).unwrap();
/// ```
pub struct UnixListener {
    io: IoSource<mio::net::UnixListener>,
}

impl UnixListener {
    /// Create the socket file `path` and listen on it.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if `path` exists (even a stale socket file), or what
    /// creating the file fails with.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::UnixListener::bind()
    /// called outside a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// uniloop::run(async {
    ///     let listener = uniloop::net::UnixListener::bind(&path).unwrap();
    ///     let again = uniloop::net::UnixListener::bind(&path).unwrap_err();
    ///     assert_eq!(again.kind(), std::io::ErrorKind::AddrInUse);
    ///     # drop(listener);
    /// });
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let listener = mio::net::UnixListener::bind(path)?;
        Ok(UnixListener {
            io: IoSource::new(listener, "net::UnixListener::bind")?,
        })
    }

    /// Use a listener made with `std`. It is made non-blocking here.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::UnixListener::from_std()
    /// called outside a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// uniloop::run(async {
    ///     let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    ///     let listener = uniloop::net::UnixListener::from_std(std_listener).unwrap();
    ///     assert!(listener.local_addr().is_ok());
    /// });
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: IoSource::new(
                mio::net::UnixListener::from_std(listener),
                "net::UnixListener::from_std",
            )?,
        })
    }

    /// Wait for the next connection: the stream and the peer's address
    /// (usually unnamed: clients rarely bind a path).
    ///
    /// Like [`TcpListener::accept`](crate::net::TcpListener::accept), it
    /// does not spin when the process runs out of descriptors (`EMFILE`,
    /// `ENFILE`) or kernel memory: it pauses 10 ms, doubling up to 100 ms,
    /// and tries again.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is taken only when it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// uniloop::run(async {
    ///     let listener = uniloop::net::UnixListener::bind(&path).unwrap();
    ///     let _client = uniloop::spawn(uniloop::net::UnixStream::connect(path.clone()));
    ///     let (conn, peer) = listener.accept().await.unwrap();
    ///     assert!(peer.is_unnamed());
    ///     assert_eq!(conn.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// });
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, peer) = accept::accept(&self.io, |l| l.accept()).await?;
        Ok((UnixStream::from_mio(stream)?, peer))
    }

    /// The address it listens on.
    ///
    /// # Examples
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("uniloop-doc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// uniloop::run(async {
    ///     let listener = uniloop::net::UnixListener::bind(&path).unwrap();
    ///     assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
    /// });
    /// std::fs::remove_file(&path).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use crate::net::unix::temp_path;

    #[test]
    fn listener_and_connect_echo() {
        let path = temp_path("listener");
        crate::run(async {
            let listener = UnixListener::bind(&path).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            let server = crate::spawn(async move {
                for _ in 0..3 {
                    let (mut conn, peer) = listener.accept().await.unwrap();
                    assert!(peer.is_unnamed());
                    let _echo = crate::spawn(async move {
                        let mut buf = [0; 64];
                        loop {
                            match conn.read(&mut buf).await.unwrap() {
                                0 => break,
                                n => conn.write_all(&buf[..n]).await.unwrap(),
                            }
                        }
                    });
                }
            });
            for i in 0..3u8 {
                let mut client = UnixStream::connect(&path).await.unwrap();
                assert_eq!(
                    client.peer_addr().unwrap().as_pathname(),
                    Some(path.as_path())
                );
                let msg = [b'a' + i; 10];
                client.write_all(&msg).await.unwrap();
                let mut back = [0; 10];
                client.read_exact(&mut back).await.unwrap();
                assert_eq!(back, msg);
                client.close().await.unwrap();
            }
            server.await.unwrap();
        });
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn dropped_accept_loses_no_connection() {
        let path = temp_path("dropped-accept");
        crate::run(async {
            let listener = UnixListener::bind(&path).unwrap();
            let waited =
                crate::timeout(std::time::Duration::from_millis(20), listener.accept()).await;
            assert!(waited.is_err());
            let _client = UnixStream::connect(&path).await.unwrap();
            listener.accept().await.unwrap();
        });
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn connect_to_missing_path_fails() {
        let path = temp_path("missing");
        crate::run(async {
            let err = UnixStream::connect(&path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound);
        });
    }

    #[test]
    fn out_of_resources_errors() {
        assert!(accept::out_of_resources(&io::Error::from_raw_os_error(24)));
        assert!(!accept::out_of_resources(&io::ErrorKind::WouldBlock.into()));
    }
}
