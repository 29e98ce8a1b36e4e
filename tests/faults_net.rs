//! Fault injection on sockets (127.0.0.1 only): the loop must stay
//! responsive after a socket error, the error must reach only the task
//! that uses the broken socket, and a follow-up read or write must neither
//! spin nor hang. Also: I/O objects used after their runtime was dropped,
//! and the panic message of a host-name lookup outside a runtime.
//!
//! A socket fault can make the loop spin inside one poll, which no thread
//! can stop: each fault scenario runs in a child process (this binary
//! again, running only that test) that is killed when its watchdog
//! expires. "Responsive" means a 200 ms timer started before the fault
//! fires within a generous 5 s.

mod fault_support;

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use fault_support::{after_its_runtime_is_dropped, child_case, payload_message};
use uniloop::io::{AsyncReadExt, AsyncWriteExt};
use uniloop::net::{TcpListener, TcpStream, UdpSocket};
use uniloop::{spawn, timeout, Runtime, Task};

/// How long a child scenario may take before it counts as hung or spinning.
const CHILD_SECS: u64 = 10;

/// A 200 ms timer, started now; see [`assert_fired`].
fn timer_200ms() -> Task<()> {
    spawn(uniloop::sleep(Duration::from_millis(200)))
}

/// The loop stayed responsive: the timer `timer_200ms` started fires
/// (within a generous 5 s).
async fn assert_fired(timer: Task<()>) {
    timeout(Duration::from_secs(5), timer)
        .await
        .expect("the loop is not responsive: a 200 ms timer did not fire within 5 s")
        .unwrap();
}

/// A connection to an echo server running on this loop, to check that a
/// fault on another socket leaves it working; the server task too.
async fn echo_connection() -> (TcpStream, Task<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut buf = [0; 1024];
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => conn.write_all(&buf[..n]).await.unwrap(),
            }
        }
    });
    (TcpStream::connect(addr).await.unwrap(), server)
}

/// The echo connection still works.
async fn assert_echoes(conn: &mut TcpStream, round: u8) {
    let message = [round; 32];
    let echoed = timeout(Duration::from_secs(5), async {
        conn.write_all(&message).await?;
        let mut back = [0; 32];
        conn.read_exact(&mut back).await?;
        io::Result::Ok(back)
    })
    .await
    .expect("another connection on the same loop stopped working")
    .unwrap();
    assert_eq!(echoed, message);
}

/// A uniloop stream connected to a plain blocking `std` peer.
async fn connected_to_std_peer() -> (TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ours = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    // The connection is established: accept returns at once.
    let (peer, _) = listener.accept().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    (ours, peer)
}

/// Make `peer` reset its connection: wait until it has received data it
/// has not read (`peek` does not consume it), then close it. Closing a
/// socket with unread received data sends RST instead of FIN.
fn reset(peer: std::net::TcpStream) {
    let mut byte = [0; 1];
    assert_eq!(
        peer.peek(&mut byte).unwrap(),
        1,
        "the peer received nothing"
    );
    drop(peer);
}

/// After a reset: a read ends (error or end of stream) or times out, and
/// a write fails or times out; neither spins (the child's watchdog) nor
/// succeeds.
async fn follow_up_after_reset(stream: &mut TcpStream) {
    let mut buf = [0; 64];
    match timeout(Duration::from_millis(500), stream.read(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) | Err(_) => {}
        Ok(Ok(n)) => panic!("read {n} bytes from a reset connection"),
    }
    let written = timeout(Duration::from_millis(500), stream.write_all(&[1; 1024])).await;
    assert!(
        !matches!(written, Ok(Ok(()))),
        "a write to a reset connection succeeded"
    );
}

fn is_reset_or_broken_pipe(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
    )
}

