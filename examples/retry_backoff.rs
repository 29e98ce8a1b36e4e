//! Retrying with exponential backoff and jitter, under one overall
//! deadline (`uniloop::timeout`). The jitter comes from a tiny xorshift
//! generator with a fixed seed, so every run is the same. One operation
//! succeeds after a few retries; the other is down, and the overall
//! timeout stops its retries.
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! async def retry(op, base=0.05, cap=1.0):
//!     attempt = 0
//!     while True:
//!         attempt += 1
//!         try:
//!             return await op(attempt)
//!         except ConnectionError:
//!             delay = min(cap, base * 2 ** attempt)
//!             await asyncio.sleep(delay / 2 + random.uniform(0, delay / 2))
//!
//! async with asyncio.timeout(2):      # the whole retry loop, not one attempt
//!     await retry(flaky)
//! ```
//!
//! Run it: `cargo run --release --example retry_backoff`
//!
//! The clock is paused (virtual time): the deadline and delays are exact.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use uniloop::Runtime;

const BASE: Duration = Duration::from_millis(50);
const CAP: Duration = Duration::from_secs(1);
const OVERALL: Duration = Duration::from_secs(2);

/// A xorshift64 generator: deterministic "randomness" for the jitter.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The delay after failed attempt `n`: half of min(CAP, BASE * 2^n), plus a
/// random part of up to the other half ("equal jitter").
fn backoff(n: u32, rng: &mut XorShift) -> Duration {
    let full = CAP.min(BASE * 2u32.pow(n.min(16))).as_millis() as u64;
    Duration::from_millis(full / 2 + rng.next() % (full / 2 + 1))
}

/// Call `op` until it succeeds, sleeping a growing, jittered delay between
/// attempts. It never gives up by itself: the caller's timeout does.
async fn retry<T, F, Fut>(name: &str, mut op: F, rng: &mut XorShift) -> T
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match op(attempt).await {
            Ok(value) => return value,
            Err(err) => {
                let delay = backoff(attempt, rng);
                println!("  {name}: attempt {attempt} failed ({err}); retrying in {delay:?}");
                uniloop::sleep(delay).await;
            }
        }
    }
}

/// A simulated remote call: takes 20 ms, and fails until attempt `ok_from`.
async fn call(attempt: u32, ok_from: u32, calls: &Cell<u32>) -> Result<String, String> {
    calls.set(calls.get() + 1);
    uniloop::sleep(Duration::from_millis(20)).await;
    if attempt >= ok_from {
        Ok(format!("200 OK on attempt {attempt}"))
    } else {
        Err("connection refused".to_string())
    }
}

fn main() {
    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let mut rng = XorShift(0x2545_F491_4F6C_DD1D);

        let calls = Cell::new(0);
        let start = uniloop::time::now();
        let flaky = retry("flaky", |n| call(n, 4, &calls), &mut rng);
        let outcome = uniloop::timeout(OVERALL, flaky).await;
        let took = start.elapsed();
        println!("flaky: {outcome:?} after {} calls, {took:?}", calls.get());
        assert_eq!(outcome.as_deref(), Ok("200 OK on attempt 4"));
        assert_eq!(calls.get(), 4);
        assert!(took < OVERALL);

        let calls = Cell::new(0);
        let start = uniloop::time::now();
        let down = retry("down", |n| call(n, u32::MAX, &calls), &mut rng);
        let outcome = uniloop::timeout(OVERALL, down).await;
        let took = start.elapsed();
        assert!(outcome.is_err(), "the overall timeout stops the retries");
        let err = outcome.unwrap_err();
        println!("down: {err} after {} calls, {took:?}", calls.get());
        assert_eq!(took, OVERALL, "exactly at the deadline");
        assert!(calls.get() >= 3, "it did retry before giving up");

        println!(
            "ok: flaky succeeded on its 4th attempt; down gave up at the {OVERALL:?} deadline"
        );
    });
}
