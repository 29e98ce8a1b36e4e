//! `on_cancel` and `finally`: async cleanup that runs when the task is
//! cancelled (and, for `finally`, when the work ends).
//!
//! # Invariants
//!
//! - A `Cleanup` is *armed* from its first poll inside a task until its
//!   cleanup has run (or it is dropped): it counts in the task's state
//!   (`Header::arm_cleanup`), so a cancellation polls the task instead of
//!   dropping its future, and its waker is in the task's cancel watchers,
//!   so the cancellation reaches it even behind futures that would not
//!   poll it for the task's own wake.
//! - Scopes nest: a `Cleanup` armed while another's work is polled is that
//!   one's inner scope (`SCOPES`, the stack of scopes being polled). On a
//!   cancellation the outer one keeps polling its work until its inner
//!   scopes are done, then drops it: inner cleanups run first, as nested
//!   `except` blocks do.
//! - The work is dropped under a collector (`cancel::collecting`), and the
//!   cleanup runs only once the tasks that drop cancelled have completed:
//!   as asyncio's `except` block runs after the awaited task's
//!   cancellation.
//! - After a cancellation's cleanup the future stays pending: the task,
//!   with no cleanup armed, is closed at its next turn and ends cancelled.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::runtime::context;
use crate::runtime::task::cancel::{collecting, Cancelling};
use crate::runtime::task::raw::RawTask;
use crate::util::wait_list::{WaitEntry, WaitList, WaitListOwner};

thread_local! {
    /// The scopes whose work is being polled, innermost last: each is the
    /// count of live scopes nested in it.
    static SCOPES: RefCell<Vec<Rc<Cell<usize>>>> = const { RefCell::new(Vec::new()) };
}

