//! `gather!` and `try_gather!`: a fixed set of futures of different types
//! polled side by side inside the current task.
//!
//! The macros wrap each future in a [`MaybeDone`] and pass the tuple of
//! them to [`Gather`] or [`TryGather`], which turn it into a `JoinN`
//! struct (one per arity, 1 to 16) whose fields are projected with
//! `pin-project-lite`; the `Futures` traits poll every field and collect
//! the outputs. With a handful of futures, polling all of them on each
//! wake-up is cheaper than per-future wakers;
//! [`gather_all`](crate::gather_all) is the form for many.
//!
//! # Invariants
//!
//! Everything is pinned structurally through `pin-project-lite`, with no
//! `unsafe`: a `MaybeDone` moves only its output out (`take`, by
//! `project_replace`), never a future, and a finished future is dropped in
//! place (`Pin::set`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::runtime::task::cancel::{collecting, Cancelling};

/// Gather the outputs of several futures, polled concurrently inside the
/// current task, as a tuple (≙ `await asyncio.gather(a, b, c)`).
///
/// The futures may have different output types. Nothing is spawned; they
/// run in the awaiting task and are dropped with it. It is a future:
/// `.await` it. Up to 16 futures.
///
/// # Cancel safety
///
/// Dropping it drops every future not finished yet, and the outputs of
/// those that had.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let fetch = |name: &'static str, ms: u64| async move {
///         uniloop::sleep(Duration::from_millis(ms)).await;
///         name.len()
///     };
///     let (a, b, c) = uniloop::gather!(fetch("alpha", 30), fetch("be", 10), async { "c" }).await;
///     assert_eq!((a, b, c), (5, 2, "c"));
/// });
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__private::Gather::new(($($crate::__private::MaybeDone::new($future),)+))
    };
}

/// Like [`gather!`] for futures of `Result<_, E>` (all with the same `E`):
/// `Ok` with a tuple of the values, or the first `Err`, at which point
/// every other future is dropped (cancelled) (≙ `asyncio.gather` without
/// `return_exceptions`, except that the others are cancelled rather than
/// left running).
///
/// # Cancel safety
///
/// Dropping it drops every future not finished yet, and the values of
/// those that had.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// uniloop::run(async {
///     let ok = uniloop::try_gather!(async { Ok::<_, String>(1) }, async { Ok("two") }).await;
///     assert_eq!(ok, Ok((1, "two")));
///
///     let failed = uniloop::try_gather!(
///         async {
///             uniloop::sleep(Duration::from_secs(60)).await; // dropped, never finishes
///             Ok(1)
///         },
///         async { Err::<u8, _>("refused".to_string()) },
///     )
///     .await;
///     assert_eq!(failed, Err("refused".to_string()));
/// });
/// ```
#[macro_export]
macro_rules! try_gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__private::TryGather::new(($($crate::__private::MaybeDone::new($future),)+))
    };
}

pin_project! {
    /// A future, then its output, then nothing (used by [`gather!`]).
    #[doc(hidden)]
    #[derive(Debug)]
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneReplace]
    pub enum MaybeDone<F: Future> {
        Pending { #[pin] future: F },
        Done { output: F::Output },
        Taken,
    }
}

impl<F: Future> MaybeDone<F> {
    pub fn new(future: F) -> MaybeDone<F> {
        MaybeDone::Pending { future }
    }

    /// Poll the future if it is pending; `true` once it is done.
    fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        if let MaybeDoneProj::Pending { future } = self.as_mut().project() {
            match future.poll(cx) {
                // Drops the finished future in place.
                Poll::Ready(output) => self.set(MaybeDone::Done { output }),
                Poll::Pending => return false,
            }
        }
        true
    }

    /// The output, once done.
    fn take(self: Pin<&mut Self>) -> F::Output {
        if !matches!(*self, MaybeDone::Done { .. }) {
            panic!("uniloop::gather!: polled after it returned its output");
        }
        match self.project_replace(MaybeDone::Taken) {
            MaybeDoneReplace::Done { output } => output,
            _ => unreachable!("checked above"),
        }
    }

    /// Whether it is done with an `Err`.
    fn is_err<T, E>(&self) -> bool
    where
        F: Future<Output = Result<T, E>>,
    {
        matches!(self, MaybeDone::Done { output: Err(_) })
    }
}

