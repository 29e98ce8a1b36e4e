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

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use proptest::prelude::*;
use uniloop::queue::{
    Fifo, GenericQueue, Get, Lifo, Order, Priority, Put, QueueEmpty, QueueFull, QueueShutDown,
    TooManyTaskDone, TryPutError,
};

// ---------------------------------------------------------------------------
// Items that count their drops
// ---------------------------------------------------------------------------

/// How many times each item (by id) was dropped.
type Drops = Rc<RefCell<Vec<u32>>>;

/// An item: ordered by `(key, id)`, so every item is distinct and the
/// priority order is total.
struct Item {
    key: u8,
    id: usize,
    drops: Drops,
}

impl Item {
    fn new(key: u8, drops: &Drops) -> Item {
        let mut counts = drops.borrow_mut();
        counts.push(0);
        Item {
            key,
            id: counts.len() - 1,
            drops: drops.clone(),
        }
    }

    fn tag(&self) -> Tag {
        (self.key, self.id)
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        self.drops.borrow_mut()[self.id] += 1;
    }
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Item{:?}", self.tag())
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Item) -> bool {
        self.tag() == other.tag()
    }
}

impl Eq for Item {}

impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Item) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Item {
    fn cmp(&self, other: &Item) -> Ordering {
        self.tag().cmp(&other.tag())
    }
}

/// An item as the model knows it: `(key, id)`.
type Tag = (u8, usize);

// ---------------------------------------------------------------------------
// Wakers that record a wake
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Flag>) {
        self.0.store(true, AtomicOrdering::SeqCst);
    }
}

/// A future and the flag its waker sets.
struct Driven<F> {
    future: F,
    woken: Arc<Flag>,
}

impl<F: Future + Unpin> Driven<F> {
    fn new(future: F) -> Driven<F> {
        Driven {
            future,
            woken: Arc::default(),
        }
    }

    /// Whether it was woken since its last poll.
    fn was_woken(&self) -> bool {
        self.woken.0.load(AtomicOrdering::SeqCst)
    }

