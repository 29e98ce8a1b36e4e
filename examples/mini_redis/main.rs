//! A small Redis server on uniloop's TCP streams, that the real
//! `redis-cli` and `redis-benchmark` talk to: RESP2 (and inline
//! commands), `PING`, `ECHO`, `GET`, `SET` (`EX`/`PX`/`NX`/`XX`/`KEEPTTL`),
//! `DEL`, `EXISTS`, `INCR`, `EXPIRE`, `TTL`/`PTTL`, `PUBLISH`,
//! `SUBSCRIBE`/`UNSUBSCRIBE`, plus `DBSIZE`, `FLUSHDB`, `QUIT`,
//! `INFO server` and the `COMMAND`/`CONFIG GET` stubs the tools ask for.
//! (`examples/per_core` serves the same protocol from one loop per core,
//! with these files.)
//!
//! What it shows:
//! - one task per connection that parses every request buffered and
//!   answers a whole pipeline with one write (`conn.rs`);
//! - a parser that never trusts a claimed length with memory, and answers
//!   malformed input with `-ERR` instead of panicking (`resp.rs`);
//! - key expiry driven by uniloop's timers: lazy on access, plus one task
//!   sleeping until the earliest deadline (`db.rs`);
//! - `PUBLISH`/`SUBSCRIBE` on a uniloop `broadcast` per channel, a slow
//!   subscriber dropped instead of holding the publisher (`pubsub.rs`);
//! - a clean stop on Ctrl-C (`uniloop::signal::ctrl_c`).
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! async def handle(reader, writer):
//!     while data := await reader.read(64 * 1024):
//!         buf += data
//!         for request in parse_all(buf):     # a whole pipeline
//!             out += run(request)
//!         writer.write(out)                  # one write per batch
//!         await writer.drain()
//!
//! server = await asyncio.start_server(handle, "127.0.0.1", port)
//! loop.add_signal_handler(signal.SIGINT, stop.set)
//! await stop.wait()
//! ```
//!
//! Run it: `cargo run --release --example mini_redis -- [--port N]`
//! (default 6380, `--port 0` picks a free one), then
//! `redis-cli -p 6380 set hello world`, or
//! `redis-benchmark -p 6380 -t ping,set,get,incr -q`.

mod commands;
mod conn;
mod db;
mod pubsub;
mod resp;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use uniloop::net::TcpListener;

use conn::Shared;

fn main() -> io::Result<()> {
    let port = port_from_args()?;
    uniloop::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        // Watching SIGINT before telling the address: a Ctrl-C from then on
        // stops the server cleanly.
        let ctrl_c = uniloop::spawn(uniloop::signal::ctrl_c());
        println!("mini_redis listening on {}", listener.local_addr()?);
        let pubsub: Rc<pubsub::Registry> = Rc::default();
        let shared = Rc::new(Shared {
            db: Rc::new(RefCell::new(db::Db::new())),
            pubsub: pubsub.clone(),
            publish: pubsub,
            loop_id: 0,
            loops: 1,
            stats: conn::Stats::default(),
        });
        let expiry = uniloop::spawn_named("expire keys", db::expire_keys(shared.db.clone()));
        let accept = uniloop::spawn_named("accept", accept(listener, shared.clone()));
        ctrl_c.await.expect("the Ctrl-C task is never cancelled")?;
        let stats = &shared.stats;
        println!(
            "mini_redis: Ctrl-C, shutting down after {} requests, {} reads, {} writes",
            stats.requests.get(),
            stats.reads.get(),
            stats.writes.get()
        );
        // Stop accepting; the connections still open are cancelled (and
        // their sockets closed) when `run` ends.
        accept.cancel();
        expiry.cancel();
        Ok(())
    })
}

async fn accept(listener: TcpListener, shared: Rc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => drop(uniloop::spawn(conn::serve(stream, shared.clone()))),
            Err(e) => {
                eprintln!("mini_redis: accept failed: {e}");
                uniloop::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// `--port N` (default 6380, not Redis's 6379, so that it does not clash
/// with a real server).
fn port_from_args() -> io::Result<u16> {
    let mut args = std::env::args().skip(1);
    let mut port = 6380;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(n)) => {
                port = n.parse().map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidInput, format!("bad port {n:?}"))
                })?
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "usage: mini_redis [--port N]",
                ))
            }
        }
    }
    Ok(port)
}
