//! A rate limiter: at most 5 calls per 100 ms, built from a
//! `uniloop::sync::Semaphore` and `uniloop::call_later`. Each call takes a
//! permit and schedules its return one period later, so no window of one
//! period ever holds more than 5 calls (a sliding window).
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! class RateLimiter:
//!     def __init__(self, calls, period):
//!         self.sem, self.period = asyncio.Semaphore(calls), period
//!
//!     async def acquire(self):
//!         await self.sem.acquire()
//!         asyncio.get_running_loop().call_later(self.period, self.sem.release)
//!
//! limiter = RateLimiter(5, 0.1)
//! async def call_api(i):
//!     await limiter.acquire()
//!     stamps.append(loop.time())
//! await asyncio.gather(*(call_api(i) for i in range(23)))
//! ```
//!
//! Run it: `cargo run --release --example rate_limiter`
//!
//! The clock is paused (virtual time): the timestamps are exact.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use uniloop::sync::Semaphore;
use uniloop::Runtime;

const CALLS: usize = 5;
const PERIOD: Duration = Duration::from_millis(100);

/// Lets at most `calls` acquisitions through per `period`.
struct RateLimiter {
    slots: Rc<Semaphore>,
    period: Duration,
}

impl RateLimiter {
    fn new(calls: usize, period: Duration) -> RateLimiter {
        let slots = Rc::new(Semaphore::new(calls));
        RateLimiter { slots, period }
    }

    /// Wait for a free slot; the slot comes back one period from now.
    async fn acquire(&self) {
        // `forget` keeps the permit from returning when it is dropped...
        self.slots.acquire().await.forget();
        // ...and a timer callback returns it one period later.
        let slots = self.slots.clone();
        uniloop::call_later(self.period, move || slots.add_permits(1));
    }
}

fn main() {
    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    let stamps = rt.block_on(async {
        let limiter = RateLimiter::new(CALLS, PERIOD);
        let start = uniloop::time::now();
        let stamps = RefCell::new(Vec::new());
        let call_api = |_i: usize| async {
            limiter.acquire().await;
            stamps.borrow_mut().push(start.elapsed()); // the "API call"
        };
        uniloop::gather_all((0..23).map(call_api)).await;
        stamps.into_inner()
    });

    // Group the calls by the 100 ms slice they started in, for the printout.
    let mut per_slice = vec![0; 5];
    for stamp in &stamps {
        per_slice[(stamp.as_millis() / PERIOD.as_millis()) as usize] += 1;
    }
    for (i, n) in per_slice.iter().enumerate() {
        println!("  {:>3}..{:>3} ms: {n} calls", i * 100, (i + 1) * 100);
    }

    // The real check: every window [t, t + PERIOD) starting at a call.
    let busiest = stamps
        .iter()
        .map(|&t| stamps.iter().filter(|&&s| s >= t && s < t + PERIOD).count())
        .max()
        .unwrap();
    println!(
        "{} calls; busiest {PERIOD:?} window: {busiest} calls",
        stamps.len()
    );
    assert_eq!(stamps.len(), 23);
    assert!(
        busiest <= CALLS,
        "rate exceeded: {busiest} calls in one window"
    );
    assert_eq!(per_slice, [5, 5, 5, 5, 3], "no slot wasted either");
    assert_eq!(*stamps.last().unwrap(), Duration::from_millis(400));
    println!("ok: never more than {CALLS} calls per {PERIOD:?}");
}
