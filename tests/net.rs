//! Networking on 127.0.0.1: TCP echo, many connections at once, a large
//! transfer, end of stream, refused connections, the futures-io traits,
//! writing to a closed peer, and `accept` running out of descriptors (in a
//! child process with a lowered descriptor limit).
//!
//! These run on the real clock: the paused clock does not wait for I/O.

use std::env;
use std::io;
use std::process::Command;

use uniloop::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use uniloop::net::{TcpListener, TcpStream};
use uniloop::spawn;

const CHILD: &str = "UNILOOP_TEST_CHILD";

/// A listener on a free loopback port and its address.
async fn listen() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Accept connections forever; echo each one until its peer closes.
async fn echo_server(listener: TcpListener) {
    loop {
        let (mut conn, _) = listener.accept().await.unwrap();
        // Detached: each connection's task runs until its peer closes.
        drop(spawn(async move {
            let mut buf = vec![0; 4096];
            loop {
                match conn.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => conn.write_all(&buf[..n]).await.unwrap(),
                }
            }
        }));
    }
}

#[test]
fn an_echo_round_trip() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let server = spawn(echo_server(listener));
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.set_nodelay(true).unwrap();
        for round in 0..10u8 {
            let message = [round; 64];
            client.write_all(&message).await.unwrap();
            let mut back = [0; 64];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(back, message);
        }
        server.cancel();
    });
}

#[test]
fn two_hundred_connections_of_a_hundred_messages_each() {
    const CONNECTIONS: u32 = 200;
    const MESSAGES: u32 = 100;
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let server = spawn(echo_server(listener));
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|id| {
                spawn(async move {
                    let mut conn = TcpStream::connect(addr).await.unwrap();
                    for n in 0..MESSAGES {
                        let message = format!("{id:05}:{n:05}\n");
                        conn.write_all(message.as_bytes()).await.unwrap();
                        let mut back = vec![0; message.len()];
                        conn.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, message.as_bytes());
                    }
                    MESSAGES
                })
            })
            .collect();
        let mut echoed = 0;
        for client in clients {
            echoed += client.await.unwrap();
        }
        assert_eq!(echoed, CONNECTIONS * MESSAGES);
        server.cancel();
    });
}

/// A cheap checksum (FNV-1a) of `data`.
fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn sixteen_mebibytes_arrive_intact() {
    const LEN: usize = 16 << 20;
    let data: Vec<u8> = (0..LEN).map(|i| (i * 31 % 251) as u8).collect();
    let expected = checksum(&data);
    uniloop::run(async move {
        let (listener, addr) = listen().await;
        let sender = spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            conn.write_all(&data).await.unwrap();
            conn.close().await.unwrap(); // the receiver then reads end of stream
        });
        let mut conn = TcpStream::connect(addr).await.unwrap();
        let mut received = Vec::new();
        conn.read_to_end(&mut received).await.unwrap();
        assert_eq!(received.len(), LEN);
        assert_eq!(checksum(&received), expected);
        sender.await.unwrap();
    });
}

#[test]
fn a_closed_peer_reads_as_end_of_stream() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        drop(server);
        let mut buf = [0; 16];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        assert_eq!(client.read(&mut buf).await.unwrap(), 0); // and stays so
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused() {
    uniloop::run(async {
        let port = {
            let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            free.local_addr().unwrap().port()
        };
        let err = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn writing_to_a_closed_peer_is_broken_pipe_not_a_signal() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        drop(server);
        // The first writes may be accepted before the peer's reset
        // arrives; keep writing until the error shows.
        let chunk = [7; 64 * 1024];
        let err = loop {
            if let Err(e) = client.write_all(&chunk).await {
                break e;
            }
        };
        assert!(
            matches!(
                err.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ),
            "{err:?}"
        );
    });
}

/// Bound only on the futures-io trait, as a library would be.
async fn read_all_generic<R: AsyncRead + Unpin>(mut reader: R) -> Vec<u8> {
    let mut out = Vec::new();
    futures::io::AsyncReadExt::read_to_end(&mut reader, &mut out)
        .await
        .unwrap();
    out
}

#[test]
fn a_tcp_stream_works_with_code_generic_over_futures_io() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let server = spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            conn.write_all(b"generic").await.unwrap();
        });
        let client = TcpStream::connect(addr).await.unwrap();
        assert_eq!(read_all_generic(client).await, b"generic");
        server.await.unwrap();
    });
}

#[test]
fn split_halves_read_and_write_at_once() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let server = spawn(echo_server(listener));
        let client = TcpStream::connect(addr).await.unwrap();
        let (mut reader, mut writer) = client.into_split();
        let writing = spawn(async move {
            for n in 0..100u32 {
                writer.write_all(&n.to_be_bytes()).await.unwrap();
            }
            // Dropping the writer shuts the writing side: the echo ends.
        });
        let mut got = Vec::new();
        let mut word = [0; 4];
        for _ in 0..100 {
            reader.read_exact(&mut word).await.unwrap();
            got.push(u32::from_be_bytes(word));
        }
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        writing.await.unwrap();
        server.cancel();
    });
}

