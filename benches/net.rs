//! Networking benchmark: 64-byte ping-pong over loopback TCP, uniloop's
//! `TcpStream` (with `io::{AsyncReadExt, AsyncWriteExt}`) beside
//! `tokio::net::TcpStream` on tokio's `LocalRuntime` and current-thread
//! runtime, in the same run: `cargo bench --bench net`, then
//! `python3 benches/report.py net_ping_pong`.
//!
//! One iteration is `CONNECTIONS` × `ROUNDS` round trips: each client
//! task writes a 64-byte message and reads its echo, `ROUNDS` times, all
//! clients at once; an echo task per connection on the server side reads
//! 64 bytes and writes them back. Server and clients run in the same
//! runtime on one thread. The connections are made once per criterion
//! sample, outside the timing (`iter_custom`); only the round trips are
//! timed. Every echo is checked against the message sent, so a broken
//! stream fails the bench instead of timing well.
//!
//! tokio's runtimes are built with `enable_io()` and nothing else; tasks
//! are spawned with `spawn_local` on `LocalRuntime` and `tokio::spawn` on
//! the current-thread runtime (tokio's streams are `Send`, so the same
//! tasks run on both).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

/// Connections, and round trips on each per iteration.
const CONNECTIONS: u64 = 50;
const ROUNDS: u64 = 200;
/// The message size.
const MESSAGE: usize = 64;

/// A runtime and its TCP types: what the workload needs.
trait NetRt: Sized + 'static {
    /// The column name in reports.
    const NAME: &'static str;
    type Listener: 'static;
    type Stream: 'static;
    fn new() -> Self;
    fn block_on<F: Future>(&mut self, future: F) -> F::Output;
    /// A listener on 127.0.0.1, on a free port, and that port's address.
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)>;
    /// The next connection, with Nagle's algorithm off.
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + '_;
    /// A connection to `addr`, with Nagle's algorithm off.
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream>;
    /// Fill `buf`; `UnexpectedEof` if the stream ends first.
    fn read_exact<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a;
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a;
    /// Spawn a [`Job`]: `spawn_local`, except on tokio's current-thread
    /// runtime, whose `tokio::spawn` needs a `Send` task (checked there,
    /// where the runtime is a concrete type).
    fn spawn_job(job: Job<Self>) -> impl Future<Output = u64> + 'static;
}

/// What one spawned task does; each returns the round trips it made.
enum Job<R: NetRt> {
    /// Read `MESSAGE` bytes and write them back, until end of stream.
    Echo(R::Stream),
    /// `rounds` round trips of a message naming the client and the round.
    Client(R::Stream, u64, u64),
}

async fn run<R: NetRt>(job: Job<R>) -> u64 {
    let mut buf = [0; MESSAGE];
    match job {
        Job::Echo(mut stream) => {
            let mut count = 0;
            loop {
                match R::read_exact(&mut stream, &mut buf).await {
                    Ok(()) => R::write_all(&mut stream, &buf).await.unwrap(),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return count,
                    Err(e) => panic!("echo: {e}"),
                }
                count += 1;
            }
        }
        Job::Client(mut stream, client, rounds) => {
            let mut message = [0; MESSAGE];
            message[..8].copy_from_slice(&client.to_le_bytes());
            for round in 0..rounds {
                message[8..16].copy_from_slice(&round.to_le_bytes());
                R::write_all(&mut stream, &message).await.unwrap();
                R::read_exact(&mut stream, &mut buf).await.unwrap();
                assert_eq!(buf, message);
            }
            rounds
        }
    }
}

