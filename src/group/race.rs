//! `race`: the first of several futures to finish wins.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::join::Join;
use crate::runtime::task::cancel::{collecting, Cancelling};

/// Run every future of `futures` concurrently inside the current task;
/// the first to finish gives the output and the others are dropped
/// (cancelled) at once (≙ `asyncio.wait(..., return_when=FIRST_COMPLETED)`
/// followed by cancelling the rest; trio's "happy eyeballs" pattern).
///
/// When several finish during the same wake-up, the one woken first wins.
/// The [`Task`](crate::Task)s the losers were awaiting are cancelled with
/// them, and `race` returns once their cancellation completed (as
/// [`timeout`](crate::timeout) does).
///
/// # Panics
///
/// If `futures` is empty: "uniloop::race() needs at least one future"
/// (there would be no winner to wait for).
///
/// # Cancel safety
///
/// Dropping it drops every future.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let mirror = |name: &'static str, ms: u64| async move {
///         uniloop::sleep(Duration::from_millis(ms)).await;
///         name
///     };
///     let fastest = uniloop::race([mirror("eu", 30), mirror("us", 10), mirror("asia", 20)]).await;
///     assert_eq!(fastest, "us");
/// });
/// ```
#[track_caller]
pub fn race<I>(futures: I) -> Race<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let join = Join::new(futures);
    assert!(join.len() > 0, "uniloop::race() needs at least one future");
    Race { join, won: None }
}

/// The future of [`race`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let race: uniloop::Race<_> = uniloop::race(vec![std::future::ready(1)]);
///     assert_eq!(race.await, 1);
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Race<F: Future> {
    join: Join<F>,
    /// The winner's output, held while the tasks the losers awaited
    /// finish cancelling.
    won: Option<(F::Output, Cancelling)>,
}

// The output is never pinned, and `Join` is `Unpin`.
impl<F: Future> Unpin for Race<F> {}

impl<F: Future> Future for Race<F> {
    type Output = F::Output;

    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        if this.won.is_none() {
            let join = &mut this.join;
            let winner = match join.poll_next(cx) {
                Poll::Ready(Some(winner)) => winner,
                Poll::Ready(None) => panic!("uniloop::Race polled after it returned its output"),
                Poll::Pending => return Poll::Pending,
            };
            let output = join.take(winner);
            // Drop the losers; the tasks they awaited are cancelled, and
            // waited for.
            let ((), cancelling) = collecting(None, || join.clear());
            this.won = Some((output, cancelling));
        }
        let (_, cancelling) = this.won.as_mut().expect("set above");
        std::task::ready!(cancelling.poll(cx));
        let (output, _) = this.won.take().expect("set above");
        Poll::Ready(output)
    }
}

impl<F: Future> fmt::Debug for Race<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Race")
            .field("len", &self.join.len())
            .finish()
    }
}
