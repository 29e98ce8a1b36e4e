//! monoio's columns (Linux only): its runtime on the epoll ("legacy")
//! driver and on the io_uring driver, `monoio::spawn` (monoio's tasks are
//! `!Send`, one thread each), its timers, and local-sync's `!Send`
//! semaphore and bounded `mpsc` channel (monoio's sibling crate).
//!
//! monoio has no mutex and no thread-safe channel: its sync column locks
//! async-lock's `Mutex`, and the channel benches' threadsafe group leaves
//! monoio out (its [`Channels`] thread types are uninhabited).
//!
//! The io_uring driver may be unavailable (an old kernel, a sandbox that
//! forbids `io_uring_setup`, `kernel.io_uring_disabled`): then
//! [`Rt::unavailable`] says why, and every bench skips the column.

use std::future::Future;
use std::ops::DerefMut;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Duration;

use monoio::time::TimeDriver;
use monoio::{IoUringDriver, LegacyDriver, RuntimeBuilder};

use super::{Channels, Primitives, Rt, SyncRt, TimeRt, YieldNow};

/// One monoio runtime: the driver, with or without its timer.
enum Driver {
    Legacy(monoio::Runtime<LegacyDriver>),
    LegacyTime(monoio::Runtime<TimeDriver<LegacyDriver>>),
    Uring(monoio::Runtime<IoUringDriver>),
    UringTime(monoio::Runtime<TimeDriver<IoUringDriver>>),
}

impl Driver {
    fn build(uring: bool, time: bool) -> std::io::Result<Driver> {
        Ok(match (uring, time) {
            (false, false) => Driver::Legacy(RuntimeBuilder::<LegacyDriver>::new().build()?),
            (false, true) => Driver::LegacyTime(
                RuntimeBuilder::<LegacyDriver>::new()
                    .enable_timer()
                    .build()?,
            ),
            (true, false) => Driver::Uring(RuntimeBuilder::<IoUringDriver>::new().build()?),
            (true, true) => Driver::UringTime(
                RuntimeBuilder::<IoUringDriver>::new()
                    .enable_timer()
                    .build()?,
            ),
        })
    }

    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        match self {
            Driver::Legacy(rt) => rt.block_on(future),
            Driver::LegacyTime(rt) => rt.block_on(future),
            Driver::Uring(rt) => rt.block_on(future),
            Driver::UringTime(rt) => rt.block_on(future),
        }
    }
}

/// Why monoio's io_uring driver cannot run here, if it cannot: checked
/// once, by building a runtime on it and running a task.
pub fn uring_unavailable() -> Option<&'static str> {
    static WHY: OnceLock<Option<String>> = OnceLock::new();
    WHY.get_or_init(|| match Driver::build(true, true) {
        Ok(mut rt) => {
            rt.block_on(async {
                monoio::spawn(async {}).await;
                monoio::time::sleep(Duration::from_millis(1)).await;
            });
            None
        }
        Err(e) => Some(format!("monoio's io_uring driver does not build here: {e}")),
    })
    .as_deref()
}

/// monoio on the epoll driver (`URING` false) or the io_uring driver;
/// `TIME` enables its timer (the time benches).
pub struct Monoio<const URING: bool, const TIME: bool = false>(Driver);

/// monoio on its epoll ("legacy") driver: the `monoio_legacy` column.
pub type MonoioLegacy<const TIME: bool = false> = Monoio<false, TIME>;
/// monoio on its io_uring driver: the `monoio_uring` column.
pub type MonoioUring<const TIME: bool = false> = Monoio<true, TIME>;

