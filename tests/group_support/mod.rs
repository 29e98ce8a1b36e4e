//! Helpers shared by the `group_*` test binaries (split from
//! `tests/group.rs`): durations, a "fetch" of virtual time and a sleeping
//! task.
//!
//! Not every test file uses every helper.
#![allow(dead_code)]

use std::time::Duration;

use uniloop::{sleep, spawn, Task};

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A "fetch": `delay` of virtual time, then the page's name.
pub async fn fetch(name: &'static str, delay: Duration) -> String {
    sleep(delay).await;
    format!("page {name}")
}

/// A task that sleeps `ms` milliseconds and returns `ms`.
pub fn sleeper(n: u64) -> Task<u64> {
    spawn(async move {
        sleep(ms(n)).await;
        n
    })
}
