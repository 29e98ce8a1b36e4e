//! `HyperExecutor`: hyper's background futures as uniloop tasks.

use std::future::Future;

/// hyper's [`Executor`](::hyper::rt::Executor): spawns the futures hyper
/// runs in the background (an HTTP/2 connection's streams, a client
/// connection's driver) as tasks on the current loop, with
/// [`spawn`](crate::spawn) (≙ hyper-util's `TokioExecutor`). No `Send`
/// bound: the futures stay on the loop's thread, so hyper's `!Send`
/// flavours (services holding an `Rc`) work.
///
/// The tasks are detached: they run until their future completes, or the
/// runtime shuts down (which cancels them, as it cancels every task).
///
/// # Panics
///
/// `execute` outside a uniloop runtime: "uniloop::spawn() called outside a
/// uniloop runtime".
///
/// # Examples
///
/// ```
/// use hyper::rt::Executor;
/// use uniloop::hyper::HyperExecutor;
///
/// uniloop::run(async {
///     let (tx, rx) = uniloop::channel::oneshot::channel();
///     let shared = std::rc::Rc::new("not Send");
///     HyperExecutor.execute(async move {
///         tx.send(*shared).unwrap();
///     });
///     assert_eq!(rx.await.unwrap(), "not Send");
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HyperExecutor;

impl HyperExecutor {
    /// A `HyperExecutor` (it holds nothing; the type is a unit struct).
    ///
    /// # Examples
    ///
    /// ```
    /// let _executor = uniloop::hyper::HyperExecutor::new();
    /// ```
    pub fn new() -> HyperExecutor {
        HyperExecutor
    }
}

impl<F> ::hyper::rt::Executor<F> for HyperExecutor
where
    F: Future + 'static,
    F::Output: 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        // Never awaited, the handle detaches the task when dropped.
        drop(crate::spawn(future));
    }
}
