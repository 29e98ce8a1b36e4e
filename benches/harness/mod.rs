//! Per-runtime adapters, so each benchmark workload is written once and run
//! on every runtime in the same process: uniloop, tokio's `LocalRuntime`
//! (`spawn_local`), tokio's current-thread runtime (`tokio::spawn`),
//! `async_executor::LocalExecutor` and `futures::executor::LocalPool`.
//!
//! Workloads spawn `Send` futures so that the same code runs on tokio's
//! current-thread runtime too; every runtime pays the same for them.

#![allow(dead_code)] // each bench binary uses a different part

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

/// One runtime under test.
pub trait Rt: Sized {
    /// The column name in reports.
    const NAME: &'static str;
    fn new() -> Self;
    fn block_on<F: Future>(&mut self, future: F) -> F::Output;
    /// Spawn on the runtime that is running (inside `block_on`); the handle
    /// resolves to the output. The same as `spawn_local` except where a
    /// runtime has a separate `Send` spawn.
    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Self::spawn_local(future)
    }
    /// Whether this runtime can only spawn `Send` futures (tokio's
    /// `tokio::spawn`): then `spawn_local` is unavailable and workloads use
    /// their `Send` form.
    const SEND_ONLY: bool = false;
    /// Spawn a `!Send` future (on runtimes where `SEND_ONLY` is false).
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static;
    /// Spawn and forget the handle; the task still runs.
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static;
    /// The runtime's own `yield_now` where it has one.
    fn yield_now() -> impl Future<Output = ()> + Send;
}

pub struct Uniloop(uniloop::Runtime);

impl Rt for Uniloop {
    const NAME: &'static str = "uniloop";
    fn new() -> Self {
        Uniloop(uniloop::Runtime::new().unwrap())
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let task = uniloop::spawn(future);
        async move { task.await.unwrap() }
    }
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(uniloop::spawn(future));
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        uniloop::yield_now()
    }
}

pub struct TokioLocal(tokio::runtime::LocalRuntime);

impl Rt for TokioLocal {
    const NAME: &'static str = "tokio_local";
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build_local(Default::default())
            .unwrap();
        TokioLocal(rt)
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let task = tokio::task::spawn_local(future);
        async move { task.await.unwrap() }
    }
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(tokio::task::spawn_local(future));
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

pub struct TokioCurrentThread(tokio::runtime::Runtime);

impl Rt for TokioCurrentThread {
    const NAME: &'static str = "tokio_current_thread";
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        TokioCurrentThread(rt)
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = tokio::spawn(future);
        async move { task.await.unwrap() }
    }
    const SEND_ONLY: bool = true;
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        drop(future);
        panic!("tokio::spawn runs only Send futures: use the workload's Send form");
        #[allow(unreachable_code)]
        std::future::pending()
    }
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(tokio::spawn(future));
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

thread_local! {
    static LOCAL_EXECUTOR: RefCell<Option<Rc<async_executor::LocalExecutor<'static>>>> =
        const { RefCell::new(None) };
    static LOCAL_SPAWNER: RefCell<Option<futures::executor::LocalSpawner>> =
        const { RefCell::new(None) };
}

pub struct AsyncExecutor(Rc<async_executor::LocalExecutor<'static>>);

impl Rt for AsyncExecutor {
    const NAME: &'static str = "async_executor";
    fn new() -> Self {
        AsyncExecutor(Rc::new(async_executor::LocalExecutor::new()))
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        LOCAL_EXECUTOR.with(|ex| *ex.borrow_mut() = Some(self.0.clone()));
        let output = futures::executor::block_on(self.0.run(future));
        LOCAL_EXECUTOR.with(|ex| *ex.borrow_mut() = None);
        output
    }
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        LOCAL_EXECUTOR.with(|ex| ex.borrow().as_ref().unwrap().spawn(future))
    }
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        LOCAL_EXECUTOR.with(|ex| ex.borrow().as_ref().unwrap().spawn(future).detach());
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        YieldNow(false)
    }
}

pub struct LocalPool(futures::executor::LocalPool);

impl Rt for LocalPool {
    const NAME: &'static str = "futures_local_pool";
    fn new() -> Self {
        LocalPool(futures::executor::LocalPool::new())
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        let spawner = self.0.spawner();
        LOCAL_SPAWNER.with(|s| *s.borrow_mut() = Some(spawner));
        let output = self.0.run_until(future);
        LOCAL_SPAWNER.with(|s| *s.borrow_mut() = None);
        output
    }
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        use futures::task::LocalSpawnExt;
        LOCAL_SPAWNER.with(|s| {
            s.borrow()
                .as_ref()
                .unwrap()
                .spawn_local_with_handle(future)
                .unwrap()
        })
    }
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        use futures::task::LocalSpawnExt;
        LOCAL_SPAWNER.with(|s| s.borrow().as_ref().unwrap().spawn_local(future).unwrap());
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        YieldNow(false)
    }
}

/// A plain `yield_now` for runtimes without one: wake, return `Pending`
/// once.
pub struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Benchmark `work` on runtime `R` as one column of `group`; the runtime is
/// built once, outside the measurement.
pub fn column<R: Rt>(group: &mut BenchmarkGroup<'_, WallTime>, work: fn(&mut R)) {
    group.bench_function(R::NAME, |b| {
        let mut rt = R::new();
        b.iter(|| work(&mut rt));
    });
}

/// A group of `elements` operations per iteration, one column per runtime.
pub fn group<'a>(c: &'a mut Criterion, name: &str, elements: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(elements));
    group
}

/// Run the workload function `$work::<R>` on every runtime as columns of
/// `$group`.
#[macro_export]
macro_rules! every_runtime {
    ($group:expr, $work:ident) => {{
        let group = &mut $group;
        harness::column::<harness::Uniloop>(group, $work::<harness::Uniloop>);
        harness::column::<harness::TokioLocal>(group, $work::<harness::TokioLocal>);
        harness::column::<harness::TokioCurrentThread>(group, $work::<harness::TokioCurrentThread>);
        harness::column::<harness::AsyncExecutor>(group, $work::<harness::AsyncExecutor>);
        harness::column::<harness::LocalPool>(group, $work::<harness::LocalPool>);
    }};
}
