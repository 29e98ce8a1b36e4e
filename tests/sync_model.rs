//! A model test of `Semaphore`: random acquire / poll / cancel / release /
//! forget / add / try sequences against a counter and a FIFO queue of
//! requests. Permits are conserved, requests are granted in FIFO order
//! (no barging), and a cancelled request gives back what it was granted.

mod cases;

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use uniloop::sync::{Acquire, Semaphore, SemaphorePermit};

#[derive(Clone, Debug)]
enum Op {
    /// Start `acquire_many(n)` and poll it once.
    Acquire(usize),
    /// Poll the pending request at this index again.
    Poll(usize),
    /// Drop the pending request at this index.
    Cancel(usize),
    /// Drop the held permit at this index.
    Release(usize),
    /// Forget the held permit at this index.
    Forget(usize),
    /// `add_permits(n)`.
    Add(usize),
    /// `try_acquire_many(n)`.
    Try(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..4usize).prop_map(Op::Acquire),
        3 => any::<usize>().prop_map(Op::Poll),
        2 => any::<usize>().prop_map(Op::Cancel),
        3 => any::<usize>().prop_map(Op::Release),
        1 => any::<usize>().prop_map(Op::Forget),
        2 => (0..3usize).prop_map(Op::Add),
        2 => (0..3usize).prop_map(Op::Try),
    ]
}

/// The semaphore as a counter and a FIFO queue of `(id, n)` requests;
/// `granted` holds requests served but not yet polled.
#[derive(Default)]
struct Model {
    available: usize,
    queue: VecDeque<(usize, usize)>,
    granted: HashSet<usize>,
}

impl Model {
    fn acquire(&mut self, id: usize, n: usize) -> bool {
        if self.queue.is_empty() && self.available >= n {
            self.available -= n;
            true
        } else {
            self.queue.push_back((id, n));
            false
        }
    }

    fn try_acquire(&mut self, n: usize) -> bool {
        let ok = self.queue.is_empty() && self.available >= n;
        if ok {
            self.available -= n;
        }
        ok
    }

    fn release(&mut self, n: usize) {
        self.available += n;
        self.serve();
    }

    fn serve(&mut self) {
        while let Some(&(id, n)) = self.queue.front() {
            if n > self.available {
                break;
            }
            self.available -= n;
            self.queue.pop_front();
            self.granted.insert(id);
        }
    }

    fn cancel(&mut self, id: usize, n: usize) {
        if self.granted.remove(&id) {
            self.release(n);
        } else {
            self.queue.retain(|&(queued, _)| queued != id);
            self.serve();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(512)))]

    #[test]
    fn semaphore_matches_a_counter_and_a_fifo_queue(
        initial in 0..4usize,
        ops in prop::collection::vec(op(), 1..80),
    ) {
        let semaphore = Semaphore::new(initial);
        let mut model = Model { available: initial, ..Model::default() };
        let mut pending: Vec<(usize, usize, Pin<Box<Acquire<'_>>>)> = Vec::new();
        let mut held: Vec<SemaphorePermit<'_>> = Vec::new();
        let mut total = initial;
        for (id, op) in ops.into_iter().enumerate() {
            match op {
                Op::Acquire(n) => {
                    let mut future = Box::pin(semaphore.acquire_many(n));
                    let mut cx = Context::from_waker(Waker::noop());
                    match future.as_mut().poll(&mut cx) {
                        Poll::Ready(permit) => {
                            prop_assert!(model.acquire(id, n), "acquire_many({}) should wait", n);
                            held.push(permit);
                        }
                        Poll::Pending => {
                            prop_assert!(!model.acquire(id, n), "acquire_many({}) should not wait", n);
                            pending.push((id, n, future));
                        }
                    }
                }
                Op::Poll(i) if !pending.is_empty() => {
                    let i = i % pending.len();
                    let (id, n, future) = &mut pending[i];
                    let mut cx = Context::from_waker(Waker::noop());
                    match future.as_mut().poll(&mut cx) {
                        Poll::Ready(permit) => {
                            prop_assert!(model.granted.remove(id), "request {} granted out of turn", id);
                            prop_assert_eq!(permit.num_permits(), *n);
                            held.push(permit);
                            drop(pending.remove(i));
                        }
                        Poll::Pending => prop_assert!(!model.granted.contains(id)),
                    }
                }
                Op::Cancel(i) if !pending.is_empty() => {
                    let (id, n, future) = pending.remove(i % pending.len());
                    drop(future);
                    model.cancel(id, n);
                }
                Op::Release(i) if !held.is_empty() => {
                    let permit = held.remove(i % held.len());
                    let n = permit.num_permits();
                    drop(permit);
                    model.release(n);
                }
                Op::Forget(i) if !held.is_empty() => {
                    let permit = held.remove(i % held.len());
                    total -= permit.num_permits();
                    permit.forget();
                }
                Op::Add(n) => {
                    semaphore.add_permits(n);
                    total += n;
                    model.release(n);
                }
                Op::Try(n) => {
                    let permit = semaphore.try_acquire_many(n);
                    prop_assert_eq!(permit.is_some(), model.try_acquire(n));
                    held.extend(permit);
                }
                Op::Poll(_) | Op::Cancel(_) | Op::Release(_) | Op::Forget(_) => {}
            }
            prop_assert_eq!(semaphore.available_permits(), model.available);
            // Conservation: free + held + granted-not-yet-polled = total.
            let held_permits: usize = held.iter().map(SemaphorePermit::num_permits).sum();
            let granted: usize = pending
                .iter()
                .filter(|(id, ..)| model.granted.contains(id))
                .map(|(_, n, _)| n)
                .sum();
            prop_assert_eq!(model.available + held_permits + granted, total);
        }
        // Dropping every request and permit gives every permit back.
        pending.clear();
        held.clear();
        prop_assert_eq!(semaphore.available_permits(), total);
    }
}
