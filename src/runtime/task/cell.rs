//! The task cell: one allocation holding a task's header, its future and,
//! once it is done, its output.
//!
//! # Lifecycle of the stage
//!
//! ```text
//!            spawn                 poll -> Ready / panic
//!   (none) ---------> Pending(F) ---------------------------> Finished(out)
//!                        |                                        |
//!                        | cancel: requested, then at the loop's  | Task::poll
//!                        | next turn `run` drops F in place       v
//!                        +------------------------------------> Consumed
//! ```
//!
//! 1. `Scheduler::spawn` creates the cell in `Pending` and queues it.
//! 2. `TaskCell::run` (called by the loop only, through `RawTask::run`) starts the task (the state's
//!    `start` transition says whether to poll it or close it), polls the
//!    future; when it is ready, panics, or cancellation was requested,
//!    `complete` closes the state (the outcome is decided: a destructor
//!    that now calls `cancel()` gets `false`), drops the future in place,
//!    stores the output, completes the state and wakes the joiner.
//! 3. `TaskCell::poll_join` (the `Task` handle's poll) moves the output out
//!    once.
//!
//! The task's state machine, every bit of it, is `state.rs`'s.
//!
//! # Invariants
//!
//! - The cell is one `Box` allocation that never moves (`allocate` leaks
//!   it; the last `RawTask` frees it), and the future is never moved out
//!   of `Stage::Pending`: it is dropped in place when the stage is
//!   overwritten. This is the pinning guarantee `run` relies on.
//! - The stage is an `UnsafeCell`, and who touches it is fixed by the
//!   state: until the task is complete, only the loop (`run`'s poll, the
//!   close in `complete`, `shut_down`), never re-entrantly, since only the
//!   loop runs a task and it runs none inside a poll; once it is complete,
//!   only the handles (`poll_join`, `poll_complete`, `output_is`,
//!   `is_consumed`), which read the state first and hold no reference to
//!   the stage when they return. So no two references to it are ever alive
//!   at once, even when the future's destructor or a poll reaches this
//!   task's own handle.
//! - `TaskCell` is `#[repr(C)]` with its header first, and the header's
//!   `vtable` is its own cell type's ([`TaskCell::VTABLE`]): so the
//!   address of the header, which `RawTask` holds, is the cell's, and the
//!   vtable's entries know what lies behind it.

use std::cell::{Cell, OnceCell, RefCell, UnsafeCell};
use std::future::Future;
use std::io::{self, Write};
use std::mem::{self, ManuallyDrop};
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::ptr::NonNull;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::cancel::Cancelling;
use super::error::JoinError;
use super::info::TaskId;
use super::raw::{RawTask, Vtable};
use super::state::{Holds, Start, State};
use crate::runtime::waker::TaskRef;
use crate::util::wait_list::WaitList;
use crate::util::wake_batch::WakeBatch;

/// Whether the cell runs a user task or a callback (`call_soon`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Task,
    Callback,
}

/// What every task has, whatever its future: 48 bytes (the cell of a
/// small task stays in glibc's fast bins, see the tests below).
pub(crate) struct Header {
    /// The cell's operations (see `raw.rs`).
    pub(crate) vtable: &'static Vtable,
    /// The `RawTask`s pointing at the cell.
    pub(crate) refs: Cell<u32>,
    pub(crate) id: TaskId,
    pub(crate) location: &'static Location<'static>,
    pub(crate) task_ref: TaskRef,
    /// Polls, modulo 2¹⁶ (the wraps are counted in `Extra`: see
    /// [`Header::polls`]).
    polls_low: Cell<u16>,
    /// Also holds the kind, whether debug mode reports an unretrieved
    /// panic, whether cleanups are armed and what the cell holds (bits
    /// beside the life cycle's).
    pub(crate) state: State,
    /// What only cancellation and its bookkeeping use, allocated the first
    /// time one of them is needed: most tasks never need it, and a smaller
    /// cell is a faster spawn.
    extra: OnceCell<Box<Extra>>,
}

