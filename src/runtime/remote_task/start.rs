//! The loop's side of `Handle::spawn`: what is sent to the loop (the
//! closure that builds the future, beside the one-shot the `RemoteTask`
//! waits on, in one allocation), how the loop starts it, and the future
//! that runs the user's and fills the one-shot.

use std::future::Future;
use std::io::{self, Write};
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::ThreadId;

use pin_project_lite::pin_project;

use super::{dropped, Outcome, RemoteError, RemoteTask};
use crate::runtime::core::Core;
use crate::util::oneshot::{Filler, HasOneShot, OneShot};

/// What `Handle::spawn` sends to the loop, in one allocation with the
/// slot the `RemoteTask` waits on: the closure that builds the future.
struct Shared<M, Fut: Future> {
    slot: OneShot<Outcome<Fut::Output>>,
    /// Taken by `start` on the loop, or by `abandon` if it never gets there.
    make: Mutex<Option<M>>,
    location: &'static Location<'static>,
    /// Set by `start` on a debug-mode runtime to the task's id: a panic
    /// nobody took is then reported when this is dropped (≙ asyncio's
    /// "exception was never retrieved"), as for a detached local task.
    report_unretrieved: AtomicU64,
    _future: PhantomData<fn() -> Fut>,
}

impl<M, Fut: Future> Drop for Shared<M, Fut> {
    fn drop(&mut self) {
        let id = *self.report_unretrieved.get_mut();
        if id == 0 {
            return;
        }
        if let Some(Err(err)) = self.slot.unretrieved() {
            let Some(payload) = err.panic_payload() else {
                return;
            };
            let message = payload.describe();
            let _ = writeln!(
                io::stderr().lock(),
                "uniloop: task {id} (started by Handle::spawn at {}) panicked and its exception \
                 was never retrieved: {message}",
                self.location
            );
        }
    }
}

impl<M, Fut> HasOneShot<Outcome<Fut::Output>> for Shared<M, Fut>
where
    M: Send,
    Fut: Future,
    Fut::Output: Send,
{
    fn one_shot(&self) -> &OneShot<Outcome<Fut::Output>> {
        &self.slot
    }
}

/// The loop's side of a [`Shared`], with its types erased.
trait Start: Send + Sync {
    /// Build the future and spawn it.
    fn start(self: Arc<Self>, core: &Core);
    /// It will never start: answer the waiter.
    fn abandon(&self);
}

impl<M, Fut> Start for Shared<M, Fut>
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    fn start(self: Arc<Self>, core: &Core) {
        let Some(make) = lock(&self.make).take() else {
            return;
        };
        if self.slot.is_cancel_requested() {
            drop(make);
            return self.slot.fill(dropped(true));
        }
        match panic::catch_unwind(AssertUnwindSafe(make)) {
            Ok(future) => {
                let location = self.location;
                let shared = self.clone();
                let filler = Filler::new(self, dropped::<Fut::Output>);
                let task = RemoteFuture {
                    future,
                    filler: Some(filler),
                };
                let task = core.spawn(task, None, location);
                if core.is_debug() {
                    shared
                        .report_unretrieved
                        .store(task.id().0, Ordering::Relaxed);
                }
            }
            Err(payload) => self.slot.fill(Err(RemoteError::panic(payload))),
        }
    }

    fn abandon(&self) {
        let make = lock(&self.make).take();
        if make.is_some() {
            // Dropped first: its destructors run before the waiter hears.
            drop(make);
            self.slot.fill(dropped(self.slot.is_cancel_requested()));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Only `take` runs under it: a poison cannot mean a broken state.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A `Handle::spawn` on its way to the loop. Dropped unstarted (the
/// runtime refused it, or went away with it queued), it tells the waiter
/// the runtime is gone.
pub(crate) struct Starter(Option<Arc<dyn Start>>);

impl Starter {
    /// Start the task on `core`.
    pub(crate) fn start(mut self, core: &Core) {
        if let Some(start) = self.0.take() {
            start.start(core);
        }
    }
}

impl Drop for Starter {
    fn drop(&mut self) {
        if let Some(start) = self.0.take() {
            start.abandon();
        }
    }
}

/// A `RemoteTask` and the `Starter` to send to the loop.
pub(crate) fn starter<M, Fut>(
    make: M,
    owner: ThreadId,
    location: &'static Location<'static>,
) -> (RemoteTask<Fut::Output>, Starter)
where
    M: FnOnce() -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    let shared = Arc::new(Shared {
        slot: OneShot::empty(),
        make: Mutex::new(Some(make)),
        location,
        report_unretrieved: AtomicU64::new(0),
        _future: PhantomData::<fn() -> Fut>,
    });
    let task = RemoteTask {
        shared: shared.clone(),
        owner,
    };
    (task, Starter(Some(shared)))
}

pin_project! {
    /// The task's future: runs the user's future, puts its output (or its
    /// panic) in the slot, and stops early when cancelled.
    struct RemoteFuture<F: Future> {
        // Declared first: dropped before `filler` answers the waiter.
        #[pin]
        future: F,
        filler: Option<Filler<Outcome<F::Output>>>,
    }
}

impl<F: Future> Future for RemoteFuture<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let Some(filler) = this.filler.as_ref() else {
            return Poll::Ready(());
        };
        if filler.is_cancel_requested() {
            // Finishing drops this future: the user's future first (fields
            // drop in order), then the filler, whose drop answers
            // "cancelled". So the waiter hears only after the destructors.
            return Poll::Ready(());
        }
        // Caught here, not by the task: nobody holds this task's handle, so
        // a panic the task caught would count as never retrieved.
        let outcome = match panic::catch_unwind(AssertUnwindSafe(|| this.future.poll(cx))) {
            Ok(Poll::Pending) => {
                if filler.wake_on_cancel(cx.waker()) {
                    cx.waker().wake_by_ref(); // asked meanwhile: come back
                }
                return Poll::Pending;
            }
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(RemoteError::panic(payload)),
        };
        if let Some(filler) = this.filler.take() {
            filler.fill(outcome);
        }
        Poll::Ready(())
    }
}
