//! The `tokio-io` feature: uniloop's streams driven by code written
//! against tokio's `AsyncRead`/`AsyncWrite` (here tokio's own `io-util`
//! helpers; no tokio runtime anywhere).

use tokio::io::{copy, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use uniloop::net::{TcpListener, TcpStream};

/// An echo server written the tokio way, with `tokio::io::copy` over a
/// uniloop stream's halves.
#[test]
fn tokio_io_copy_echoes_over_a_uniloop_stream() {
    uniloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = uniloop::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (mut reader, mut writer) = stream.into_split();
            let copied = copy(&mut reader, &mut writer).await.unwrap();
            writer.shutdown().await.unwrap();
            copied
        });
        let client = TcpStream::connect(addr).await.unwrap();
        let message: Vec<u8> = (0..200_000u32).map(|n| n as u8).collect();
        // Write and read at once, each through a `&TcpStream`.
        let (mut sending, mut receiving) = (&client, &client);
        let mut echoed = Vec::new();
        let (sent, received) = uniloop::gather!(
            async {
                sending.write_all(&message).await?;
                AsyncWriteExt::shutdown(&mut sending).await // the inherent shutdown(how) is not async
            },
            receiving.read_to_end(&mut echoed),
        )
        .await;
        sent.unwrap();
        received.unwrap();
        assert_eq!(echoed, message);
        assert_eq!(server.await.unwrap(), message.len() as u64);
    });
}

/// A line protocol with tokio's `BufReader::lines` over a Unix stream.
#[cfg(unix)]
#[test]
fn tokio_buf_reader_reads_lines_from_a_unix_stream() {
    uniloop::run(async {
        let (mut a, b) = uniloop::net::UnixStream::pair().unwrap();
        a.write_all(b"one\ntwo\nthree\n").await.unwrap();
        AsyncWriteExt::shutdown(&mut a).await.unwrap();
        let mut lines = BufReader::new(b).lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
        assert_eq!(got, ["one", "two", "three"]);
    });
}

/// `SendStream` (the `send-wrapper` feature) keeps tokio's I/O traits:
/// a tokio-io-generic function that also demands `Send` (as redis'
/// `MultiplexedConnection::new` does) takes a wrapped uniloop stream.
#[test]
fn a_send_stream_is_a_send_tokio_io_stream() {
    async fn echo_once<S>(mut stream: S) -> std::io::Result<Vec<u8>>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let mut buf = vec![0; 5];
        stream.read_exact(&mut buf).await?;
        stream.write_all(&buf).await?;
        stream.shutdown().await?;
        Ok(buf)
    }

    uniloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = uniloop::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            echo_once(uniloop::send::SendStream::new(stream)).await
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut echoed = Vec::new();
        client.read_to_end(&mut echoed).await.unwrap();
        assert_eq!(echoed, b"hello");
        assert_eq!(server.await.unwrap().unwrap(), b"hello");
    });
}
