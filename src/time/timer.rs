//! `Timer`: one deadline and, once polled, its entry in the loop's wheel.
//! The engine under `Sleep`, `Timeout`, `Interval` and `call_later`.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::runtime::context;
use crate::runtime::driver::time::{Driver, Key};

#[derive(Clone, Copy, Debug)]
enum Deadline {
    /// Not started: the deadline is this long after the first poll (or
    /// the first question about the deadline), as `asyncio.sleep(d)` and
    /// `asyncio.timeout(d)` start counting when awaited.
    After(Duration),
    At(Instant),
    /// No deadline (a `Timeout` made with `timeout_never`, or cleared).
    Never,
}

pub(crate) struct Timer {
    driver: Rc<Driver>,
    deadline: Cell<Deadline>,
    /// The wheel entry, from the first pending poll until it is seen fired
    /// (see [`WheelKey`]).
    key: WheelKey,
    /// The public type this timer serves, for the panic of one polled
    /// after its runtime was dropped.
    object: Object,
}

/// The public type a [`Timer`] serves: one byte rather than a `&str`'s
/// two words, as every `Sleep` and `Timeout` holds a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Object {
    Sleep,
    Timeout,
    Interval,
    Callback,
}

impl Object {
    fn name(self) -> &'static str {
        match self {
            Object::Sleep => "Sleep",
            Object::Timeout => "Timeout",
            Object::Interval => "Interval",
            Object::Callback => "callback",
        }
    }
}

/// An optional wheel key in four bytes (an `Option<Key>` takes eight): the
/// key plus one, zero for none. Wheel keys are below `Key::MAX`.
#[derive(Clone, Copy, Default)]
struct WheelKey(Option<NonZeroU32>);

impl WheelKey {
    const NONE: WheelKey = WheelKey(None);

    fn get(self) -> Option<Key> {
        self.0.map(|k| k.get() - 1)
    }

    fn set(&mut self, key: Option<Key>) {
        self.0 = key.map(|k| NonZeroU32::new(k + 1).expect("a wheel key below Key::MAX"));
    }

    fn take(&mut self) -> Option<Key> {
        let key = self.get();
        self.0 = None;
        key
    }
}

impl Timer {
    /// A timer on the current runtime `duration` after it is started.
    /// (`function` names the public call, `object` what it returns.)
    #[track_caller]
    pub(crate) fn after(function: &str, object: Object, duration: Duration) -> Timer {
        Timer::new(function, object, Deadline::After(duration))
    }

    /// A timer on the current runtime for `deadline`.
    #[track_caller]
    pub(crate) fn at(function: &str, object: Object, deadline: Instant) -> Timer {
        Timer::new(function, object, Deadline::At(deadline))
    }

    /// A timer on `driver`'s runtime for `deadline`.
    pub(crate) fn at_on(driver: Rc<Driver>, object: Object, deadline: Instant) -> Timer {
        Timer::with_driver(driver, object, Deadline::At(deadline))
    }

    #[track_caller]
    fn new(function: &str, object: Object, deadline: Deadline) -> Timer {
        let driver = context::expect_current(function, |core| core.time().clone());
        Timer::with_driver(driver, object, deadline)
    }

    fn with_driver(driver: Rc<Driver>, object: Object, deadline: Deadline) -> Timer {
        Timer {
            driver,
            object,
            deadline: Cell::new(deadline),
            key: WheelKey::NONE,
        }
    }

    pub(crate) fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The deadline, starting the timer if it has not started.
    pub(crate) fn deadline(&self) -> Instant {
        self.when()
            .expect("uniloop::time::Timeout::deadline() on a timeout with no deadline (see when())")
    }

    /// The deadline, if it has one (starting the time of an `After`).
    pub(crate) fn when(&self) -> Option<Instant> {
        match self.deadline.get() {
            Deadline::At(deadline) => Some(deadline),
            Deadline::After(duration) => {
                let deadline = self.driver.clock.deadline_after(duration);
                self.deadline.set(Deadline::At(deadline));
                Some(deadline)
            }
            Deadline::Never => None,
        }
    }

    /// Whether the deadline has passed (starting the timer if need be).
    pub(crate) fn is_elapsed(&self) -> bool {
        match self.key.get() {
            Some(key) => self.driver.is_fired(key),
            None => self.when().is_some_and(|d| d <= self.driver.clock.now()),
        }
    }

