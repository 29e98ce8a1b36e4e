//! A hyper 1.x HTTP/1 server on uniloop: "Hello, World!" for every
//! request, keep-alive, hyper's header-read timeout on the loop's clock,
//! until Ctrl-C.
//!
//! It shows the `hyper` feature's three pieces in use: `HyperIo` (the
//! accepted `TcpStream` as hyper's I/O), `HyperTimer` (hyper's timeouts)
//! and the loop's tasks, one per connection; no `Send` anywhere.
//!
//! Run it (it prints the address it listens on), then fetch from it:
//!
//! ```sh
//! cargo run -p uniloop-ecosystem --release --example http_hello -- --port 3000
//! curl http://127.0.0.1:3000/
//! ```
//!
//! `--port 0` picks a free port; `--metrics` prints the loop's
//! `uniloop::metrics()` on stderr when it stops (task polls, I/O events,
//! loop turns). `benches/http.py` measures it against the same server on
//! tokio (`http_hello_tokio`).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use uniloop::hyper::{HyperIo, HyperTimer};
use uniloop::net::TcpListener;

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

/// `--port N` (default 3000) and `--metrics`.
fn args() -> (u16, bool) {
    let mut args = std::env::args().skip(1);
    let (mut port, mut metrics) = (3000, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().expect("--port needs a number");
                port = value.parse().expect("--port needs a number");
            }
            "--metrics" => metrics = true,
            other => {
                panic!("unknown argument {other:?} (usage: http_hello [--port N] [--metrics])")
            }
        }
    }
    (port, metrics)
}

fn main() -> std::io::Result<()> {
    let (port, metrics) = args();
    uniloop::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        // SIGINT is watched from here on: a Ctrl-C once the address is
        // out stops the server cleanly.
        let ctrl_c = uniloop::signal::ctrl_c();
        println!("listening on http://{}", listener.local_addr()?);
        let server = uniloop::spawn(async move {
            loop {
                let (stream, _) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        eprintln!("accept: {e}");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                uniloop::spawn(async move {
                    let served = http1::Builder::new()
                        .timer(HyperTimer)
                        .serve_connection(HyperIo::new(stream), service_fn(hello))
                        .await;
                    // A client leaving mid-request (as wrk does when it
                    // stops) is no news.
                    match served {
                        Err(e) if !e.is_incomplete_message() => eprintln!("connection: {e}"),
                        _ => {}
                    }
                })
                .detach();
            }
        });
        ctrl_c.await?;
        // Cancelling the server stops accepting; when `run` returns, the
        // connections' tasks are cancelled too (their sockets closed).
        server.cancel();
        if metrics {
            eprintln!("{:?}", uniloop::metrics());
        }
        println!("stopped");
        Ok(())
    })
}