/// A tuple of [`MaybeDone`]s, as the macros pass it: turned into the
/// `JoinN` struct of its arity.
#[doc(hidden)]
pub trait IntoFutures {
    type Joined;
    fn into_futures(self) -> Self::Joined;
}

/// The [`MaybeDone`]s of a `JoinN`, polled together by [`Gather`].
#[doc(hidden)]
pub trait Futures {
    type Output;
    /// Poll every pending future; `true` once all are done.
    fn poll_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool;
    fn take_all(self: Pin<&mut Self>) -> Self::Output;
}

/// The [`MaybeDone`]s of `Result`s of a `JoinN`, polled together by
/// [`TryGather`].
#[doc(hidden)]
pub trait TryFutures {
    type Ok;
    type Error;
    /// Poll every pending future: `Ready(Err)` with the first error,
    /// `Ready(Ok)` once all are done with `Ok`.
    fn try_poll_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>>;
    fn take_ok(self: Pin<&mut Self>) -> Self::Ok;
}

pin_project! {
    /// The future of [`gather!`].
    #[doc(hidden)]
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you .await or poll them"]
    pub struct Gather<T> {
        #[pin]
        futures: T,
    }
}

impl<T: Futures> Gather<T> {
    pub fn new<I: IntoFutures<Joined = T>>(futures: I) -> Gather<T> {
        Gather {
            futures: futures.into_futures(),
        }
    }
}

impl<T: Futures> Future for Gather<T> {
    type Output = T::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        let mut futures = self.project().futures;
        if futures.as_mut().poll_all(cx) {
            Poll::Ready(futures.take_all())
        } else {
            Poll::Pending
        }
    }
}

pin_project! {
    /// The future of [`try_gather!`].
    #[doc(hidden)]
    #[must_use = "futures do nothing unless you .await or poll them"]
    pub struct TryGather<T: TryFutures> {
        // `None` once it returned (the futures are dropped at the first
        // error).
        #[pin]
        futures: Option<T>,
        // The first error, held while the tasks the dropped futures awaited
        // finish cancelling.
        failed: Option<(T::Error, Cancelling)>,
    }
}

impl<T: TryFutures + fmt::Debug> fmt::Debug for TryGather<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("futures", &self.futures)
            .field("failed", &self.failed.is_some())
            .finish()
    }
}

impl<T: TryFutures> TryGather<T> {
    pub fn new<I: IntoFutures<Joined = T>>(futures: I) -> TryGather<T> {
        TryGather {
            futures: Some(futures.into_futures()),
            failed: None,
        }
    }
}

impl<T: TryFutures> Future for TryGather<T> {
    type Output = Result<T::Ok, T::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut slot = this.futures;
        if let Some((_, cancelling)) = this.failed.as_mut() {
            std::task::ready!(cancelling.poll(cx));
            let (err, _) = this.failed.take().expect("checked above");
            return Poll::Ready(Err(err));
        }
        let Some(futures) = slot.as_mut().as_pin_mut() else {
            panic!("uniloop::try_gather! polled after it returned");
        };
        match futures.try_poll_all(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(err)) => {
                // The first error cancels the rest now, and the tasks they
                // awaited are waited for.
                let ((), mut cancelling) = collecting(None, || slot.set(None));
                if cancelling.poll(cx).is_pending() {
                    *this.failed = Some((err, cancelling));
                    return Poll::Pending;
                }
                Poll::Ready(Err(err))
            }
            Poll::Ready(Ok(())) => {
                let futures = slot.as_mut().as_pin_mut().expect("checked above");
                let values = futures.take_ok();
                slot.set(None);
                Poll::Ready(Ok(values))
            }
        }
    }
}

