//! Issue 15, defects 6, 10 and 11c: the semaphore's bound on permits, the
//! barrier's asyncio states (filling, draining, resetting, broken) and
//! arrival indices, and the queue's shut-down error on a non-waiting put.
//! The barrier scenarios were run in Python (`asyncio.Barrier`, 3.11) and
//! each test asserts what asyncio did.

mod support;

use std::rc::Rc;
use std::task::Poll;

use support::{panic_message, poll_once, run_guarded};
use uniloop::queue::{Queue, QueueFull, TryPutError};
use uniloop::sync::{Barrier, BoundedSemaphore, Semaphore};
use uniloop::{spawn, yield_now};

// ----- Defect 6: Semaphore arithmetic near usize::MAX -----

#[test]
fn a_semaphore_takes_at_most_max_permits() {
    assert_eq!(Semaphore::MAX_PERMITS, usize::MAX >> 3);
    let full = Semaphore::new(Semaphore::MAX_PERMITS);
    assert_eq!(full.available_permits(), Semaphore::MAX_PERMITS);
    assert_eq!(
        panic_message(|| Semaphore::new(Semaphore::MAX_PERMITS + 1)),
        "uniloop::sync::Semaphore::new(): more than Semaphore::MAX_PERMITS permits"
    );
    assert_eq!(
        panic_message(|| BoundedSemaphore::new(usize::MAX)),
        "uniloop::sync::Semaphore::new(): more than Semaphore::MAX_PERMITS permits"
    );
}

