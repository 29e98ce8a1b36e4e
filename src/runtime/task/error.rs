//! Why a task did not return a value.

use std::any::Any;
use std::error::Error;
use std::fmt;

use super::info::TaskId;
use crate::util::panic::Payload;

/// A task that ended without returning its value: it was cancelled, or it
/// panicked.
///
/// ≙ awaiting an asyncio `Task` that raises `CancelledError` or another
/// exception. A panic is caught at the task boundary: the loop and every
/// other task carry on, and the payload is delivered here.
///
/// # Examples
///
/// ```
/// let err = uniloop::run(async {
///     uniloop::spawn(async { panic!("boom") }).await.unwrap_err()
/// });
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), format!("task {} panicked: boom", err.id()));
/// let payload = err.into_panic();
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// ```
pub struct JoinError {
    /// Boxed: a task's output slot holds a `Result<T, JoinError>`, and a
    /// one-word error keeps every task cell small (most tasks never fail).
    inner: Box<Inner>,
}

struct Inner {
    id: TaskId,
    repr: Repr,
}

enum Repr {
    /// With `Task::cancel_with`'s message, if any.
    Cancelled(Option<Box<str>>),
    Panic(Payload),
}

impl JoinError {
    pub(crate) fn cancelled(id: TaskId, message: Option<std::rc::Rc<str>>) -> JoinError {
        JoinError::new(id, Repr::Cancelled(message.map(|m| Box::from(&*m))))
    }

    pub(crate) fn panic(id: TaskId, payload: Box<dyn Any + Send>) -> JoinError {
        JoinError::new(id, Repr::Panic(Payload::new(payload)))
    }

    #[cold]
    fn new(id: TaskId, repr: Repr) -> JoinError {
        JoinError {
            inner: Box::new(Inner { id, repr }),
        }
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     let id = task.id();
    ///     task.cancel();
    ///     assert_eq!(task.await.unwrap_err().id(), id);
    /// });
    /// ```
    pub fn id(&self) -> TaskId {
        self.inner.id
    }

    /// Whether the task was cancelled ([`Task::cancel`](crate::Task::cancel),
    /// or its runtime shut down).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(std::future::pending::<()>());
    ///     task.cancel();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.repr, Repr::Cancelled(_))
    }

    /// The message the task was cancelled with ([`Task::cancel_with`], or
    /// the cancellation of a task that awaited it), if any (≙ the
    /// `CancelledError`'s message).
    ///
    /// [`Task::cancel_with`]: crate::Task::cancel_with
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(std::future::pending::<()>());
    ///     task.cancel_with("no longer needed");
    ///     let err = task.await.unwrap_err();
    ///     assert_eq!(err.cancel_message(), Some("no longer needed"));
    ///     assert_eq!(err.to_string(), format!("task {} was cancelled: no longer needed", err.id()));
    /// });
    /// ```
    pub fn cancel_message(&self) -> Option<&str> {
        match &self.inner.repr {
            Repr::Cancelled(message) => message.as_deref(),
            Repr::Panic(_) => None,
        }
    }

    /// Whether the task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let err = uniloop::spawn(async { panic!("oops") }).await.unwrap_err();
    ///     assert!(err.is_panic() && !err.is_cancelled());
    /// });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.inner.repr, Repr::Panic(_))
    }

    /// The panic's payload, to inspect it or resume it with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicked; see
    /// [`try_into_panic`](Self::try_into_panic).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let err = uniloop::spawn(async { std::panic::panic_any(7u8) }).await.unwrap_err();
    ///     assert_eq!(err.into_panic().downcast_ref::<u8>(), Some(&7));
    /// });
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(err) => panic!("JoinError::into_panic() called on a cancelled task: {err}"),
        }
    }

    /// The panic's payload, or the error back if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let task = uniloop::spawn(async {});
    ///     task.cancel();
    ///     let err = task.await.unwrap_err();
    ///     assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send>, JoinError> {
        if !self.is_panic() {
            return Err(self);
        }
        let Repr::Panic(payload) = self.inner.repr else {
            unreachable!("checked by is_panic")
        };
        Ok(payload.into_inner())
    }

    /// The panic's message, when the task panicked with a string payload
    /// (as `panic!` gives); `None` for a cancellation or another payload.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let err = uniloop::spawn(async { panic!("bad input {}", 7) }).await.unwrap_err();
    ///     assert_eq!(err.panic_message().as_deref(), Some("bad input 7"));
    /// });
    /// ```
    pub fn panic_message(&self) -> Option<String> {
        match &self.inner.repr {
            Repr::Panic(payload) => payload.message(),
            Repr::Cancelled(_) => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.repr {
            Repr::Cancelled(None) => write!(f, "task {} was cancelled", self.inner.id),
            Repr::Cancelled(Some(message)) => {
                write!(f, "task {} was cancelled: {message}", self.inner.id)
            }
            Repr::Panic(_) => match self.panic_message() {
                Some(message) => write!(f, "task {} panicked: {message}", self.inner.id),
                None => write!(f, "task {} panicked", self.inner.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.repr {
            Repr::Cancelled(None) => write!(f, "JoinError::Cancelled({})", self.inner.id),
            Repr::Cancelled(Some(message)) => {
                write!(f, "JoinError::Cancelled({}, {message:?})", self.inner.id)
            }
            Repr::Panic(_) => match self.panic_message() {
                Some(message) => write!(f, "JoinError::Panic({}, {message:?})", self.inner.id),
                None => write!(f, "JoinError::Panic({}, ..)", self.inner.id),
            },
        }
    }
}

impl Error for JoinError {}
