//! Helpers for the fault tests (`tests/faults_*.rs`): a watchdog for
//! scenarios that can block forever, and a child process for scenarios
//! that can spin (a spinning thread cannot be stopped, a process can).
//!
//! Not every fault test file uses every helper.
#![allow(dead_code)]

use std::env;
use std::future::{poll_fn, Future};
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::pin::pin;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use uniloop::Runtime;

/// The variable that tells a child process which test it is to run.
pub const CHILD: &str = "UNILOOP_FAULT_CHILD";

/// Run `scenario` on a thread of its own and wait up to `secs` seconds for
/// it. Returns what it returned; resumes its panic if it panicked; and if
/// it has not finished in time, fails with "hung: `what`".
///
/// A scenario that times out is left behind, blocked: use this only for
/// scenarios that can *block* forever. A scenario that can *spin* must run
/// in a child process ([`child_case`]).
#[track_caller]
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

/// Whether this process is a child started by [`child_case`] to run
/// `test`.
pub fn is_child(test: &str) -> bool {
    env::var(CHILD).is_ok_and(|c| c == test)
}

/// The test `test` (named exactly as the test function) runs `scenario`
/// in a child process: this test binary again, running only `test`, with
/// [`CHILD`] set. In the parent, wait up to `secs` seconds for the child;
/// kill it and fail with "hung or spun: `what`" if it is still running,
/// and fail with its output if it failed. Returns the child's stderr in
/// the parent, `None` in the child.
#[track_caller]
pub fn child_case(test: &str, secs: u64, what: &str, scenario: impl FnOnce()) -> Option<String> {
    if is_child(test) {
        scenario();
        return None;
    }
    let mut child = Command::new(env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        .env_remove("UNILOOP_DEBUG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the pipes on threads, so that a chatty child cannot block on a
    // full pipe and pass for a hung one.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap();
    let stderr = err.join().unwrap();
    match status {
        None => panic!(
            "hung or spun for {secs} s (child killed): {what}\n\
             --- child stdout ---\n{stdout}\n--- child stderr ---\n{stderr}"
        ),
        Some(status) => {
            assert!(
                status.success(),
                "child {test} failed ({status})\n--- child stdout ---\n{stdout}\n\
                 --- child stderr ---\n{stderr}"
            );
            assert!(
                stdout.contains("1 passed"),
                "the child ran no test named {test}:\n{stdout}"
            );
            Some(stderr)
        }
    }
}

/// The message of a panic payload, when it is a string.
pub fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<a panic payload that is not a string>".to_owned())
}

/// `future`'s output if it comes within `patience` (on the loop's
/// clock), else `None`. The timer is polled first, so a future that is
/// only ready because the timer's wake polled it counts as not heard.
pub async fn heard_within<F: Future>(future: F, patience: Duration) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut timer = pin!(uniloop::sleep(patience));
    poll_fn(|cx| {
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        future.as_mut().poll(cx).map(Some)
    })
    .await
}

/// Make an object on runtime A with `make`, drop A, then run `use_it`
/// with it on a new runtime B, under a watchdog saying `what` hung: what
/// `use_it` returned, or its panic.
pub fn after_its_runtime_is_dropped<S: 'static, T: Send + 'static>(
    what: &str,
    make: impl AsyncFnOnce() -> S + Send + 'static,
    use_it: impl AsyncFnOnce(S) -> T + Send + 'static,
) -> thread::Result<T> {
    watchdog(what, 10, move || {
        let a = Runtime::new().unwrap();
        let object = a.block_on(make());
        drop(a);
        let b = Runtime::new().unwrap();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| b.block_on(use_it(object))));
        // Not unwound through the watchdog: the caller decides.
        outcome.map_err(|payload| {
            Box::new(payload_message(&*payload)) as Box<dyn std::any::Any + Send>
        })
    })
}
