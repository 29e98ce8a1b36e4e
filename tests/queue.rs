//! Queues (≙ `asyncio.Queue`, `LifoQueue`, `PriorityQueue`): the three
//! orders, the size limit, waiting getters and putters served in FIFO
//! order, the direct hand-off to a waiting getter, the refill from a
//! waiting putter, cancellation giving items back or dropping them, and
//! asyncio's producer/consumer patterns. `task_done`/`join`, shutdown and
//! the errors are in `tests/queue_shutdown.rs`; random interleavings in
//! `tests/queue_model.rs`.
//!
//! Futures that must be caught half-way (registered, handed an item, not
//! yet run) are polled by hand with `poll_once`. Nothing waits on the wall
//! clock: every loop runs on the paused clock under a virtual timeout
//! (`run_guarded`), so a lost wake-up fails the test at once instead of
//! hanging it.

mod support;

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use support::{drain, numbers, poll_once, run_guarded, yield_times, DropCounter, Log};
use uniloop::queue::{
    GenericQueue, LifoQueue, Order, PriorityQueue, Queue, QueueEmpty, QueueFull, TooManyTaskDone,
};
use uniloop::{spawn, yield_now};

// ---------------------------------------------------------------------------
// Order, size, handles
// ---------------------------------------------------------------------------

#[test]
fn queue_hands_items_out_first_in_first_out() {
    run_guarded(async {
        let queue = Queue::new(0);
        for n in [3, 1, 4, 1, 5] {
            queue.put(n).await.unwrap();
        }
        assert_eq!(queue.get().await, Ok(3));
        assert_eq!(queue.get_nowait(), Ok(1));
        assert_eq!(drain(&queue), [4, 1, 5]);
    });
}

#[test]
fn lifo_queue_hands_out_the_item_put_last_first() {
    run_guarded(async {
        let stack = LifoQueue::new(0);
        for n in [3, 1, 4, 1, 5] {
            stack.put(n).await.unwrap();
        }
        assert_eq!(stack.get().await, Ok(5));
        stack.put_nowait(9).unwrap();
        assert_eq!(drain(&stack), [9, 1, 4, 1, 3]);
    });
}

#[test]
fn priority_queue_hands_out_the_smallest_item_first() {
    run_guarded(async {
        let queue = PriorityQueue::new(0);
        for job in [(3, "c"), (1, "b"), (2, "x"), (1, "a"), (0, "z")] {
            queue.put(job).await.unwrap();
        }
        assert_eq!(queue.get().await, Ok((0, "z")));
        queue.put_nowait((1, "0")).unwrap();
        assert_eq!(
            drain(&queue),
            [(1, "0"), (1, "a"), (1, "b"), (2, "x"), (3, "c")]
        );
    });
}

#[test]
fn maxsize_bounds_put_nowait_and_zero_means_unbounded() {
    let queue = Queue::new(2);
    assert_eq!(queue.maxsize(), 2);
    assert!(queue.is_empty() && !queue.is_full());
    queue.put_nowait(1).unwrap();
    assert!(!queue.is_empty() && !queue.is_full());
    queue.put_nowait(2).unwrap();
    assert!(queue.is_full());
    assert_eq!(queue.put_nowait(3), Err(QueueFull(3)));
    assert_eq!(queue.qsize(), 2);
    assert_eq!(queue.get_nowait(), Ok(1));
    assert!(!queue.is_full());

    for unbounded in [Queue::new(0), Queue::unbounded()] {
        assert_eq!(unbounded.maxsize(), 0);
        for n in 0..10_000 {
            unbounded.put_nowait(n).unwrap();
        }
        assert_eq!(unbounded.qsize(), 10_000);
        assert!(!unbounded.is_full());
    }
}

#[test]
fn clones_are_handles_to_the_same_queue() {
    let a = Queue::new(1);
    let b = a.clone();
    a.put_nowait('x').unwrap();
    assert_eq!(b.qsize(), 1);
    assert!(b.is_full());
    assert_eq!(b.get_nowait(), Ok('x'));
    assert!(a.is_empty());
    b.shutdown(false);
    assert!(a.is_shut_down());
}

// ---------------------------------------------------------------------------
// Waiting getters and putters
// ---------------------------------------------------------------------------

