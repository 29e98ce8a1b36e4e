//! One client connection: read, parse every request buffered, run them,
//! and send all their replies with one write.
//!
//! # Invariants
//!
//! - Replies leave in request order: they are appended to `out` as the
//!   requests run, and `out` is written once per batch
//!   ([`Connection::flush`]), waiting (and reading nothing more) while
//!   the socket is full, so a client that does not read its replies gets
//!   no more of its requests served: memory per client is bounded by
//!   what it sends in one batch, not by how long it pipelines.
//! - A subscriber is the exception: its messages come whether it reads
//!   or not, so it never waits in `flush`; [`Connection::wait`] keeps
//!   taking messages into `out` and sending what the socket takes, and
//!   disconnects it once `out` holds more than `SUBSCRIBER_OUTPUT_LIMIT`
//!   unsent. A publisher never waits for a subscriber.
//! - The input buffer grows only with bytes received (`Input::poll_fill`),
//!   never with a length a request claims; `need` (from the parser) only
//!   says when parsing again is worth it.
//! - A protocol error is answered with `-ERR Protocol error: ...`, then
//!   the connection closes: nothing after a malformed frame can be
//!   trusted to start a request.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use futures_io::{AsyncRead, AsyncWrite};
use uniloop::io::{AsyncReadExt, AsyncWriteExt};
use uniloop::net::{OwnedReadHalf, OwnedWriteHalf, TcpStream};

use super::commands::{self, Args, Outcome};
use super::db::Db;
use super::pubsub::{Publish, Registry, Subscriptions};
use super::resp::{self, Frame, Parser};

/// The most one connection buffers of unparsed input (Redis's
/// `client-query-buffer-limit`).
const MAX_QUERY_BUFFER: usize = 1024 * 1024 * 1024;
/// How much room a read gets at least.
const READ_CHUNK: usize = 16 * 1024;
/// How long, and how much input at most, a closing connection reads and
/// drops (see [`Connection::close`]).
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1024 * 1024;
/// A subscriber whose unsent output passes this is disconnected (Redis's
/// `client-output-buffer-limit pubsub`, its soft limit).
const SUBSCRIBER_OUTPUT_LIMIT: usize = 8 * 1024 * 1024;
/// A buffer grown past this shrinks back once it is empty.
const KEEP_CAPACITY: usize = 256 * 1024;

/// What every connection of a loop shares.
pub struct Shared {
    pub db: Rc<RefCell<Db>>,
    /// This loop's subscribers.
    pub pubsub: Rc<Registry>,
    /// Where `PUBLISH` goes: `pubsub` itself in mini_redis, every loop's
    /// registry in per_core.
    pub publish: Rc<dyn Publish>,
    /// Which loop this is, of how many (`INFO server` says them).
    pub loop_id: usize,
    pub loops: usize,
    pub stats: Stats,
}

/// Counters printed at shutdown: a test checks with them that a pipeline
/// costs fewer writes than requests.
#[derive(Default)]
pub struct Stats {
    /// Requests run.
    pub requests: Cell<u64>,
    /// Socket reads that brought bytes.
    pub reads: Cell<u64>,
    /// Batches of replies written (one `write` each, unless the socket
    /// was full).
    pub writes: Cell<u64>,
}

impl Stats {
    fn add(counter: &Cell<u64>) {
        counter.set(counter.get() + 1);
    }
}

/// Serve one client until it leaves, sends `QUIT`, breaks the protocol,
/// or lags as a subscriber.
pub async fn serve(stream: TcpStream, shared: Rc<Shared>) {
    let _ = stream.set_nodelay(true);
    let (read, write) = stream.into_split();
    let mut conn = Connection {
        read,
        write,
        input: Input::default(),
        out: Vec::new(),
        sent: 0,
        parser: Parser::default(),
        subs: Subscriptions::new(shared.pubsub.clone()),
        shared,
    };
    if let Err(e) = conn.run().await {
        if !matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
        ) {
            eprintln!("mini_redis: connection error: {e}");
        }
    }
}

