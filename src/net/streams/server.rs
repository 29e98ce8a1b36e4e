//! `open_connection`, `start_server` and `Server` (≙ their asyncio
//! namesakes).
//!
//! # Invariants
//!
//! - The accept loop is a spawned task that owns the listener; `Server`
//!   holds its handle. Closing the server cancels the task, and the
//!   task's future, when dropped, closes the listener *before* it sets
//!   the `closed` event (field order in [`Listening`]), so whoever waits on
//!   `closed` knows the port is released.
//! - Each accepted connection runs in a detached task of its own, which
//!   the server never touches again: closing the server leaves it running.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;

use super::{copy_error, StreamReader, StreamWriter};
use crate::net::{TcpListener, TcpStream, ToSocketAddrs};
use crate::sync::Event;
use crate::Task;

/// Connect to `addr` and return a reader and a writer over the connection
/// (≙ `asyncio.open_connection(host, port)`). Nagle's algorithm is turned
/// off (`TCP_NODELAY`), as asyncio does. The reader has the default limit
/// of 64 KiB; [`StreamReader::set_limit`] changes it.
///
/// # Errors
///
/// As [`TcpStream::connect`]: `ConnectionRefused` for a closed port, the
/// resolver's error, ...
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::net::open_connection() called
/// outside a uniloop runtime".
///
/// # Cancel safety
///
/// Dropping it closes the connection being made.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let (reader, writer) = uniloop::net::open_connection(listener.local_addr().unwrap())
///         .await
///         .unwrap();
///     assert_eq!(reader.peer_addr().unwrap(), writer.peer_addr().unwrap());
/// });
/// ```
pub async fn open_connection(addr: impl ToSocketAddrs) -> io::Result<(StreamReader, StreamWriter)> {
    Ok(into_streams(
        TcpStream::connect_as(addr, "net::open_connection").await?,
    ))
}

/// Listen on `addr` and run `handler(reader, writer)` in a task of its own
/// for every connection accepted (≙ `asyncio.start_server(handler, host,
/// port)`). Accepting starts at once, in a spawned task; the returned
/// [`Server`] tells the address and stops accepting when closed or
/// **dropped**, so keep it for as long as the server should run.
///
/// Connections have Nagle's algorithm turned off (`TCP_NODELAY`), as in
/// asyncio. A handler that panics ends its own task only. Running out of
/// descriptors pauses accepting for a while, without failing (see
/// [`TcpListener::accept`]).
///
/// # Errors
///
/// As [`TcpListener::bind`]: `AddrInUse`, the resolver's error, ...
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::net::start_server() called
/// outside a uniloop runtime".
///
/// # Cancel safety
///
/// Cancel safe: nothing listens unless it completes.
///
/// # Examples
///
/// ```
/// use uniloop::net::{open_connection, start_server};
///
/// uniloop::run(async {
///     let server = start_server("127.0.0.1:0", |mut reader, mut writer| async move {
///         let name = reader.read_line().await.unwrap();
///         writer.write(b"hello ");
///         writer.write(&name);
///     })
///     .await
///     .unwrap();
///
///     let (mut reader, mut writer) = open_connection(server.local_addr().unwrap()).await.unwrap();
///     writer.write(b"world\n");
///     assert_eq!(reader.read_line().await.unwrap(), b"hello world\n");
/// });
/// ```
pub async fn start_server<H, F>(addr: impl ToSocketAddrs, handler: H) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    let listener = TcpListener::bind_as(addr, "net::start_server").await?;
    let local_addr = listener.local_addr()?;
    let state = Rc::new(State::default());
    let listening = Listening {
        listener,
        _closed: SetOnDrop(state.clone()),
    };
    let accept = crate::spawn_named("uniloop::net::Server accept loop", async move {
        loop {
            match listening.listener.accept().await {
                Ok((stream, _)) => {
                    let (reader, writer) = into_streams(stream);
                    drop(crate::spawn(handler(reader, writer)));
                }
                Err(e) => {
                    *listening._closed.0.error.borrow_mut() = Some(e);
                    return;
                }
            }
        }
    });
    Ok(Server {
        local_addr,
        accept,
        state,
    })
}

/// A listening server made by [`start_server`] (≙ `asyncio.Server`).
///
/// Accepting runs in a spawned task from the start (as asyncio's
/// `start_serving=True`); [`close`](Self::close) stops it, and so does
/// dropping the `Server`. Connections already accepted run on in their own
/// tasks either way.
///
/// # Examples
///
/// ```
/// use uniloop::net::{open_connection, start_server};
///
/// uniloop::run(async {
///     let server = start_server("127.0.0.1:0", |_r, mut w| async move { w.write(b"hi") })
///         .await
///         .unwrap();
///     let addr = server.local_addr().unwrap();
///     let (mut reader, _w) = open_connection(addr).await.unwrap();
///     server.close();
///     server.serve_forever().await.unwrap(); // returns once closed
///     assert!(!server.is_serving());
///     assert_eq!(reader.read_to_end().await.unwrap(), b"hi"); // still served
///     assert!(open_connection(addr).await.is_err()); // no longer listening
/// });
/// ```
#[must_use = "the server stops accepting when dropped"]
pub struct Server {
    local_addr: SocketAddr,
    accept: Task<()>,
    state: Rc<State>,
}

