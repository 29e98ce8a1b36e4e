//! Per-runtime adapters, so each benchmark workload is written once and run
//! on every runtime in the same process: uniloop, tokio's `LocalRuntime`
//! (`spawn_local`), tokio's current-thread runtime (`tokio::spawn`),
//! `async_executor::LocalExecutor` and `futures::executor::LocalPool`.
//! [`TimeRt`] adds timers for the time benches: uniloop's, tokio's (both
//! runtimes built with their time driver) and async-io's (on a
//! `LocalExecutor` driven by `async_io::block_on`).
//! [`SyncRt`] pairs each runtime with a family of [`Primitives`] for the
//! sync benches: uniloop's own, tokio's (on both tokio runtimes), and
//! async-lock's semaphore and mutex with futures' `mpsc` channel on
//! async-executor and `LocalPool`. [`ChannelRt`] pairs each with a family
//! of [`Channels`] for the channel benches: uniloop's `channel::mpsc` and
//! `channel::threadsafe`, tokio's `mpsc` (on both tokio runtimes),
//! async-channel on async-executor and futures' `mpsc` on `LocalPool`.
//! On Linux, monoio runs as two more columns of each (`monoio_legacy`,
//! `monoio_uring`: its epoll and io_uring drivers; see `monoio_rt.rs`).
//!
//! Workloads spawn `Send` futures so that the same code runs on tokio's
//! current-thread runtime too; every runtime pays the same for them. (The
//! sync benches spawn `!Send` tasks wherever the runtime can run them; see
//! `SpawnJob` in `benches/sync.rs`.)

#![allow(dead_code)] // each bench binary uses a different part

#[cfg(target_os = "linux")]
mod monoio_rt;
#[cfg(target_os = "linux")]
#[allow(unused_imports)] // each bench binary uses a different part
pub use monoio_rt::{Monoio, MonoioChannels, MonoioLegacy, MonoioSync, MonoioUring};

use std::cell::RefCell;
use std::future::Future;
use std::ops::DerefMut;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput};

/// One runtime under test.
pub trait Rt: Sized {
    /// The column name in reports.
    const NAME: &'static str;
    /// Why this runtime cannot run on this machine, if it cannot (monoio's
    /// io_uring driver where io_uring is unavailable): its column is then
    /// skipped.
    fn unavailable() -> Option<&'static str> {
        None
    }
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

/// A current-thread tokio builder, with the time driver if `time` (the
/// time benches) and with no driver otherwise (the executor benches).
fn tokio_builder(time: bool) -> tokio::runtime::Builder {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    if time {
        builder.enable_time();
    }
    builder
}

/// tokio's `LocalRuntime`; `TIME` enables its time driver.
pub struct TokioLocal<const TIME: bool = false>(tokio::runtime::LocalRuntime);

