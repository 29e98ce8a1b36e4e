//! An axum `Router` on uniloop, its handlers awaiting uniloop timers and
//! sharing `Rc` state through `uniloop::send::SendWrapper` (axum demands
//! `Send` handler futures and `Send + Sync` state).
//!
//! `cargo run -p uniloop-ecosystem --example axum_router -- --port 3000`,
//! then `curl localhost:3000/sleep/200`. It prints `listening on ADDR`
//! first; `--port 0` (the default) picks a free port.
//!
//! hyper serves the router through the `hyper` feature's adapter
//! (`uniloop::hyper::HyperIo`) and timer (`HyperTimer`): no glue here.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::service::TowerToHyperService;
use uniloop::hyper::{HyperIo, HyperTimer};
use uniloop::net::TcpListener;
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
                    .timer(HyperTimer::new())
                    .serve_connection(HyperIo::new(stream), service)
                    .await;
                if let Err(e) = served {
                    eprintln!("connection: {e}");
                }
            })
            .detach();
        }
    })
}
