//! `StreamReader` (≙ `asyncio.StreamReader`): a buffered reader over the
//! reading half of a TCP connection.
//!
//! # Invariants
//!
//! - `buf` is fully initialised; `buf[start..end]` are the bytes received
//!   and not yet handed out. A method takes bytes out of that range only
//!   when it completes, so every method is cancel safe: what a dropped
//!   call had received stays buffered for the next one.
//! - `eof` is set once a socket read returned 0; nothing is read after it.
//! - `start == end` implies `start == 0` after every `take`, so a reader
//!   that keeps up never copies bytes around inside `buf`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;

use futures_io::AsyncRead;

use crate::net::OwnedReadHalf;

/// The default [`limit`](StreamReader::limit), 64 KiB (asyncio's
/// `_DEFAULT_LIMIT`).
const DEFAULT_LIMIT: usize = 64 * 1024;
/// The buffer's first size, and the least it grows by.
const INITIAL_CAPACITY: usize = 8 * 1024;

/// A buffered reader over a connection's reading half (≙
/// `asyncio.StreamReader`), made by [`open_connection`](super::open_connection)
/// and [`start_server`](super::start_server).
///
/// It reads from the socket in chunks into its buffer and hands bytes out
/// by count ([`read`](Self::read), [`read_exact`](Self::read_exact)) or
/// up to a separator ([`read_line`](Self::read_line),
/// [`read_until`](Self::read_until)). A separator search buffers at most
/// about [`limit`](Self::limit) bytes (64 KiB by default, as asyncio's):
/// a longer line is an error of kind `InvalidData`, and its bytes stay
/// buffered (see [`read_until`](Self::read_until)).
///
/// Every method is cancel safe: bytes are taken out of the buffer only
/// when a call completes, so a call dropped part-way (by a `timeout`, say)
/// loses nothing.
///
/// # Examples
///
/// ```
/// use uniloop::net::{open_connection, start_server};
///
/// uniloop::run(async {
///     let server = start_server("127.0.0.1:0", |_reader, mut writer| async move {
///         writer.write(b"HELO 1\nrest");
///         writer.close();
///     })
///     .await
///     .unwrap();
///     let (mut reader, _writer) = open_connection(server.local_addr().unwrap()).await.unwrap();
///     assert_eq!(reader.read_line().await.unwrap(), b"HELO 1\n");
///     assert_eq!(reader.read_exact(4).await.unwrap(), b"rest");
///     assert!(reader.read(10).await.unwrap().is_empty()); // end of stream
///     assert!(reader.at_eof());
/// });
/// ```
pub struct StreamReader {
    half: OwnedReadHalf,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    limit: usize,
    eof: bool,
}

impl StreamReader {
    /// A reader over `half` with the default limit (64 KiB).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{StreamReader, TcpListener, TcpStream};
    ///
    /// uniloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (read_half, _write_half) = stream.into_split();
    ///     let reader = StreamReader::new(read_half);
    ///     assert_eq!(reader.limit(), 64 * 1024);
    /// });
    /// ```
    pub fn new(half: OwnedReadHalf) -> StreamReader {
        StreamReader::with_limit(half, DEFAULT_LIMIT)
    }

    /// A reader over `half` whose separator searches buffer at most about
    /// `limit` bytes (≙ the `limit` argument of `asyncio.open_connection`).
    ///
    /// # Panics
    ///
    /// If `limit` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{StreamReader, TcpListener, TcpStream};
    ///
    /// uniloop::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let reader = StreamReader::with_limit(stream.into_split().0, 1024);
    ///     assert_eq!(reader.limit(), 1024);
    /// });
    /// ```
    pub fn with_limit(half: OwnedReadHalf, limit: usize) -> StreamReader {
        assert!(limit > 0, "StreamReader limit must be positive");
        StreamReader {
            half,
            buf: Vec::new(),
            start: 0,
            end: 0,
            limit,
            eof: false,
        }
    }

