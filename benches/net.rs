//! Networking benchmark: 64-byte ping-pong over loopback TCP, uniloop's
//! `TcpStream` (with `io::{AsyncReadExt, AsyncWriteExt}`) beside
//! `tokio::net::TcpStream` on tokio's `LocalRuntime` and current-thread
//! runtime, in the same run: `cargo bench --bench net`, then
//! `python3 benches/report.py net_ping_pong`; `python3 benches/net_runs.py`
//! repeats it and counts system calls.
//!
//! One iteration is `CONNECTIONS` × `ROUNDS` round trips: each client
//! task writes a 64-byte message and reads its echo, `ROUNDS` times, all
//! clients at once; an echo task per connection on the server side reads
//! 64 bytes and writes them back. Server and clients run in the same
//! runtime on one thread. The connections are made afresh for every
//! measurement, outside the timing (`iter_custom`); only the round trips
//! are timed. Every echo is checked against the message sent, so a broken
//! stream fails the bench instead of timing well.
//!
//! The kernel is over 90 % of every column's time, so on a shared machine
//! wall time mostly measures who else had the CPU. The run therefore
//! prints two more things after criterion's `net_ping_pong` group:
//!
//! - what each column's round trips cost the thread in CPU time: exact
//!   in all (`CLOCK_THREAD_CPUTIME_ID`), and the tick-sampled user part
//!   (`getrusage(RUSAGE_THREAD)`; see `net_cost`);
//! - `net_paired`: the three runtimes in turn, `PAIRED_ROUNDS` round trips
//!   per connection each, the order rotated every pass, so that a busy
//!   spell of the machine slows all three alike; the ratio to tokio is
//!   taken per pass, then its median over the passes (`NET_PASSES`,
//!   default 30; `NET_PASSES=0` skips it, as do criterion's `--list`,
//!   `--test`, `--profile-time` and a name filter).
//!
//! `NET_ONLY=<column> [NET_ROUNDS=<per connection>]` runs one column's
//! round trips and nothing else, for `strace -c -f` or `perf`.
//!
//! tokio's runtimes are built with `enable_io()` and nothing else; tasks
//! are spawned with `spawn_local` on `LocalRuntime` and `tokio::spawn` on
//! the current-thread runtime (tokio's streams are `Send`, so the same
//! tasks run on both).

mod net_cost;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use net_cost::{spread, Cost, Mark};

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

