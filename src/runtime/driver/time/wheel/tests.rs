//! The wheel against a sorted-list model, and a few fixed cases.

use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use proptest::prelude::*;

use super::*;

/// Wakers that record their timer's id in a shared log when woken.
#[derive(Clone, Default)]
struct Fired(Arc<Mutex<Vec<usize>>>);

struct IdWaker {
    id: usize,
    log: Fired,
}

impl Wake for IdWaker {
    fn wake(self: Arc<Self>) {
        self.log.0.lock().unwrap().push(self.id);
    }
}

impl Fired {
    fn waker(&self, id: usize) -> Waker {
        Waker::from(Arc::new(IdWaker {
            id,
            log: self.clone(),
        }))
    }

    fn take(&self) -> Vec<usize> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn fire_all(wheel: &mut Wheel, now: u64) {
    while let Some(waker) = wheel.poll(now) {
        waker.wake();
    }
}

#[test]
fn ties_fire_in_insertion_order_across_levels() {
    let log = Fired::default();
    let mut wheel = Wheel::new();
    // Inserted at different elapsed times, so at different levels, but all
    // due at tick 5000.
    wheel.insert(5_000, log.waker(0)).unwrap();
    fire_all(&mut wheel, 4_000);
    wheel.insert(5_000, log.waker(1)).unwrap();
    fire_all(&mut wheel, 4_990);
    wheel.insert(5_000, log.waker(2)).unwrap();
    wheel.insert(4_995, log.waker(3)).unwrap();
    fire_all(&mut wheel, 4_999);
    assert_eq!(log.take(), [3]);
    fire_all(&mut wheel, 5_000);
    assert_eq!(log.take(), [0, 1, 2]);
    assert_eq!(wheel.pending(), 0);
}

#[test]
fn past_deadlines_are_refused_and_far_ones_wait() {
    let log = Fired::default();
    let mut wheel = Wheel::new();
    fire_all(&mut wheel, 100);
    assert!(wheel.insert(100, log.waker(0)).is_err());
    let far = 100 + SPAN * 3 + 7;
    wheel.insert(far, log.waker(1)).unwrap();
    let mut now = 100;
    while let Some(next) = wheel.next_deadline() {
        assert!(next > now && next <= far, "{next} after {now}");
        now = next;
        fire_all(&mut wheel, now);
    }
    assert_eq!(now, far);
    assert_eq!(log.take(), [1]);
}

#[test]
fn removed_entries_give_their_memory_back() {
    let log = Fired::default();
    let mut wheel = Wheel::new();
    let keys: Vec<Key> = (0..10_000)
        .map(|i| wheel.insert(10 + i % 300, log.waker(0)).unwrap())
        .collect();
    assert_eq!(wheel.pending(), 10_000);
    for key in keys {
        drop(wheel.remove(key));
    }
    assert_eq!((wheel.pending(), wheel.slots_used()), (0, 0));
    assert_eq!(wheel.capacity(), 0);
    assert_eq!(wheel.next_deadline(), None);
    assert!(wheel.levels.iter().all(|l| l.occupied == 0));
}

#[test]
fn a_million_pending_timers_fire_in_order() {
    let log = Fired::default();
    let mut wheel = Wheel::new();
    const N: u64 = 1_000_000;
    // Deadlines scattered over ~12 days, every level in use.
    let when = |i: u64| 1 + (i * 104_729) % N * 997;
    let wakers: Vec<Waker> = (0..16).map(|i| log.waker(i)).collect();
    for i in 0..N {
        wheel
            .insert(when(i), wakers[(i % 16) as usize].clone())
            .unwrap();
    }
    assert_eq!(wheel.pending(), N as usize);
    let mut fired = 0u64;
    let mut last = 0;
    while let Some(next) = wheel.next_deadline() {
        assert!(next >= last);
        last = next;
        while let Some(waker) = wheel.poll(next) {
            drop(waker);
            fired += 1;
        }
    }
    assert_eq!(fired, N);
    assert_eq!(last, when((0..N).max_by_key(|&i| when(i)).unwrap()));
    assert_eq!(wheel.pending(), 0);
}

#[derive(Clone, Debug)]
enum Op {
    /// A timer due `delay` ticks from now.
    Insert(u64),
    /// Remove the timer at this index of those held (fired or not).
    Remove(usize),
    /// Move the timer at this index to `delay` ticks from now (may be 0).
    Reset(usize, u64),
    /// Move time forward and fire what is due.
    Advance(u64),
    /// Jump to the next deadline the wheel reports and fire.
    Next,
}

fn delay() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 1..70u64,
        3 => 1..5_000u64,
        1 => 1..(SPAN * 2),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => delay().prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Remove),
        2 => (any::<usize>(), prop_oneof![Just(0u64), delay()]).prop_map(|(i, d)| Op::Reset(i, d)),
        3 => prop_oneof![0..10u64, 0..500u64, 0..(SPAN * 2)].prop_map(Op::Advance),
        2 => Just(Op::Next),
    ]
}

