//! `Timer`: one deadline and, once polled, its entry in the loop's wheel.
//! The engine under `Sleep`, `Timeout`, `Interval` and `call_later`.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::driver::Driver;
use super::wheel::Key;
use crate::runtime::context;

#[derive(Clone, Copy, Debug)]
enum Deadline {
    /// Not started: the deadline is this long after the first poll (or
    /// the first question about the deadline), as `asyncio.sleep(d)` and
    /// `asyncio.timeout(d)` start counting when awaited.
    After(Duration),
    At(Instant),
}

pub(crate) struct Timer {
    driver: Rc<Driver>,
    deadline: Cell<Deadline>,
    /// The wheel entry, from the first pending poll until it is seen fired.
    key: Option<Key>,
}

impl Timer {
    /// A timer on the current runtime `duration` after it is started.
    #[track_caller]
    pub(crate) fn after(function: &str, duration: Duration) -> Timer {
        Timer::new(function, Deadline::After(duration))
    }

    /// A timer on the current runtime for `deadline`.
    #[track_caller]
    pub(crate) fn at(function: &str, deadline: Instant) -> Timer {
        Timer::new(function, Deadline::At(deadline))
    }

    /// A timer on `driver`'s runtime for `deadline`.
    pub(crate) fn at_on(driver: Rc<Driver>, deadline: Instant) -> Timer {
        Timer {
            driver,
            deadline: Cell::new(Deadline::At(deadline)),
            key: None,
        }
    }

    #[track_caller]
    fn new(function: &str, deadline: Deadline) -> Timer {
        Timer {
            driver: context::expect_current(function, |core| core.time.clone()),
            deadline: Cell::new(deadline),
            key: None,
        }
    }

    pub(crate) fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The deadline, starting the timer if it has not started.
    pub(crate) fn deadline(&self) -> Instant {
        match self.deadline.get() {
            Deadline::At(deadline) => deadline,
            Deadline::After(duration) => {
                let deadline = self.driver.clock.deadline_after(duration);
                self.deadline.set(Deadline::At(deadline));
                deadline
            }
        }
    }

    /// Whether the deadline has passed (starting the timer if need be).
    pub(crate) fn is_elapsed(&self) -> bool {
        match self.key {
            Some(key) => self.driver.is_fired(key),
            None => self.deadline() <= self.driver.clock.now(),
        }
    }

    /// `Ready` once the deadline has passed; until then the task is woken
    /// when it does.
    pub(crate) fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self.key {
            Some(key) => {
                let ready = self.driver.poll_entry(key, cx.waker());
                if ready.is_ready() {
                    self.key = None;
                }
                ready
            }
            None => match self.driver.register(self.deadline(), cx.waker()) {
                Some(key) => {
                    self.key = Some(key);
                    Poll::Pending
                }
                None => Poll::Ready(()),
            },
        }
    }

    /// Change the deadline. A registered timer keeps its waker, so the task
    /// waiting on it is woken at the new deadline.
    pub(crate) fn reset(&mut self, deadline: Instant) {
        self.deadline.set(Deadline::At(deadline));
        if let Some(key) = self.key {
            self.driver.reset(key, deadline);
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            self.driver.deregister(key);
        }
    }
}

impl fmt::Debug for Timer {
    /// Shows the deadline without starting a timer that has not started.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("deadline", &self.deadline.get())
            .field("registered", &self.key.is_some())
            .finish()
    }
}