impl<const TIME: bool> Rt for TokioLocal<TIME> {
    const NAME: &'static str = "tokio_local";
    fn new() -> Self {
        let rt = tokio_builder(TIME).build_local(Default::default()).unwrap();
        Self(rt)
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

/// tokio's current-thread runtime; `TIME` enables its time driver.
pub struct TokioCurrentThread<const TIME: bool = false>(tokio::runtime::Runtime);

impl<const TIME: bool> Rt for TokioCurrentThread<TIME> {
    const NAME: &'static str = "tokio_current_thread";
    fn new() -> Self {
        Self(tokio_builder(TIME).build().unwrap())
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

/// `async_executor::LocalExecutor`, driven by `futures::executor::block_on`,
/// or with `IO` by `async_io::block_on`, which runs async-io's reactor and
/// so its timers on this thread ([`AsyncIo`]).
pub struct AsyncExecutor<const IO: bool = false>(Rc<async_executor::LocalExecutor<'static>>);

/// async-io's timers on a `LocalExecutor`: the time benches' `async_io`
/// column.
pub type AsyncIo = AsyncExecutor<true>;

impl<const IO: bool> Rt for AsyncExecutor<IO> {
    const NAME: &'static str = if IO { "async_io" } else { "async_executor" };
    fn new() -> Self {
        Self(Rc::new(async_executor::LocalExecutor::new()))
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        LOCAL_EXECUTOR.with(|ex| *ex.borrow_mut() = Some(self.0.clone()));
        let run = self.0.run(future);
        let output = if IO {
            async_io::block_on(run)
        } else {
            futures::executor::block_on(run)
        };
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

/// A runtime with timers, for the time benches.
pub trait TimeRt: Rt {
    /// The runtime's `sleep(duration)`; called inside `block_on`.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + 'static;
    /// The runtime's `timeout(duration, future)`, as `Some(output)` or
    /// `None` if `duration` passed first; called inside `block_on`.
    fn timeout<F: Future>(duration: Duration, future: F)
        -> impl Future<Output = Option<F::Output>>;
    /// Spawn a task that sleeps for `duration` (its timer starts when the
    /// task first runs); the handle resolves when it has slept. A `!Send`
    /// task except where the runtime spawns only `Send` ones.
    fn spawn_sleep(duration: Duration) -> impl Future<Output = ()> + 'static {
        Self::spawn_local(Self::sleep(duration))
    }
}

/// uniloop's timing wheel.
impl TimeRt for Uniloop {
    async fn sleep(duration: Duration) {
        uniloop::sleep(duration).await;
    }
    async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        uniloop::timeout(duration, future).await.ok()
    }
}

/// tokio's time driver.
impl TimeRt for TokioLocal<true> {
    async fn sleep(duration: Duration) {
        tokio::time::sleep(duration).await;
    }
    async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        tokio::time::timeout(duration, future).await.ok()
    }
}

/// tokio's time driver, as on `TokioLocal`; its sleeping tasks go through
/// `tokio::spawn`.
impl TimeRt for TokioCurrentThread<true> {
    fn sleep(duration: Duration) -> impl Future<Output = ()> + 'static {
        TokioLocal::<true>::sleep(duration)
    }
    fn timeout<F: Future>(
        duration: Duration,
        future: F,
    ) -> impl Future<Output = Option<F::Output>> {
        TokioLocal::<true>::timeout(duration, future)
    }
    fn spawn_sleep(duration: Duration) -> impl Future<Output = ()> + 'static {
        Self::spawn(Self::sleep(duration))
    }
}

/// async-io's timers, in its reactor, which `async_io::block_on` runs.
impl TimeRt for AsyncIo {
    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }
    /// `future` raced against an `async_io::Timer`, `future` polled first.
    async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        use futures::future::{select, Either};
        match select(std::pin::pin!(future), async_io::Timer::after(duration)).await {
            Either::Left((output, _)) => Some(output),
            Either::Right(_) => None,
        }
    }
}

/// A semaphore, a mutex over a `u64` and a bounded channel of `u64`s: the
/// primitives the sync benches exercise, shared by the tasks of one
/// runtime (as `Rc`s, or `Arc`s where tasks must be `Send`).
pub trait Primitives: 'static {
    type Semaphore: Clone + 'static;
    fn semaphore(permits: usize) -> Self::Semaphore;
    /// Wait for a permit; it is released when the output is dropped.
    fn acquire(semaphore: &Self::Semaphore) -> impl Future<Output = impl Sized + '_>;
    type Mutex: Clone + 'static;
    fn mutex(value: u64) -> Self::Mutex;
    /// Wait for the lock; it is released when the guard is dropped.
    fn lock(mutex: &Self::Mutex) -> impl Future<Output = impl DerefMut<Target = u64> + '_>;
    type Sender: 'static;
    type Receiver: 'static;
    /// A channel holding at most `capacity` items.
    fn channel(capacity: usize) -> (Self::Sender, Self::Receiver);
    /// Send `item`, waiting while the channel is full.
    fn send(sender: &mut Self::Sender, item: u64) -> impl Future<Output = ()>;
    /// The next item, waiting while the channel is empty.
    fn recv(receiver: &mut Self::Receiver) -> impl Future<Output = u64>;
}

/// A runtime with the primitives its column uses, for the sync benches.
pub trait SyncRt: Rt {
    type Primitives: Primitives;
}

/// uniloop's `sync::Semaphore` and `sync::Mutex` in `Rc`s, and a
/// `queue::Queue` (one handle at each end).
pub struct UniloopSync;

