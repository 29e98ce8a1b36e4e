//! The `hyper` feature: real hyper 1.x servers and clients on uniloop,
//! over sockets on 127.0.0.1. Every scenario that could hang runs under a
//! watchdog.

mod support;

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::task::{Context, Waker};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::header::{CONNECTION, HOST, UPGRADE};
use hyper::rt::Timer;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Version};
use uniloop::hyper::{HyperExecutor, HyperIo, HyperTimer};
use uniloop::io::{AsyncReadExt, AsyncWriteExt};
use uniloop::net::{TcpListener, TcpStream, UnixStream};

use support::{message, watchdog};

/// "Hello, {path}!", counting the requests in an `Rc` (so the service and
/// its futures are `!Send`: nothing here needs `Send`).
fn hello(
    requests: Rc<Cell<usize>>,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Full<Bytes>>, Infallible>>,
> + Clone {
    service_fn(move |request: Request<Incoming>| {
        let requests = requests.clone();
        async move {
            requests.set(requests.get() + 1);
            let body = format!("Hello, {}!", request.uri().path());
            Ok(Response::new(Full::new(Bytes::from(body))))
        }
    })
}

/// Counts of what a test server saw.
#[derive(Clone, Default)]
struct Seen {
    connections: Rc<Cell<usize>>,
    requests: Rc<Cell<usize>>,
}

/// An HTTP/1 server on this loop, one task per connection.
async fn http1_server() -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let counts = seen.clone();
    uniloop::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counts.connections.set(counts.connections.get() + 1);
            let service = hello(counts.requests.clone());
            uniloop::spawn(async move {
                hyper::server::conn::http1::Builder::new()
                    .timer(HyperTimer)
                    .serve_connection(HyperIo::new(stream), service)
                    .await
                    .unwrap();
            })
            .detach();
        }
    })
    .detach();
    (addr, seen)
}

fn get(path: &str) -> Request<Empty<Bytes>> {
    Request::get(path)
        .header(HOST, "127.0.0.1")
        .body(Empty::new())
        .unwrap()
}

async fn body_of(response: Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn http1_keep_alive_serves_every_request_over_one_connection() {
    watchdog("HTTP/1 keep-alive", 60, || {
        uniloop::run(async {
            let (addr, seen) = http1_server().await;
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(HyperIo::new(stream))
                    .await
                    .unwrap();
            let driver = uniloop::spawn(connection);
            for path in ["/one", "/two", "/three"] {
                let response = sender.send_request(get(path)).await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                assert_eq!(response.version(), Version::HTTP_11);
                assert_eq!(body_of(response).await, format!("Hello, {path}!"));
            }
            assert_eq!(seen.connections.get(), 1);
            assert_eq!(seen.requests.get(), 3);
            drop(sender);
            driver.await.unwrap().unwrap();
        })
    });
}

#[test]
fn http2_with_prior_knowledge_multiplexes_requests_on_one_connection() {
    watchdog("HTTP/2", 60, || {
        uniloop::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let requests = Rc::new(Cell::new(0));
            let service = hello(requests.clone());
            let server = uniloop::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                hyper::server::conn::http2::Builder::new(HyperExecutor)
                    .timer(HyperTimer)
                    .serve_connection(HyperIo::new(stream), service)
                    .await
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let (sender, connection) = hyper::client::conn::http2::Builder::new(HyperExecutor)
                .timer(HyperTimer)
                .handshake(HyperIo::new(stream))
                .await
                .unwrap();
            let driver = uniloop::spawn(connection);
            let responses = uniloop::gather_all((0..10).map(|n| {
                let mut sender = sender.clone();
                async move {
                    let response = sender
                        .send_request(get(&format!("http://127.0.0.1/{n}")))
                        .await
                        .unwrap();
                    assert_eq!(response.version(), Version::HTTP_2);
                    body_of(response).await
                }
            }))
            .await;
            let expected: Vec<String> = (0..10).map(|n| format!("Hello, /{n}!")).collect();
            assert_eq!(responses, expected);
            assert_eq!(requests.get(), 10);

            drop(sender);
            driver.await.unwrap().unwrap();
            server.await.unwrap().unwrap();
        })
    });
}

