//! Defect 3: wakes of one task from another thread are not deduplicated:
//! each one queues a message in the runtime's remote queue, so 10 million
//! wakes while the loop is not draining grow the process by hundreds of
//! MiB, which is never given back. With one entry per task at most, the
//! growth is noise.
//!
//! This file holds one test, so that nothing else moves the resident set
//! size (read from `/proc/self/status`; skipped where there is none).

mod support;

use std::thread;

use support::{poll_counter, store_waker, WakerSlot};
use uniloop::Runtime;

/// How many times the other thread wakes the task.
const WAKES: usize = 10_000_000;

/// The most the resident set may grow.
const GROWTH_LIMIT: u64 = 8 << 20;

/// This process's resident set size in bytes, or `None` without `/proc`.
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// Defect 3: a task woken 10 million times from another thread between two
/// `block_on` calls (so the loop is not draining) costs no memory, and
/// runs once.
#[test]
fn ten_million_cross_thread_wakes_of_one_task_cost_no_memory_and_one_poll() {
    let Some(start) = rss() else {
        eprintln!("no /proc/self/status: skipped");
        return;
    };
    let rt = Runtime::new().unwrap();
    let slot = WakerSlot::new();
    let (task, polls) = poll_counter(store_waker(&slot));
    rt.block_on(async {
        drop(uniloop::spawn(task)); // detached: it lives on in the runtime
        uniloop::yield_now().await; // polled once: it stored its waker
    });
    assert_eq!(polls.get(), 1);
    let waker = slot.get().unwrap();
    // Warm up whatever one wake allocates, then measure from here.
    let one = waker.clone();
    thread::spawn(move || one.wake_by_ref()).join().unwrap();
    rt.block_on(uniloop::yield_now());
    assert_eq!(polls.get(), 2);
    let before = rss().unwrap().max(start);

    // The loop is not running: nothing drains the remote queue meanwhile.
    thread::spawn(move || {
        for _ in 0..WAKES {
            waker.wake_by_ref();
        }
    })
    .join()
    .unwrap();
    let after_wakes = rss().unwrap();

    // `block_on` takes in what other threads sent before it polls.
    rt.block_on(uniloop::yield_now());
    let after_run = rss().unwrap();
    assert_eq!(
        polls.get(),
        3,
        "{WAKES} wakes of an idle task must poll it exactly once"
    );
    for (when, rss) in [
        ("after the wakes", after_wakes),
        ("after the loop took them in", after_run),
    ] {
        let growth = rss.saturating_sub(before);
        assert!(
            growth < GROWTH_LIMIT,
            "{WAKES} cross-thread wakes of one task grew the resident set by {:.1} MiB \
             {when} (limit {:.0} MiB): the remote queue keeps one entry per wake",
            mib(growth),
            mib(GROWTH_LIMIT)
        );
    }
}
