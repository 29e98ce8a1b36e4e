//! hyper 1.x's HTTP/1 client on uniloop: several requests over one
//! keep-alive connection.
//!
//! It shows `HyperIo` on the client side and the connection's driver
//! running as a loop task beside the requests. Without `--url` it starts a
//! small "Hello, World!" server on the same loop (as `http_hello` does)
//! and checks that every request was served over a single connection.
//!
//! ```sh
//! cargo run -p uniloop-ecosystem --example http_client              # in-process server
//! cargo run -p uniloop-ecosystem --example http_client -- --url http://127.0.0.1:3000/ -n 3
//! ```

use std::cell::Cell;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::rc::Rc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::client::conn::http1 as client;
use hyper::server::conn::http1 as server;
use hyper::service::service_fn;
use hyper::{Request, Response, Uri};
use uniloop::hyper::{HyperIo, HyperTimer};
use uniloop::net::{TcpListener, TcpStream};

type Error = Box<dyn std::error::Error>;

/// A server on this loop; returns its address and its count of accepted
/// connections.
async fn start_server() -> Result<(SocketAddr, Rc<Cell<usize>>), Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let connections = Rc::new(Cell::new(0));
    let counted = connections.clone();
    uniloop::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counted.set(counted.get() + 1);
            uniloop::spawn(async move {
                let hello = service_fn(|_req| async {
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                        b"Hello, World!",
                    ))))
                });
                let _ = server::Builder::new()
                    .timer(HyperTimer)
                    .serve_connection(HyperIo::new(stream), hello)
                    .await;
            })
            .detach();
        }
    })
    .detach();
    Ok((addr, connections))
}

fn args() -> (Option<Uri>, usize) {
    let (mut url, mut count) = (None, 5);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--url" => url = Some(value.parse().expect("--url needs a URL")),
            "-n" => count = value.parse().expect("-n needs a number"),
            other => panic!("unknown argument {other:?} (usage: http_client [--url URL] [-n N])"),
        }
    }
    (url, count)
}

fn main() -> Result<(), Error> {
    let (url, count) = args();
    uniloop::run(async move {
        let (url, connections) = match url {
            Some(url) => (url, None),
            None => {
                let (addr, connections) = start_server().await?;
                (format!("http://{addr}/").parse()?, Some(connections))
            }
        };
        let authority = url.authority().ok_or("the URL has no host")?.clone();
        let port = url.port_u16().unwrap_or(80);
        let stream = TcpStream::connect((authority.host(), port)).await?;
        let (mut sender, connection) = client::handshake(HyperIo::new(stream)).await?;
        // The connection's driver: reads and writes for `sender`.
        let driver = uniloop::spawn(connection);

        for n in 1..=count {
            let request = Request::get(url.clone())
                .header(hyper::header::HOST, authority.as_str())
                .body(Empty::<Bytes>::new())?;
            let response = sender.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            println!("{n}: {status} {}", String::from_utf8_lossy(&body));
        }
        drop(sender); // the connection ends once no sender is left
        driver.await??;
        if let Some(connections) = connections {
            assert_eq!(connections.get(), 1, "keep-alive: one connection for all");
            println!("ok: {count} requests over 1 connection");
        }
        Ok(())
    })
}
