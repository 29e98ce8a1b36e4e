//! The runtime running on this thread, if any.
//!
//! # Invariants
//!
//! `CURRENT` is non-null only while an [`Enter`] guard is alive. The guard is
//! created from a `&Core` and borrows it for its whole life, so the pointer
//! is valid whenever it is non-null. The guard restores the previous value
//! on drop, unwinding included.

use std::cell::Cell;
use std::ptr;

use super::core::Core;

thread_local! {
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };
}

/// Marks a runtime as this thread's current one until dropped.
pub(crate) struct Enter<'a> {
    previous: *const Core,
    _core: &'a Core,
}

impl Drop for Enter<'_> {
    fn drop(&mut self) {
        // `CURRENT` has a const initialiser and no destructor, so `try_with`
        // cannot fail; it is used throughout to keep that true if it changes.
        let _ = CURRENT.try_with(|c| c.set(self.previous));
    }
}

/// Make `core` current for the guard's lifetime, whatever was current before
/// (used to drop a runtime's tasks, which may happen inside another loop).
pub(crate) fn enter(core: &Core) -> Enter<'_> {
    let previous = CURRENT.try_with(|c| c.replace(core)).unwrap_or(ptr::null());
    Enter {
        previous,
        _core: core,
    }
}

/// Make `core` current to run its loop.
///
/// # Panics
///
/// If a uniloop runtime is already running on this thread.
#[track_caller]
pub(crate) fn enter_loop<'a>(core: &'a Core, function: &str) -> Enter<'a> {
    if with_current(|_| ()).is_some() {
        panic!("uniloop::{function}() cannot be called from a running event loop");
    }
    enter(core)
}

/// Run `f` with the current runtime, or return `None` outside one (and
/// during thread-local destruction).
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let ptr = CURRENT.try_with(Cell::get).ok()?;
    // SAFETY: non-null only while an `Enter` guard borrows the core (see the
    // module invariants); the reference does not escape `f`.
    let core = unsafe { ptr.as_ref() }?;
    Some(f(core))
}

/// Run `f` with the current runtime.
///
/// # Panics
///
/// Outside a runtime, with a message naming `function`.
#[track_caller]
pub(crate) fn expect_current<R>(function: &str, f: impl FnOnce(&Core) -> R) -> R {
    match with_current(f) {
        Some(output) => output,
        None => panic!("uniloop::{function}() called outside a uniloop runtime"),
    }
}
