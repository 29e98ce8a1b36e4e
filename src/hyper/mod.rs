//! hyper 1.x on uniloop (the `hyper` feature): what hyper-util's
//! `rt::tokio` is for tokio.
//!
//! - [`HyperIo`]: a [`TcpStream`](crate::net::TcpStream) or
//!   [`UnixStream`](crate::net::UnixStream) as hyper's I/O (reading into
//!   hyper's buffer without zeroing it); and hyper's I/O (an upgraded
//!   connection) as `futures_io`'s.
//! - [`HyperExecutor`]: hyper's background futures as tasks on the loop;
//!   no `Send` needed.
//! - [`HyperTimer`] ([`HyperSleep`]): hyper's timeouts on the loop's clock,
//!   paused clock included.
//!
//! hyper's traits ask for `Send` in two places a single-threaded loop does
//! not need it: its `Sleep` (`Send + Sync`) and an upgraded connection's
//! I/O (`Send`). [`HyperSleep`] and [`HyperIo`] meet those bounds by
//! checking, at each use, that they are on the thread that made them, and
//! panicking otherwise (see their docs for why that is sound).
//!
//! A server (the `ecosystem/` workspace member has `http_hello` and
//! `http_client` in full):
//!
//! ```ignore
//! let listener = uniloop::net::TcpListener::bind("127.0.0.1:3000").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     uniloop::spawn(async move {
//!         let _ = hyper::server::conn::http1::Builder::new()
//!             .timer(HyperTimer)
//!             .serve_connection(HyperIo::new(stream), service_fn(hello))
//!             .await;
//!     });
//! }
//! ```
//!
//! # Examples
//!
//! The pieces, driven by hand (hyper's connections do this):
//!
//! ```
//! use std::future::poll_fn;
//! use std::pin::Pin;
//! use std::time::Duration;
//! use hyper::rt::{Executor, Timer, Write};
//! use uniloop::hyper::{HyperExecutor, HyperIo, HyperTimer};
//! use uniloop::io::AsyncReadExt;
//!
//! let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
//! rt.block_on(async {
//!     let (a, mut b) = uniloop::net::UnixStream::pair().unwrap();
//!     HyperExecutor.execute(async move {
//!         HyperTimer.sleep(Duration::from_secs(1)).await;
//!         let mut io = HyperIo::new(a);
//!         poll_fn(|cx| Pin::new(&mut io).poll_write(cx, b"late")).await.unwrap();
//!     });
//!     let mut got = [0; 4];
//!     b.read_exact(&mut got).await.unwrap();
//!     assert_eq!(&got, b"late");
//! });
//! # Ok::<(), std::io::Error>(())
//! ```

mod executor;
mod io;
mod thread_bound;
mod timer;

pub use executor::HyperExecutor;
pub use io::HyperIo;
pub use timer::{HyperSleep, HyperTimer};
