//! `ThreadBound<T>`: a value that may be moved to other threads but is
//! touched only on the thread that made it. It lets the hyper adapters
//! meet hyper's `Send` (and `Sync`) bounds with `!Send` insides (an `Rc`
//! to the loop's reactor or clock).
//!
//! # Invariants
//!
//! - **The value is touched only on its owner thread**: every way to it
//!   (`get`, `get_mut`, `into_inner` and `Drop`) first compares the
//!   current thread's id with `owner`, set once in `new` and never
//!   changed — `ThreadBound::check`. A mismatch panics before the value is
//!   reached; a drop elsewhere leaks it instead of running its destructor.
//! - **Thread ids are never reused** (`std::thread::ThreadId` is unique for
//!   the life of the process), so a value cannot pass the check on a new
//!   thread that happens to reuse an old one's resources.
//!
//! Moving a `ThreadBound` moves the value's bytes, not its meaning: an
//! `Rc` inside may travel to another thread and back as long as nothing
//! there reads or writes through it, which the first invariant ensures.
//! That is why the `Send` and `Sync` impls below are sound for any `T`
//! (the same argument as the `send_wrapper` and `fragile` crates').

use std::fmt;
use std::mem::ManuallyDrop;
use std::thread::{self, ThreadId};

thread_local! {
    /// This thread's id, read once: `thread::current()` costs a reference
    /// count round trip, and the adapters check at every read and write.
    static THREAD_ID: ThreadId = thread::current().id();
}

/// The current thread's id.
pub(crate) fn current_thread() -> ThreadId {
    // While a thread's locals are being destroyed its id is still its own.
    THREAD_ID
        .try_with(|id| *id)
        .unwrap_or_else(|_| thread::current().id())
}

pub(crate) struct ThreadBound<T> {
    /// Dropped by hand, on the owner thread only (`Drop`).
    value: ManuallyDrop<T>,
    owner: ThreadId,
    /// The public type holding it, for the panic message.
    object: &'static str,
}

// SAFETY: the value is only reached on `owner` (see the module's
// invariants): on any other thread, every accessor panics first and
// `Drop` leaks it. So whatever `T` is, no thread but `owner` ever reads,
// writes or drops it, and sending the wrapper only moves bytes.
unsafe impl<T> Send for ThreadBound<T> {}

// SAFETY: through `&ThreadBound<T>` another thread can only call `get`,
// which reads `owner` (never written after `new`) and panics before it
// reaches the value; so `&T` exists only on `owner`.
unsafe impl<T> Sync for ThreadBound<T> {}

impl<T> ThreadBound<T> {
    /// Bind `value` to this thread; `object` names the public type that
    /// holds it, for the message of a panic.
    pub(crate) fn new(value: T, object: &'static str) -> ThreadBound<T> {
        ThreadBound {
            value: ManuallyDrop::new(value),
            owner: current_thread(),
            object,
        }
    }

    /// Whether this is the thread that made it.
    pub(crate) fn is_owner(&self) -> bool {
        current_thread() == self.owner
    }

    #[track_caller]
    fn check(&self) {
        if !self.is_owner() {
            panic!(
                "{} used on a thread other than the one it was created on \
                 (it belongs to its uniloop loop's thread)",
                self.object
            );
        }
    }

    /// The value.
    ///
    /// # Panics
    ///
    /// Off the owner thread.
    #[track_caller]
    pub(crate) fn get(&self) -> &T {
        self.check();
        &self.value
    }

    /// The value, mutably.
    ///
    /// # Panics
    ///
    /// Off the owner thread.
    #[track_caller]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.check();
        &mut self.value
    }

    /// The value, out of the wrapper.
    ///
    /// # Panics
    ///
    /// Off the owner thread.
    #[track_caller]
    pub(crate) fn into_inner(self) -> T {
        self.check();
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again (it is in a
        // `ManuallyDrop`), so the value is taken out exactly once.
        unsafe { ManuallyDrop::take(&mut this.value) }
    }
}

impl<T> Drop for ThreadBound<T> {
    fn drop(&mut self) {
        if self.is_owner() {
            // SAFETY: `value` is not used after this (we are in `drop`),
            // and this is the owner thread (the invariant).
            unsafe { ManuallyDrop::drop(&mut self.value) };
        } else if !thread::panicking() {
            // The value is leaked: its destructor would touch it here.
            // (While unwinding, a second panic would abort: leak quietly.)
            panic!(
                "{} dropped on a thread other than the one it was created on \
                 (it belongs to its uniloop loop's thread; it was leaked)",
                self.object
            );
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for ThreadBound<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_owner() {
            self.value.fmt(f)
        } else {
            write!(f, "<{} of another thread>", self.object)
        }
    }
}
