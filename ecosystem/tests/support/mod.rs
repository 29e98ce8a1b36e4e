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
