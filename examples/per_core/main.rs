//! `mini_redis` on every core: one uniloop runtime per core, each on its
//! own thread, all accepting on one port, for a server that has outgrown
//! one core.
//!
//! What it shows:
//! - one listening socket per loop, all bound to the same port with
//!   `SO_REUSEPORT` (built with `socket2`, handed to its loop with
//!   `uniloop::net::TcpListener::from_std`): the kernel spreads the
//!   connections over the loops by a hash of their addresses, and each
//!   connection stays on the loop that accepted it;
//! - `mini_redis`'s protocol code, shared, not copied (the `#[path]`
//!   modules below): each loop is a whole mini_redis;
//! - loops that pass messages through `Handle`s (`peers.rs`): `PUBLISH`
//!   reaches the subscribers of every loop, and its reply counts them all,
//!   as Redis's does;
//! - a clean stop on Ctrl-C: loop 0 watches for it and tells every loop
//!   through its `Handle`; the main thread joins them.
//!
//! The keyspace is per loop, shared-nothing: a key lives on the loop that
//! served the `SET`, and a connection sees the keys of its own loop only
//! (so do `DBSIZE` and `FLUSHDB`). It is N mini_redis servers on one port,
//! as Redis Cluster is N servers, without the routing: a client that keeps
//! its connection keeps its keys, which suits a cache whose clients each
//! hold one connection, and `redis-benchmark`; it is not one shared
//! database. Routing each key to the loop that owns its hash would make
//! it one, at the price of a trip to another thread for most requests
//! (and waiting for each in a pipeline); `PUBLISH` shows what such a
//! trip looks like. `INFO server` says which loop serves the connection
//! (`loop_id:N`, from 0, of `loops:N`).
//!
//! The asyncio code it mirrors (one process, a loop per thread):
//!
//! ```python
//! def serve(i):
//!     sock = socket.socket()
//!     sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
//!     sock.bind(("127.0.0.1", port)); sock.listen()
//!     loops[i] = asyncio.new_event_loop()
//!     loops[i].run_until_complete(mini_redis(sock))
//!
//! # PUBLISH on loop i, for the subscribers of loop j:
//! asyncio.run_coroutine_threadsafe(deliver(channel, message), loops[j])
//! ```
//!
//! Run it: `cargo run --release --example per_core -- [--port N] [--loops N]`
//! (port 6380 by default, `--port 0` picks a free one; as many loops as
//! cores by default), then `redis-cli -p 6380 info server`, or
//! `redis-benchmark -p 6380 -t ping,set,get -q`.

#[path = "../mini_redis/commands.rs"]
mod commands;
#[path = "../mini_redis/conn.rs"]
mod conn;
#[path = "../mini_redis/db.rs"]
mod db;
mod peers;
#[path = "../mini_redis/pubsub.rs"]
mod pubsub;
#[path = "../mini_redis/resp.rs"]
mod resp;

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use uniloop::net::TcpListener;
use uniloop::sync::Event;
use uniloop::Handle;

use conn::Shared;
use peers::{Everywhere, Local};

/// What a loop says about itself once it has stopped.
struct Stopped {
    id: usize,
    requests: u64,
}

fn main() -> io::Result<()> {
    let (port, loops) = options()?;
    // All bound before any loop runs: a port taken fails here, and with
    // `--port 0` the first one's port is the one the others share.
    let first = reuse_port_listener(port)?;
    let addr = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..loops {
        listeners.push(reuse_port_listener(addr.port())?);
    }

    // Each thread builds its runtime and sends back its handle; once all
    // are in, each gets everyone's, and serves.
    let (handle_tx, handle_rx) = mpsc::channel();
    let (armed_tx, armed_rx) = mpsc::channel();
    let mut threads = Vec::new();
    let mut peers_txs = Vec::new();
    for (id, listener) in listeners.into_iter().enumerate() {
        let (peers_tx, peers_rx) = mpsc::channel();
        peers_txs.push(peers_tx);
        let handle_tx = handle_tx.clone();
        // Loop 0 watches for Ctrl-C, and says when it does.
        let armed = (id == 0).then(|| armed_tx.clone());
        let thread = thread::Builder::new().name(format!("loop {id}")).spawn(
            move || -> io::Result<Stopped> {
                let runtime = uniloop::Runtime::new()?;
                if handle_tx.send((id, runtime.handle())).is_err() {
                    return Err(io::Error::other("the main thread is gone"));
                }
                let Ok(handles) = peers_rx.recv() else {
                    return Err(io::Error::other("another loop did not start"));
                };
                runtime.block_on(serve_loop(id, listener, handles, armed))
            },
        )?;
        threads.push(thread);
    }
    drop((handle_tx, armed_tx));
    let mut handles: Vec<Option<Handle>> = vec![None; loops];
    for _ in 0..loops {
        // A thread that could not build its runtime drops its sender.
        let Ok((id, handle)) = handle_rx.recv() else {
            break;
        };
        handles[id] = Some(handle);
    }
    let handles: Option<Arc<[Handle]>> = handles.into_iter().collect();
    match handles {
        Some(handles) => {
            for peers_tx in peers_txs {
                let _ = peers_tx.send(handles.clone());
            }
            // Said once Ctrl-C stops the server cleanly.
            if armed_rx.recv().is_ok() {
                println!("per_core listening on {addr}");
                println!("per_core: {loops} loops, a thread each");
            } else {
                // Loop 0 ended before it watched for Ctrl-C: nothing
                // would stop the others.
                peers::stop_all(&handles);
            }
        }
        // The others' `peers_rx.recv()` fails: they end.
        None => drop(peers_txs),
    }

    let mut requests = 0;
    let mut failed = None;
    for thread in threads {
        match thread.join() {
            Ok(Ok(stopped)) => {
                println!(
                    "per_core: loop {} stopped after {} requests",
                    stopped.id, stopped.requests
                );
                requests += stopped.requests;
            }
            Ok(Err(e)) => failed = Some(e),
            Err(_) => failed = Some(io::Error::other("a loop panicked")),
        }
    }
    if let Some(e) = failed {
        return Err(e);
    }
    println!("per_core: Ctrl-C, shut down after {requests} requests on {loops} loops");
    Ok(())
}