#[test]
fn get_waits_while_the_queue_is_empty_and_takes_the_next_item_put() {
    run_guarded(async {
        let queue = Queue::new(0);
        let getter = spawn({
            let queue = queue.clone();
            async move { queue.get().await }
        });
        yield_times(3).await;
        assert!(!getter.is_finished());
        queue.put(7).await.unwrap();
        assert_eq!(getter.await.unwrap(), Ok(7));
        assert!(queue.is_empty());
    });
}

#[test]
fn put_waits_while_the_queue_is_full_and_completes_when_a_get_frees_a_slot() {
    run_guarded(async {
        let queue = Queue::new(1);
        queue.put(1).await.unwrap();
        let putter = spawn({
            let queue = queue.clone();
            async move { queue.put(2).await }
        });
        yield_times(3).await;
        assert!(!putter.is_finished());
        assert_eq!(queue.get().await, Ok(1));
        assert_eq!(putter.await.unwrap(), Ok(()));
        assert_eq!(drain(&queue), [2]);
    });
}

#[test]
fn waiting_getters_are_served_in_the_order_they_started_waiting() {
    run_guarded(async {
        let queue = Queue::new(0);
        let log = Log::new();
        // Getter i starts waiting after 3 - i yields: 3 first, 0 last.
        let getters: Vec<_> = (0..4)
            .map(|i| {
                let (queue, log) = (queue.clone(), log.clone());
                spawn(async move {
                    yield_times(3 - i).await;
                    let item = queue.get().await.unwrap();
                    log.push(format!("{i}:{item}"));
                })
            })
            .collect();
        yield_times(5).await;
        assert!(log.is_empty());
        for item in ["a", "b", "c", "d"] {
            queue.put_nowait(item).unwrap();
        }
        for getter in getters {
            getter.await.unwrap();
        }
        assert_eq!(log.take(), ["3:a", "2:b", "1:c", "0:d"]);
    });
}

#[test]
fn waiting_putters_are_served_in_the_order_they_started_waiting() {
    run_guarded(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        // Putter i starts waiting after 3 - i yields: 3 first, 0 last.
        let putters: Vec<_> = (1..=4)
            .map(|i| {
                let queue = queue.clone();
                spawn(async move {
                    yield_times(4 - i).await;
                    queue.put(i).await
                })
            })
            .collect();
        yield_times(5).await;
        let mut got = Vec::new();
        for _ in 0..5 {
            got.push(queue.get().await.unwrap());
        }
        assert_eq!(got, [0, 4, 3, 2, 1]);
        for putter in putters {
            assert_eq!(putter.await.unwrap(), Ok(()));
        }
    });
}

#[test]
fn an_item_put_while_a_getter_waits_is_handed_to_it_and_get_nowait_cannot_take_it() {
    run_guarded(async {
        let queue = Queue::new(0);
        let getter = spawn({
            let queue = queue.clone();
            async move { queue.get().await }
        });
        yield_now().await; // the getter waits
        queue.put_nowait(1).unwrap();
        assert_eq!(queue.qsize(), 0);
        assert_eq!(queue.get_nowait(), Err(QueueEmpty));
        // A later get (first poll) does not take it either.
        let mut other = queue.get();
        assert!(poll_once(&mut other).await.is_pending());
        drop(other);
        // No getter waits now: the next item is stored.
        queue.put_nowait(2).unwrap();
        assert_eq!(queue.qsize(), 1);
        assert_eq!(getter.await.unwrap(), Ok(1));
        assert_eq!(drain(&queue), [2]);
    });
}

#[test]
fn a_slot_freed_while_putters_wait_is_kept_for_the_first_putter() {
    run_guarded(async {
        let queue = Queue::new(2);
        queue.put_nowait(1).unwrap();
        queue.put_nowait(2).unwrap();
        let putter = spawn({
            let queue = queue.clone();
            async move { queue.put(3).await }
        });
        yield_now().await; // the putter waits
        assert!(!putter.is_finished());
        assert_eq!(queue.get_nowait(), Ok(1));
        // The putter has not run: its item is not in, but the slot is its.
        assert!(!putter.is_finished());
        assert_eq!(queue.qsize(), 1);
        assert!(queue.is_full());
        assert_eq!(queue.put_nowait(4), Err(QueueFull(4)));
        assert_eq!(putter.await.unwrap(), Ok(()));
        assert_eq!(drain(&queue), [2, 3]);
    });
}

