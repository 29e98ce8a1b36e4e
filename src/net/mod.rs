//! Networking on the loop: TCP, UDP, Unix sockets and asyncio-style
//! streams.
//!
//! - asyncio's streams: [`start_server`] and [`open_connection`] (≙
//!   `asyncio.start_server`, `asyncio.open_connection`) give a
//!   [`StreamReader`] (`read_line`, `read_until`, `read_exact`, ...) and a
//!   [`StreamWriter`] (`write`, then `drain().await`; `close`). The
//!   [`Server`] accepts in a task of its own, running the handler for each
//!   connection, until it is closed or dropped (`local_addr`, `close`,
//!   `serve_forever`).
//! - TCP: [`TcpListener`] (`bind`, `accept`, `incoming`) and [`TcpStream`]
//!   (`connect`; `split`, or `into_split` into an [`OwnedReadHalf`] and an
//!   [`OwnedWriteHalf`]). Streams implement `futures_io`'s `AsyncRead` and
//!   `AsyncWrite`, so [`io::AsyncReadExt`](crate::io::AsyncReadExt) and
//!   [`io::AsyncWriteExt`](crate::io::AsyncWriteExt) work on them; with
//!   the `tokio-io` feature, tokio's `AsyncRead` and `AsyncWrite` too
//!   (tokio's `AsyncWriteExt::shutdown` is then written
//!   `AsyncWriteExt::shutdown(&mut stream)`: the inherent
//!   `shutdown(how)` comes first).
//! - UDP: [`UdpSocket`] (`send_to` and `recv_from`, or `connect`, then
//!   `send` and `recv`; ≙ `loop.create_datagram_endpoint`).
//! - Unix domain sockets, on Unix: [`UnixListener`] and [`UnixStream`]
//!   (`connect`, `pair`), streams like TCP's.
//! - Addresses: whatever [`ToSocketAddrs`] takes (a `SocketAddr`,
//!   `"host:port"`, `("host", port)`, ...); host names are resolved off
//!   the loop.
//!
//! # Examples
//!
//! An echo server and its client, asyncio-style:
//!
//! ```
//! use uniloop::net::{open_connection, start_server};
//!
//! uniloop::run(async {
//!     // ≙ server = await asyncio.start_server(handle, "127.0.0.1", 0)
//!     let server = start_server("127.0.0.1:0", |mut reader, mut writer| async move {
//!         while let Ok(line) = reader.read_line().await {
//!             if line.is_empty() {
//!                 break; // the client closed its side
//!             }
//!             writer.write(&line);
//!             if writer.drain().await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//!     .await?;
//!     let (mut reader, mut writer) = open_connection(server.local_addr()?).await?;
//!     writer.write(b"hello\n");
//!     writer.drain().await?;
//!     assert_eq!(reader.read_line().await?, b"hello\n");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The same with plain TCP, a task per connection:
//!
//! ```
//! use uniloop::io::{AsyncReadExt, AsyncWriteExt};
//! use uniloop::net::{TcpListener, TcpStream};
//!
//! uniloop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     uniloop::spawn(async move {
//!         while let Ok((mut conn, _peer)) = listener.accept().await {
//!             uniloop::spawn(async move {
//!                 let mut buf = [0; 1024];
//!                 while let Ok(n @ 1..) = conn.read(&mut buf).await {
//!                     let _ = conn.write_all(&buf[..n]).await;
//!                 }
//!             });
//!         }
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"ping").await?;
//!     let mut buf = [0; 4];
//!     client.read_exact(&mut buf).await?;
//!     assert_eq!(&buf, b"ping");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Readiness
//!
//! Every socket registers once with the loop's reactor (edge-triggered,
//! for reading and writing) and keeps one reader and one writer waker.
//! An operation runs when the socket is ready; its readiness is cleared
//! only when the operation returns `WouldBlock`, so no wake-up is lost and
//! no task spins. A socket is deregistered when dropped.
//!
//! Sockets belong to the runtime they were created on. Once that runtime
//! is dropped, no reactor reports their readiness, so every operation on
//! them fails at once with an error saying so ("uniloop: the runtime this
//! TcpStream was created on has been dropped") instead of waiting forever.
//!
//! A socket error (a reset, an ICMP "port unreachable" on a connected UDP
//! socket) is reported by the one operation that finds it; later
//! operations wait for new readiness like any other.
//!
//! Under a paused clock ([`Builder::paused_clock`](crate::Builder::paused_clock))
//! the loop does not wait for I/O before jumping to the next timer (see
//! [`time`](crate::time)): test networking on the real clock.

mod accept;
mod addr;
pub(crate) mod stream_io;
mod streams;
mod tcp;
mod udp;
#[cfg(unix)]
mod unix;

pub use addr::ToSocketAddrs;
pub use streams::{open_connection, start_server, Server, StreamReader, StreamWriter};
pub use tcp::{Incoming, OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixListener, UnixStream};
