//! Defect 9: a waiter that was *served* (handed its slot, item, permit,
//! lock or notification) and then dropped before it ran must not keep what
//! it was handed: as in asyncio, the hand-off passes to the next waiter and
//! a cancelled put's item never enters the queue or channel.
//!
//! Every future is driven by hand with `poll_once`, so the interleaving is
//! exact: wait, get served by another operation, be dropped unpolled.

mod support;

use std::task::Poll;

use support::{drain, poll_once, run_guarded};
use uniloop::channel::{mpsc, threadsafe};
use uniloop::queue::Queue;
use uniloop::sync::{Barrier, Condition, Mutex, Semaphore};

/// Queue: putter A waits on a full queue, B waits behind it; a
/// `get_nowait` frees the slot, which serves A; A's `Put` is dropped
/// before it runs. A's item must not be in the queue, and the slot must
/// pass to B.
#[test]
fn a_cancelled_served_queue_put_does_not_put_its_item() {
    run_guarded(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        let mut a = queue.put(1);
        assert!(poll_once(&mut a).await.is_pending());
        let mut b = queue.put(2);
        assert!(poll_once(&mut b).await.is_pending());
        assert_eq!(queue.get_nowait(), Ok(0)); // frees the slot: A is served
        drop(a); // cancelled before it ran
        let b_polled = poll_once(&mut b).await;
        let items = drain(&queue);
        assert!(
            !items.contains(&1),
            "the cancelled put's item is in the queue: {items:?}"
        );
        assert_eq!(items, [2]);
        assert_eq!(
            b_polled,
            Poll::Ready(Ok(())),
            "the freed slot did not pass to the next putter"
        );
    });
}

/// Queue: the same through `get().await` in a task, and with no putter
/// behind: the cancelled item must not be in the queue and a later
/// `put_nowait` finds room.
#[test]
fn a_cancelled_served_queue_put_leaves_the_slot_free() {
    run_guarded(async {
        let queue = Queue::new(1);
        queue.put_nowait("first").unwrap();
        let mut a = queue.put("cancelled");
        assert!(poll_once(&mut a).await.is_pending());
        assert_eq!(queue.get().await, Ok("first"));
        drop(a);
        assert_eq!(queue.qsize(), 0, "the cancelled put's item is in the queue");
        assert_eq!(queue.put_nowait("retry"), Ok(()));
        assert_eq!(drain(&queue), ["retry"]);
    });
}

/// The scenario of the two bounded channels (`mpsc` and `threadsafe`):
/// sender A waits on a full channel, B behind it; a receive frees the
/// slot, which serves A; A's `Send` is dropped before it runs. A's message
/// must not be delivered, and the slot must pass to B.
macro_rules! cancelled_served_send {
    ($name:ident, $channel:ident) => {
        #[test]
        fn $name() {
            run_guarded(async {
                let (tx, mut rx) = $channel::channel(1);
                tx.try_send(0).unwrap();
                let mut a = tx.send(1);
                assert!(poll_once(&mut a).await.is_pending());
                let mut b = tx.send(2);
                assert!(poll_once(&mut b).await.is_pending());
                assert_eq!(rx.try_recv(), Ok(0)); // A is served
                drop(a);
                let b_polled = poll_once(&mut b).await;
                let mut received = Vec::new();
                while let Ok(message) = rx.try_recv() {
                    received.push(message);
                }
                assert!(
                    !received.contains(&1),
                    "the cancelled send was delivered: {received:?}"
                );
                assert_eq!(received, [2]);
                assert!(
                    matches!(b_polled, Poll::Ready(Ok(()))),
                    "the freed slot did not pass to the next sender: {b_polled:?}"
                );
            });
        }
    };
}

cancelled_served_send!(a_cancelled_served_mpsc_send_is_not_delivered, mpsc);
cancelled_served_send!(
    a_cancelled_served_threadsafe_send_is_not_delivered,
    threadsafe
);

/// Semaphore: an acquire served by a release and dropped before it ran
/// passes its permit to the next waiter.
#[test]
fn a_cancelled_served_acquire_passes_its_permit_on() {
    run_guarded(async {
        let semaphore = Semaphore::new(1);
        let held = semaphore.try_acquire().unwrap();
        let mut a = semaphore.acquire();
        assert!(poll_once(&mut a).await.is_pending());
        let mut b = semaphore.acquire();
        assert!(poll_once(&mut b).await.is_pending());
        drop(held); // A is served
        drop(a);
        let Poll::Ready(permit) = poll_once(&mut b).await else {
            panic!("the permit did not pass to the next waiter");
        };
        assert_eq!(semaphore.available_permits(), 0);
        drop(permit);
        assert_eq!(semaphore.available_permits(), 1);
    });
}

