//! Running a server example as a process for a test: started on a free
//! port, its address read from its first line, killed if the test ends
//! without stopping it, and a watchdog so that nothing waits forever.

#![allow(dead_code)] // each test binary uses its part

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long anything in these tests may wait before it counts as hung: a
/// guard against a hang, not a measure (nothing asserts on time).
pub const HANG: Duration = Duration::from_secs(120);

/// The example `name`'s binary, built by `cargo test` beside the tests.
pub fn example(name: &str) -> Command {
    let deps = std::env::current_exe().unwrap();
    let path: PathBuf = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run the whole `cargo test` (it builds the examples), or `cargo build --examples` first",
        path.display()
    );
    // `cargo test --test X` does not rebuild the examples: refuse to test
    // a binary older than its sources.
    let built = std::fs::metadata(&path).unwrap().modified().unwrap();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let file = examples.join(format!("{name}.rs"));
    let sources: Vec<PathBuf> = if file.exists() {
        vec![file]
    } else {
        std::fs::read_dir(examples.join(name))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect()
    };
    for source in sources {
        let changed = std::fs::metadata(&source).unwrap().modified().unwrap();
        assert!(
            changed <= built,
            "{} is older than {}: run the whole `cargo test`, or `cargo build --examples` first",
            path.display(),
            source.display()
        );
    }
    Command::new(path)
}

/// A server example running on a free port of 127.0.0.1.
pub struct Server {
    child: Child,
    stdout: BufReader<ChildStdout>,
    pub addr: String,
    pub port: u16,
}

impl Server {
    /// Start example `name` with `--port 0` and `args`; `banner` is what
    /// its first line says before the address.
    pub fn start(name: &str, banner: &str, args: &[&str]) -> Server {
        let mut child = example(name)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr = first
            .trim()
            .strip_prefix(banner)
            .unwrap_or_else(|| panic!("{name} said {first:?}"))
            .to_owned();
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        Server {
            child,
            stdout,
            addr,
            port,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A line of `/proc/PID/status` (`VmPeak`, `VmHWM`, ...) in KiB.
    pub fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with(&format!("{field}:")))
            .unwrap_or_else(|| panic!("no {field} in {status}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Send SIGINT (Ctrl-C) and wait for the process to end: its exit
    /// status and what it printed after its first line.
    pub fn interrupt(mut self) -> (ExitStatus, String) {
        let status = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = wait_with_deadline(&mut self.child, "the server after SIGINT");
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

/// Wait for `child` to end, killing it (and failing) if it takes longer
/// than [`HANG`].
pub fn wait_with_deadline(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} hung");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Poll `check` until it is true; fails after [`HANG`].
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG;
    while !check() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether `program` can be run (`program --version` succeeds).
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Run `command` to its end, its stdout and stderr captured; fails if it
/// takes longer than [`HANG`].
pub fn output_with_deadline(mut command: Command, what: &str) -> std::process::Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).unwrap();
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        err.read_to_end(&mut buf).unwrap();
        buf
    });
    let status = wait_with_deadline(&mut child, what);
    std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}
