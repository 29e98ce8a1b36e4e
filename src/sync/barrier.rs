//! `Barrier` (≙ `asyncio.Barrier`).
//!
//! # Invariants
//!
//! The state machine is asyncio's, phase for phase:
//!
//! ```text
//!            last arrival (BarrierWait::poll)       count back to 0 (leave)
//!  Filling ----------------------------------> Draining ----------------> Filling
//!     |  reset() with count > 0 (also from Draining or Broken)             ^
//!     +------------------------------------> Resetting --------------------+
//!  any ---- abort() ----> Broken ---- reset() ----> Filling / Resetting
//! ```
//!
//! - `count` counts the tasks inside a round: arrived (`BarrierWait` took
//!   an index) and not yet left. A `BarrierWait` leaves exactly once: when
//!   it returns, or when it is dropped after arriving ([`BarrierWait::leave`]).
//! - Arrivals happen only in `Filling`; in `Draining` and `Resetting` new
//!   `wait`s queue until the last task of the round has left, so a round
//!   never mixes with the next.
//! - Every change of phase wakes every waiting future, which then looks at
//!   the phase (≙ asyncio's `Condition.notify_all` and `wait_for`); so a
//!   task released by a full round that runs only after a `reset` or
//!   `abort` sees that instead, as in asyncio.

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::util::wait_list::{WaitEntry, WaitList};
use crate::util::wake_batch::WakeBatch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Tasks arrive for the round.
    Filling,
    /// The round is full: its tasks are leaving with their results.
    Draining,
    /// `reset` during a round: its tasks leave with `BrokenBarrier`.
    Resetting,
    /// `abort`: every wait fails until `reset`.
    Broken,
}

/// Releases its waiters when `parties` tasks wait at once (≙
/// `asyncio.Barrier`), then starts over for the next round.
///
/// `wait` returns each task's arrival index in its round (`0` for the
/// first, `parties - 1` for the last, as asyncio's); the task whose
/// arrival fills the round is its leader ([`BarrierWaitResult::is_leader`]).
/// The tasks of a round all leave it before the next round fills: a
/// `wait` that comes while they leave waits for the next round.
/// [`abort`](Self::abort) breaks the barrier: every waiter, and every
/// later `wait`, gets [`BrokenBarrier`] until [`reset`](Self::reset).
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
///             uniloop::spawn(async move { barrier.wait().await.unwrap() })
///         })
///         .collect();
///     let mut indices = Vec::new();
///     for task in tasks {
///         let result = task.await.unwrap();
///         assert_eq!(result.is_leader(), result.index() == 2);
///         indices.push(result.index());
///     }
///     assert_eq!(indices, [0, 1, 2]);
/// });
/// ```
pub struct Barrier {
    parties: usize,
    phase: Cell<Phase>,
    /// Tasks arrived in the current round and not yet left.
    count: Cell<usize>,
    /// Every `BarrierWait` that waits: for the round to fill, or for the
    /// previous one to drain. All are woken at each change of phase.
    waiters: RefCell<WaitList<()>>,
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
            phase: Cell::new(Phase::Filling),
            count: Cell::new(0),
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

