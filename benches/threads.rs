//! Thread benchmarks: uniloop's `to_thread` and `Handle::spawn` beside
//! tokio's `spawn_blocking` and `Handle::spawn`, on tokio's `LocalRuntime`
//! and on its current-thread runtime, in the same run:
//! `cargo bench --bench threads`, then
//! `python3 benches/report.py threads_to_thread threads_handle_spawn`.
//!
//! - `threads_to_thread`: one round trip of a trivial closure through the
//!   runtime's blocking pool (`uniloop::to_thread`,
//!   `tokio::task::spawn_blocking`), awaited by the main future, one at a
//!   time. The runtime, and so its pool, lives for a whole criterion
//!   sample: only the round trips are timed (`iter_custom`), with the
//!   pool's threads already started after the first.
//! - `threads_handle_spawn`: `THREADS` OS threads each spawn `PER_THREAD`
//!   trivial tasks through a clone of the runtime's handle (uniloop's
//!   `Handle::spawn`, tokio's `Handle::spawn`; the handles are dropped,
//!   which detaches the tasks on both), while the runtime's thread
//!   `block_on`s until the last task has run. The threads are spawned and
//!   joined inside the timing, for every runtime alike.
//!
//! Every workload checks what it did (each round trip returns its own
//! value; the spawned tasks add up to the expected count and sum), so a
//! broken pool or handle fails the bench instead of timing well.
//!
//! tokio's runtimes are built with no driver (neither needs one here);
//! uniloop's always has its `mio` reactor, which a remote spawn wakes.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};
use futures::channel::oneshot;

/// OS threads spawning through the handle in `threads_handle_spawn`, and
/// the tasks each spawns per iteration.
const THREADS: u64 = 4;
const PER_THREAD: u64 = 10_000;

/// A runtime with a blocking pool and a handle other threads spawn with.
trait ThreadRt: Sized + 'static {
    /// The column name in reports.
    const NAME: &'static str;
    type Handle: Clone + Send + 'static;
    fn new() -> Self;
    fn block_on<F: Future>(&mut self, future: F) -> F::Output;
    fn handle(&self) -> Self::Handle;
    /// Run `f` on the runtime's blocking pool and await its output; called
    /// inside `block_on`.
    fn to_thread<F, T>(f: F) -> impl Future<Output = T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// From any thread: spawn `future` on the runtime and drop the task's
    /// handle (the task still runs).
    fn spawn_detached<F>(handle: &Self::Handle, future: F)
    where
        F: Future<Output = ()> + Send + 'static;
}

struct Uniloop(uniloop::Runtime);

impl ThreadRt for Uniloop {
    const NAME: &'static str = "uniloop";
    type Handle = uniloop::Handle;
    fn new() -> Self {
        Uniloop(uniloop::Runtime::new().unwrap())
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn handle(&self) -> Self::Handle {
        self.0.handle()
    }
    fn to_thread<F, T>(f: F) -> impl Future<Output = T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        uniloop::to_thread(f)
    }
    fn spawn_detached<F>(handle: &Self::Handle, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(handle.spawn(move || future));
    }
}

/// tokio's `LocalRuntime` if `LOCAL`, else its current-thread runtime.
enum Tokio<const LOCAL: bool> {
    Local(tokio::runtime::LocalRuntime),
    CurrentThread(tokio::runtime::Runtime),
}

impl<const LOCAL: bool> ThreadRt for Tokio<LOCAL> {
    const NAME: &'static str = if LOCAL {
        "tokio_local"
    } else {
        "tokio_current_thread"
    };
    type Handle = tokio::runtime::Handle;
    fn new() -> Self {
        let mut builder = tokio::runtime::Builder::new_current_thread();
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
    fn handle(&self) -> Self::Handle {
        match self {
            Tokio::Local(rt) => rt.handle().clone(),
            Tokio::CurrentThread(rt) => rt.handle().clone(),
        }
    }
    async fn to_thread<F, T>(f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        tokio::task::spawn_blocking(f).await.unwrap()
    }
    fn spawn_detached<F>(handle: &Self::Handle, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(handle.spawn(future));
    }
}

/// `iters` round trips of a trivial closure through the blocking pool,
/// one at a time; the time they took.
async fn to_thread_round_trips<R: ThreadRt>(iters: u64) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        assert_eq!(R::to_thread(move || i + 1).await, i + 1);
    }
    start.elapsed()
}

/// What the tasks of one `handle_spawn` iteration report to: a count down
/// to the last task, which wakes the runtime's thread, and the sum of the
/// numbers the tasks carried.
struct Done {
    left: AtomicU64,
    sum: AtomicU64,
    last: Mutex<Option<oneshot::Sender<()>>>,
}

impl Done {
    fn finish(&self, n: u64) {
        self.sum.fetch_add(n, Ordering::Relaxed);
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            let last = self.last.lock().unwrap().take().unwrap();
            last.send(()).unwrap();
        }
    }
}

/// One `handle_spawn` iteration: `THREADS` threads × `PER_THREAD` tasks
/// spawned through the handle while the runtime's thread waits for the
/// last of them.
fn handle_spawn<R: ThreadRt>(rt: &mut R) {
    let total = THREADS * PER_THREAD;
    let (tx, rx) = oneshot::channel();
    let done = Arc::new(Done {
        left: AtomicU64::new(total),
        sum: AtomicU64::new(0),
        last: Mutex::new(Some(tx)),
    });
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (handle, done) = (rt.handle(), done.clone());
            thread::spawn(move || {
                for n in t * PER_THREAD..(t + 1) * PER_THREAD {
                    let done = done.clone();
                    R::spawn_detached(&handle, async move { done.finish(n) });
                }
            })
        })
        .collect();
    rt.block_on(rx).unwrap();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(done.left.load(Ordering::Relaxed), 0);
    assert_eq!(done.sum.load(Ordering::Relaxed), total * (total - 1) / 2);
}

fn to_thread_column<R: ThreadRt>(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.bench_function(R::NAME, |b| {
        let mut rt = R::new();
        b.iter_custom(|iters| rt.block_on(to_thread_round_trips::<R>(iters)));
    });
}

fn handle_spawn_column<R: ThreadRt>(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.bench_function(R::NAME, |b| {
        let mut rt = R::new();
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                handle_spawn(&mut rt);
            }
            start.elapsed()
        });
    });
}

fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads_to_thread");
    group.throughput(Throughput::Elements(1)).sample_size(30);
    to_thread_column::<Uniloop>(&mut group);
    to_thread_column::<Tokio<true>>(&mut group);
    to_thread_column::<Tokio<false>>(&mut group);
    group.finish();

    let mut group = c.benchmark_group("threads_handle_spawn");
    group
        .throughput(Throughput::Elements(THREADS * PER_THREAD))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    handle_spawn_column::<Uniloop>(&mut group);
    handle_spawn_column::<Tokio<true>>(&mut group);
    handle_spawn_column::<Tokio<false>>(&mut group);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = threads
}
criterion_main!(benches);