/// The rarely used part of a task's header (see `Header::extra`).
pub(crate) struct Extra {
    /// `spawn_named`'s name.
    name: Option<Box<str>>,
    /// The message of `cancel_with`, for the `JoinError` (and passed on to
    /// the tasks this one's cancellation cancels).
    cancel_message: RefCell<Option<Rc<str>>>,
    /// The armed cleanups (`on_cancel`) waiting to hear of a cancellation:
    /// woken by it, as the cleanup may sit behind futures that would not
    /// poll it for the task's own wake.
    pub(crate) cancel_watchers: RefCell<WaitList<()>>,
    /// While closing: the tasks the close cancelled (awaited handles its
    /// future held), which must complete before this one does.
    cancelled: RefCell<Cancelling>,
    /// Whoever waits for completion without holding the `Task`
    /// (`AbortHandle::poll_complete`): woken with the joiner.
    watchers: RefCell<Vec<Waker>>,
    /// How many times the header's 16-bit poll count wrapped.
    poll_wraps: Cell<u64>,
    /// The cleanups armed in the task's future (`on_cancel`, `finally`;
    /// the state has a bit for "some").
    cleanups: Cell<u32>,
}

impl Extra {
    #[cold]
    fn new(name: Option<Box<str>>) -> Box<Extra> {
        Box::new(Extra {
            name,
            cancel_message: RefCell::new(None),
            cancel_watchers: RefCell::new(WaitList::new()),
            cancelled: RefCell::new(Cancelling::default()),
            watchers: RefCell::new(Vec::new()),
            poll_wraps: Cell::new(0),
            cleanups: Cell::new(0),
        })
    }

    /// Wait for `task` before this task completes (it is closing, and its
    /// close cancelled `task`).
    pub(crate) fn push_cancelled(&self, task: super::AbortHandle) {
        self.cancelled.borrow_mut().push(task);
    }

    /// Whether the tasks the close of task `me` cancelled have all
    /// completed (`Pending`: `cx` is woken when they have).
    #[cold]
    #[inline(never)]
    fn poll_cancelled(&self, me: TaskId, cx: &mut Context<'_>) -> Poll<()> {
        let mut cancelled = self.cancelled.borrow_mut();
        // A task must not wait for itself: its group's list of closing
        // children, dropped with its future, may hand it back.
        cancelled.forget(me);
        cancelled.poll(cx)
    }

    /// The task completed: wake whoever watches for it.
    #[cold]
    #[inline(never)]
    fn wake_watchers(&self) {
        let watchers = mem::take(&mut *self.watchers.borrow_mut());
        for watcher in watchers {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| watcher.wake()));
        }
    }
}

impl Drop for Header {
    /// Only to keep the rare `Extra`'s destructor out of line: the common
    /// header, with none, drops with one test.
    #[inline]
    fn drop(&mut self) {
        if let Some(extra) = self.extra.take() {
            drop_extra(extra);
        }
    }
}

#[cold]
#[inline(never)]
fn drop_extra(extra: Box<Extra>) {
    drop(extra);
}

/// Wake a joiner, a panic from its (foreign) waker caught and discarded.
#[inline(never)]
fn wake_joiner(joiner: Waker) {
    let _ = panic::catch_unwind(AssertUnwindSafe(|| joiner.wake()));
}

impl Header {
    #[inline]
    pub(crate) fn new(
        id: TaskId,
        name: Option<Box<str>>,
        location: &'static Location<'static>,
        kind: Kind,
        task_ref: TaskRef,
        report_unretrieved: bool,
        vtable: &'static Vtable,
    ) -> Header {
        let header = Header {
            vtable,
            refs: Cell::new(0),
            id,
            location,
            task_ref,
            polls_low: Cell::new(0),
            state: State::new_scheduled(kind == Kind::Callback, report_unretrieved),
            extra: OnceCell::new(),
        };
        if name.is_some() {
            header.extra.get_or_init(|| Extra::new(name));
        }
        header
    }

    /// Whether the cell runs a task or a callback.
    #[inline]
    pub(crate) fn kind(&self) -> Kind {
        if self.state.is_callback() {
            Kind::Callback
        } else {
            Kind::Task
        }
    }