impl<const URING: bool, const TIME: bool> Rt for Monoio<URING, TIME> {
    const NAME: &'static str = if URING {
        "monoio_uring"
    } else {
        "monoio_legacy"
    };
    fn unavailable() -> Option<&'static str> {
        if URING {
            uring_unavailable()
        } else {
            None
        }
    }
    fn new() -> Self {
        Self(Driver::build(URING, TIME).unwrap())
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn_local<F>(future: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        monoio::spawn(future)
    }
    /// Dropping monoio's `JoinHandle` detaches the task.
    fn spawn_detached<F>(future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(monoio::spawn(future));
    }
    /// monoio has no public `yield_now`: the plain one.
    fn yield_now() -> impl Future<Output = ()> + Send {
        YieldNow(false)
    }
}

/// monoio's timer driver.
impl<const URING: bool> TimeRt for Monoio<URING, true> {
    async fn sleep(duration: Duration) {
        monoio::time::sleep(duration).await;
    }
    async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
        monoio::time::timeout(duration, future).await.ok()
    }
}

/// local-sync's `Semaphore` in an `Rc` and its bounded `mpsc` channel;
/// async-lock's `Mutex` (monoio and local-sync have none).
pub struct MonoioSync;

impl Primitives for MonoioSync {
    type Semaphore = Rc<local_sync::semaphore::Semaphore>;
    fn semaphore(permits: usize) -> Self::Semaphore {
        Rc::new(local_sync::semaphore::Semaphore::new(permits))
    }
    async fn acquire(semaphore: &Self::Semaphore) -> impl Sized + '_ {
        semaphore.acquire().await.unwrap()
    }
    type Mutex = Rc<async_lock::Mutex<u64>>;
    fn mutex(value: u64) -> Self::Mutex {
        Rc::new(async_lock::Mutex::new(value))
    }
    fn lock(mutex: &Self::Mutex) -> impl Future<Output = impl DerefMut<Target = u64> + '_> {
        mutex.lock()
    }
    type Sender = local_sync::mpsc::bounded::Tx<u64>;
    type Receiver = local_sync::mpsc::bounded::Rx<u64>;
    fn channel(capacity: usize) -> (Self::Sender, Self::Receiver) {
        local_sync::mpsc::bounded::channel(capacity)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        sender.send(item).await.unwrap();
    }
    async fn recv(receiver: &mut Self::Receiver) -> u64 {
        receiver.recv().await.unwrap()
    }
}

impl<const URING: bool> SyncRt for Monoio<URING> {
    type Primitives = MonoioSync;
}

/// No thread-safe channel: monoio has none (its runtime is one thread's).
/// Uninhabited, so nothing can be sent or received through it.
#[derive(Clone, Copy, Debug)]
pub enum NoThreadSafeChannel {}

/// local-sync's bounded `mpsc`; no thread-safe channel.
pub struct MonoioChannels;

impl Channels for MonoioChannels {
    type Sender = local_sync::mpsc::bounded::Tx<u64>;
    type Receiver = local_sync::mpsc::bounded::Rx<u64>;
    fn channel(capacity: usize, _senders: usize) -> (Self::Sender, Self::Receiver) {
        local_sync::mpsc::bounded::channel(capacity)
    }
    async fn send(sender: &mut Self::Sender, item: u64) {
        sender.send(item).await.unwrap();
    }
    fn recv(receiver: &mut Self::Receiver) -> impl Future<Output = Option<u64>> {
        receiver.recv()
    }
    type ThreadSender = NoThreadSafeChannel;
    type ThreadReceiver = NoThreadSafeChannel;
    fn threadsafe(_capacity: usize, _senders: usize) -> (Self::ThreadSender, Self::ThreadReceiver) {
        panic!("monoio has no thread-safe channel: leave its columns out of threadsafe")
    }
    fn send_blocking(sender: &mut Self::ThreadSender, _item: u64) {
        match *sender {}
    }
    async fn recv_threadsafe(receiver: &mut Self::ThreadReceiver) -> Option<u64> {
        match *receiver {}
    }
}

impl<const URING: bool> super::ChannelRt for Monoio<URING> {
    type Channels = MonoioChannels;
}
