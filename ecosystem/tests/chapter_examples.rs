//! Every example of the Ecosystem chapter (`ecosystem/examples/`) runs
//! here: `cargo test -p uniloop-ecosystem` builds them first. Each checks
//! itself and ends with a line starting "ok:"; the axum server is fetched
//! from with a std `TcpStream`. The examples that need a server take its
//! URL from an environment variable: redis is skipped, with a message,
//! when it is unset or nothing listens there; postgres runs on a
//! throwaway server when it is unset and PostgreSQL is installed
//! (`support::Postgres`, as `tests/db_pool.rs`).
//!
//! Every child process runs under a watchdog: a hang fails the test
//! (after minutes, far beyond any honest run) instead of blocking CI.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

mod support;
use support::{example, output_within_hang, Postgres, Server, HANG};

/// Run `name` with `args` to its end under the watchdog; its stdout, after
/// checking that it succeeded and that its last line starts with "ok:".
fn run_ok(name: &str, args: &[&str]) -> String {
    let mut command = example(name);
    command.args(args);
    let output = output_within_hang(command, &format!("example {name}"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "example {name} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("ok:"), "example {name}:\n{stdout}");
    stdout
}

#[test]
fn tracing_spans_follow_the_tasks() {
    let out = run_ok("tracing", &[]);
    assert!(out.contains("task{id=1}:fetch{id=1}: start"), "{out}");
    assert!(out.contains("task{id=2}:fetch{id=2}: done"), "{out}");
    assert!(out.contains("main: gathered total=30"), "{out}");
}

#[test]
fn compression_gzips_over_tcp() {
    run_ok("compression", &[]);
}

#[test]
fn websocket_server_and_client_echo() {
    let out = run_ok("websocket", &[]);
    assert!(out.contains(r#"["HELLO", "UNILOOP"]"#), "{out}");
}

#[test]
fn tls_with_rustls_and_ring() {
    let out = run_ok("tls", &[]);
    assert!(out.contains("pong over TLS"), "{out}");
}

#[test]
fn reqwest_both_ways() {
    let out = run_ok("reqwest", &[]);
    assert!(out.contains("\"hello from uniloop\" both ways"), "{out}");
}

/// One HTTP/1.1 GET on a fresh connection: (status line, body).
fn get(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    // The watchdog: a server that never answers fails the test.
    stream.set_read_timeout(Some(HANG)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

#[test]
fn axum_router_handlers_sleep_on_uniloop_timers() {
    let server = Server::start("axum_router", "listening on ", &[]);
    let addr: SocketAddr = server.addr.parse().unwrap();

    assert_eq!(
        get(addr, "/"),
        (
            "HTTP/1.1 200 OK".into(),
            "Hello from axum on uniloop\n".into()
        )
    );
    assert_eq!(
        get(addr, "/sleep/20"),
        ("HTTP/1.1 200 OK".into(), "slept 20 ms on the loop\n".into())
    );
    // The Rc state, shared through SendWrapper, saw both.
    assert_eq!(
        get(addr, "/hits"),
        ("HTTP/1.1 200 OK".into(), "2 hits before this one\n".into())
    );
    assert_eq!(get(addr, "/nowhere").0, "HTTP/1.1 404 Not Found");
}

/// The URL in `var`, if it is set and something listens at its
/// `host:port`; otherwise `None`, after saying why the test is skipped.
fn server_url(var: &str, default_port: u16) -> Option<String> {
    let Ok(url) = std::env::var(var) else {
        println!("skipped: {var} is not set (e.g. {var}=scheme://user@127.0.0.1:port/...)");
        return None;
    };
    // scheme://[user[:password]@]host[:port][/...]
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let target = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    let reachable = target
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_ok());
    if !reachable {
        println!("skipped: {var}={url}, but nothing listens at {target}");
        return None;
    }
    Some(url)
}

/// `UNILOOP_PG_URL`'s server, else a throwaway one when PostgreSQL is
/// installed (`support::Postgres`).
#[test]
fn tokio_postgres_queries_over_tokio_io() {
    if let Some(server) = Postgres::find() {
        let out = run_ok("tokio_postgres", &[&server.url]);
        assert!(out.contains(r#"(42, ["uni", "loop"])"#), "{out}");
    }
}

#[test]
fn redis_multiplexed_connection_over_a_send_stream() {
    if let Some(url) = server_url("UNILOOP_REDIS_URL", 6379) {
        let out = run_ok("redis_client", &[&url]);
        assert!(out.contains(r#"(5, "hello")"#), "{out}");
    }
}