#[test]
fn put_nowait_fails_while_putters_wait_even_after_a_get() {
    run_guarded(async {
        let queue = Queue::new(1);
        queue.put_nowait(0).unwrap();
        let mut first = queue.put(1);
        let mut second = queue.put(2);
        assert!(poll_once(&mut first).await.is_pending());
        assert!(poll_once(&mut second).await.is_pending());
        assert_eq!(queue.get_nowait(), Ok(0)); // the slot is kept for `first`
        assert_eq!(queue.put_nowait(9), Err(QueueFull(9)));
        assert_eq!(poll_once(&mut first).await, Poll::Ready(Ok(())));
        assert_eq!(queue.put_nowait(9), Err(QueueFull(9)));
        assert_eq!(queue.get_nowait(), Ok(1)); // the slot is kept for `second`
        assert_eq!(queue.put_nowait(9), Err(QueueFull(9)));
        assert_eq!(poll_once(&mut second).await, Poll::Ready(Ok(())));
        assert_eq!(queue.get_nowait(), Ok(2));
        assert_eq!(queue.put_nowait(9), Ok(()));
    });
}

// ---------------------------------------------------------------------------
// Cancellation
// ---------------------------------------------------------------------------

#[test]
fn a_getter_dropped_after_it_was_handed_an_item_passes_it_to_the_next_getter() {
    run_guarded(async {
        let queue = Queue::new(0);
        let mut first = queue.get();
        let mut second = queue.get();
        assert!(poll_once(&mut first).await.is_pending());
        assert!(poll_once(&mut second).await.is_pending());
        queue.put_nowait("item").unwrap(); // handed to `first`
        drop(first);
        assert_eq!(queue.qsize(), 0);
        assert_eq!(poll_once(&mut second).await, Poll::Ready(Ok("item")));
        assert!(queue.is_empty());
    });
}

/// A getter task waits, is handed the first of `puts`, and is cancelled
/// before it runs: what the queue hands out afterwards, in order.
async fn after_a_cancelled_getter<O: Order<i32> + 'static>(
    queue: GenericQueue<i32, O>,
    puts: [i32; 3],
) -> Vec<i32> {
    let getter = spawn({
        let queue = queue.clone();
        async move { queue.get().await }
    });
    yield_now().await; // the getter waits
    for item in puts {
        queue.put_nowait(item).unwrap(); // the first is handed to it
    }
    getter.cancel();
    assert!(getter.await.unwrap_err().is_cancelled());
    drain(&queue)
}

#[test]
fn a_cancelled_getter_task_gives_its_item_back_to_the_front_of_a_queue() {
    run_guarded(async {
        let order = after_a_cancelled_getter(Queue::new(0), [1, 2, 3]).await;
        assert_eq!(order, [1, 2, 3]);
    });
}

#[test]
fn a_cancelled_getter_task_gives_its_item_back_to_the_bottom_of_a_lifo_queue() {
    run_guarded(async {
        let order = after_a_cancelled_getter(LifoQueue::new(0), [1, 2, 3]).await;
        assert_eq!(order, [3, 2, 1]);
    });
}

#[test]
fn a_cancelled_getter_task_gives_its_item_back_into_a_priority_queue() {
    run_guarded(async {
        let order = after_a_cancelled_getter(PriorityQueue::new(0), [5, 7, 3]).await;
        assert_eq!(order, [3, 5, 7]);
    });
}

#[test]
fn a_getter_dropped_before_it_was_handed_anything_takes_nothing() {
    run_guarded(async {
        let queue = Queue::new(0);
        let mut gone = queue.get();
        let mut next = queue.get();
        assert!(poll_once(&mut gone).await.is_pending());
        assert!(poll_once(&mut next).await.is_pending());
        drop(gone);
        queue.put_nowait(1).unwrap(); // to `next`, not the dropped getter
        assert_eq!(poll_once(&mut next).await, Poll::Ready(Ok(1)));
        queue.put_nowait(2).unwrap(); // no getter waits: stored
        assert_eq!(drain(&queue), [2]);
    });
}

