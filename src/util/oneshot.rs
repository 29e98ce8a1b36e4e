//! `OneShot`: a result that another thread fills in once: the meeting
//! point of a blocking job (or a task started through a `Handle`) and
//! whoever waits for it, by `.await` on a loop or by blocking a thread.
//!
//! # Invariants
//!
//! - The state only moves forward: `Waiting` → `Ready` → `Taken`. `fill`
//!   works only on `Waiting`, so a value is delivered at most once, and a
//!   [`Filler`] dropped without filling fills in its fallback instead, so
//!   every waiter gets an answer.
//! - The waker and the condition variable are both signalled after `fill`
//!   has released the lock, so a waiter never wakes only to block on it.
//!   The condition variable only if a thread is blocked on it: `blocked`
//!   is counted under the lock, so a thread either is counted before
//!   `fill` looks, or finds the value there and does not block.

use std::sync::{Arc, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::sync::{lock, wait_until, AtomicBool, Condvar, Mutex, MutexGuard, Ordering};

enum State<V> {
    Waiting,
    Ready(V),
    Taken,
}

struct Inner<V> {
    state: State<V>,
    /// The waker of the task awaiting the value.
    waker: Option<Waker>,
    /// The producing side's waker, woken by `request_cancel`.
    producer: Option<Waker>,
    /// Threads blocked in `wait_until`: `fill` signals the condition
    /// variable only if there are any (a signal is a system call even when
    /// nobody waits).
    blocked: usize,
}

/// The shared one-shot.
pub(crate) struct OneShot<V> {
    inner: Mutex<Inner<V>>,
    filled: Condvar,
    /// Set by `request_cancel`, read by the producing side: an atomic, so
    /// that a producer that finishes at its first poll never takes the
    /// lock to ask.
    cancel_requested: AtomicBool,
}

/// What holds a one-shot: the one-shot itself, or a larger allocation
/// with it inside (`Handle::spawn` keeps it and the closure in one).
pub(crate) trait HasOneShot<V>: Send + Sync {
    fn one_shot(&self) -> &OneShot<V>;
}

impl<V: Send> HasOneShot<V> for OneShot<V> {
    fn one_shot(&self) -> &OneShot<V> {
        self
    }
}

/// The producing side. Dropping it unfilled fills in `fallback(cancel
/// requested?)`.
pub(crate) struct Filler<V> {
    owner: Arc<dyn HasOneShot<V>>,
    fallback: fn(bool) -> V,
    filled: bool,
}

impl<V: Send + 'static> OneShot<V> {
    /// A one-shot and its filler.
    pub(crate) fn new(fallback: fn(bool) -> V) -> (Arc<OneShot<V>>, Filler<V>) {
        let one_shot = Arc::new(OneShot::empty());
        let filler = Filler::new(one_shot.clone(), fallback);
        (one_shot, filler)
    }
}

impl<V> OneShot<V> {
    /// A one-shot with no value yet, to be held by a [`HasOneShot`].
    pub(crate) fn empty() -> OneShot<V> {
        OneShot {
            inner: Mutex::new(Inner {
                state: State::Waiting,
                waker: None,
                producer: None,
                blocked: 0,
            }),
            filled: Condvar::new(),
            cancel_requested: AtomicBool::new(false),
        }
    }

