//! `RemoteError`: why a `RemoteTask` gave no value.

use std::any::Any;
use std::error::Error;
use std::fmt;

use crate::util::panic::Payload;

/// Why a [`RemoteTask`](super::RemoteTask) gave no value: the task was cancelled or panicked,
/// its runtime is gone, or [`wait_timeout`](super::RemoteTask::wait_timeout) ran
/// out of time (≙ `CancelledError`, the task's exception, and
/// `TimeoutError` from `concurrent.futures.Future.result(timeout)`).
///
/// # Examples
///
/// ```
/// let rt = uniloop::Runtime::new()?;
/// let task = rt.handle().spawn(|| async { panic!("boom") });
/// rt.block_on(uniloop::yield_now());
/// let err = task.wait().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "the remote task panicked: boom");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct RemoteError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Payload),
    RuntimeGone,
    TimedOut,
}

impl RemoteError {
    fn new(repr: Repr) -> RemoteError {
        RemoteError { repr }
    }

    pub(super) fn cancelled() -> RemoteError {
        RemoteError::new(Repr::Cancelled)
    }

    pub(super) fn panic(payload: Box<dyn Any + Send>) -> RemoteError {
        RemoteError::new(Repr::Panic(Payload::new(payload)))
    }

    pub(super) fn runtime_gone() -> RemoteError {
        RemoteError::new(Repr::RuntimeGone)
    }

    pub(super) fn timed_out() -> RemoteError {
        RemoteError::new(Repr::TimedOut)
    }

    /// The panic's payload, if the task panicked.
    pub(super) fn panic_payload(&self) -> Option<&Payload> {
        match &self.repr {
            Repr::Panic(payload) => Some(payload),
            _ => None,
        }
    }

    /// Whether the task was cancelled by [`RemoteTask::cancel`](super::RemoteTask::cancel).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| std::future::pending::<()>());
    /// task.cancel();
    /// rt.block_on(uniloop::yield_now());
    /// assert!(task.wait().unwrap_err().is_cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task (or the closure that built its future) panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| -> std::future::Ready<()> { panic!("no future") });
    /// rt.block_on(uniloop::yield_now());
    /// assert!(task.wait().unwrap_err().is_panic());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// Whether the runtime was dropped before the task finished (or before
    /// it was sent).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// drop(rt);
    /// assert!(handle.spawn(|| async {}).wait().unwrap_err().is_runtime_gone());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_runtime_gone(&self) -> bool {
        matches!(self.repr, Repr::RuntimeGone)
    }

    /// Whether [`RemoteTask::wait_timeout`](super::RemoteTask::wait_timeout) ran out of time; the task runs
    /// on and can be waited for again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = uniloop::Runtime::new()?;
    /// let mut task = rt.handle().spawn(|| async { 1 });
    /// assert!(task.wait_timeout(Duration::ZERO).unwrap_err().is_timeout());
    /// rt.block_on(uniloop::yield_now());
    /// assert_eq!(task.wait_timeout(Duration::ZERO).unwrap(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self.repr, Repr::TimedOut)
    }

    /// The panic's payload, to resume it with
    /// `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// If the error is not a panic ("RemoteError::into_panic() called on a
    /// RemoteError that is not a panic").
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = uniloop::Runtime::new()?;
    /// let task = rt.handle().spawn(|| async { std::panic::panic_any(7_u8) });
    /// rt.block_on(uniloop::yield_now());
    /// let payload = task.wait().unwrap_err().into_panic();
    /// assert_eq!(payload.downcast_ref::<u8>(), Some(&7));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        match self.repr {
            Repr::Panic(payload) => payload.into_inner(),
            _ => panic!("RemoteError::into_panic() called on a RemoteError that is not a panic"),
        }
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("the remote task was cancelled"),
            Repr::Panic(payload) => match payload.message() {
                Some(message) => write!(f, "the remote task panicked: {message}"),
                None => f.write_str("the remote task panicked"),
            },
            Repr::RuntimeGone => f.write_str("the uniloop runtime is gone"),
            Repr::TimedOut => f.write_str("timed out waiting for the remote task"),
        }
    }
}

impl fmt::Debug for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("RemoteError::Cancelled"),
            Repr::Panic(_) => write!(f, "RemoteError::Panicked({self})"),
            Repr::RuntimeGone => f.write_str("RemoteError::RuntimeGone"),
            Repr::TimedOut => f.write_str("RemoteError::TimedOut"),
        }
    }
}

impl Error for RemoteError {}