/// It used to overflow inside the permit's `Drop` (a panic in a
/// destructor), or wrap silently in release builds.
#[test]
fn add_permits_beyond_the_maximum_panics_in_add_permits_and_changes_nothing() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    let permit = semaphore.try_acquire().unwrap();
    // One permit is held: adding one more would make MAX + 1 in all.
    assert_eq!(
        panic_message(|| semaphore.add_permits(2)),
        "uniloop::sync::Semaphore::add_permits(): more than Semaphore::MAX_PERMITS permits"
    );
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS - 1);
    drop(permit); // gives it back: no overflow
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
    let forgotten = semaphore.try_acquire().unwrap();
    forgotten.forget();
    semaphore.add_permits(1); // the forgotten one may come back
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn a_bounded_semaphore_refuses_an_add_that_would_overflow() {
    let semaphore = BoundedSemaphore::new(Semaphore::MAX_PERMITS);
    assert!(semaphore.add_permits(usize::MAX).is_err());
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

// ----- Defect 10: Barrier states and arrival indices -----

/// asyncio: `await barrier.wait()` returns 0, 1, 2 in arrival order; the
/// last arrival releases the round (and is our leader).
#[test]
fn barrier_waits_return_arrival_indices() {
    run_guarded(async {
        let barrier = Rc::new(Barrier::new(3));
        let tasks: Vec<_> = (0..3)
            .map(|_| {
                let barrier = barrier.clone();
                spawn(async move { barrier.wait().await.unwrap() })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let indices: Vec<_> = results.iter().map(|r| r.index()).collect();
        let leaders: Vec<_> = results.iter().map(|r| r.is_leader()).collect();
        assert_eq!(indices, [0, 1, 2]);
        assert_eq!(leaders, [false, false, true]);
    });
}

/// asyncio: a wait that starts while a full round is still draining waits
/// for the next round; `n_waiting` is 0 while draining.
#[test]
fn a_wait_during_draining_joins_the_next_round() {
    run_guarded(async {
        let barrier = Barrier::new(2);
        let mut a = barrier.wait();
        assert!(poll_once(&mut a).await.is_pending());
        let tripper = barrier.wait().await.unwrap(); // the round drains
        assert_eq!((tripper.index(), tripper.is_leader()), (1, true));
        assert_eq!(barrier.n_waiting(), 0);
        let mut next = barrier.wait();
        assert!(poll_once(&mut next).await.is_pending()); // not in this round
        assert_eq!(barrier.n_waiting(), 0);
        let Poll::Ready(Ok(a)) = poll_once(&mut a).await else {
            panic!("the drained round did not release a");
        };
        assert_eq!(a.index(), 0);
        // The round has drained: `next` enters the next one, first.
        assert!(poll_once(&mut next).await.is_pending());
        assert_eq!(barrier.n_waiting(), 1);
        let closer = barrier.wait().await.unwrap();
        assert_eq!(closer.index(), 1);
        let Poll::Ready(Ok(next)) = poll_once(&mut next).await else {
            panic!("the next round did not release next");
        };
        assert_eq!(next.index(), 0);
    });
}

/// It used to deadlock. asyncio (the Python run in the module docs):
/// `Barrier(3)`, a and b wait, c trips, d arrives while the round drains,
/// then `reset()` before a and b ran again: a and b get BrokenBarrier, d
/// is not affected and joins the next round with e and f (indices 0, 1, 2).
#[test]
fn reset_while_draining_breaks_the_unresumed_released_and_spares_the_next_round() {
    run_guarded(async {
        let barrier = Barrier::new(3);
        let mut a = barrier.wait();
        let mut b = barrier.wait();
        assert!(poll_once(&mut a).await.is_pending());
        assert!(poll_once(&mut b).await.is_pending());
        assert_eq!(barrier.wait().await.unwrap().index(), 2); // c trips it
        let mut d = barrier.wait();
        assert!(poll_once(&mut d).await.is_pending());
        barrier.reset();
        assert!(matches!(poll_once(&mut a).await, Poll::Ready(Err(_))));
        assert!(matches!(poll_once(&mut b).await, Poll::Ready(Err(_))));
        assert!(!barrier.is_broken());
        // The round has left: d is in the next one.
        assert!(poll_once(&mut d).await.is_pending());
        let mut e = barrier.wait();
        assert!(poll_once(&mut e).await.is_pending());
        assert_eq!(barrier.n_waiting(), 2);
        assert_eq!(barrier.wait().await.unwrap().index(), 2);
        let Poll::Ready(Ok(d)) = poll_once(&mut d).await else {
            panic!("d was not released");
        };
        let Poll::Ready(Ok(e)) = poll_once(&mut e).await else {
            panic!("e was not released");
        };
        assert_eq!((d.index(), e.index()), (0, 1));
    });
}

/// It used to deadlock: abort while a round drains breaks the released
/// tasks that had not run yet and every later wait, until reset.
#[test]
fn abort_while_draining_breaks_the_barrier_until_reset() {
    run_guarded(async {
        let barrier = Barrier::new(2);
        let mut a = barrier.wait();
        assert!(poll_once(&mut a).await.is_pending());
        assert!(barrier.wait().await.is_ok()); // trips it
        let mut later = barrier.wait();
        assert!(poll_once(&mut later).await.is_pending()); // waits for the drain
        barrier.abort();
        assert!(barrier.is_broken());
        assert!(matches!(poll_once(&mut a).await, Poll::Ready(Err(_))));
        assert!(matches!(poll_once(&mut later).await, Poll::Ready(Err(_))));
        assert!(barrier.wait().await.is_err());
        barrier.reset();
        assert!(!barrier.is_broken());
        let mut x = barrier.wait();
        assert!(poll_once(&mut x).await.is_pending());
        assert!(barrier.wait().await.is_ok());
        assert!(matches!(poll_once(&mut x).await, Poll::Ready(Ok(_))));
    });
}

/// asyncio: a waiter cancelled after the round tripped leaves it (the count
/// goes down) and the barrier is back to filling once everybody left.
#[test]
fn a_released_waiter_cancelled_before_it_ran_leaves_the_round() {
    run_guarded(async {
        let barrier = Rc::new(Barrier::new(2));
        let x = spawn({
            let barrier = barrier.clone();
            async move { barrier.wait().await }
        });
        yield_now().await; // x waits
        let y = spawn({
            let barrier = barrier.clone();
            async move { barrier.wait().await.map(|r| r.index()) }
        });
        yield_now().await; // y trips it and returns; x is released
        x.cancel();
        assert!(x.await.unwrap_err().is_cancelled());
        assert_eq!(y.await.unwrap().unwrap(), 1);
        // Nobody is left in the round: a new one fills normally.
        let mut next = barrier.wait();
        assert!(poll_once(&mut next).await.is_pending());
        assert_eq!(barrier.n_waiting(), 1);
    });
}

// ----- Defect 11c: a non-waiting put on a shut-down queue -----

/// `put_nowait` keeps the contract's `QueueFull` (its type cannot say
/// more); `try_put` gives asyncio's `QueueShutDown` for a shut-down queue.
#[test]
fn try_put_tells_a_shut_down_queue_from_a_full_one() {
    let queue = Queue::new(1);
    assert_eq!(queue.try_put(1), Ok(()));
    assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
    queue.shutdown(false);
    let err = queue.try_put(3).unwrap_err();
    assert!(err.is_shut_down());
    assert_eq!(err.to_string(), "the queue is shut down");
    assert_eq!(err.into_inner(), 3);
    assert_eq!(queue.put_nowait(4), Err(QueueFull(4)));
    // An unbounded shut-down queue is never full: try_put still refuses.
    let unbounded = Queue::<u8>::unbounded();
    unbounded.shutdown(true);
    assert_eq!(unbounded.try_put(5), Err(TryPutError::ShutDown(5)));
}