    /// The value, if it was filled in and never taken (for the owner's
    /// destructor).
    pub(crate) fn unretrieved(&mut self) -> Option<&mut V> {
        let inner = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        match &mut inner.state {
            State::Ready(value) => Some(value),
            _ => None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<V>> {
        // No user code runs under this lock (see `sync::lock`).
        lock(&self.inner)
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
            inner.blocked += 1;
            let woken = wait_until(&self.filled, inner, deadline);
            let timed_out = woken.is_err();
            inner = woken.unwrap_or_else(|inner| inner);
            inner.blocked -= 1;
            if timed_out {
                return None;
            }
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
            self.cancel_requested.store(true, Ordering::Release);
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
    /// The filler of `owner`'s one-shot.
    pub(crate) fn new(owner: Arc<dyn HasOneShot<V>>, fallback: fn(bool) -> V) -> Filler<V> {
        Filler {
            owner,
            fallback,
            filled: false,
        }
    }

    /// Deliver `value` and wake the waiters.
    pub(crate) fn fill(mut self, value: V) {
        self.filled = true;
        self.owner.one_shot().fill(value);
    }

    /// Remember `waker`, to be woken when the waiting side asks for
    /// cancellation. Returns whether it asked already (then the waker is
    /// not kept). Set under the lock that `request_cancel` takes the waker
    /// under, so a request is either seen here or wakes `waker`.
    pub(crate) fn wake_on_cancel(&self, waker: &Waker) -> bool {
        let mut inner = self.owner.one_shot().lock();
        if self.is_cancel_requested() {
            return true;
        }
        match &mut inner.producer {
            Some(w) if w.will_wake(waker) => {}
            slot => *slot = Some(waker.clone()),
        }
        false
    }

    /// Whether the waiting side asked for cancellation.
    pub(crate) fn is_cancel_requested(&self) -> bool {
        self.owner.one_shot().is_cancel_requested()
    }
}

impl<V> OneShot<V> {
    /// Whether the waiting side asked for cancellation.
    pub(crate) fn is_cancel_requested(&self) -> bool {
        self.cancel_requested.load(Ordering::Acquire)
    }

    /// Deliver `value` and wake the waiters, unless a value was delivered
    /// already (then `value` is dropped). Producers go through a
    /// [`Filler`], which guarantees an answer; this is for a holder that
    /// answers for a producer that never started.
    pub(crate) fn fill(&self, value: V) {
        let (waker, blocked) = {
            let mut inner = self.lock();
            if !matches!(inner.state, State::Waiting) {
                return;
            }
            inner.state = State::Ready(value);
            inner.producer = None;
            (inner.waker.take(), inner.blocked > 0)
        };
        // A thread that starts waiting after the lock was released sees
        // `Ready` and does not block.
        if blocked {
            self.filled.notify_all();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<V> Drop for Filler<V> {
    fn drop(&mut self) {
        if !self.filled {
            let cancelled = self.is_cancel_requested();
            self.owner.one_shot().fill((self.fallback)(cancelled));
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
        let (one_shot, filler) = OneShot::new(fallback);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(one_shot.poll_take(&mut cx, "test").is_pending());
        assert!(one_shot.poll_take(&mut cx, "test").is_pending());
        filler.fill("value");
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(one_shot.poll_take(&mut cx, "test"), Poll::Ready("value"));
        assert!(one_shot.is_filled());
    }

    #[test]
    fn a_dropped_filler_fills_its_fallback() {
        let (one_shot, filler) = OneShot::new(fallback);
        drop(filler);
        assert_eq!(one_shot.wait_until(None, "test"), Some("dropped"));
        let (one_shot, filler) = OneShot::new(fallback);
        one_shot.request_cancel();
        drop(filler);
        assert_eq!(one_shot.wait_until(None, "test"), Some("cancelled"));
    }

    #[test]
    fn wait_blocks_until_another_thread_fills() {
        let (one_shot, filler) = OneShot::new(fallback);
        let (go, ready) = std::sync::mpsc::channel();
        let producer = thread::spawn(move || {
            ready.recv().unwrap();
            filler.fill("late");
        });
        let past = Instant::now();
        assert_eq!(one_shot.wait_until(Some(past), "test"), None);
        go.send(()).unwrap();
        assert_eq!(one_shot.wait_until(None, "test"), Some("late"));
        producer.join().unwrap();
    }

    #[test]
    fn cancel_wakes_the_producer() {
        let (one_shot, filler) = OneShot::new(fallback);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        assert!(!filler.wake_on_cancel(&waker));
        one_shot.request_cancel();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(filler.is_cancel_requested());
        assert!(filler.wake_on_cancel(&waker));
    }

    #[test]
    #[should_panic(expected = "polled after it returned its result")]
    fn polling_after_the_take_panics() {
        let (one_shot, filler) = OneShot::new(fallback);
        filler.fill("once");
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert_eq!(one_shot.poll_take(&mut cx, "test"), Poll::Ready("once"));
        let _ = one_shot.poll_take(&mut cx, "test");
    }
}