    /// How many times the task was polled.
    #[inline]
    pub(crate) fn polls(&self) -> u64 {
        let wraps = self.extra.get().map_or(0, |extra| extra.poll_wraps.get());
        wraps << 16 | u64::from(self.polls_low.get())
    }

    /// Count a poll.
    #[inline]
    fn count_poll(&self) {
        let low = self.polls_low.get().wrapping_add(1);
        self.polls_low.set(low);
        if low == 0 {
            self.poll_count_wrapped();
        }
    }

    #[cold]
    #[inline(never)]
    fn poll_count_wrapped(&self) {
        let wraps = &self.extra().poll_wraps;
        wraps.set(wraps.get() + 1);
    }

    /// A cleanup was armed in the task's future.
    ///
    /// # Panics
    ///
    /// With 2³² − 1 cleanups armed in the task already.
    pub(crate) fn arm_cleanup(&self) {
        let cleanups = &self.extra().cleanups;
        let armed = cleanups.get().checked_add(1).expect(
            "uniloop::on_cancel()/finally(): more than 4 294 967 295 cleanups armed at once in one task",
        );
        cleanups.set(armed);
        self.state.set_cleanups(true);
    }

    /// A cleanup finished, or was dropped unarmed.
    pub(crate) fn disarm_cleanup(&self) {
        let cleanups = &self.extra().cleanups;
        let armed = cleanups.get() - 1;
        cleanups.set(armed);
        self.state.set_cleanups(armed > 0);
    }

    /// `spawn_named`'s name.
    pub(crate) fn name(&self) -> Option<&str> {
        self.extra.get()?.name.as_deref()
    }

    /// The rarely used part, allocated now if it was not yet.
    pub(crate) fn extra(&self) -> &Extra {
        self.extra.get_or_init(|| Extra::new(None))
    }

    /// Ask for cancellation, with a message for the `JoinError`; `false`
    /// if the outcome is decided or cancellation was asked before. The
    /// caller then schedules the task. Armed cleanups are woken to run.
    pub(crate) fn request_cancel(&self, message: Option<Rc<str>>) -> bool {
        if !self.state.request_cancel() {
            return false;
        }
        if message.is_some() {
            *self.extra().cancel_message.borrow_mut() = message;
        }
        if self.state.has_cleanups() {
            let mut wakers = WakeBatch::new();
            self.extra()
                .cancel_watchers
                .borrow_mut()
                .serve_front(usize::MAX, &mut wakers);
            wakers.wake();
        }
        true
    }

    /// The message `cancel_with` gave, if any.
    pub(crate) fn cancel_message(&self) -> Option<Rc<str>> {
        let extra = self.extra.get()?;
        extra.cancel_message.borrow().clone()
    }

    /// Someone else took charge of this task's panic (a `TaskGroup`
    /// recorded it): debug mode does not report it as never retrieved.
    pub(crate) fn mark_retrieved(&self) {
        self.state.mark_retrieved();
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.state.is_complete()
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.state.is_cancelled()
    }

    /// Whether the task will not be polled again: its outcome is decided
    /// (completing, complete) or its cancellation took effect.
    pub(crate) fn is_done(&self) -> bool {
        self.state.is_done()
    }

    /// `task 3 "name" (spawned at src/main.rs:4:5)`, or `callback ...`.
    pub(crate) fn describe(&self) -> String {
        let what = match self.kind() {
            Kind::Task => "task",
            Kind::Callback => "callback",
        };
        let name = self.name().map(|n| format!(" {n:?}")).unwrap_or_default();
        format!("{what} {}{name} (spawned at {})", self.id, self.location)
    }
}

/// What the cell holds, by its state's [`Holds`]: the future, then the
/// output, then nothing. A union, not an enum: the state's two bits cost
/// no room, where an enum's tag would cost a word in most cells.
union Stage<F: Future> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<Result<F::Output, JoinError>>,
}

