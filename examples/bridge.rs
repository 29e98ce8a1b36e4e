//! Bridging synchronous code and a loop: a uniloop runtime runs on a
//! background thread, and the main thread (plain blocking code) uses it.
//! `Handle::spawn(|| fut)` starts a task on the loop and returns a
//! `RemoteTask`, whose `wait_timeout` blocks for the result; a
//! `uniloop::channel::threadsafe` channel feeds the loop from other
//! threads. Dropping the channel's last sender ends the loop's main
//! future, and the loop thread stops cleanly.
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! loop = asyncio.new_event_loop()
//! threading.Thread(target=loop.run_until_complete, args=(consume(queue),)).start()
//!
//! fut = asyncio.run_coroutine_threadsafe(compute(), loop)
//! print(fut.result(timeout=5))              # blocks this thread, not the loop
//!
//! loop.call_soon_threadsafe(queue.put_nowait, 7)   # feed the loop from a thread
//! ```
//!
//! Run it: `cargo run --release --example bridge`
//!
//! Real clock and real threads; the timeouts are generous.

use std::rc::Rc;
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::Duration;

use uniloop::channel::threadsafe;
use uniloop::Runtime;

fn main() {
    // The loop thread: builds the runtime (a `Runtime` stays on the thread
    // that made it), hands out a `Handle`, then runs until the feed closes.
    let (handle_tx, handle_rx) = std_mpsc::channel();
    let (feed, mut inbox) = threadsafe::channel::<u64>(8);
    let loop_thread = thread::spawn(move || {
        let rt = Runtime::new().expect("a runtime");
        handle_tx.send(rt.handle()).expect("main is waiting");
        rt.block_on(async move {
            let mut total = 0;
            while let Some(n) = inbox.recv().await {
                total += n;
            }
            total // every sender is gone: the loop's work is done
        })
        // `rt` is dropped here: tasks still alive are cancelled.
    });
    let handle = handle_rx.recv().expect("the loop thread started");

    // run_coroutine_threadsafe + result(timeout): the future is built on
    // the loop, so it may hold `!Send` things such as an `Rc`.
    let mut answer = handle.spawn(|| async {
        let local = Rc::new(6);
        uniloop::sleep(Duration::from_millis(50)).await;
        *local * 7
    });
    let value = answer
        .wait_timeout(Duration::from_secs(5))
        .expect("in time");
    println!("remote task answered {value}");
    assert_eq!(value, 42);

    // A result that is not ready in time: the wait gives up, the task runs
    // on; then it is cancelled from this thread.
    let mut slow = handle.spawn(|| async {
        uniloop::sleep(Duration::from_secs(60)).await;
        "too late"
    });
    let err = slow.wait_timeout(Duration::from_millis(50)).unwrap_err();
    println!("slow task: {err}");
    assert!(err.is_timeout());
    slow.cancel();
    let err = slow.wait_timeout(Duration::from_secs(5)).unwrap_err();
    println!("slow task, after cancel(): {err}");
    assert!(err.is_cancelled());

    // Feed the loop from three producer threads.
    let producers: Vec<_> = (0..3u64)
        .map(|p| {
            let feed = feed.clone();
            thread::spawn(move || {
                for n in 1..=10 {
                    feed.send_blocking(p * 100 + n).expect("the loop listens");
                }
            })
        })
        .collect();
    drop(feed); // the producers hold the only senders now
    for producer in producers {
        producer.join().expect("a producer thread");
    }

    // The producers are done, so the last sender is gone: the loop ends.
    let total = loop_thread.join().expect("the loop thread");
    println!("the loop summed what the threads sent: {total}");
    assert_eq!(total, 3 * 55 + 100 * 10 + 200 * 10);

    // The runtime is gone: new work is refused instead of hanging.
    let late = handle.spawn(|| async { 1 }).wait().unwrap_err();
    println!("after the loop stopped: {late}");
    assert!(late.is_runtime_gone());
    println!("ok: remote results, a timeout and a cancel, the threads' feed, and a clean stop");
}
