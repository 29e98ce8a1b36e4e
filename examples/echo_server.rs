//! An echo server on asyncio-style streams:
//! `cargo run --release --example echo_server [ADDR]` (default
//! 127.0.0.1:7878). Every connection gets its own task, which sends back
//! whatever it reads until the client closes. It serves until killed
//! (Ctrl-C).
//!
//! `cargo run --release --example echo_client ADDR` measures it.

use uniloop::net::{start_server, StreamReader, StreamWriter};

/// Send back everything read, until end of stream or an error.
async fn echo(mut reader: StreamReader, mut writer: StreamWriter) {
    loop {
        match reader.read(64 * 1024).await {
            Ok(data) if !data.is_empty() => {
                writer.write(&data);
                if writer.drain().await.is_err() {
                    return;
                }
            }
            _ => return, // end of stream, or the connection failed
        }
    }
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_owned());
    uniloop::run(async move {
        let server = start_server(addr, echo).await?;
        println!("echo server listening on {}", server.local_addr()?);
        server.serve_forever().await
    })
}
