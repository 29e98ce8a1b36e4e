//! The runtimes of the cost curves (`benches/curves.rs`): one adapter
//! each, with the primitives the workloads need of it.

use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Instant;

use super::REQUEST;

/// One runtime, with its timers and its I/O driver, and what the workloads
/// need of it.
pub(super) trait CurveRt: Sized + 'static {
    /// The column name, as in the other benches.
    const NAME: &'static str;
    /// Why it cannot run here, if it cannot.
    fn unavailable() -> Option<String> {
        None
    }
    fn new() -> Self;
    fn block_on<F: Future>(&mut self, future: F) -> F::Output;
    /// Spawn a `!Send` task; its handle as the runtime gives it (awaiting
    /// it waits for the task; what it resolves to is not looked at), so
    /// that the workloads' `Vec`s of handles weigh what a user's would.
    fn spawn<F: Future<Output = ()> + 'static>(future: F) -> impl Future + 'static;
    /// Spawn and forget the handle; the task still runs.
    fn spawn_detached<F: Future<Output = ()> + 'static>(future: F);
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()>;
    /// `Some(output)`, or `None` if `deadline` passed first.
    fn timeout_at<F: Future>(
        deadline: Instant,
        future: F,
    ) -> impl Future<Output = Option<F::Output>>;

    /// Something many tasks wait on and one call releases them all.
    type Event: 'static;
    fn event() -> Self::Event;
    fn wait(event: &Self::Event) -> impl Future<Output = ()> + '_;
    /// Release every waiter (`n` of them).
    fn set(event: &Self::Event, n: usize);

    type Listener: 'static;
    type Stream: 'static;
    fn bind(addr: SocketAddr) -> impl Future<Output = (Self::Listener, SocketAddr)>;
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + '_;
    /// Read a request and write it back.
    fn echo(stream: Self::Stream) -> impl Future<Output = ()>;
}

pub(super) struct Uniloop(uniloop::Runtime);

impl CurveRt for Uniloop {
    const NAME: &'static str = "uniloop";
    fn new() -> Self {
        Uniloop(uniloop::Runtime::new().unwrap())
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn<F: Future<Output = ()> + 'static>(future: F) -> impl Future + 'static {
        uniloop::spawn(future)
    }
    fn spawn_detached<F: Future<Output = ()> + 'static>(future: F) {
        drop(uniloop::spawn(future));
    }
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> {
        uniloop::sleep_until(deadline.into())
    }
    async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Option<F::Output> {
        uniloop::timeout_at(deadline.into(), future).await.ok()
    }
    type Event = uniloop::sync::Event;
    fn event() -> Self::Event {
        uniloop::sync::Event::new()
    }
    fn wait(event: &Self::Event) -> impl Future<Output = ()> + '_ {
        event.wait()
    }
    fn set(event: &Self::Event, _n: usize) {
        event.set();
    }
    type Listener = uniloop::net::TcpListener;
    type Stream = uniloop::net::TcpStream;
    async fn bind(addr: SocketAddr) -> (Self::Listener, SocketAddr) {
        let listener = uniloop::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    }
    async fn accept(listener: &Self::Listener) -> Self::Stream {
        listener.accept().await.unwrap().0
    }
    async fn echo(mut stream: Self::Stream) {
        use uniloop::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0; REQUEST.len()];
        stream.read_exact(&mut buf).await.unwrap();
        stream.write_all(&buf).await.unwrap();
    }
}

/// tokio's `LocalRuntime` (`spawn_local`) with its I/O and time drivers.
pub(super) struct Tokio(tokio::runtime::LocalRuntime);

impl CurveRt for Tokio {
    const NAME: &'static str = "tokio_local";
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build_local(Default::default())
            .unwrap();
        Tokio(rt)
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        self.0.block_on(future)
    }
    fn spawn<F: Future<Output = ()> + 'static>(future: F) -> impl Future + 'static {
        tokio::task::spawn_local(future)
    }
    fn spawn_detached<F: Future<Output = ()> + 'static>(future: F) {
        drop(tokio::task::spawn_local(future));
    }
    fn sleep_until(deadline: Instant) -> impl Future<Output = ()> {
        tokio::time::sleep_until(deadline.into())
    }
    async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Option<F::Output> {
        tokio::time::timeout_at(deadline.into(), future).await.ok()
    }
    type Event = tokio::sync::Notify;
    fn event() -> Self::Event {
        tokio::sync::Notify::new()
    }
    fn wait(event: &Self::Event) -> impl Future<Output = ()> + '_ {
        event.notified()
    }
    fn set(event: &Self::Event, _n: usize) {
        event.notify_waiters();
    }
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;
    async fn bind(addr: SocketAddr) -> (Self::Listener, SocketAddr) {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        (listener, addr)
    }
    async fn accept(listener: &Self::Listener) -> Self::Stream {
        listener.accept().await.unwrap().0
    }
    async fn echo(mut stream: Self::Stream) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0; REQUEST.len()];
        stream.read_exact(&mut buf).await.unwrap();
        stream.write_all(&buf).await.unwrap();
    }
}

thread_local! {
    static EXECUTOR: Rc<async_executor::LocalExecutor<'static>> =
        Rc::new(async_executor::LocalExecutor::new());
}

/// `async_executor::LocalExecutor` run by `async_io::block_on`, with
/// async-io's timers and sockets.
pub(super) struct AsyncExecutor;

