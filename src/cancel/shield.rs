//! `shield`: await a task without passing a cancellation on to it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::{JoinError, Task};

/// Await `task` without passing cancellation on to it (≙
/// `asyncio.shield`): if the awaiting task is cancelled (or this future is
/// dropped), `task` runs on, detached, instead of being cancelled with it.
///
/// # Cancel safety
///
/// Cancel safe: dropping it detaches the task, which runs to its end.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let (tx, rx) = uniloop::channel::oneshot::channel();
///     let save = uniloop::spawn(async move {
///         uniloop::sleep(Duration::from_millis(10)).await;
///         tx.send("saved").unwrap();
///     });
///     let caller = uniloop::spawn(uniloop::shield(save));
///     uniloop::yield_now().await;
///     caller.cancel(); // the caller is cancelled; the save goes on
///     assert!(caller.await.unwrap_err().is_cancelled());
///     assert_eq!(rx.await, Ok("saved"));
/// });
/// ```
pub fn shield<T>(task: Task<T>) -> Shield<T> {
    Shield { task: Some(task) }
}

/// The future of [`shield`]: the task's outcome.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let shielded: uniloop::Shield<u8> = uniloop::shield(uniloop::spawn(async { 3 }));
///     assert_eq!(shielded.await.unwrap(), 3);
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Shield<T> {
    task: Option<Task<T>>,
}

impl<T> Future for Shield<T> {
    type Output = Result<T, JoinError>;

    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let task = this
            .task
            .as_mut()
            .expect("uniloop::Shield polled after it returned its output");
        let output = std::task::ready!(task.poll_unawaited(cx));
        this.task = None;
        Poll::Ready(output)
    }
}

impl<T> Drop for Shield<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.detach();
        }
    }
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield").field("task", &self.task).finish()
    }
}
