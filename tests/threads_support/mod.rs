//! Helpers shared by the `threads_*` test binaries (split from
//! `tests/threads.rs`): the `PATIENCE` a test waits before calling
//! something a hang, and running a test's body under it.

use std::future::Future;
use std::time::Duration;

use uniloop::Runtime;

/// How long a test waits for something that must happen before calling it
/// a hang; never reached when the code is right.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Run `body` on `rt` under a `PATIENCE` timeout (on the real clock), so
/// that a deadlock fails the test instead of hanging it; then drop `rt`.
pub fn run_on<F: Future>(rt: Runtime, body: F) -> F::Output {
    rt.block_on(async {
        uniloop::timeout(PATIENCE, body)
            .await
            .expect("deadlock: the test waited for something that never came")
    })
}