impl Primitives for UniloopSync {
    type Semaphore = Rc<uniloop::sync::Semaphore>;
    fn semaphore(permits: usize) -> Self::Semaphore {
        Rc::new(uniloop::sync::Semaphore::new(permits))
    }
    fn acquire(semaphore: &Self::Semaphore) -> impl Future<Output = impl Sized + '_> {
        semaphore.acquire()
    }
    type Mutex = Rc<uniloop::sync::Mutex<u64>>;
    fn mutex(value: u64) -> Self::Mutex {
        Rc::new(uniloop::sync::Mutex::new(value))
    }
    fn lock(mutex: &Self::Mutex) -> impl Future<Output = impl DerefMut<Target = u64> + '_> {
        mutex.lock()
    }
    type Sender = uniloop::queue::Queue<u64>;
    type Receiver = uniloop::queue::Queue<u64>;
    fn channel(capacity: usize) -> (Self::Sender, Self::Receiver) {
        let queue = uniloop::queue::Queue::new(capacity);
        (queue.clone(), queue)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        sender.put(item).await.unwrap();
    }
    async fn recv(receiver: &mut Self::Receiver) -> u64 {
        receiver.get().await.unwrap()
    }
}

/// `tokio::sync`'s `Semaphore` and `Mutex` in `Arc`s, and its `mpsc`
/// channel.
pub struct TokioSync;

impl Primitives for TokioSync {
    type Semaphore = Arc<tokio::sync::Semaphore>;
    fn semaphore(permits: usize) -> Self::Semaphore {
        Arc::new(tokio::sync::Semaphore::new(permits))
    }
    async fn acquire(semaphore: &Self::Semaphore) -> impl Sized + '_ {
        semaphore.acquire().await.unwrap()
    }
    type Mutex = Arc<tokio::sync::Mutex<u64>>;
    fn mutex(value: u64) -> Self::Mutex {
        Arc::new(tokio::sync::Mutex::new(value))
    }
    fn lock(mutex: &Self::Mutex) -> impl Future<Output = impl DerefMut<Target = u64> + '_> {
        mutex.lock()
    }
    type Sender = tokio::sync::mpsc::Sender<u64>;
    type Receiver = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Sender, Self::Receiver) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        sender.send(item).await.unwrap();
    }
    async fn recv(receiver: &mut Self::Receiver) -> u64 {
        receiver.recv().await.unwrap()
    }
}

/// The peers' primitives, for async-executor and `LocalPool`:
/// async-lock's `Semaphore` and `Mutex` in `Rc`s, and futures' `mpsc`
/// channel.
pub struct PeerSync;

impl Primitives for PeerSync {
    type Semaphore = Rc<async_lock::Semaphore>;
    fn semaphore(permits: usize) -> Self::Semaphore {
        Rc::new(async_lock::Semaphore::new(permits))
    }
    fn acquire(semaphore: &Self::Semaphore) -> impl Future<Output = impl Sized + '_> {
        semaphore.acquire()
    }
    type Mutex = Rc<async_lock::Mutex<u64>>;
    fn mutex(value: u64) -> Self::Mutex {
        Rc::new(async_lock::Mutex::new(value))
    }
    fn lock(mutex: &Self::Mutex) -> impl Future<Output = impl DerefMut<Target = u64> + '_> {
        mutex.lock()
    }
    type Sender = futures::channel::mpsc::Sender<u64>;
    type Receiver = futures::channel::mpsc::Receiver<u64>;
    /// futures' channel holds its buffer plus one item per sender: a
    /// buffer of `capacity - 1` for the one sender.
    fn channel(capacity: usize) -> (Self::Sender, Self::Receiver) {
        futures::channel::mpsc::channel(capacity - 1)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        futures::SinkExt::send(sender, item).await.unwrap();
    }
    async fn recv(receiver: &mut Self::Receiver) -> u64 {
        futures::StreamExt::next(receiver).await.unwrap()
    }
}

impl SyncRt for Uniloop {
    type Primitives = UniloopSync;
}

impl SyncRt for TokioLocal {
    type Primitives = TokioSync;
}

impl SyncRt for TokioCurrentThread {
    type Primitives = TokioSync;
}

impl SyncRt for AsyncExecutor {
    type Primitives = PeerSync;
}

impl SyncRt for LocalPool {
    type Primitives = PeerSync;
}