/// One timer of the model.
struct Timer {
    id: usize,
    key: Key,
    /// `(tick, registration number)` while pending: the order it fires in.
    pending: Option<(u64, u64)>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn wheel_fires_what_a_sorted_list_would(ops in prop::collection::vec(op(), 1..120)) {
        let log = Fired::default();
        let mut wheel = Wheel::new();
        let mut timers: Vec<Timer> = Vec::new();
        let (mut now, mut next_id, mut registrations) = (0u64, 0usize, 0u64);
        for op in ops {
            match op {
                Op::Insert(delay) => {
                    let key = wheel.insert(now + delay, log.waker(next_id)).unwrap();
                    timers.push(Timer { id: next_id, key, pending: Some((now + delay, registrations)) });
                    next_id += 1;
                    registrations += 1;
                }
                Op::Remove(i) if !timers.is_empty() => {
                    let timer = timers.remove(i % timers.len());
                    drop(wheel.remove(timer.key));
                }
                Op::Reset(i, delay) if !timers.is_empty() => {
                    let i = i % timers.len();
                    let timer = &mut timers[i];
                    wheel.reset(timer.key, now + delay);
                    let _ = wheel.set_waker(timer.key, &log.waker(timer.id));
                    // A deadline that has passed fires at the next poll,
                    // with the others due at the current tick.
                    timer.pending = Some((now + delay, registrations));
                    registrations += 1;
                }
                Op::Remove(_) | Op::Reset(..) => {}
                Op::Advance(by) => {
                    now += by;
                    check_fire(&mut wheel, &mut timers, &log, now)?;
                }
                Op::Next => {
                    let earliest = timers.iter().filter_map(|t| t.pending).map(|p| p.0.max(now)).min();
                    let next = wheel.next_deadline();
                    prop_assert_eq!(next.is_some(), earliest.is_some());
                    if let (Some(next), Some(earliest)) = (next, earliest) {
                        prop_assert!(next >= now && next <= earliest, "next {} now {} earliest {}", next, now, earliest);
                        now = next;
                        check_fire(&mut wheel, &mut timers, &log, now)?;
                    }
                }
            }
            prop_assert_eq!(wheel.pending(), timers.iter().filter(|t| t.pending.is_some()).count());
            prop_assert_eq!(wheel.slots_used(), timers.len());
        }
        for timer in timers.drain(..) {
            drop(wheel.remove(timer.key));
        }
        prop_assert_eq!((wheel.pending(), wheel.slots_used()), (0, 0));
        prop_assert!(wheel.levels.iter().all(|l| l.occupied == 0));
    }
}

/// Fire everything due at `now` and compare with the model: the timers
/// whose tick has come, in (tick, registration) order. (A timer reset to a
/// past tick is due at the tick of the reset, which is then `now`: the
/// test fires after every move of time, so nothing else is due then.)
fn check_fire(
    wheel: &mut Wheel,
    timers: &mut [Timer],
    log: &Fired,
    now: u64,
) -> Result<(), TestCaseError> {
    fire_all(wheel, now);
    let mut expected: Vec<(u64, u64, usize)> = Vec::new();
    for timer in timers.iter_mut() {
        if let Some((tick, registration)) = timer.pending {
            if tick <= now {
                expected.push((tick, registration, timer.id));
                timer.pending = None;
                prop_assert!(wheel.is_fired(timer.key));
            } else {
                prop_assert!(!wheel.is_fired(timer.key));
            }
        }
    }
    expected.sort_unstable();
    let expected: Vec<usize> = expected.into_iter().map(|e| e.2).collect();
    prop_assert_eq!(log.take(), expected);
    Ok(())
}

// ----- The level and slot math -----

