//! Networking on the loop: TCP (and, as they land, UDP, Unix sockets and
//! asyncio-style streams).
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
mod stream_io;
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
