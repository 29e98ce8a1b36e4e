//! The queue model tests' random operations and the harness that runs
//! them on a queue and on the model, step by step (split from
//! `tests/queue_model.rs`).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use super::{Driven, Drops, GetState, Item, Kind, Model, PutState, Tag};
use proptest::prelude::*;
use uniloop::queue::{
    GenericQueue, Get, Order, Put, QueueEmpty, QueueFull, QueueShutDown, TooManyTaskDone,
    TryPutError,
};

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub enum Op {
    /// `put_nowait` a new item with this key.
    PutNowait(u8),
    /// `try_put` a new item with this key.
    TryPut(u8),
    GetNowait,
    /// Start a `put` of a new item with this key and poll it once.
    Put(u8),
    /// Start a `get` and poll it once.
    Get,
    /// Poll the live put future picked by this number.
    PollPut(usize),
    PollGet(usize),
    /// Drop (cancel) the live put future picked by this number.
    DropPut(usize),
    DropGet(usize),
    TaskDone,
    /// `shutdown(immediate)`.
    Shutdown(bool),
    /// Start the long-lived `join`, or poll it if it waits.
    Join,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..4u8).prop_map(Op::PutNowait),
        2 => (0..4u8).prop_map(Op::TryPut),
        3 => Just(Op::GetNowait),
        4 => (0..4u8).prop_map(Op::Put),
        4 => Just(Op::Get),
        3 => any::<usize>().prop_map(Op::PollPut),
        3 => any::<usize>().prop_map(Op::PollGet),
        2 => any::<usize>().prop_map(Op::DropPut),
        2 => any::<usize>().prop_map(Op::DropGet),
        2 => Just(Op::TaskDone),
        1 => any::<bool>().prop_map(Op::Shutdown),
        1 => Just(Op::Join),
    ]
}

/// The slot of the `pick`-th live future, if any.
fn pick<T>(slots: &[Option<T>], pick: usize) -> Option<usize> {
    let live: Vec<usize> = (0..slots.len()).filter(|&i| slots[i].is_some()).collect();
    (!live.is_empty()).then(|| live[pick % live.len()])
}

type JoinFuture<'q> = Pin<Box<dyn Future<Output = ()> + 'q>>;

/// The queue under test, its live futures, and the model.
struct Harness<'q, O: Order<Item>> {
    queue: &'q GenericQueue<Item, O>,
    drops: Drops,
    model: Model,
    gets: Vec<Option<Driven<Get<'q, Item, O>>>>,
    puts: Vec<Option<Driven<Put<'q, Item, O>>>>,
    join: Option<Driven<JoinFuture<'q>>>,
}

impl<'q, O: Order<Item>> Harness<'q, O> {
    fn new_item(&mut self, key: u8) -> Item {
        self.model.gone.push(false);
        self.model.seq.push(u64::MAX);
        Item::new(key, &self.drops)
    }

    /// An item came out of the queue (received, or given back in an
    /// error): it must be `expected`; the test drops it.
    fn check_out(&self, item: Item, expected: Tag) -> Result<(), TestCaseError> {
        prop_assert_eq!(item.tag(), expected);
        drop(item);
        Ok(())
    }

