//! A result that another thread fills in once: the meeting point of a
//! blocking job (or a task started through a `Handle`) and whoever waits for
//! it, by `.await` on a loop or by blocking a thread.
//!
//! # Invariants
//!
//! - The state only moves forward: `Waiting` → `Ready` → `Taken`. `fill`
//!   works only on `Waiting`, so a value is delivered at most once, and a
//!   [`Filler`] dropped without filling fills in its fallback instead, so
//!   every waiter gets an answer.
//! - The waker and the condition variable are both signalled after `fill`
//!   has released the lock, so a waiter never wakes only to block on it.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

enum State<V> {
    Waiting,
    Ready(V),
    Taken,
}

struct Inner<V> {
    state: State<V>,
    /// The waker of the task awaiting the value.
    waker: Option<Waker>,
    /// Set by `request_cancel`; read by the producing side.
    cancel_requested: bool,
    /// The producing side's waker, woken by `request_cancel`.
    producer: Option<Waker>,
}

/// The shared slot.
pub(crate) struct Slot<V> {
    inner: Mutex<Inner<V>>,
    filled: Condvar,
}

/// The producing side. Dropping it unfilled fills in `fallback(cancel
/// requested?)`.
pub(crate) struct Filler<V> {
    slot: Arc<Slot<V>>,
    fallback: fn(bool) -> V,
    filled: bool,
}

impl<V> Slot<V> {
    /// A slot and its filler.
    pub(crate) fn new(fallback: fn(bool) -> V) -> (Arc<Slot<V>>, Filler<V>) {
        let slot = Arc::new(Slot {
            inner: Mutex::new(Inner {
                state: State::Waiting,
                waker: None,
                cancel_requested: false,
                producer: None,
            }),
            filled: Condvar::new(),
        });
        let filler = Filler {
            slot: slot.clone(),
            fallback,
            filled: false,
        };
        (slot, filler)
    }

    fn lock(&self) -> MutexGuard<'_, Inner<V>> {
        // No user code runs under this lock: a poison cannot mean a broken
        // state, so recover.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value, once filled; otherwise remember `cx`'s waker.
    ///
    /// # Panics
    ///
    /// If the value was taken already: `what` polled after completion.
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>, what: &str) -> Poll<V> {
        let mut inner = self.lock();
        match &inner.state {
            State::Waiting => {
                match &mut inner.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    slot => *slot = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            State::Ready(_) => Poll::Ready(take(&mut inner.state)),
            State::Taken => {
                drop(inner);
                panic!("{what} polled after it returned its result")
            }
        }
    }

    /// Block this thread until the value is there, up to `deadline`.
    /// `None` if the deadline passed first.
    ///
    /// # Panics
    ///
    /// If the value was taken already.
    pub(crate) fn wait_until(&self, deadline: Option<Instant>, what: &str) -> Option<V> {
        let mut inner = self.lock();
        loop {
            match &inner.state {
                State::Ready(_) => return Some(take(&mut inner.state)),
                State::Taken => {
                    drop(inner);
                    panic!("{what} called after the result was taken")
                }
                State::Waiting => {}
            }
            inner = match deadline {
                None => self
                    .filled
                    .wait(inner)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left == Duration::ZERO {
                        return None;
                    }
                    self.filled
                        .wait_timeout(inner, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Whether the value was filled in (taken or not).
    pub(crate) fn is_filled(&self) -> bool {
        !matches!(self.lock().state, State::Waiting)
    }

    /// Ask the producer to stop, and wake it if it registered a waker.
    pub(crate) fn request_cancel(&self) {
        let producer = {
            let mut inner = self.lock();
            inner.cancel_requested = true;
            inner.producer.take()
        };
        if let Some(waker) = producer {
            waker.wake();
        }
    }
}

/// Move the value out, leaving `Taken`.
fn take<V>(state: &mut State<V>) -> V {
    match std::mem::replace(state, State::Taken) {
        State::Ready(value) => value,
        _ => unreachable!("take() is only called on a Ready state"),
    }
}

impl<V> Filler<V> {
    /// Deliver `value` and wake the waiters.
    pub(crate) fn fill(mut self, value: V) {
        self.filled = true;
        self.slot.fill(value);
    }

    /// Whether the waiting side asked for cancellation; otherwise remember
    /// `waker` to be woken when it does.
    pub(crate) fn cancel_requested(&self, waker: &Waker) -> bool {
        let mut inner = self.slot.lock();
        if !inner.cancel_requested {
            match &mut inner.producer {
                Some(w) if w.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
        }
        inner.cancel_requested
    }

    /// Whether the waiting side asked for cancellation.
    pub(crate) fn is_cancel_requested(&self) -> bool {
        self.slot.lock().cancel_requested
    }
}

impl<V> Slot<V> {
    fn fill(&self, value: V) {
        let waker = {
            let mut inner = self.lock();
            if !matches!(inner.state, State::Waiting) {
                return;
            }
            inner.state = State::Ready(value);
            inner.producer = None;
            inner.waker.take()
        };
        self.filled.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<V> Drop for Filler<V> {
    fn drop(&mut self) {
        if !self.filled {
            let cancelled = self.is_cancel_requested();
            self.slot.fill((self.fallback)(cancelled));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use std::thread;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn fallback(cancelled: bool) -> &'static str {
        if cancelled {
            "cancelled"
        } else {
            "dropped"
        }
    }

    #[test]
    fn fill_wakes_the_awaiting_task_once() {
        let (slot, filler) = Slot::new(fallback);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(slot.poll_take(&mut cx, "test").is_pending());
        assert!(slot.poll_take(&mut cx, "test").is_pending());
        filler.fill("value");
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(slot.poll_take(&mut cx, "test"), Poll::Ready("value"));
        assert!(slot.is_filled());
    }

    #[test]
    fn a_dropped_filler_fills_its_fallback() {
        let (slot, filler) = Slot::new(fallback);
        drop(filler);
        assert_eq!(slot.wait_until(None, "test"), Some("dropped"));
        let (slot, filler) = Slot::new(fallback);
        slot.request_cancel();
        drop(filler);
        assert_eq!(slot.wait_until(None, "test"), Some("cancelled"));
    }

    #[test]
    fn wait_blocks_until_another_thread_fills() {
        let (slot, filler) = Slot::new(fallback);
        let (go, ready) = std::sync::mpsc::channel();
        let producer = thread::spawn(move || {
            ready.recv().unwrap();
            filler.fill("late");
        });
        let past = Instant::now();
        assert_eq!(slot.wait_until(Some(past), "test"), None);
        go.send(()).unwrap();
        assert_eq!(slot.wait_until(None, "test"), Some("late"));
        producer.join().unwrap();
    }

    #[test]
    fn cancel_wakes_the_producer() {
        let (slot, filler) = Slot::new(fallback);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        assert!(!filler.cancel_requested(&waker));
        slot.request_cancel();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(filler.cancel_requested(&waker));
    }

    #[test]
    #[should_panic(expected = "polled after it returned its result")]
    fn polling_after_the_take_panics() {
        let (slot, filler) = Slot::new(fallback);
        filler.fill("once");
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert_eq!(slot.poll_take(&mut cx, "test"), Poll::Ready("once"));
        let _ = slot.poll_take(&mut cx, "test");
    }
}