/// One task: `#[repr(C)]` with its header first, so the address of the
/// cell is that of its header ([`RawTask`] holds it).
#[repr(C)]
pub(crate) struct TaskCell<F: Future> {
    header: Header,
    /// Touched only as the module invariants allow (no `RefCell`: its flag
    /// would cost a word in every task).
    stage: UnsafeCell<Stage<F>>,
    joiner: Cell<Option<Waker>>,
}

impl<F: Future> TaskCell<F> {
    /// The operations of this kind of cell.
    pub(crate) const VTABLE: &'static Vtable = &Vtable {
        run: run::<F>,
        poll_completion: poll_completion::<F>,
        shut_down: shut_down::<F>,
        poll_complete: poll_complete::<F>,
        poll_join: poll_join::<F>,
        output_is: output_is::<F>,
        is_consumed: is_consumed::<F>,
        dealloc: dealloc::<F>,
    };

    /// Allocate the cell of `future`: one count for the slab, one for the
    /// `Task`.
    #[inline]
    pub(crate) fn allocate(header: impl FnOnce() -> Header, future: F) -> (RawTask, RawTask) {
        // Allocated first, then written: the header is made in place, not
        // on the stack and copied.
        let mut cell = Box::<TaskCell<F>>::new_uninit();
        cell.write(TaskCell {
            header: header(),
            stage: UnsafeCell::new(Stage {
                future: ManuallyDrop::new(future),
            }),
            joiner: Cell::new(None),
        });
        // SAFETY: written just above.
        let mut cell = unsafe { cell.assume_init() };
        // Whatever `header` was made with, its entries must be this
        // cell's (a constant's address may differ between uses, so it is
        // set here rather than compared).
        cell.header.vtable = Self::VTABLE;
        cell.header.refs.set(2);
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        // SAFETY: the cell was just allocated with two counts, and the
        // header is at its address (`repr(C)`, first field); `dealloc::<F>`
        // frees it as the `Box<TaskCell<F>>` it was.
        unsafe { (RawTask::from_counted(ptr), RawTask::from_counted(ptr)) }
    }

    /// The cell at `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is the header of a live `TaskCell<F>` (its vtable is this
    /// type's: the vtable's functions are the only callers).
    #[inline]
    unsafe fn from_header<'a>(ptr: NonNull<Header>) -> &'a TaskCell<F> {
        // SAFETY: the caller's promise; the header is at offset 0.
        unsafe { ptr.cast::<TaskCell<F>>().as_ref() }
    }

    /// The stage, to change it.
    ///
    /// # Safety
    ///
    /// No other reference to the stage is alive while the returned one is.
    /// The module invariants say who may call: the loop's poll and close
    /// (not complete), the handles (complete only).
    #[allow(clippy::mut_from_ref)]
    #[inline]
    unsafe fn stage_mut(&self) -> &mut Stage<F> {
        // SAFETY: the caller's promise.
        unsafe { &mut *self.stage.get() }
    }

    /// The output, once the task is complete and until it is taken.
    #[inline]
    fn output(&self) -> Option<&Result<F::Output, JoinError>> {
        if !self.header.is_complete() || !self.header.state.is_holding(Holds::Output) {
            return None;
        }
        // SAFETY: complete, the stage is only read, or taken by `poll_join`,
        // which nothing calls while this reference lives (its users run no
        // user code while they hold it); `Finished` says the output is the
        // live field.
        Some(unsafe { &(*self.stage.get()).output })
    }

    /// Drop the future in place and store `output`; then, unless the
    /// drop cancelled tasks the future was awaiting (and `cx` is there to
    /// wait for them: not at shutdown), complete. `true` once complete.
    ///
    /// A panic from the future's destructor (or from a joiner's foreign
    /// waker) is caught and discarded: the output is stored either way, as an
    /// assignment whose drop unwinds still writes the new value.
    fn complete(&self, output: Result<F::Output, JoinError>, cx: Option<&mut Context<'_>>) -> bool {
        self.header.state.close();
        // SAFETY: the loop closes the task (`run`, `shut_down`), not polling
        // it; closing, not complete, the handles do not read the stage, so
        // this is its only reference. The future's destructor (user code)
        // cannot reach it either: only the loop runs or closes a task.
        let stage = unsafe { self.stage_mut() };
        // Awaited handles the future drops put their tasks in `extra`
        // (`cancel::dropped_while_awaited` finds this task closing).
        if self.header.state.is_holding(Holds::Future) {
            // Gone, even if its destructor unwinds part way.
            self.header.state.set_holds(Holds::Nothing);
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: `Pending`: the future is the live field, dropped
                // here once (the tag says so from now on).
                unsafe { ManuallyDrop::drop(&mut stage.future) }
            }));
        }
        stage.output = ManuallyDrop::new(output);
        self.header.state.set_holds(Holds::Output);
        if let (Some(extra), Some(cx)) = (self.header.extra.get(), cx) {
            if extra.poll_cancelled(self.header.id, cx).is_pending() {
                return false;
            }
        }
        self.finish();
        true
    }

    /// The output is stored and nothing it awaited runs any more: the task
    /// is complete; wake whoever awaits it.
    #[inline]
    fn finish(&self) {
        self.header.state.complete();
        if let Some(joiner) = self.joiner.take() {
            wake_joiner(joiner);
        }
        if let Some(extra) = self.header.extra.get() {
            extra.wake_watchers();
        }
    }

    fn cancelled(&self) -> Result<F::Output, JoinError> {
        Err(JoinError::cancelled(
            self.header.id,
            self.header.cancel_message(),
        ))
    }

    fn run(&self, cx: &mut Context<'_>) -> bool {
        match self.header.state.start() {
            Start::Poll => {}
            Start::Done => return true,
            Start::Cancel => return self.complete(self.cancelled(), Some(cx)),
            Start::Finish => {
                let mut cancelled = self.header.extra().cancelled.borrow_mut();
                if cancelled.poll(cx).is_pending() {
                    return false;
                }
                drop(cancelled);
                self.finish();
                return true;
            }
        }
        self.header.count_poll();
        let polled = panic::catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the loop polls the task (running, not complete: the
            // handles do not read the stage), and never re-entrantly: only
            // the loop runs a task, and it does not run one inside a poll.
            let stage = unsafe { self.stage_mut() };
            assert!(
                self.header.state.is_holding(Holds::Future),
                "a task without a future was scheduled"
            );
            // SAFETY: `Pending`: the future is the live field.
            let future: &mut F = unsafe { &mut stage.future };
            // SAFETY: the future stays at this address until it is dropped in
            // place by `complete` (see the module invariants).
            let future = unsafe { Pin::new_unchecked(future) };
            future.poll(cx)
        }));
        self.header.state.end_poll();
        let output = match polled {
            Ok(Poll::Pending) => return false,
            // Cancelled during its last poll: asyncio reports such a task as
            // cancelled, and so does `cancel()`'s `true`.
            Ok(Poll::Ready(value)) if self.header.is_cancelled() => {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(value)));
                self.cancelled()
            }
            Ok(Poll::Ready(value)) => Ok(value),
            // A panic wins over a cancellation requested during this poll,
            // as an exception does over `cancel()` in asyncio.
            Err(payload) => {
                self.header.state.panicked();
                Err(JoinError::panic(self.header.id, payload))
            }
        };
        self.complete(output, Some(cx))
    }

    fn poll_completion(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.header.is_complete() {
            return Poll::Ready(());
        }
        let mut watchers = self.header.extra().watchers.borrow_mut();
        if !watchers.iter().any(|w| w.will_wake(cx.waker())) {
            watchers.push(cx.waker().clone());
        }
        Poll::Pending
    }

    fn shut_down(&self) {
        if self.header.is_complete() {
            return;
        }
        if self.header.state.is_closing() {
            // It waits for tasks its close cancelled: they go too.
            self.header.extra().cancelled.borrow_mut().clear();
            self.finish();
            return;
        }
        let _ = self.header.state.request_cancel();
        self.complete(self.cancelled(), None);
    }

    fn poll_complete(&self, cx: &mut Context<'_>) -> Poll<bool> {
        if !self.header.is_complete() {
            let joiner = match self.joiner.take() {
                Some(w) if w.will_wake(cx.waker()) => w,
                _ => cx.waker().clone(),
            };
            self.joiner.set(Some(joiner));
            return Poll::Pending;
        }
        Poll::Ready(matches!(self.output(), Some(Err(_))))
    }

    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, JoinError>> {
        if self.poll_complete(cx).is_pending() {
            return Poll::Pending;
        }
        // SAFETY: complete: only the handles touch the stage now, one call
        // at a time, and none holds a reference to it across this one
        // (`finished_stage`'s readers let go before returning).
        let stage = unsafe { self.stage_mut() };
        // Only a finished stage is moved out: never a (pinned) future.
        if !self.header.state.is_holding(Holds::Output) {
            panic!("a uniloop::Task was polled after it returned its output");
        }
        self.header.state.set_holds(Holds::Nothing);
        // SAFETY: `Finished`: the output is the live field, taken once (the
        // tag now says `Consumed`).
        Poll::Ready(unsafe { ManuallyDrop::take(&mut stage.output) })
    }

    /// `test` runs with a reference into the stage: it must not touch
    /// this task (the crate's callers pass plain predicates).
    fn output_is(&self, test: &mut dyn FnMut(&F::Output) -> bool) -> bool {
        match self.output() {
            Some(Ok(output)) => test(output),
            _ => false,
        }
    }

    fn is_consumed(&self) -> bool {
        self.header.is_complete() && self.header.state.is_holding(Holds::Nothing)
    }
}