/// The server answers `Upgrade: echo` with 101 and then echoes bytes over
/// the upgraded connection (hyper's `Upgraded`, which needs the I/O to be
/// `Send`).
#[test]
fn an_http_upgrade_hands_over_the_connection_to_a_custom_protocol() {
    watchdog("HTTP upgrade", 60, || {
        uniloop::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let upgrade = service_fn(|mut request: Request<Incoming>| async move {
                assert_eq!(request.headers()[UPGRADE], "echo");
                let upgrading = hyper::upgrade::on(&mut request);
                uniloop::spawn(async move {
                    let mut io = HyperIo::new(upgrading.await.unwrap());
                    let mut buf = [0; 1024];
                    loop {
                        let n = io.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        io.write_all(&buf[..n]).await.unwrap();
                    }
                    io.close().await.unwrap();
                })
                .detach();
                let switching = Response::builder()
                    .status(StatusCode::SWITCHING_PROTOCOLS)
                    .header(CONNECTION, "upgrade")
                    .header(UPGRADE, "echo")
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                Ok::<_, Infallible>(switching)
            });
            let server = uniloop::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(HyperIo::new(stream), upgrade)
                    .with_upgrades()
                    .await
            });

            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(HyperIo::new(stream))
                    .await
                    .unwrap();
            let driver = uniloop::spawn(connection.with_upgrades());
            let request = Request::get("/")
                .header(HOST, "127.0.0.1")
                .header(CONNECTION, "upgrade")
                .header(UPGRADE, "echo")
                .body(Empty::<Bytes>::new())
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
            let mut io = HyperIo::new(hyper::upgrade::on(response).await.unwrap());
            for message in [&b"ping"[..], b"not HTTP any more", &[0xff; 3000]] {
                io.write_all(message).await.unwrap();
                let mut echoed = vec![0; message.len()];
                io.read_exact(&mut echoed).await.unwrap();
                assert_eq!(echoed, message);
            }
            io.close().await.unwrap();
            let mut rest = Vec::new();
            io.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
            driver.await.unwrap().unwrap();
            server.await.unwrap().unwrap();
        })
    });
}

/// A client that sends half a request and stalls holds its connection
/// only: other clients are served meanwhile, and it is served when it
/// finishes.
#[test]
fn a_slow_client_does_not_stall_the_others() {
    watchdog("a slow client among fast ones", 60, || {
        uniloop::run(async {
            let (addr, seen) = http1_server().await;
            let mut slow = TcpStream::connect(addr).await.unwrap();
            slow.write_all(b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .unwrap();

            let fast = uniloop::gather_all((0..4).map(|client| async move {
                let stream = TcpStream::connect(addr).await.unwrap();
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(HyperIo::new(stream))
                        .await
                        .unwrap();
                let driver = uniloop::spawn(connection);
                let mut bodies = Vec::new();
                for n in 0..3 {
                    let path = format!("/{client}/{n}");
                    let response = sender.send_request(get(&path)).await.unwrap();
                    bodies.push(body_of(response).await);
                }
                drop(sender);
                driver.await.unwrap().unwrap();
                bodies
            }))
            .await;
            for (client, bodies) in fast.iter().enumerate() {
                let expected: Vec<String> =
                    (0..3).map(|n| format!("Hello, /{client}/{n}!")).collect();
                assert_eq!(*bodies, expected);
            }
            // Every fast request was served while the slow one waited.
            assert_eq!(seen.requests.get(), 12);

            slow.write_all(b"Connection: close\r\n\r\n").await.unwrap();
            let mut response = Vec::new();
            slow.read_to_end(&mut response).await.unwrap();
            let response = String::from_utf8(response).unwrap();
            assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
            assert!(response.ends_with("\r\n\r\nHello, /slow!"), "{response}");
            assert_eq!(seen.requests.get(), 13);
            assert_eq!(seen.connections.get(), 5);
        })
    });
}

/// hyper's header-read timeout runs on `HyperTimer`, so on the loop's
/// paused clock: it fires as soon as the loop has nothing else to do, at
/// exactly the virtual deadline.
#[test]
fn the_header_read_timeout_fires_on_the_paused_clock() {
    watchdog("the header-read timeout", 60, || {
        let rt = uniloop::Runtime::builder()
            .paused_clock(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let service = hello(Rc::default());
            let server = uniloop::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let start = uniloop::time::now();
                let served = hyper::server::conn::http1::Builder::new()
                    .timer(HyperTimer)
                    .header_read_timeout(Duration::from_secs(5))
                    .serve_connection(HyperIo::new(stream), service)
                    .await;
                (served, start.elapsed())
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            client
                .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .unwrap();
            // The server gives up on the unfinished head and closes.
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await.unwrap();
            assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));

            let (served, waited) = server.await.unwrap();
            let error = served.unwrap_err();
            assert!(error.is_timeout(), "{error}");
            // Virtual time: the deadline, to the loop's millisecond tick.
            assert!(waited >= Duration::from_secs(5), "{waited:?}");
            assert!(waited <= Duration::from_millis(5001), "{waited:?}");
        })
    });
}