#[test]
fn a_host_name_is_resolved_off_the_loop() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let client = TcpStream::connect(("localhost", addr.port())).await;
        // "localhost" may resolve to ::1 first; any address that listens
        // will do, and 127.0.0.1 does.
        let client = client.unwrap();
        let (_server, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        let err = TcpStream::connect("not an address").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}

#[test]
fn accept_backs_off_when_out_of_descriptors_and_keeps_serving() {
    if env::var(CHILD).is_ok_and(|c| c == "emfile") {
        return emfile_child();
    }
    if cfg!(not(target_os = "linux")) {
        return;
    }
    // This binary again, under `ulimit -n 64`, running only the child.
    let exe = env::current_exe().unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" "$@""#)
        .arg(exe)
        .args([
            "accept_backs_off_when_out_of_descriptors_and_keeps_serving",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "emfile")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {output:?}");
    assert!(stdout.contains("served after EMFILE"), "{stdout}");
}

/// In the child, with at most 64 descriptors: use them all up, connect a
/// client (its connection waits in the backlog), let the server's accept
/// hit EMFILE for a while, then free descriptors: the connection is
/// served.
fn emfile_child() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        // Keep one descriptor for the client's socket.
        let mut fillers = Vec::new();
        let spare = std::fs::File::open("/dev/null").unwrap();
        loop {
            match std::fs::File::open("/dev/null") {
                Ok(file) => fillers.push(file),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(24), "expected EMFILE, got {e}");
                    break;
                }
            }
        }
        drop(spare);
        let mut client = std::net::TcpStream::connect(addr).unwrap();
        // Now accept gets EMFILE and must back off, not spin or fail.
        let server = spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            conn.write_all(b"ok").await.unwrap();
        });
        uniloop::sleep(std::time::Duration::from_millis(200)).await;
        assert!(
            !server.is_finished(),
            "accept cannot succeed without a descriptor"
        );
        drop(fillers);
        server.await.unwrap();
        let mut buf = [0; 2];
        std::io::Read::read_exact(&mut client, &mut buf).unwrap();
        assert_eq!(&buf, b"ok");
        println!("served after EMFILE");
    });
}

#[test]
fn udp_send_to_and_recv_from_and_connected_send() {
    uniloop::run(async {
        let a = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b_addr = b.local_addr().unwrap();
        a.send_to(b"datagram", b_addr).await.unwrap();
        let mut buf = [0; 32];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"datagram");
        assert_eq!(from, a.local_addr().unwrap());
        b.connect(from).await.unwrap();
        b.send(b"reply").await.unwrap();
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"reply"[..], b_addr));
    });
}

#[cfg(unix)]
#[test]
fn a_unix_stream_pair_carries_bytes_both_ways() {
    uniloop::run(async {
        let (mut left, mut right) = uniloop::net::UnixStream::pair().unwrap();
        left.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        right.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        right.write_all(b"pong").await.unwrap();
        drop(right);
        let mut rest = Vec::new();
        left.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, b"pong");
    });
}

#[test]
fn open_connection_and_start_server_speak_lines() {
    uniloop::run(async {
        // A line protocol: the server answers each line with its length.
        let server =
            uniloop::net::start_server("127.0.0.1:0", |mut reader, mut writer| async move {
                loop {
                    let line = reader.read_line().await.unwrap();
                    if line.is_empty() {
                        break; // end of stream
                    }
                    writer.write(format!("{}\n", line.len() - 1).as_bytes());
                    writer.drain().await.unwrap();
                }
            })
            .await
            .unwrap();
        let (mut reader, mut writer) = uniloop::net::open_connection(server.local_addr().unwrap())
            .await
            .unwrap();
        for line in ["a", "hello", ""] {
            writer.write(format!("{line}\n").as_bytes());
        }
        writer.drain().await.unwrap();
        for expected in ["1\n", "5\n", "0\n"] {
            assert_eq!(reader.read_line().await.unwrap(), expected.as_bytes());
        }
        // read_exact, then end of stream once the writer closes.
        writer.write(b"abcdefgh\n");
        writer.drain().await.unwrap();
        assert_eq!(reader.read_exact(2).await.unwrap(), b"8\n");
        writer.close();
        writer.wait_closed().await.unwrap();
        assert!(reader.read_line().await.unwrap().is_empty());
        server.close();
    });
}

#[test]
fn a_line_longer_than_the_limit_is_invalid_data_and_is_kept() {
    uniloop::run(async {
        let (listener, addr) = listen().await;
        let sender = spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            conn.write_all(&[b'x'; 100]).await.unwrap();
            conn.write_all(b"\n").await.unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (read_half, _write_half) = stream.into_split();
        let mut reader = uniloop::net::StreamReader::with_limit(read_half, 16);
        let err = reader.read_line().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        sender.await.unwrap();
        // Nothing was dropped: raise the limit and the whole line is there.
        reader.set_limit(1024);
        let line = reader.read_line().await.unwrap();
        assert_eq!(line.len(), 101);
    });
}