// The vtable's entries: each finds its `TaskCell<F>` at the header's
// address. SAFETY (for all of them): a vtable is only reached through the
// header of the cell it was made for (`TaskCell::allocate`), by a
// `RawTask` holding a count of that live cell.

unsafe fn run<F: Future>(ptr: NonNull<Header>, cx: &mut Context<'_>) -> bool {
    // SAFETY: see above.
    unsafe { TaskCell::<F>::from_header(ptr) }.run(cx)
}

unsafe fn poll_completion<F: Future>(ptr: NonNull<Header>, cx: &mut Context<'_>) -> Poll<()> {
    // SAFETY: see above.
    unsafe { TaskCell::<F>::from_header(ptr) }.poll_completion(cx)
}

unsafe fn shut_down<F: Future>(ptr: NonNull<Header>) {
    // SAFETY: see above.
    unsafe { TaskCell::<F>::from_header(ptr) }.shut_down()
}

unsafe fn poll_complete<F: Future>(ptr: NonNull<Header>, cx: &mut Context<'_>) -> Poll<bool> {
    // SAFETY: see above.
    unsafe { TaskCell::<F>::from_header(ptr) }.poll_complete(cx)
}

unsafe fn poll_join<F: Future>(ptr: NonNull<Header>, cx: &mut Context<'_>, out: *mut ()) {
    // SAFETY: see above.
    let cell = unsafe { TaskCell::<F>::from_header(ptr) };
    if let Poll::Ready(output) = cell.poll_join(cx) {
        // SAFETY: `out` is the caller's `Poll<Result<F::Output, JoinError>>`
        // (`RawTask::poll_join`: a `Task<T>` has the cell's output type), a
        // live, initialised value: assigning drops its `Pending`.
        unsafe { *out.cast::<Poll<Result<F::Output, JoinError>>>() = Poll::Ready(output) };
    }
}