/// Defect 1: after `ECONNREFUSED` on a connected UDP socket (the ICMP
/// error sets EPOLLERR), the next `recv` must wait (its timeout fires), not
/// loop forever inside one poll because `WouldBlock` cleared `READABLE`
/// but left the error bit set. The loop stays responsive and another
/// socket pair on it keeps working.
#[test]
fn udp_recv_after_connection_refused_waits_instead_of_spinning() {
    child_case(
        "udp_recv_after_connection_refused_waits_instead_of_spinning",
        CHILD_SECS,
        "the loop spun/hung after ECONNREFUSED on a connected UdpSocket",
        || {
            uniloop::run(async {
                let timer = timer_200ms();
                let closed: SocketAddr = {
                    let gone = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                    gone.local_addr().unwrap()
                };
                let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                sock.connect(closed).await.unwrap();
                sock.send(b"anyone there?").await.unwrap();
                let mut buf = [0; 64];
                let first = timeout(Duration::from_secs(5), sock.recv(&mut buf))
                    .await
                    .expect("the ICMP error never reached recv");
                assert_eq!(first.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
                // Nothing more will come: this recv must time out.
                let second = timeout(Duration::from_millis(200), sock.recv(&mut buf)).await;
                assert!(second.is_err(), "the second recv returned {second:?}");
                assert_fired(timer).await;
                // Another pair on the same loop still works.
                let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                a.send_to(b"still here", b.local_addr().unwrap())
                    .await
                    .unwrap();
                let (n, _) = timeout(Duration::from_secs(5), b.recv_from(&mut buf))
                    .await
                    .expect("another UDP socket on the loop stopped receiving")
                    .unwrap();
                assert_eq!(&buf[..n], b"still here");
            });
        },
    );
}

/// Defect 1 (TCP): the peer resets the connection while a task waits in
/// `read`: that read fails with `ConnectionReset`, a follow-up read/write
/// neither spins nor succeeds, the loop stays responsive and another
/// connection on it keeps working.
#[test]
fn tcp_reset_during_a_read_fails_only_that_read() {
    child_case(
        "tcp_reset_during_a_read_fails_only_that_read",
        CHILD_SECS,
        "the loop spun/hung after a TCP reset during a read",
        || {
            uniloop::run(async {
                let timer = timer_200ms();
                let (mut other, _server) = echo_connection().await;
                assert_echoes(&mut other, 1).await;
                let (mut ours, peer) = connected_to_std_peer().await;
                ours.write_all(b"never read").await.unwrap();
                let reader = spawn(async move {
                    let mut buf = [0; 64];
                    let read = ours.read(&mut buf).await;
                    (ours, read)
                });
                // Let the reader start waiting (it fails the same way if
                // the reset comes first).
                uniloop::sleep(Duration::from_millis(20)).await;
                reset(peer);
                let (mut ours, read) = timeout(Duration::from_secs(5), reader)
                    .await
                    .expect("a read did not see the peer's reset within 5 s")
                    .unwrap();
                let err = read.unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err:?}");
                follow_up_after_reset(&mut ours).await;
                assert_echoes(&mut other, 2).await;
                assert_fired(timer).await;
            });
        },
    );
}

/// Defect 1 (TCP): the peer resets the connection while a task is blocked
/// writing a large buffer: the write fails (`ConnectionReset` or
/// `BrokenPipe`), a follow-up read/write neither spins nor succeeds, the
/// loop stays responsive and another connection keeps working.
#[test]
fn tcp_reset_during_a_write_fails_only_that_write() {
    child_case(
        "tcp_reset_during_a_write_fails_only_that_write",
        CHILD_SECS,
        "the loop spun/hung after a TCP reset during a write",
        || {
            uniloop::run(async {
                let timer = timer_200ms();
                let (mut other, _server) = echo_connection().await;
                let (mut ours, peer) = connected_to_std_peer().await;
                // Far more than the socket buffers hold: the write blocks.
                let writer = spawn(async move {
                    let big = vec![7; 64 << 20];
                    let written = ours.write_all(&big).await;
                    (ours, written)
                });
                uniloop::sleep(Duration::from_millis(50)).await;
                assert!(!writer.is_finished(), "64 MiB fit in the socket buffers");
                reset(peer);
                let (mut ours, written) = timeout(Duration::from_secs(5), writer)
                    .await
                    .expect("a blocked write did not see the peer's reset within 5 s")
                    .unwrap();
                let err = written.unwrap_err();
                assert!(is_reset_or_broken_pipe(&err), "{err:?}");
                follow_up_after_reset(&mut ours).await;
                assert_echoes(&mut other, 3).await;
                assert_fired(timer).await;
            });
        },
    );
}

