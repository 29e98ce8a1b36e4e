//! `examples/per_core` as a process, at two loops: connections land on
//! both loops (`INFO server` says which one serves a connection), a
//! `PUBLISH` on one loop reaches the subscribers of the other and counts
//! them, keys stay on their loop, and Ctrl-C stops every loop. Plain
//! `std` TCP clients speaking RESP, and `redis-benchmark` when it is
//! installed (as in `tests/mini_redis.rs`: skipped with a message outside
//! CI, a failure in CI).

mod servers_support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;

use servers_support::{have, output_with_deadline, Server, HANG};

fn start(loops: usize) -> Server {
    Server::start(
        "per_core",
        "per_core listening on ",
        &["--loops", &loops.to_string()],
    )
}

/// A RESP reply.
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.as_bytes().to_vec()))
}

/// A connection, with a read timeout as a guard against a hang.
struct Client {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(server: &Server) -> Client {
        let stream = TcpStream::connect(&server.addr).unwrap();
        stream.set_read_timeout(Some(HANG)).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Client { stream, reader }
    }

    fn send(&mut self, args: &[&str]) {
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        self.stream.write_all(request.as_bytes()).unwrap();
    }

    fn call(&mut self, args: &[&str]) -> Reply {
        self.send(args);
        self.reply()
    }

    fn reply(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let line = line
            .strip_suffix("\r\n")
            .unwrap_or_else(|| panic!("no reply line: {line:?}"));
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" => Reply::Simple(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Int(rest.parse().unwrap()),
            "$" if rest == "-1" => Reply::Bulk(None),
            "$" => {
                let mut data = vec![0; rest.parse::<usize>().unwrap() + 2];
                self.reader.read_exact(&mut data).unwrap();
                assert_eq!(data.split_off(data.len() - 2), b"\r\n");
                Reply::Bulk(Some(data))
            }
            "*" => {
                let n: usize = rest.parse().unwrap();
                Reply::Array((0..n).map(|_| self.reply()).collect())
            }
            _ => panic!("not a RESP reply: {line:?}"),
        }
    }

    /// The `field` of `INFO server` (`loop_id`, `loops`).
    fn info(&mut self, field: &str) -> usize {
        let Reply::Bulk(Some(text)) = self.call(&["INFO", "server"]) else {
            panic!("INFO is no bulk string");
        };
        let text = String::from_utf8(text).unwrap();
        let prefix = format!("{field}:");
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {field} in {text:?}"))
            .parse()
            .unwrap()
    }

    fn subscribe(&mut self, channel: &str) {
        assert_eq!(
            self.call(&["SUBSCRIBE", channel]),
            Reply::Array(vec![bulk("subscribe"), bulk(channel), Reply::Int(1)])
        );
    }

    fn expect_message(&mut self, channel: &str, message: &str) {
        assert_eq!(
            self.reply(),
            Reply::Array(vec![bulk("message"), bulk(channel), bulk(message)])
        );
    }
}

/// Connections until every loop of `server` serves `per_loop` of them
/// (those past that are closed); by loop. SO_REUSEPORT spreads them by
/// a hash of the client's port, so this takes a handful; it fails if 1000
/// were not enough.
fn clients_on_every_loop(server: &Server, loops: usize, per_loop: usize) -> Vec<Vec<Client>> {
    let mut by_loop: BTreeMap<usize, Vec<Client>> = BTreeMap::new();
    for _ in 0..1000 {
        let mut client = Client::connect(server);
        assert_eq!(client.info("loops"), loops);
        let id = client.info("loop_id");
        assert!(id < loops, "loop_id {id} of {loops}");
        let on_loop = by_loop.entry(id).or_default();
        if on_loop.len() < per_loop {
            on_loop.push(client);
        }
        if by_loop.len() == loops && by_loop.values().all(|c| c.len() == per_loop) {
            return by_loop.into_values().collect();
        }
    }
    panic!(
        "1000 connections, served by loops {:?} only",
        by_loop.keys().collect::<Vec<_>>()
    );
}