macro_rules! joins {
    ($Join:ident: $($F:ident $T:ident $field:ident),+) => {
        pin_project! {
            /// The futures of a `gather!` of this arity.
            #[doc(hidden)]
            pub struct $Join<$($F: Future),+> {
                $( #[pin] $field: MaybeDone<$F>, )+
            }
        }

        impl<$($F: Future),+> fmt::Debug for $Join<$($F),+>
        where
            $(MaybeDone<$F>: fmt::Debug),+
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($Join))$(.field(&self.$field))+.finish()
            }
        }

        impl<$($F: Future),+> IntoFutures for ($(MaybeDone<$F>,)+) {
            type Joined = $Join<$($F),+>;

            fn into_futures(self) -> Self::Joined {
                let ($($field,)+) = self;
                $Join { $($field),+ }
            }
        }

        impl<$($F: Future),+> Futures for $Join<$($F),+> {
            type Output = ($($F::Output,)+);

            fn poll_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
                let this = self.project();
                let mut done = true;
                $( done &= this.$field.poll_done(cx); )+
                done
            }

            fn take_all(self: Pin<&mut Self>) -> Self::Output {
                let this = self.project();
                ($( this.$field.take(), )+)
            }
        }

        impl<E, $($F, $T),+> TryFutures for $Join<$($F),+>
        where
            $($F: Future<Output = Result<$T, E>>),+
        {
            type Ok = ($($T,)+);
            type Error = E;

            fn try_poll_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), E>> {
                let mut this = self.project();
                let mut done = true;
                $(
                    if this.$field.as_mut().poll_done(cx) {
                        if this.$field.is_err() {
                            match this.$field.as_mut().take() {
                                Err(err) => return Poll::Ready(Err(err)),
                                Ok(_) => unreachable!(),
                            }
                        }
                    } else {
                        done = false;
                    }
                )+
                if done { Poll::Ready(Ok(())) } else { Poll::Pending }
            }

            fn take_ok(self: Pin<&mut Self>) -> Self::Ok {
                let this = self.project();
                ($(
                    match this.$field.take() {
                        Ok(value) => value,
                        Err(_) => unreachable!("an Err ends the gather when it happens"),
                    },
                )+)
            }
        }
    };
}

joins!(Join1: F0 T0 f0);
joins!(Join2: F0 T0 f0, F1 T1 f1);
joins!(Join3: F0 T0 f0, F1 T1 f1, F2 T2 f2);
joins!(Join4: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3);
joins!(Join5: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4);
joins!(Join6: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5);
joins!(Join7: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6);
joins!(Join8: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7);
joins!(Join9: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8);
joins!(Join10: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8, F9 T9 f9);
joins!(Join11: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8, F9 T9 f9, F10 T10 f10);
joins!(Join12: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8, F9 T9 f9, F10 T10 f10, F11 T11 f11);
joins!(Join13: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8, F9 T9 f9, F10 T10 f10, F11 T11 f11, F12 T12 f12);
joins!(Join14: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8, F9 T9 f9, F10 T10 f10, F11 T11 f11, F12 T12 f12, F13 T13 f13);
joins!(Join15: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8, F9 T9 f9, F10 T10 f10, F11 T11 f11, F12 T12 f12, F13 T13 f13, F14 T14 f14);
joins!(Join16: F0 T0 f0, F1 T1 f1, F2 T2 f2, F3 T3 f3, F4 T4 f4, F5 T5 f5, F6 T6 f6, F7 T7 f7, F8 T8 f8, F9 T9 f9, F10 T10 f10, F11 T11 f11, F12 T12 f12, F13 T13 f13, F14 T14 f14, F15 T15 f15);
