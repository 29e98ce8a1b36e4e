//! `examples/chat_server` as a process, with plain `std` TCP clients:
//! every line broadcast to everyone in one order, nicknames, joins and
//! leaves, `/quit`, a client that never reads while the others keep
//! chatting, and Ctrl-C.

mod servers_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use servers_support::{eventually, Server, HANG};

fn start(args: &[&str]) -> Server {
    Server::start("chat_server", "chat_server listening on ", args)
}

struct Client {
    stream: TcpStream,
    lines: BufReader<TcpStream>,
}

impl Client {
    fn connect(server: &Server) -> Client {
        let stream = TcpStream::connect(&server.addr).unwrap();
        stream.set_read_timeout(Some(HANG)).unwrap();
        let lines = BufReader::new(stream.try_clone().unwrap());
        let mut client = Client { stream, lines };
        client.expect("Welcome! Your nickname?");
        client
    }

    /// Connect as `nick`, and see one's own join.
    fn join(server: &Server, nick: &str) -> Client {
        let mut client = Client::connect(server);
        client.send(nick);
        client.expect(&format!("* {nick} joined"));
        client
    }

    fn send(&mut self, line: &str) {
        self.stream
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    /// The next line, without its `\n`.
    fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.lines.read_line(&mut line).unwrap();
        assert!(n > 0, "the server closed the connection");
        line.pop();
        line
    }

    fn expect(&mut self, want: &str) {
        assert_eq!(self.line(), want);
    }

    /// Read until the server closes the connection (a reset counts: the
    /// server may close with input of ours unread).
    fn expect_closed(&mut self) {
        let mut rest = Vec::new();
        if let Err(e) = self.lines.read_to_end(&mut rest) {
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}");
        }
    }
}

/// The numbers after `who: ` in `lines`, in the order seen.
fn numbers_from(who: &str, lines: &[String]) -> Vec<usize> {
    let prefix = format!("{who}: ");
    lines
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix)?.split(' ').next()?.parse().ok())
        .collect()
}

