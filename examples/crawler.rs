//! A crawler with bounded concurrency: a `uniloop::sync::Semaphore` lets
//! at most K fetches run at once; a fetch that fails gives an `Err` that is
//! kept and reported, while the others succeed.
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! sem = asyncio.Semaphore(K)
//!
//! async def crawl(url):
//!     async with sem:
//!         return await fetch(url)      # may raise
//!
//! results = await asyncio.gather(*map(crawl, URLS), return_exceptions=True)
//! failed = [u for u, r in zip(URLS, results) if isinstance(r, Exception)]
//! ```
//!
//! Run it: `cargo run --release --example crawler`
//!
//! The clock is paused (virtual time), so the run is exact and instant.

use std::cell::Cell;
use std::time::Duration;

use uniloop::sync::Semaphore;
use uniloop::Runtime;

/// At most this many fetches run at once.
const K: usize = 3;

/// Counts the fetches running now and the most ever seen at once.
#[derive(Default)]
struct Gauge {
    running: Cell<usize>,
    peak: Cell<usize>,
}

/// A simulated fetch: pages whose path starts with "/broken" fail.
async fn fetch(url: &str, gauge: &Gauge) -> Result<usize, String> {
    gauge.running.set(gauge.running.get() + 1);
    gauge.peak.set(gauge.peak.get().max(gauge.running.get()));
    // Each page takes a different time: 10, 20, 30, 40 or 50 ms.
    uniloop::sleep(Duration::from_millis(10 * (1 + url.len() as u64 % 5))).await;
    gauge.running.set(gauge.running.get() - 1);
    if url.contains("/broken") {
        Err(format!("{url}: 404 Not Found"))
    } else {
        Ok(url.len() * 100) // "bytes downloaded"
    }
}

/// Wait for a permit (≙ `async with sem:`), then fetch. The permit is given
/// back when `_permit` is dropped, at the end of the function.
async fn crawl(url: &str, sem: &Semaphore, gauge: &Gauge) -> Result<usize, String> {
    let _permit = sem.acquire().await;
    fetch(url, gauge).await
}

fn main() {
    let urls: Vec<String> = (1..=12)
        .map(|i| match i % 5 {
            0 => format!("https://example.com/broken/{i}"),
            _ => format!("https://example.com/page/{i}"),
        })
        .collect();

    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    let (results, elapsed, peak) = rt.block_on(async {
        let sem = Semaphore::new(K);
        let gauge = Gauge::default();
        let start = uniloop::time::now();
        // Every crawl at once; the semaphore lets K of them fetch at a time.
        // Each result is a `Result`: an error does not stop the others.
        let results = uniloop::gather_all(urls.iter().map(|url| crawl(url, &sem, &gauge))).await;
        (results, start.elapsed(), gauge.peak.get())
    });

    let mut failed = Vec::new();
    let mut bytes = 0;
    for (url, result) in urls.iter().zip(&results) {
        match result {
            Ok(n) => bytes += n,
            Err(err) => {
                println!("  failed: {err}");
                failed.push(url.as_str());
            }
        }
    }
    let ok = results.len() - failed.len();
    println!(
        "crawled {} urls in {elapsed:?}: {ok} ok ({bytes} bytes), {} failed",
        urls.len(),
        failed.len()
    );
    println!("at most {peak} fetches ran at once (limit {K})");

    assert!(peak <= K, "the semaphore was exceeded: {peak} > {K}");
    assert_eq!(peak, K, "with 12 urls the limit is reached");
    assert_eq!(
        failed,
        [
            "https://example.com/broken/5",
            "https://example.com/broken/10"
        ]
    );
    println!("ok: concurrency never exceeded {K}, and exactly the broken pages failed");
}