impl Server {
    /// The address it listens on (≙ `Server.sockets[0].getsockname()`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let server = uniloop::net::start_server("127.0.0.1:0", |_r, _w| async {}).await.unwrap();
    ///     assert!(server.local_addr().unwrap().port() > 0);
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local_addr)
    }

    /// Stop accepting (≙ `Server.close()`): the accept task is cancelled,
    /// and the listening socket closed when it is dropped, at the loop's
    /// next turn ([`serve_forever`](Self::serve_forever) returns then).
    /// Connections already accepted carry on. Calling it again does
    /// nothing.
    ///
    /// # Examples
    ///
    /// See [`Server`].
    pub fn close(&self) {
        self.accept.cancel();
    }

    /// Whether it is still accepting (≙ `Server.is_serving()`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let server = uniloop::net::start_server("127.0.0.1:0", |_r, _w| async {}).await.unwrap();
    ///     assert!(server.is_serving());
    ///     server.close();
    ///     assert!(!server.is_serving());
    /// });
    /// ```
    pub fn is_serving(&self) -> bool {
        !self.accept.is_finished()
    }

    /// Wait until the server stops accepting (≙ `await
    /// Server.serve_forever()`; accepting has been going on since
    /// [`start_server`], in its own task, so this only waits): after
    /// [`close`](Self::close), once the listening socket is closed. Many
    /// tasks may wait at once.
    ///
    /// # Errors
    ///
    /// The error that stopped the accept loop (descriptor exhaustion does
    /// not: accepting pauses and goes on).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the server runs on.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// uniloop::run(async {
    ///     let server = Rc::new(uniloop::net::start_server("127.0.0.1:0", |_r, _w| async {}).await.unwrap());
    ///     let closer = server.clone();
    ///     uniloop::call_soon(move || closer.close());
    ///     server.serve_forever().await.unwrap();
    /// });
    /// ```
    pub async fn serve_forever(&self) -> io::Result<()> {
        self.state.closed.wait().await;
        match &*self.state.error.borrow() {
            Some(e) => Err(copy_error(e)),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    /// Stops accepting, as [`close`](Server::close).
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("serving", &self.is_serving())
            .finish()
    }
}

/// What the accept task and its `Server` share.
#[derive(Default)]
struct State {
    /// Set once the listener is closed.
    closed: Event,
    /// The error that ended the accept loop.
    error: RefCell<Option<io::Error>>,
}

/// The accept task's listener; the fields drop in order, so the listener
/// is closed before `closed` is set.
struct Listening {
    listener: TcpListener,
    _closed: SetOnDrop,
}

/// Sets `closed` when dropped.
struct SetOnDrop(Rc<State>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.closed.set();
    }
}

/// Nagle off, then a reader and a writer over the two halves.
fn into_streams(stream: TcpStream) -> (StreamReader, StreamWriter) {
    // Failing to set an option on a connected socket is not worth failing
    // the connection for; asyncio ignores it too.
    let _ = stream.set_nodelay(true);
    let (read_half, write_half) = stream.into_split();
    (StreamReader::new(read_half), StreamWriter::new(write_half))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use super::*;

    #[test]
    fn echo_many_connections_and_close_keeps_them_running() {
        crate::run(async {
            let served = Rc::new(Cell::new(0));
            let count = served.clone();
            let server = start_server("127.0.0.1:0", move |mut reader, mut writer| {
                count.set(count.get() + 1);
                async move {
                    loop {
                        let line = reader.read_line().await.unwrap();
                        if line.is_empty() {
                            break;
                        }
                        writer.write(&line);
                        writer.drain().await.unwrap();
                    }
                }
            })
            .await
            .unwrap();
            let addr = server.local_addr().unwrap();
            let mut clients = Vec::new();
            for _ in 0..20 {
                clients.push(open_connection(addr).await.unwrap());
            }
            server.close();
            server.serve_forever().await.unwrap();
            let refused = open_connection(addr).await.unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
            for (i, (reader, writer)) in clients.iter_mut().enumerate() {
                for round in 0..10 {
                    let line = format!("{i} {round}\n");
                    writer.write(line.as_bytes());
                    writer.drain().await.unwrap();
                    assert_eq!(reader.read_line().await.unwrap(), line.as_bytes());
                }
            }
            assert_eq!(served.get(), 20);
        });
    }

    #[test]
    fn dropping_the_server_stops_accepting() {
        crate::run(async {
            let server = start_server("127.0.0.1:0", |_r, _w| async {})
                .await
                .unwrap();
            let addr = server.local_addr().unwrap();
            drop(server);
            crate::sleep(Duration::from_millis(1)).await;
            let refused = open_connection(addr).await.unwrap_err();
            assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
        });
    }

    #[test]
    fn a_panicking_handler_ends_only_its_connection() {
        crate::run(async {
            let server = start_server("127.0.0.1:0", |mut reader, mut writer| async move {
                let line = reader.read_line().await.unwrap();
                assert_ne!(line, b"panic\n", "asked to");
                writer.write(&line);
            })
            .await
            .unwrap();
            let addr = server.local_addr().unwrap();
            let (mut reader, mut writer) = open_connection(addr).await.unwrap();
            writer.write(b"panic\n");
            assert_eq!(reader.read_line().await.unwrap(), b""); // closed
            let (mut reader, mut writer) = open_connection(addr).await.unwrap();
            writer.write(b"fine\n");
            assert_eq!(reader.read_line().await.unwrap(), b"fine\n");
        });
    }
}
