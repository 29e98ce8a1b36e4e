//! Sync primitive and queue benchmarks, uniloop's beside tokio's (on both
//! tokio runtimes) and async-lock's and futures' (on async-executor and
//! `LocalPool`) and local-sync's with async-lock's mutex (on monoio, Linux
//! only) in the same run: `cargo bench --bench sync`, then
//! `python3 benches/report.py`.
//!
//! Every workload checks what it did (no permit over the limit, no lost
//! update under the mutex, every item in order), so a broken primitive
//! fails the bench instead of timing well.

mod harness;

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};
use harness::{Primitives, Rt, SyncRt};

/// Tasks contending for the semaphore or the mutex.
const TASKS: u64 = 1_000;
/// Acquisitions (or locks) per task.
const ROUNDS: u64 = 100;
const PERMITS: usize = 10;
/// Items through the queue.
const ITEMS: u64 = 1_000_000;
const CAPACITY: usize = 128;

thread_local! {
    /// Permits held now, and the most held at once (every runtime here
    /// runs its tasks on the thread that calls `block_on`).
    static HELD: Cell<usize> = const { Cell::new(0) };
    static PEAK_HELD: Cell<usize> = const { Cell::new(0) };
}

/// What one spawned task does; each returns how many operations it
/// completed.
enum Job<P: Primitives> {
    /// `ROUNDS` times: acquire a permit, yield, release it.
    Acquire(P::Semaphore),
    /// `ROUNDS` times: lock, read the count, yield, store the count plus
    /// one, unlock (an update is lost if the mutex lets another task in).
    Lock(P::Mutex),
    /// Send 0, 1, …, `ITEMS` − 1.
    Produce(P::Sender),
    /// Receive `ITEMS` items, checking that each is the next in order.
    Consume(P::Receiver),
}

async fn run<R: Rt, P: Primitives>(job: Job<P>) -> u64 {
    match job {
        Job::Acquire(semaphore) => {
            for _ in 0..ROUNDS {
                let _permit = P::acquire(&semaphore).await;
                let held = HELD.get() + 1;
                HELD.set(held);
                PEAK_HELD.set(PEAK_HELD.get().max(held));
                R::yield_now().await;
                HELD.set(HELD.get() - 1);
            }
            ROUNDS
        }
        Job::Lock(mutex) => {
            for _ in 0..ROUNDS {
                let mut count = P::lock(&mutex).await;
                let read = *count;
                R::yield_now().await;
                *count = read + 1;
            }
            ROUNDS
        }
        Job::Produce(mut sender) => {
            for item in 0..ITEMS {
                P::send(&mut sender, item).await;
            }
            ITEMS
        }
        Job::Consume(mut receiver) => {
            for expected in 0..ITEMS {
                assert_eq!(P::recv(&mut receiver).await, expected);
            }
            ITEMS
        }
    }
}

/// Spawning a [`Job`]'s task: `spawn_local`, except on tokio's
/// current-thread runtime, whose `tokio::spawn` needs a `Send` task. Its
/// `run` is `Send` (tokio's primitives are), but that can only be checked
/// where the runtime is a concrete type, hence this trait.
trait SpawnJob: SyncRt + 'static {
    /// Whether `yield_now` lets the other ready tasks run before the
    /// yielding one. Not on monoio: a task that wakes itself is put at
    /// the front of the run queue and polled again at once, so a task
    /// never yields its permit or lock to another there.
    const YIELD_RUNS_OTHERS: bool = true;
    fn spawn_job(job: Job<Self::Primitives>) -> impl Future<Output = u64> + 'static {
        Self::spawn_local(run::<Self, Self::Primitives>(job))
    }
}

impl SpawnJob for harness::Uniloop {}
impl SpawnJob for harness::TokioLocal {}
impl SpawnJob for harness::AsyncExecutor {}
impl SpawnJob for harness::LocalPool {}
#[cfg(target_os = "linux")]
impl<const URING: bool> SpawnJob for harness::Monoio<URING> {
    const YIELD_RUNS_OTHERS: bool = false;
}

impl SpawnJob for harness::TokioCurrentThread {
    fn spawn_job(job: Job<harness::TokioSync>) -> impl Future<Output = u64> + 'static {
        Self::spawn(run::<Self, harness::TokioSync>(job))
    }
}

/// Spawn one task per job, await them all; the operations they completed.
async fn spawn_all<R: SpawnJob>(jobs: impl IntoIterator<Item = Job<R::Primitives>>) -> u64 {
    let tasks: Vec<_> = jobs.into_iter().map(R::spawn_job).collect();
    let mut done = 0;
    for task in tasks {
        done += task.await;
    }
    done
}

/// 1 000 tasks × 100 times: acquire one of 10 permits, yield, release.
fn semaphore<R: SpawnJob>(rt: &mut R) {
    PEAK_HELD.set(0);
    let acquired = rt.block_on(async {
        let semaphore = R::Primitives::semaphore(PERMITS);
        spawn_all::<R>((0..TASKS).map(|_| Job::Acquire(semaphore.clone()))).await
    });
    assert_eq!(acquired, TASKS * ROUNDS);
    assert_eq!(HELD.get(), 0);
    if R::YIELD_RUNS_OTHERS {
        assert_eq!(PEAK_HELD.get(), PERMITS);
    } else {
        assert!(PEAK_HELD.get() <= PERMITS);
    }
}

/// 1 000 tasks × 100 times: lock, read, yield, write, unlock.
fn mutex<R: SpawnJob>(rt: &mut R) {
    let (locked, count) = rt.block_on(async {
        let mutex = R::Primitives::mutex(0);
        let locked = spawn_all::<R>((0..TASKS).map(|_| Job::Lock(mutex.clone()))).await;
        let count = *R::Primitives::lock(&mutex).await;
        (locked, count)
    });
    assert_eq!(locked, TASKS * ROUNDS);
    assert_eq!(count, TASKS * ROUNDS);
}

/// 1 000 000 items from a producer task to a consumer task through a
/// channel holding 128.
fn queue_1to1<R: SpawnJob>(rt: &mut R) {
    let moved = rt.block_on(async {
        let (sender, receiver) = R::Primitives::channel(CAPACITY);
        spawn_all::<R>([Job::Produce(sender), Job::Consume(receiver)]).await
    });
    assert_eq!(moved, 2 * ITEMS);
}

/// A group of `elements` operations per iteration, sampled flat (every
/// sample runs the same number of iterations; each takes milliseconds).
fn flat_group<'a>(c: &'a mut Criterion, name: &str, elements: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = harness::group(c, name, elements);
    group.sampling_mode(SamplingMode::Flat);
    group
}

fn sync(c: &mut Criterion) {
    every_runtime!(flat_group(c, "semaphore", TASKS * ROUNDS), semaphore);
    every_runtime!(flat_group(c, "mutex", TASKS * ROUNDS), mutex);
    every_runtime!(flat_group(c, "queue_1to1", ITEMS), queue_1to1);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = sync
}
criterion_main!(benches);
