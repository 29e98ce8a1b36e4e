//! Sync primitives: asyncio's seed patterns, FIFO order, hand-off
//! fairness, cancellation passing things on, and every error path.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::Poll;

use support::{panic_message, poll_once, yield_times, Log};
use uniloop::sync::{
    Barrier, BoundedSemaphore, Condition, Event, Lock, Mutex, MutexGuard, Semaphore,
};
use uniloop::{spawn, yield_now};

// ----- Mutex / Lock -----

#[test]
fn without_a_lock_the_counter_race_loses_updates() {
    // The contrast for the next test: read, yield, write.
    uniloop::run(async {
        let counter = Rc::new(RefCell::new(0));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let counter = counter.clone();
                spawn(async move {
                    let read = *counter.borrow();
                    yield_now().await;
                    *counter.borrow_mut() = read + 1;
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*counter.borrow(), 1);
    });
}

#[test]
fn the_lock_fixes_the_counter_race() {
    uniloop::run(async {
        let counter = Rc::new(Mutex::new(0));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let counter = counter.clone();
                spawn(async move {
                    let mut value = counter.lock().await;
                    let read = *value;
                    yield_now().await;
                    *value = read + 1;
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*counter.lock().await, 3);
    });
}

#[test]
fn waiters_get_the_lock_in_fifo_order() {
    uniloop::run(async {
        let lock = Rc::new(Lock::default());
        let log = Log::new();
        let held = lock.lock().await;
        let tasks: Vec<_> = ["a", "b", "c", "d"]
            .into_iter()
            .map(|name| {
                let (lock, log) = (lock.clone(), log.clone());
                spawn(async move {
                    let _guard = lock.lock().await;
                    log.push(name);
                    yield_now().await;
                })
            })
            .collect();
        yield_now().await; // all four queue up
        drop(held);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(log.take(), ["a", "b", "c", "d"]);
    });
}

#[test]
fn a_released_lock_is_handed_to_the_first_waiter() {
    uniloop::run(async {
        let lock = Rc::new(Mutex::new(0));
        let held = lock.try_lock().unwrap();
        let waiter = {
            let lock = lock.clone();
            spawn(async move { *lock.lock().await += 1 })
        };
        yield_now().await;
        drop(held);
        // The waiter has not run, but the lock is its: no barging.
        assert!(lock.is_locked());
        assert!(lock.try_lock().is_none());
        waiter.await.unwrap();
        assert_eq!(*lock.try_lock().unwrap(), 1);
    });
}

#[test]
fn a_cancelled_waiter_passes_a_handed_lock_on() {
    uniloop::run(async {
        let lock = Rc::new(Lock::default());
        let log = Log::new();
        let held = lock.lock().await;
        let first = {
            let (lock, log) = (lock.clone(), log.clone());
            spawn(async move {
                let _guard = lock.lock().await;
                log.push("first");
            })
        };
        let second = {
            let (lock, log) = (lock.clone(), log.clone());
            spawn(async move {
                let _guard = lock.lock().await;
                log.push("second");
            })
        };
        yield_now().await;
        drop(held); // handed to `first`...
        first.cancel(); // ...which is dropped before it runs
        assert!(first.await.unwrap_err().is_cancelled());
        second.await.unwrap();
        assert_eq!(log.take(), ["second"]);
        assert!(!lock.is_locked());
    });
}

#[test]
fn a_cancelled_waiter_leaves_the_queue() {
    uniloop::run(async {
        let lock = Lock::default();
        let held = lock.lock().await;
        let mut waiting = Box::pin(lock.lock());
        assert!(poll_once(&mut waiting).await.is_pending());
        drop(waiting);
        drop(held);
        assert!(lock.try_lock().is_some());
    });
}

#[test]
fn mutex_gives_its_value_back() {
    let mut mutex = Mutex::new(vec![1]);
    mutex.get_mut().push(2);
    let guard = mutex.try_lock().unwrap();
    assert!(std::ptr::eq(MutexGuard::mutex(&guard), &mutex));
    assert_eq!(format!("{guard:?}"), "[1, 2]");
    drop(guard);
    assert_eq!(mutex.into_inner(), [1, 2]);
}

// ----- Semaphore -----

#[test]
fn a_semaphore_of_two_runs_at_most_two_of_five() {
    uniloop::run(async {
        let limit = Rc::new(Semaphore::new(2));
        let (running, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let (limit, running, peak) = (limit.clone(), running.clone(), peak.clone());
                spawn(async move {
                    let _permit = limit.acquire().await;
                    running.set(running.get() + 1);
                    peak.set(peak.get().max(running.get()));
                    yield_times(3).await;
                    running.set(running.get() - 1);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(peak.get(), 2);
        assert_eq!(limit.available_permits(), 2);
    });
}

#[test]
fn a_large_request_is_not_starved_by_smaller_ones() {
    uniloop::run(async {
        let semaphore = Rc::new(Semaphore::new(2));
        let log = Log::new();
        let big = {
            let (semaphore, log) = (semaphore.clone(), log.clone());
            spawn(async move {
                let _permits = semaphore.acquire_many(3).await;
                log.push("big");
            })
        };
        yield_now().await;
        let small = {
            let (semaphore, log) = (semaphore.clone(), log.clone());
            spawn(async move {
                let _permit = semaphore.acquire().await;
                log.push("small");
            })
        };
        yield_now().await;
        // Two are free, but `small` queues behind `big`, and so does a try.
        assert_eq!(semaphore.available_permits(), 2);
        assert!(semaphore.is_locked());
        assert!(semaphore.try_acquire().is_none());
        assert!(log.is_empty());
        semaphore.add_permits(1);
        big.await.unwrap();
        small.await.unwrap();
        assert_eq!(log.take(), ["big", "small"]);
        assert_eq!(semaphore.available_permits(), 3);
    });
}

#[test]
fn dropping_the_first_waiter_lets_the_next_ones_in() {
    uniloop::run(async {
        let semaphore = Semaphore::new(1);
        let mut big = Box::pin(semaphore.acquire_many(2));
        assert!(poll_once(&mut big).await.is_pending());
        let mut small = Box::pin(semaphore.acquire());
        assert!(poll_once(&mut small).await.is_pending());
        drop(big);
        let Poll::Ready(permit) = poll_once(&mut small).await else {
            panic!("the small request should be served once the big one left");
        };
        assert_eq!(permit.num_permits(), 1);
    });
}

#[test]
fn a_granted_permit_of_a_cancelled_waiter_goes_to_the_next() {
    uniloop::run(async {
        let semaphore = Semaphore::new(0);
        let mut first = Box::pin(semaphore.acquire());
        let mut second = Box::pin(semaphore.acquire());
        assert!(poll_once(&mut first).await.is_pending());
        assert!(poll_once(&mut second).await.is_pending());
        semaphore.add_permits(1); // granted to `first`
        assert_eq!(semaphore.available_permits(), 0);
        drop(first);
        assert!(poll_once(&mut second).await.is_ready());
    });
}

#[test]
fn forget_and_add_permits_change_the_count() {
    uniloop::run(async {
        let semaphore = Rc::new(Semaphore::new(3));
        semaphore.acquire().await.forget();
        assert_eq!(semaphore.available_permits(), 2);
        let owned = semaphore.clone().acquire_many_owned(2).await;
        assert_eq!(semaphore.available_permits(), 0);
        let task = spawn(async move { owned.num_permits() });
        assert_eq!(task.await.unwrap(), 2);
        assert_eq!(semaphore.available_permits(), 2);
        semaphore.clone().try_acquire_owned().unwrap().forget();
        semaphore.add_permits(5);
        assert_eq!(semaphore.available_permits(), 6);
        assert_eq!(Semaphore::default().available_permits(), 1);
    });
}

#[test]
fn too_many_permits_panics_with_a_message() {
    // Issue 15: the bound is `MAX_PERMITS` now, checked where permits are
    // added (it was `usize::MAX`, overflowing in a permit's `Drop`).
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    let message = panic_message(|| semaphore.add_permits(1));
    assert_eq!(
        message,
        "uniloop::sync::Semaphore::add_permits(): more than Semaphore::MAX_PERMITS permits"
    );
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn a_bounded_semaphore_refuses_extra_releases() {
    uniloop::run(async {
        let semaphore = BoundedSemaphore::new(2);
        let err = semaphore.add_permits(1).unwrap_err();
        assert_eq!(err.to_string(), "BoundedSemaphore released too many times");
        let held = semaphore.acquire().await;
        assert!(semaphore.add_permits(1).is_err()); // held, not lost
        held.forget();
        assert!(semaphore.add_permits(1).is_ok());
        assert!(semaphore.add_permits(1).is_err());
        assert_eq!(semaphore.available_permits(), 2);
        let _two = semaphore.acquire_many(2).await;
        assert!(semaphore.try_acquire().is_none());
        assert!(semaphore.is_locked());
        assert_eq!(semaphore.bound(), 2);
    });
}

// ----- Event -----

#[test]
fn an_event_wakes_three_waiters_in_order() {
    uniloop::run(async {
        let event = Rc::new(Event::new());
        let log = Log::new();
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (event, log) = (event.clone(), log.clone());
                spawn(async move {
                    event.wait().await;
                    log.push(format!("woke {i}"));
                })
            })
            .collect();
        yield_now().await;
        assert!(log.is_empty());
        event.set();
        event.clear(); // before they run: they were woken, they complete
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(log.take(), ["woke 0", "woke 1", "woke 2"]);
        assert!(!event.is_set());
    });
}

#[test]
fn a_set_event_does_not_wait_until_cleared() {
    uniloop::run(async {
        let event = Event::new();
        event.set();
        event.set(); // twice is fine
        event.wait().await;
        event.clear();
        let mut wait = Box::pin(event.wait());
        assert!(poll_once(&mut wait).await.is_pending());
        drop(wait); // a cancelled wait leaves nothing behind
        event.set();
        event.wait().await;
    });
}

// ----- Condition -----

#[test]
fn a_condition_with_wait_for_and_notify_one() {
    uniloop::run(async {
        let shared = Rc::new((Mutex::new(Vec::<i32>::new()), Condition::new()));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let shared = shared.clone();
                spawn(async move {
                    let (items, ready) = &*shared;
                    let mut guard = ready.wait_for(items.lock().await, |v| !v.is_empty()).await;
                    guard.pop().unwrap()
                })
            })
            .collect();
        yield_now().await; // both wait
        let (items, ready) = &*shared;
        items.lock().await.push(1);
        ready.notify(1);
        yield_times(3).await;
        assert!(consumers[0].is_finished());
        assert!(!consumers[1].is_finished());
        items.lock().await.push(2);
        ready.notify(1);
        let got: Vec<i32> = {
            let mut got = Vec::new();
            for consumer in consumers {
                got.push(consumer.await.unwrap());
            }
            got
        };
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn notify_all_wakes_every_waiter_and_the_lock_is_retaken() {
    uniloop::run(async {
        let shared = Rc::new((Mutex::new(0), Condition::new()));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let shared = shared.clone();
                spawn(async move {
                    let (count, changed) = &*shared;
                    let mut guard = changed.wait(count.lock().await).await;
                    *guard += 1;
                })
            })
            .collect();
        yield_now().await;
        shared.1.notify_all();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*shared.0.lock().await, 3);
    });
}

#[test]
fn a_notification_to_a_cancelled_waiter_goes_to_the_next() {
    uniloop::run(async {
        let shared = Rc::new((Lock::default(), Condition::new()));
        let log = Log::new();
        let waiter = |name: &'static str| {
            let (shared, log) = (shared.clone(), log.clone());
            spawn(async move {
                let (lock, condition) = &*shared;
                let _guard = condition.wait(lock.lock().await).await;
                log.push(name);
            })
        };
        let first = waiter("first");
        let second = waiter("second");
        yield_now().await;
        shared.1.notify(1); // to `first`...
        first.cancel(); // ...which is dropped before it runs
        yield_times(3).await;
        assert_eq!(log.take(), ["second"]);
        second.await.unwrap();
    });
}

// ----- Barrier -----

#[test]
fn a_barrier_releases_a_full_round_with_one_leader_and_repeats() {
    uniloop::run(async {
        let barrier = Rc::new(Barrier::new(3));
        for _round in 0..2 {
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let barrier = barrier.clone();
                    spawn(async move { barrier.wait().await.unwrap().is_leader() })
                })
                .collect();
            let mut leaders = 0;
            for task in tasks {
                leaders += usize::from(task.await.unwrap());
            }
            assert_eq!(leaders, 1);
            assert_eq!(barrier.n_waiting(), 0);
        }
    });
}