#[test]
fn everyone_sees_every_line_in_one_order_with_joins_renames_and_leaves() {
    let server = start(&[]);
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    alice.expect("* bob joined");
    let carol = Client::join(&server, "carol");
    alice.expect("* carol joined");
    bob.expect("* carol joined");

    // alice and bob talk at once; everyone reads everything.
    const N: usize = 300;
    let mut writers = Vec::new();
    for (who, client) in [("alice", &alice), ("bob", &bob)] {
        let mut stream = client.stream.try_clone().unwrap();
        stream.set_write_timeout(Some(HANG)).unwrap();
        writers.push(std::thread::spawn(move || {
            for i in 0..N {
                stream
                    .write_all(format!("{i} from {who}\n").as_bytes())
                    .unwrap();
            }
            stream
                .write_all(format!("{who} is done\n").as_bytes())
                .unwrap();
        }));
    }
    let readers: Vec<_> = [alice, bob, carol]
        .into_iter()
        .map(|client| {
            std::thread::spawn(move || {
                let mut client = client;
                let mut got = Vec::new();
                let mut done = 0;
                while done < 2 {
                    let line = client.line();
                    done += usize::from(line.ends_with(" is done"));
                    got.push(line);
                }
                (client, got)
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let mut seen: Vec<(Client, Vec<String>)> =
        readers.into_iter().map(|r| r.join().unwrap()).collect();
    let order = seen[0].1.clone();
    assert_eq!(order.len(), 2 * N + 2);
    for (_, got) in &seen {
        assert_eq!(
            *got, order,
            "every client sees the same lines in the same order"
        );
        assert_eq!(numbers_from("alice", got), (0..N).collect::<Vec<_>>());
        assert_eq!(numbers_from("bob", got), (0..N).collect::<Vec<_>>());
    }
    let (mut carol, _) = seen.pop().unwrap();
    let (mut bob, _) = seen.pop().unwrap();
    let (mut alice, _) = seen.pop().unwrap();

    // A rename is announced; a taken or bad name is refused to its asker.
    bob.send("/nick robert");
    for client in [&mut alice, &mut bob, &mut carol] {
        client.expect("* bob is now robert");
    }
    carol.send("/nick robert");
    carol.expect("* nickname robert is taken");
    carol.send("/dance");
    carol.expect("* commands: /nick NAME, /quit");
    bob.send("hi");
    for client in [&mut alice, &mut bob, &mut carol] {
        client.expect("robert: hi");
    }

    // /quit closes the connection; the others see the leave.
    alice.send("/quit");
    alice.expect_closed();
    bob.expect("* alice left");
    carol.expect("* alice left");
    // So does a client that just goes away.
    drop(bob);
    carol.expect("* robert left");

    // A nickname in use is asked again; a freed one can be taken.
    let mut dave = Client::connect(&server);
    dave.send("carol");
    dave.expect("* nickname carol is taken; your nickname?");
    dave.send("bob");
    dave.expect("* bob joined");
    carol.expect("* bob joined");

    // Ctrl-C: everyone is told, and the server ends cleanly.
    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
    assert!(said.contains("shutting down"), "{said}");
    for client in [&mut carol, &mut dave] {
        client.expect("* server shutting down");
        client.expect_closed();
    }
}

#[test]
fn a_client_that_never_reads_is_dropped_and_the_others_get_everything() {
    let server = start(&["--max-pending-kib", "256"]);
    // It joins, then never reads again.
    let slow = Client::join(&server, "slow");
    let mut alice = Client::join(&server, "alice");
    let bob = Client::join(&server, "bob");
    alice.expect("* bob joined");

    // alice talks, in rounds of big lines, until the slow client has been
    // dropped; alice and bob read everything meanwhile. Each round waits
    // for both to have read the one before, so they are never far behind
    // (what is dropped is a client that does not read at all, not one
    // that reads slower than a test thread writes).
    let dropped = Arc::new(AtomicBool::new(false));
    let seen = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let watcher = |client: Client, me: usize| {
        let (dropped, seen) = (dropped.clone(), seen.clone());
        std::thread::spawn(move || {
            let mut client = client;
            let mut got = Vec::new();
            loop {
                let line = client.line();
                if line == "* slow left (too slow)" {
                    dropped.store(true, Ordering::SeqCst);
                }
                if line == "alice: done" {
                    return (client, got);
                }
                if line.starts_with("alice: ") {
                    seen[me].fetch_add(1, Ordering::SeqCst);
                }
                got.push(line);
            }
        })
    };
    let mut stream = alice.stream.try_clone().unwrap();
    stream.set_write_timeout(Some(HANG)).unwrap();
    let watchers = [watcher(alice, 0), watcher(bob, 1)];
    let padding = "x".repeat(1000);
    let mut sent = 0;
    while !dropped.load(Ordering::SeqCst) {
        assert!(sent < 1_000_000, "the slow client was never dropped");
        for _ in 0..100 {
            stream
                .write_all(format!("{sent} {padding}\n").as_bytes())
                .unwrap();
            sent += 1;
        }
        eventually("alice and bob read the round", || {
            seen.iter().all(|n| n.load(Ordering::SeqCst) == sent)
        });
    }
    println!("{sent} lines of 1 KB sent before the slow client was dropped");
    stream.write_all(b"done\n").unwrap();
    for watcher in watchers {
        let (_client, got) = watcher.join().unwrap();
        assert_eq!(numbers_from("alice", &got), (0..sent).collect::<Vec<_>>());
        let leaves: Vec<&String> = got.iter().filter(|l| l.starts_with("* ")).collect();
        assert_eq!(leaves, ["* slow left (too slow)"]);
    }
    drop(slow);
    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
}

#[test]
fn a_line_too_long_drops_its_sender_only() {
    let server = start(&[]);
    let mut alice = Client::join(&server, "alice");
    let mut bob = Client::join(&server, "bob");
    alice.expect("* bob joined");
    bob.send(&"y".repeat(10_000));
    alice.expect("* bob left (line too long)");
    bob.expect_closed();
    alice.send("still here");
    alice.expect("alice: still here");
}
