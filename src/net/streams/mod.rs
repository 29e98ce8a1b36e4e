//! asyncio-style streams (≙ `asyncio.open_connection`,
//! `asyncio.start_server`, `StreamReader`, `StreamWriter`).
//!
//! - [`open_connection`] connects and gives a [`StreamReader`] and a
//!   [`StreamWriter`] over the two halves of the connection.
//! - [`start_server`] listens and runs a handler, in a task of its own,
//!   for every connection it accepts; the [`Server`] it returns stops
//!   accepting when closed or dropped.
//! - [`StreamReader`] buffers what it receives and hands it out by size
//!   ([`read`](StreamReader::read), [`read_exact`](StreamReader::read_exact))
//!   or by separator ([`read_line`](StreamReader::read_line),
//!   [`read_until`](StreamReader::read_until)), with a limit on how much a
//!   separator search may buffer.
//! - [`StreamWriter`] buffers what [`write`](StreamWriter::write) cannot
//!   send at once; [`drain`](StreamWriter::drain) waits until it is sent.
//!
//! As in asyncio, both ends turn Nagle's algorithm off (`TCP_NODELAY`), so
//! small request-response exchanges are not delayed.
//!
//! # Example
//!
//! ```
//! use uniloop::net::{open_connection, start_server};
//!
//! uniloop::run(async {
//!     let server = start_server("127.0.0.1:0", |mut reader, mut writer| async move {
//!         while let Ok(line) = reader.read_line().await {
//!             if line.is_empty() {
//!                 break; // end of stream
//!             }
//!             writer.write(&line);
//!             if writer.drain().await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//!     .await
//!     .unwrap();
//!
//!     let (mut reader, mut writer) = open_connection(server.local_addr().unwrap()).await.unwrap();
//!     writer.write(b"hello\n");
//!     writer.drain().await.unwrap();
//!     assert_eq!(reader.read_line().await.unwrap(), b"hello\n");
//! });
//! ```

use std::io;

mod reader;
mod server;
mod writer;

pub use reader::StreamReader;
pub use server::{open_connection, start_server, Server};
pub use writer::StreamWriter;

/// A copy of `e` (an `io::Error` is not `Clone`): its kind and message,
/// for an error reported again to a later caller.
fn copy_error(e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), e.to_string())
}