unsafe fn output_is<F: Future>(ptr: NonNull<Header>, test: *mut ()) -> bool {
    // SAFETY: see above; `test` is the caller's `&mut dyn FnMut(&T) ->
    // bool` with `T` the cell's output type (`RawTask::output_is`).
    let test = unsafe { &mut *test.cast::<&mut dyn FnMut(&F::Output) -> bool>() };
    // SAFETY: see above.
    unsafe { TaskCell::<F>::from_header(ptr) }.output_is(*test)
}

unsafe fn is_consumed<F: Future>(ptr: NonNull<Header>) -> bool {
    // SAFETY: see above.
    unsafe { TaskCell::<F>::from_header(ptr) }.is_consumed()
}

unsafe fn dealloc<F: Future>(ptr: NonNull<Header>) {
    // SAFETY: the last count is gone (`RawTask::drop`): nothing else
    // points at the cell, allocated as a `Box<TaskCell<F>>` by `allocate`.
    drop(unsafe { Box::from_raw(ptr.cast::<TaskCell<F>>().as_ptr()) });
}

impl<F: Future> Drop for TaskCell<F> {
    /// Drop what the stage holds. In debug mode, first report a panic that
    /// nobody awaited (≙ asyncio's "Task exception was never retrieved").
    fn drop(&mut self) {
        let stage = self.stage.get_mut();
        match self.header.state.holds() {
            // SAFETY: the state names the live field, dropped once here,
            // with the cell.
            Holds::Future => unsafe { ManuallyDrop::drop(&mut stage.future) },
            Holds::Output => {
                // SAFETY: as above.
                let output = unsafe { &mut stage.output };
                if self.header.state.reports_unretrieved() {
                    report_unretrieved(&self.header, output);
                }
                // SAFETY: as above.
                unsafe { ManuallyDrop::drop(output) }
            }
            Holds::Nothing => {}
        }
    }
}