struct Connection {
    read: OwnedReadHalf,
    write: OwnedWriteHalf,
    input: Input,
    /// The replies of the batch being run (and, for a subscriber, the
    /// messages), `out[..sent]` already sent.
    out: Vec<u8>,
    sent: usize,
    /// The request being parsed, its arguments as ranges of `input`.
    parser: Parser,
    subs: Subscriptions,
    shared: Rc<Shared>,
}

/// What woke the connection up.
enum Woken {
    Input(usize),
    Messages,
    /// A subscriber's unsent output passed `SUBSCRIBER_OUTPUT_LIMIT`, or
    /// it fell `pubsub::CAPACITY` messages behind a channel.
    TooSlow,
}

impl Connection {
    async fn run(&mut self) -> io::Result<()> {
        let mut need = 1;
        loop {
            // Every whole request buffered, replies into `out`.
            while self.input.len() >= need {
                let parsed = self.parser.parse(self.input.bytes());
                match parsed {
                    Ok(Frame::Command { len }) => {
                        let args = Args::new(self.input.bytes(), &self.parser.args);
                        let outcome =
                            commands::run(args, &self.shared, &mut self.subs, &mut self.out);
                        self.input.consume(len);
                        Stats::add(&self.shared.stats.requests);
                        need = 1;
                        match outcome {
                            Outcome::Continue => {}
                            Outcome::Close => return self.close().await,
                            // Before the next request runs: replies in order.
                            Outcome::Count(count) => {
                                let n = count.await;
                                resp::int(&mut self.out, n as i64);
                            }
                        }
                    }
                    Ok(Frame::Nothing { len }) => {
                        self.input.consume(len);
                        need = 1;
                    }
                    Ok(Frame::Incomplete { need: more }) => need = more,
                    Err(e) => {
                        resp::error(&mut self.out, format_args!("ERR Protocol error: {e}"));
                        return self.close().await;
                    }
                }
            }
            if need > MAX_QUERY_BUFFER {
                resp::error(
                    &mut self.out,
                    "ERR Protocol error: query buffer limit reached",
                );
                return self.close().await;
            }
            self.flush().await?;
            match self.wait().await? {
                Woken::Input(0) => {
                    if !self.input.is_empty() {
                        resp::error(
                            &mut self.out,
                            "ERR Protocol error: the stream ended inside a request",
                        );
                    }
                    return self.close().await;
                }
                Woken::Input(_) => Stats::add(&self.shared.stats.reads),
                Woken::Messages => {}
                Woken::TooSlow => {
                    eprintln!("mini_redis: a subscriber fell too far behind: disconnected");
                    return Ok(());
                }
            }
        }
    }

    /// Wait for input (read into the buffer) or subscription messages
    /// (appended to `out`). A subscriber's output is sent from here as
    /// the socket takes it, so it keeps taking messages off its channels
    /// while its client is slow, up to `SUBSCRIBER_OUTPUT_LIMIT`.
    async fn wait(&mut self) -> io::Result<Woken> {
        let Connection {
            read,
            write,
            input,
            subs,
            out,
            sent,
            ..
        } = self;
        poll_fn(|cx| {
            let mut woken = None;
            if subs.count() > 0 {
                match subs.poll_messages(cx, out) {
                    Poll::Ready(Ok(())) => woken = Some(Woken::Messages),
                    Poll::Ready(Err(_)) => return Poll::Ready(Ok(Woken::TooSlow)),
                    Poll::Pending => {}
                }
                if out.len() - *sent > SUBSCRIBER_OUTPUT_LIMIT {
                    return Poll::Ready(Ok(Woken::TooSlow));
                }
                if let Poll::Ready(Err(e)) = poll_send(cx, write, out, sent) {
                    return Poll::Ready(Err(e));
                }
            }
            if let Some(woken) = woken {
                return Poll::Ready(Ok(woken));
            }
            input.poll_fill(cx, read).map(|read| read.map(Woken::Input))
        })
        .await
    }