#[test]
fn a_put_dropped_while_waiting_drops_its_item_and_the_other_putters_keep_their_turns() {
    run_guarded(async {
        let drops = DropCounter::new();
        let queue = Queue::new(1);
        queue.put_nowait((0, drops.token())).unwrap();
        let mut putters: Vec<_> = (1..=4).map(|n| queue.put((n, drops.token()))).collect();
        for putter in &mut putters {
            assert!(poll_once(putter).await.is_pending());
        }
        let mut fourth = putters.pop().unwrap();
        let third = putters.pop().unwrap();
        let mut second = putters.pop().unwrap();
        let first = putters.pop().unwrap();
        drop(first); // the first in line
        drop(third); // one in the middle
        assert_eq!(drops.count(), 2);
        assert_eq!(queue.qsize(), 1);

        assert_eq!(numbers(vec![queue.get_nowait().unwrap()]), [0]);
        assert!(queue.is_full()); // the slot is kept for `second`
        assert!(matches!(poll_once(&mut second).await, Poll::Ready(Ok(()))));
        assert_eq!(numbers(vec![queue.get_nowait().unwrap()]), [2]);
        assert!(queue.is_full()); // the slot is kept for `fourth`
        assert!(matches!(poll_once(&mut fourth).await, Poll::Ready(Ok(()))));
        assert_eq!(numbers(drain(&queue)), [4]);
        assert_eq!(drops.count(), 5);
    });
}

#[test]
fn cancelling_a_waiting_putter_task_drops_its_item_and_the_next_putter_gets_the_slot() {
    run_guarded(async {
        let drops = DropCounter::new();
        let queue = Queue::new(1);
        queue.put_nowait((0, drops.token())).unwrap();
        let putters: Vec<_> = (1..=2)
            .map(|n| {
                let (queue, token) = (queue.clone(), drops.token());
                spawn(async move { queue.put((n, token)).await.map_err(|_| ()) })
            })
            .collect();
        yield_now().await; // both wait
        let mut putters = putters.into_iter();
        let first = putters.next().unwrap();
        first.cancel();
        assert!(first.await.unwrap_err().is_cancelled());
        assert_eq!(drops.count(), 1);
        assert_eq!(numbers(vec![queue.get_nowait().unwrap()]), [0]);
        assert_eq!(putters.next().unwrap().await.unwrap(), Ok(()));
        assert_eq!(numbers(drain(&queue)), [2]);
        assert_eq!(drops.count(), 3);
    });
}

/// Issue 15, defect 9: a put whose slot was freed by a `get` but which is
/// cancelled before it runs puts nothing (asyncio's rule); the slot
/// passes to the next putter. It used to put its item anyway.
#[test]
fn a_put_dropped_after_a_slot_was_freed_for_it_puts_nothing_and_passes_the_slot_on() {
    run_guarded(async {
        let drops = DropCounter::new();
        let queue = Queue::new(1);
        queue.put_nowait((0, drops.token())).unwrap();
        let mut put = queue.put((1, drops.token()));
        let mut next = queue.put((2, drops.token()));
        assert!(poll_once(&mut put).await.is_pending());
        assert!(poll_once(&mut next).await.is_pending());
        assert_eq!(numbers(vec![queue.get_nowait().unwrap()]), [0]);
        drop(put); // never polled again
        assert_eq!(drops.count(), 2); // item 0, taken; item 1, never put
        assert_eq!(queue.qsize(), 0);
        assert!(queue.is_full()); // the slot passed to `next`
        assert!(matches!(poll_once(&mut next).await, Poll::Ready(Ok(()))));
        assert_eq!(numbers(drain(&queue)), [2]);
        assert_eq!(queue.task_done(), Ok(()));
        assert_eq!(queue.task_done(), Ok(()));
        assert_eq!(queue.task_done(), Err(TooManyTaskDone));
    });
}

/// Two getters handed items and then dropped in the order they were
/// served: each item goes back before those put after it, so the order
/// still follows the puts (putting each at the front would give 2, 1, 3).
#[test]
fn getters_dropped_in_the_order_they_were_served_give_items_back_in_put_order() {
    run_guarded(async {
        let queue = Queue::new(0);
        let mut first = queue.get();
        let mut second = queue.get();
        assert!(poll_once(&mut first).await.is_pending());
        assert!(poll_once(&mut second).await.is_pending());
        queue.put_nowait(1).unwrap(); // handed to `first`
        queue.put_nowait(2).unwrap(); // handed to `second`
        queue.put_nowait(3).unwrap(); // stored
        drop(first);
        drop(second);
        assert_eq!(drain(&queue), [1, 2, 3]);
    });
}

