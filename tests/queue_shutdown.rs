//! Queues' `task_done`/`join`, Python 3.13's `shutdown(false/true)`, and
//! the errors. Run on the paused clock under a virtual timeout
//! (`run_guarded`), as `tests/queue.rs`.

mod support;

use std::pin::pin;
use std::task::Poll;

use support::{poll_once, run_guarded, yield_times, DropCounter};
use uniloop::queue::{Queue, QueueEmpty, QueueFull, QueueShutDown, TooManyTaskDone};
use uniloop::{spawn, yield_now};

// ---------------------------------------------------------------------------
// task_done and join
// ---------------------------------------------------------------------------

#[test]
fn task_done_more_times_than_items_put_fails() {
    let queue = Queue::new(0);
    assert_eq!(queue.task_done(), Err(TooManyTaskDone));
    queue.put_nowait(1).unwrap();
    queue.put_nowait(2).unwrap();
    assert_eq!(queue.task_done(), Ok(()));
    assert_eq!(queue.task_done(), Ok(()));
    assert_eq!(queue.task_done(), Err(TooManyTaskDone));
    // A failed put counts for nothing.
    queue.shutdown(false);
    assert!(queue.put_nowait(3).is_err());
    assert_eq!(queue.task_done(), Err(TooManyTaskDone));
}

#[test]
fn join_returns_at_once_when_no_item_is_pending() {
    run_guarded(async {
        let queue: Queue<u8> = Queue::new(0);
        assert_eq!(poll_once(&mut pin!(queue.join())).await, Poll::Ready(()));
        queue.put_nowait(1).unwrap();
        assert_eq!(queue.get_nowait(), Ok(1));
        queue.task_done().unwrap();
        assert_eq!(poll_once(&mut pin!(queue.join())).await, Poll::Ready(()));
    });
}

#[test]
fn join_returns_once_every_item_put_is_task_done() {
    run_guarded(async {
        let queue = Queue::new(0);
        queue.put_nowait(1).unwrap();
        queue.put_nowait(2).unwrap();
        let joiners: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                spawn(async move { queue.join().await })
            })
            .collect();
        yield_times(3).await;
        assert_eq!(queue.get_nowait(), Ok(1));
        queue.task_done().unwrap();
        yield_times(3).await;
        assert!(joiners.iter().all(|j| !j.is_finished()));
        assert_eq!(queue.get_nowait(), Ok(2)); // taken is not done
        yield_times(3).await;
        assert!(joiners.iter().all(|j| !j.is_finished()));
        queue.task_done().unwrap();
        for joiner in joiners {
            joiner.await.unwrap();
        }
        // A new put makes join wait again.
        queue.put_nowait(3).unwrap();
        let mut join = pin!(queue.join());
        assert!(poll_once(&mut join).await.is_pending());
        queue.task_done().unwrap();
        assert_eq!(poll_once(&mut join).await, Poll::Ready(()));
    });
}

#[test]
fn a_waiting_putters_item_counts_for_join_once_it_is_in_and_a_dropped_put_never() {
    run_guarded(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        let mut kept = queue.put(1);
        let mut dropped = queue.put(2);
        assert!(poll_once(&mut kept).await.is_pending());
        assert!(poll_once(&mut dropped).await.is_pending());
        drop(dropped);
        assert_eq!(queue.get_nowait(), Ok(0)); // a slot is kept for `kept`
        queue.task_done().unwrap();
        // `kept` has not put its item yet: nothing is unfinished (asyncio
        // counts an item when its put returns, too).
        assert_eq!(poll_once(&mut pin!(queue.join())).await, Poll::Ready(()));
        assert_eq!(poll_once(&mut kept).await, Poll::Ready(Ok(())));
        let mut join = pin!(queue.join());
        assert!(poll_once(&mut join).await.is_pending());
        assert_eq!(queue.get_nowait(), Ok(1));
        queue.task_done().unwrap();
        assert_eq!(poll_once(&mut join).await, Poll::Ready(()));
        assert_eq!(queue.task_done(), Err(TooManyTaskDone));
    });
}

// ---------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------

#[test]
fn after_shutdown_puts_fail_and_give_the_item_back() {
    run_guarded(async {
        let drops = DropCounter::new();
        let queue = Queue::new(0);
        assert!(!queue.is_shut_down());
        queue.shutdown(false);
        assert!(queue.is_shut_down());
        let QueueShutDown((n, put_token)) = queue.put((1, drops.token())).await.unwrap_err();
        assert_eq!(n, 1);
        let QueueFull((n, nowait_token)) = queue.put_nowait((2, drops.token())).unwrap_err();
        assert_eq!(n, 2);
        assert_eq!(drops.count(), 0); // given back, not dropped
        drop((put_token, nowait_token));
        assert_eq!(drops.count(), 2);
        assert!(queue.is_empty());
    });
}

#[test]
fn shutdown_gives_the_waiting_putters_their_items_back() {
    run_guarded(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        let putters: Vec<_> = (1..=2)
            .map(|n| {
                let queue = queue.clone();
                spawn(async move { queue.put(n).await })
            })
            .collect();
        yield_now().await; // both wait
        queue.shutdown(false);
        let results: Vec<_> = {
            let mut results = Vec::new();
            for putter in putters {
                results.push(putter.await.unwrap());
            }
            results
        };
        assert_eq!(results, [Err(QueueShutDown(1)), Err(QueueShutDown(2))]);
        assert_eq!(queue.qsize(), 1);
        assert_eq!(queue.get().await, Ok(0));
    });
}

