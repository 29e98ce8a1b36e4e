//! `Join`: n futures polled side by side, each only when it was woken;
//! the engine under `gather_all`, `race`, `as_completed` and `wait`.
//!
//! # Invariants
//!
//! - The futures live in a boxed slice that is never resized or moved
//!   out of while any of them is pending; a future is dropped in place
//!   (its slot overwritten) when it completes or the join is cleared. So
//!   a future never moves once polled, which is what `Pin` asks, and
//!   `Join` itself can be `Unpin`.
//! - [`Join::poll_next`] takes the woken set at most once per call, so a
//!   child that wakes itself on every poll (a `yield_now` loop) is polled
//!   at most once per call and cannot keep the parent's poll spinning.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ready::ReadySet;

pub(crate) enum Slot<F: Future> {
    Pending(F),
    Done(F::Output),
    Taken,
}

pub(crate) struct Join<F: Future> {
    slots: Box<[Slot<F>]>,
    ready: ReadySet,
    /// Children still pending.
    remaining: usize,
    /// The woken children being polled, and how far through them.
    batch: Vec<usize>,
    next: usize,
}

impl<F: Future> Unpin for Join<F> {}

impl<F: Future> Join<F> {
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Join<F> {
        let slots: Box<[Slot<F>]> = futures.into_iter().map(Slot::Pending).collect();
        Join {
            ready: ReadySet::new(slots.len()),
            remaining: slots.len(),
            slots,
            batch: Vec::new(),
            next: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Children not complete yet.
    pub(crate) fn remaining(&self) -> usize {
        self.remaining
    }

    /// Poll the woken children until one completes: `Ready(Some(index))`
    /// with its output stored (see [`take`](Self::take)); `Ready(None)`
    /// once every child has completed; `Pending` when none of the woken
    /// ones completed (a child's wake-up then wakes `cx`).
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        let mut took = false;
        loop {
            while let Some(&index) = self.batch.get(self.next) {
                self.next += 1;
                let waker = self.ready.prepare(index);
                let Slot::Pending(future) = &mut self.slots[index] else {
                    continue;
                };
                // SAFETY: the future stays in its slot of the boxed slice
                // until it is dropped in place (see the module invariants).
                let future = unsafe { Pin::new_unchecked(future) };
                if let Poll::Ready(output) = future.poll(&mut Context::from_waker(waker)) {
                    self.slots[index] = Slot::Done(output);
                    self.remaining -= 1;
                    return Poll::Ready(Some(index));
                }
            }
            if self.remaining == 0 {
                return Poll::Ready(None);
            }
            if took {
                return Poll::Pending;
            }
            self.batch.clear();
            self.next = 0;
            self.ready.take(cx.waker(), &mut self.batch);
            took = true;
        }
    }

    /// The output of the completed child at `index`.
    ///
    /// # Panics
    ///
    /// If it has not completed or its output was taken.
    pub(crate) fn take(&mut self, index: usize) -> F::Output {
        // Checked first: replacing a `Pending` slot would move its pinned
        // future.
        assert!(
            matches!(self.slots[index], Slot::Done(_)),
            "uniloop: a gathered future's output was taken before it was ready or twice \
             (polled after it returned?)"
        );
        match std::mem::replace(&mut self.slots[index], Slot::Taken) {
            Slot::Done(output) => output,
            _ => unreachable!(),
        }
    }

    /// Every output, in input order, once all are complete.
    pub(crate) fn take_all(&mut self) -> Vec<F::Output> {
        (0..self.slots.len()).map(|i| self.take(i)).collect()
    }

    /// Drop every future still pending, and every output not taken.
    pub(crate) fn clear(&mut self) {
        self.slots = Box::new([]);
        self.remaining = 0;
        self.batch.clear();
    }

    /// The futures still pending, in input order, and the outputs not taken
    /// (dropped).
    pub(crate) fn into_pending(self) -> Vec<F>
    where
        F: Unpin,
    {
        self.slots
            .into_vec()
            .into_iter()
            .filter_map(|slot| match slot {
                // Moving it out is fine: `F: Unpin`.
                Slot::Pending(future) => Some(future),
                _ => None,
            })
            .collect()
    }
}

impl<F, T, E> Join<F>
where
    F: Future<Output = Result<T, E>>,
{
    /// Take the output of the completed child at `index` if it is an
    /// `Err`; an `Ok` stays in place.
    pub(crate) fn take_if_err(&mut self, index: usize) -> Result<(), E> {
        if !matches!(self.slots[index], Slot::Done(Err(_))) {
            return Ok(());
        }
        match self.take(index) {
            Err(err) => Err(err),
            Ok(_) => unreachable!(),
        }
    }
}

impl<F: Future> std::fmt::Debug for Join<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Join")
            .field("len", &self.slots.len())
            .field("remaining", &self.remaining)
            .finish()
    }
}
