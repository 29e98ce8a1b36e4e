//! `GroupError`: every failure of a `TaskGroup`'s children.

use std::error::Error;
use std::fmt;

/// How one child of a [`TaskGroup`](crate::TaskGroup) failed.
///
/// # Examples
///
/// ```
/// use uniloop::ChildError;
///
/// let failed: ChildError<&str> = ChildError::Failed("no route");
/// assert_eq!(failed.to_string(), "no route");
/// assert_eq!(ChildError::<&str>::Panicked("boom".into()).to_string(), "panicked: boom");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChildError<E> {
    /// The child returned `Err`.
    Failed(E),
    /// The child panicked; the payload's message (or "(no message)" if
    /// the payload was not a string).
    Panicked(String),
}

impl<E> ChildError<E> {
    /// The error, if the child returned one rather than panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(uniloop::ChildError::Failed(3).into_failed(), Some(3));
    /// ```
    pub fn into_failed(self) -> Option<E> {
        match self {
            ChildError::Failed(err) => Some(err),
            ChildError::Panicked(_) => None,
        }
    }

    /// Whether the child panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(uniloop::ChildError::<()>::Panicked("x".into()).is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, ChildError::Panicked(_))
    }
}

impl<E: fmt::Display> fmt::Display for ChildError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChildError::Failed(err) => err.fmt(f),
            ChildError::Panicked(message) => write!(f, "panicked: {message}"),
        }
    }
}

/// The failures of a [`TaskGroup`](crate::TaskGroup)'s children, in the
/// order they happened (≙ the `ExceptionGroup` an `async with
/// asyncio.TaskGroup()` raises).
///
/// It holds every error and panic of the children, not the siblings
/// cancelled because of them (asyncio leaves the `CancelledError`s out the
/// same way): the first failure, the failures of children that ran in the
/// same loop turn (the group cancels at the end of the turn, as asyncio's
/// done callbacks run after the tasks already scheduled), and failures of
/// cleanups ([`on_cancel`](crate::on_cancel)) that run while the children
/// are cancelled.
///
/// # Examples
///
/// ```
/// use uniloop::{ChildError, TaskGroup};
///
/// uniloop::run(async {
///     let group = TaskGroup::new();
///     group.spawn(async { Err::<(), _>("disk full") });
///     let err = group.join().await.unwrap_err();
///     assert_eq!(err.errors(), [ChildError::Failed("disk full")]);
///     assert_eq!(err.to_string(), "1 task of a TaskGroup failed: disk full");
/// });
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct GroupError<E> {
    errors: Vec<ChildError<E>>,
}

impl<E> GroupError<E> {
    pub(crate) fn new(errors: Vec<ChildError<E>>) -> GroupError<E> {
        GroupError { errors }
    }

    /// Every failure, in the order it happened (never empty).
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::new();
    ///     group.spawn(async { Err::<(), _>(1) });
    ///     group.spawn(async { Err::<(), _>(2) }); // runs in the same turn
    ///     group.spawn(async {
    ///         uniloop::yield_now().await; // cancelled before it runs again
    ///         Err::<(), _>(3)
    ///     });
    ///     let err = group.join().await.unwrap_err();
    ///     use uniloop::ChildError::Failed;
    ///     assert_eq!(err.errors(), [Failed(1), Failed(2)]);
    /// });
    /// ```
    pub fn errors(&self) -> &[ChildError<E>] {
        &self.errors
    }

    /// The failures, by value.
    ///
    /// # Examples
    ///
    /// ```
    /// uniloop::run(async {
    ///     let group = uniloop::TaskGroup::new();
    ///     group.spawn(async { Err::<(), _>("x") });
    ///     let errors = group.join().await.unwrap_err().into_errors();
    ///     assert_eq!(errors[0].clone().into_failed(), Some("x"));
    /// });
    /// ```
    pub fn into_errors(self) -> Vec<ChildError<E>> {
        self.errors
    }
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GroupError").field(&self.errors).finish()
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        let tasks = if n == 1 { "task" } else { "tasks" };
        write!(f, "{n} {tasks} of a TaskGroup failed")?;
        for (i, err) in self.errors.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{err}")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> Error for GroupError<E> {}
