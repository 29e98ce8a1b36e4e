//! The ecosystem's examples, run as processes: `http_hello` fetched from
//! with a plain `std::net::TcpStream` (keep-alive) and stopped with
//! Ctrl-C (SIGINT); `http_client` on its own and against `http_hello`.
//! `cargo test` builds the examples (into `target/<profile>/examples/`)
//! before it runs this.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

mod support;
use support::example;

/// Reads of a response give up after this, so a hung server fails the
/// test instead of hanging it (a hang guard, not a measurement).
const HANG: Duration = Duration::from_secs(60);

/// `http_hello --port 0`, killed when dropped (if the test fails first).
struct Server {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    addr: String,
}

impl Server {
    fn start() -> Server {
        let mut child = example("http_hello")
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("http_hello printed {line:?}"))
            .to_string();
        Server {
            child,
            stdout,
            addr,
        }
    }

    /// Ctrl-C, then wait for it to exit; returns the rest of its stdout.
    fn interrupt(mut self) -> String {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(status.success());
        let since = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(since.elapsed() < HANG, "http_hello did not stop on SIGINT");
            thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(
            status.success(),
            "http_hello exited with {status}: {stderr}"
        );
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        rest
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Read one HTTP/1.1 response (head and a `content-length` body).
fn read_response(reader: &mut BufReader<TcpStream>) -> (String, String) {
    let mut head = String::new();
    let mut length = None;
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the server closed"
        );
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = Some(value.trim().parse::<usize>().unwrap());
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length.expect("a content-length")];
    reader.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

#[test]
fn http_hello_serves_keep_alive_requests_and_stops_on_ctrl_c() {
    let server = Server::start();
    let stream = TcpStream::connect(&server.addr).unwrap();
    stream.set_read_timeout(Some(HANG)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    for path in ["/", "/again", "/and/again"] {
        write!(
            writer,
            "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n",
            server.addr
        )
        .unwrap();
        let (head, body) = read_response(&mut reader);
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, "Hello, World!");
    }
    drop((reader, writer));
    let rest = server.interrupt();
    assert_eq!(rest.trim(), "stopped");
}

fn run(command: &mut Command) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().unwrap();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(
        status.success(),
        "failed ({status}):\n{stdout}\n{}",
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

#[test]
fn http_client_makes_several_requests_over_one_connection() {
    let out = run(example("http_client").args(["-n", "4"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "1: 200 OK Hello, World!",
            "2: 200 OK Hello, World!",
            "3: 200 OK Hello, World!",
            "4: 200 OK Hello, World!",
            "ok: 4 requests over 1 connection",
        ]
    );
}

#[test]
fn http_client_fetches_from_http_hello() {
    let server = Server::start();
    let url = format!("http://{}/", server.addr);
    let out = run(example("http_client").args(["--url", &url, "-n", "2"]));
    assert_eq!(out, "1: 200 OK Hello, World!\n2: 200 OK Hello, World!\n");
    server.interrupt();
}
