//! Model tests of the queues on a real loop (split from
//! `tests/queue_model.rs`): random producer and consumer tasks, cancelled
//! at random, with shutdowns, checked for conservation: every item is
//! received, given back or dropped exactly once.

mod cases;
mod queue_model_support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use proptest::prelude::*;
use queue_model_support::{Drops, Item};
use uniloop::queue::{QueueShutDown, TooManyTaskDone};

// ---------------------------------------------------------------------------
// Tasks on a real loop
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum TaskOp {
    /// Spawn a task that puts this many new items, yielding after each.
    Producer(u8),
    /// Spawn a task that gets up to this many items (fewer if the queue
    /// is shut down and empty) and marks each done.
    Consumer(u8),
    /// Cancel the task picked by this number.
    Cancel(usize),
    /// Let the loop run this many turns.
    Yield(u8),
    /// `shutdown(immediate)`.
    Shutdown(bool),
}

fn task_op() -> impl Strategy<Value = TaskOp> {
    prop_oneof![
        3 => (1..6u8).prop_map(TaskOp::Producer),
        3 => (1..6u8).prop_map(TaskOp::Consumer),
        2 => any::<usize>().prop_map(TaskOp::Cancel),
        4 => (0..4u8).prop_map(TaskOp::Yield),
        1 => any::<bool>().prop_map(TaskOp::Shutdown),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(256)))]

    /// Producer and consumer tasks, cancelled at random, with a shutdown
    /// at a random point (and one at the end): every item is received once
    /// (or taken by the final drain), given back by a failed put, or
    /// dropped by a cancelled put or `shutdown(true)`; every item is
    /// dropped exactly once; `task_done` accounting ends at zero.
    #[test]
    fn tasks_passing_items_through_a_queue_lose_and_duplicate_nothing(
        maxsize in 0usize..4,
        plan in prop::collection::vec(task_op(), 1..30),
    ) {
        let drops = Drops::default();
        // Ids received by a consumer or the final drain; given back by a put.
        let received: Rc<RefCell<Vec<usize>>> = Rc::default();
        let returned: Rc<RefCell<Vec<usize>>> = Rc::default();
        let mut may_lose = false; // a cancelled producer or shutdown(true)
        let queue = uniloop::queue::Queue::<Item>::new(maxsize);
        // On a paused clock under a virtual timeout: a deadlock fails at once.
        let rt = uniloop::Runtime::builder().paused_clock(true).build().unwrap();
        let body = {
            let (queue, drops, received, returned) =
                (queue.clone(), drops.clone(), received.clone(), returned.clone());
            let may_lose = &mut may_lose;
            async move {
                let mut tasks = Vec::new();
                for op in plan {
                    match op {
                        TaskOp::Producer(count) => {
                            let (queue, drops, returned) =
                                (queue.clone(), drops.clone(), returned.clone());
                            tasks.push((true, uniloop::spawn(async move {
                                for key in 0..count {
                                    let item = Item::new(key, &drops);
                                    if let Err(QueueShutDown(back)) = queue.put(item).await {
                                        returned.borrow_mut().push(back.id);
                                    }
                                    uniloop::yield_now().await;
                                }
                            })));
                        }
                        TaskOp::Consumer(count) => {
                            let (queue, received) = (queue.clone(), received.clone());
                            tasks.push((false, uniloop::spawn(async move {
                                for _ in 0..count {
                                    let Ok(item) = queue.get().await else { break };
                                    received.borrow_mut().push(item.id);
                                    queue.task_done().unwrap();
                                }
                            })));
                        }
                        TaskOp::Cancel(n) if !tasks.is_empty() => {
                            // A consumer's item comes back; a producer's is dropped.
                            let (producer, task) = &tasks[n % tasks.len()];
                            *may_lose |= task.cancel() && *producer;
                        }
                        TaskOp::Cancel(_) => {}
                        TaskOp::Yield(turns) => {
                            for _ in 0..turns {
                                uniloop::yield_now().await;
                            }
                        }
                        TaskOp::Shutdown(immediate) => {
                            *may_lose |= immediate;
                            queue.shutdown(immediate);
                        }
                    }
                }
                // Everything ends: puts fail, gets drain or fail.
                queue.shutdown(false);
                for (_, task) in tasks {
                    let _ = task.await;
                }
                while let Ok(item) = queue.get_nowait() {
                    received.borrow_mut().push(item.id);
                    queue.task_done().unwrap();
                }
            }
        };
        let finished =
            rt.block_on(async { uniloop::timeout(Duration::from_secs(3600), body).await });
        prop_assert!(finished.is_ok(), "deadlock: a task waited for ever");
        let mut received = received.take();
        let returned = returned.take();
        received.sort_unstable();
        prop_assert!(received.windows(2).all(|w| w[0] != w[1]), "an item was received twice");
        for id in &returned {
            prop_assert!(received.binary_search(id).is_err(), "item {} received and given back", id);
        }
        let created = drops.borrow().len();
        if !may_lose {
            prop_assert_eq!(received.len() + returned.len(), created);
        }
        prop_assert_eq!(queue.task_done(), Err(TooManyTaskDone));
        drop(queue);
        for (id, &count) in drops.borrow().iter().enumerate() {
            prop_assert_eq!(count, 1, "item {} dropped {} times", id, count);
        }
    }
}