/// Defect 1 (TCP): a half-closed peer (`shutdown(Write)`): our reads get
/// end of stream, again and again without spinning, while our writes still
/// reach the peer; the loop stays responsive.
#[test]
fn tcp_half_closed_peer_reads_eof_and_still_takes_writes() {
    child_case(
        "tcp_half_closed_peer_reads_eof_and_still_takes_writes",
        CHILD_SECS,
        "the loop spun/hung on a half-closed TCP connection",
        || {
            uniloop::run(async {
                let timer = timer_200ms();
                let (mut other, _server) = echo_connection().await;
                let (mut ours, mut peer) = connected_to_std_peer().await;
                peer.shutdown(Shutdown::Write).unwrap();
                let mut buf = [0; 64];
                for _ in 0..3 {
                    let read = timeout(Duration::from_secs(5), ours.read(&mut buf))
                        .await
                        .expect("a read on a half-closed connection hung");
                    assert_eq!(read.unwrap(), 0, "expected end of stream");
                }
                ours.write_all(b"still open").await.unwrap();
                let mut got = [0; 10];
                peer.read_exact(&mut got).unwrap();
                assert_eq!(&got, b"still open");
                assert_echoes(&mut other, 4).await;
                assert_fired(timer).await;
            });
        },
    );
}

/// Defect 1 (streams): the peer disappears (reset) while
/// `StreamWriter::drain` waits for a large buffer to go out: `drain`
/// fails, a follow-up write + drain fails or times out (no spin, no
/// success), reading the same connection ends, and the loop stays
/// responsive.
#[test]
fn stream_writer_drain_fails_when_the_peer_disappears() {
    child_case(
        "stream_writer_drain_fails_when_the_peer_disappears",
        CHILD_SECS,
        "the loop spun/hung after the peer vanished during StreamWriter::drain",
        || {
            uniloop::run(async {
                let timer = timer_200ms();
                let (mut other, _server) = echo_connection().await;
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let (mut reader, mut writer) =
                    uniloop::net::open_connection(listener.local_addr().unwrap())
                        .await
                        .unwrap();
                let (peer, _) = listener.accept().unwrap();
                peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                writer.write(&vec![9; 64 << 20]);
                let drainer = spawn(async move {
                    let drained = writer.drain().await;
                    (writer, drained)
                });
                uniloop::sleep(Duration::from_millis(50)).await;
                assert!(!drainer.is_finished(), "64 MiB fit in the socket buffers");
                reset(peer);
                let (mut writer, drained) = timeout(Duration::from_secs(5), drainer)
                    .await
                    .expect("drain did not see the peer vanish within 5 s")
                    .unwrap();
                let err = drained.unwrap_err();
                assert!(is_reset_or_broken_pipe(&err), "{err:?}");
                writer.write(b"more");
                let again = timeout(Duration::from_millis(500), writer.drain()).await;
                assert!(
                    !matches!(again, Ok(Ok(()))),
                    "drain to a vanished peer succeeded"
                );
                let line = timeout(Duration::from_millis(500), reader.read_line()).await;
                if let Ok(Ok(line)) = line {
                    assert!(line.is_empty(), "read {line:?} from a reset connection");
                }
                assert_echoes(&mut other, 5).await;
                assert_fired(timer).await;
            });
        },
    );
}

// ---------------------------------------------------------------------------
// Defect 7: I/O objects used after their runtime was dropped
// ---------------------------------------------------------------------------

/// Make an I/O object on runtime A, drop A, then run `use_it` on a new
/// runtime B: it must end (with an error), not wait forever for events
/// that A's reactor, which nobody polls any more, can never deliver.
fn after_its_runtime_is_gone<S: 'static, T: Send + 'static>(
    what: &'static str,
    make: impl AsyncFnOnce() -> S + Send + 'static,
    use_it: impl AsyncFnOnce(S) -> io::Result<T> + Send + 'static,
) {
    let hung =
        format!("{what} created on a runtime that was then dropped hangs (expected an io::Error)");
    let outcome = after_its_runtime_is_dropped(&hung, make, use_it).unwrap();
    assert!(outcome.is_err(), "{what} on a dropped runtime succeeded");
}

/// Defect 7: `TcpListener::accept` on a listener whose runtime is gone
/// returns an `io::Error` instead of hanging.
#[test]
fn accept_on_a_listener_of_a_dropped_runtime_is_an_error() {
    after_its_runtime_is_gone(
        "TcpListener::accept",
        async || TcpListener::bind("127.0.0.1:0").await.unwrap(),
        async |listener| listener.accept().await.map(|_| ()),
    );
}

