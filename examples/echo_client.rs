//! Measures an echo server in round trips per second:
//! `cargo run --release --example echo_client [ADDR] [-c CONNECTIONS] [-n ROUNDS]`.
//!
//! CONNECTIONS clients (default 50) each send a 64-byte message and wait
//! for its echo, ROUNDS times (default 2 000), all at once on one loop,
//! over asyncio-style streams (`open_connection`, `write` + `drain`,
//! `read_exact`). Without ADDR it starts its own echo server in the same
//! process and runtime (as `benches/net.rs` does), so
//! `cargo run --release --example echo_client` works alone; with ADDR it
//! measures a server elsewhere, such as
//! `cargo run --release --example echo_server`.

use std::io;
use std::time::Instant;

use uniloop::net::{open_connection, start_server, Server, StreamReader, StreamWriter};

const MESSAGE: usize = 64;

struct Options {
    addr: Option<String>,
    connections: u64,
    rounds: u64,
}

fn options() -> Options {
    let mut options = Options {
        addr: None,
        connections: 50,
        rounds: 2_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |what: &str| -> u64 {
            args.next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| usage(&format!("{arg} needs a number of {what}")))
        };
        match arg.as_str() {
            "-c" => options.connections = number("connections"),
            "-n" => options.rounds = number("round trips"),
            "-h" | "--help" => usage(""),
            _ if arg.starts_with('-') => usage(&format!("unknown option {arg}")),
            _ => options.addr = Some(arg),
        }
    }
    if options.connections == 0 {
        usage("-c must be at least 1");
    }
    options
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("echo_client: {problem}");
    }
    eprintln!("usage: echo_client [ADDR] [-c CONNECTIONS] [-n ROUNDS]");
    std::process::exit(2)
}

/// The in-process server: echo everything back.
async fn echo(mut reader: StreamReader, mut writer: StreamWriter) {
    while let Ok(data) = reader.read(64 * 1024).await {
        if data.is_empty() {
            return;
        }
        writer.write(&data);
        if writer.drain().await.is_err() {
            return;
        }
    }
}

/// `rounds` round trips of a 64-byte message naming the client and the
/// round, each echo checked.
async fn client(
    (mut reader, mut writer): (StreamReader, StreamWriter),
    id: u64,
    rounds: u64,
) -> io::Result<()> {
    let mut message = [0; MESSAGE];
    message[..8].copy_from_slice(&id.to_le_bytes());
    for round in 0..rounds {
        message[8..16].copy_from_slice(&round.to_le_bytes());
        writer.write(&message);
        writer.drain().await?;
        if reader.read_exact(MESSAGE).await? != message {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "wrong echo"));
        }
    }
    Ok(())
}

async fn measure(options: Options) -> io::Result<()> {
    // Kept alive until the end: dropping it would stop the server.
    let mut _server: Option<Server> = None;
    let addr = match options.addr {
        Some(addr) => addr,
        None => {
            let server = start_server("127.0.0.1:0", echo).await?;
            let addr = server.local_addr()?;
            println!("started an echo server in this process on {addr}");
            _server = Some(server);
            addr.to_string()
        }
    };
    let mut connections = Vec::new();
    for _ in 0..options.connections {
        connections.push(open_connection(addr.as_str()).await?);
    }
    println!(
        "{} connections × {} round trips of {MESSAGE} bytes against {addr}",
        options.connections, options.rounds
    );
    let start = Instant::now();
    let clients: Vec<_> = (0..)
        .zip(connections)
        .map(|(id, streams)| uniloop::spawn(client(streams, id, options.rounds)))
        .collect();
    for task in clients {
        task.await.expect("a client panicked")?;
    }
    let took = start.elapsed();
    let round_trips = options.connections * options.rounds;
    println!(
        "{round_trips} round trips in {:.3} s: {:.0} round trips/s ({:.2} µs each)",
        took.as_secs_f64(),
        round_trips as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1e6 / round_trips as f64,
    );
    Ok(())
}

fn main() -> io::Result<()> {
    uniloop::run(measure(options()))
}