#[test]
fn connections_are_served_by_both_loops_and_publish_reaches_both() {
    let server = start(2);
    let mut loops = clients_on_every_loop(&server, 2, 2).into_iter();
    let (mut a, mut b) = (loops.next().unwrap(), loops.next().unwrap());
    let (mut sub_a, mut pub_a) = (a.remove(0), a.remove(0));
    let (mut sub_b, mut pub_b) = (b.remove(0), b.remove(0));

    // A subscriber on loop 0, a publisher on loop 1: delivered, and
    // counted in the publisher's reply.
    sub_a.subscribe("news");
    assert_eq!(pub_b.call(&["PUBLISH", "news", "hello"]), Reply::Int(1));
    sub_a.expect_message("news", "hello");
    assert_eq!(pub_b.call(&["PUBLISH", "nobody", "x"]), Reply::Int(0));

    // Subscribers on both loops: every publish reaches both, from either
    // loop, each publisher's messages in the order it sent them.
    sub_b.subscribe("news");
    assert_eq!(pub_a.call(&["PUBLISH", "news", "from 0"]), Reply::Int(2));
    sub_a.expect_message("news", "from 0");
    sub_b.expect_message("news", "from 0");
    for i in 0..100 {
        pub_b.send(&["PUBLISH", "news", &i.to_string()]);
    }
    for _ in 0..100 {
        assert_eq!(pub_b.reply(), Reply::Int(2));
    }
    for i in 0..100 {
        sub_a.expect_message("news", &i.to_string());
        sub_b.expect_message("news", &i.to_string());
    }

    // Keys are per loop (the example's documented choice).
    assert_eq!(
        pub_a.call(&["SET", "k", "on loop 0"]),
        Reply::Simple("OK".into())
    );
    assert_eq!(pub_a.call(&["GET", "k"]), bulk("on loop 0"));
    assert_eq!(pub_b.call(&["GET", "k"]), Reply::Bulk(None));
    assert_eq!(pub_b.call(&["DBSIZE"]), Reply::Int(0));

    // Once a subscriber is gone, the count says so.
    drop(sub_a);
    servers_support::eventually("loop 0 sees its subscriber leave", || {
        pub_b.call(&["PUBLISH", "news", "still there?"]) == Reply::Int(1)
    });

    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
    for id in 0..2 {
        assert!(said.contains(&format!("loop {id} stopped after")), "{said}");
    }
    assert!(said.contains("Ctrl-C, shut down after"), "{said}");
}

#[test]
fn ctrl_c_stops_every_loop_with_clients_still_connected() {
    let server = start(3);
    let clients = clients_on_every_loop(&server, 3, 1);
    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
    assert!(said.contains("on 3 loops"), "{said}");
    drop(clients);
}

#[test]
fn redis_benchmark_is_served_by_both_loops() {
    if !(have("redis-cli") && have("redis-benchmark")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "redis-cli/redis-benchmark missing in CI: .ci/run installs redis-tools"
        );
        println!("SKIPPED: redis-cli or redis-benchmark not found (apt-get install redis-tools)");
        return;
    }
    let server = start(2);
    let mut cli = Command::new("redis-cli");
    cli.args(["-p", &server.port.to_string(), "INFO", "server"]);
    let out = output_with_deadline(cli, "redis-cli");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("loops:2"), "{out:?}");

    let mut command = Command::new("redis-benchmark");
    command.args(["-p", &server.port.to_string()]).args([
        "-t",
        "ping,set,get",
        "-n",
        "20000",
        "-c",
        "50",
        "-q",
    ]);
    let out = output_with_deadline(command, "redis-benchmark");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    for test in ["PING_INLINE", "PING_MBULK", "SET", "GET"] {
        assert!(stdout.contains(&format!("{test}: ")), "{stdout}");
    }

    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
    // 50 connections: each loop served some (all on one loop: a chance
    // of 2^-49).
    let served: Vec<u64> = said
        .lines()
        .filter_map(|line| {
            line.split_once(" stopped after ")?
                .1
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(served.len(), 2, "{said}");
    assert!(served.iter().all(|&n| n > 0), "{said}");
    assert!(served.iter().sum::<u64>() >= 80_000, "{said}");
}