/// Defect 7: `TcpStream::read` on a stream whose runtime is gone returns
/// an `io::Error` instead of hanging (the peer sends nothing).
#[test]
fn read_on_a_stream_of_a_dropped_runtime_is_an_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || listener.accept().unwrap().0);
    after_its_runtime_is_gone(
        "TcpStream::read",
        async move || TcpStream::connect(addr).await.unwrap(),
        async |mut stream| {
            let mut buf = [0; 16];
            stream.read(&mut buf).await
        },
    );
    drop(peer.join().unwrap());
}

/// Defect 7: `UdpSocket::recv` on a socket whose runtime is gone returns
/// an `io::Error` instead of hanging.
#[test]
fn recv_on_a_udp_socket_of_a_dropped_runtime_is_an_error() {
    after_its_runtime_is_gone(
        "UdpSocket::recv",
        async || UdpSocket::bind("127.0.0.1:0").await.unwrap(),
        async |socket| {
            let mut buf = [0; 16];
            socket.recv(&mut buf).await
        },
    );
}

// ---------------------------------------------------------------------------
// Defect 11b: host-name lookups outside a runtime name the public call
// ---------------------------------------------------------------------------

/// Poll `future` to its end outside any uniloop runtime (with the
/// `futures` executor); the message it panics with.
fn panic_outside_a_runtime<F: std::future::Future>(future: F) -> String {
    match panic::catch_unwind(AssertUnwindSafe(|| futures::executor::block_on(future))) {
        Ok(_) => panic!("expected a panic outside a runtime, but the future completed"),
        Err(payload) => payload_message(&*payload),
    }
}

/// Assert that `message` names `function`, the public call, and not an
/// internal helper.
fn assert_names(message: &str, function: &str) {
    assert!(
        message.contains(function) && message.contains("outside a uniloop runtime"),
        "the panic should name `{function}`, the function called: {message:?}"
    );
    assert!(
        !message.contains("resolve"),
        "the panic names an internal function: {message:?}"
    );
}

/// Defect 11b: `TcpStream::connect` with a host name, outside a runtime,
/// panics naming `uniloop::net::TcpStream::connect()` (as it already does
/// for a literal address), not the internal resolver.
#[test]
fn tcp_connect_to_a_host_name_outside_a_runtime_names_tcpstream_connect() {
    let literal = panic_outside_a_runtime(TcpStream::connect("127.0.0.1:1"));
    assert_names(&literal, "TcpStream::connect");
    let host = panic_outside_a_runtime(TcpStream::connect("localhost:1"));
    assert_names(&host, "TcpStream::connect");
}

/// Defect 11b: `TcpListener::bind` with a host name, outside a runtime,
/// names `TcpListener::bind`.
#[test]
fn tcp_bind_to_a_host_name_outside_a_runtime_names_tcplistener_bind() {
    let host = panic_outside_a_runtime(TcpListener::bind("localhost:0"));
    assert_names(&host, "TcpListener::bind");
}

/// Defect 11b: `UdpSocket::bind`, `connect` and `send_to` with a host
/// name, outside a runtime, each name themselves. (The socket for
/// `connect` and `send_to` is made on a runtime that stays alive; only the
/// call is outside it.)
#[test]
fn udp_calls_with_a_host_name_outside_a_runtime_name_themselves() {
    let bind = panic_outside_a_runtime(UdpSocket::bind("localhost:0"));
    assert_names(&bind, "UdpSocket::bind");
    let rt = Runtime::new().unwrap();
    let socket = rt.block_on(UdpSocket::bind("127.0.0.1:0")).unwrap();
    let connect = panic_outside_a_runtime(socket.connect("localhost:9"));
    assert_names(&connect, "UdpSocket::connect");
    let send_to = panic_outside_a_runtime(socket.send_to(b"x", "localhost:9"));
    assert_names(&send_to, "UdpSocket::send_to");
}

/// Defect 11b: `open_connection` and `start_server` with a host name,
/// outside a runtime, name themselves.
#[test]
fn streams_with_a_host_name_outside_a_runtime_name_themselves() {
    let open = panic_outside_a_runtime(uniloop::net::open_connection("localhost:1"));
    assert_names(&open, "open_connection");
    let start = panic_outside_a_runtime(uniloop::net::start_server(
        "localhost:0",
        |_reader, _writer| async {},
    ));
    assert_names(&start, "start_server");
}
