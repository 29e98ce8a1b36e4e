//! `examples/mini_redis` as a process, driven by clients no one here
//! wrote: the real `redis-cli` (every command, SUBSCRIBE in a second
//! client) and `redis-benchmark`; and by raw sockets sending malformed
//! input, which must get `-ERR` without hurting the server.
//!
//! `redis-cli` and `redis-benchmark` are Debian's `redis-tools` (`.ci/run`
//! installs it); without them, outside CI, those tests are skipped with a
//! message. The example's parser and keyspace unit tests run here too.

mod servers_support;

#[path = "../examples/mini_redis/resp.rs"]
#[allow(dead_code)]
mod resp;

#[path = "../examples/mini_redis/db.rs"]
#[allow(dead_code)]
mod db;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Command, Stdio};

use servers_support::{eventually, have, output_with_deadline, Server, HANG};

fn start() -> Server {
    Server::start("mini_redis", "mini_redis listening on ", &[])
}

/// Whether the Redis tools are here; if not, says so (and fails in CI,
/// which installs them).
fn redis_tools() -> bool {
    if have("redis-cli") && have("redis-benchmark") {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "redis-cli/redis-benchmark missing in CI: .ci/run installs redis-tools"
    );
    println!("SKIPPED: redis-cli or redis-benchmark not found (apt-get install redis-tools)");
    false
}

/// `redis-cli -p PORT args...`: what it printed, trimmed of the last
/// newline (replies one a line; nil is an empty line, errors "ERR ...").
fn cli(server: &Server, args: &[&str]) -> String {
    let mut command = Command::new("redis-cli");
    command.arg("-p").arg(server.port.to_string()).args(args);
    let out = output_with_deadline(command, "redis-cli");
    assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    // Errors end in two newlines.
    text.trim_end_matches('\n').to_owned()
}

/// A raw connection, with a read timeout as a guard against a hang.
fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream.set_read_timeout(Some(HANG)).unwrap();
    stream
}

/// Everything the server sends until it closes the connection.
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    stream.read_to_end(&mut got).unwrap();
    String::from_utf8_lossy(&got).into_owned()
}

fn ping_on_a_new_connection(server: &Server) {
    let mut stream = connect(server);
    stream.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    let mut reply = [0; 7];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"+PONG\r\n");
}

#[test]
fn redis_cli_runs_every_command() {
    if !redis_tools() {
        return;
    }
    let server = start();
    let r = |args: &[&str]| cli(&server, args);
    assert_eq!(r(&["PING"]), "PONG");
    assert_eq!(r(&["PING", "hi there"]), "hi there");
    assert_eq!(r(&["ECHO", "a\tb c"]), "a\tb c");
    assert_eq!(r(&["SET", "k", "v"]), "OK");
    assert_eq!(r(&["GET", "k"]), "v");
    assert_eq!(r(&["GET", "missing"]), "");
    assert_eq!(r(&["EXISTS", "k", "missing", "k"]), "2");
    assert_eq!(
        r(&["INCR", "k"]),
        "ERR value is not an integer or out of range"
    );
    assert_eq!(r(&["SET", "n", "41"]), "OK");
    assert_eq!(r(&["INCR", "n"]), "42");
    assert_eq!(r(&["INCR", "fresh"]), "1");
    assert_eq!(r(&["GET", "n"]), "42");
    assert_eq!(r(&["SET", "k", "w", "NX"]), "");
    assert_eq!(r(&["SET", "k", "w", "XX"]), "OK");
    assert_eq!(
        r(&["SET", "k", "w", "EX", "0"]),
        "ERR invalid expire time in 'set' command"
    );
    assert_eq!(r(&["SET", "k", "w", "EX"]), "ERR syntax error");
    // TTLs: whole seconds, rounded; -1 with no deadline, -2 when missing.
    assert_eq!(r(&["TTL", "n"]), "-1");
    assert_eq!(r(&["TTL", "missing"]), "-2");
    assert_eq!(r(&["SET", "t", "v", "EX", "100"]), "OK");
    let ttl: i64 = r(&["TTL", "t"]).parse().unwrap();
    assert!((1..=100).contains(&ttl), "TTL {ttl}");
    assert_eq!(r(&["SET", "p", "v", "PX", "100000"]), "OK");
    let pttl: i64 = r(&["PTTL", "p"]).parse().unwrap();
    assert!((1..=100_000).contains(&pttl), "PTTL {pttl}");
    assert_eq!(r(&["EXPIRE", "n", "1000"]), "1");
    let ttl: i64 = r(&["TTL", "n"]).parse().unwrap();
    assert!((1..=1000).contains(&ttl), "TTL {ttl}");
    assert_eq!(r(&["INCR", "n"]), "43");
    let ttl: i64 = r(&["TTL", "n"]).parse().unwrap();
    assert!(ttl > 0, "INCR keeps the deadline: TTL {ttl}");
    assert_eq!(r(&["EXPIRE", "missing", "10"]), "0");
    assert_eq!(r(&["EXPIRE", "fresh", "-1"]), "1");
    assert_eq!(r(&["EXISTS", "fresh"]), "0");
    // A key set to expire is gone once its deadline passed: on access...
    assert_eq!(r(&["SET", "short", "v", "PX", "1"]), "OK");
    eventually("GET short returns nil", || r(&["GET", "short"]).is_empty());
    // ...and without any access, removed by the expiry timer.
    let before: u64 = r(&["DBSIZE"]).parse().unwrap();
    for i in 0..20 {
        assert_eq!(r(&["SET", &format!("gone{i}"), "v", "PX", "20"]), "OK");
    }
    eventually("the expired keys are removed", || {
        r(&["DBSIZE"]).parse::<u64>().unwrap() == before
    });
    assert_eq!(r(&["DEL", "k", "n", "missing"]), "2");
    assert_eq!(r(&["EXISTS", "k", "n"]), "0");
    assert_eq!(r(&["PUBLISH", "nobody", "hello"]), "0");
    let info = r(&["INFO", "server"]);
    assert!(info.contains("\r\nloop_id:0\r\nloops:1"), "{info:?}");
    assert_eq!(r(&["INFO", "keyspace"]), "");
    assert_eq!(
        r(&["GET"]),
        "ERR wrong number of arguments for 'get' command"
    );
    assert_eq!(r(&["NOSUCH", "x"]), "ERR unknown command 'NOSUCH'");
    assert_eq!(r(&["FLUSHDB"]), "OK");
    assert_eq!(r(&["DBSIZE"]), "0");
    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
}

