//! `Semaphore` (≙ `asyncio.Semaphore`), its permits and its futures: the
//! public facade over `permits.rs`, which holds the algorithm and its
//! invariants.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::permits::{Acquiring, Permits, SharedPermits};

/// A count of permits that tasks acquire and release (≙
/// `asyncio.Semaphore`; tokio's `Semaphore` for one thread).
///
/// [`acquire`](Self::acquire) waits for a permit, returned as a
/// [`SemaphorePermit`] that gives it back when dropped. Waiters are served
/// in FIFO order, and a permit released while tasks wait goes to the first
/// of them: a [`try_acquire`](Self::try_acquire) by anyone else fails until
/// that task has run. For permits that move into spawned tasks, put the
/// semaphore in an `Rc` and use [`acquire_owned`](Self::acquire_owned).
///
/// # Examples
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// use uniloop::sync::Semaphore;
///
/// uniloop::run(async {
///     let limit = Rc::new(Semaphore::new(2));
///     let (running, peak) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
///     let tasks: Vec<_> = (0..5)
///         .map(|_| {
///             let (limit, running, peak) = (limit.clone(), running.clone(), peak.clone());
///             uniloop::spawn(async move {
///                 let _permit = limit.acquire().await;
///                 running.set(running.get() + 1);
///                 peak.set(peak.get().max(running.get()));
///                 uniloop::yield_now().await;
///                 running.set(running.get() - 1);
///             })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     assert_eq!(peak.get(), 2);
/// });
/// ```
pub struct Semaphore {
    permits: Permits,
}

impl Semaphore {
    /// The most permits a semaphore counts, free and held together
    /// (`usize::MAX >> 3`, as tokio's): far more than any program hands
    /// out, and low enough that no sum of permits can overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::sync::Semaphore;
    ///
    /// let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    /// assert_eq!(semaphore.available_permits(), usize::MAX >> 3);
    /// ```
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` is more than [`MAX_PERMITS`](Self::MAX_PERMITS):
    /// "uniloop::sync::Semaphore::new(): more than Semaphore::MAX_PERMITS
    /// permits".
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(3);
    /// assert_eq!(semaphore.available_permits(), 3);
    /// ```
    #[track_caller]
    pub const fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= Semaphore::MAX_PERMITS,
            "uniloop::sync::Semaphore::new(): more than Semaphore::MAX_PERMITS permits"
        );
        Semaphore {
            permits: Permits::new(permits),
        }
    }

    /// Permits free now (not held, not handed to a waiter).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(2);
    /// let _permit = semaphore.try_acquire().unwrap();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.available()
    }

    /// Whether an [`acquire`](Self::acquire) would have to wait (≙
    /// `Semaphore.locked()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(1);
    /// let permit = semaphore.try_acquire().unwrap();
    /// assert!(semaphore.is_locked());
    /// drop(permit);
    /// assert!(!semaphore.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.permits.is_locked()
    }

    /// Wait for one permit (≙ `async with semaphore` / `await
    /// semaphore.acquire()`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: a dropped `acquire` leaves the queue; if it
    /// had been granted its permit already, the permit goes to the next
    /// waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let semaphore = uniloop::sync::Semaphore::new(1);
    ///     let permit = semaphore.acquire().await;
    ///     assert_eq!(semaphore.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(semaphore.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Wait for `n` permits at once. The request keeps its place in the
    /// queue: later, smaller requests wait behind it. A request for more
    /// permits than will ever be free waits forever.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let semaphore = uniloop::sync::Semaphore::new(5);
    ///     let permits = semaphore.acquire_many(3).await;
    ///     assert_eq!(permits.num_permits(), 3);
    ///     assert_eq!(semaphore.available_permits(), 2);
    /// });
    /// ```
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            wait: Acquiring::new(&self.permits, n),
        }
    }

    /// One permit if one is free and nobody waits, else `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(1);
    /// let permit = semaphore.try_acquire();
    /// assert!(permit.is_some());
    /// assert!(semaphore.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// `n` permits if they are free and nobody waits, else `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(3);
    /// assert!(semaphore.try_acquire_many(4).is_none());
    /// assert_eq!(semaphore.try_acquire_many(3).unwrap().num_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        // `then`, not `then_some`: a permit built eagerly would be dropped,
        // giving back permits never taken.
        self.permits.try_take(n).then(|| SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// [`acquire`](Self::acquire) for a semaphore in an `Rc`: the permit
    /// holds the `Rc`, so it can move into a spawned task.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// uniloop::run(async {
    ///     let semaphore = Rc::new(uniloop::sync::Semaphore::new(1));
    ///     let permit = semaphore.clone().acquire_owned().await;
    ///     let task = uniloop::spawn(async move {
    ///         let _permit = permit; // released when the task ends
    ///     });
    ///     task.await.unwrap();
    ///     assert_eq!(semaphore.available_permits(), 1);
    /// });
    /// ```
    pub fn acquire_owned(self: Rc<Self>) -> AcquireOwned {
        self.acquire_many_owned(1)
    }

    /// [`acquire_many`](Self::acquire_many) for a semaphore in an `Rc`.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Self::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// uniloop::run(async {
    ///     let semaphore = Rc::new(uniloop::sync::Semaphore::new(4));
    ///     let permits = semaphore.clone().acquire_many_owned(4).await;
    ///     assert_eq!(permits.num_permits(), 4);
    /// });
    /// ```
    pub fn acquire_many_owned(self: Rc<Self>, n: usize) -> AcquireOwned {
        AcquireOwned {
            wait: Acquiring::new(SharedPermits(self), n),
        }
    }

    /// [`try_acquire`](Self::try_acquire) for a semaphore in an `Rc`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let semaphore = Rc::new(uniloop::sync::Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(semaphore.clone().try_acquire_owned().is_none());
    /// drop(permit);
    /// ```
    pub fn try_acquire_owned(self: Rc<Self>) -> Option<OwnedSemaphorePermit> {
        if !self.permits.try_take(1) {
            return None;
        }
        Some(OwnedSemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Add `n` permits (≙ `Semaphore.release()`, `n` times); waiters are
    /// served from them first.
    ///
    /// # Panics
    ///
    /// If the semaphore would then count more than
    /// [`MAX_PERMITS`](Self::MAX_PERMITS), free and held together:
    /// "uniloop::sync::Semaphore::add_permits(): more than
    /// Semaphore::MAX_PERMITS permits". Nothing changes then.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(0);
    /// semaphore.add_permits(2);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        assert!(
            n <= Semaphore::MAX_PERMITS - self.permits.total(),
            "uniloop::sync::Semaphore::add_permits(): more than Semaphore::MAX_PERMITS permits"
        );
        self.permits.add(n);
    }

    /// The algorithm under the facade.
    pub(crate) fn permits(&self) -> &Permits {
        &self.permits
    }
}