    /// `Ready` once the deadline has passed; until then the task is woken
    /// when it does.
    ///
    /// # Panics
    ///
    /// If the timer's runtime was dropped: its clock no longer runs, so the
    /// wait would never end.
    #[track_caller]
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.driver.is_closed() {
            panic!(
                "uniloop::time::{} polled after its runtime was dropped",
                self.object.name()
            );
        }
        match self.key.get() {
            Some(key) => {
                let ready = self.driver.poll_entry(key, cx.waker());
                if ready.is_ready() {
                    self.key = WheelKey::NONE;
                }
                ready
            }
            None => {
                let key = match self.deadline.get() {
                    Deadline::Never => return Poll::Pending,
                    // Starting now: `now + duration` is in the future
                    // unless the duration is zero, no second clock read
                    // needed.
                    Deadline::After(duration) if !duration.is_zero() => {
                        Some(self.driver.insert(self.deadline(), cx.waker()))
                    }
                    _ => self.driver.register(self.deadline(), cx.waker()),
                };
                self.key.set(key);
                if key.is_some() {
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            }
        }
    }

    /// Change the deadline. A registered timer keeps its waker, so the task
    /// waiting on it is woken at the new deadline.
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.deadline.set(Deadline::At(deadline));
        if let Some(key) = self.key.get() {
            self.driver.reset(key, deadline);
        }
    }

    /// Take the deadline away: the timer never fires until `reset`.
    pub(crate) fn clear(&mut self) {
        self.deadline.set(Deadline::Never);
        if let Some(key) = self.key.take() {
            self.driver.deregister(key);
        }
    }

    /// A timer with no deadline yet.
    #[track_caller]
    pub(crate) fn never(function: &str, object: Object) -> Timer {
        Timer::new(function, object, Deadline::Never)
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(key) = self.key.get() {
            self.driver.deregister(key);
        }
    }
}

impl fmt::Debug for Timer {
    /// Shows the deadline without starting a timer that has not started.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("deadline", &self.deadline.get())
            .field("registered", &self.key.get().is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::runtime::context;
    use crate::Runtime;

    /// (pending timers, entries held, entry capacity) of the current loop.
    fn wheel() -> (usize, usize, usize) {
        context::with_current(|core| {
            let (used, capacity) = core.time().entries();
            (core.time().pending(), used, capacity)
        })
        .unwrap()
    }

    fn paused() -> Runtime {
        Runtime::builder().paused_clock(true).build().unwrap()
    }

    #[test]
    fn cancelled_sleeps_free_their_entries() {
        paused().block_on(async {
            let tasks: Vec<_> = (0..10_000)
                .map(|_| crate::spawn(crate::sleep(Duration::from_secs(3600))))
                .collect();
            crate::yield_now().await;
            let (pending, used, capacity) = wheel();
            assert_eq!((pending, used), (10_000, 10_000));
            assert!(capacity >= 10_000);
            for task in &tasks {
                task.cancel();
            }
            crate::yield_now().await;
            // All freed, and the emptied slab gave its memory back.
            assert_eq!(wheel(), (0, 0, 0));
        });
    }

    #[test]
    fn finished_timers_free_their_entries() {
        paused().block_on(async {
            crate::sleep(Duration::from_millis(5)).await;
            assert_eq!(wheel().1, 0);
            let ready = crate::timeout(Duration::from_secs(1), async { 1 }).await;
            assert_eq!((ready, wheel().1), (Ok(1), 0));
            let late = crate::timeout(Duration::from_millis(1), std::future::pending::<()>());
            assert!(late.await.is_err());
            assert_eq!(wheel().1, 0);
            let handle = crate::call_later(Duration::from_secs(1), || ());
            crate::yield_now().await;
            assert_eq!(wheel().1, 1);
            handle.cancel();
            crate::yield_now().await;
            assert_eq!(wheel().1, 0);
        });
    }

    #[test]
    fn the_loop_parks_until_the_deadline_instead_of_spinning() {
        // On the real clock, but it counts parks, not time: the loop waits
        // for the deadline in one `epoll_wait` (more only if a signal
        // interrupts it), however fast the machine.
        crate::run(async {
            let before = context::with_current(|core| core.io().polls()).unwrap();
            crate::sleep(Duration::from_millis(30)).await;
            let parks = context::with_current(|core| core.io().polls()).unwrap() - before;
            assert!((1..=3).contains(&parks), "{parks} parks");
        });
    }

    #[test]
    fn fired_entries_are_held_until_their_timer_sees_them() {
        paused().block_on(async {
            let mut timer =
                super::Timer::after("test", super::Object::Sleep, Duration::from_millis(1));
            let registered = std::future::poll_fn(|cx| {
                std::task::Poll::Ready(timer.poll_elapsed(cx).is_pending())
            })
            .await;
            assert!(registered);
            crate::time::advance(Duration::from_millis(1)).await;
            assert_eq!(wheel(), (0, 1, wheel().2));
            assert!(timer.is_elapsed());
            drop(timer);
            assert_eq!(wheel().1, 0);
        });
    }
}