#[test]
fn an_entry_goes_to_the_level_of_its_highest_differing_digit() {
    assert_eq!(level_for(0, 1), 0);
    assert_eq!(level_for(0, 63), 0);
    assert_eq!(level_for(0, 64), 1);
    assert_eq!(level_for(100, 127), 0); // 100 and 127 share all but the last digit
    assert_eq!(level_for(63, 64), 1);
    assert_eq!(level_for(0, 64 * 64), 2);
    assert_eq!(level_for(0, SPAN - 1), LEVELS - 1);
    assert_eq!(level_for(0, u64::MAX), LEVELS - 1); // beyond the span: the top
}

#[test]
fn its_slot_is_its_digit_at_that_level() {
    assert_eq!(slot_for(5, 0), 5);
    assert_eq!(slot_for(64 + 5, 0), 5);
    assert_eq!(slot_for(3 * 64 + 5, 1), 3);
    assert_eq!(slot_for(7 * 64 * 64, 2), 7);
}

#[test]
fn a_slot_starts_in_the_current_turn_or_else_the_next() {
    // Level 0, elapsed 10: slot 12 starts at tick 12, slot 3 of this
    // turn has passed, so the next turn's slot 3 (tick 67).
    assert_eq!(slot_start(10, 0, 12), 12);
    assert_eq!(slot_start(10, 0, 3), 67);
    // Level 1 (64-tick slots), elapsed 100 (slot 1): slot 2 at 128.
    assert_eq!(slot_start(100, 1, 2), 128);
    assert_eq!(slot_start(100, 1, 1), 64 + 64 * 64);
}

#[test]
fn the_first_occupied_slot_wraps_round() {
    let occupied = (1 << 3) | (1 << 40);
    assert_eq!(first_occupied_from(occupied, 0), 3);
    assert_eq!(first_occupied_from(occupied, 4), 40);
    assert_eq!(first_occupied_from(occupied, 41), 3);
    assert_eq!(first_occupied_from(1 << 63, 63), 63);
}

// ----- The entry's footprint -----

#[test]
fn an_entry_takes_32_bytes_of_the_slab() {
    // The deadline word and the waker; the slab node adds two `u32`
    // links, and the slab's own tag hides in the word's niche (`LIVE`).
    assert_eq!(std::mem::size_of::<Entry>(), 24);
    let mut wheel = Wheel::new();
    let first = wheel.insert(1, Waker::noop().clone()).unwrap();
    let second = wheel.insert(2, Waker::noop().clone()).unwrap();
    assert_eq!(second, first + 1);
    let address = |key| std::ptr::from_ref(wheel.entries.get(key)).addr();
    assert_eq!(address(second) - address(first), 32);
}

#[test]
fn a_fired_timer_armed_again_without_a_waker_fires_silently() {
    let log = Fired::default();
    let mut wheel = Wheel::new();
    let key = wheel.insert(10, log.waker(0)).unwrap();
    fire_all(&mut wheel, 10);
    assert_eq!(log.take(), [0]);
    // Its waker was handed out: armed again, it has none to give.
    wheel.reset(key, 20);
    assert!(wheel.poll(20).is_none());
    assert!(wheel.is_fired(key));
    assert!(wheel.remove(key).is_none());
    // A waker set after the reset is the one woken.
    let key = wheel.insert(30, log.waker(1)).unwrap();
    fire_all(&mut wheel, 30);
    wheel.reset(key, 40);
    assert!(wheel.set_waker(key, &log.waker(2)).is_none());
    assert!(wheel.set_waker(key, &log.waker(3)).is_some());
    fire_all(&mut wheel, 40);
    assert_eq!(log.take(), [1, 3]);
    assert!(wheel.remove(key).is_none());
}

#[test]
fn deadlines_past_the_last_tick_an_entry_holds_are_clamped() {
    let log = Fired::default();
    let mut wheel = Wheel::new();
    let key = wheel.insert(u64::MAX, log.waker(0)).unwrap();
    assert_eq!(wheel.entries.get(key).when(), MAX_WHEN);
    wheel.reset(key, MAX_WHEN + 1);
    assert_eq!(wheel.entries.get(key).when(), MAX_WHEN);
    fire_all(&mut wheel, MAX_WHEN - 1);
    assert!(log.take().is_empty());
    fire_all(&mut wheel, MAX_WHEN);
    assert_eq!(log.take(), [0]);
}