/// `iters` iterations on fresh connections: the time the round trips took.
async fn ping_pong<R: NetRt>(iters: u64) -> Duration {
    let (listener, addr) = R::bind().await;
    let mut clients = Vec::new();
    let mut echoes = Vec::new();
    for _ in 0..CONNECTIONS {
        clients.push(R::connect(addr).await);
        echoes.push(R::spawn_job(Job::Echo(R::accept(&listener).await)));
    }
    let rounds = iters * ROUNDS;
    let start = Instant::now();
    let clients: Vec<_> = (0..)
        .zip(clients)
        .map(|(i, stream)| R::spawn_job(Job::Client(stream, i, rounds)))
        .collect();
    for client in clients {
        assert_eq!(client.await, rounds);
    }
    let took = start.elapsed();
    // Each client's stream was dropped when it finished: the echoes end.
    for echo in echoes {
        assert_eq!(echo.await, rounds);
    }
    took
}

struct Uniloop(uniloop::Runtime);

impl NetRt for Uniloop {
    const NAME: &'static str = "uniloop";
    type Listener = uniloop::net::TcpListener;
    type Stream = uniloop::net::TcpStream;
    fn new() -> Self {
        Uniloop(uniloop::Runtime::new().unwrap())
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    async fn bind() -> (Self::Listener, SocketAddr) {
        let listener = uniloop::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    }
    async fn accept(listener: &Self::Listener) -> Self::Stream {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn connect(addr: SocketAddr) -> Self::Stream {
        let stream = uniloop::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    fn read_exact<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        uniloop::io::AsyncReadExt::read_exact(stream, buf)
    }
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        uniloop::io::AsyncWriteExt::write_all(stream, buf)
    }
    fn spawn_job(job: Job<Self>) -> impl Future<Output = u64> + 'static {
        let task = uniloop::spawn(run(job));
        async move { task.await.unwrap() }
    }
}

/// tokio with its I/O driver; `LOCAL`: `LocalRuntime` and `spawn_local`,
/// otherwise the current-thread runtime and `tokio::spawn`.
enum Tokio<const LOCAL: bool> {
    Local(tokio::runtime::LocalRuntime),
    CurrentThread(tokio::runtime::Runtime),
}

impl<const LOCAL: bool> NetRt for Tokio<LOCAL> {
    const NAME: &'static str = if LOCAL {
        "tokio_local"
    } else {
        "tokio_current_thread"
    };
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;
    fn new() -> Self {
        let mut builder = tokio::runtime::Builder::new_current_thread();
        builder.enable_io();
        if LOCAL {
            Tokio::Local(builder.build_local(Default::default()).unwrap())
        } else {
            Tokio::CurrentThread(builder.build().unwrap())
        }
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        match self {
            Tokio::Local(rt) => rt.block_on(future),
            Tokio::CurrentThread(rt) => rt.block_on(future),
        }
    }
    async fn bind() -> (Self::Listener, SocketAddr) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    }
    async fn accept(listener: &Self::Listener) -> Self::Stream {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn connect(addr: SocketAddr) -> Self::Stream {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn read_exact(stream: &mut Self::Stream, buf: &mut [u8]) -> io::Result<()> {
        tokio::io::AsyncReadExt::read_exact(stream, buf)
            .await
            .map(drop)
    }
    fn write_all<'a>(
        stream: &'a mut Self::Stream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        tokio::io::AsyncWriteExt::write_all(stream, buf)
    }
    fn spawn_job(job: Job<Self>) -> impl Future<Output = u64> + 'static {
        let task = if LOCAL {
            tokio::task::spawn_local(run(job))
        } else {
            tokio::spawn(run(job))
        };
        async move { task.await.unwrap() }
    }
}

fn column<R: NetRt>(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.bench_function(R::NAME, |b| {
        let mut rt = R::new();
        b.iter_custom(|iters| rt.block_on(ping_pong::<R>(iters)));
    });
}

fn net(c: &mut Criterion) {
    let mut group = c.benchmark_group("net_ping_pong");
    group
        .throughput(Throughput::Elements(CONNECTIONS * ROUNDS))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20);
    column::<Uniloop>(&mut group);
    column::<Tokio<true>>(&mut group);
    column::<Tokio<false>>(&mut group);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = net
}
criterion_main!(benches);
