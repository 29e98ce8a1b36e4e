//! `State`: every bit of a task's lifecycle, in one word, changed only
//! through the named transitions below.
//!
//! # The state machine
//!
//! ```text
//!             spawn                      (1) schedule
//!   (none) ---------> Scheduled <--------------------------- Idle
//!                        |  ^                                 ^
//!            (2) start   |  | (1) schedule, while running     | (3) end_poll: Pending
//!                        v  |                                 |
//!                      Running -------------------------------+
//!                        |
//!                        | (3) end_poll: Ready, or a panic    (5) request_cancel, any time
//!                        v                                        before Closing: Cancelled
//!                     Closing ---(6) complete---> Complete        (the next start, (2),
//!                                                                  goes straight to Closing,
//!                                                                  unless cleanups run)
//! ```
//!
//! 1. [`State::schedule`]: a wake. An idle task becomes scheduled (the
//!    caller queues it); a scheduled one stays as it is (it is queued at
//!    most once); a running one is scheduled again, to run after the tasks
//!    ahead of it. A done task is not scheduled.
//! 2. [`State::start`]: the loop pops the task. It is polled, or, if its
//!    cancellation was requested and no cleanup of it is armed, closed
//!    without a poll; a task closing while it waits for the tasks its close
//!    cancelled is checked again (`Start::Finish`); a stale queue entry of
//!    a complete task does nothing.
//! 3. [`State::end_poll`]: the poll returned. `Pending` leaves it idle (or
//!    scheduled, if it woke itself).
//! 4. (`Ready` or a panic: the outcome is decided, see 6.)
//! 5. [`State::request_cancel`]: sets `CANCELLED` unless the outcome is
//!    decided; the caller then schedules the task, so that the loop closes
//!    it. A task with armed cleanups (`on_cancel`, `finally`: counted by
//!    `Header::arm_cleanup`, flagged by [`State::set_cleanups`]) is polled instead, so that they run; it is
//!    closed once the last one is done. A task that panics in the poll
//!    during which it was cancelled ends with the panic:
//!    [`State::panicked`] clears `CANCELLED`.
//! 6. [`State::close`] then [`State::complete`]: the future is dropped in
//!    place (destructors may run user code, which may cancel this task: a
//!    no-op from `CLOSING` on), then the output is stored. If dropping the
//!    future cancelled tasks it was awaiting, the task stays `Closing` until
//!    they completed (it is woken by each), so that nothing it awaited runs
//!    after it is reported finished.
//!
//! # Allowed combinations
//!
//! `SCHEDULED` and `RUNNING` may both be set (a task that woke itself).
//! `CLOSING` and `COMPLETE` each exclude `RUNNING`; `COMPLETE` implies
//! `CLOSING`. `CANCELLED` is set only before `CLOSING`, and stays. Armed
//! cleanups are counted only while the task's future is alive.
//!
//! One bit of a task's life is not here: "woken from another thread". A
//! waker is an integer, not a pointer, so another thread cannot reach the
//! task's state; the runtime's inbox keeps that bit instead, as the set
//! of tasks with a wake queued (see `runtime::driver::inbox`).

use std::cell::Cell;

const SCHEDULED: u16 = 1 << 0;
const RUNNING: u16 = 1 << 1;
const CANCELLED: u16 = 1 << 2;
const CLOSING: u16 = 1 << 3;
const COMPLETE: u16 = 1 << 4;
/// Not part of the life cycle: the task's `Task` handle was polled as a
/// future (see `runtime::task::cancel`).
const AWAITED: u16 = 1 << 5;
/// Not part of the life cycle, fixed at spawn: the cell runs a callback
/// (`call_soon`), not a task. Kept here rather than in a field of its own
/// to keep the header at 48 bytes.
const CALLBACK: u16 = 1 << 6;
/// Not part of the life cycle: debug mode reports the task's panic if
/// nobody retrieves it (cleared once someone takes charge of it).
const REPORT_UNRETRIEVED: u16 = 1 << 7;
/// Cleanups are armed in the task's future (`on_cancel`, `finally`; their
/// count is kept with the header's rarely used part).
const CLEANUPS: u16 = 1 << 8;
/// Not part of the life cycle: which field of the cell's stage is live
/// ([`Holds`]), two bits.
const HOLDS_SHIFT: u32 = 9;
const HOLDS: u16 = 0b11 << HOLDS_SHIFT;

/// A task's state (only its loop's thread touches it).
#[derive(Default)]
pub(crate) struct State {
    bits: Cell<u16>,
}

