//! The queue's algorithm: its store, its waiting getters and putters, the
//! slots granted to putters, and the counts behind `join`. The public
//! facade is `generic.rs`, the futures `futures.rs`; the module docs
//! (`queue/mod.rs`) state the invariants.

use std::cell::{Cell, RefCell};

use super::error::{QueueShutDown, TryPutError};
use super::order::Order;
use crate::sync::Event;
use crate::util::wait_list::{WaitList, WaitListOwner};
use crate::util::wake_batch::WakeBatch;

pub(super) struct Inner<T, O: Order<T>> {
    state: RefCell<State<T, O>>,
    maxsize: usize,
    unfinished: Cell<usize>,
    finished: Event,
    shut_down: Cell<bool>,
}

struct State<T, O: Order<T>> {
    items: O::Store,
    /// Numbers items in the order they were put, so that one a cancelled
    /// getter gives back goes back where it was.
    next_seq: u64,
    /// A getter's node receives the item it is handed, with its number.
    getters: WaitList<Option<(u64, T)>>,
    /// A putter's node holds its item until the putter runs, and whether
    /// it was granted a slot (`false` when shutdown released it).
    putters: WaitList<(T, bool)>,
    /// Slots granted to putters that have not run yet; they count as full.
    reserved: usize,
}

impl<T, O: Order<T>> State<T, O> {
    fn len(&self) -> usize {
        O::len(&self.items)
    }

    /// Whether `maxsize` items are stored or granted (never, if `maxsize`
    /// is 0).
    fn is_full(&self, maxsize: usize) -> bool {
        maxsize > 0 && self.len() + self.reserved >= maxsize
    }

    /// Grant a free slot to the first waiting putter, if both exist.
    #[inline]
    fn grant_next(&mut self, maxsize: usize, wakers: &mut WakeBatch) {
        // Most calls find no putter waiting: one test, inline.
        if !self.putters.is_empty() && !self.is_full(maxsize) {
            self.grant_first(wakers);
        }
    }

    /// [`grant_next`](Self::grant_next) once a putter waits and a slot is
    /// free.
    #[inline(never)]
    fn grant_first(&mut self, wakers: &mut WakeBatch) {
        if let Some(key) = self.putters.front() {
            self.putters.data_mut(key).1 = true;
            self.reserved += 1;
            wakers.push(self.putters.serve(key));
        }
    }

    /// Give a newly put `item` to the first getter, or store it.
    #[inline]
    fn put(&mut self, item: T, wakers: &mut WakeBatch) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.deliver(seq, item, false, wakers);
    }

    /// Give item number `seq` to the first getter, or store it: at its
    /// place by number if a cancelled getter `returned` it (it is older
    /// than the items put since), else as the newest.
    #[inline]
    fn deliver(&mut self, seq: u64, item: T, returned: bool, wakers: &mut WakeBatch) {
        if let Some(key) = self.getters.front() {
            *self.getters.data_mut(key) = Some((seq, item));
            wakers.push(self.getters.serve(key));
        } else if returned {
            O::unpop(&mut self.items, seq, item);
        } else {
            O::push(&mut self.items, seq, item);
        }
    }
}

impl<T, O: Order<T>> Inner<T, O> {
    pub(super) fn new(maxsize: usize) -> Inner<T, O> {
        let finished = Event::new();
        finished.set();
        Inner {
            state: RefCell::new(State {
                items: O::Store::default(),
                next_seq: 0,
                getters: WaitList::new(),
                putters: WaitList::new(),
                reserved: 0,
            }),
            maxsize,
            unfinished: Cell::new(0),
            finished,
            shut_down: Cell::new(false),
        }
    }

    pub(super) fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// Items stored (not counting one handed to a getter that has not run).
    pub(super) fn len(&self) -> usize {
        self.state.borrow().len()
    }

    pub(super) fn is_full(&self) -> bool {
        self.state.borrow().is_full(self.maxsize)
    }

    pub(super) fn is_shut_down(&self) -> bool {
        self.shut_down.get()
    }

    /// (getters, putters) waiting, for `Debug`.
    pub(super) fn waiting(&self) -> (usize, usize) {
        let state = self.state.borrow();
        (state.getters.len(), state.putters.len())
    }

    pub(super) fn unfinished(&self) -> usize {
        self.unfinished.get()
    }

    pub(super) fn finished(&self) -> &Event {
        &self.finished
    }

