//! async-compression on uniloop: gzip over a TCP connection, through
//! futures-io (uniloop's streams implement it, no adapter).
//!
//! `cargo run -p uniloop-ecosystem --example compression`

use async_compression::futures::bufread::GzipDecoder;
use async_compression::futures::write::GzipEncoder;
use futures_util::io::BufReader;
use uniloop::io::{AsyncReadExt, AsyncWriteExt};
use uniloop::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    let text: String = (0..2000)
        .map(|n| format!("line {n}: the same words again\n"))
        .collect();
    let (received, wire) = uniloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let text = text.clone();
        // The sender compresses as it writes.
        let sender = uniloop::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let mut gzip = GzipEncoder::new(stream);
            gzip.write_all(text.as_bytes()).await?;
            gzip.close().await?; // the gzip trailer, then the socket's write side
            Ok::<_, std::io::Error>(())
        });
        // The receiver counts the compressed bytes and decompresses them.
        let stream = TcpStream::connect(addr).await?;
        let mut compressed = Vec::new();
        (&stream).read_to_end(&mut compressed).await?;
        sender.await.unwrap()?;
        let mut gunzip = GzipDecoder::new(BufReader::new(&compressed[..]));
        let mut received = String::new();
        gunzip.read_to_string(&mut received).await?;
        Ok::<_, std::io::Error>((received, compressed.len()))
    })?;
    assert_eq!(received, text);
    assert!(wire < text.len() / 10, "{wire} bytes on the wire");
    println!("ok: {} bytes sent as {wire} gzip bytes", text.len());
    Ok(())
}
