//! `call_soon`, `call_later`, `call_at`: run a plain function on the loop.

use std::fmt;
use std::future::poll_fn;
use std::panic::Location;
use std::time::Duration;

use super::core::Core;
use crate::runtime::context;
use crate::runtime::task::Task;
use crate::time::{Instant, Object, Timer};

/// Run `f` on the loop soon, in FIFO order with ready tasks (≙
/// `loop.call_soon`).
///
/// A callback is not a task: it does not appear in
/// [`all_tasks`](crate::all_tasks), and [`current_task`](crate::current_task)
/// is `None` inside it. A panic in `f` is caught; the loop carries on.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::call_soon() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc};
///
/// uniloop::run(async {
///     let ran = Rc::new(Cell::new(false));
///     let flag = ran.clone();
///     uniloop::call_soon(move || flag.set(true));
///     assert!(!ran.get());
///     uniloop::yield_now().await;
///     assert!(ran.get());
/// });
/// ```
#[track_caller]
pub fn call_soon<F: FnOnce() + 'static>(f: F) -> CallbackHandle {
    let location = Location::caller();
    context::expect_current("call_soon", |core| CallbackHandle {
        task: core.spawn_callback(async move { f() }, location),
    })
}

/// Run `f` on the loop once `delay` has passed (≙ `loop.call_later`),
/// measured from this call on the loop's clock (virtual under a paused
/// clock).
///
/// Callbacks due at the same millisecond run in the order they were
/// scheduled. `Duration::ZERO` runs `f` as soon as [`call_soon`] would;
/// `Duration::MAX` means about 30 years. As with `call_soon`, `f` is not a
/// task and a panic in it is caught.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::call_later() called outside a
/// uniloop runtime".
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc, time::Duration};
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     for (name, ms) in [("b", 20), ("a", 10), ("c", 20)] {
///         let log = log.clone();
///         uniloop::call_later(Duration::from_millis(ms), move || log.borrow_mut().push(name));
///     }
///     uniloop::sleep(Duration::from_millis(30)).await;
///     assert_eq!(*log.borrow(), ["a", "b", "c"]);
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn call_later<F: FnOnce() + 'static>(delay: Duration, f: F) -> CallbackHandle {
    let location = Location::caller();
    context::expect_current("call_later", |core| {
        let deadline = core.time().clock.deadline_after(delay);
        call_at_on(core, deadline, f, location)
    })
}

/// Run `f` on the loop at `when` (≙ `loop.call_at`); a time that has
/// passed runs it as soon as [`call_soon`] would.
///
/// # Panics
///
/// Outside a uniloop runtime: "uniloop::call_at() called outside a uniloop
/// runtime".
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
///
/// let rt = uniloop::Runtime::builder().paused_clock(true).build()?;
/// rt.block_on(async {
///     let ran_at = Rc::new(Cell::new(None));
///     let when = uniloop::time::now() + Duration::from_secs(5);
///     let slot = ran_at.clone();
///     uniloop::call_at(when, move || slot.set(Some(uniloop::time::now())));
///     uniloop::sleep(Duration::from_secs(6)).await;
///     assert_eq!(ran_at.get(), Some(when));
/// });
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn call_at<F: FnOnce() + 'static>(when: Instant, f: F) -> CallbackHandle {
    let location = Location::caller();
    context::expect_current("call_at", |core| {
        call_at_on(core, when.into_std(), f, location)
    })
}

fn call_at_on<F: FnOnce() + 'static>(
    core: &Core,
    deadline: std::time::Instant,
    f: F,
    location: &'static Location<'static>,
) -> CallbackHandle {
    let mut timer = Timer::at_on(core.time().clone(), Object::Callback, deadline);
    let task = core.spawn_callback(
        async move {
            poll_fn(|cx| timer.poll_elapsed(cx)).await;
            f();
        },
        location,
    );
    CallbackHandle { task }
}

/// A scheduled callback (≙ `asyncio.Handle`). Dropping it does not cancel
/// the callback.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let handle = uniloop::call_soon(|| unreachable!());
///     assert!(handle.cancel());
///     uniloop::yield_now().await;
///     assert!(handle.is_cancelled());
/// });
/// ```
pub struct CallbackHandle {
    task: Task<()>,
}

impl CallbackHandle {
    /// Cancel the callback; `true` if it had not run yet (and now never
    /// will). A cancelled [`call_later`] frees its timer at the loop's next
    /// turn.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let handle = uniloop::call_soon(|| ());
    ///     uniloop::yield_now().await;
    ///     assert!(!handle.cancel()); // it already ran
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        self.task.cancel()
    }

    /// Whether [`cancel`](Self::cancel) stopped the callback from running.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let handle = uniloop::call_soon(|| ());
    ///     assert!(!handle.is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.task.is_cancelled()
    }
}

impl fmt::Debug for CallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandle")
            .field("finished", &self.task.is_finished())
            .field("cancelled", &self.task.is_cancelled())
            .finish()
    }
}