#[test]
fn subscribe_in_a_second_redis_cli_receives_publish() {
    if !redis_tools() {
        return;
    }
    let server = start();
    let mut subscriber = Command::new("redis-cli")
        .args([
            "-p",
            &server.port.to_string(),
            "SUBSCRIBE",
            "news",
            "weather",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(subscriber.stdout.take().unwrap()).lines();
    let mut next = || lines.next().unwrap().unwrap();
    let confirmed: Vec<String> = (0..6).map(|_| next()).collect();
    assert_eq!(
        confirmed,
        ["subscribe", "news", "1", "subscribe", "weather", "2"]
    );

    assert_eq!(cli(&server, &["PUBLISH", "news", "hello world"]), "1");
    assert_eq!([next(), next(), next()], ["message", "news", "hello world"]);
    assert_eq!(cli(&server, &["PUBLISH", "weather", "rain"]), "1");
    assert_eq!(cli(&server, &["PUBLISH", "news", "second"]), "1");
    assert_eq!([next(), next(), next()], ["message", "weather", "rain"]);
    assert_eq!([next(), next(), next()], ["message", "news", "second"]);
    assert_eq!(cli(&server, &["PUBLISH", "sports", "nobody"]), "0");

    // Once the subscriber is gone, nobody receives.
    subscriber.kill().unwrap();
    subscriber.wait().unwrap();
    eventually("the subscriber's connection is closed", || {
        cli(&server, &["PUBLISH", "news", "anyone?"]) == "0"
    });
}

#[test]
fn subscribe_and_unsubscribe_on_one_connection() {
    let server = start();
    let mut stream = connect(&server);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut expect = |want: &str| {
        let mut got = vec![0; want.len()];
        reader.read_exact(&mut got).unwrap();
        assert_eq!(String::from_utf8_lossy(&got), want);
    };
    stream.write_all(b"SUBSCRIBE a b\r\n").unwrap();
    expect("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
    stream.write_all(b"GET a\r\nPING\r\n").unwrap();
    expect("-ERR Can't execute 'GET': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n");
    expect("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    let mut publisher = connect(&server);
    publisher.write_all(b"PUBLISH b x\r\n").unwrap();
    let mut reply = [0; 4];
    publisher.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b":1\r\n");
    expect("*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$1\r\nx\r\n");
    stream.write_all(b"UNSUBSCRIBE a\r\n").unwrap();
    expect("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n");
    stream.write_all(b"UNSUBSCRIBE\r\n").unwrap();
    expect("*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n");
    stream.write_all(b"UNSUBSCRIBE\r\nPING\r\n").unwrap();
    expect("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n+PONG\r\n");
}

/// The output of `redis-benchmark -q`: one line per test, e.g.
/// `SET: 81234.55 requests per second, p50=0.311 msec`.
fn benchmark(server: &Server, extra: &[&str]) -> Vec<(String, f64)> {
    let mut command = Command::new("redis-benchmark");
    command
        .args(["-p", &server.port.to_string()])
        .args(["-t", "ping,set,get,incr", "-n", "20000", "-q"])
        .args(extra);
    let out = output_with_deadline(command, "redis-benchmark");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{out:?}");
    // Progress lines end in '\r'; the results in '\n'.
    stdout
        .split(['\r', '\n'])
        .filter_map(|line| {
            let (name, rest) = line.split_once(": ")?;
            let rps = rest
                .strip_suffix(" requests per second")
                .or_else(|| rest.split_once(" requests per second, ").map(|(n, _)| n))?;
            Some((name.trim().to_owned(), rps.parse().ok()?))
        })
        .collect()
}

#[test]
fn redis_benchmark_gets_every_reply() {
    if !redis_tools() {
        return;
    }
    let server = start();
    for extra in [&[][..], &["-P", "16"]] {
        let results = benchmark(&server, extra);
        let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"],
            "{extra:?}"
        );
        assert!(results.iter().all(|(_, rps)| *rps > 0.0), "{results:?}");
    }
    // Every INCR of both runs was counted once, and the SETs stored
    // their 3-byte value.
    assert_eq!(cli(&server, &["GET", "counter:__rand_int__"]), "40000");
    assert_eq!(cli(&server, &["GET", "key:__rand_int__"]).len(), 3);
}

#[test]
fn a_pipeline_is_answered_in_order_with_fewer_writes_than_requests() {
    let server = start();
    let mut stream = connect(&server);
    let mut requests = Vec::new();
    let mut want = Vec::new();
    for i in 0..1000 {
        requests.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n{i}\r\n",
                i.to_string().len()
            )
            .as_bytes(),
        );
        requests.extend_from_slice(b"*2\r\n$4\r\nINCR\r\n$1\r\nk\r\n");
        requests.extend_from_slice(b"PING\r\n");
        want.extend_from_slice(format!("+OK\r\n:{}\r\n+PONG\r\n", i + 1).as_bytes());
    }
    stream.write_all(&requests).unwrap();
    let mut got = vec![0; want.len()];
    stream.read_exact(&mut got).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
    drop(stream);

    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
    let numbers: Vec<u64> = said
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let [requests, reads, writes] = numbers[..] else {
        panic!("no counters in {said:?}");
    };
    assert_eq!(requests, 3000, "{said}");
    // One write per batch of requests read: never more writes than reads
    // that brought requests, and the pipeline shared them.
    assert!(writes <= reads, "{said}");
    assert!(writes < requests, "{said}");
}

