//! Defect 2, deterministically: `Runtime::drop` gives up its id before it
//! drops its tasks' futures; a runtime built meanwhile on another thread
//! takes that id (ids are reused lowest-first); a wake issued from a
//! dropping future's destructor is then routed by id to the dying runtime,
//! which is still current on its thread, and discarded: the new runtime
//! never wakes.
//!
//! This file holds one test, so that no other runtime is alive in the
//! process to take the id.

mod fault_support;

use std::future::pending;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use fault_support::{heard_within, watchdog};
use uniloop::channel::threadsafe;
use uniloop::{spawn, Runtime};

/// Runs a closure when dropped.
struct OnDrop<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// A hook for a task of runtime A: when A drops it, start runtime B on
/// another thread (`go`), wait until B is built and has had time to wait
/// (50 ms: it only decides whether the bug shows, not the outcome), and
/// return, after which the caller's next field is dropped.
fn wait_for_b(go: mpsc::Sender<()>, built: mpsc::Receiver<()>) -> OnDrop<impl FnOnce()> {
    OnDrop(Some(move || {
        go.send(()).unwrap();
        built.recv_timeout(Duration::from_secs(5)).unwrap();
        thread::sleep(Duration::from_millis(50));
    }))
}

/// Defect 2: the last `threadsafe::Sender`, held by a task of runtime A,
/// is dropped while A shuts down, after runtime B (built meanwhile on
/// another thread, with A's freed id) started waiting in `recv`: B must
/// wake and get `None`. Then the same with a `Handle::spawn` task of A
/// awaited from B: it must resolve "runtime gone".
#[test]
fn a_wake_from_a_dropping_runtime_reaches_the_runtime_that_took_its_id() {
    // The channel: A's task holds the hook, then the last sender.
    let heard_channel = watchdog("the lost-wake scenario (channel)", 20, || {
        let (go_tx, go_rx) = mpsc::channel();
        let (built_tx, built_rx) = mpsc::channel();
        let (tx, mut rx) = threadsafe::channel::<u32>(1);
        let b = thread::spawn(move || {
            go_rx.recv().unwrap();
            let b = Runtime::new().unwrap();
            built_tx.send(()).unwrap();
            b.block_on(heard_within(rx.recv(), Duration::from_secs(5)))
        });
        let a = Runtime::new().unwrap();
        let hook = wait_for_b(go_tx, built_rx);
        a.block_on(async move {
            drop(spawn(async move {
                let _held = (hook, tx); // the hook drops first
                pending::<()>().await
            }));
            uniloop::yield_now().await;
        });
        drop(a);
        b.join().unwrap()
    });

    // Handle::spawn: B awaits a task of A, which A's drop ends.
    let heard_remote = watchdog("the lost-wake scenario (Handle::spawn)", 20, || {
        let (go_tx, go_rx) = mpsc::channel();
        let (built_tx, built_rx) = mpsc::channel();
        let a = Runtime::new().unwrap();
        let hook = wait_for_b(go_tx, built_rx);
        let remote = a.handle().spawn(move || async move {
            let _hook = hook;
            pending::<()>().await
        });
        a.block_on(uniloop::yield_now()); // starts the remote task
        let b = thread::spawn(move || {
            go_rx.recv().unwrap();
            let b = Runtime::new().unwrap();
            built_tx.send(()).unwrap();
            b.block_on(heard_within(remote, Duration::from_secs(5)))
                .map(|outcome| outcome.is_err_and(|e| e.is_runtime_gone()))
        });
        drop(a);
        b.join().unwrap()
    });
    assert_eq!(
        heard_channel,
        Some(None),
        "runtime B never woke: the last Sender was dropped in a task destructor of \
         runtime A while A shut down, after B had reused A's id (lost wake)"
    );
    assert_eq!(
        heard_remote,
        Some(true),
        "runtime B never heard \"runtime gone\" from a Handle::spawn task of runtime A \
         that A's drop ended after B had reused A's id (lost wake)"
    );
}
