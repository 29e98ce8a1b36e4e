//! Debouncing: a burst of events (keystrokes in a search box) where only
//! the last one is acted upon, once no new event came for a quiet period.
//! Events travel through a `uniloop::channel::mpsc` channel; the debouncer
//! waits for the next one under `uniloop::timeout`, and a timeout means
//! "quiet": act on the latest.
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! async def debounce(queue, quiet, act):
//!     latest = await queue.get()
//!     while True:
//!         try:
//!             async with asyncio.timeout(quiet):
//!                 latest = await queue.get()    # a newer event: wait again
//!         except TimeoutError:
//!             act(latest)                       # quiet: act on the last one
//!             latest = await queue.get()
//! ```
//!
//! Run it: `cargo run --release --example debounce`
//!
//! The clock is paused (virtual time), so the firing times are exact.

use std::time::Duration;

use uniloop::channel::mpsc;
use uniloop::time::Instant;
use uniloop::Runtime;

const QUIET: Duration = Duration::from_millis(100);

/// What the user types: (pause before the event in ms, the search box text).
const TYPING: [(u64, &str); 9] = [
    (0, "h"),
    (30, "he"),
    (30, "hel"),
    (30, "hell"),
    (30, "hello"),
    (200, "hello w"), // 200 ms of quiet before: "hello" fires at 120 + 100
    (20, "hello wo"),
    (20, "hello world"),
    (300, "!"),
];

/// Act on the last event of each burst; return what fired, and when (ms
/// since `start`).
async fn debounce(
    mut events: mpsc::Receiver<&'static str>,
    start: Instant,
) -> Vec<(u64, &'static str)> {
    let mut fired = Vec::new();
    let act = |text, fired: &mut Vec<_>| {
        let at = start.elapsed().as_millis() as u64;
        println!("  {at:>4} ms: search for {text:?}");
        fired.push((at, text));
    };
    let mut latest = None;
    loop {
        match latest {
            // Nothing pending: wait as long as it takes for an event.
            None => match events.recv().await {
                Some(text) => latest = Some(text),
                None => break, // every sender is gone
            },
            // An event pending: wait at most QUIET for a newer one.
            Some(text) => match uniloop::timeout(QUIET, events.recv()).await {
                Ok(Some(newer)) => latest = Some(newer), // restarts the quiet period
                Ok(None) => {
                    act(text, &mut fired); // closed: flush the last one
                    break;
                }
                Err(_elapsed) => {
                    act(text, &mut fired);
                    latest = None;
                }
            },
        }
    }
    fired
}

fn main() {
    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    let fired = rt.block_on(async {
        let start = uniloop::time::now();
        let (tx, rx) = mpsc::unbounded();
        let debouncer = uniloop::spawn(debounce(rx, start));
        for (pause, text) in TYPING {
            uniloop::sleep(Duration::from_millis(pause)).await;
            tx.send(text).await.expect("the debouncer listens");
        }
        uniloop::sleep(Duration::from_millis(500)).await; // the user stops typing
        drop(tx); // closes the channel: the debouncer ends
        debouncer.await.expect("the debouncer finished")
    });

    println!("{} events typed, {} acted upon", TYPING.len(), fired.len());
    assert_eq!(
        fired,
        [(220, "hello"), (460, "hello world"), (760, "!")],
        "only the last event of each burst fires, QUIET after it"
    );
    println!("ok: only the last event of each burst fired, {QUIET:?} after it");
}
