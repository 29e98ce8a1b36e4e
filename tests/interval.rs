//! `time::interval` on the paused clock: the three missed-tick behaviours,
//! resets, the `Stream` form and bad periods.

mod support;

use std::time::Duration;

use futures::StreamExt;
use support::panic_message;
use uniloop::time::{self, interval, interval_at, Instant, MissedTickBehavior};
use uniloop::{sleep, Runtime};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn paused() -> Runtime {
    Runtime::builder().paused_clock(true).build().unwrap()
}

/// The scheduled times (ms from the start) of the ticks of a 10 ms interval
/// with `behavior` when the task sleeps 35 ms after the first tick, and the
/// clock (ms) after each.
fn late_ticks(behavior: MissedTickBehavior) -> Vec<(u128, u128)> {
    paused().block_on(async {
        let start = time::now();
        let mut every = interval(ms(10));
        every.set_missed_tick_behavior(behavior);
        every.tick().await;
        sleep(ms(35)).await;
        let mut ticks = Vec::new();
        for _ in 0..5 {
            let scheduled = every.tick().await;
            ticks.push(((scheduled - start).as_millis(), start.elapsed().as_millis()));
        }
        ticks
    })
}

#[test]
fn on_time_ticks_do_not_drift() {
    paused().block_on(async {
        let start = time::now();
        let mut every = interval(ms(10));
        for n in 0..100 {
            assert_eq!(every.tick().await - start, ms(10 * n));
            assert_eq!(start.elapsed(), ms(10 * n));
            // Work that takes less than a period does not shift the schedule.
            sleep(ms(3)).await;
        }
    });
}

#[test]
fn burst_catches_up_then_keeps_the_schedule() {
    assert_eq!(
        late_ticks(MissedTickBehavior::Burst),
        [(10, 35), (20, 35), (30, 35), (40, 40), (50, 50)]
    );
}

#[test]
fn delay_restarts_the_schedule_from_the_late_tick() {
    assert_eq!(
        late_ticks(MissedTickBehavior::Delay),
        [(10, 35), (45, 45), (55, 55), (65, 65), (75, 75)]
    );
}

#[test]
fn skip_drops_missed_ticks_and_keeps_the_grid() {
    assert_eq!(
        late_ticks(MissedTickBehavior::Skip),
        [(10, 35), (40, 40), (50, 50), (60, 60), (70, 70)]
    );
}

#[test]
fn a_tick_less_than_5ms_late_is_not_missed() {
    paused().block_on(async {
        let start = time::now();
        let mut every = interval(ms(10));
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        every.tick().await;
        sleep(ms(14)).await; // 4 ms late for the 10 ms tick
        assert_eq!(every.tick().await - start, ms(10));
        assert_eq!(every.tick().await - start, ms(20));
    });
}

#[test]
fn interval_at_starts_later_and_resets_move_the_next_tick() {
    paused().block_on(async {
        let start = time::now();
        let mut every = interval_at(start + ms(100), ms(10));
        assert_eq!(every.tick().await - start, ms(100));
        every.reset();
        assert_eq!(every.tick().await - start, ms(110));
        every.reset_immediately();
        assert_eq!(every.tick().await - start, ms(110));
        every.reset_after(ms(25));
        assert_eq!(every.tick().await - start, ms(135));
        every.reset_at(start + ms(200));
        assert_eq!(every.tick().await - start, ms(200));
        assert_eq!(every.tick().await - start, ms(210));
        assert_eq!(every.period(), ms(10));
    });
}

#[test]
fn an_interval_is_a_stream_of_ticks() {
    paused().block_on(async {
        let start = time::now();
        let ticks: Vec<Instant> = interval(ms(7)).take(4).collect().await;
        let offsets: Vec<u128> = ticks.iter().map(|t| (*t - start).as_millis()).collect();
        assert_eq!(offsets, [0, 7, 14, 21]);
    });
}

#[test]
fn a_cancelled_tick_loses_nothing() {
    paused().block_on(async {
        let start = time::now();
        let mut every = interval(ms(10));
        every.tick().await;
        // Give up on the next tick halfway.
        assert!(uniloop::timeout(ms(5), every.tick()).await.is_err());
        assert_eq!(every.tick().await - start, ms(10));
        assert_eq!(start.elapsed(), ms(10));
    });
}

#[test]
fn zero_periods_panic_and_huge_ones_do_not_overflow() {
    let message = panic_message(|| paused().block_on(async { interval(Duration::ZERO) }));
    assert_eq!(
        message,
        "uniloop::time::interval(): the period must be non-zero"
    );
    let message =
        panic_message(|| paused().block_on(async { interval_at(time::now(), Duration::ZERO) }));
    assert_eq!(
        message,
        "uniloop::time::interval_at(): the period must be non-zero"
    );

    paused().block_on(async {
        let start = time::now();
        let mut every = interval(Duration::MAX);
        assert_eq!(every.tick().await, start);
        let next = uniloop::timeout(Duration::from_secs(3600), every.tick()).await;
        assert!(next.is_err());
        every.set_missed_tick_behavior(MissedTickBehavior::Skip);
        every.reset_after(Duration::MAX);
        assert!(uniloop::timeout(ms(1), every.tick()).await.is_err());
    });
}
