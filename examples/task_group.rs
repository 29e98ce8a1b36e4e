//! Structured concurrency with `uniloop::TaskGroup::scope`: children run
//! inside a scope, and the first one to fail cancels its siblings and the
//! scope's body at once; the scope then returns a `GroupError` holding the
//! failure (≙ the `ExceptionGroup` of an asyncio `TaskGroup`).
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! async def child(name, seconds, fail=False):
//!     try:
//!         await asyncio.sleep(seconds)
//!         if fail:
//!             raise ConnectionError(f"{name}: payment service down")
//!     except asyncio.CancelledError:
//!         cancelled.append(name)
//!         raise
//!
//! try:
//!     async with asyncio.TaskGroup() as tg:
//!         tg.create_task(child("fast", 0.05))
//!         tg.create_task(child("slow", 5))
//!         tg.create_task(child("slower", 8))
//!         tg.create_task(child("payments", 0.1, fail=True))
//!         await asyncio.sleep(10)             # the body: cancelled too
//! except* ConnectionError as group:
//!     print(group.exceptions)
//! ```
//!
//! Run it: `cargo run --release --example task_group`
//!
//! The clock is paused (virtual time): "after 100 ms" is exact, and the
//! 10 s sleep costs nothing.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use uniloop::{BoxError, Runtime, TaskGroup};

type Log = Rc<RefCell<Vec<&'static str>>>;

/// The children: name, how long each works (ms), and whether it fails.
const CHILDREN: [(&str, u64, bool); 4] = [
    ("fast", 50, false),
    ("slow", 5_000, false),
    ("slower", 8_000, false),
    ("payments", 100, true),
];

/// A child that works for `ms`, then succeeds or fails; if it is cancelled
/// first, it notes that in `cancelled`.
async fn child(name: &'static str, ms: u64, fail: bool, cancelled: Log) -> Result<(), BoxError> {
    let work = async move {
        uniloop::sleep(Duration::from_millis(ms)).await;
        if fail {
            return Err(format!("{name}: payment service down").into());
        }
        println!("  {name}: done after {ms} ms");
        Ok(())
    };
    uniloop::on_cancel(work, async move {
        println!("  {name}: cancelled");
        cancelled.borrow_mut().push(name);
    })
    .await
}

fn main() {
    let rt = Runtime::builder()
        .paused_clock(true)
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let cancelled: Log = Rc::default();
        let log = cancelled.clone();
        let start = uniloop::time::now();

        let outcome = TaskGroup::scope(|tg| async move {
            for (name, ms, fail) in CHILDREN {
                // The group owns its children: this handle is not needed.
                tg.spawn(child(name, ms, fail, log.clone())).detach();
            }
            // The body is one of the group's tasks: the failure cancels it.
            let body = uniloop::sleep(Duration::from_secs(10));
            uniloop::on_cancel(body, async move {
                println!("  body: cancelled");
                log.borrow_mut().push("body");
            })
            .await;
            Ok("the body finished")
        })
        .await;
        let took = start.elapsed();

        let err = outcome.expect_err("a child failed");
        println!("scope returned after {took:?}: {err}");
        println!("cancelled: {:?}", cancelled.borrow());

        assert_eq!(took, Duration::from_millis(100), "at once, not after 10 s");
        assert_eq!(err.errors().len(), 1);
        assert_eq!(
            err.errors()[0].to_string(),
            "payments: payment service down"
        );
        let mut cancelled = cancelled.borrow().clone();
        cancelled.sort();
        assert_eq!(cancelled, ["body", "slow", "slower"], "fast had finished");
        println!("ok: the failure cancelled the body and the unfinished siblings at 100 ms");
    });
}
