//! `Mutex<T>` and `Lock` (≙ `asyncio.Lock`).
//!
//! A mutex is a one-permit [`Semaphore`] beside a `RefCell<T>`: the permit
//! says whose turn it is, and the guard holds both the permit and the
//! `RefCell`'s borrow, so no `unsafe` is needed. The borrow is released
//! before the permit (field order), so the next holder always finds the
//! cell free.

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::semaphore::{Acquire, Semaphore, SemaphorePermit};

/// A mutual-exclusion lock around a `T`, held across `.await`s (≙
/// `asyncio.Lock` with data; [`Lock`] is the data-less form).
///
/// Waiters get the lock in FIFO order: when it is released while tasks
/// wait, it goes to the first of them, and a
/// [`try_lock`](Self::try_lock) by anyone else fails until that task has
/// run.
///
/// # Examples
///
/// The counter race from asyncio's docs, fixed by the lock:
///
/// ```
/// use std::rc::Rc;
/// use uniloop::sync::Mutex;
///
/// uniloop::run(async {
///     let counter = Rc::new(Mutex::new(0));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let counter = counter.clone();
///             uniloop::spawn(async move {
///                 let mut value = counter.lock().await;
///                 let read = *value;
///                 uniloop::yield_now().await; // others run, but wait for the lock
///                 *value = read + 1;
///             })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     assert_eq!(*counter.lock().await, 3);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: Semaphore,
    value: RefCell<T>,
}

/// A lock without data (≙ `asyncio.Lock`): `Lock::new(())` or
/// `Lock::default()`.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let lock = uniloop::sync::Lock::default();
///     let _held = lock.lock().await;
///     assert!(lock.is_locked());
/// });
/// ```
pub type Lock = Mutex<()>;

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = uniloop::sync::Mutex::new(vec![1, 2]);
    /// assert!(!mutex.is_locked());
    /// ```
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: Semaphore::new(1),
            value: RefCell::new(value),
        }
    }

    /// The value, taking the mutex apart.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::sync::Mutex::new(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Wait for the lock (≙ `async with lock`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, and fair: a dropped `lock` leaves the queue; if the
    /// lock had been handed to it already, it goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let mutex = uniloop::sync::Mutex::new(String::new());
    ///     mutex.lock().await.push_str("hello");
    ///     assert_eq!(*mutex.lock().await, "hello");
    /// });
    /// ```
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            mutex: self,
            acquire: self.semaphore.acquire(),
        }
    }

    /// The lock if it is free and nobody waits for it, else `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = uniloop::sync::Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.try_lock().is_none());
    /// drop(guard);
    /// assert!(mutex.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let permit = self.semaphore.try_acquire()?;
        Some(self.guard(permit))
    }

    /// Whether the lock is held (or handed to a waiter that has not run
    /// yet) (≙ `Lock.locked()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mutex = uniloop::sync::Mutex::new(());
    /// let guard = mutex.try_lock();
    /// assert!(mutex.is_locked());
    /// # drop(guard);
    /// ```
    pub fn is_locked(&self) -> bool {
        self.semaphore.available_permits() == 0
    }

    /// The value, through `&mut self`: no locking needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mutex = uniloop::sync::Mutex::new(1);
    /// *mutex.get_mut() += 1;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    fn guard<'a>(&'a self, permit: SemaphorePermit<'a>) -> MutexGuard<'a, T> {
        MutexGuard {
            // The permit is ours, so nobody else holds the borrow.
            value: self.value.borrow_mut(),
            _permit: permit,
            mutex: self,
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

/// The future of [`Mutex::lock`].
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let mutex = uniloop::sync::Mutex::new(1);
///     let future: uniloop::sync::LockFuture<'_, i32> = mutex.lock();
///     assert_eq!(*future.await, 1);
/// });
/// ```
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct LockFuture<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    acquire: Acquire<'a>,
}

impl<'a, T: ?Sized> Future for LockFuture<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let mutex = self.mutex;
        Pin::new(&mut self.acquire)
            .poll(cx)
            .map(|permit| mutex.guard(permit))
    }
}

impl<T: ?Sized> fmt::Debug for LockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFuture").finish_non_exhaustive()
    }
}

/// Access to a [`Mutex`]'s value; the lock is released when it is dropped.
///
/// # Examples
///
/// ```
/// uniloop::run(async {
///     let mutex = uniloop::sync::Mutex::new(vec![1]);
///     let mut guard = mutex.lock().await;
///     guard.push(2);
///     assert_eq!(*guard, [1, 2]);
/// });
/// ```
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct MutexGuard<'a, T: ?Sized> {
    // Dropped in this order: the borrow, then the permit.
    value: RefMut<'a, T>,
    _permit: SemaphorePermit<'a>,
    mutex: &'a Mutex<T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks (an associated function, so that it does
    /// not hide a method of `T`).
    ///
    /// # Examples
    ///
    /// ```
    /// use uniloop::sync::{Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(0);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(std::ptr::eq(MutexGuard::mutex(&guard), &mutex));
    /// ```
    pub fn mutex(guard: &MutexGuard<'a, T>) -> &'a Mutex<T> {
        guard.mutex
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}
