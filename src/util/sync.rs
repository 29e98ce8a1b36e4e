//! The synchronisation types of the code shared across threads (the
//! runtime's inbox and registry, the blocking pool, the one-shot, the
//! thread-safe channel): `std::sync`'s, or under `cfg(uniloop_loom)` loom's
//! models of them, so that `loom` can check that code under every
//! interleaving (see `ARCHITECTURE.md`, "loom").

use std::time::{Duration, Instant};

#[cfg(uniloop_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize};
#[cfg(uniloop_loom)]
pub(crate) use loom::sync::{Condvar, Mutex, MutexGuard};

#[cfg(not(uniloop_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize};
#[cfg(not(uniloop_loom))]
pub(crate) use std::sync::{Condvar, Mutex, MutexGuard};

pub(crate) use std::sync::atomic::Ordering;

/// Threads: spawned, parked and unparked by the same code (the blocking
/// pool's workers, `send_blocking`), modelled by loom under `cfg(uniloop_loom)`.
#[cfg(uniloop_loom)]
pub(crate) use loom::thread;
#[cfg(not(uniloop_loom))]
pub(crate) use std::thread;

/// Lock `mutex`, ignoring poisoning: none of these locks is held while user
/// code runs, so a poisoned one still guards a consistent state.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Wait on `condvar` with `guard`'s lock until woken, or until `deadline`
/// (`None`: no deadline). `Err` with the guard, without waiting, if the
/// deadline has passed. Poisoning is ignored, as in [`lock`].
pub(crate) fn wait_until<'a, T>(
    condvar: &Condvar,
    guard: MutexGuard<'a, T>,
    deadline: Option<Instant>,
) -> Result<MutexGuard<'a, T>, MutexGuard<'a, T>> {
    let Some(deadline) = deadline else {
        return Ok(condvar
            .wait(guard)
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    };
    let left = deadline.saturating_duration_since(Instant::now());
    if left == Duration::ZERO {
        return Err(guard);
    }
    let (guard, _) = condvar
        .wait_timeout(guard, left)
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(guard)
}