    /// Send the batch's replies: one write, then wait only if the socket
    /// did not take them all, so a client that does not read its replies
    /// gets no more requests served. A subscriber does not wait here: what
    /// the socket did not take is sent by [`wait`](Self::wait).
    async fn flush(&mut self) -> io::Result<()> {
        if self.out.len() == self.sent {
            return Ok(());
        }
        Stats::add(&self.shared.stats.writes);
        let subscribed = self.subs.count() > 0;
        let Connection {
            write, out, sent, ..
        } = self;
        poll_fn(|cx| match poll_send(cx, write, out, sent) {
            Poll::Pending if subscribed => Poll::Ready(Ok(())),
            done => done,
        })
        .await
    }

    /// Send what is left and close. Input not yet read is read and
    /// dropped for a moment first (a lingering close): closing a socket
    /// with unread input resets the connection, and the reset could
    /// destroy the last reply before the client reads it.
    async fn close(&mut self) -> io::Result<()> {
        let Connection {
            write, out, sent, ..
        } = self;
        poll_fn(|cx| poll_send(cx, write, out, sent)).await?;
        self.write.close().await?;
        let mut scratch = [0; 4096];
        let mut left = LINGER_BYTES;
        let discard = async {
            while left > 0 {
                match self.read.read(&mut scratch).await {
                    Ok(n) if n > 0 => left = left.saturating_sub(n),
                    _ => return,
                }
            }
        };
        let _ = uniloop::timeout(LINGER, discard).await;
        Ok(())
    }
}

/// Send `out[*sent..]`: `Ready` once all of it is sent (then `out` is
/// emptied), `Pending` while the socket is full.
fn poll_send(
    cx: &mut std::task::Context<'_>,
    write: &mut OwnedWriteHalf,
    out: &mut Vec<u8>,
    sent: &mut usize,
) -> Poll<io::Result<()>> {
    while *sent < out.len() {
        match std::task::ready!(Pin::new(&mut *write).poll_write(cx, &out[*sent..])) {
            Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Ok(n) => *sent += n,
            Err(e) => return Poll::Ready(Err(e)),
        }
    }
    out.clear();
    *sent = 0;
    if out.capacity() > KEEP_CAPACITY {
        *out = Vec::new();
    }
    Poll::Ready(Ok(()))
}

/// The input buffer: `data[start..end]` received and not yet parsed;
/// `data` is all initialised, so reads go straight into it.
#[derive(Default)]
struct Input {
    data: Vec<u8>,
    start: usize,
    end: usize,
}

impl Input {
    fn bytes(&self) -> &[u8] {
        &self.data[self.start..self.end]
    }

    fn len(&self) -> usize {
        self.end - self.start
    }

    fn is_empty(&self) -> bool {
        self.start == self.end
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.data.len() > KEEP_CAPACITY {
                self.data = Vec::new();
            }
        }
    }

    /// Read what the socket has into the buffer; `Ready(Ok(0))` at end
    /// of stream.
    fn poll_fill(
        &mut self,
        cx: &mut std::task::Context<'_>,
        read: &mut OwnedReadHalf,
    ) -> Poll<io::Result<usize>> {
        if self.data.len() - self.end < READ_CHUNK {
            if self.start > 0 {
                self.data.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.data.len() - self.end < READ_CHUNK {
                // Doubling: the buffer grows with what arrived.
                let len = (self.data.len() * 2).max(self.end + READ_CHUNK);
                self.data.resize(len, 0);
            }
        }
        let n = std::task::ready!(Pin::new(read).poll_read(cx, &mut self.data[self.end..]))?;
        self.end += n;
        Poll::Ready(Ok(n))
    }
}