    /// Put `item` if the queue is open, has room and no putter waits before
    /// it; otherwise give it back.
    pub(super) fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        if self.shut_down.get() {
            return Err(TryPutError::ShutDown(item));
        }
        let mut state = self.state.borrow_mut();
        if state.is_full(self.maxsize) || !state.putters.is_empty() {
            return Err(TryPutError::Full(item));
        }
        let mut wakers = WakeBatch::new();
        state.put(item, &mut wakers);
        drop(state);
        self.count_put();
        wakers.wake();
        Ok(())
    }

    /// A putter that was served runs: put its item in the slot it was
    /// granted, or give it back if the queue was shut down meanwhile (or
    /// shutdown is what served it).
    pub(super) fn finish_put(&self, item: T, granted: bool) -> Result<(), QueueShutDown<T>> {
        let mut state = self.state.borrow_mut();
        if granted {
            state.reserved -= 1;
        }
        if self.shut_down.get() {
            return Err(QueueShutDown(item));
        }
        let mut wakers = WakeBatch::new();
        state.put(item, &mut wakers);
        // Handed straight to a getter, it left its slot free.
        state.grant_next(self.maxsize, &mut wakers);
        drop(state);
        self.count_put();
        wakers.wake();
        Ok(())
    }

    /// Take the next item, granting the freed slot to the first putter.
    pub(super) fn take(&self) -> Option<T> {
        let mut state = self.state.borrow_mut();
        let item = O::pop(&mut state.items)?;
        if state.putters.is_empty() {
            return Some(item); // nobody to grant the slot to
        }
        let mut wakers = WakeBatch::new();
        state.grant_next(self.maxsize, &mut wakers);
        drop(state);
        wakers.wake();
        Some(item)
    }

    /// One more item to be marked done.
    fn count_put(&self) {
        let unfinished = self.unfinished.get();
        self.unfinished.set(unfinished + 1);
        if unfinished == 0 {
            self.finished.clear();
        }
    }

    /// `false` if no item is unfinished.
    pub(super) fn task_done(&self) -> bool {
        let unfinished = self.unfinished.get();
        if unfinished == 0 {
            return false;
        }
        self.unfinished.set(unfinished - 1);
        if unfinished == 1 {
            self.finished.set();
        }
        true
    }

    /// Shut down: release every waiter (and drop the stored items, counted
    /// done, if `immediate`).
    pub(super) fn shutdown(&self, immediate: bool) {
        self.shut_down.set(true);
        let mut dropped = Vec::new();
        let mut wakers = WakeBatch::new();
        {
            let mut state = self.state.borrow_mut();
            if immediate {
                while let Some(item) = O::pop(&mut state.items) {
                    dropped.push(item);
                }
            }
            state.getters.serve_front(usize::MAX, &mut wakers);
            state.putters.serve_front(usize::MAX, &mut wakers);
        }
        if !dropped.is_empty() {
            let unfinished = self.unfinished.get().saturating_sub(dropped.len());
            self.unfinished.set(unfinished);
            if unfinished == 0 {
                self.finished.set();
            }
        }
        wakers.wake();
        drop(dropped);
    }
}

/// The getters' side of a queue, owner of a `Get`'s wait entry.
pub(super) struct Getters<'a, T, O: Order<T>>(pub(super) &'a Inner<T, O>);

impl<T, O: Order<T>> WaitListOwner for Getters<'_, T, O> {
    type Data = Option<(u64, T)>;

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<Self::Data>) -> R) -> R {
        f(&mut self.0.state.borrow_mut().getters)
    }

    /// Handed an item it never took: pass it on.
    fn left(&self, handed: Self::Data, _served: bool) {
        let Some((seq, item)) = handed else { return };
        let mut wakers = WakeBatch::new();
        self.0
            .state
            .borrow_mut()
            .deliver(seq, item, true, &mut wakers);
        wakers.wake();
    }
}

/// The putters' side of a queue, owner of a `Put`'s wait entry.
pub(super) struct Putters<'a, T, O: Order<T>>(pub(super) &'a Inner<T, O>);

impl<T, O: Order<T>> WaitListOwner for Putters<'_, T, O> {
    type Data = (T, bool);

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<Self::Data>) -> R) -> R {
        f(&mut self.0.state.borrow_mut().putters)
    }

    /// Its item never went in (it is dropped here); a slot granted to it
    /// passes to the next putter.
    fn left(&self, (item, granted): Self::Data, _served: bool) {
        let inner = self.0;
        let mut wakers = WakeBatch::new();
        if granted {
            let mut state = inner.state.borrow_mut();
            state.reserved -= 1;
            if !inner.shut_down.get() {
                state.grant_next(inner.maxsize, &mut wakers);
            }
        }
        wakers.wake();
        drop(item);
    }
}
