//! `RawTask`: a counted pointer to a task cell, whatever its future — one
//! word, where an `Rc<dyn ...>` is two.
//!
//! Every cell starts with its [`Header`], and the header starts with the
//! cell's [`Vtable`]: the few operations the loop and the handles need,
//! monomorphised for the cell's future. So the slab of tasks, each `Task`
//! handle and each `AbortHandle` hold a thin pointer, and the cell carries
//! one count (a `u32` in its header) instead of `Rc`'s two words.
//!
//! # Invariants
//!
//! - A `RawTask` is one count of its cell: `clone` adds one, `drop` takes
//!   it back, and the last drop calls the vtable's `dealloc`, which drops
//!   the cell (its stage: the future or the output) and frees it. Nothing
//!   else frees a cell.
//! - Counts and cells are touched only on the loop's thread: `RawTask`
//!   holds a `NonNull`, so it is neither `Send` nor `Sync`, and neither is
//!   anything that holds one.
//! - The typed entries of the vtable (`poll_join`, `output_is`) are called
//!   only through a `Task<T>` whose `T` is the cell's output type: a
//!   `Task<T>` is made only by `Scheduler::spawn` from the cell it
//!   allocated.

use std::cell::Cell;
use std::fmt;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::cell::Header;
use super::error::JoinError;

/// The operations of one kind of cell (one future type), as `TaskCell<F>`
/// implements them. Each takes the cell's address (its header's).
pub(crate) struct Vtable {
    /// Poll the task once (or close it if cancelled, or see whether the
    /// tasks its close cancelled are done); `true` once complete.
    pub(crate) run: unsafe fn(NonNull<Header>, &mut Context<'_>) -> bool,
    /// `Ready` once complete; until then `cx`'s waker is woken when it
    /// completes (beside the joiner, for whoever holds no `Task`).
    pub(crate) poll_completion: unsafe fn(NonNull<Header>, &mut Context<'_>) -> Poll<()>,
    /// Drop the future at shutdown: the task completes as cancelled.
    pub(crate) shut_down: unsafe fn(NonNull<Header>),
    /// The `Task` handle's wait for completion: `Ready(true)` once the task
    /// completed with an `Err`, `Ready(false)` once it returned; until then
    /// `cx`'s waker is the joiner.
    pub(crate) poll_complete: unsafe fn(NonNull<Header>, &mut Context<'_>) -> Poll<bool>,
    /// Once complete, move the output into `*out` (a
    /// `Poll<Result<T, JoinError>>`); leave `*out` alone while pending.
    pub(crate) poll_join: unsafe fn(NonNull<Header>, &mut Context<'_>, out: *mut ()),
    /// Whether the task returned a value, not yet taken, for which the
    /// test at `test` (a `&mut dyn FnMut(&T) -> bool`) holds.
    pub(crate) output_is: unsafe fn(NonNull<Header>, test: *mut ()) -> bool,
    /// Whether the output was taken.
    pub(crate) is_consumed: unsafe fn(NonNull<Header>) -> bool,
    /// Drop the cell and free it (the last count is gone).
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
}

/// A counted pointer to a task cell (see the module docs).
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

impl RawTask {
    /// Take charge of one count of the cell at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` points at the header of a live cell, and the caller hands
    /// over one of the counts in that header (see `TaskCell::allocate`).
    #[inline]
    pub(crate) unsafe fn from_counted(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    #[inline]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: this count keeps the cell alive for as long as `self` is
        // borrowed (module invariants); the header is only read through
        // shared references (its fields are `Cell`s).
        unsafe { self.ptr.as_ref() }
    }

    /// See [`Vtable::run`].
    #[inline]
    pub(crate) fn run(&self, cx: &mut Context<'_>) -> bool {
        // SAFETY: the pointer is the cell's, alive (this count), and its
        // vtable is its own (`Header::vtable` is set with the cell).
        unsafe { (self.header().vtable.run)(self.ptr, cx) }
    }

    /// See [`Vtable::poll_completion`].
    pub(crate) fn poll_completion(&self, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: as in `run`.
        unsafe { (self.header().vtable.poll_completion)(self.ptr, cx) }
    }

    /// See [`Vtable::shut_down`].
    pub(crate) fn shut_down(&self) {
        // SAFETY: as in `run`.
        unsafe { (self.header().vtable.shut_down)(self.ptr) }
    }

    /// See [`Vtable::poll_complete`].
    pub(crate) fn poll_complete(&self, cx: &mut Context<'_>) -> Poll<bool> {
        // SAFETY: as in `run`.
        unsafe { (self.header().vtable.poll_complete)(self.ptr, cx) }
    }

    /// See [`Vtable::is_consumed`].
    pub(crate) fn is_consumed(&self) -> bool {
        // SAFETY: as in `run`.
        unsafe { (self.header().vtable.is_consumed)(self.ptr) }
    }

    /// See [`Vtable::poll_join`].
    ///
    /// # Safety
    ///
    /// `T` is the cell's output type (module invariants).
    #[inline]
    pub(crate) unsafe fn poll_join<T>(&self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: as in `run`; and `out` is the `Poll<Result<T, JoinError>>`
        // the cell of output `T` writes (the caller's promise).
        unsafe {
            (self.header().vtable.poll_join)(self.ptr, cx, (&mut out as *mut Poll<_>).cast());
        }
        out
    }

    /// See [`Vtable::output_is`].
    ///
    /// # Safety
    ///
    /// `T` is the cell's output type (module invariants).
    pub(crate) unsafe fn output_is<T>(&self, test: &mut dyn FnMut(&T) -> bool) -> bool {
        let mut test = test;
        // SAFETY: as in `run`; `test` is the `&mut dyn FnMut(&T) -> bool`
        // the cell of output `T` reads (the caller's promise).
        unsafe {
            (self.header().vtable.output_is)(
                self.ptr,
                (&mut test as *mut &mut dyn FnMut(&T) -> bool).cast(),
            )
        }
    }
}

impl Clone for RawTask {
    #[inline]
    fn clone(&self) -> RawTask {
        let refs = &self.header().refs;
        let Some(more) = refs.get().checked_add(1) else {
            // As `Rc` does: billions of handles to one task is a leak, and
            // wrapping round would free the cell under them.
            std::process::abort();
        };
        refs.set(more);
        RawTask { ptr: self.ptr }
    }
}

impl Drop for RawTask {
    #[inline]
    fn drop(&mut self) {
        let refs: &Cell<u32> = &self.header().refs;
        let left = refs.get() - 1;
        refs.set(left);
        if left == 0 {
            // SAFETY: that was the last count (module invariants): nothing
            // else points at the cell, which its own vtable frees.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }
}

impl fmt::Debug for RawTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawTask").field(&self.header().id).finish()
    }
}
