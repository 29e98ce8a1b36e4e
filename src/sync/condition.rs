//! `Condition` (≙ `asyncio.Condition`): a condition variable over a
//! uniloop [`Mutex`](super::Mutex).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::mutex::MutexGuard;
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};
use crate::util::wake_batch::WakeBatch;

/// A condition variable (≙ `asyncio.Condition`): tasks holding a
/// [`Mutex`](super::Mutex) wait for a change another task announces with
/// [`notify`](Self::notify) or [`notify_all`](Self::notify_all).
///
/// Unlike asyncio's, the condition does not own the lock: `wait` takes the
/// guard of any uniloop `Mutex`, releases the lock while it waits and
/// takes it again before returning (as `std::sync::Condvar`). Waiters are
/// notified in FIFO order; notifying does not need the lock (asyncio's
/// does).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use uniloop::sync::{Condition, Mutex};
///
/// uniloop::run(async {
///     let state = Rc::new((Mutex::new(0), Condition::new()));
///     let consumer = {
///         let state = state.clone();
///         uniloop::spawn(async move {
///             let (items, more) = &*state;
///             let guard = more.wait_for(items.lock().await, |n| *n >= 2).await;
///             *guard
///         })
///     };
///     for _ in 0..2 {
///         let (items, more) = &*state;
///         *items.lock().await += 1;
///         more.notify(1);
///         uniloop::yield_now().await;
///     }
///     assert_eq!(consumer.await.unwrap(), 2);
/// });
/// ```
pub struct Condition {
    waiters: RefCell<WaitList<()>>,
}

impl Condition {
    /// A condition with no waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// let condition = uniloop::sync::Condition::new();
    /// condition.notify_all(); // nobody waits: nothing happens
    /// ```
    pub const fn new() -> Condition {
        Condition {
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// Release the lock behind `guard`, wait for a notification, take the
    /// lock again and return its new guard (≙ `await condition.wait()`).
    /// The task starts waiting before the lock is released, so a
    /// notification sent as soon as the lock is free is not missed. As
    /// with any condition variable, check the condition again after it
    /// returns (or use [`wait_for`](Self::wait_for)).
    ///
    /// # Cancel safety
    ///
    /// Dropped while it waits, the lock is already released and the guard
    /// is gone (it is not given back, unlike asyncio's, which re-acquires
    /// the lock on cancellation). A notification it had received but not
    /// acted on goes to the next waiter, whether it was dropped before it
    /// ran or while it waited to take the lock again (as in asyncio), so
    /// none is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    /// use uniloop::sync::{Condition, Mutex};
    ///
    /// uniloop::run(async {
    ///     let pair = Rc::new((Mutex::new(false), Condition::new()));
    ///     let other = pair.clone();
    ///     uniloop::spawn(async move {
    ///         *other.0.lock().await = true;
    ///         other.1.notify_all();
    ///     });
    ///     let (flag, condition) = &*pair;
    ///     let mut guard = flag.lock().await;
    ///     while !*guard {
    ///         guard = condition.wait(guard).await;
    ///     }
    /// });
    /// ```
    pub async fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        let mutex = MutexGuard::mutex(&guard);
        let mut notified = Notified(WaitEntry::new(self));
        notified.0.wait((), Waker::noop());
        drop(guard);
        notified.await;
        // Cancelled while it takes the lock again, it passes the
        // notification on, as asyncio's does: it may have been the one
        // meant to act on it.
        let pass_on = PassOn(Some(self));
        let guard = mutex.lock().await;
        pass_on.disarm();
        guard
    }

    /// Wait (as [`wait`](Self::wait)) until `predicate` holds for the
    /// guarded value, checking it first; returns the guard with the lock
    /// held and the predicate true (≙ `await condition.wait_for(pred)`).
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let (mutex, condition) = (uniloop::sync::Mutex::new(3), uniloop::sync::Condition::new());
    ///     let guard = condition.wait_for(mutex.lock().await, |n| *n == 3).await; // true already
    ///     assert_eq!(*guard, 3);
    /// });
    /// ```
    pub async fn wait_for<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut predicate: impl FnMut(&T) -> bool,
    ) -> MutexGuard<'a, T> {
        while !predicate(&guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wake up to `n` waiters, the longest-waiting first (≙
    /// `condition.notify(n)`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::sync::Condition::new().notify(1);
    /// ```
    pub fn notify(&self, n: usize) {
        let mut wakers = WakeBatch::new();
        self.waiters.borrow_mut().serve_front(n, &mut wakers);
        wakers.wake();
    }

    /// Wake every waiter (≙ `condition.notify_all()`).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::sync::Condition::new().notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.notify(usize::MAX);
    }
}

impl Default for Condition {
    fn default() -> Condition {
        Condition::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters.borrow().len())
            .finish()
    }
}

/// Notifies one more waiter if dropped armed: a notified `wait` that was
/// cancelled before it got the lock back.
struct PassOn<'a>(Option<&'a Condition>);

impl PassOn<'_> {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for PassOn<'_> {
    fn drop(&mut self) {
        if let Some(condition) = self.0 {
            condition.notify(1);
        }
    }
}

impl WaitListOwner for &Condition {
    type Data = ();

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<()>) -> R) -> R {
        f(&mut self.waiters.borrow_mut())
    }

    fn left(&self, (): (), notified: bool) {
        if notified {
            // Notified but dropped before acting on it: pass it on.
            self.notify(1);
        }
    }
}

/// A waiter's place in the queue, registered before the lock is released.
struct Notified<'a>(WaitEntry<&'a Condition>);

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let entry = &mut self.get_mut().0;
        if !entry.is_queued() || entry.poll_served(cx.waker()).is_some() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}
