//! Structured-concurrency benchmarks: `uniloop::gather_all` beside tokio's
//! `JoinSet` (on both tokio runtimes) and `futures::future::join_all` in
//! the same run: `cargo bench --bench group`, then
//! `python3 benches/report.py group`.
//!
//! - `gather_ready`: 100 000 futures that are ready at their first poll.
//! - `gather_one_by_one`: 10 000 futures, each waiting on its own
//!   `futures` oneshot, completed one at a time by a driver that fires one
//!   and yields. A combinator that re-polled every future on each wake
//!   would do 50 million polls here instead of 20 000.
//!
//! `join_all` runs on the uniloop runtime, so its column differs from
//! uniloop's only in the combinator. `JoinSet` spawns a task per future,
//! which is what a tokio user gathers with. Every workload checks the
//! outputs, in input order.

mod harness;

use std::future::Future;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use futures::channel::oneshot;
use harness::{Rt, TokioCurrentThread, TokioLocal, Uniloop};

const READY: u64 = 100_000;
const ONE_BY_ONE: u64 = 10_000;

/// How a column gathers a batch of futures, in input order.
trait Gatherer: Rt {
    const COLUMN: &'static str;
    fn gather<F>(futures: Vec<F>) -> impl Future<Output = Vec<u64>>
    where
        F: Future<Output = u64> + Send + 'static;
    fn pause() -> impl Future<Output = ()>;
}

impl Gatherer for Uniloop {
    const COLUMN: &'static str = "uniloop";
    fn gather<F>(futures: Vec<F>) -> impl Future<Output = Vec<u64>>
    where
        F: Future<Output = u64> + Send + 'static,
    {
        uniloop::gather_all(futures)
    }
    fn pause() -> impl Future<Output = ()> {
        uniloop::yield_now()
    }
}

/// `futures::future::join_all`, on the uniloop runtime.
struct JoinAll(Uniloop);

impl Rt for JoinAll {
    const NAME: &'static str = "futures_join_all";
    fn new() -> Self {
        JoinAll(Uniloop::new())
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Uniloop::spawn_local(future)
    }
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        Uniloop::spawn_detached(future)
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        <Uniloop as Rt>::yield_now()
    }
}

impl Gatherer for JoinAll {
    const COLUMN: &'static str = "futures_join_all";
    fn gather<F>(futures: Vec<F>) -> impl Future<Output = Vec<u64>>
    where
        F: Future<Output = u64> + Send + 'static,
    {
        futures::future::join_all(futures)
    }
    fn pause() -> impl Future<Output = ()> {
        uniloop::yield_now()
    }
}

/// Collect a `JoinSet`'s outputs (tagged with their index) in input order.
async fn join_set(mut set: tokio::task::JoinSet<(usize, u64)>, n: usize) -> Vec<u64> {
    let mut out = vec![0; n];
    while let Some(joined) = set.join_next().await {
        let (i, value) = joined.unwrap();
        out[i] = value;
    }
    out
}

impl Gatherer for TokioLocal {
    const COLUMN: &'static str = "tokio_local";
    // Spawns when first polled, inside the runtime.
    async fn gather<F>(futures: Vec<F>) -> Vec<u64>
    where
        F: Future<Output = u64> + Send + 'static,
    {
        let n = futures.len();
        let mut set = tokio::task::JoinSet::new();
        for (i, future) in futures.into_iter().enumerate() {
            set.spawn_local(async move { (i, future.await) });
        }
        join_set(set, n).await
    }
    fn pause() -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }
}

impl Gatherer for TokioCurrentThread {
    const COLUMN: &'static str = "tokio_current_thread";
    // Spawns when first polled, inside the runtime.
    async fn gather<F>(futures: Vec<F>) -> Vec<u64>
    where
        F: Future<Output = u64> + Send + 'static,
    {
        let n = futures.len();
        let mut set = tokio::task::JoinSet::new();
        for (i, future) in futures.into_iter().enumerate() {
            set.spawn(async move { (i, future.await) });
        }
        join_set(set, n).await
    }
    fn pause() -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }
}

/// 100 000 futures, each ready at its first poll.
fn gather_ready<R: Gatherer>(rt: &mut R) {
    let out = rt.block_on(R::gather((0..READY).map(|i| async move { i }).collect()));
    assert_eq!(out.len() as u64, READY);
    assert!(out.iter().enumerate().all(|(i, &v)| v == i as u64));
}

/// 10 000 futures, completed one at a time by a driver that fires one
/// oneshot and yields.
fn gather_one_by_one<R: Gatherer>(rt: &mut R) {
    let out = rt.block_on(async {
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..ONE_BY_ONE).map(|_| oneshot::channel()).unzip();
        let waiting = receivers
            .into_iter()
            .map(|rx: oneshot::Receiver<u64>| async move { rx.await.unwrap() })
            .collect();
        let driver = async move {
            for (i, tx) in senders.into_iter().enumerate() {
                tx.send(i as u64).unwrap();
                R::pause().await;
            }
        };
        let ((), out) = futures::future::join(driver, R::gather(waiting)).await;
        out
    });
    assert_eq!(out.len() as u64, ONE_BY_ONE);
    assert!(out.iter().enumerate().all(|(i, &v)| v == i as u64));
}

fn column<R: Gatherer>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    work: fn(&mut R),
) {
    group.bench_function(R::COLUMN, |b| {
        let mut rt = R::new();
        b.iter(|| work(&mut rt));
    });
}

fn group(c: &mut Criterion) {
    let mut ready = harness::group(c, "gather_ready", READY);
    column::<Uniloop>(&mut ready, gather_ready);
    column::<JoinAll>(&mut ready, gather_ready);
    column::<TokioLocal>(&mut ready, gather_ready);
    column::<TokioCurrentThread>(&mut ready, gather_ready);
    ready.finish();
    let mut one_by_one = harness::group(c, "gather_one_by_one", ONE_BY_ONE);
    column::<Uniloop>(&mut one_by_one, gather_one_by_one);
    column::<JoinAll>(&mut one_by_one, gather_one_by_one);
    column::<TokioLocal>(&mut one_by_one, gather_one_by_one);
    column::<TokioCurrentThread>(&mut one_by_one, gather_one_by_one);
    one_by_one.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = group
}
criterion_main!(benches);
