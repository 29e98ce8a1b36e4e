//! A producer/consumer pipeline over a bounded `uniloop::queue::Queue`:
//! producers put work items, consumers take and process them and call
//! `task_done`; `join` waits until every item was processed, then
//! `shutdown` makes the consumers' `get` fail so they end.
//!
//! The asyncio code it mirrors (Python 3.13+):
//!
//! ```python
//! async def producer(queue, first):
//!     for item in range(first, first + PER_PRODUCER):
//!         await queue.put(item)
//!
//! async def consumer(queue, done):
//!     while True:
//!         try:
//!             item = await queue.get()
//!         except asyncio.QueueShutDown:
//!             return
//!         await asyncio.sleep(0.001 * (item % 3))   # "process" it
//!         done.append(item)
//!         queue.task_done()
//!
//! queue = asyncio.Queue(maxsize=4)
//! consumers = [asyncio.create_task(consumer(queue, done)) for _ in range(3)]
//! await asyncio.gather(*(producer(queue, p * 100) for p in range(PRODUCERS)))
//! await queue.join()        # every item processed
//! queue.shutdown()          # consumers' get() raises QueueShutDown
//! await asyncio.gather(*consumers)
//! ```
//!
//! Run it: `cargo run --release --example pipeline`

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use uniloop::queue::Queue;
use uniloop::Runtime;

const PRODUCERS: u32 = 2;
const PER_PRODUCER: u32 = 20;
const CONSUMERS: usize = 3;

async fn producer(queue: Queue<u32>, first: u32) {
    for item in first..first + PER_PRODUCER {
        // Waits while the queue is full: back-pressure on the producer.
        queue.put(item).await.expect("the queue is open");
    }
}

/// Process items until the queue is shut down; return how many it did.
async fn consumer(queue: Queue<u32>, done: Rc<RefCell<Vec<u32>>>) -> usize {
    let mut processed = 0;
    // `get` gives `Err(QueueShutDown)` once the queue is shut down and empty.
    while let Ok(item) = queue.get().await {
        uniloop::sleep(Duration::from_millis(u64::from(item % 3))).await;
        done.borrow_mut().push(item);
        processed += 1;
        queue.task_done().expect("one task_done per item taken");
    }
    processed
}

fn main() {
    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    let (done, per_consumer) = rt.block_on(async {
        let queue = Queue::new(4);
        let done = Rc::new(RefCell::new(Vec::new()));
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| uniloop::spawn(consumer(queue.clone(), done.clone())))
            .collect();

        let producers = (0..PRODUCERS).map(|p| producer(queue.clone(), p * 100));
        uniloop::gather_all(producers).await;
        println!("producers finished; waiting for the queue to drain");
        queue.join().await;
        println!("queue joined: every item put was marked task_done");
        queue.shutdown(false);

        let mut per_consumer = Vec::new();
        for task in consumers {
            per_consumer.push(task.await.expect("a consumer ended cleanly"));
        }
        (done.take(), per_consumer)
    });

    println!("items processed per consumer: {per_consumer:?}");
    let mut times_seen: BTreeMap<u32, usize> = BTreeMap::new();
    for item in &done {
        *times_seen.entry(*item).or_default() += 1;
    }
    let expected: Vec<u32> = (0..PRODUCERS)
        .flat_map(|p| p * 100..p * 100 + PER_PRODUCER)
        .collect();
    assert_eq!(done.len(), expected.len(), "no item lost or repeated");
    assert_eq!(times_seen.keys().copied().collect::<Vec<_>>(), expected);
    assert!(
        times_seen.values().all(|&n| n == 1),
        "each item exactly once"
    );
    assert_eq!(per_consumer.iter().sum::<usize>(), expected.len());
    assert!(per_consumer.iter().all(|&n| n > 0), "every consumer helped");
    println!(
        "ok: all {} items processed exactly once, and the consumers ended",
        done.len()
    );
}
