//! Model checks of the code shared across threads, with `loom`, which runs
//! each scenario under every interleaving (and every memory ordering the
//! atomics allow) up to a bound on preemptions.
//!
//! Run them with (about a minute on two cores):
//!
//! ```text
//! RUSTFLAGS="--cfg uniloop_loom" LOOM_MAX_PREEMPTIONS=3 \
//!     cargo test --lib --release loom_tests
//! ```
//!
//! `.ci/run` runs that command (with its own target directory). Under
//! `cfg(uniloop_loom)` the crate's shared code uses loom's `Mutex`, `Condvar`,
//! atomics and threads (`util::sync`); everything else is built as usual,
//! and these tests call that code directly, without a runtime.
//!
//! - [`inbox`]: the runtime's inbox: push-then-notify against
//!   clear-then-take, and one queued wake per task.
//! - [`registry`]: a wake routed by runtime id while that runtime is
//!   dropped and another starts.
//! - [`oneshot`]: a result filled on one thread, awaited or waited for on
//!   another, with a cancellation request racing it.
//! - [`pool`]: the blocking pool's hand-off (idle, notified, spinning) and
//!   its shutdown.
//! - [`threadsafe`]: blocking sends racing the receiver's close: every
//!   message is received or given back, and no sender hangs; and a
//!   blocked sender woken (hint, then park) by each slot a receive frees.

mod inbox;
mod oneshot;
mod pool;
mod registry;
mod threadsafe;

/// Run `f` under loom with a preemption bound (from
/// `LOOM_MAX_PREEMPTIONS`, else 3), so that the models fit in CI.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}