/// Debug mode: a task's panic nobody retrieved.
#[cold]
fn report_unretrieved<T>(header: &Header, output: &Result<T, JoinError>) {
    if let Err(err) = output {
        if err.is_panic() {
            let message = err.panic_message().unwrap_or_else(|| "(no message)".into());
            let _ = writeln!(
                io::stderr().lock(),
                "uniloop: {} panicked and its exception was never retrieved: {message}",
                header.describe()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task cell is one allocation, the cell itself (the count is in
    /// its header).
    fn allocation_of<F: Future>(_future: F) -> usize {
        mem::size_of::<TaskCell<F>>()
    }

    /// The cell of a small task (a future of 16 bytes returning a `u64`,
    /// as `spawn(async move { i })`) and of a sleeping one (`async fn`
    /// awaiting a `Sleep`, 72 bytes) stay small: spawning is mostly
    /// allocating, and idle tasks are mostly their cells. BENCHMARKS.md
    /// reports these sizes.
    #[test]
    fn a_small_task_is_one_small_allocation() {
        let i = 7u64;
        assert_eq!(
            mem::size_of::<JoinError>(),
            8,
            "JoinError is one boxed word"
        );
        assert_eq!(mem::size_of::<Header>(), 48);
        assert_eq!(mem::size_of::<RawTask>(), 8, "a task handle is one word");
        assert_eq!(allocation_of(async move { i }), 80);
        async fn sleeper(duration: std::time::Duration) {
            crate::time::sleep(duration).await;
        }
        let sleeper = sleeper(std::time::Duration::from_millis(1));
        assert_eq!(mem::size_of_val(&sleeper), 72);
        assert_eq!(allocation_of(sleeper), 136);
    }

    /// Every `Sleep` and `Timeout` holds a timer: 40 bytes (the driver, the
    /// deadline, a four-byte wheel key and what it serves); `Sleep` 48.
    #[test]
    fn a_timer_is_five_words() {
        assert_eq!(mem::size_of::<crate::time::Timer>(), 40);
        assert_eq!(mem::size_of::<crate::time::Sleep>(), 48);
    }

    /// The 16-bit poll count carries into `Extra`: `polls` stays exact.
    #[test]
    fn the_poll_count_carries_past_16_bits() {
        let header = Header::new(
            TaskId(1),
            None,
            Location::caller(),
            Kind::Callback,
            TaskRef::new(0, 0, 0),
            true,
            TaskCell::<std::future::Ready<()>>::VTABLE,
        );
        header.polls_low.set(u16::MAX - 1);
        header.count_poll();
        assert_eq!(header.polls(), u64::from(u16::MAX));
        header.count_poll();
        assert_eq!(header.polls(), 1 << 16);
        header.count_poll();
        assert_eq!(header.polls(), (1 << 16) + 1);
        // The fixed bits beside the state's survive.
        assert_eq!(header.kind(), Kind::Callback);
        assert!(header.state.reports_unretrieved());
    }
}
