//! The queue model tests' items, wakers and model (split from
//! `tests/queue_model.rs`, whose module doc describes the model); the
//! operations and the harness that checks a queue against the model are
//! in `harness.rs`.
//!
//! Not every test file uses every item.
#![allow(dead_code)]

pub mod harness;

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

// ---------------------------------------------------------------------------
// Items that count their drops
// ---------------------------------------------------------------------------

/// How many times each item (by id) was dropped.
pub type Drops = Rc<RefCell<Vec<u32>>>;

/// An item: ordered by `(key, id)`, so every item is distinct and the
/// priority order is total.
pub struct Item {
    key: u8,
    pub id: usize,
    drops: Drops,
}

impl Item {
    pub fn new(key: u8, drops: &Drops) -> Item {
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
pub enum Kind {
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