impl CurveRt for AsyncExecutor {
    const NAME: &'static str = "async_executor";
    fn new() -> Self {
        AsyncExecutor
    }
    fn block_on<F: Future>(&mut self, future: F) -> F::Output {
        EXECUTOR.with(|ex| async_io::block_on(ex.run(future)))
    }
    fn spawn<F: Future<Output = ()> + 'static>(future: F) -> impl Future + 'static {
        EXECUTOR.with(|ex| ex.spawn(future))
    }
    fn spawn_detached<F: Future<Output = ()> + 'static>(future: F) {
        EXECUTOR.with(|ex| ex.spawn(future).detach());
    }
    async fn sleep_until(deadline: Instant) {
        async_io::Timer::at(deadline).await;
    }
    async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Option<F::Output> {
        use futures::future::{select, Either};
        match select(std::pin::pin!(future), async_io::Timer::at(deadline)).await {
            Either::Left((output, _)) => Some(output),
            Either::Right(_) => None,
        }
    }
    type Event = event_listener::Event;
    fn event() -> Self::Event {
        event_listener::Event::new()
    }
    async fn wait(event: &Self::Event) {
        event.listen().await;
    }
    fn set(event: &Self::Event, n: usize) {
        event.notify(n);
    }
    type Listener = async_io::Async<std::net::TcpListener>;
    type Stream = async_io::Async<std::net::TcpStream>;
    async fn bind(addr: SocketAddr) -> (Self::Listener, SocketAddr) {
        let listener = async_io::Async::<std::net::TcpListener>::bind(addr).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        (listener, addr)
    }
    async fn accept(listener: &Self::Listener) -> Self::Stream {
        listener.accept().await.unwrap().0
    }
    async fn echo(mut stream: Self::Stream) {
        use futures::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0; REQUEST.len()];
        stream.read_exact(&mut buf).await.unwrap();
        stream.write_all(&buf).await.unwrap();
    }
}

#[cfg(target_os = "linux")]
pub(super) mod monoio_curves {
    use super::*;
    use monoio::io::{AsyncReadRentExt, AsyncWriteRentExt};
    use monoio::time::TimeDriver;
    use monoio::{IoUringDriver, LegacyDriver, RuntimeBuilder};

    /// monoio with its timer, on the epoll driver or (`URING`) io_uring.
    pub enum Monoio<const URING: bool> {
        Legacy(monoio::Runtime<TimeDriver<LegacyDriver>>),
        Uring(monoio::Runtime<TimeDriver<IoUringDriver>>),
    }

    impl<const URING: bool> Monoio<URING> {
        fn build() -> std::io::Result<Self> {
            Ok(if URING {
                Monoio::Uring(
                    RuntimeBuilder::<IoUringDriver>::new()
                        .enable_timer()
                        .build()?,
                )
            } else {
                Monoio::Legacy(
                    RuntimeBuilder::<LegacyDriver>::new()
                        .enable_timer()
                        .build()?,
                )
            })
        }
    }

    impl<const URING: bool> CurveRt for Monoio<URING> {
        const NAME: &'static str = if URING {
            "monoio_uring"
        } else {
            "monoio_legacy"
        };
        fn unavailable() -> Option<String> {
            Self::build()
                .err()
                .map(|e| format!("monoio's driver does not build here: {e}"))
        }
        fn new() -> Self {
            Self::build().unwrap()
        }
        fn block_on<F: Future>(&mut self, future: F) -> F::Output {
            match self {
                Monoio::Legacy(rt) => rt.block_on(future),
                Monoio::Uring(rt) => rt.block_on(future),
            }
        }
        fn spawn<F: Future<Output = ()> + 'static>(future: F) -> impl Future + 'static {
            monoio::spawn(future)
        }
        fn spawn_detached<F: Future<Output = ()> + 'static>(future: F) {
            drop(monoio::spawn(future));
        }
        fn sleep_until(deadline: Instant) -> impl Future<Output = ()> {
            monoio::time::sleep_until(monoio::time::Instant::from_std(deadline))
        }
        async fn timeout_at<F: Future>(deadline: Instant, future: F) -> Option<F::Output> {
            let deadline = monoio::time::Instant::from_std(deadline);
            monoio::time::timeout_at(deadline, future).await.ok()
        }
        /// No event in monoio or local-sync: a semaphore with no permits,
        /// given one per waiter.
        type Event = local_sync::semaphore::Semaphore;
        fn event() -> Self::Event {
            local_sync::semaphore::Semaphore::new(0)
        }
        async fn wait(event: &Self::Event) {
            event.acquire().await.unwrap().forget();
        }
        fn set(event: &Self::Event, n: usize) {
            event.add_permits(n);
        }
        type Listener = monoio::net::TcpListener;
        type Stream = monoio::net::TcpStream;
        async fn bind(addr: SocketAddr) -> (Self::Listener, SocketAddr) {
            let listener = monoio::net::TcpListener::bind(addr).unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        }
        async fn accept(listener: &Self::Listener) -> Self::Stream {
            listener.accept().await.unwrap().0
        }
        async fn echo(mut stream: Self::Stream) {
            let (read, buf) = stream.read_exact(vec![0u8; REQUEST.len()]).await;
            read.unwrap();
            let (written, _) = stream.write_all(buf).await;
            written.unwrap();
        }
    }
}
