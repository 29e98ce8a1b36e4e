//! `gather_all` and `try_gather_all`: a whole collection of futures at
//! once, inside the current task (≙ `asyncio.gather(*aws)`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::join::Join;
use crate::runtime::task::cancel::{collecting, Cancelling};

/// Run every future of `futures` concurrently inside the current task and
/// return their outputs in input order (≙ `asyncio.gather(*aws)`).
///
/// Each future is polled only when it was woken (it gets its own waker),
/// so gathering n futures that complete one at a time costs O(n) polls in
/// all, not O(n²). `return_exceptions=True` is the natural Rust form:
/// gather futures of `Result` and look at each.
///
/// Nothing is spawned: the futures run in the task that awaits, need no
/// `'static`, and are dropped (cancelled) with the returned future.
///
/// # Cancel safety
///
/// Dropping it drops every future not finished yet and every output
/// gathered so far.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     // Three "fetches" at once: the outputs come in input order, whatever
///     // order they finish in.
///     let pages = uniloop::gather_all((1..=3u64).map(|n| async move {
///         uniloop::sleep(Duration::from_millis(10 * (4 - n))).await;
///         format!("page {n}")
///     }))
///     .await;
///     assert_eq!(pages, ["page 1", "page 2", "page 3"]);
/// });
/// ```
///
/// An aggregate with one overall deadline (≙ `async with
/// asyncio.timeout(1): await asyncio.gather(...)`): when it passes, every
/// fetch still running is dropped.
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let fetch = |ms: u64| async move {
///         uniloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     };
///     let all = uniloop::gather_all([10, 20, 5_000].map(fetch));
///     assert!(uniloop::timeout(Duration::from_millis(100), all).await.is_err());
///     let all = uniloop::gather_all([10, 20].map(fetch));
///     assert_eq!(uniloop::timeout(Duration::from_millis(100), all).await, Ok(vec![10, 20]));
/// });
/// ```
pub fn gather_all<I>(futures: I) -> GatherAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    GatherAll {
        join: Join::new(futures),
    }
}

/// The future of [`gather_all`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let all: uniloop::GatherAll<_> = uniloop::gather_all([1, 2].map(|n| async move { n * 10 }));
///     assert_eq!(all.await, [10, 20]);
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct GatherAll<F: Future> {
    join: Join<F>,
}

impl<F: Future> Future for GatherAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let join = &mut self.get_mut().join;
        loop {
            match join.poll_next(cx) {
                Poll::Ready(Some(_)) => continue,
                Poll::Ready(None) => return Poll::Ready(join.take_all()),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<F: Future> fmt::Debug for GatherAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatherAll")
            .field("len", &self.join.len())
            .field("remaining", &self.join.remaining())
            .finish()
    }
}

/// Like [`gather_all`] for futures of `Result`: `Ok` with every value in
/// input order, or the first `Err` to happen, at which point every other
/// future is dropped (cancelled) at once.
///
/// # Cancel safety
///
/// Dropping it drops every future not finished yet and every value
/// gathered so far.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let fetch = |n: u64| async move {
///         uniloop::sleep(Duration::from_millis(n)).await;
///         if n == 20 { Err(format!("fetch {n} failed")) } else { Ok(n) }
///     };
///     let first_error = uniloop::try_gather_all([30, 20, 10].map(fetch)).await;
///     assert_eq!(first_error, Err("fetch 20 failed".to_string())); // 30 never finished
///     assert_eq!(uniloop::try_gather_all([1, 2].map(fetch)).await, Ok(vec![1, 2]));
/// });
/// ```
pub fn try_gather_all<I, T, E>(futures: I) -> TryGatherAll<I::Item>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    TryGatherAll {
        join: Join::new(futures),
        finished: false,
        failed: None,
    }
}

/// The future of [`try_gather_all`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let all: uniloop::TryGatherAll<_> =
///         uniloop::try_gather_all(vec![async { Ok::<_, ()>(1) }]);
///     assert_eq!(all.await, Ok(vec![1]));
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct TryGatherAll<F: Future> {
    join: Join<F>,
    /// It returned its output.
    finished: bool,
    /// The first `Err`, held while the tasks the dropped futures awaited
    /// finish cancelling.
    failed: Option<(F::Output, Cancelling)>,
}

// Nothing is pinned but the futures, in `Join` (which is `Unpin`).
impl<F: Future> Unpin for TryGatherAll<F> {}

impl<F, T, E> Future for TryGatherAll<F>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<Vec<T>, E>;

    /// # Panics
    ///
    /// If polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, E>> {
        let this = self.get_mut();
        assert!(
            !this.finished,
            "uniloop::TryGatherAll polled after it returned"
        );
        let output = this.poll_inner(cx);
        this.finished = output.is_ready();
        output
    }
}

impl<F, T, E> TryGatherAll<F>
where
    F: Future<Output = Result<T, E>>,
{
    fn poll_failed(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, E>> {
        let (_, cancelling) = self.failed.as_mut().expect("failed");
        std::task::ready!(cancelling.poll(cx));
        match self.failed.take().expect("failed") {
            (Err(err), _) => Poll::Ready(Err(err)),
            (Ok(_), _) => unreachable!("only an Err is held"),
        }
    }

    fn poll_inner(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, E>> {
        if self.failed.is_some() {
            return self.poll_failed(cx);
        }
        let join = &mut self.join;
        loop {
            match join.poll_next(cx) {
                Poll::Ready(Some(index)) => {
                    // Peek: an `Err` ends it; an `Ok` stays in its slot.
                    if let Err(err) = join.take_if_err(index) {
                        // Drop the rest; wait for the tasks they awaited
                        // to finish cancelling.
                        let ((), cancelling) = collecting(None, || join.clear());
                        self.failed = Some((Err(err), cancelling));
                        return self.poll_failed(cx);
                    }
                }
                Poll::Ready(None) => {
                    let values = join.take_all().into_iter().map(|r| match r {
                        Ok(value) => value,
                        Err(_) => unreachable!("an Err ends the gather when it happens"),
                    });
                    return Poll::Ready(Ok(values.collect()));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<F: Future> fmt::Debug for TryGatherAll<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGatherAll")
            .field("len", &self.join.len())
            .field("remaining", &self.join.remaining())
            .finish()
    }
}
