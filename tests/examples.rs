//! Every example runs here and its output is checked, but the three
//! servers driven by outside clients, which have a file each
//! (`tests/mini_redis.rs`, `tests/per_core.rs`, `tests/chat_server.rs`). `cargo test` builds
//! the examples (into `target/<profile>/examples/`) before it runs this.
//! The ten asyncio patterns check themselves with `assert!`s and end with
//! a line starting "ok:".

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};

mod servers_support;

// One way to find an example's binary, shared with the server tests (it
// also refuses a binary older than its sources).
use servers_support::example;

fn run(name: &str, args: &[&str]) -> String {
    let Output {
        status,
        stdout,
        stderr,
    } = example(name).args(args).output().unwrap();
    let stdout = String::from_utf8(stdout).unwrap();
    assert!(
        status.success(),
        "example {name} failed ({status}):\n{stdout}\n{}",
        String::from_utf8_lossy(&stderr)
    );
    stdout
}

fn last_line(out: &str) -> &str {
    out.lines().last().unwrap_or_default()
}

#[test]
fn the_asyncio_patterns_run_and_check_themselves() {
    for name in [
        "fetch_all",
        "crawler",
        "pipeline",
        "rate_limiter",
        "debounce",
        "retry_backoff",
        "fan_out",
        "to_thread",
        "bridge",
        "task_group",
    ] {
        let out = run(name, &[]);
        assert!(last_line(&out).starts_with("ok:"), "{name}:\n{out}");
    }
}

#[test]
fn hello_tours_the_runtime() {
    let out = run("hello", &[]);
    assert!(out.contains("spawned and awaited 100000 tasks"), "{out}");
    assert!(last_line(&out).starts_with("done:"), "{out}");
}

#[test]
fn deterministic_finds_the_race_replays_it_and_checks_the_fix() {
    run("deterministic", &[]);
}

#[test]
fn echo_client_measures_its_own_server() {
    let out = run("echo_client", &["-c", "4", "-n", "200"]);
    assert!(!out.is_empty());
}

#[test]
fn echo_client_measures_echo_server() {
    let mut server = example("echo_server")
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("echo server listening on ")
        .unwrap_or_else(|| panic!("echo_server said {first:?}"))
        .to_owned();
    let client = example("echo_client")
        .args([addr.as_str(), "-c", "4", "-n", "200"])
        .output();
    server.kill().unwrap();
    server.wait().unwrap();
    let client = client.unwrap();
    assert!(client.status.success(), "{client:?}");
}