/// Mutex: a lock future handed the lock and dropped before it ran passes
/// the lock to the next waiter.
#[test]
fn a_cancelled_served_lock_passes_the_lock_on() {
    run_guarded(async {
        let mutex = Mutex::new(0);
        let held = mutex.lock().await;
        let mut a = mutex.lock();
        assert!(poll_once(&mut a).await.is_pending());
        let mut b = mutex.lock();
        assert!(poll_once(&mut b).await.is_pending());
        drop(held); // A is handed the lock
        drop(a);
        let Poll::Ready(mut guard) = poll_once(&mut b).await else {
            panic!("the lock did not pass to the next waiter");
        };
        *guard += 1;
        drop(guard);
        assert!(!mutex.is_locked());
        assert_eq!(*mutex.lock().await, 1);
    });
}

/// Condition: a waiter notified and dropped before it ran passes the
/// notification to the next waiter.
#[test]
fn a_cancelled_notified_condition_waiter_passes_the_notification_on() {
    run_guarded(async {
        let mutex = Mutex::new(());
        let condition = Condition::new();
        let mut a = Box::pin(condition.wait(mutex.lock().await));
        assert!(poll_once(&mut a).await.is_pending());
        let mut b = Box::pin(condition.wait(mutex.lock().await));
        assert!(poll_once(&mut b).await.is_pending());
        condition.notify(1); // A
        drop(a);
        assert!(
            poll_once(&mut b).await.is_ready(),
            "the notification did not pass to the next waiter"
        );
    });
}

/// Condition (asyncio parity): a waiter notified, woken, and dropped while
/// it waits to re-take the lock has not acted on the notification either;
/// asyncio's `Condition.wait` then notifies another waiter
/// (`self._notify(1)` in its `except BaseException`), so it is not lost.
#[test]
fn a_condition_waiter_cancelled_while_relocking_passes_the_notification_on() {
    run_guarded(async {
        let mutex = Mutex::new(());
        let condition = Condition::new();
        let mut a = Box::pin(condition.wait(mutex.lock().await));
        assert!(poll_once(&mut a).await.is_pending());
        let mut b = Box::pin(condition.wait(mutex.lock().await));
        assert!(poll_once(&mut b).await.is_pending());
        let held = mutex.lock().await;
        condition.notify(1); // A is notified while the lock is held.

        // A runs: notified, it now waits for the lock.
        assert!(poll_once(&mut a).await.is_pending());
        drop(a);
        drop(held);
        assert!(
            poll_once(&mut b).await.is_ready(),
            "a notification was lost with a waiter cancelled while re-taking the lock"
        );
    });
}

/// Barrier: a waiter dropped after the round tripped (served, not yet
/// run) does not break the round for the others, nor the next round.
#[test]
fn a_barrier_waiter_dropped_after_the_round_tripped_breaks_nothing() {
    run_guarded(async {
        let barrier = Barrier::new(3);
        let mut a = barrier.wait();
        assert!(poll_once(&mut a).await.is_pending());
        let mut b = barrier.wait();
        assert!(poll_once(&mut b).await.is_pending());
        let leader = barrier.wait().await.unwrap(); // trips the round
        assert!(leader.is_leader());
        drop(a);
        let Poll::Ready(Ok(result)) = poll_once(&mut b).await else {
            panic!("the round did not release B");
        };
        assert!(!result.is_leader());
        assert!(!barrier.is_broken());
        assert_eq!(barrier.n_waiting(), 0);
        // The next round works.
        let mut c = barrier.wait();
        assert!(poll_once(&mut c).await.is_pending());
        let mut d = barrier.wait();
        assert!(poll_once(&mut d).await.is_pending());
        assert!(barrier.wait().await.unwrap().is_leader());
        assert!(matches!(poll_once(&mut c).await, Poll::Ready(Ok(_))));
        assert!(matches!(poll_once(&mut d).await, Poll::Ready(Ok(_))));
    });
}
