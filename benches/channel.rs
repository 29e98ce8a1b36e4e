//! Channel benchmarks: uniloop's `channel::mpsc` and `channel::threadsafe`
//! beside tokio's `mpsc` (on both tokio runtimes), async-channel (on
//! async-executor), futures' `mpsc` (on `LocalPool`) and local-sync's
//! `mpsc` (on monoio, Linux only; no thread-safe channel) in the same run:
//! `cargo bench --bench channel`, then `python3 benches/report.py`.
//!
//! Every workload checks what it did (each round trip returns its own
//! value, the 1-to-1 consumer gets every item in order, the many-to-1
//! consumers get exactly the items sent, by count and sum), so a broken
//! channel fails the bench instead of timing well.
//!
//! The groups are named `channel_*` so that `channel_ping_pong` does not
//! share a criterion directory with the executor bench's `ping_pong`.

mod harness;

use std::future::Future;
use std::ops::Range;
use std::thread;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use harness::{ChannelRt, Channels, Rt};

/// Round trips in `channel_ping_pong`.
const ROUND_TRIPS: u64 = 100_000;
/// Items through `channel_mpsc_1to1`.
const ITEMS: u64 = 1_000_000;
/// Producers in `channel_mpsc_10to1`, and the items each sends.
const PRODUCERS: u64 = 10;
const PER_PRODUCER: u64 = 100_000;
const CAPACITY: usize = 128;
/// OS threads sending in `channel_threadsafe`, the items each sends, and
/// the channel's capacity.
const THREADS: u64 = 4;
const PER_THREAD: u64 = 250_000;
const THREADSAFE_CAPACITY: usize = 1024;

/// What one spawned task does; each returns how many items it handled and
/// their sum.
enum Job<C: Channels> {
    /// `ROUND_TRIPS` times: send `i` on the first channel, wait for it to
    /// come back on the second.
    Ping(C::Sender, C::Receiver),
    /// Send back every item received, until the channel closes.
    Pong(C::Receiver, C::Sender),
    /// Send every item of the range, in order.
    Produce(C::Sender, Range<u64>),
    /// Receive until the channel closes, checking that each item is the
    /// next in order from 0.
    ConsumeInOrder(C::Receiver),
    /// Receive until the channel closes, in any order.
    Consume(C::Receiver),
    /// Receive from the thread-safe channel until it closes.
    ConsumeThreadsafe(C::ThreadReceiver),
}

async fn run<C: Channels>(job: Job<C>) -> (u64, u64) {
    match job {
        Job::Ping(mut sender, mut receiver) => {
            for i in 0..ROUND_TRIPS {
                C::send(&mut sender, i).await;
                assert_eq!(C::recv(&mut receiver).await, Some(i));
            }
            (ROUND_TRIPS, 0)
        }
        Job::Pong(mut receiver, mut sender) => {
            let mut count = 0;
            while let Some(i) = C::recv(&mut receiver).await {
                C::send(&mut sender, i).await;
                count += 1;
            }
            (count, 0)
        }
        Job::Produce(mut sender, items) => {
            let (count, sum) = (items.end - items.start, items.clone().sum());
            for item in items {
                C::send(&mut sender, item).await;
            }
            (count, sum)
        }
        Job::ConsumeInOrder(mut receiver) => {
            let mut expected = 0;
            while let Some(item) = C::recv(&mut receiver).await {
                assert_eq!(item, expected);
                expected += 1;
            }
            (expected, expected * expected.saturating_sub(1) / 2)
        }
        Job::Consume(mut receiver) => {
            let (mut count, mut sum) = (0, 0);
            while let Some(item) = C::recv(&mut receiver).await {
                count += 1;
                sum += item;
            }
            (count, sum)
        }
        Job::ConsumeThreadsafe(mut receiver) => {
            let (mut count, mut sum) = (0, 0);
            while let Some(item) = C::recv_threadsafe(&mut receiver).await {
                count += 1;
                sum += item;
            }
            (count, sum)
        }
    }
}

/// Spawning a [`Job`]'s task: `spawn_local`, except on tokio's
/// current-thread runtime, whose `tokio::spawn` needs a `Send` task. Its
/// `run` is `Send` (tokio's channels are), but that can only be checked
/// where the runtime is a concrete type, hence this trait.
trait SpawnJob: ChannelRt + 'static {
    fn spawn_job(job: Job<Self::Channels>) -> impl Future<Output = (u64, u64)> + 'static {
        Self::spawn_local(run::<Self::Channels>(job))
    }
}

impl SpawnJob for harness::Uniloop {}
impl SpawnJob for harness::TokioLocal {}
impl SpawnJob for harness::AsyncExecutor {}
impl SpawnJob for harness::LocalPool {}
#[cfg(target_os = "linux")]
impl<const URING: bool> SpawnJob for harness::Monoio<URING> {}

impl SpawnJob for harness::TokioCurrentThread {
    fn spawn_job(job: Job<harness::TokioChannels>) -> impl Future<Output = (u64, u64)> + 'static {
        Self::spawn(run::<harness::TokioChannels>(job))
    }
}