    /// How many bytes a separator search may buffer before the separator.
    ///
    /// # Examples
    ///
    /// See [`new`](Self::new).
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Change the [`limit`](Self::limit) (for instance to take a line that
    /// was too long for the old one).
    ///
    /// # Panics
    ///
    /// If `limit` is 0.
    ///
    /// # Examples
    ///
    /// See [`read_until`](Self::read_until).
    pub fn set_limit(&mut self, limit: usize) {
        assert!(limit > 0, "StreamReader limit must be positive");
        self.limit = limit;
    }

    /// The bytes received and not yet read.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |_r, mut w| async move { w.write(b"ab\ncd") })
    ///         .await
    ///         .unwrap();
    ///     let (mut reader, _w) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     reader.read_line().await.unwrap();
    ///     reader.read_exact(1).await.unwrap();
    ///     assert_eq!(reader.buffered(), b"d");
    /// });
    /// ```
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Whether the peer has shut down its writing side and every byte it
    /// sent has been read (≙ `StreamReader.at_eof()`).
    ///
    /// # Examples
    ///
    /// See [`StreamReader`].
    pub fn at_eof(&self) -> bool {
        self.eof && self.start == self.end
    }

    /// The peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let listener = uniloop::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let (reader, _writer) = uniloop::net::open_connection(addr).await.unwrap();
    ///     assert_eq!(reader.peer_addr().unwrap(), addr);
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.half.peer_addr()
    }

