//! `Handle`: the way into a runtime from other threads.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use std::future::Future;

use super::context;
use super::driver::inbox::{Inbox, Message};
use super::remote_task::{self, RemoteTask};

/// A `Send + Sync` reference to a runtime, for other threads (≙ holding the
/// loop to call `loop.call_soon_threadsafe`).
///
/// Get one from [`Runtime::handle`](crate::Runtime::handle) or, on the
/// loop's thread, [`Handle::current`]. It does not keep the runtime alive.
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
///
/// uniloop::run(async {
///     let handle = uniloop::Handle::current();
///     let (tx, rx) = mpsc::channel();
///     std::thread::spawn(move || {
///         handle.call_soon_threadsafe(move || tx.send("ran on the loop").unwrap()).ok();
///     });
///     // Wait on the loop (without blocking it) until the callback ran.
///     loop {
///         if let Ok(msg) = rx.try_recv() {
///             assert_eq!(msg, "ran on the loop");
///             break;
///         }
///         uniloop::yield_now().await;
///     }
/// });
/// ```
#[derive(Clone)]
pub struct Handle {
    inbox: Arc<Inbox>,
}

/// The error of [`Handle::call_soon_threadsafe`] once the runtime is gone:
/// the callback comes back, never run.
///
/// # Examples
///
/// ```
/// let rt = uniloop::Runtime::new()?;
/// let handle = rt.handle();
/// drop(rt);
/// let message = String::from("never sent");
/// let uniloop::LoopClosed(f) = handle
///     .call_soon_threadsafe(move || println!("{message}"))
///     .unwrap_err();
/// f(); // handed back unrun: it can still be called, or dropped
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct LoopClosed<F>(pub F);

impl<F> fmt::Debug for LoopClosed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoopClosed(..)")
    }
}

impl<F> fmt::Display for LoopClosed<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the uniloop runtime is gone")
    }
}

impl<F> std::error::Error for LoopClosed<F> {}

impl Handle {
    pub(crate) fn new(inbox: Arc<Inbox>) -> Handle {
        Handle { inbox }
    }

    /// The handle of the runtime running on this thread.
    ///
    /// # Panics
    ///
    /// Outside a uniloop runtime: "uniloop::Handle::current() called outside
    /// a uniloop runtime".
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let handle = uniloop::Handle::current();
    ///     std::thread::spawn(move || drop(handle)).join().unwrap();
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        context::expect_current("Handle::current", |core| Handle::new(core.inbox().clone()))
    }

    /// The handle of the runtime running on this thread, or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::Handle::try_current().is_none());
    /// uniloop::run(async { assert!(uniloop::Handle::try_current().is_some()) });
    /// ```
    pub fn try_current() -> Option<Handle> {
        context::with_current(|core| Handle::new(core.inbox().clone()))
    }

    /// Start a task on the runtime from any thread (≙
    /// `asyncio.run_coroutine_threadsafe`), and get a [`RemoteTask`] for
    /// its output.
    ///
    /// `make` is sent to the loop and called there, and the future it
    /// returns is spawned as a task: so the future need not be `Send`, only
    /// `make` and the output are. A parked loop wakes at once; a busy loop
    /// starts the task when it takes in what other threads sent (see
    /// [`call_soon_threadsafe`](Self::call_soon_threadsafe)). A panic in
    /// `make` or in the future is delivered as
    /// [`RemoteError::is_panic`](crate::RemoteError::is_panic).
    ///
    /// If the runtime is gone, or is dropped before the task finishes, the
    /// `RemoteTask` resolves to
    /// [`is_runtime_gone`](crate::RemoteError::is_runtime_gone): it never
    /// hangs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// let threads: Vec<_> = (0..4u64)
    ///     .map(|i| {
    ///         let handle = handle.clone();
    ///         std::thread::spawn(move || {
    ///             handle.spawn(move || async move { i * 10 }).wait().unwrap()
    ///         })
    ///     })
    ///     .collect();
    /// rt.block_on(async {
    ///     while !threads.iter().all(|t| t.is_finished()) {
    ///         uniloop::sleep(Duration::from_millis(1)).await;
    ///     }
    /// });
    /// let results: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    /// assert_eq!(results, [0, 10, 20, 30]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn<M, Fut>(&self, make: M) -> RemoteTask<Fut::Output>
    where
        M: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let (task, starter) = remote_task::starter(make, self.inbox.owner(), Location::caller());
        // Refused by a dead runtime, the starter is dropped here and the
        // task resolves to "runtime gone".
        let _ = self.inbox.send(starter, Message::Spawn);
        task
    }

    /// Run `f` on the loop soon, from any thread (≙
    /// `loop.call_soon_threadsafe`).
    ///
    /// A parked loop wakes at once. A busy loop takes in what other threads
    /// sent between batches of polls (every 128 polls at most, and before a
    /// `block_on` starts), and `f` then joins the run queue behind the tasks
    /// ready at that moment, as [`call_soon`](crate::call_soon) would.
    /// Callbacks from one thread run in the order they were sent.
    ///
    /// # Errors
    ///
    /// [`LoopClosed`] with `f` if the runtime was dropped. A callback that
    /// was accepted but had not run when the runtime was dropped is dropped
    /// with it, unrun, as asyncio discards the callbacks of a closed loop.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// handle.call_soon_threadsafe(move || tx.send(1).unwrap()).unwrap();
    /// rt.block_on(uniloop::yield_now());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn call_soon_threadsafe<F>(&self, f: F) -> Result<(), LoopClosed<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        let location = Location::caller();
        self.inbox
            .send(f, |f| Message::Call(Box::new(f), location))
            .map_err(LoopClosed)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}
