//! The README's first command: `cargo run --release --example hello`.
//!
//! An asyncio-style program: named tasks that interleave, results awaited,
//! a task cancelled, a panic caught without taking the loop down, a
//! callback, timers (sleep, timeout, call_later), and a burst of 100 000
//! tasks.

use std::time::{Duration, Instant};

/// Count to `n`, yielding to the other tasks after every step
/// (`await asyncio.sleep(0)`).
async fn count(name: &'static str, n: u32) -> u32 {
    for i in 1..=n {
        println!("  {name}: step {i} of {n}");
        uniloop::yield_now().await;
    }
    n * 10
}

/// Prints when it is dropped, to show that cancellation runs destructors.
struct Goodbye(&'static str);

impl Drop for Goodbye {
    fn drop(&mut self) {
        println!("  {}: dropped (its destructor ran)", self.0);
    }
}

fn main() {
    uniloop::run(async {
        println!("spawning two counters; they take turns, like asyncio tasks:");
        let alpha = uniloop::spawn_named("alpha", count("alpha", 3));
        let beta = uniloop::spawn_named("beta", count("beta", 2));
        let forever = uniloop::spawn_named("forever", async {
            let _guard = Goodbye("forever");
            std::future::pending::<()>().await
        });
        uniloop::call_soon(|| println!("  a callback scheduled with call_soon ran"));

        println!("tasks alive now:");
        for task in uniloop::all_tasks() {
            println!("  {task}");
        }

        println!("alpha returned {}", alpha.await.unwrap());
        println!("beta returned {}", beta.await.unwrap());

        println!("cancelling {:?}:", forever.name().unwrap());
        forever.cancel();
        let err = forever.await.unwrap_err();
        println!(
            "  awaiting it gives: {err} (is_cancelled = {})",
            err.is_cancelled()
        );

        println!("a task that panics (the panic message below is expected):");
        let faulty = uniloop::spawn_named("faulty", async { panic!("something went wrong") });
        let err = faulty.await.unwrap_err();
        println!("  caught: {err}; the loop carries on");

        println!("three sleepers (30, 10, 20 ms) run at once and wake in deadline order:");
        let start = Instant::now();
        let sleepers: Vec<_> = [30, 10, 20]
            .into_iter()
            .map(|ms| {
                uniloop::spawn(async move {
                    uniloop::sleep(Duration::from_millis(ms)).await;
                    println!("  slept {ms} ms");
                })
            })
            .collect();
        for sleeper in sleepers {
            sleeper.await.unwrap();
        }
        println!("  all three done after {:.0?}, not 60 ms", start.elapsed());
        let slow = uniloop::sleep(Duration::from_secs(10));
        if let Err(elapsed) = uniloop::timeout(Duration::from_millis(5), slow).await {
            println!("  a 10 s sleep under a 5 ms timeout: {elapsed}");
        }
        uniloop::call_later(Duration::from_millis(1), || {
            println!("  a callback scheduled with call_later ran")
        });
        uniloop::sleep(Duration::from_millis(2)).await;

        let n = 100_000;
        let start = Instant::now();
        let tasks: Vec<_> = (0..n).map(|i| uniloop::spawn(async move { i })).collect();
        let mut sum = 0u64;
        for task in tasks {
            sum += task.await.unwrap();
        }
        assert_eq!(sum, n * (n - 1) / 2);
        println!("spawned and awaited {n} tasks in {:.1?}", start.elapsed());
    });
    println!("done: run() returned after cancelling every task still alive");
}