/// What the task's cell holds: which field of its stage (a union) is live.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Holds {
    /// The future, until the task closes.
    Future = 0,
    /// The output, from the close until a handle takes it.
    Output = 1,
    /// Neither: taken (or, while the future is being dropped, not yet
    /// stored).
    Nothing = 2,
}

/// What a wake did ([`State::schedule`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a task that became scheduled must be queued"]
pub(crate) enum Schedule {
    /// The task became scheduled: queue it.
    Queue,
    /// Already queued, or done: nothing to do.
    Nothing,
}

/// What the loop does with a task it popped ([`State::start`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "the popped task must be polled, closed or left"]
pub(crate) enum Start {
    /// Poll it (it is running now).
    Poll,
    /// Its cancellation was requested, and no cleanup is armed: close it
    /// without polling.
    Cancel,
    /// It is closing and waits for tasks its close cancelled: see whether
    /// they are done.
    Finish,
    /// It is complete (a stale queue entry): leave it.
    Done,
}

impl State {
    /// A new task (or callback): scheduled, as it is queued when spawned.
    pub(crate) fn new_scheduled(callback: bool, report_unretrieved: bool) -> State {
        let mut bits = SCHEDULED;
        if callback {
            bits |= CALLBACK;
        }
        if report_unretrieved {
            bits |= REPORT_UNRETRIEVED;
        }
        State {
            bits: Cell::new(bits),
        }
    }

    #[inline]
    fn get(&self) -> u16 {
        self.bits.get()
    }

    /// Set or clear one of the bits outside the life cycle.
    #[inline]
    fn set_flag(&self, flag: u16, on: bool) {
        let s = self.get();
        self.set(if on { s | flag } else { s & !flag });
    }

    #[inline]
    fn set(&self, bits: u16) {
        self.bits.set(bits);
    }

    /// (1) A wake.
    #[inline]
    pub(crate) fn schedule(&self) -> Schedule {
        let s = self.get();
        if s & (SCHEDULED | COMPLETE) != 0 {
            return Schedule::Nothing;
        }
        self.set(s | SCHEDULED);
        Schedule::Queue
    }

    /// (2) Popped from the run queue.
    #[inline]
    pub(crate) fn start(&self) -> Start {
        let s = self.get() & !SCHEDULED;
        if s & (CLOSING | CANCELLED) != 0 {
            self.set(s);
            if s & COMPLETE != 0 {
                return Start::Done;
            }
            if s & CLOSING != 0 {
                return Start::Finish;
            }
            if s & CLEANUPS == 0 {
                return Start::Cancel;
            }
        }
        self.set(s | RUNNING);
        Start::Poll
    }

    /// (3) The poll returned.
    #[inline]
    pub(crate) fn end_poll(&self) {
        self.set(self.get() & !RUNNING);
    }

    /// (5) Ask for cancellation; `false` if the outcome is decided already
    /// or it was asked before. The caller must then schedule the task.
    pub(crate) fn request_cancel(&self) -> bool {
        let s = self.get();
        if s & (CANCELLED | CLOSING) != 0 {
            return false;
        }
        self.set(s | CANCELLED);
        true
    }

    /// Whether cleanups are armed (`Header::arm_cleanup` counts them): a
    /// cancellation polls the task (so that they run) instead of closing
    /// it.
    pub(crate) fn set_cleanups(&self, armed: bool) {
        self.set_flag(CLEANUPS, armed);
    }

    pub(crate) fn has_cleanups(&self) -> bool {
        self.get() & CLEANUPS != 0
    }

    /// Whether the cell holds `what` (one mask and compare).
    #[inline]
    pub(crate) fn is_holding(&self, what: Holds) -> bool {
        self.get() & HOLDS == (what as u16) << HOLDS_SHIFT
    }

    /// What the cell holds.
    #[inline]
    pub(crate) fn holds(&self) -> Holds {
        match (self.get() & HOLDS) >> HOLDS_SHIFT {
            0 => Holds::Future,
            1 => Holds::Output,
            _ => Holds::Nothing,
        }
    }

    #[inline]
    pub(crate) fn set_holds(&self, holds: Holds) {
        self.set(self.get() & !HOLDS | (holds as u16) << HOLDS_SHIFT);
    }

    /// The task panicked in the poll during which it was cancelled: its
    /// outcome is the panic (as an exception wins over `cancel()` in
    /// asyncio).
    pub(crate) fn panicked(&self) {
        self.set(self.get() & !CANCELLED);
    }

    /// (6) The outcome is decided; the future is about to be dropped.
    pub(crate) fn close(&self) {
        debug_assert!(self.get() & RUNNING == 0, "closed while running");
        self.set(self.get() | CLOSING);
    }