/// Send `request` on a new connection; what comes back until the server
/// closes it.
fn malformed(server: &Server, request: &[u8]) -> String {
    let mut stream = connect(server);
    stream.write_all(request).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    read_to_close(&mut stream)
}

#[test]
fn malformed_input_gets_an_error_and_the_server_lives_on() {
    let server = start();
    let cases: &[(&[u8], &str)] = &[
        (
            b"*1\r\n+PING\r\n",
            "-ERR Protocol error: expected '$', got '+'\r\n",
        ),
        (
            b"*1\r\n\x00\r\n",
            "-ERR Protocol error: expected '$', got '\\x00'\r\n",
        ),
        (
            b"*x\r\n",
            "-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$x\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$-3\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        // A wrong length: the bytes after it are not CRLF.
        (
            b"*1\r\n$2\r\nPING\r\n",
            "-ERR Protocol error: bulk string not ended by CRLF\r\n",
        ),
        // Over 512 MiB: refused before a byte of it is awaited.
        (
            b"*2\r\n$3\r\nGET\r\n$536870913\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$9999999999\r\n",
            "-ERR Protocol error: invalid bulk length\r\n",
        ),
        // The replies before the bad frame are sent first.
        (
            b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n:1\r\n",
            "+PONG\r\n+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n",
        ),
    ];
    for (request, want) in cases {
        assert_eq!(
            malformed(&server, request),
            *want,
            "{}",
            request.escape_ascii()
        );
        ping_on_a_new_connection(&server);
    }

    // A frame cut short by the end of the stream.
    let mut stream = connect(&server);
    stream.write_all(b"*2\r\n$3\r\nGET\r\n$10\r\nabc").unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    assert_eq!(
        read_to_close(&mut stream),
        "-ERR Protocol error: the stream ended inside a request\r\n"
    );

    // An inline line of binary garbage is an unknown command: the
    // connection stays usable.
    let mut stream = connect(&server);
    stream
        .write_all(b"\x00\xff\xfe\x01garbage\r\n\x7f\r\nPING\r\n")
        .unwrap();
    let want = "-ERR unknown command '\\x00\\xff\\xfe\\x01garbage'\r\n-ERR unknown command '\\x7f'\r\n+PONG\r\n";
    let mut got = vec![0; want.len()];
    stream.read_exact(&mut got).unwrap();
    assert_eq!(String::from_utf8_lossy(&got), want);

    // Garbage with no line end at all, past the inline limit.
    let garbage: Vec<u8> = (0..70_000u32).map(|i| (i * 7 + 1) as u8 | 0x80).collect();
    assert_eq!(
        malformed(&server, &garbage),
        "-ERR Protocol error: too big inline request\r\n"
    );
    ping_on_a_new_connection(&server);
    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
}

#[test]
fn a_claimed_length_is_not_allocated_before_its_bytes_arrive() {
    let server = start();
    let mut stream = connect(&server);
    let header = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$500000000\r\n";
    stream.write_all(header).unwrap();
    stream.write_all(&[b'x'; 100_000]).unwrap();
    // The server has read all of it (nothing queued on either side)...
    let client_port = stream.local_addr().unwrap().port();
    eventually("the server reads what was sent", || {
        tcp_queues(client_port, server.port) == Some(0)
            && tcp_queues(server.port, client_port) == Some(0)
    });
    ping_on_a_new_connection(&server);
    // ...and its address space never held the 500 MB the request claims
    // (an untouched `Vec::with_capacity` would show in VmPeak, not RSS).
    let peak_mib = server.status_kib("VmPeak") / 1024;
    assert!(peak_mib < 256, "VmPeak {peak_mib} MiB");
    drop(stream);
    ping_on_a_new_connection(&server);
}

/// The bytes queued on the loopback TCP socket from `local` to `remote`
/// port: not yet sent plus not yet read by its owner (`tx_queue` and
/// `rx_queue` of `/proc/net/tcp`).
fn tcp_queues(local: u16, remote: u16) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let want = (
        format!("0100007F:{local:04X}"),
        format!("0100007F:{remote:04X}"),
    );
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if (fields[1], fields[2]) != (want.0.as_str(), want.1.as_str()) {
            return None;
        }
        let (tx, rx) = fields[4].split_once(':')?;
        Some(u64::from_str_radix(tx, 16).ok()? + u64::from_str_radix(rx, 16).ok()?)
    })
}

