//! Helpers shared by the ecosystem tests.
#![allow(dead_code)]

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Run `scenario` on a thread of its own; fail with a message naming
/// `what` if it has not finished within `secs` seconds (a hang), and pass
/// its panic on if it panicked.
pub fn watchdog<T: Send + 'static>(
    what: &str,
    secs: u64,
    scenario: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let thread = thread::Builder::new()
        .name(format!("watchdog: {what}"))
        .spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(scenario));
            let _ = tx.send(outcome);
        })
        .unwrap();
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(output)) => {
            thread.join().unwrap();
            output
        }
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(_) => panic!("hung for {secs} s: {what}"),
    }
}

/// The message of a caught panic.
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("<not a string>")
    }
}

/// The example `name`'s binary, built by `cargo test -p uniloop-ecosystem`
/// beside the test binaries (in `target/<profile>/examples/`).
pub fn example(name: &str) -> std::process::Command {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run the whole `cargo test -p uniloop-ecosystem` (it builds the examples)",
        path.display()
    );
    std::process::Command::new(path)
}

/// How long a test waits for a process before it counts as hung: a guard
/// against a hang, not a measure.
pub const HANG: Duration = Duration::from_secs(300);

/// A server example running on a free port of 127.0.0.1, killed when
/// dropped (if the test fails before it stops it).
pub struct Server {
    child: std::process::Child,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    /// `127.0.0.1:PORT`, as it printed.
    pub addr: String,
}

impl Server {
    /// Start example `name` with `--port 0` and `args`; `banner` is what
    /// its first line says before the address.
    pub fn start(name: &str, banner: &str, args: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = example(name)
            .args(["--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr = first
            .trim()
            .strip_prefix(banner)
            .unwrap_or_else(|| panic!("{name} said {first:?}"))
            .to_owned();
        Server {
            child,
            stdout,
            addr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send SIGINT (Ctrl-C), then [`wait`](Self::wait).
    pub fn interrupt(mut self) -> (std::process::ExitStatus, String) {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.wait()
    }

    /// Wait for the process to end (failing after [`HANG`]): its exit
    /// status and what it printed after its first line.
    pub fn wait(&mut self) -> (std::process::ExitStatus, String) {
        use std::io::Read;
        let deadline = std::time::Instant::now() + HANG;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not stop"
            );
            thread::sleep(Duration::from_millis(10));
        };
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).unwrap();
        (status, rest)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `command` to its end, its stdout and stderr captured; kills it and
/// fails, naming `what`, if it takes longer than [`HANG`].
pub fn output_within_hang(mut command: std::process::Command, what: &str) -> std::process::Output {
    use std::process::Stdio;
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let pid = child.id();
    let (done, outcome) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match outcome.recv_timeout(HANG) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
            panic!("{what} hung (killed after {HANG:?})");
        }
    }
}

/// The script that starts and stops a throwaway server.
fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/postgres.sh")
}

/// A PostgreSQL server for a test: `UNILOOP_PG_URL`'s (`.ci/run` starts
/// one), or else, if PostgreSQL's binaries are here, a throwaway one
/// started with `.ci/postgres.sh` (in `dir`, stopped when this is
/// dropped). Without either, skipped outside CI and a failure in CI.
pub struct Postgres {
    pub url: String,
    dir: Option<std::path::PathBuf>,
}

impl Postgres {
    /// `None` after saying why the test is skipped.
    pub fn find() -> Option<Postgres> {
        if let Ok(url) = std::env::var("UNILOOP_PG_URL") {
            return Some(Postgres { url, dir: None });
        }
        let have_binaries = std::process::Command::new("bash")
            .arg(script())
            .arg("bindir")
            .output()
            .is_ok_and(|out| out.status.success());
        if !have_binaries {
            assert!(
                std::env::var_os("CI").is_none(),
                "no PostgreSQL in CI: .ci/run installs it, starts it and sets UNILOOP_PG_URL"
            );
            println!(
                "SKIPPED: UNILOOP_PG_URL is not set and no PostgreSQL binaries were found \
                 (initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin; apt-get install postgresql)"
            );
            return None;
        }
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("uniloop-pg-{}-{n}", std::process::id()));
        let mut start = std::process::Command::new("bash");
        start.arg(script()).arg("start").arg(&dir);
        // Stopped (and `dir` removed) on drop, even if starting failed.
        let mut server = Postgres {
            url: String::new(),
            dir: Some(dir),
        };
        let out = output_within_hang(start, ".ci/postgres.sh start");
        assert!(
            out.status.success(),
            ".ci/postgres.sh start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        server.url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        println!("started a throwaway server at {}", server.url);
        Some(server)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::process::Command::new("bash")
                .arg(script())
                .arg("stop")
                .arg(dir)
                .status();
        }
    }
}