    fn step(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::PutNowait(key) => {
                let item = self.new_item(key);
                let tag = item.tag();
                let result = self.queue.put_nowait(item);
                if self.model.shut_down || self.model.put_must_wait() {
                    let Err(QueueFull(back)) = result else {
                        return Err(TestCaseError::fail("put_nowait succeeded"));
                    };
                    self.model.gone[tag.1] = true;
                    self.check_out(back, tag)?;
                } else {
                    prop_assert!(result.is_ok(), "put_nowait failed");
                    self.model.deliver(tag);
                }
            }
            Op::TryPut(key) => {
                let item = self.new_item(key);
                let tag = item.tag();
                let result = self.queue.try_put(item);
                let back = match result {
                    Ok(()) => {
                        prop_assert!(!self.model.shut_down && !self.model.put_must_wait());
                        self.model.deliver(tag);
                        None
                    }
                    Err(TryPutError::ShutDown(back)) => {
                        prop_assert!(self.model.shut_down, "try_put: ShutDown while open");
                        Some(back)
                    }
                    Err(TryPutError::Full(back)) => {
                        prop_assert!(!self.model.shut_down, "try_put: Full while shut down");
                        prop_assert!(self.model.put_must_wait(), "try_put: Full with room");
                        Some(back)
                    }
                };
                if let Some(back) = back {
                    self.model.gone[tag.1] = true;
                    self.check_out(back, tag)?;
                }
            }
            Op::GetNowait => match (self.queue.get_nowait(), self.model.take()) {
                (Ok(item), Some(tag)) => self.check_out(item, tag)?,
                (Err(QueueEmpty), None) => {}
                (got, expected) => {
                    let got = got.map(|item| item.tag());
                    return Err(TestCaseError::fail(format!(
                        "get_nowait: {got:?}, model: {expected:?}"
                    )));
                }
            },
            Op::Put(key) => {
                let item = self.new_item(key);
                let tag = item.tag();
                let mut put = Driven::new(self.queue.put(item));
                let polled = put.poll();
                if self.model.shut_down {
                    let Poll::Ready(Err(QueueShutDown(back))) = polled else {
                        return Err(TestCaseError::fail("put on a shut-down queue"));
                    };
                    self.model.gone[tag.1] = true;
                    self.check_out(back, tag)?;
                } else if self.model.put_must_wait() {
                    prop_assert!(polled.is_pending(), "put did not wait");
                    self.model.waiting_putters.push_back(self.puts.len());
                    self.model.putters.push(Some(PutState::Waiting(tag)));
                    self.puts.push(Some(put));
                } else {
                    prop_assert!(matches!(polled, Poll::Ready(Ok(()))), "put failed");
                    self.model.deliver(tag);
                }
            }
            Op::Get => {
                let mut get = Driven::new(self.queue.get());
                let polled = get.poll();
                if let Some(tag) = self.model.take() {
                    let Poll::Ready(Ok(item)) = polled else {
                        return Err(TestCaseError::fail("get did not take a stored item"));
                    };
                    self.check_out(item, tag)?;
                } else if self.model.shut_down {
                    prop_assert!(
                        matches!(polled, Poll::Ready(Err(QueueShutDown(())))),
                        "get on an empty shut-down queue"
                    );
                } else {
                    prop_assert!(polled.is_pending(), "get on an empty queue");
                    self.model.waiting_getters.push_back(self.gets.len());
                    self.model.getters.push(Some(GetState::Waiting));
                    self.gets.push(Some(get));
                }
            }
            Op::PollGet(n) => {
                let Some(slot) = pick(&self.gets, n) else {
                    return Ok(());
                };
                let get = self.gets[slot].as_mut().unwrap();
                let woken = get.was_woken();
                let polled = get.poll();
                let ready = polled.is_ready();
                match self.model.getters[slot].unwrap() {
                    GetState::Waiting => prop_assert!(polled.is_pending()),
                    GetState::Handed(tag) => {
                        prop_assert!(woken, "a getter handed an item was not woken");
                        let Poll::Ready(Ok(item)) = polled else {
                            return Err(TestCaseError::fail("a handed item was not delivered"));
                        };
                        self.model.gone[tag.1] = true;
                        self.check_out(item, tag)?;
                    }
                    GetState::Released => {
                        prop_assert!(woken, "a getter released by shutdown was not woken");
                        prop_assert!(matches!(polled, Poll::Ready(Err(QueueShutDown(())))));
                    }
                }
                if ready {
                    self.gets[slot] = None;
                    self.model.getters[slot] = None;
                }
            }
            Op::PollPut(n) => {
                let Some(slot) = pick(&self.puts, n) else {
                    return Ok(());
                };
                let put = self.puts[slot].as_mut().unwrap();
                let woken = put.was_woken();
                let polled = put.poll();
                let ready = polled.is_ready();
                match self.model.putters[slot].unwrap() {
                    PutState::Waiting(_) => prop_assert!(polled.is_pending()),
                    PutState::Granted(tag) => {
                        prop_assert!(woken, "a putter granted a slot was not woken");
                        self.model.reserved -= 1;
                        if self.model.shut_down {
                            let Poll::Ready(Err(QueueShutDown(back))) = polled else {
                                return Err(TestCaseError::fail("a granted put after shutdown"));
                            };
                            self.model.gone[tag.1] = true;
                            self.check_out(back, tag)?;
                        } else {
                            prop_assert!(matches!(polled, Poll::Ready(Ok(()))));
                            self.model.deliver(tag);
                            self.model.grant_next();
                        }
                    }
                    PutState::Released(tag) => {
                        prop_assert!(woken, "a putter released by shutdown was not woken");
                        let Poll::Ready(Err(QueueShutDown(back))) = polled else {
                            return Err(TestCaseError::fail("a released put did not fail"));
                        };
                        self.model.gone[tag.1] = true;
                        self.check_out(back, tag)?;
                    }
                }
                if ready {
                    self.puts[slot] = None;
                    self.model.putters[slot] = None;
                }
            }
            Op::DropGet(n) => {
                if let Some(slot) = pick(&self.gets, n) {
                    self.drop_get(slot);
                }
            }
            Op::DropPut(n) => {
                if let Some(slot) = pick(&self.puts, n) {
                    self.drop_put(slot);
                }
            }
            Op::TaskDone => {
                let result = self.queue.task_done();
                if self.model.unfinished == 0 {
                    prop_assert_eq!(result, Err(TooManyTaskDone));
                } else {
                    prop_assert_eq!(result, Ok(()));
                    self.model.unfinished -= 1;
                }
            }
            Op::Shutdown(immediate) => {
                self.queue.shutdown(immediate);
                self.model.shutdown(immediate);
            }
            Op::Join => match &mut self.join {
                None => {
                    let mut join = Driven::new(Box::pin(self.queue.join()) as JoinFuture<'q>);
                    let polled = join.poll();
                    prop_assert_eq!(polled.is_ready(), self.model.unfinished == 0);
                    if polled.is_pending() {
                        self.join = Some(join);
                        self.model.join = Some(false);
                    }
                }
                Some(join) => {
                    let released = self.model.join.unwrap();
                    let woken = join.was_woken();
                    prop_assert_eq!(join.poll().is_ready(), released);
                    if released {
                        prop_assert!(woken, "a released join was not woken");
                        self.join = None;
                        self.model.join = None;
                    }
                }
            },
        }
        self.model.settle_join();
        self.check()
    }