/// The same with a `LifoQueue`: the items put were 1, 2, 3, so it hands
/// out 3, 2, 1 (putting each at the bottom would give 3, 1, 2).
#[test]
fn lifo_getters_dropped_in_the_order_they_were_served_give_items_back_in_put_order() {
    run_guarded(async {
        let stack = LifoQueue::new(0);
        let mut first = stack.get();
        let mut second = stack.get();
        assert!(poll_once(&mut first).await.is_pending());
        assert!(poll_once(&mut second).await.is_pending());
        stack.put_nowait(1).unwrap();
        stack.put_nowait(2).unwrap();
        stack.put_nowait(3).unwrap();
        drop(first);
        drop(second);
        assert_eq!(drain(&stack), [3, 2, 1]);
    });
}

// ---------------------------------------------------------------------------
// asyncio's patterns
// ---------------------------------------------------------------------------

#[test]
fn producers_and_consumers_ending_on_a_sentinel_deliver_every_item_exactly_once() {
    const PRODUCERS: u32 = 3;
    const CONSUMERS: usize = 4;
    const EACH: u32 = 50;
    run_guarded(async {
        let queue: Queue<Option<u32>> = Queue::new(3);
        let received = Rc::new(RefCell::new(Vec::new()));
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                let (queue, received) = (queue.clone(), received.clone());
                spawn(async move {
                    let mut count = 0;
                    // `None` is the sentinel: one per consumer.
                    while let Some(n) = queue.get().await.unwrap() {
                        received.borrow_mut().push((c, n));
                        count += 1;
                        queue.task_done().unwrap();
                        if n % 7 == 0 {
                            yield_now().await;
                        }
                    }
                    queue.task_done().unwrap();
                    count
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let queue = queue.clone();
                spawn(async move {
                    for i in 0..EACH {
                        queue.put(Some(p * 1000 + i)).await.unwrap();
                        if i % 3 == 0 {
                            yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.await.unwrap();
        }
        for _ in 0..CONSUMERS {
            queue.put(None).await.unwrap();
        }
        queue.join().await;
        let mut total = 0;
        for consumer in consumers {
            total += consumer.await.unwrap();
        }
        assert_eq!(total, (PRODUCERS * EACH) as usize);
        let received = received.take();
        // Each consumer gets one producer's items in the order they were put.
        for c in 0..CONSUMERS {
            for p in 0..PRODUCERS {
                let got: Vec<_> = received
                    .iter()
                    .filter(|&&(by, n)| by == c && n / 1000 == p)
                    .collect();
                assert!(got.windows(2).all(|w| w[0].1 < w[1].1), "{got:?}");
            }
        }
        let mut received: Vec<_> = received.into_iter().map(|(_, n)| n).collect();
        received.sort_unstable();
        let expected: Vec<_> = (0..PRODUCERS)
            .flat_map(|p| (0..EACH).map(move |i| p * 1000 + i))
            .collect();
        assert_eq!(received, expected);
        assert!(queue.is_empty());
        assert_eq!(queue.task_done(), Err(TooManyTaskDone));
    });
}

/// asyncio's docs' example: workers sleep for each item's duration; `join`
/// returns when the last one is done, which on the paused clock is exactly
/// when greedy list scheduling says.
#[test]
fn workers_with_join_process_every_item_and_are_then_cancelled() {
    const WORKERS: usize = 3;
    let durations: Vec<u64> = (0..20u64).map(|i| (i * 37 + 11) % 100 + 5).collect();
    // Each item goes to the worker free first.
    let makespan = {
        let mut free: BinaryHeap<Reverse<u64>> = (0..WORKERS).map(|_| Reverse(0)).collect();
        for &d in &durations {
            let Reverse(at) = free.pop().unwrap();
            free.push(Reverse(at + d));
        }
        free.into_iter().map(|Reverse(at)| at).max().unwrap()
    };
    run_guarded(async {
        let queue = Queue::new(0);
        let slept = Rc::new(Cell::new(0));
        for &d in &durations {
            queue.put_nowait(d).unwrap();
        }
        let start = uniloop::time::now();
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let (queue, slept) = (queue.clone(), slept.clone());
                spawn(async move {
                    loop {
                        let d = queue.get().await.unwrap();
                        uniloop::sleep(Duration::from_millis(d)).await;
                        slept.set(slept.get() + d);
                        queue.task_done().unwrap();
                    }
                })
            })
            .collect();
        queue.join().await;
        assert_eq!(start.elapsed(), Duration::from_millis(makespan));
        assert_eq!(slept.get(), durations.iter().sum::<u64>());
        for worker in &workers {
            worker.cancel();
        }
        for worker in workers {
            assert!(worker.await.unwrap_err().is_cancelled());
        }
    });
}