/// Run `work` (a cancellation's cleanup, written as asyncio's `except
/// CancelledError: await cleanup(); raise`): if the task running it is
/// cancelled while `work` runs, `work` is dropped, the tasks it awaited
/// finish cancelling, then `cleanup` runs to its end (it may await
/// anything) before the task ends cancelled.
///
/// Whoever waits for the task (its awaiter, a [`TaskGroup`]'s join,
/// [`wait`], the runtime's shutdown) sees it finished only once the
/// cleanup has ended. If the task is not cancelled, `cleanup` never runs
/// and the output is `work`'s.
///
/// It reacts to the cancellation of its *task* ([`Task::cancel`], a
/// cancelled task that awaited this one, a [`TaskGroup`] failing, the
/// runtime shutting down), not to the drop of this future by its own
/// task (a `select!` or a [`timeout`] that gives up on it just drops it, as
/// Rust drops any future). To give a timeout cleanup, run the work as a
/// task: `timeout(d, spawn(on_cancel(work, cleanup)))` cancels it on
/// expiry and returns once its cleanup ran (≙ `asyncio.wait_for`). Outside
/// a task (the future given to `block_on`) there is nothing to cancel it,
/// and it is just `work`.
///
/// [`TaskGroup`]: crate::TaskGroup
/// [`wait`]: crate::wait
/// [`Task::cancel`]: crate::Task::cancel
/// [`timeout`]: crate::timeout
///
/// # Panics
///
/// A panic in `work` or `cleanup` goes on as the task's panic.
///
/// # Cancel safety
///
/// Dropped by its own task (not cancelled), it drops `work` and never runs
/// `cleanup`.
///
/// # Examples
///
/// ```python
/// async def worker():
///     try:
///         await serve()
///     except asyncio.CancelledError:
///         await flush_logs()
///         raise
/// ```
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     let worker = uniloop::spawn(uniloop::on_cancel(
///         async { uniloop::sleep(Duration::from_secs(3600)).await },
///         async move {
///             uniloop::sleep(Duration::from_millis(5)).await; // cleanup may await
///             l.borrow_mut().push("flushed");
///         },
///     ));
///     uniloop::yield_now().await;
///     worker.cancel();
///     assert!(worker.await.unwrap_err().is_cancelled()); // after the cleanup
///     assert_eq!(*log.borrow(), ["flushed"]);
/// });
/// ```
pub fn on_cancel<F: Future, C: Future<Output = ()>>(work: F, cleanup: C) -> Cleanup<F, C> {
    Cleanup::new(work, cleanup, false)
}

/// Run `work`, then `cleanup`, whether `work` ends or its task is
/// cancelled (≙ `try: ... finally: await cleanup()`): the output is
/// `work`'s, given once `cleanup` has run; if `work` panics, `cleanup`
/// runs and the panic goes on. On a cancellation it behaves as
/// [`on_cancel`].
///
/// # Panics
///
/// A panic in `work` (after `cleanup`) or in `cleanup` goes on as the
/// task's panic.
///
/// # Cancel safety
///
/// As [`on_cancel`]: dropped by its own task, it drops what runs and does
/// not start `cleanup`.
///
/// # Examples
///
/// ```python
/// async def fetch(conn):
///     try:
///         return await conn.query()
///     finally:
///         await conn.release()
/// ```
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// uniloop::run(async {
///     let released = Rc::new(Cell::new(false));
///     let r = released.clone();
///     let rows = uniloop::finally(async { vec![1, 2, 3] }, async move { r.set(true) }).await;
///     assert_eq!(rows, [1, 2, 3]);
///     assert!(released.get());
/// });
/// ```
pub fn finally<F: Future, C: Future<Output = ()>>(work: F, cleanup: C) -> Cleanup<F, C> {
    Cleanup::new(work, cleanup, true)
}

enum Phase<T> {
    /// `work` runs.
    Work,
    /// The task was cancelled: `work` was dropped; the tasks the drop
    /// cancelled are finishing.
    Children(Cancelling),
    /// `cleanup` runs; then give the output (finally), resume the panic,
    /// or stay pending for the close (a cancellation).
    Cleanup(Ending<T>),
    /// A cancellation's cleanup has run.
    Done,
}

enum Ending<T> {
    Output(T),
    Panic(Box<dyn Any + Send>),
    Cancelled,
}

/// Where an armed `Cleanup` is registered.
struct Armed {
    task: RawTask,
    /// Its waker among the task's cancel watchers.
    watch: WaitEntry<Watchers>,
    /// The scopes nested in this one, alive.
    inner: Rc<Cell<usize>>,
    /// The scope this one is nested in, if any.
    outer: Option<Rc<Cell<usize>>>,
}

impl Drop for Armed {
    fn drop(&mut self) {
        self.task.header().disarm_cleanup();
        if let Some(outer) = &self.outer {
            outer.set(outer.get() - 1);
        }
    }
}

/// A task's cancel watchers, owner of a cleanup's wait entry.
struct Watchers(RawTask);

impl WaitListOwner for Watchers {
    type Data = ();

    fn with_list<R>(&self, f: impl FnOnce(&mut WaitList<()>) -> R) -> R {
        f(&mut self.0.header().extra().cancel_watchers.borrow_mut())
    }
}

pin_project! {
    /// The future of [`on_cancel`] and [`finally`].
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let guarded: uniloop::Cleanup<_, _> = uniloop::finally(async { 1 }, async {});
    ///     assert_eq!(guarded.await, 1);
    /// });
    /// ```
    #[must_use = "futures do nothing unless you .await or poll them"]
    pub struct Cleanup<F: Future, C> {
        #[pin]
        work: Option<F>,
        #[pin]
        cleanup: C,
        // `finally`: the cleanup also runs when the work ends.
        always: bool,
        phase: Phase<F::Output>,
        armed: Option<Armed>,
        // Armed once, at the first poll (or found outside a task).
        started: bool,
    }
}

impl<F: Future, C: Future<Output = ()>> Cleanup<F, C> {
    fn new(work: F, cleanup: C, always: bool) -> Cleanup<F, C> {
        Cleanup {
            work: Some(work),
            cleanup,
            always,
            phase: Phase::Work,
            armed: None,
            started: false,
        }
    }
}

/// Arm a cleanup in the task being polled, if any.
fn arm() -> Option<Armed> {
    let task = context::with_current(|core| core.scheduler().running_task()).flatten()?;
    task.header().arm_cleanup();
    let outer = SCOPES
        .try_with(|s| s.borrow().last().cloned())
        .ok()
        .flatten();
    if let Some(outer) = &outer {
        outer.set(outer.get() + 1);
    }
    Some(Armed {
        watch: WaitEntry::new(Watchers(task.clone())),
        task,
        inner: Rc::new(Cell::new(0)),
        outer,
    })
}

/// Poll `work` as the scope `inner`: cleanups armed meanwhile nest in it.
fn poll_in_scope<T>(inner: Option<&Rc<Cell<usize>>>, poll: impl FnOnce() -> T) -> T {
    let Some(inner) = inner else { return poll() };
    let pushed = SCOPES
        .try_with(|s| s.borrow_mut().push(inner.clone()))
        .is_ok();
    struct Pop(bool);
    impl Drop for Pop {
        fn drop(&mut self) {
            if self.0 {
                let _ = SCOPES.try_with(|s| s.borrow_mut().pop());
            }
        }
    }
    let _pop = Pop(pushed);
    poll()
}

impl<F: Future, C: Future<Output = ()>> Future for Cleanup<F, C> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        if !*this.started {
            *this.started = true;
            *this.armed = arm();
        }
        loop {
            match this.phase {
                Phase::Work => {
                    let cancelled = this
                        .armed
                        .as_ref()
                        .is_some_and(|a| a.task.header().is_cancelled());
                    let inner_alive = this.armed.as_ref().is_some_and(|a| a.inner.get() > 0);
                    if cancelled && !inner_alive {
                        // Drop the work, and wait for what it awaited.
                        let armed = this.armed.as_ref().expect("cancelled only when armed");
                        let message = armed.task.header().cancel_message();
                        let mut work = this.work.as_mut();
                        let ((), children) = collecting(message, || work.set(None));
                        *this.phase = Phase::Children(children);
                        continue;
                    }
                    if let Some(armed) = this.armed.as_mut() {
                        armed.watch.keep_waiting(cx.waker());
                    }
                    let work = this.work.as_mut().as_pin_mut().expect("work runs");
                    let inner = this.armed.as_ref().map(|a| &a.inner);
                    let polled = if *this.always {
                        panic::catch_unwind(AssertUnwindSafe(|| {
                            poll_in_scope(inner, || work.poll(cx))
                        }))
                    } else {
                        Ok(poll_in_scope(inner, || work.poll(cx)))
                    };
                    let ending = match polled {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(output)) if !*this.always => {
                            *this.armed = None;
                            return Poll::Ready(output);
                        }
                        Ok(Poll::Ready(output)) => Ending::Output(output),
                        Err(payload) => Ending::Panic(payload),
                    };
                    this.work.set(None);
                    *this.phase = Phase::Cleanup(ending);
                }
                Phase::Children(children) => {
                    if children.poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *this.phase = Phase::Cleanup(Ending::Cancelled);
                }
                Phase::Cleanup(_) => {
                    if this.cleanup.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *this.armed = None;
                    match std::mem::replace(this.phase, Phase::Done) {
                        Phase::Cleanup(Ending::Output(output)) => return Poll::Ready(output),
                        Phase::Cleanup(Ending::Panic(payload)) => panic::resume_unwind(payload),
                        // Stay pending: the task, cancelled with no cleanup
                        // armed, is closed at its next turn.
                        _ => {
                            cx.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                    }
                }
                Phase::Done => return Poll::Pending,
            }
        }
    }
}

impl<F: Future, C> fmt::Debug for Cleanup<F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match self.phase {
            Phase::Work => "work",
            Phase::Children(_) => "awaiting cancelled tasks",
            Phase::Cleanup(_) => "cleanup",
            Phase::Done => "done",
        };
        f.debug_struct("Cleanup")
            .field("finally", &self.always)
            .field("phase", &phase)
            .finish()
    }
}