/// One loop: a whole mini_redis on `listener`, its subscribers reached by
/// the other loops through `handles[id]`, until a stop arrives.
async fn serve_loop(
    id: usize,
    listener: std::net::TcpListener,
    handles: Arc<[Handle]>,
    armed: Option<mpsc::Sender<()>>,
) -> io::Result<Stopped> {
    let local = Rc::new(Local {
        registry: Rc::default(),
        stop: Event::new(),
    });
    peers::enter(local.clone());
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            peers::stop_all(&handles);
            return Err(e);
        }
    };
    let shared = Rc::new(Shared {
        db: Rc::new(RefCell::new(db::Db::new())),
        pubsub: local.registry.clone(),
        publish: Rc::new(Everywhere {
            id,
            local: local.registry.clone(),
            loops: handles.clone(),
        }),
        loop_id: id,
        loops: handles.len(),
        stats: conn::Stats::default(),
    });
    let expiry = uniloop::spawn_named("expire keys", db::expire_keys(shared.db.clone()));
    let accept = uniloop::spawn_named("accept", accept(listener, shared.clone()));
    let ctrl_c = armed.map(|armed| {
        let handles = handles.clone();
        uniloop::spawn_named("ctrl-c", async move {
            // Watching SIGINT from here on.
            let ctrl_c = uniloop::spawn(uniloop::signal::ctrl_c());
            let _ = armed.send(());
            match ctrl_c.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => eprintln!("per_core: cannot watch for Ctrl-C: {e}"),
                Err(e) => eprintln!("per_core: the Ctrl-C task failed: {e}"),
            }
            peers::stop_all(&handles);
        })
    });
    local.stop.wait().await;
    // Stop accepting; the connections still open are cancelled (and
    // their sockets closed) when the runtime is dropped.
    accept.cancel();
    expiry.cancel();
    if let Some(ctrl_c) = ctrl_c {
        ctrl_c.cancel();
    }
    Ok(Stopped {
        id,
        requests: shared.stats.requests.get(),
    })
}

async fn accept(listener: TcpListener, shared: Rc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => drop(uniloop::spawn(conn::serve(stream, shared.clone()))),
            Err(e) => {
                eprintln!("per_core: accept failed: {e}");
                uniloop::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// A listener on 127.0.0.1:`port` that other sockets of this process
/// (and of this user: a caveat of `SO_REUSEPORT`) may bind too, the
/// kernel spreading new connections over them.
fn reuse_port_listener(port: u16) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    // As std's `TcpListener::bind` does on Unix: a restart can bind the
    // port while old connections are in TIME_WAIT.
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// `--port N` (default 6380) and `--loops N` (default: one per core).
fn options() -> io::Result<(u16, usize)> {
    let usage = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: per_core [--port N] [--loops N]",
        )
    };
    let mut args = std::env::args().skip(1);
    let mut port = 6380;
    let mut loops = thread::available_parallelism().map_or(1, |n| n.get());
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(usage)?;
        let bad = || io::Error::new(io::ErrorKind::InvalidInput, format!("bad {arg} {value:?}"));
        match arg.as_str() {
            "--port" => port = value.parse().map_err(|_| bad())?,
            "--loops" => {
                loops = value.parse().map_err(|_| bad())?;
                if loops == 0 {
                    return Err(bad());
                }
            }
            _ => return Err(usage()),
        }
    }
    Ok((port, loops))
}
