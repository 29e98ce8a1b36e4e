//! tracing on uniloop: spans follow tasks with `Instrument`, as on any
//! runtime (tracing keeps no runtime state of its own). Each task's events
//! carry its span, however the loop interleaves them.
//!
//! `cargo run -p uniloop-ecosystem --example tracing`

use std::time::Duration;

use tracing::{info, info_span, Instrument};

#[tracing::instrument]
async fn fetch(id: u32) -> u32 {
    info!("start");
    uniloop::sleep(Duration::from_millis(u64::from(10 * (3 - id)))).await;
    info!("done");
    id * 10
}

fn main() {
    tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .init();
    let total = uniloop::run(
        async {
            let tasks: Vec<_> = (1..=2)
                .map(|id| uniloop::spawn(fetch(id).instrument(info_span!("task", id))))
                .collect();
            let mut total = 0;
            for task in tasks {
                total += task.await.unwrap();
            }
            info!(total, "gathered");
            total
        }
        .instrument(info_span!("main")),
    );
    assert_eq!(total, 30);
    println!("ok: {total}");
}
