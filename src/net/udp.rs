//! `UdpSocket`: datagrams on the loop.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use crate::net::accept::no_addresses;
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::runtime::driver::io::{Direction, IoSource};

/// A UDP socket (≙ asyncio's `loop.create_datagram_endpoint` transport;
/// tokio's `UdpSocket`).
///
/// Unconnected, it sends with [`send_to`](Self::send_to) and receives from
/// anyone with [`recv_from`](Self::recv_from). After
/// [`connect`](Self::connect) it has a default peer: [`send`](Self::send)
/// and [`recv`](Self::recv) talk to it only, and the kernel drops
/// datagrams from elsewhere.
///
/// Each datagram is sent or received whole: a receive buffer smaller than
/// the datagram gets its first bytes and the rest is discarded.
///
/// # Examples
///
/// ```
/// use uniloop::net::UdpSocket;
///
/// uniloop::run(async {
///     let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     client.send_to(b"ping", server.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = server.recv_from(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
///     assert_eq!(from, client.local_addr().unwrap());
/// });
/// ```
pub struct UdpSocket {
    io: IoSource<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Bind a socket to `addr` (the first of its addresses that binds).
    /// Port 0 picks a free port; [`local_addr`](Self::local_addr) tells
    /// which.
    ///
    /// # Errors
    ///
    /// The last address's error if none binds (`AddrInUse`, ...), or the
    /// resolver's.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::UdpSocket::bind() called
    /// outside a uniloop runtime".
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is bound until it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let socket = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(socket.local_addr().unwrap().port() > 0);
    /// });
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let mut last = None;
        for addr in resolve(addr, "net::UdpSocket::bind").await? {
            match mio::net::UdpSocket::bind(addr) {
                Ok(socket) => {
                    return Ok(UdpSocket {
                        io: IoSource::new(socket, "net::UdpSocket::bind")?,
                    })
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(no_addresses))
    }

    /// Use a socket made with `std` (for socket options uniloop does not
    /// expose, such as `SO_REUSEPORT` or multicast). It is made
    /// non-blocking here.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::net::UdpSocket::from_std()
    /// called outside a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    ///     std_socket.set_broadcast(true).unwrap();
    ///     let socket = uniloop::net::UdpSocket::from_std(std_socket).unwrap();
    ///     assert!(socket.local_addr().is_ok());
    /// });
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: IoSource::new(
                mio::net::UdpSocket::from_std(socket),
                "net::UdpSocket::from_std",
            )?,
        })
    }

    /// Set the default peer to `addr` (the first of its addresses that is
    /// accepted): [`send`](Self::send) goes there and
    /// [`recv`](Self::recv) takes datagrams from there only. No packet is
    /// sent; connecting again changes the peer.
    ///
    /// # Errors
    ///
    /// The last address's error, or the resolver's.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the peer is set only when it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let a = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.connect(b.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
    /// });
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let mut last = None;
        for addr in resolve(addr, "net::UdpSocket::connect").await? {
            match self.io.get_ref().connect(addr) {
                Ok(()) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(no_addresses))
    }

    /// Send `buf` as one datagram to the connected peer; returns how many
    /// bytes were sent.
    ///
    /// # Errors
    ///
    /// An error before [`connect`](Self::connect) (`EDESTADDRREQ` on
    /// Linux); `ConnectionRefused` may report that an earlier datagram
    /// found nobody listening.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the datagram is sent whole only when it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let a = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.connect(b.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(a.send(b"hi").await.unwrap(), 2);
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv(&mut buf).await.unwrap(), 2);
    /// });
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.io(Direction::Write, |s| s.send(buf)).await
    }

    /// Receive one datagram into `buf` (from the connected peer, if
    /// connected); returns its length, cut to `buf`'s.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no datagram is taken unless it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let a = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.connect(b.local_addr().unwrap()).await.unwrap();
    ///     b.connect(a.local_addr().unwrap()).await.unwrap();
    ///     b.send(b"pong").await.unwrap();
    ///     let mut buf = [0; 8];
    ///     let n = a.recv(&mut buf).await.unwrap();
    ///     assert_eq!(&buf[..n], b"pong");
    /// });
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.io(Direction::Read, |s| s.recv(buf)).await
    }

    /// Send `buf` as one datagram to `target` (its first address); returns
    /// how many bytes were sent.
    ///
    /// # Errors
    ///
    /// The resolver's, or the send's (an address of the other family, a
    /// datagram too large, ...).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the datagram is sent whole only when it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let a = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let port = b.local_addr().unwrap().port();
    ///     assert_eq!(a.send_to(b"hello", ("127.0.0.1", port)).await.unwrap(), 5);
    /// });
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = resolve(target, "net::UdpSocket::send_to")
            .await?
            .into_iter()
            .next()
            .ok_or_else(no_addresses)?;
        self.io
            .io(Direction::Write, |s| s.send_to(buf, target))
            .await
    }

    /// Receive one datagram into `buf`: its length (cut to `buf`'s) and
    /// the sender's address.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no datagram is taken unless it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let a = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.send_to(b"0123456789", b.local_addr().unwrap()).await.unwrap();
    ///     let mut small = [0; 4];
    ///     let (n, from) = b.recv_from(&mut small).await.unwrap();
    ///     assert_eq!((n, &small), (4, b"0123")); // the rest is discarded
    ///     assert_eq!(from, a.local_addr().unwrap());
    /// });
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.io(Direction::Read, |s| s.recv_from(buf)).await
    }

    /// The local address.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let socket = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert!(socket.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address; `NotConnected` before
    /// [`connect`](Self::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let socket = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let err = socket.peer_addr().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::NotConnected);
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_to_and_recv_from() {
        crate::run(async {
            let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let server_addr = server.local_addr().unwrap();
            let echo = crate::spawn(async move {
                let mut buf = [0; 64];
                for _ in 0..3 {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    server.send_to(&buf[..n], from).await.unwrap();
                }
            });
            let mut buf = [0; 64];
            for msg in [&b"one"[..], b"two", b"three"] {
                client.send_to(msg, server_addr).await.unwrap();
                let (n, from) = client.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], msg);
                assert_eq!(from, server_addr);
            }
            echo.await.unwrap();
        });
    }

    #[test]
    fn connect_send_recv() {
        crate::run(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.send(b"x").await.unwrap_err(); // no peer yet
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            // A receiver waits before anything is sent: readiness arrives
            // through the reactor.
            let reader = crate::spawn(async move {
                let mut buf = [0; 8];
                let n = b.recv(&mut buf).await.unwrap();
                b.send(&buf[..n]).await.unwrap();
                buf[..n].to_vec()
            });
            crate::yield_now().await;
            a.send(b"ping").await.unwrap();
            let mut buf = [0; 8];
            let n = a.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"ping");
            assert_eq!(reader.await.unwrap(), b"ping");
        });
    }

    #[test]
    fn dropped_recv_loses_nothing() {
        crate::run(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0; 8];
            let waited =
                crate::timeout(std::time::Duration::from_millis(20), b.recv_from(&mut buf)).await;
            assert!(waited.is_err());
            a.send_to(b"late", b.local_addr().unwrap()).await.unwrap();
            let (n, _) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"late");
        });
    }

    #[test]
    fn debug_names_addresses() {
        crate::run(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let debug = format!("{socket:?}");
            assert!(debug.starts_with("UdpSocket { local_addr: Some(127.0.0.1:"));
        });
    }
}