/// `rounds` round trips on each of `CONNECTIONS` fresh connections: what
/// they cost.
async fn ping_pong<R: NetRt>(rounds: u64) -> Cost {
    let (listener, addr) = R::bind().await;
    let mut clients = Vec::new();
    let mut echoes = Vec::new();
    for _ in 0..CONNECTIONS {
        clients.push(R::connect(addr).await);
        echoes.push(R::spawn_job(Job::Echo(R::accept(&listener).await)));
    }
    let start = Mark::now();
    let clients: Vec<_> = (0..)
        .zip(clients)
        .map(|(i, stream)| R::spawn_job(Job::Client(stream, i, rounds)))
        .collect();
    for client in clients {
        assert_eq!(client.await, rounds);
    }
    let cost = start.cost(CONNECTIONS * rounds);
    // Each client's stream was dropped when it finished: the echoes end.
    for echo in echoes {
        assert_eq!(echo.await, rounds);
    }
    cost
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

/// A criterion column for `R`, timing wall time; the CPU its round trips
/// cost (warm-up included) goes to `costs`.
fn column<R: NetRt>(group: &mut BenchmarkGroup<'_, WallTime>, costs: &mut Vec<(&str, Cost)>) {
    let mut total = Cost::default();
    group.bench_function(R::NAME, |b| {
        let mut rt = R::new();
        b.iter_custom(|iters| {
            let cost = rt.block_on(ping_pong::<R>(iters * ROUNDS));
            total.add(&cost);
            cost.wall
        });
    });
    if total.round_trips > 0 {
        costs.push((R::NAME, total));
    }
}

/// Round trips per connection in one paired measurement (5 000 in all,
/// about 60 ms).
const PAIRED_ROUNDS: u64 = 100;

/// The names of the three columns, in the order of a pass's costs.
const NAMES: [&str; 3] = [Uniloop::NAME, Tokio::<true>::NAME, Tokio::<false>::NAME];

/// `passes` passes of the three runtimes in turn, each pass starting
/// with the next one; after a pass to warm up. Each pass's costs are
/// uniloop's, tokio_local's and tokio_current_thread's.
fn paired(passes: usize) -> Vec<[Cost; 3]> {
    let mut uniloop = Uniloop::new();
    let mut local = Tokio::<true>::new();
    let mut current = Tokio::<false>::new();
    let mut costs = Vec::new();
    for pass in 0..=passes {
        let mut pass_costs = [Cost::default(); 3];
        for turn in 0..3 {
            let which = (pass + turn) % 3;
            pass_costs[which] = match which {
                0 => uniloop.block_on(ping_pong::<Uniloop>(PAIRED_ROUNDS)),
                1 => local.block_on(ping_pong::<Tokio<true>>(PAIRED_ROUNDS)),
                _ => current.block_on(ping_pong::<Tokio<false>>(PAIRED_ROUNDS)),
            };
        }
        if pass > 0 {
            costs.push(pass_costs);
        }
    }
    costs
}

/// Print each column's median [lowest .. highest] per round trip, and
/// uniloop's throughput over the faster tokio column's, pass by pass.
/// "The faster tokio" is the tokio column with the lower median, compared
/// with in every pass: taking the faster of two noisy tokio figures pass
/// by pass would favour tokio.
fn report_paired(passes: &[[Cost; 3]]) {
    type Metric = fn(&Cost) -> std::time::Duration;
    let metrics: [(&str, Metric); 2] = [("wall", |c| c.wall), ("cpu", Cost::cpu)];
    println!(
        "\nnet_paired: {} passes of the three runtimes in turn, {} round trips each",
        passes.len(),
        CONNECTIONS * PAIRED_ROUNDS
    );
    println!("  ns per round trip, median [lowest .. highest]:");
    for (i, name) in NAMES.iter().enumerate() {
        let line: Vec<String> = metrics
            .iter()
            .map(|(label, metric)| {
                let per = passes.iter().map(|p| p[i].per_round_trip(metric(&p[i])));
                let (median, low, high) = spread(per.collect());
                format!("{label} {median:>6.0} [{low:>6.0} .. {high:>6.0}]")
            })
            .collect();
        println!("  {name:<21} {}", line.join("   "));
    }
    for (label, metric) in metrics {
        let median =
            |i: usize| spread(passes.iter().map(|p| metric(&p[i]).as_secs_f64()).collect()).0;
        let tokio = if median(1) <= median(2) { 1 } else { 2 };
        let ratios = passes
            .iter()
            .map(|p| metric(&p[tokio]).as_secs_f64() / metric(&p[0]).as_secs_f64());
        let ratios: Vec<f64> = ratios.collect();
        let ahead = ratios.iter().filter(|&&r| r >= 1.0).count();
        let (median, low, high) = spread(ratios);
        println!(
            "  uniloop throughput / {}'s, by {label}: median {median:.3} [{low:.3} .. {high:.3}], \
             uniloop ahead in {ahead} of {} passes",
            NAMES[tokio],
            passes.len()
        );
    }
}

/// Under criterion's `--list`, `--test`, `--profile-time` or a name
/// filter, only criterion runs.
fn criterion_only() -> bool {
    let modes = ["--list", "--test", "--profile-time"];
    std::env::args()
        .skip(1)
        .any(|arg| modes.contains(&arg.split('=').next().unwrap()) || !arg.starts_with('-'))
}

/// `NET_ONLY=<column>`: `NET_ROUNDS` (default 2 000) round trips per
/// connection on that column alone, after a tenth as many to warm up;
/// prints their cost, and every round trip the process made.
fn only(name: &str) {
    let rounds = std::env::var("NET_ROUNDS").map_or(2_000, |n| n.parse().unwrap());
    let warm_up = rounds / 10 + 1;
    fn go<R: NetRt>(warm_up: u64, rounds: u64) -> Cost {
        let mut rt = R::new();
        rt.block_on(ping_pong::<R>(warm_up));
        rt.block_on(ping_pong::<R>(rounds))
    }
    let cost = match name {
        Uniloop::NAME => go::<Uniloop>(warm_up, rounds),
        Tokio::<true>::NAME => go::<Tokio<true>>(warm_up, rounds),
        Tokio::<false>::NAME => go::<Tokio<false>>(warm_up, rounds),
        _ => panic!("NET_ONLY={name}: the columns are {NAMES:?}"),
    };
    println!("{name}: {}", cost.describe());
    println!(
        "{name}: {} round trips in this process",
        CONNECTIONS * (warm_up + rounds)
    );
}

fn main() {
    if let Ok(name) = std::env::var("NET_ONLY") {
        return only(&name);
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut group = c.benchmark_group("net_ping_pong");
    group
        .throughput(Throughput::Elements(CONNECTIONS * ROUNDS))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20);
    let mut costs = Vec::new();
    column::<Uniloop>(&mut group, &mut costs);
    column::<Tokio<true>>(&mut group, &mut costs);
    column::<Tokio<false>>(&mut group, &mut costs);
    group.finish();
    if !costs.is_empty() {
        println!(
            "\nnet_ping_pong: what each column's round trips cost the thread (warm-up included)"
        );
        for (name, cost) in &costs {
            println!("  {name:<21} {}", cost.describe());
        }
    }

    let passes = std::env::var("NET_PASSES").map_or(30, |n| n.parse().unwrap());
    if passes > 0 && !criterion_only() {
        report_paired(&paired(passes));
    }
    c.final_summary();
}
