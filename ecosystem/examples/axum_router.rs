//! An axum `Router` on uniloop, its handlers awaiting uniloop timers and
//! sharing `Rc` state through `uniloop::send::SendWrapper` (axum demands
//! `Send` handler futures and `Send + Sync` state).
//!
//! `cargo run -p uniloop-ecosystem --example axum_router -- --port 3000`,
//! then `curl localhost:3000/sleep/200`. It prints `listening on ADDR`
//! first; `--port 0` (the default) picks a free port.
//!
//! TODO: once the `hyper` feature (branch `hyper`) is merged, replace
//! `HyperIo` below with `uniloop::hyper`'s I/O adapter and give the
//! connection its `Timer`; the rest stays.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::service::TowerToHyperService;
use uniloop::io::AsyncRead;
use uniloop::net::{TcpListener, TcpStream};
use uniloop::send::SendWrapper;

/// The app's state: loop-side `Rc` state, made `Send + Sync` for axum by a
/// wrapper that panics if it is ever touched off the loop's thread.
#[derive(Clone)]
struct AppState {
    hits: SendWrapper<Rc<Cell<u64>>>,
}

async fn hello(State(state): State<AppState>) -> String {
    state.hits.set(state.hits.get() + 1);
    "Hello from axum on uniloop\n".to_string()
}

/// A uniloop timer inside an axum handler: the `sleep` is `!Send`, so
/// the part of the handler that holds it is wrapped.
async fn sleepy(State(state): State<AppState>, Path(ms): Path<u64>) -> String {
    SendWrapper::new(async move {
        uniloop::sleep(Duration::from_millis(ms)).await;
        state.hits.set(state.hits.get() + 1);
        format!("slept {ms} ms on the loop\n")
    })
    .await
}

async fn hits(State(state): State<AppState>) -> String {
    format!("{} hits before this one\n", state.hits.get())
}

fn app() -> Router {
    let state = AppState {
        hits: SendWrapper::new(Rc::new(Cell::new(0))),
    };
    Router::new()
        .route("/", get(hello))
        .route("/sleep/{ms}", get(sleepy))
        .route("/hits", get(hits))
        .with_state(state)
}

/// hyper's I/O traits over a uniloop stream: the minimal glue (a copy
/// through a stack buffer, to stay free of `unsafe`). TODO: `uniloop::hyper`.
struct HyperIo(TcpStream);

impl hyper::rt::Read for HyperIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        let mut chunk = [0; 8 * 1024];
        let len = buf.remaining().min(chunk.len());
        let n =
            std::task::ready!(Pin::new(&mut self.get_mut().0).poll_read(cx, &mut chunk[..len]))?;
        buf.put_slice(&chunk[..n]);
        Poll::Ready(Ok(()))
    }
}

impl hyper::rt::Write for HyperIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        uniloop::io::AsyncWrite::poll_write(Pin::new(&mut self.get_mut().0), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        uniloop::io::AsyncWrite::poll_flush(Pin::new(&mut self.get_mut().0), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        uniloop::io::AsyncWrite::poll_close(Pin::new(&mut self.get_mut().0), cx)
    }
}

fn port() -> u16 {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--port") {
        Some(i) => args[i + 1].parse().expect("--port N"),
        None => 0,
    }
}

fn main() -> std::io::Result<()> {
    uniloop::run(async {
        let listener = TcpListener::bind(("127.0.0.1", port())).await?;
        println!("listening on {}", listener.local_addr()?);
        let service = TowerToHyperService::new(app());
        loop {
            let (stream, _) = listener.accept().await?;
            let service = service.clone();
            // A task per connection, on the loop: no `Send` needed here.
            uniloop::spawn(async move {
                let served = http1::Builder::new()
                    .serve_connection(HyperIo(stream), service)
                    .await;
                if let Err(e) = served {
                    eprintln!("connection: {e}");
                }
            })
            .detach();
        }
    })
}
