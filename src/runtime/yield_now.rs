//! `yield_now`: let every other ready task run once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Let every other ready task run once, then continue (≙
/// `await asyncio.sleep(0)`).
///
/// The current task goes to the back of the run queue, so two tasks that
/// yield in a loop alternate: A0 B0 A1 B1 ... It needs no runtime of its own
/// (it works under any executor), so it never panics.
///
/// # Cancel safety
///
/// Cancel safe: it holds nothing.
///
/// # Examples
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
///
/// uniloop::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let tasks: Vec<_> = ["A", "B"]
///         .into_iter()
///         .map(|name| {
///             let log = log.clone();
///             uniloop::spawn(async move {
///                 for i in 0..2 {
///                     log.borrow_mut().push(format!("{name}{i}"));
///                     uniloop::yield_now().await;
///                 }
///             })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     assert_eq!(*log.borrow(), ["A0", "B0", "A1", "B1"]);
/// });
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
