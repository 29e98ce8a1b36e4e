//! Fan-out under a deadline: several workers run as tasks, their results
//! are collected as they come, and the whole aggregate gets one overall
//! `uniloop::timeout`. When it passes, the workers still running are
//! cancelled; each runs its async cleanup (`uniloop::on_cancel`) before the
//! timeout returns, so nothing is left half-done behind the caller's back.
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! async def worker(name, seconds, results, cleaned):
//!     try:
//!         await asyncio.sleep(seconds)              # the work
//!         results.append(name)
//!     except asyncio.CancelledError:
//!         await asyncio.sleep(0.01)                 # e.g. close a connection
//!         cleaned.append(name)
//!         raise
//!
//! tasks = [asyncio.create_task(worker(n, s, results, cleaned)) for n, s in JOBS]
//! try:
//!     async with asyncio.timeout(1):
//!         await asyncio.gather(*tasks)
//! except TimeoutError:
//!     pass            # the unfinished workers were cancelled and cleaned up
//! ```
//!
//! Run it: `cargo run --release --example fan_out`
//!
//! The clock is paused (virtual time), so the times are exact.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use uniloop::Runtime;

/// The workers: a name and how long each one's work takes.
const JOBS: [(&str, u64); 5] = [("a", 100), ("b", 300), ("c", 700), ("d", 1500), ("e", 2500)];
const OVERALL: Duration = Duration::from_secs(1);
const CLEANUP: Duration = Duration::from_millis(10);

type Log = Rc<RefCell<Vec<&'static str>>>;

/// A worker: do the work and record the result; if cancelled first, run an
/// async cleanup instead (which may itself await), then end cancelled.
async fn worker(name: &'static str, ms: u64, results: Log, cleaned: Log) {
    let work = async {
        uniloop::sleep(Duration::from_millis(ms)).await;
        println!("  {name}: finished after {ms} ms");
        results.borrow_mut().push(name);
    };
    let cleanup = async {
        uniloop::sleep(CLEANUP).await; // closing a connection, say
        println!("  {name}: cancelled, cleaned up");
        cleaned.borrow_mut().push(name);
    };
    uniloop::on_cancel(work, cleanup).await
}

fn main() {
    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let results: Log = Rc::default();
        let cleaned: Log = Rc::default();
        let start = uniloop::time::now();
        let tasks: Vec<_> = JOBS
            .iter()
            .map(|&(name, ms)| uniloop::spawn(worker(name, ms, results.clone(), cleaned.clone())))
            .collect();

        // Awaiting the tasks through `gather_all` under a timeout: when the
        // deadline passes, the gather is dropped, which cancels the tasks it
        // awaited, and `timeout` returns only once their cleanups ended.
        let outcome = uniloop::timeout(OVERALL, uniloop::gather_all(tasks)).await;
        let took = start.elapsed();

        let collected = results.borrow().clone();
        let cleaned_now = cleaned.borrow().clone();
        println!("timed out: {}, after {took:?}", outcome.is_err());
        println!("collected {collected:?}; cleaned up {cleaned_now:?}");

        assert!(outcome.is_err(), "the deadline passed before d and e");
        assert_eq!(collected, ["a", "b", "c"], "what finished in time");
        // Each unfinished worker cleaned up exactly once, and the finished
        // ones never did; all of it before `timeout` returned.
        assert_eq!(cleaned_now, ["d", "e"]);
        assert_eq!(
            took,
            OVERALL + CLEANUP,
            "the cleanups ran before it returned"
        );
        // Nothing runs later either: wait past the last worker's end.
        uniloop::sleep(Duration::from_secs(5)).await;
        assert_eq!(*cleaned.borrow(), cleaned_now);
        assert_eq!(*results.borrow(), collected);
        println!("ok: 3 results collected; d and e were cancelled and each cleaned up once");
    });
}
