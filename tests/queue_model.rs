//! Model tests of the queues: random sequences of operations on a `Queue`,
//! a `LifoQueue` and a `PriorityQueue` with a small `maxsize` (0..4, where
//! 0 is unbounded), checked step by step against a plain model; and random
//! producer and consumer tasks on a real loop, checked for conservation.
//!
//! # Hand-driven futures
//!
//! The `get`, `put` and `join` futures are polled by hand, each with its own
//! waker that records being woken, so the test decides every interleaving:
//! when a waiting future is polled again, and when it is dropped
//! (cancelled), before or after it was handed an item. The queue itself
//! needs no loop for that; the wakers show that every future the queue
//! serves is woken.
//!
//! # The model
//!
//! Items are numbered in creation order (`id`) and carry a small key (the
//! priority); each also gets a put-order number when it enters the queue
//! (put, or put by a waiting putter when it runs). The model holds:
//!
//! - `store`: the queued items: a `VecDeque` (FIFO: push at the back, pop
//!   the front), a `Vec` (LIFO: push and pop the top) or a `BinaryHeap` of
//!   `Reverse((key, id))` (smallest first);
//! - the waiting getters and putters, each in FIFO order, and the state of
//!   every live future: a getter waits, holds an item it was handed, or was
//!   released by shutdown; a putter waits with its item, was granted a
//!   slot for it (and puts it when polled), or was released by shutdown
//!   with its item;
//! - `unfinished` (items put and not `task_done`) and `shut_down`.
//!
//! The rules: an item put goes to the first waiting getter, else into the
//! store; a put waits when the store and the granted slots make `maxsize`
//! or other putters wait (`put_nowait` fails then, and after shutdown;
//! `try_put` says which); whenever a slot is free and a putter waits, the
//! first waiting putter is granted it, and puts its item when polled (a
//! shut-down queue gives it back then); a granted putter that is dropped
//! puts nothing and the slot passes on (issue 15: it used to be put
//! anyway); a get waits only when the store is empty. A dropped getter that holds an item gives it to the next
//! waiting getter, or back into the store where its put-order number puts
//! it: before every item put after it (FIFO: towards the front; LIFO:
//! towards the bottom; priority: anywhere). That is the front (bottom)
//! unless other given-back items are stored. A dropped putter drops the
//! item it still holds. `shutdown` releases every waiter; `shutdown(true)`
//! also drops the store and counts those items done. (Items handed to
//! getters do not count against `maxsize`, so a given-back item can leave
//! the store above `maxsize`; the model allows that, as the queue does.)
//!
//! After every step: each result is the model's (the exact item, so order
//! is checked too); `qsize`, `is_empty`, `is_full`, `is_shut_down` agree; a
//! fresh `join` is ready exactly when nothing is unfinished, and a
//! long-lived one once `unfinished` reached 0 after it began to wait; each
//! future the model says was served was woken; and each item has been
//! dropped once if it left the queue's hands (received, given back in an
//! error, dropped by `shutdown(true)` or with its cancelled put) and
//! otherwise never. At the end every future is dropped, the queue is
//! drained in the model's order and dropped, and every item has been
//! dropped exactly once: nothing lost, nothing duplicated.
//!
//! The items, the model and the harness are in
//! `tests/queue_model_support/`; the random tasks on a real loop are in
//! `tests/queue_model_tasks.rs`.

mod cases;
mod queue_model_support;

use proptest::prelude::*;
use queue_model_support::harness::{check_ops, ops};
use queue_model_support::Kind;
use uniloop::queue::{Fifo, Lifo, Priority};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(256)))]

    #[test]
    fn queue_matches_a_vecdeque_model(maxsize in 0usize..4, ops in ops()) {
        check_ops::<Fifo>(Kind::Fifo, maxsize, ops)?;
    }

    #[test]
    fn lifo_queue_matches_a_vec_model(maxsize in 0usize..4, ops in ops()) {
        check_ops::<Lifo>(Kind::Lifo, maxsize, ops)?;
    }

    #[test]
    fn priority_queue_matches_a_min_first_binary_heap_model(maxsize in 0usize..4, ops in ops()) {
        check_ops::<Priority>(Kind::Priority, maxsize, ops)?;
    }
}