    fn drop_get(&mut self, slot: usize) {
        self.gets[slot] = None;
        match self.model.getters[slot].take().unwrap() {
            GetState::Waiting => self.model.waiting_getters.retain(|&s| s != slot),
            GetState::Handed(tag) => self.model.give_back(tag),
            GetState::Released => {}
        }
    }

    fn drop_put(&mut self, slot: usize) {
        self.puts[slot] = None;
        match self.model.putters[slot].take().unwrap() {
            PutState::Waiting(tag) => {
                self.model.waiting_putters.retain(|&s| s != slot);
                self.model.gone[tag.1] = true;
            }
            PutState::Granted(tag) => {
                // Cancelled after its slot was freed: nothing is put.
                self.model.reserved -= 1;
                self.model.gone[tag.1] = true;
                if !self.model.shut_down {
                    self.model.grant_next();
                }
            }
            PutState::Released(tag) => self.model.gone[tag.1] = true,
        }
    }

    /// The queue's observable state agrees with the model's.
    fn check(&self) -> Result<(), TestCaseError> {
        let model = &self.model;
        prop_assert_eq!(self.queue.qsize(), model.store.len());
        prop_assert_eq!(self.queue.is_empty(), model.store.len() == 0);
        prop_assert_eq!(self.queue.is_full(), model.is_full());
        prop_assert_eq!(self.queue.is_shut_down(), model.shut_down);
        // Getters wait only on an empty store.
        prop_assert!(model.waiting_getters.is_empty() || model.store.len() == 0);
        let mut join = Driven::new(Box::pin(self.queue.join()));
        prop_assert_eq!(join.poll().is_ready(), model.unfinished == 0);
        let drops = self.drops.borrow();
        for (id, &gone) in model.gone.iter().enumerate() {
            prop_assert_eq!(drops[id], u32::from(gone), "drops of item {}", id);
        }
        Ok(())
    }

    /// Drop every future left, drain the queue in the model's order and
    /// finish the unfinished items.
    fn finish(&mut self) -> Result<(), TestCaseError> {
        for slot in 0..self.gets.len() {
            if self.gets[slot].is_some() {
                self.drop_get(slot);
                self.check()?;
            }
        }
        for slot in 0..self.puts.len() {
            if self.puts[slot].is_some() {
                self.drop_put(slot);
                self.check()?;
            }
        }
        self.join = None;
        self.model.join = None;
        while let Some(tag) = self.model.take() {
            let Ok(item) = self.queue.get_nowait() else {
                return Err(TestCaseError::fail(format!("{tag:?} is missing")));
            };
            self.check_out(item, tag)?;
        }
        prop_assert_eq!(self.queue.get_nowait(), Err(QueueEmpty));
        for _ in 0..self.model.unfinished {
            prop_assert_eq!(self.queue.task_done(), Ok(()));
        }
        self.model.unfinished = 0;
        prop_assert_eq!(self.queue.task_done(), Err(TooManyTaskDone));
        self.check()
    }
}

/// Run `ops` on a queue of order `O` (which `kind` models).
pub fn check_ops<O: Order<Item>>(
    kind: Kind,
    maxsize: usize,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let drops = Drops::default();
    let queue = GenericQueue::<Item, O>::new(maxsize);
    {
        let mut harness = Harness {
            queue: &queue,
            drops: drops.clone(),
            model: Model::new(kind, maxsize),
            gets: Vec::new(),
            puts: Vec::new(),
            join: None,
        };
        for op in ops {
            harness.step(op)?;
        }
        harness.finish()?;
    }
    drop(queue);
    let drops = drops.borrow();
    for (id, &count) in drops.iter().enumerate() {
        prop_assert_eq!(count, 1, "item {} dropped {} times", id, count);
    }
    Ok(())
}

pub fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..80)
}
