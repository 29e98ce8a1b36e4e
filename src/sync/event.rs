//! `Event` (≙ `asyncio.Event`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::util::wait_list::{WaitEntry, WaitList};
use crate::util::wake_batch::WakeBatch;

/// A flag that tasks wait on (≙ `asyncio.Event`): [`set`](Self::set)
/// wakes every waiter, in the order they started waiting, and later
/// [`wait`](Self::wait)s complete at once until [`clear`](Self::clear).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use uniloop::sync::Event;
///
/// uniloop::run(async {
///     let ready = Rc::new(Event::new());
///     let waiters: Vec<_> = (0..3)
///         .map(|i| {
///             let ready = ready.clone();
///             uniloop::spawn(async move {
///                 ready.wait().await;
///                 i
///             })
///         })
///         .collect();
///     uniloop::yield_now().await; // all three wait
///     ready.set();
///     for (i, waiter) in waiters.into_iter().enumerate() {
///         assert_eq!(waiter.await.unwrap(), i);
///     }
/// });
/// ```
pub struct Event {
    set: Cell<bool>,
    waiters: RefCell<WaitList<()>>,
}

impl Event {
    /// An event that is not set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!uniloop::sync::Event::new().is_set());
    /// ```
    pub const fn new() -> Event {
        Event {
            set: Cell::new(false),
            waiters: RefCell::new(WaitList::new()),
        }
    }

    /// Whether it is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = uniloop::sync::Event::new();
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.set.get()
    }

    /// Set it and wake every waiter. A waiter woken by `set` completes
    /// even if the event is cleared before it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let event = uniloop::sync::Event::new();
    ///     event.set();
    ///     event.wait().await; // at once
    /// });
    /// ```
    pub fn set(&self) {
        if self.set.replace(true) {
            return;
        }
        let mut wakers = WakeBatch::new();
        self.waiters
            .borrow_mut()
            .serve_front(usize::MAX, &mut wakers);
        wakers.wake();
    }

    /// Unset it: later waits wait again.
    ///
    /// # Examples
    ///
    /// ```
    /// let event = uniloop::sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.set.set(false);
    }

    /// Wait until it is set (at once if it is).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `wait` leaves the queue and takes nothing
    /// from the other waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// uniloop::run(async {
    ///     let event = Rc::new(uniloop::sync::Event::new());
    ///     let setter = event.clone();
    ///     uniloop::call_soon(move || setter.set());
    ///     event.wait().await;
    /// });
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            entry: WaitEntry::new(&self.waiters),
        }
    }
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.set.get())
            .field("waiters", &self.waiters.borrow().len())
            .finish()
    }
}

/// The future of [`Event::wait`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let event = uniloop::sync::Event::new();
///     event.set();
///     let wait: uniloop::sync::EventWait<'_> = event.wait();
///     wait.await;
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct EventWait<'a> {
    event: &'a Event,
    entry: WaitEntry<&'a RefCell<WaitList<()>>>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.entry.is_queued() {
            return match this.entry.poll_served(cx.waker()) {
                Some(()) => Poll::Ready(()),
                None => Poll::Pending,
            };
        }
        if this.event.set.get() {
            return Poll::Ready(());
        }
        this.entry.wait((), cx.waker());
        Poll::Pending
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("waiting", &self.entry.is_queued())
            .finish()
    }
}
