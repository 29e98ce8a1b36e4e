//! `examples/websocket_chat` as a process, driven by a WebSocket client
//! no one here wrote: Python's `websockets` package, in
//! `websocket_chat_client.py` (one scenario per test: several clients
//! chatting at once, misbehaving sockets, a client that never reads,
//! Ctrl-C).
//!
//! The Python is `UNILOOP_PYTHON` if set (`.ci/run` sets it to the
//! virtual environment it makes), else `target/venv/bin/python` under the
//! workspace if it exists, else `python3`. Without `websockets` there, the
//! tests are skipped with a message outside CI, and fail in CI.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{output_within_hang, Server};

const BANNER: &str = "websocket_chat listening on ";

/// A Python that can import `websockets`, or `None` after saying why the
/// test is skipped (outside CI; in CI, fails).
fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/venv/bin/python");
    let python = match std::env::var_os("UNILOOP_PYTHON") {
        Some(path) => PathBuf::from(path),
        None if venv.exists() => venv,
        None => PathBuf::from("python3"),
    };
    let importable = Command::new(&python)
        .args(["-c", "import websockets"])
        .output()
        .is_ok_and(|out| out.status.success());
    if importable {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} cannot import websockets in CI: .ci/run installs it in target/venv and sets UNILOOP_PYTHON",
        python.display()
    );
    println!(
        "SKIPPED: {} cannot import websockets (python3 -m venv target/venv && \
         target/venv/bin/pip install websockets, or set UNILOOP_PYTHON)",
        python.display()
    );
    None
}

/// Run the client script's `scenario` against `server`: its "ok:" line.
fn scenario(python: &Path, server: &Server, scenario: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/websocket_chat_client.py");
    let mut command = Command::new(python);
    command
        .arg(script)
        .args([scenario, &server.addr, &server.pid().to_string()]);
    let out = output_within_hang(command, &format!("the {scenario} scenario"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scenario {scenario} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default().to_owned();
    assert!(last.starts_with("ok: "), "scenario {scenario}:\n{stdout}");
    println!("{last}");
    last
}

/// Ctrl-C ends the server with success.
fn stop(server: Server) {
    let (status, said) = server.interrupt();
    assert!(status.success(), "{status}: {said}");
    assert!(said.ends_with("websocket_chat: stopped\n"), "{said}");
}

#[test]
fn every_message_reaches_every_client_in_one_order() {
    let Some(python) = python() else { return };
    let server = Server::start("websocket_chat", BANNER, &[]);
    let ok = scenario(&python, &server, "room");
    assert!(ok.contains("804 messages seen by 4 clients"), "{ok}");
    stop(server);
}

#[test]
fn a_client_that_vanishes_mid_frame_or_misbehaves_drops_only_itself() {
    let Some(python) = python() else { return };
    let server = Server::start("websocket_chat", BANNER, &[]);
    scenario(&python, &server, "misbehaving");
    stop(server);
}

#[test]
fn a_client_that_never_reads_is_dropped_and_the_others_get_everything() {
    let Some(python) = python() else { return };
    let server = Server::start("websocket_chat", BANNER, &["--max-pending-kib", "256"]);
    scenario(&python, &server, "slow");
    stop(server);
}

#[test]
fn ctrl_c_tells_everyone_and_closes_with_going_away() {
    let Some(python) = python() else { return };
    let mut server = Server::start("websocket_chat", BANNER, &[]);
    // The script sends the SIGINT itself, with its clients connected.
    scenario(&python, &server, "shutdown");
    let (status, said) = server.wait();
    assert!(status.success(), "{status}: {said}");
    assert_eq!(
        said,
        "websocket_chat: Ctrl-C, shutting down\nwebsocket_chat: stopped\n"
    );
}
