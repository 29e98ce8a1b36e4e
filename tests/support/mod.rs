//! Helpers shared by the integration tests: an event log, drop and poll
//! counters, a poll-one-step helper, a thread-safe signal and a panic
//! catcher.
//!
//! Not every test file uses every helper.
#![allow(dead_code)]

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// An ordered log of events, shared by cloning (`Rc<RefCell<Vec<String>>>`).
#[derive(Clone, Default, Debug)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn new() -> Log {
        Log::default()
    }

    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    /// The events so far, leaving them in the log.
    pub fn snapshot(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// The events so far, emptying the log.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }
}

/// Counts how many of its [`DropToken`]s were dropped.
#[derive(Clone, Default, Debug)]
pub struct DropCounter(Rc<Cell<usize>>);

impl DropCounter {
    pub fn new() -> DropCounter {
        DropCounter::default()
    }

    /// A token that bumps this counter when dropped.
    pub fn token(&self) -> DropToken {
        DropToken {
            counter: self.0.clone(),
            log: None,
        }
    }

    /// A token that bumps this counter and pushes `event` to `log` when
    /// dropped.
    pub fn logged_token(&self, log: &Log, event: impl Into<String>) -> DropToken {
        DropToken {
            counter: self.0.clone(),
            log: Some((log.clone(), event.into())),
        }
    }

    pub fn count(&self) -> usize {
        self.0.get()
    }
}

/// Move one into a future to observe when (and how often) it is dropped.
#[derive(Debug)]
pub struct DropToken {
    counter: Rc<Cell<usize>>,
    log: Option<(Log, String)>,
}

impl Drop for DropToken {
    fn drop(&mut self) {
        self.counter.set(self.counter.get() + 1);
        if let Some((log, event)) = self.log.take() {
            log.push(event);
        }
    }
}

/// Shared count of the polls of a [`PollCounter`].
#[derive(Clone, Default, Debug)]
pub struct Polls(Rc<Cell<usize>>);

impl Polls {
    pub fn get(&self) -> usize {
        self.0.get()
    }
}

/// A future wrapper that counts how many times it is polled.
pub struct PollCounter<F> {
    inner: Pin<Box<F>>,
    polls: Polls,
}

/// Wrap `future` to count its polls; the [`Polls`] reads the count.
pub fn poll_counter<F: Future>(future: F) -> (PollCounter<F>, Polls) {
    let polls = Polls::default();
    let counter = PollCounter {
        inner: Box::pin(future),
        polls: polls.clone(),
    };
    (counter, polls)
}

impl<F: Future> Future for PollCounter<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.polls.0.set(self.polls.0.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

/// A future that polls `inner` exactly once, with the caller's context, and
/// returns what that poll returned.
pub struct PollOnce<'a, F> {
    inner: &'a mut F,
}

/// Poll `future` one step: `poll_once(&mut fut).await` is `Poll<F::Output>`.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> PollOnce<'_, F> {
    PollOnce { inner: future }
}

impl<F: Future + Unpin> Future for PollOnce<'_, F> {
    type Output = Poll<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Pin::new(&mut *self.inner).poll(cx))
    }
}

/// A future that stores the waker of whoever polls it and never completes.
pub fn store_waker(slot: &WakerSlot) -> StoreWaker {
    StoreWaker { slot: slot.clone() }
}

/// See [`store_waker`].
pub struct StoreWaker {
    slot: WakerSlot,
}

impl Future for StoreWaker {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.slot.set(cx.waker().clone());
        Poll::Pending
    }
}

/// A place to keep a waker, usable from any thread.
#[derive(Clone, Default, Debug)]
pub struct WakerSlot(Arc<Mutex<Option<Waker>>>);

impl WakerSlot {
    pub fn new() -> WakerSlot {
        WakerSlot::default()
    }

    pub fn set(&self, waker: Waker) {
        *self.0.lock().unwrap() = Some(waker);
    }

    /// The stored waker (a clone), if any.
    pub fn get(&self) -> Option<Waker> {
        self.0.lock().unwrap().clone()
    }

    pub fn is_set(&self) -> bool {
        self.0.lock().unwrap().is_some()
    }

    /// Wake the stored waker (keeping it); panics if none was stored.
    pub fn wake(&self) {
        self.get().expect("no waker was stored").wake();
    }
}

/// A one-shot, thread-safe signal: [`Signal::wait`] is pending until
/// [`Signal::fire`] is called (from any thread), and tolerates spurious polls.
#[derive(Clone, Default, Debug)]
pub struct Signal(Arc<Mutex<SignalState>>);

#[derive(Default, Debug)]
pub struct SignalState {
    fired: bool,
    waker: Option<Waker>,
}

impl Signal {
    pub fn new() -> Signal {
        Signal::default()
    }

    /// Set the signal and wake the waiter, if any.
    pub fn fire(&self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.fired = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    pub fn is_fired(&self) -> bool {
        self.0.lock().unwrap().fired
    }

    /// Whether a waiter has registered its waker (and not been woken yet).
    pub fn has_waiter(&self) -> bool {
        self.0.lock().unwrap().waker.is_some()
    }

    pub fn wait(&self) -> SignalWait {
        SignalWait(self.clone())
    }
}

/// See [`Signal::wait`].
pub struct SignalWait(Signal);

impl Future for SignalWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = (self.0).0.lock().unwrap();
        if state.fired {
            return Poll::Ready(());
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The message of a panic payload, when it is a string.
pub fn payload_message(payload: &(dyn Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// Run `f`, which must panic with a string message, and return the message.
#[track_caller]
pub fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic, but the closure returned"),
        Err(payload) => payload_message(&*payload).expect("the panic payload is not a string"),
    }
}

/// Yield `n` times to the loop.
pub async fn yield_times(n: usize) {
    for _ in 0..n {
        uniloop::yield_now().await;
    }
}

/// A panic payload that is neither `&str` nor `String`.
#[derive(Debug, PartialEq)]
pub struct CustomPayload {
    pub code: u32,
}

/// Run `body` on a loop with a paused clock, under an hour-long timeout:
/// if the test deadlocks (everything waits, nothing can wake it), the
/// virtual clock jumps to the timeout at once and the test fails instead
/// of hanging.
pub fn run_guarded<F: Future>(body: F) -> F::Output {
    let rt = uniloop::Runtime::builder()
        .paused_clock(true)
        .build()
        .unwrap();
    rt.block_on(async {
        uniloop::timeout(std::time::Duration::from_secs(3600), body)
            .await
            .expect("deadlock: the test waited for something that never came")
    })
}

/// Take every item left in `queue`, with `get_nowait`.
pub fn drain<T, O: uniloop::queue::Order<T>>(queue: &uniloop::queue::GenericQueue<T, O>) -> Vec<T> {
    std::iter::from_fn(|| queue.get_nowait().ok()).collect()
}

/// The numbers in a list of `(number, token)` items.
pub fn numbers(items: Vec<(u32, DropToken)>) -> Vec<u32> {
    items.into_iter().map(|(n, _)| n).collect()
}

/// A runtime on the paused clock.
pub fn paused() -> uniloop::Runtime {
    uniloop::Runtime::builder()
        .paused_clock(true)
        .build()
        .unwrap()
}

/// Milliseconds since `start` on the loop's clock.
pub fn ms_since(start: uniloop::time::Instant) -> u128 {
    start.elapsed().as_millis()
}