impl Default for Semaphore {
    /// A semaphore with one permit (as asyncio's default).
    fn default() -> Semaphore {
        Semaphore::new(1)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.permits.available())
            .field("waiters", &self.permits.waiters())
            .finish()
    }
}

/// One acquisition in progress: its request and, once queued, its node.
/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let semaphore = uniloop::sync::Semaphore::new(1);
///     let acquire: uniloop::sync::Acquire<'_> = semaphore.acquire();
///     let _permit = acquire.await;
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    wait: Acquiring<&'a Permits>,
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = self.get_mut();
        this.wait
            .poll(&this.semaphore.permits, cx)
            .map(|permits| SemaphorePermit {
                semaphore: this.semaphore,
                permits,
            })
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("waiting", &self.wait.is_waiting())
            .finish()
    }
}

/// The future of [`Semaphore::acquire_owned`] and
/// [`Semaphore::acquire_many_owned`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// uniloop::run(async {
///     let semaphore = Rc::new(uniloop::sync::Semaphore::new(1));
///     let acquire: uniloop::sync::AcquireOwned = semaphore.acquire_owned();
///     let _permit = acquire.await;
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct AcquireOwned {
    wait: Acquiring<SharedPermits>,
}

impl Future for AcquireOwned {
    type Output = OwnedSemaphorePermit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<OwnedSemaphorePermit> {
        let wait = &mut self.get_mut().wait;
        let semaphore = wait.owner().0.clone();
        wait.poll(&semaphore.permits, cx)
            .map(|permits| OwnedSemaphorePermit { semaphore, permits })
    }
}

impl fmt::Debug for AcquireOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireOwned")
            .field("waiting", &self.wait.is_waiting())
            .finish()
    }
}

/// Permits of a [`Semaphore`], given back when dropped.
///
/// # Examples
///
/// ```
/// let semaphore = uniloop::sync::Semaphore::new(1);
/// {
///     let _permit = semaphore.try_acquire().unwrap();
///     assert_eq!(semaphore.available_permits(), 0);
/// }
/// assert_eq!(semaphore.available_permits(), 1);
/// ```
#[must_use = "the permit is released at once if not kept"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: usize,
}

impl SemaphorePermit<'_> {
    /// Keep the permits out of the semaphore for good (they are not given
    /// back on drop).
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(2);
    /// semaphore.try_acquire().unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.semaphore.permits.forget(self.permits);
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// let semaphore = uniloop::sync::Semaphore::new(2);
    /// assert_eq!(semaphore.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.semaphore.permits.give_back(self.permits);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Permits of a [`Semaphore`] in an `Rc`, given back when dropped; made by
/// [`Semaphore::acquire_owned`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let semaphore = Rc::new(uniloop::sync::Semaphore::new(1));
/// let permit = semaphore.clone().try_acquire_owned().unwrap();
/// assert_eq!(permit.num_permits(), 1);
/// ```
#[must_use = "the permit is released at once if not kept"]
pub struct OwnedSemaphorePermit {
    semaphore: Rc<Semaphore>,
    permits: usize,
}

impl OwnedSemaphorePermit {
    /// Keep the permits out of the semaphore for good.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let semaphore = Rc::new(uniloop::sync::Semaphore::new(1));
    /// semaphore.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(semaphore.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.semaphore.permits.forget(self.permits);
        self.permits = 0;
    }

    /// How many permits this holds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let semaphore = Rc::new(uniloop::sync::Semaphore::new(1));
    /// assert_eq!(semaphore.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits
    }

    /// The semaphore the permits belong to.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let semaphore = Rc::new(uniloop::sync::Semaphore::new(1));
    /// let permit = semaphore.clone().try_acquire_owned().unwrap();
    /// assert!(Rc::ptr_eq(permit.semaphore(), &semaphore));
    /// ```
    pub fn semaphore(&self) -> &Rc<Semaphore> {
        &self.semaphore
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.semaphore.permits.give_back(self.permits);
        }
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}
