//! `Permits`: the algorithm under [`Semaphore`](super::Semaphore) (and so
//! under `BoundedSemaphore` and `Mutex`): a count of permits and a FIFO of
//! waiters, served strictly in order. The public facade is
//! `semaphore.rs`.
//!
//! # Invariants
//!
//! - `available` counts the permits nobody holds and nobody was handed;
//!   `issued` those held by permits or handed to waiters. Their sum, the
//!   total, is at most `Semaphore::MAX_PERMITS`: checked where permits are
//!   added ([`Permits::add`]), so no sum overflows.
//! - Waiters are served strictly in FIFO order: a waiter is granted its
//!   permits (moved from `available` to `issued`, its node unlinked) only
//!   when every waiter before it has been ([`Permits::serve_waiters`]), and
//!   `try_take` fails while anyone waits. So a large request is not
//!   starved by small ones.
//! - A waiter that leaves after being served gives its permits back, which
//!   may serve the next waiters; one that leaves while waiting may unblock
//!   the waiters behind it, so the queue is looked at again
//!   ([`WaitListOwner::left`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::Semaphore;
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};
use crate::util::wake_batch::WakeBatch;

pub(crate) struct Permits {
    available: Cell<usize>,
    issued: Cell<usize>,
    /// Each waiter's node holds the permits it asked for.
    waiters: RefCell<WaitList<usize>>,
}

impl Permits {
    pub(crate) const fn new(permits: usize) -> Permits {
        Permits {
            available: Cell::new(permits),
            issued: Cell::new(0),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    pub(crate) fn available(&self) -> usize {
        self.available.get()
    }

    /// Permits free, held, or handed to waiters.
    pub(crate) fn total(&self) -> usize {
        self.available.get() + self.issued.get()
    }

    pub(crate) fn waiters(&self) -> usize {
        self.waiters.borrow().len()
    }

    /// Whether an acquire would have to wait.
    pub(crate) fn is_locked(&self) -> bool {
        self.available.get() == 0 || !self.waiters.borrow().is_empty()
    }

    /// Take `n` permits if they are free and nobody waits.
    pub(crate) fn try_take(&self, n: usize) -> bool {
        let available = self.available.get();
        if available >= n && self.waiters.borrow().is_empty() {
            self.available.set(available - n);
            self.issued.set(self.issued.get() + n);
            true
        } else {
            false
        }
    }

    /// Add `n` new permits, serving waiters from them first. The caller
    /// checks that the total stays within `MAX_PERMITS`.
    pub(crate) fn add(&self, n: usize) {
        debug_assert!(n <= Semaphore::MAX_PERMITS - self.total());
        self.release(n);
    }

    /// `n` held permits come back.
    pub(crate) fn give_back(&self, n: usize) {
        self.issued.set(self.issued.get() - n);
        self.release(n);
    }

    /// `n` held permits are gone for good.
    pub(crate) fn forget(&self, n: usize) {
        self.issued.set(self.issued.get() - n);
    }

    fn release(&self, n: usize) {
        // Cannot overflow: the total stays within `MAX_PERMITS`.
        self.available.set(self.available.get() + n);
        self.serve_waiters();
    }

    /// Serve the waiters at the front whose requests the free permits
    /// cover, in order, stopping at the first that they do not.
    fn serve_waiters(&self) {
        let mut wakers = WakeBatch::new();
        {
            let mut waiters = self.waiters.borrow_mut();
            while let Some(key) = waiters.front() {
                let need = *waiters.data(key);
                let available = self.available.get();
                if need > available {
                    break;
                }
                self.available.set(available - need);
                self.issued.set(self.issued.get() + need);
                wakers.push(waiters.serve(key));
            }
        }
        wakers.wake();
    }

    /// A waiter asking for `need` permits left; `served`: it had been
    /// granted them.
    fn waiter_left(&self, need: usize, served: bool) {
        if served {
            self.give_back(need);
        } else {
            self.serve_waiters();
        }
    }
}

impl WaitListOwner for &Permits {
    type Data = usize;

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<usize>) -> R) -> R {
        f(&mut self.waiters.borrow_mut())
    }

    fn left(&self, need: usize, served: bool) {
        self.waiter_left(need, served);
    }
}

/// The owner of an `AcquireOwned`'s entry: the semaphore, kept alive.
pub(crate) struct SharedPermits(pub(crate) Rc<Semaphore>);

impl WaitListOwner for SharedPermits {
    type Data = usize;

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<usize>) -> R) -> R {
        f(&mut self.0.permits().waiters.borrow_mut())
    }

    fn left(&self, need: usize, served: bool) {
        self.0.permits().waiter_left(need, served);
    }
}

/// An acquire of `need` permits: taken at once if they are free and
/// nobody waits, else waiting in line. Dropped while it waits (or after
/// it was served), its entry leaves the line and gives back what it was
/// granted.
pub(crate) struct Acquiring<O: WaitListOwner<Data = usize>> {
    need: usize,
    entry: WaitEntry<O>,
}

impl<O: WaitListOwner<Data = usize>> Acquiring<O> {
    pub(crate) fn new(owner: O, need: usize) -> Acquiring<O> {
        Acquiring {
            need,
            entry: WaitEntry::new(owner),
        }
    }

    pub(crate) fn owner(&self) -> &O {
        self.entry.owner()
    }

    pub(crate) fn is_waiting(&self) -> bool {
        self.entry.is_queued()
    }

    /// `Ready(need)` once the permits are this acquire's.
    pub(crate) fn poll(&mut self, permits: &Permits, cx: &mut Context<'_>) -> Poll<usize> {
        if self.entry.is_queued() {
            return match self.entry.poll_served(cx.waker()) {
                Some(need) => Poll::Ready(need),
                None => Poll::Pending,
            };
        }
        if permits.try_take(self.need) {
            return Poll::Ready(self.need);
        }
        self.entry.wait(self.need, cx.waker());
        Poll::Pending
    }
}