#[test]
fn abort_breaks_the_barrier_until_reset() {
    uniloop::run(async {
        let barrier = Rc::new(Barrier::new(3));
        let waiter = {
            let barrier = barrier.clone();
            spawn(async move { barrier.wait().await })
        };
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        barrier.abort();
        let err = waiter.await.unwrap().unwrap_err();
        assert_eq!(err.to_string(), "the barrier is broken");
        assert!(barrier.is_broken());
        assert!(barrier.wait().await.is_err());
        barrier.reset();
        assert!(!barrier.is_broken());
        let one = Barrier::new(1);
        assert!(one.wait().await.is_ok());
    });
}

#[test]
fn reset_releases_waiters_with_an_error_and_starts_afresh() {
    uniloop::run(async {
        let barrier = Rc::new(Barrier::new(2));
        let waiter = {
            let barrier = barrier.clone();
            spawn(async move { barrier.wait().await })
        };
        yield_now().await;
        barrier.reset();
        assert!(waiter.await.unwrap().is_err());
        let other = {
            let barrier = barrier.clone();
            spawn(async move { barrier.wait().await.is_ok() })
        };
        assert!(barrier.wait().await.is_ok());
        assert!(other.await.unwrap());
    });
}

#[test]
fn a_dropped_barrier_waiter_leaves_the_round() {
    uniloop::run(async {
        let barrier = Barrier::new(2);
        let mut early = Box::pin(barrier.wait());
        assert!(poll_once(&mut early).await.is_pending());
        assert_eq!(barrier.n_waiting(), 1);
        drop(early);
        assert_eq!(barrier.n_waiting(), 0);
        // One arrival is not a full round any more.
        let mut alone = Box::pin(barrier.wait());
        assert!(poll_once(&mut alone).await.is_pending());
    });
}

#[test]
fn a_barrier_of_no_parties_panics() {
    let message = panic_message(|| Barrier::new(0));
    assert_eq!(
        message,
        "uniloop::sync::Barrier::new(): parties must be at least 1"
    );
}
