//! `ToSocketAddrs`: what `bind` and `connect` accept, resolved without
//! blocking the loop.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that names one or more socket addresses: a `SocketAddr`, an
/// `(IpAddr, port)` pair, or a `"host:port"` string (`&str`, `String`,
/// `(&str, port)`).
///
/// Literal addresses are used as they are. A host name is resolved by the
/// system resolver (`getaddrinfo`) on the blocking pool, so a slow DNS
/// lookup never blocks the loop.
///
/// This trait is sealed: it is implemented for the types above only.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let a = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let b = uniloop::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
///     let port = a.local_addr().unwrap().port();
///     assert_ne!(port, b.local_addr().unwrap().port());
///     let _c = uniloop::net::TcpStream::connect(("localhost", port)).await.unwrap();
/// });
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use super::Lookup;

    pub trait Sealed {
        fn lookup(self) -> Lookup;
    }
}

/// What an address needs before it can be used.
#[doc(hidden)]
#[derive(Debug)]
pub enum Lookup {
    /// Literal addresses.
    Ready(Vec<SocketAddr>),
    /// A `host:port` (or `(host, port)`) for the resolver.
    Host(String, u16),
    /// A string that is neither an address nor `host:port`.
    Invalid,
}

macro_rules! literal {
    ($($ty:ty => $to:expr),+ $(,)?) => {$(
        impl ToSocketAddrs for $ty {}
        impl sealed::Sealed for $ty {
            fn lookup(self) -> Lookup {
                #[allow(clippy::redundant_closure_call)]
                Lookup::Ready(vec![($to)(self)])
            }
        }
    )+};
}

literal! {
    SocketAddr => |a| a,
    SocketAddrV4 => SocketAddr::V4,
    SocketAddrV6 => SocketAddr::V6,
    (IpAddr, u16) => SocketAddr::from,
    (Ipv4Addr, u16) => SocketAddr::from,
    (Ipv6Addr, u16) => SocketAddr::from,
    ([u8; 4], u16) => SocketAddr::from,
}

impl ToSocketAddrs for &str {}
impl sealed::Sealed for &str {
    fn lookup(self) -> Lookup {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Lookup::Ready(vec![addr]);
        }
        match self
            .rsplit_once(':')
            .map(|(host, port)| (host, port.parse::<u16>()))
        {
            Some((host, Ok(port))) => (host, port).lookup(),
            _ => Lookup::Invalid,
        }
    }
}

impl ToSocketAddrs for String {}
impl sealed::Sealed for String {
    fn lookup(self) -> Lookup {
        self.as_str().lookup()
    }
}

impl ToSocketAddrs for &String {}
impl sealed::Sealed for &String {
    fn lookup(self) -> Lookup {
        self.as_str().lookup()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::Sealed for (&str, u16) {
    fn lookup(self) -> Lookup {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Lookup::Ready(vec![SocketAddr::new(ip, self.1)]),
            Err(_) => Lookup::Host(self.0.to_owned(), self.1),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::Sealed for (String, u16) {
    fn lookup(self) -> Lookup {
        (self.0.as_str(), self.1).lookup()
    }
}

impl ToSocketAddrs for &[SocketAddr] {}
impl sealed::Sealed for &[SocketAddr] {
    fn lookup(self) -> Lookup {
        Lookup::Ready(self.to_vec())
    }
}

/// The addresses `addr` names, resolving a host name on the blocking pool.
///
/// # Panics
///
/// Given a host name outside a uniloop runtime, naming `function` (the
/// public call that resolves).
pub(crate) async fn resolve(
    addr: impl ToSocketAddrs,
    function: &'static str,
) -> io::Result<Vec<SocketAddr>> {
    let (host, port) = match sealed::Sealed::lookup(addr) {
        Lookup::Ready(addrs) => return Ok(addrs),
        Lookup::Invalid => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid socket address (expected host:port)",
            ))
        }
        Lookup::Host(host, port) => (host, port),
    };
    crate::blocking::run_blocking(function, move || {
        std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
            .map(Iterator::collect::<Vec<_>>)
    })?
    .await
}
