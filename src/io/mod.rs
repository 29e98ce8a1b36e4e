//! Async I/O traits: `futures_io`'s `AsyncRead` / `AsyncWrite` (which
//! every uniloop stream implements, so the futures ecosystem works), and
//! the extension traits with the everyday methods.
//!
//! [`AsyncReadExt`] and [`AsyncWriteExt`] are futures-util's
//! (`futures::io::AsyncReadExt`, `futures::io::AsyncWriteExt`),
//! re-exported: `read`, `read_exact`, `read_to_end`, `write_all`, `flush`,
//! `close` and the rest, for any `futures_io` reader or writer.
//!
//! # One trait, not two: no ambiguous calls
//!
//! These were traits of uniloop's own with the same method names, so a
//! module that had both them and futures' in scope (`use
//! futures::prelude::*` imports futures' as `_`) got "multiple applicable items in scope" (E0034) on
//! `stream.read_exact(..)`. Now `uniloop::io::AsyncReadExt` *is*
//! `futures::io::AsyncReadExt`: both imports name the same trait, and a
//! call resolves as before (the methods, their names and their
//! behaviour are the same). The one thing to know: with the `tokio-io`
//! feature, a stream also implements tokio's traits, and
//! `tokio::io::AsyncReadExt` in scope beside these makes the same call
//! ambiguous again: import one family per module (or call
//! `AsyncReadExt::read_exact(&mut stream, buf)`).
//!
//! # `split` on an owned stream
//!
//! `AsyncReadExt` has a `split(self)` of its own: futures' lock-based
//! split into `ReadHalf<S>` and `WriteHalf<S>`. Rust looks for a method
//! taking `self` by value before one taking `&mut self`, so on an **owned**
//! `TcpStream` (or `UnixStream`) with the trait in scope, `stream.split()`
//! is futures' (it consumes the stream), not
//! [`TcpStream::split`](crate::net::TcpStream::split). uniloop's ways,
//! which need no lock:
//!
//! - owned halves to move into separate tasks:
//!   [`into_split`](crate::net::TcpStream::into_split);
//! - borrowed halves in one task: `TcpStream::split(&mut stream)`, or
//!   simply `&stream` twice (`&TcpStream` reads and writes too).
//!
//! # Examples
//!
//! The extension traits on a [`TcpStream`](crate::net::TcpStream) (≙
//! `writer.write(data); await writer.drain()`, `writer.close()`, `await
//! reader.read()`):
//!
//! ```
//! use uniloop::io::{AsyncReadExt, AsyncWriteExt};
//! use uniloop::net::{TcpListener, TcpStream};
//!
//! uniloop::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let mut client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (mut server, _) = listener.accept().await?;
//!     client.write_all(b"GET /\n").await?;
//!     client.close().await?; // shuts the write side: the server reads to its end
//!     let mut request = Vec::new();
//!     server.read_to_end(&mut request).await?;
//!     assert_eq!(request, b"GET /\n");
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! futures' traits in scope as well: the same traits, no ambiguity.
//!
//! ```
//! use futures::AsyncReadExt as _;
//! use uniloop::io::AsyncReadExt;
//!
//! uniloop::run(async {
//!     let mut input: &[u8] = b"hello";
//!     let mut buf = [0; 5];
//!     input.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"hello");
//! });
//! ```

pub use futures_io::{AsyncRead, AsyncWrite};

/// Reading helpers for every [`AsyncRead`]: futures-util's
/// `AsyncReadExt`, re-exported (see [the module docs](self) for why, and
/// for `split`).
///
/// # Examples
///
/// ```
/// use uniloop::io::AsyncReadExt;
///
/// uniloop::run(async {
///     let mut input: &[u8] = b"hello";
///     let mut buf = [0; 5];
///     input.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
///     let mut short: &[u8] = b"ab";
///     let err = short.read_exact(&mut buf).await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
/// });
/// ```
#[doc(no_inline)]
pub use futures_util::io::AsyncReadExt;

/// Writing helpers for every [`AsyncWrite`]: futures-util's
/// `AsyncWriteExt`, re-exported (see [the module docs](self) for why).
///
/// # Examples
///
/// ```
/// use uniloop::io::AsyncWriteExt;
///
/// uniloop::run(async {
///     let mut out = Vec::new();
///     out.write_all(b"hello").await.unwrap();
///     out.flush().await.unwrap();
///     assert_eq!(out, b"hello");
/// });
/// ```
#[doc(no_inline)]
pub use futures_util::io::AsyncWriteExt;
