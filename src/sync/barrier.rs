//! `Barrier` (≙ `asyncio.Barrier`).

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::waiters::{Key, WaitList, Wakers};

/// Releases its waiters when `parties` tasks wait at once (≙
/// `asyncio.Barrier`), then starts over for the next round.
///
/// The task whose arrival trips the barrier is the round's leader
/// ([`BarrierWaitResult::is_leader`]). [`abort`](Self::abort) breaks the
/// barrier: every waiter, and every later `wait`, gets [`BrokenBarrier`]
/// until [`reset`](Self::reset). A waiter that is dropped leaves the
/// round, so the count stays right.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// uniloop::run(async {
///     let barrier = Rc::new(uniloop::sync::Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             uniloop::spawn(async move { barrier.wait().await.unwrap().is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for task in tasks {
///         leaders += task.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1);
/// });
/// ```
pub struct Barrier {
    parties: usize,
    broken: Cell<bool>,
    /// Each waiter's node holds what it is released with.
    waiters: RefCell<WaitList<Result<(), BrokenBarrier>>>,
}

impl Barrier {
    /// A barrier for `parties` tasks.
    ///
    /// # Panics
    ///
    /// If `parties` is 0: "uniloop::sync::Barrier::new(): parties must be
    /// at least 1" (as asyncio's `ValueError`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::sync::Barrier::new(2).parties(), 2);
    /// ```
    #[track_caller]
    pub fn new(parties: usize) -> Barrier {
        assert!(
            parties > 0,
            "uniloop::sync::Barrier::new(): parties must be at least 1"
        );
        Barrier {
            parties,
            broken: Cell::new(false),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// The number of tasks each round needs.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::sync::Barrier::new(5).parties(), 5);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Tasks waiting in the current round.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::sync::Barrier::new(2).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.waiters.borrow().len()
    }

    /// Whether it is broken (by [`abort`](Self::abort)).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = uniloop::sync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// Wait until `parties` tasks wait; `Err(BrokenBarrier)` if the
    /// barrier is or gets broken or reset meanwhile.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `wait` leaves the round (the count goes
    /// down), as in asyncio.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let barrier = uniloop::sync::Barrier::new(1);
    ///     assert!(barrier.wait().await.unwrap().is_leader());
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            key: None,
        }
    }

    /// Break the barrier: every waiter and every later `wait` gets
    /// `Err(BrokenBarrier)` until [`reset`](Self::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let barrier = uniloop::sync::Barrier::new(2);
    ///     barrier.abort();
    ///     assert!(barrier.wait().await.is_err());
    /// });
    /// ```
    pub fn abort(&self) {
        self.broken.set(true);
        self.release(Err(BrokenBarrier(())));
    }

    /// Start afresh: the tasks waiting now get `Err(BrokenBarrier)`, and
    /// the barrier is whole and empty again.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let barrier = uniloop::sync::Barrier::new(1);
    ///     barrier.abort();
    ///     barrier.reset();
    ///     assert!(barrier.wait().await.is_ok());
    /// });
    /// ```
    pub fn reset(&self) {
        self.release(Err(BrokenBarrier(())));
        self.broken.set(false);
    }

    /// Release every waiter of the round with `outcome`.
    fn release(&self, outcome: Result<(), BrokenBarrier>) {
        let mut wakers = Wakers::new();
        {
            let mut waiters = self.waiters.borrow_mut();
            while let Some(key) = waiters.front() {
                *waiters.data_mut(key) = outcome;
                wakers.push(waiters.serve(key));
            }
        }
        wakers.wake();
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("waiting", &self.n_waiting())
            .field("broken", &self.broken.get())
            .finish()
    }
}

/// The future of [`Barrier::wait`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let barrier = uniloop::sync::Barrier::new(1);
///     let wait: uniloop::sync::BarrierWait<'_> = barrier.wait();
///     assert!(wait.await.is_ok());
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    key: Option<Key>,
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrier>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let barrier = this.barrier;
        let Some(key) = this.key else {
            if barrier.broken.get() {
                return Poll::Ready(Err(BrokenBarrier(())));
            }
            if barrier.n_waiting() + 1 == barrier.parties {
                barrier.release(Ok(()));
                return Poll::Ready(Ok(BarrierWaitResult { leader: true }));
            }
            let key = barrier.waiters.borrow_mut().push(Ok(()), cx.waker());
            this.key = Some(key);
            return Poll::Pending;
        };
        match WaitList::poll_served(barrier.waiters.borrow_mut(), key, cx.waker()) {
            Some(outcome) => {
                this.key = None;
                Poll::Ready(outcome.map(|()| BarrierWaitResult { leader: false }))
            }
            None => Poll::Pending,
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let _ = self.barrier.waiters.borrow_mut().remove(key);
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// What [`Barrier::wait`] gives a task released by a full round.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let result = uniloop::sync::Barrier::new(1).wait().await.unwrap();
///     assert!(result.is_leader());
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// Whether this task tripped the barrier (one per round).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     assert!(uniloop::sync::Barrier::new(1).wait().await.unwrap().is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// The barrier was aborted or reset while this task waited, or is broken
/// (≙ `asyncio.BrokenBarrierError`).
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let barrier = uniloop::sync::Barrier::new(2);
///     barrier.abort();
///     let err = barrier.wait().await.unwrap_err();
///     assert_eq!(err.to_string(), "the barrier is broken");
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokenBarrier(());

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken")
    }
}

impl Error for BrokenBarrier {}
