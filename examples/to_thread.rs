//! Blocking work off the loop: `uniloop::to_thread` runs a blocking
//! closure (here `std::thread::sleep`, standing in for file I/O or a C
//! library) on the runtime's thread pool, while a ticker task keeps
//! ticking on the loop. For contrast, the same blocking call made directly
//! on the loop freezes the ticker.
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! def blocking_io():
//!     time.sleep(0.3)
//!     return "report.csv: 1200 lines"
//!
//! async def ticker():
//!     global ticks
//!     while True:
//!         await asyncio.sleep(0.02)
//!         ticks += 1
//!
//! asyncio.create_task(ticker())
//! result = await asyncio.to_thread(blocking_io)   # the ticker keeps going
//! ```
//!
//! Run it: `cargo run --release --example to_thread`
//!
//! This one uses the real clock: a paused clock does not move while a
//! `to_thread` job runs (see `uniloop::blocking`), and the point here is
//! what happens on the loop in the meantime. The bounds are generous.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

const TICK: Duration = Duration::from_millis(20);
const BLOCKING: Duration = Duration::from_millis(300);

/// Blocks its thread for a while, then returns a result.
fn blocking_io() -> String {
    std::thread::sleep(BLOCKING);
    "report.csv: 1200 lines".to_string()
}

fn main() {
    uniloop::run(async {
        let ticks = Rc::new(Cell::new(0u32));
        let counter = ticks.clone();
        let ticker = uniloop::spawn(async move {
            loop {
                uniloop::sleep(TICK).await;
                counter.set(counter.get() + 1);
            }
        });
        uniloop::sleep(TICK * 2).await; // let it get going

        // On a thread of the pool: the loop stays free.
        let before = ticks.get();
        let start = Instant::now();
        let report = uniloop::to_thread(blocking_io).await;
        let during_to_thread = ticks.get() - before;
        println!(
            "to_thread: {report:?} after {:.0?}; ticker ticked {during_to_thread} times meanwhile",
            start.elapsed()
        );

        // Directly on the loop: nothing else can run until it returns.
        let before = ticks.get();
        let start = Instant::now();
        let report = blocking_io();
        let during_direct = ticks.get() - before;
        println!(
            "on the loop: {report:?} after {:.0?}; ticker ticked {during_direct} times meanwhile",
            start.elapsed()
        );

        ticker.cancel();
        assert!(ticker.await.unwrap_err().is_cancelled());

        // About 15 ticks are expected in 300 ms; 3 is a safe floor on a busy
        // machine, and still proves the loop ran while the thread blocked.
        assert!(
            during_to_thread >= 3,
            "the ticker should tick during to_thread, ticked {during_to_thread}"
        );
        assert_eq!(
            during_direct, 0,
            "a blocking call on the loop stops every task"
        );
        println!("ok: the loop kept ticking during to_thread, and froze during the direct call");
    });
}