/// A bounded `mpsc` channel of `u64`s between the tasks of one runtime, and
/// a thread-safe channel from plain OS threads into a task on it: what the
/// channel benches exercise.
pub trait Channels: 'static {
    type Sender: Clone + 'static;
    type Receiver: 'static;
    /// A channel holding at most `capacity` items, to be sent into by
    /// `senders` senders (futures' channel holds its buffer plus one item
    /// per sender, so its buffer is `capacity - senders`).
    fn channel(capacity: usize, senders: usize) -> (Self::Sender, Self::Receiver);
    /// Send `item`, waiting while the channel is full.
    fn send(sender: &mut Self::Sender, item: u64) -> impl Future<Output = ()>;
    /// The next item, waiting while the channel is empty; `None` once it is
    /// empty and every sender is gone.
    fn recv(receiver: &mut Self::Receiver) -> impl Future<Output = Option<u64>>;

    type ThreadSender: Clone + Send + 'static;
    type ThreadReceiver: 'static;
    /// A thread-safe channel holding at most `capacity` items, as
    /// [`channel`](Self::channel).
    fn threadsafe(capacity: usize, senders: usize) -> (Self::ThreadSender, Self::ThreadReceiver);
    /// Send `item` from a plain OS thread (no runtime on it), blocking it
    /// while the channel is full.
    fn send_blocking(sender: &mut Self::ThreadSender, item: u64);
    /// The next item, as [`recv`](Self::recv), on the runtime.
    fn recv_threadsafe(receiver: &mut Self::ThreadReceiver) -> impl Future<Output = Option<u64>>;
}

/// A runtime with the channels its column uses, for the channel benches.
pub trait ChannelRt: Rt {
    type Channels: Channels;
}

/// uniloop's `channel::mpsc` and `channel::threadsafe`.
pub struct UniloopChannels;

impl Channels for UniloopChannels {
    type Sender = uniloop::channel::mpsc::Sender<u64>;
    type Receiver = uniloop::channel::mpsc::Receiver<u64>;
    fn channel(capacity: usize, _senders: usize) -> (Self::Sender, Self::Receiver) {
        uniloop::channel::mpsc::channel(capacity)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        sender.send(item).await.unwrap();
    }
    fn recv(receiver: &mut Self::Receiver) -> impl Future<Output = Option<u64>> {
        receiver.recv()
    }
    type ThreadSender = uniloop::channel::threadsafe::Sender<u64>;
    type ThreadReceiver = uniloop::channel::threadsafe::Receiver<u64>;
    fn threadsafe(capacity: usize, _senders: usize) -> (Self::ThreadSender, Self::ThreadReceiver) {
        uniloop::channel::threadsafe::channel(capacity)
    }
    fn send_blocking(sender: &mut Self::ThreadSender, item: u64) {
        sender.send_blocking(item).unwrap();
    }
    fn recv_threadsafe(receiver: &mut Self::ThreadReceiver) -> impl Future<Output = Option<u64>> {
        receiver.recv()
    }
}

/// `tokio::sync::mpsc`, for both; OS threads send with `blocking_send`.
pub struct TokioChannels;

impl Channels for TokioChannels {
    type Sender = tokio::sync::mpsc::Sender<u64>;
    type Receiver = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize, _senders: usize) -> (Self::Sender, Self::Receiver) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        sender.send(item).await.unwrap();
    }
    fn recv(receiver: &mut Self::Receiver) -> impl Future<Output = Option<u64>> {
        receiver.recv()
    }
    type ThreadSender = tokio::sync::mpsc::Sender<u64>;
    type ThreadReceiver = tokio::sync::mpsc::Receiver<u64>;
    fn threadsafe(capacity: usize, senders: usize) -> (Self::ThreadSender, Self::ThreadReceiver) {
        Self::channel(capacity, senders)
    }
    fn send_blocking(sender: &mut Self::ThreadSender, item: u64) {
        sender.blocking_send(item).unwrap();
    }
    fn recv_threadsafe(receiver: &mut Self::ThreadReceiver) -> impl Future<Output = Option<u64>> {
        receiver.recv()
    }
}

/// `async_channel::bounded`, for both; OS threads send with
/// `send_blocking`.
pub struct AsyncChannels;

impl Channels for AsyncChannels {
    type Sender = async_channel::Sender<u64>;
    type Receiver = async_channel::Receiver<u64>;
    fn channel(capacity: usize, _senders: usize) -> (Self::Sender, Self::Receiver) {
        async_channel::bounded(capacity)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        sender.send(item).await.unwrap();
    }
    async fn recv(receiver: &mut Self::Receiver) -> Option<u64> {
        receiver.recv().await.ok()
    }
    type ThreadSender = async_channel::Sender<u64>;
    type ThreadReceiver = async_channel::Receiver<u64>;
    fn threadsafe(capacity: usize, senders: usize) -> (Self::ThreadSender, Self::ThreadReceiver) {
        Self::channel(capacity, senders)
    }
    fn send_blocking(sender: &mut Self::ThreadSender, item: u64) {
        sender.send_blocking(item).unwrap();
    }
    fn recv_threadsafe(receiver: &mut Self::ThreadReceiver) -> impl Future<Output = Option<u64>> {
        Self::recv(receiver)
    }
}

