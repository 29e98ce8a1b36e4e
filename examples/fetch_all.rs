//! Gather versus one-after-another: the same four simulated fetches, run
//! sequentially and then concurrently with `uniloop::gather_all` (and
//! `uniloop::gather!` for a fixed set of different types).
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! async def fetch(name, seconds):
//!     await asyncio.sleep(seconds)
//!     return f"{name}: {len(name)} rows"
//!
//! for name, s in PAGES:                                  # sequential: the sum
//!     await fetch(name, s)
//! await asyncio.gather(*(fetch(n, s) for n, s in PAGES))  # concurrent: the longest
//! ```
//!
//! Run it: `cargo run --release --example fetch_all`
//!
//! The runtime uses a paused clock: sleeps take no real time and the
//! virtual clock jumps straight to the next timer, so the timings printed
//! are exact and the asserts hold on any machine.

use std::time::Duration;

use uniloop::Runtime;

/// The pages to fetch, and how long each one takes.
const PAGES: [(&str, u64); 4] = [
    ("users", 300),
    ("orders", 500),
    ("stock", 200),
    ("prices", 400),
];

/// A simulated fetch: wait as long as the "network" takes, then answer.
async fn fetch(name: &'static str, ms: u64) -> String {
    uniloop::sleep(Duration::from_millis(ms)).await;
    format!("{name}: {} rows", name.len())
}

fn main() {
    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let sum: u64 = PAGES.iter().map(|&(_, ms)| ms).sum();
        let longest = PAGES.iter().map(|&(_, ms)| ms).max().unwrap();

        // One after another: each fetch starts when the previous one ended.
        let start = uniloop::time::now();
        let mut sequential = Vec::new();
        for (name, ms) in PAGES {
            sequential.push(fetch(name, ms).await);
        }
        let sequential_time = start.elapsed();
        println!(
            "sequential: {} fetches in {sequential_time:?}",
            sequential.len()
        );

        // All at once: `gather_all` polls every fetch inside this task and
        // returns the results in input order, whatever order they finish in.
        let start = uniloop::time::now();
        let gathered = uniloop::gather_all(PAGES.map(|(name, ms)| fetch(name, ms))).await;
        let gathered_time = start.elapsed();
        println!(
            "gather_all: {} fetches in {gathered_time:?}",
            gathered.len()
        );
        for line in &gathered {
            println!("  {line}");
        }

        // `gather!` takes a fixed list of futures whose outputs may differ
        // in type, and returns a tuple.
        let start = uniloop::time::now();
        let (page, count, flag) = uniloop::gather!(
            fetch("users", 300),
            async {
                uniloop::sleep(Duration::from_millis(100)).await;
                42
            },
            async { true }
        )
        .await;
        let macro_time = start.elapsed();
        println!("gather!:    ({page:?}, {count}, {flag}) in {macro_time:?}");

        assert_eq!(gathered, sequential, "same results, same order");
        assert_eq!(sequential_time, Duration::from_millis(sum));
        assert_eq!(
            gathered_time,
            Duration::from_millis(longest),
            "the longest, not the sum"
        );
        assert_eq!(macro_time, Duration::from_millis(300));
        println!("ok: concurrent took the longest fetch ({longest} ms), not the sum ({sum} ms)");
    });
}