/// Spawn one task per job, in order, and await them all; what each
/// returned.
async fn spawn_all<R: SpawnJob>(jobs: Vec<Job<R::Channels>>) -> Vec<(u64, u64)> {
    let tasks: Vec<_> = jobs.into_iter().map(R::spawn_job).collect();
    let mut done = Vec::with_capacity(tasks.len());
    for task in tasks {
        done.push(task.await);
    }
    done
}

/// The sum of 0, 1, …, `n` − 1.
fn sum_below(n: u64) -> u64 {
    n * (n - 1) / 2
}

/// 100 000 round trips between two tasks over two channels holding 1.
fn ping_pong<R: SpawnJob>(rt: &mut R) {
    let done = rt.block_on(async {
        let (ping_tx, ping_rx) = R::Channels::channel(1, 1);
        let (pong_tx, pong_rx) = R::Channels::channel(1, 1);
        spawn_all::<R>(vec![
            Job::Ping(ping_tx, pong_rx),
            Job::Pong(ping_rx, pong_tx),
        ])
        .await
    });
    assert_eq!(done, [(ROUND_TRIPS, 0), (ROUND_TRIPS, 0)]);
}

/// 1 000 000 items from a producer task to a consumer task through a
/// channel holding 128.
fn mpsc_1to1<R: SpawnJob>(rt: &mut R) {
    let done = rt.block_on(async {
        let (sender, receiver) = R::Channels::channel(CAPACITY, 1);
        spawn_all::<R>(vec![
            Job::Produce(sender, 0..ITEMS),
            Job::ConsumeInOrder(receiver),
        ])
        .await
    });
    let items = (ITEMS, sum_below(ITEMS));
    assert_eq!(done, [items, items]);
}

/// 10 producer tasks × 100 000 items into one consumer task through a
/// channel holding 128.
fn mpsc_10to1<R: SpawnJob>(rt: &mut R) {
    let done = rt.block_on(async {
        let (sender, receiver) = R::Channels::channel(CAPACITY, PRODUCERS as usize);
        let mut jobs: Vec<_> = (0..PRODUCERS)
            .map(|p| Job::Produce(sender.clone(), p * PER_PRODUCER..(p + 1) * PER_PRODUCER))
            .collect();
        drop(sender);
        jobs.push(Job::Consume(receiver));
        spawn_all::<R>(jobs).await
    });
    let total = PRODUCERS * PER_PRODUCER;
    assert_eq!(done.len() as u64, PRODUCERS + 1);
    let (produced, consumed) = done.split_at(PRODUCERS as usize);
    assert!(produced.iter().all(|&(count, _)| count == PER_PRODUCER));
    assert_eq!(consumed, [(total, sum_below(total))]);
}

/// 4 OS threads × 250 000 items into a receiver task on the runtime
/// through a thread-safe channel holding 1 024. The threads are spawned
/// (and joined) inside the measured iteration, for every runtime alike.
fn threadsafe<R: SpawnJob>(rt: &mut R) {
    let (sender, receiver) = R::Channels::threadsafe(THREADSAFE_CAPACITY, THREADS as usize);
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let mut sender = sender.clone();
            thread::spawn(move || {
                for item in t * PER_THREAD..(t + 1) * PER_THREAD {
                    R::Channels::send_blocking(&mut sender, item);
                }
            })
        })
        .collect();
    drop(sender);
    let done = rt.block_on(async { spawn_all::<R>(vec![Job::ConsumeThreadsafe(receiver)]).await });
    for thread in threads {
        thread.join().unwrap();
    }
    let total = THREADS * PER_THREAD;
    assert_eq!(done, [(total, sum_below(total))]);
}

/// A group of `elements` operations per iteration, sampled flat (every
/// sample runs the same number of iterations; each takes milliseconds).
fn flat_group<'a>(
    c: &'a mut Criterion,
    name: &str,
    elements: u64,
    samples: usize,
) -> BenchmarkGroup<'a, WallTime> {
    let mut group = harness::group(c, name, elements);
    group.sampling_mode(SamplingMode::Flat).sample_size(samples);
    group
}

fn channel(c: &mut Criterion) {
    every_runtime!(
        flat_group(c, "channel_ping_pong", ROUND_TRIPS, 20),
        ping_pong
    );
    every_runtime!(flat_group(c, "channel_mpsc_1to1", ITEMS, 20), mpsc_1to1);
    every_runtime!(
        flat_group(c, "channel_mpsc_10to1", PRODUCERS * PER_PRODUCER, 20),
        mpsc_10to1
    );
    // An iteration takes 150–550 ms here: 6 s lets every column take its
    // 10 samples.
    let mut group = flat_group(c, "channel_threadsafe", THREADS * PER_THREAD, 10);
    group.measurement_time(Duration::from_secs(6));
    // monoio has no thread-safe channel: its columns sit this one out.
    columns!(
        harness::column,
        group,
        threadsafe,
        [
            harness::Uniloop,
            harness::TokioLocal,
            harness::TokioCurrentThread,
            harness::AsyncExecutor,
            harness::LocalPool,
        ]
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = channel
}
criterion_main!(benches);
