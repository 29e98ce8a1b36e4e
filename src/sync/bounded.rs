//! `BoundedSemaphore` (≙ `asyncio.BoundedSemaphore`).

use std::error::Error;
use std::fmt;

use super::semaphore::{Acquire, Semaphore, SemaphorePermit};

/// A [`Semaphore`] that refuses to hold more permits than it started with
/// (≙ `asyncio.BoundedSemaphore`): [`add_permits`](Self::add_permits)
/// beyond the initial count is an error, which catches a release without a
/// matching acquire.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let semaphore = uniloop::sync::BoundedSemaphore::new(1);
///     let permit = semaphore.acquire().await;
///     assert!(semaphore.add_permits(1).is_err()); // it is held, not lost
///     permit.forget(); // gone for good...
///     assert!(semaphore.add_permits(1).is_ok()); // ...so one may come back
///     assert!(semaphore.add_permits(1).is_err()); // but not two
/// });
/// ```
pub struct BoundedSemaphore {
    semaphore: Semaphore,
    bound: usize,
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` permits, which is also its bound.
    ///
    /// # Panics
    ///
    /// If `permits` is more than
    /// [`Semaphore::MAX_PERMITS`]: "uniloop::sync::Semaphore::new(): more
    /// than Semaphore::MAX_PERMITS permits".
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::BoundedSemaphore::new(2);
    /// assert_eq!(semaphore.bound(), 2);
    /// ```
    #[track_caller]
    pub const fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            semaphore: Semaphore::new(permits),
            bound: permits,
        }
    }

    /// The most permits it can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::sync::BoundedSemaphore::new(4).bound(), 4);
    /// ```
    pub fn bound(&self) -> usize {
        self.bound
    }

    /// As [`Semaphore::acquire`].
    ///
    /// # Cancel safety
    ///
    /// As [`Semaphore::acquire`]: cancel safe and fair.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let semaphore = uniloop::sync::BoundedSemaphore::new(1);
    ///     let _permit = semaphore.acquire().await;
    ///     assert_eq!(semaphore.available_permits(), 0);
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.semaphore.acquire()
    }

    /// As [`Semaphore::acquire_many`].
    ///
    /// # Cancel safety
    ///
    /// As [`Semaphore::acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let semaphore = uniloop::sync::BoundedSemaphore::new(3);
    ///     assert_eq!(semaphore.acquire_many(2).await.num_permits(), 2);
    /// });
    /// ```
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        self.semaphore.acquire_many(n)
    }

    /// As [`Semaphore::try_acquire`].
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::BoundedSemaphore::new(1);
    /// let _permit = semaphore.try_acquire().unwrap();
    /// assert!(semaphore.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire()
    }

    /// As [`Semaphore::available_permits`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::sync::BoundedSemaphore::new(2).available_permits(), 2);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// As [`Semaphore::is_locked`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::sync::BoundedSemaphore::new(0).is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.semaphore.is_locked()
    }

    /// Add `n` permits (≙ `release()`), unless the semaphore would then have
    /// more than its [`bound`](Self::bound), counting the free ones and
    /// those held or handed to waiters: then nothing changes and the error
    /// says so (≙ asyncio's `ValueError`). Only forgotten permits can come
    /// back.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::BoundedSemaphore::new(1);
    /// let err = semaphore.add_permits(1).unwrap_err();
    /// assert_eq!(err.to_string(), "BoundedSemaphore released too many times");
    /// ```
    pub fn add_permits(&self, n: usize) -> Result<(), TooManyPermits> {
        let permits = self.semaphore.permits();
        // `total() <= bound <= MAX_PERMITS`: the subtraction cannot wrap.
        if n > self.bound - permits.total() {
            return Err(TooManyPermits(()));
        }
        permits.add(n);
        Ok(())
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("semaphore", &self.semaphore)
            .field("bound", &self.bound)
            .finish()
    }
}

/// [`BoundedSemaphore::add_permits`] beyond the bound (≙ asyncio's
/// "BoundedSemaphore released too many times" `ValueError`).
///
/// # Examples
///
/// ```
/// let semaphore = uniloop::sync::BoundedSemaphore::new(0);
/// assert!(semaphore.add_permits(1).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyPermits(());

impl fmt::Display for TooManyPermits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundedSemaphore released too many times")
    }
}

impl Error for TooManyPermits {}
