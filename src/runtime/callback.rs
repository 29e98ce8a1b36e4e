//! `call_soon`: run a plain function on the loop.

use std::fmt;
use std::panic::Location;

use crate::runtime::context;
use crate::runtime::task::Task;

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
    /// will).
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