/// `HyperIo` is `Send` for hyper's upgrades; touched on another thread it
/// panics before reaching the stream, and dropped there it leaks it.
#[test]
fn hyper_io_panics_off_its_thread_and_leaks_rather_than_drop_there() {
    let rt = uniloop::Runtime::new().unwrap();
    let (io, peer) = rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        (HyperIo::new(a), b)
    });
    let messages = thread::spawn(move || {
        let used = panic::catch_unwind(AssertUnwindSafe(|| io.inner().peer_addr().is_ok()));
        let dropped = panic::catch_unwind(AssertUnwindSafe(|| drop(io)));
        (
            message(&*used.unwrap_err()),
            message(&*dropped.unwrap_err()),
        )
    })
    .join()
    .unwrap();
    assert_eq!(
        messages.0,
        "uniloop::hyper::HyperIo used on a thread other than the one it was created on \
         (it belongs to its uniloop loop's thread)"
    );
    assert!(
        messages
            .1
            .starts_with("uniloop::hyper::HyperIo dropped on a thread other"),
        "{}",
        messages.1
    );
    // Leaked, not closed: the peer still sees an open stream.
    rt.block_on(async {
        let mut peer = peer;
        peer.write_all(b"still open").await.unwrap();
    });
}

/// `HyperSleep` is `Send + Sync` for hyper; polled on another thread it
/// panics without touching the timer, which still works on its own thread.
#[test]
fn hyper_sleep_panics_when_polled_off_its_thread() {
    let rt = uniloop::Runtime::builder()
        .paused_clock(true)
        .build()
        .unwrap();
    // Made inside the runtime (it needs the loop's clock), awaited later.
    let sleep = rt.block_on(async {
        let sleep = HyperTimer.sleep(Duration::from_secs(3));
        Some(sleep)
    });
    let sleep = sleep.unwrap();
    let (sleep, polled) = thread::spawn(move || {
        let mut sleep = sleep;
        let mut cx = Context::from_waker(Waker::noop());
        let polled = panic::catch_unwind(AssertUnwindSafe(|| sleep.as_mut().poll(&mut cx)));
        (sleep, message(&*polled.unwrap_err()))
    })
    .join()
    .unwrap();
    assert!(
        polled.starts_with("uniloop::hyper::HyperSleep used on a thread other"),
        "{polled}"
    );
    rt.block_on(async {
        let start = HyperTimer.now();
        sleep.await;
        assert!(HyperTimer.now() > start);
    });
}

/// `HyperTimer::reset` moves a sleep in place (hyper resets its
/// header-read timeout at every request of a kept-alive connection).
#[test]
fn hyper_timer_resets_its_sleeps_in_place() {
    let rt = uniloop::Runtime::builder()
        .paused_clock(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = HyperTimer.now();
        let mut sleep = HyperTimer.sleep(Duration::from_secs(60));
        let before: *const () = &*sleep as *const dyn hyper::rt::Sleep as *const ();
        HyperTimer.reset(&mut sleep, start + Duration::from_secs(1));
        let after: *const () = &*sleep as *const dyn hyper::rt::Sleep as *const ();
        assert_eq!(before, after, "reset allocated a new sleep");
        sleep.await;
        assert_eq!(HyperTimer.now() - start, Duration::from_secs(1));
    });
}