#[test]
fn after_shutdown_gets_drain_the_queue_and_then_fail() {
    run_guarded(async {
        let queue = Queue::new(0);
        for n in 1..=3 {
            queue.put_nowait(n).unwrap();
        }
        queue.shutdown(false);
        assert_eq!(queue.get().await, Ok(1));
        assert_eq!(queue.get_nowait(), Ok(2));
        assert_eq!(queue.get().await, Ok(3));
        assert_eq!(queue.get().await, Err(QueueShutDown(())));
        assert_eq!(queue.get_nowait(), Err(QueueEmpty));
        // Nothing was task_done: join still waits.
        assert!(poll_once(&mut pin!(queue.join())).await.is_pending());
    });
}

#[test]
fn shutdown_fails_the_waiting_getters_at_once() {
    run_guarded(async {
        let queue: Queue<u8> = Queue::new(0);
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                spawn(async move { queue.get().await })
            })
            .collect();
        yield_now().await; // both wait
        queue.shutdown(false);
        yield_now().await; // the woken getters run before this returns
        assert!(getters.iter().all(|g| g.is_finished()));
        for getter in getters {
            assert_eq!(getter.await.unwrap(), Err(QueueShutDown(())));
        }
    });
}

#[test]
fn shutdown_immediate_drops_the_queued_items_and_releases_join() {
    run_guarded(async {
        let drops = DropCounter::new();
        let queue = Queue::new(0);
        for _ in 0..3 {
            queue.put_nowait(drops.token()).unwrap();
        }
        let joiner = spawn({
            let queue = queue.clone();
            async move { queue.join().await }
        });
        yield_now().await;
        assert!(!joiner.is_finished());
        queue.shutdown(true);
        assert_eq!(drops.count(), 3);
        assert!(queue.is_empty());
        joiner.await.unwrap();
        assert_eq!(queue.task_done(), Err(TooManyTaskDone)); // counted as done
        assert!(queue.get().await.is_err());
    });
}

#[test]
fn shutdown_immediate_leaves_items_taken_but_not_done_to_join() {
    run_guarded(async {
        let queue = Queue::new(0);
        for n in 1..=3 {
            queue.put_nowait(n).unwrap();
        }
        assert_eq!(queue.get_nowait(), Ok(1)); // taken, not done
        queue.shutdown(true); // drops 2 and 3
        let mut join = pin!(queue.join());
        assert!(poll_once(&mut join).await.is_pending());
        queue.task_done().unwrap();
        assert_eq!(poll_once(&mut join).await, Poll::Ready(()));
        assert_eq!(queue.task_done(), Err(TooManyTaskDone));
    });
}

#[test]
fn shutdown_immediate_gives_waiting_putters_their_items_instead_of_dropping_them() {
    run_guarded(async {
        let drops = DropCounter::new();
        let queue = Queue::new(1);
        queue.put_nowait((0, drops.token())).unwrap();
        let putter = spawn({
            let (queue, token) = (queue.clone(), drops.token());
            async move { queue.put((1, token)).await }
        });
        yield_now().await; // it waits
        queue.shutdown(true);
        assert_eq!(drops.count(), 1); // only the queued item
        let QueueShutDown((n, token)) = putter.await.unwrap().unwrap_err();
        assert_eq!(n, 1);
        assert_eq!(drops.count(), 1);
        drop(token);
        assert_eq!(drops.count(), 2);
    });
}

#[test]
fn shutdown_immediate_still_delivers_an_item_already_handed_to_a_waiting_getter() {
    run_guarded(async {
        let queue = Queue::new(0);
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let queue = queue.clone();
                spawn(async move { queue.get().await })
            })
            .collect();
        yield_now().await; // both wait
        queue.put_nowait(1).unwrap(); // handed to the first
        queue.shutdown(true);
        let mut getters = getters.into_iter();
        assert_eq!(getters.next().unwrap().await.unwrap(), Ok(1));
        assert_eq!(
            getters.next().unwrap().await.unwrap(),
            Err(QueueShutDown(()))
        );
    });
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[test]
fn errors_display_asyncio_like_messages() {
    assert_eq!(QueueFull(1).to_string(), "the queue is full");
    assert_eq!(QueueShutDown(1).to_string(), "the queue is shut down");
    assert_eq!(QueueShutDown(()).to_string(), "the queue is shut down");
    assert_eq!(QueueEmpty.to_string(), "the queue is empty");
    assert_eq!(
        TooManyTaskDone.to_string(),
        "task_done() called too many times"
    );
}

#[test]
fn errors_carrying_an_item_are_debug_and_errors_without_item_debug() {
    struct Opaque; // neither Debug nor PartialEq
    let queue = Queue::new(1);
    queue.put_nowait(Opaque).unwrap(); // `unwrap` needs `QueueFull<Opaque>: Debug`
    let full = queue.put_nowait(Opaque).unwrap_err();
    assert!(format!("{full:?}").contains("QueueFull"));
    let shut = QueueShutDown(Opaque);
    assert!(format!("{shut:?}").contains("QueueShutDown"));
    let errors: [Box<dyn std::error::Error>; 2] = [Box::new(full), Box::new(shut)];
    assert_eq!(errors[0].to_string(), "the queue is full");
    assert_eq!(errors[1].to_string(), "the queue is shut down");
}

#[test]
fn errors_give_their_item_back_with_into_inner() {
    let queue = Queue::new(1);
    queue.put_nowait(String::from("a")).unwrap();
    let err = queue.put_nowait(String::from("b")).unwrap_err();
    assert_eq!(err.into_inner(), "b");
    queue.shutdown(false);
    let err = run_guarded(async { queue.put(String::from("c")).await.unwrap_err() });
    assert_eq!(err.into_inner(), "c");
}