    fn poll(&mut self) -> Poll<F::Output> {
        self.woken.0.store(false, AtomicOrdering::SeqCst);
        let waker = Waker::from(self.woken.clone());
        Pin::new(&mut self.future).poll(&mut Context::from_waker(&waker))
    }
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

enum Store {
    Fifo(VecDeque<Tag>),
    Lifo(Vec<Tag>),
    Priority(BinaryHeap<Reverse<Tag>>),
}

impl Store {
    fn new(kind: Kind) -> Store {
        match kind {
            Kind::Fifo => Store::Fifo(VecDeque::new()),
            Kind::Lifo => Store::Lifo(Vec::new()),
            Kind::Priority => Store::Priority(BinaryHeap::new()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Store::Fifo(items) => items.len(),
            Store::Lifo(items) => items.len(),
            Store::Priority(items) => items.len(),
        }
    }

    fn push(&mut self, tag: Tag) {
        match self {
            Store::Fifo(items) => items.push_back(tag),
            Store::Lifo(items) => items.push(tag),
            Store::Priority(items) => items.push(Reverse(tag)),
        }
    }

    fn pop(&mut self) -> Option<Tag> {
        match self {
            Store::Fifo(items) => items.pop_front(),
            Store::Lifo(items) => items.pop(),
            Store::Priority(items) => items.pop().map(|Reverse(tag)| tag),
        }
    }

    /// Put back an item a dropped getter held, before the items put after
    /// it (`seq`: the put-order numbers; FIFO and LIFO stores are sorted
    /// by them).
    fn unpop(&mut self, tag: Tag, seq: &[u64]) {
        let before = |stored: &Tag| seq[stored.1] < seq[tag.1];
        match self {
            Store::Fifo(items) => items.insert(items.partition_point(before), tag),
            Store::Lifo(items) => items.insert(items.partition_point(before), tag),
            Store::Priority(items) => items.push(Reverse(tag)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum GetState {
    Waiting,
    Handed(Tag),
    /// Served by shutdown, with nothing.
    Released,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum PutState {
    Waiting(Tag),
    /// A slot is kept for it: its item goes in when it is polled.
    Granted(Tag),
    /// Served by shutdown: the item is to be given back.
    Released(Tag),
}

struct Model {
    store: Store,
    maxsize: usize,
    shut_down: bool,
    unfinished: usize,
    /// Slots granted to putters that have not been polled since.
    reserved: usize,
    /// Slots of the waiting getters and putters, first in line first.
    waiting_getters: VecDeque<usize>,
    waiting_putters: VecDeque<usize>,
    /// The state of the future in each slot (`None`: gone).
    getters: Vec<Option<GetState>>,
    putters: Vec<Option<PutState>>,
    /// Per item: whether it should have been dropped by now.
    gone: Vec<bool>,
    /// Per item: its put-order number, once it entered the queue.
    seq: Vec<u64>,
    next_seq: u64,
    /// The long-lived join: `Some(released)` while it waits.
    join: Option<bool>,
}

impl Model {
    fn new(kind: Kind, maxsize: usize) -> Model {
        Model {
            store: Store::new(kind),
            maxsize,
            shut_down: false,
            unfinished: 0,
            reserved: 0,
            waiting_getters: VecDeque::new(),
            waiting_putters: VecDeque::new(),
            getters: Vec::new(),
            putters: Vec::new(),
            gone: Vec::new(),
            seq: Vec::new(),
            next_seq: 0,
            join: None,
        }
    }

    fn is_full(&self) -> bool {
        self.maxsize > 0 && self.store.len() + self.reserved >= self.maxsize
    }

    /// A free slot goes to the first waiting putter.
    fn grant_next(&mut self) {
        if self.is_full() {
            return;
        }
        if let Some(slot) = self.waiting_putters.pop_front() {
            let Some(PutState::Waiting(tag)) = self.putters[slot] else {
                unreachable!("a waiting putter holds its item")
            };
            self.putters[slot] = Some(PutState::Granted(tag));
            self.reserved += 1;
        }
    }

    /// Whether a new put must wait (or a `put_nowait` fail).
    fn put_must_wait(&self) -> bool {
        self.is_full() || !self.waiting_putters.is_empty()
    }

    /// `tag` enters the queue: it gets the next put-order number.
    fn number(&mut self, tag: Tag) {
        self.seq[tag.1] = self.next_seq;
        self.next_seq += 1;
        self.unfinished += 1;
    }

    /// A new item was put: to the first waiting getter, or stored.
    fn deliver(&mut self, tag: Tag) {
        self.number(tag);
        match self.waiting_getters.pop_front() {
            Some(slot) => self.getters[slot] = Some(GetState::Handed(tag)),
            None => self.store.push(tag),
        }
    }

    /// A dropped getter's item comes back.
    fn give_back(&mut self, tag: Tag) {
        match self.waiting_getters.pop_front() {
            Some(slot) => self.getters[slot] = Some(GetState::Handed(tag)),
            None => self.store.unpop(tag, &self.seq),
        }
    }

    /// Take the next stored item, granting the slot to a waiting putter.
    fn take(&mut self) -> Option<Tag> {
        let tag = self.store.pop()?;
        self.gone[tag.1] = true; // received, and dropped by the test
        self.grant_next();
        Some(tag)
    }

    fn shutdown(&mut self, immediate: bool) {
        self.shut_down = true;
        if immediate {
            let mut dropped = 0;
            while let Some(tag) = self.store.pop() {
                self.gone[tag.1] = true;
                dropped += 1;
            }
            self.unfinished = self.unfinished.saturating_sub(dropped);
        }
        for slot in self.waiting_getters.drain(..) {
            self.getters[slot] = Some(GetState::Released);
        }
        for slot in self.waiting_putters.drain(..) {
            let Some(PutState::Waiting(tag)) = self.putters[slot] else {
                unreachable!("a waiting putter holds its item")
            };
            self.putters[slot] = Some(PutState::Released(tag));
        }
    }

    /// A long-lived join is released once nothing is unfinished.
    fn settle_join(&mut self) {
        if self.unfinished == 0 {
            if let Some(released) = &mut self.join {
                *released = true;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
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
fn check_ops<O: Order<Item>>(
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

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..80)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

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
    #![proptest_config(ProptestConfig::with_cases(256))]

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
