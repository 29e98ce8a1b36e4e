//! `http_hello` on tokio: the same hyper "Hello, World!" server (HTTP/1,
//! keep-alive, hyper's timer, one task per connection) on tokio's
//! current-thread runtime with hyper-util's `TokioIo` and `TokioTimer`.
//! It is the peer `benches/http.py` measures `http_hello` against.
//!
//! ```sh
//! cargo run -p uniloop-ecosystem --release --example http_hello_tokio -- --port 3001
//! ```

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

fn port() -> u16 {
    let mut args = std::env::args().skip(1);
    let mut port = 3001;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().expect("--port needs a number");
                port = value.parse().expect("--port needs a number");
            }
            other => panic!("unknown argument {other:?} (usage: http_hello_tokio [--port N])"),
        }
    }
    port
}

fn main() -> std::io::Result<()> {
    let port = port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        println!("listening on http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        eprintln!("accept: {e}");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let served = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service_fn(hello))
                        .await;
                    // A client leaving mid-request (as wrk does when it
                    // stops) is no news.
                    match served {
                        Err(e) if !e.is_incomplete_message() => eprintln!("connection: {e}"),
                        _ => {}
                    }
                });
            }
        });
        tokio::signal::ctrl_c().await?;
        server.abort();
        println!("stopped");
        Ok(())
    })
}