    /// Up to `n` bytes (≙ `StreamReader.read(n)`): what is buffered, or if
    /// nothing is, what the next socket read brings. Empty at end of
    /// stream (and when `n` is 0).
    ///
    /// # Errors
    ///
    /// The socket's error (`ConnectionReset`, ...).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is taken unless it completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |_r, mut w| async move { w.write(b"abc") })
    ///         .await
    ///         .unwrap();
    ///     let (mut reader, _w) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     let mut got = Vec::new();
    ///     loop {
    ///         let chunk = reader.read(2).await.unwrap();
    ///         if chunk.is_empty() {
    ///             break;
    ///         }
    ///         assert!(chunk.len() <= 2);
    ///         got.extend(chunk);
    ///     }
    ///     assert_eq!(got, b"abc");
    /// });
    /// ```
    pub async fn read(&mut self, n: usize) -> io::Result<Vec<u8>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.start == self.end && !self.eof {
            self.fill().await?;
        }
        Ok(self.take(n.min(self.end - self.start)))
    }

    /// Exactly `n` bytes (≙ `StreamReader.readexactly(n)`).
    ///
    /// # Errors
    ///
    /// `UnexpectedEof` if the stream ends first; the bytes that did arrive
    /// stay buffered ([`buffered`](Self::buffered), [`read`](Self::read)
    /// take them), where asyncio's `IncompleteReadError` carries them.
    /// Otherwise the socket's error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes received so far stay buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |_r, mut w| async move { w.write(b"abc") })
    ///         .await
    ///         .unwrap();
    ///     let (mut reader, _w) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(reader.read_exact(2).await.unwrap(), b"ab");
    ///     let err = reader.read_exact(2).await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    ///     assert_eq!(reader.read(2).await.unwrap(), b"c"); // not lost
    /// });
    /// ```
    pub async fn read_exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        // Make room for all `n` at once rather than growing step by step,
        // and for more: a buffer of exactly `n` would be filled exactly,
        // which does not tell that the socket is drained, so the next read
        // would cost a system call that finds nothing.
        if self.buf.len() - self.start < n {
            self.compact();
            if self.buf.len() < n {
                self.buf.resize(n.max(INITIAL_CAPACITY), 0);
            }
        }
        while self.end - self.start < n {
            if self.eof {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.fill().await?;
        }
        Ok(self.take(n))
    }

    /// One line, with its `\n` (≙ `StreamReader.readline()`): the bytes up
    /// to and including the next `\n`. At end of stream, what is left
    /// without a `\n` (empty once everything has been read).
    ///
    /// # Errors
    ///
    /// `InvalidData` if the line does not fit the [`limit`](Self::limit);
    /// see [`read_until`](Self::read_until) for the rule and for what
    /// happens to its bytes (they stay buffered). Otherwise the socket's
    /// error.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes received so far stay buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |_r, mut w| async move { w.write(b"one\ntwo") })
    ///         .await
    ///         .unwrap();
    ///     let (mut reader, _w) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(reader.read_line().await.unwrap(), b"one\n");
    ///     assert_eq!(reader.read_line().await.unwrap(), b"two"); // end of stream
    ///     assert_eq!(reader.read_line().await.unwrap(), b"");
    /// });
    /// ```
    pub async fn read_line(&mut self) -> io::Result<Vec<u8>> {
        self.read_until(b"\n").await
    }

    /// The bytes up to and including the next `sep` (≙
    /// `StreamReader.readuntil(sep)`). At end of stream, what is left
    /// without `sep` (empty once everything has been read): check
    /// `ends_with(sep)` to tell. (asyncio raises `IncompleteReadError`
    /// there instead.)
    ///
    /// # Errors
    ///
    /// `InvalidData` when `sep` is not found within the
    /// [`limit`](Self::limit), as in asyncio: once `sep` can no longer
    /// start within the first `limit` bytes buffered (or is found starting
    /// beyond them). The bytes are **not** dropped: they stay buffered,
    /// so the same call fails again until they are taken. Take them with
    /// [`read`](Self::read) (up to `n` at a time) or [`read_exact`](Self::read_exact),
    /// or raise the limit with [`set_limit`](Self::set_limit) and call
    /// again. (asyncio discards them instead.) Otherwise the socket's
    /// error.
    ///
    /// # Panics
    ///
    /// If `sep` is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes received so far stay buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |_r, mut w| async move {
    ///         w.write(b"a\r\n");
    ///         w.write(&[b'x'; 100]);
    ///         w.write(b"\r\n");
    ///     })
    ///     .await
    ///     .unwrap();
    ///     let (mut reader, _w) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     reader.set_limit(10);
    ///     assert_eq!(reader.read_until(b"\r\n").await.unwrap(), b"a\r\n");
    ///     let err = reader.read_until(b"\r\n").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    ///     reader.set_limit(1000);
    ///     assert_eq!(reader.read_until(b"\r\n").await.unwrap().len(), 102); // still there
    /// });
    /// ```
    pub async fn read_until(&mut self, sep: &[u8]) -> io::Result<Vec<u8>> {
        assert!(!sep.is_empty(), "read_until needs a non-empty separator");
        // Offset (from `start`) before which `sep` cannot start.
        let mut searched = 0;
        loop {
            let data = &self.buf[self.start..self.end];
            if let Some(at) = find(&data[searched..], sep) {
                let at = searched + at;
                if at > self.limit {
                    return Err(limit_overrun(self.limit, true));
                }
                return Ok(self.take(at + sep.len()));
            }
            // `sep` could still start at `data.len() + 1 - sep.len()`.
            if data.len() + 1 > self.limit + sep.len() {
                return Err(limit_overrun(self.limit, false));
            }
            searched = (data.len() + 1).saturating_sub(sep.len());
            if self.eof {
                return Ok(self.take(data.len()));
            }
            self.fill().await?;
        }
    }

    /// Everything until the end of the stream (≙ `StreamReader.read(-1)`;
    /// not bounded by the limit).
    ///
    /// # Errors
    ///
    /// The socket's error; what was received stays buffered.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the bytes received so far stay buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::net::{open_connection, start_server};
    ///
    /// uniloop::run(async {
    ///     let server = start_server("127.0.0.1:0", |_r, mut w| async move { w.write(b"all") })
    ///         .await
    ///         .unwrap();
    ///     let (mut reader, _w) = open_connection(server.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(reader.read_to_end().await.unwrap(), b"all");
    ///     assert!(reader.at_eof());
    /// });
    /// ```
    pub async fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        while !self.eof {
            self.fill().await?;
        }
        Ok(self.take(self.end - self.start))
    }

    /// Read once from the socket into the buffer, growing or compacting it
    /// first if it is full; sets `eof` on a read of 0.
    async fn fill(&mut self) -> io::Result<()> {
        if self.end == self.buf.len() {
            self.compact();
            if self.end == self.buf.len() {
                let len = (self.buf.len() * 2).max(INITIAL_CAPACITY);
                self.buf.resize(len, 0);
            }
        }
        let (half, spare) = (&mut self.half, &mut self.buf[self.end..]);
        let n = poll_fn(|cx| Pin::new(&mut *half).poll_read(cx, spare)).await?;
        self.end += n;
        self.eof = n == 0;
        Ok(())
    }

    /// Move the unread bytes to the front of the buffer.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
    }

    /// Hand out the first `n` unread bytes.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        out
    }
}

impl fmt::Debug for StreamReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamReader")
            .field("half", &self.half)
            .field("buffered", &(self.end - self.start))
            .field("limit", &self.limit)
            .field("eof", &self.eof)
            .finish()
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if let [byte] = needle {
        return haystack.iter().position(|b| b == byte);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn limit_overrun(limit: usize, found: bool) -> io::Error {
    let what = if found {
        "separator found, but the chunk before it is longer than the limit"
    } else {
        "separator not found, and the chunk exceeds the limit"
    };
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{what} ({limit} bytes); the bytes stay buffered"),
    )
}

#[cfg(test)]
mod tests;
