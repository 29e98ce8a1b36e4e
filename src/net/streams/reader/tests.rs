//! `StreamReader`'s unit tests.

use std::time::Duration;

use super::*;
use crate::io::AsyncWriteExt;
use crate::net::{TcpListener, TcpStream};

/// A reader with `limit` over a connection, and the peer's stream.
async fn pair(limit: usize) -> (StreamReader, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (peer, _) = listener.accept().await.unwrap();
    (StreamReader::with_limit(client.into_split().0, limit), peer)
}

#[test]
fn read_line_over_the_limit_keeps_the_bytes() {
    crate::run(async {
        let (mut reader, mut peer) = pair(8).await;
        peer.write_all(b"0123456789abcdef\nshort\n").await.unwrap();
        drop(peer);
        let err = reader.read_line().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // Nothing was dropped: the same call fails again ...
        let err = reader.read_line().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // ... until the long line is taken in pieces.
        assert_eq!(reader.read(8).await.unwrap(), b"01234567");
        assert_eq!(reader.read_line().await.unwrap(), b"89abcdef\n");
        assert_eq!(reader.read_line().await.unwrap(), b"short\n");
        assert_eq!(reader.read_line().await.unwrap(), b"");
        assert!(reader.at_eof());
    });
}

#[test]
fn read_line_limit_counts_bytes_before_the_separator() {
    crate::run(async {
        let (mut reader, mut peer) = pair(4).await;
        // 4 bytes and the '\n' fit a limit of 4, as in asyncio.
        peer.write_all(b"abcd\nabcde\n").await.unwrap();
        drop(peer);
        assert_eq!(reader.read_line().await.unwrap(), b"abcd\n");
        let err = reader.read_line().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(reader.buffered(), b"abcde\n");
    });
}

#[test]
fn read_until_finds_a_separator_split_across_reads() {
    crate::run(async {
        let (mut reader, mut peer) = pair(64).await;
        let writer = crate::spawn(async move {
            for piece in [&b"ab\r"[..], b"\ncd\r", b"\n"] {
                peer.write_all(piece).await.unwrap();
                crate::sleep(Duration::from_millis(5)).await;
            }
        });
        assert_eq!(reader.read_until(b"\r\n").await.unwrap(), b"ab\r\n");
        assert_eq!(reader.read_until(b"\r\n").await.unwrap(), b"cd\r\n");
        writer.await.unwrap();
        assert_eq!(reader.read_until(b"\r\n").await.unwrap(), b"");
    });
}

#[test]
fn read_exact_at_eof_is_unexpected_eof_and_keeps_the_bytes() {
    crate::run(async {
        let (mut reader, mut peer) = pair(64).await;
        peer.write_all(b"abc").await.unwrap();
        drop(peer);
        let err = reader.read_exact(5).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(reader.buffered(), b"abc");
        assert_eq!(reader.read_exact(3).await.unwrap(), b"abc");
        assert!(reader.at_eof());
    });
}

#[test]
fn read_exact_larger_than_the_buffer() {
    crate::run(async {
        let (mut reader, mut peer) = pair(16).await;
        let data: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
        let sent = data.clone();
        let writer = crate::spawn(async move { peer.write_all(&sent).await.unwrap() });
        assert_eq!(reader.read_exact(data.len()).await.unwrap(), data);
        writer.await.unwrap();
    });
}

#[test]
fn read_exact_takes_in_all_that_arrived() {
    crate::run(async {
        let (mut reader, mut peer) = pair(16).await;
        peer.write_all(&[1; 128]).await.unwrap();
        peer.write_all(&[2; 64]).await.unwrap();
        crate::sleep(Duration::from_millis(20)).await; // all 192 bytes arrive
        assert_eq!(reader.read_exact(64).await.unwrap(), [1; 64]);
        // One read took in everything, not just the 64 bytes asked for.
        assert_eq!(reader.buffered().len(), 128);
        assert_eq!(reader.read_exact(128).await.unwrap()[64..], [2; 64]);
    });
}

#[test]
fn a_cancelled_read_line_loses_nothing() {
    crate::run(async {
        let (mut reader, mut peer) = pair(64).await;
        peer.write_all(b"part").await.unwrap();
        let cancelled = crate::timeout(Duration::from_millis(20), reader.read_line()).await;
        assert!(cancelled.is_err());
        peer.write_all(b"ial\n").await.unwrap();
        assert_eq!(reader.read_line().await.unwrap(), b"partial\n");
    });
}