#[test]
fn quit_answers_and_closes() {
    let server = start();
    let mut stream = connect(&server);
    stream.write_all(b"PING\r\nQUIT\r\nPING\r\n").unwrap();
    assert_eq!(read_to_close(&mut stream), "+PONG\r\n+OK\r\n");
}

#[test]
fn a_subscriber_that_never_reads_is_dropped_and_publishers_never_wait() {
    let server = start();
    let mut subscriber = connect(&server);
    subscriber.write_all(b"SUBSCRIBE news\r\n").unwrap();
    let mut confirmed = [0; 33];
    subscriber.read_exact(&mut confirmed).unwrap();
    assert_eq!(&confirmed, b"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
    // It reads nothing more. The publisher goes on until the server has
    // dropped it (each PUBLISH says how many received the message).
    let mut publisher = connect(&server);
    let mut publish = b"*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$65536\r\n".to_vec();
    publish.extend(std::iter::repeat_n(b'm', 65536));
    publish.extend_from_slice(b"\r\n");
    let mut published = 0;
    loop {
        publisher.write_all(&publish).unwrap();
        let mut reply = [0; 4];
        publisher.read_exact(&mut reply).unwrap();
        published += 1;
        match &reply {
            b":1\r\n" => assert!(published < 100_000, "never dropped"),
            b":0\r\n" => break,
            other => panic!("{}", other.escape_ascii()),
        }
    }
    println!("{published} messages of 64 KiB published before the subscriber was dropped");
    ping_on_a_new_connection(&server);
}

#[test]
fn a_request_of_many_arguments_and_a_large_value_are_served() {
    let server = start();
    let mut stream = connect(&server);
    let keys = 100_000;
    let mut request = format!("*{}\r\n$6\r\nEXISTS\r\n", keys + 1).into_bytes();
    for i in 0..keys {
        let key = format!("key{i}");
        request.extend_from_slice(format!("${}\r\n{key}\r\n", key.len()).as_bytes());
    }
    let value = vec![b'v'; 8 * 1024 * 1024];
    request.extend_from_slice(
        format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${}\r\n", value.len()).as_bytes(),
    );
    request.extend_from_slice(&value);
    request.extend_from_slice(
        b"\r\n*2\r\n$6\r\nSTRLEN\r\n$3\r\nbig\r\n*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n",
    );
    stream.write_all(&request).unwrap();
    let mut want = format!(
        ":0\r\n+OK\r\n-ERR unknown command 'STRLEN'\r\n${}\r\n",
        value.len()
    )
    .into_bytes();
    want.extend_from_slice(&value);
    want.extend_from_slice(b"\r\n");
    let mut got = vec![0; want.len()];
    stream.read_exact(&mut got).unwrap();
    assert!(got == want, "{}", String::from_utf8_lossy(&got[..200]));
}