/// `futures::channel::mpsc`, for both; OS threads send with
/// `futures::executor::block_on(sender.send(item))`.
pub struct FuturesChannels;

impl Channels for FuturesChannels {
    type Sender = futures::channel::mpsc::Sender<u64>;
    type Receiver = futures::channel::mpsc::Receiver<u64>;
    /// A buffer of `capacity - senders`: each sender adds a slot of its own.
    fn channel(capacity: usize, senders: usize) -> (Self::Sender, Self::Receiver) {
        assert!(senders >= 1 && senders <= capacity);
        futures::channel::mpsc::channel(capacity - senders)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        futures::SinkExt::send(sender, item).await.unwrap();
    }
    fn recv(receiver: &mut Self::Receiver) -> impl Future<Output = Option<u64>> {
        futures::StreamExt::next(receiver)
    }
    type ThreadSender = futures::channel::mpsc::Sender<u64>;
    type ThreadReceiver = futures::channel::mpsc::Receiver<u64>;
    fn threadsafe(capacity: usize, senders: usize) -> (Self::ThreadSender, Self::ThreadReceiver) {
        Self::channel(capacity, senders)
    }
    fn send_blocking(sender: &mut Self::ThreadSender, item: u64) {
        futures::executor::block_on(futures::SinkExt::send(sender, item)).unwrap();
    }
    fn recv_threadsafe(receiver: &mut Self::ThreadReceiver) -> impl Future<Output = Option<u64>> {
        Self::recv(receiver)
    }
}

impl ChannelRt for Uniloop {
    type Channels = UniloopChannels;
}

impl ChannelRt for TokioLocal {
    type Channels = TokioChannels;
}

impl ChannelRt for TokioCurrentThread {
    type Channels = TokioChannels;
}

impl ChannelRt for AsyncExecutor {
    type Channels = AsyncChannels;
}

impl ChannelRt for LocalPool {
    type Channels = FuturesChannels;
}

/// Benchmark `work` on runtime `R` as one column of `group`. The runtime is
/// built outside the measurement, once per criterion sample (criterion
/// calls the closure once per sample).
pub fn column<R: Rt>(group: &mut BenchmarkGroup<'_, WallTime>, work: fn(&mut R)) {
    if let Some(why) = R::unavailable() {
        eprintln!("skipping the {} column: {why}", R::NAME);
        return;
    }
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

/// Call `$column($group, $work::<R>)` for every runtime `R` listed
/// (`$column` is [`column`] or has its shape), then for every runtime of
/// the `linux:` list on Linux only (monoio's).
#[macro_export]
macro_rules! columns {
    ($column:path, $group:expr, $work:ident, [$($rt:ty),+ $(,)?]
     $(, linux: [$($linux_rt:ty),+ $(,)?])?) => {{
        let group = &mut $group;
        $($column(group, $work::<$rt>);)+
        $(
            #[cfg(target_os = "linux")]
            {
                $($column(group, $work::<$linux_rt>);)+
            }
        )?
    }};
}

/// Run the workload function `$work::<R>` on every runtime as columns of
/// `$group`.
#[macro_export]
macro_rules! every_runtime {
    ($group:expr, $work:ident) => {
        $crate::columns!(
            harness::column,
            $group,
            $work,
            [
                harness::Uniloop,
                harness::TokioLocal,
                harness::TokioCurrentThread,
                harness::AsyncExecutor,
                harness::LocalPool,
            ],
            linux: [harness::MonoioLegacy, harness::MonoioUring]
        )
    };
}

/// Run the workload function `$work::<R>` on every runtime with timers
/// ([`TimeRt`]) as columns of `$group`; or pass each to `$column` instead
/// of [`column`].
#[macro_export]
macro_rules! every_timer_runtime {
    ($group:expr, $work:ident) => {
        $crate::every_timer_runtime!(harness::column, $group, $work)
    };
    ($column:path, $group:expr, $work:ident) => {
        $crate::columns!(
            $column,
            $group,
            $work,
            [
                harness::Uniloop,
                harness::TokioLocal<true>,
                harness::TokioCurrentThread<true>,
                harness::AsyncIo,
            ],
            linux: [harness::MonoioLegacy<true>, harness::MonoioUring<true>]
        )
    };
}
