//! async-tungstenite on uniloop: a WebSocket echo server and its client in
//! one process, over uniloop's TCP (futures-io; no adapter).
//!
//! `cargo run -p uniloop-ecosystem --example websocket`

use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use uniloop::net::{TcpListener, TcpStream};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let echoed = uniloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = uniloop::spawn(async move {
            let (stream, _) = listener.accept().await?;
            let mut ws = async_tungstenite::accept_async(stream).await?;
            while let Some(message) = ws.next().await {
                match message? {
                    Message::Text(text) => ws.send(Message::text(text.to_uppercase())).await?,
                    Message::Close(_) => break,
                    _ => {}
                }
            }
            Ok::<_, async_tungstenite::tungstenite::Error>(())
        });

        let stream = TcpStream::connect(addr).await?;
        let (mut ws, _response) =
            async_tungstenite::client_async(format!("ws://{addr}/echo"), stream).await?;
        let mut echoed = Vec::new();
        for word in ["hello", "uniloop"] {
            ws.send(Message::text(word)).await?;
            match ws.next().await {
                Some(Ok(Message::Text(text))) => echoed.push(text.to_string()),
                other => panic!("unexpected {other:?}"),
            }
        }
        ws.close(None).await?;
        server.await.unwrap()?;
        Ok::<_, Box<dyn std::error::Error>>(echoed)
    })?;
    assert_eq!(echoed, ["HELLO", "UNILOOP"]);
    println!("ok: {echoed:?}");
    Ok(())
}