    /// (6) The output is stored.
    pub(crate) fn complete(&self) {
        debug_assert!(self.get() & CLOSING != 0, "completed without closing");
        self.set(self.get() | COMPLETE);
    }

    pub(crate) fn is_scheduled(&self) -> bool {
        self.get() & SCHEDULED != 0
    }

    pub(crate) fn is_running(&self) -> bool {
        self.get() & RUNNING != 0
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.get() & CANCELLED != 0
    }

    /// Its outcome is decided and its future dropped (complete, or
    /// waiting for tasks its close cancelled).
    pub(crate) fn is_closing(&self) -> bool {
        self.get() & CLOSING != 0
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.get() & COMPLETE != 0
    }

    /// The `Task` handle was polled as a future (or, `false`, detached).
    pub(crate) fn set_awaited(&self, awaited: bool) {
        self.set_flag(AWAITED, awaited);
    }

    pub(crate) fn is_awaited(&self) -> bool {
        self.get() & AWAITED != 0
    }

    /// Whether the cell runs a callback rather than a task.
    #[inline]
    pub(crate) fn is_callback(&self) -> bool {
        self.get() & CALLBACK != 0
    }

    /// Whether debug mode reports the task's panic if nobody retrieves it.
    pub(crate) fn reports_unretrieved(&self) -> bool {
        self.get() & REPORT_UNRETRIEVED != 0
    }

    /// Someone took charge of the task's panic.
    pub(crate) fn mark_retrieved(&self) {
        self.set(self.get() & !REPORT_UNRETRIEVED);
    }

    /// Whether the task's outcome is decided or its cancellation was
    /// requested (its armed cleanups may still run).
    pub(crate) fn is_done(&self) -> bool {
        self.get() & (CANCELLED | CLOSING) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_queued_once_however_often_it_is_woken() {
        let state = State::new_scheduled(false, false);
        assert_eq!(state.schedule(), Schedule::Nothing);
        assert_eq!(state.start(), Start::Poll);
        // Woken while running: queued again, once.
        assert_eq!(state.schedule(), Schedule::Queue);
        assert_eq!(state.schedule(), Schedule::Nothing);
        state.end_poll();
        assert!(state.is_scheduled() && !state.is_running());
        assert_eq!(state.start(), Start::Poll);
        state.end_poll();
        assert_eq!(state.schedule(), Schedule::Queue);
    }

    #[test]
    fn cancellation_closes_without_a_poll_and_wakes_do_nothing_after() {
        let state = State::new_scheduled(false, false);
        assert!(state.request_cancel());
        assert!(!state.request_cancel());
        assert!(state.is_done() && state.is_cancelled());
        assert_eq!(state.start(), Start::Cancel);
        state.close();
        // Closing, it may wait for tasks its close cancelled: a wake from
        // one of them queues it to see.
        assert_eq!(state.schedule(), Schedule::Queue);
        assert_eq!(state.start(), Start::Finish);
        state.complete();
        assert!(state.is_complete());
        assert!(!state.request_cancel());
        assert_eq!(state.schedule(), Schedule::Nothing);
        assert_eq!(state.start(), Start::Done);
    }

    #[test]
    fn a_cancelled_task_with_armed_cleanups_is_polled_until_they_are_done() {
        let state = State::new_scheduled(false, false);
        assert_eq!(state.start(), Start::Poll);
        state.set_cleanups(true);
        state.end_poll();
        assert!(state.request_cancel());
        assert_eq!(state.schedule(), Schedule::Queue);
        assert_eq!(state.start(), Start::Poll); // the cleanup runs
        state.set_cleanups(false);
        assert_eq!(state.schedule(), Schedule::Queue);
        state.end_poll();
        assert_eq!(state.start(), Start::Cancel); // then it closes
    }

    #[test]
    fn what_the_cell_holds_leaves_the_other_bits_alone() {
        let state = State::new_scheduled(true, true);
        assert_eq!(state.holds(), Holds::Future);
        for holds in [Holds::Output, Holds::Nothing, Holds::Future] {
            state.set_holds(holds);
            assert_eq!(state.holds(), holds);
            assert!(state.is_scheduled() && state.is_callback() && state.reports_unretrieved());
        }
    }

    #[test]
    fn a_panic_in_the_poll_that_was_cancelled_wins() {
        let state = State::new_scheduled(false, false);
        assert_eq!(state.start(), Start::Poll);
        assert!(state.request_cancel()); // the task cancels itself
        state.end_poll();
        state.panicked();
        state.close();
        state.complete();
        assert!(!state.is_cancelled() && state.is_complete());
    }
}