    /// Tasks waiting for the current round to fill (≙ `n_waiting`): 0
    /// while a full round drains or a reset is under way.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::sync::Barrier::new(2).n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        if self.phase.get() == Phase::Filling {
            self.count.get()
        } else {
            0
        }
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
        self.phase.get() == Phase::Broken
    }

    /// Wait until `parties` tasks wait; `Ok` with this task's arrival
    /// index, or `Err(BrokenBarrier)` if the barrier is or gets broken or
    /// reset first. A `wait` that starts while the previous round's tasks
    /// are still leaving waits for them, then joins the next round.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `wait` leaves the round (the count goes
    /// down), as a cancelled one does in asyncio, whether it had arrived
    /// or been released already; the round's other tasks keep their
    /// results.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let barrier = uniloop::sync::Barrier::new(1);
    ///     let result = barrier.wait().await.unwrap();
    ///     assert!(result.is_leader());
    ///     assert_eq!(result.index(), 0);
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            entry: WaitEntry::new(&self.waiters),
            index: None,
        }
    }

    /// Break the barrier: every waiter and every later `wait` gets
    /// `Err(BrokenBarrier)` until [`reset`](Self::reset) (≙
    /// `barrier.abort()`).
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
        self.enter(Phase::Broken);
    }

    /// Start afresh (≙ `barrier.reset()`): the tasks in the current round
    /// get `Err(BrokenBarrier)` as they leave it, and once they have all
    /// left, the barrier is whole and empty again. With no task in a
    /// round, that is at once.
    ///
    /// A reset while a full round drains breaks its tasks that have not
    /// run since they were released (as asyncio's does); the `wait`s
    /// queued for the next round are not affected.
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
        self.enter(if self.count.get() > 0 {
            Phase::Resetting
        } else {
            Phase::Filling
        });
    }

    /// Move to `phase` and wake every waiter to look at it.
    fn enter(&self, phase: Phase) {
        self.phase.set(phase);
        let mut wakers = WakeBatch::new();
        self.waiters
            .borrow_mut()
            .serve_front(usize::MAX, &mut wakers);
        wakers.wake();
    }

    /// A task left the round; the last one to leave a draining or
    /// resetting round opens the next.
    fn leave(&self) {
        let count = self.count.get() - 1;
        self.count.set(count);
        if count == 0 && matches!(self.phase.get(), Phase::Draining | Phase::Resetting) {
            self.enter(Phase::Filling);
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("phase", &self.phase.get())
            .field("count", &self.count.get())
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
    /// Its node in the wait list while it waits.
    entry: WaitEntry<&'a RefCell<WaitList<()>>>,
    /// Its arrival index, from its arrival until it leaves.
    index: Option<usize>,
}

impl BarrierWait<'_> {
    /// Wait (again) for a change of phase.
    fn keep_waiting(&mut self, cx: &Context<'_>) -> Poll<Result<BarrierWaitResult, BrokenBarrier>> {
        self.entry.keep_waiting(cx.waker());
        Poll::Pending
    }

    /// Leave the round with `outcome`.
    fn leave(
        &mut self,
        outcome: Result<(), BrokenBarrier>,
    ) -> Result<BarrierWaitResult, BrokenBarrier> {
        self.entry.leave();
        let index = self
            .index
            .take()
            .expect("left a round it had not arrived in");
        self.barrier.leave();
        outcome.map(|()| BarrierWaitResult {
            index,
            leader: index + 1 == self.barrier.parties,
        })
    }
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BrokenBarrier>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let barrier = this.barrier;
        let phase = barrier.phase.get();
        if this.index.is_some() {
            // Arrived: wait for the round to fill, then leave it.
            return match phase {
                Phase::Filling => this.keep_waiting(cx),
                Phase::Draining => Poll::Ready(this.leave(Ok(()))),
                Phase::Resetting | Phase::Broken => Poll::Ready(this.leave(Err(BrokenBarrier(())))),
            };
        }
        match phase {
            Phase::Broken => {
                this.entry.leave();
                Poll::Ready(Err(BrokenBarrier(())))
            }
            // The previous round is still leaving.
            Phase::Draining | Phase::Resetting => this.keep_waiting(cx),
            Phase::Filling => {
                let index = barrier.count.get();
                barrier.count.set(index + 1);
                this.index = Some(index);
                if index + 1 < barrier.parties {
                    return this.keep_waiting(cx);
                }
                // The round is full: release it, and be the first out.
                barrier.enter(Phase::Draining);
                Poll::Ready(this.leave(Ok(())))
            }
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        self.entry.leave();
        if self.index.take().is_some() {
            self.barrier.leave();
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("waiting", &self.entry.is_queued())
            .field("index", &self.index)
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
    index: usize,
    leader: bool,
}

impl BarrierWaitResult {
    /// This task's arrival index in its round, from `0` to `parties - 1`
    /// (≙ the value asyncio's `Barrier.wait()` returns).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     assert_eq!(uniloop::sync::Barrier::new(1).wait().await.unwrap().index(), 0);
    /// });
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether this task's arrival filled the round (one per round: the
    /// one with index `parties - 1`).
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
