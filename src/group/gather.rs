//! `gather!` and `try_gather!`: a fixed set of futures of different types
//! polled side by side inside the current task.
//!
//! The macros wrap each future in a [`MaybeDone`] and the tuple of them in
//! [`Gather`] or [`TryGather`]; the tuple traits, implemented for 1 to 16
//! futures, poll every field and collect the outputs. With a handful of
//! futures, polling all of them on each wake-up is cheaper than per-future
//! wakers; [`gather_all`](crate::gather_all) is the form for many.
//!
//! # Invariants
//!
//! A `Gather`/`TryGather` is pinned, and so is its tuple: the fields are
//! reached through `Pin::new_unchecked` and never moved. A `MaybeDone`
//! moves only its output out (`take`), never a future.

use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

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

/// A future, then its output, then nothing (used by [`gather!`]).
#[doc(hidden)]
#[derive(Debug)]
pub enum MaybeDone<F: Future> {
    Pending(F),
    Done(F::Output),
    Taken,
}

impl<F: Future> MaybeDone<F> {
    pub fn new(future: F) -> MaybeDone<F> {
        MaybeDone::Pending(future)
    }

    /// Poll the future if it is pending; `true` once it is done.
    fn poll_done(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        // SAFETY: the future is never moved: it is polled in place, and
        // replaced (dropped in place) by its output.
        let this = unsafe { self.get_unchecked_mut() };
        if let MaybeDone::Pending(future) = this {
            // SAFETY: as above; `this` is pinned, so its field is too.
            let future = unsafe { Pin::new_unchecked(future) };
            match future.poll(cx) {
                Poll::Ready(output) => *this = MaybeDone::Done(output),
                Poll::Pending => return false,
            }
        }
        true
    }

    /// The output, once done.
    fn take(self: Pin<&mut Self>) -> F::Output {
        // SAFETY: only an output is moved out; a pending future (which
        // must not move) makes this panic without touching it.
        let this = unsafe { self.get_unchecked_mut() };
        match this {
            MaybeDone::Done(_) => match mem::replace(this, MaybeDone::Taken) {
                MaybeDone::Done(output) => output,
                _ => unreachable!(),
            },
            _ => panic!("uniloop::gather!: polled after it returned its output"),
        }
    }

    /// Whether it is done with an `Err`.
    fn is_err<T, E>(&self) -> bool
    where
        F: Future<Output = Result<T, E>>,
    {
        matches!(self, MaybeDone::Done(Err(_)))
    }
}

/// A tuple of [`MaybeDone`]s, polled together by [`Gather`].
#[doc(hidden)]
pub trait Futures {
    type Output;
    /// Poll every pending future; `true` once all are done.
    fn poll_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool;
    fn take_all(self: Pin<&mut Self>) -> Self::Output;
}

/// A tuple of [`MaybeDone`]s of `Result`s, polled together by
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

/// The future of [`gather!`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct Gather<T> {
    futures: T,
}

impl<T: Futures> Gather<T> {
    pub fn new(futures: T) -> Gather<T> {
        Gather { futures }
    }
}

impl<T: Futures> Future for Gather<T> {
    type Output = T::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        // SAFETY: structural pinning of the one field (see module docs).
        let mut futures = unsafe { self.map_unchecked_mut(|g| &mut g.futures) };
        if futures.as_mut().poll_all(cx) {
            Poll::Ready(futures.take_all())
        } else {
            Poll::Pending
        }
    }
}

/// The future of [`try_gather!`].
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "futures do nothing unless you .await or poll them"]
pub struct TryGather<T> {
    /// `None` once it returned (the futures are dropped at the first
    /// error).
    futures: Option<T>,
}

impl<T: TryFutures> TryGather<T> {
    pub fn new(futures: T) -> TryGather<T> {
        TryGather {
            futures: Some(futures),
        }
    }
}

impl<T: TryFutures> Future for TryGather<T> {
    type Output = Result<T::Ok, T::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the tuple is pinned in place while `Some`; it is dropped
        // in place by `set(None)`, never moved out.
        let mut slot = unsafe { self.map_unchecked_mut(|g| &mut g.futures) };
        let Some(futures) = slot.as_mut().as_pin_mut() else {
            panic!("uniloop::try_gather! polled after it returned");
        };
        match futures.try_poll_all(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(err)) => {
                // The first error cancels the rest now.
                slot.set(None);
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

/// Project field `$idx` of a pinned tuple.
macro_rules! field {
    ($tuple:expr, $idx:tt) => {
        // SAFETY: the tuple is pinned and its fields are never moved (see
        // the module invariants).
        unsafe { Pin::new_unchecked(&mut $tuple.$idx) }
    };
}

macro_rules! tuple_impls {
    ($($F:ident $T:ident $idx:tt),+) => {
        impl<$($F: Future),+> Futures for ($(MaybeDone<$F>,)+) {
            type Output = ($($F::Output,)+);

            fn poll_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
                // SAFETY: only used to project each field in place.
                let this = unsafe { self.get_unchecked_mut() };
                let mut done = true;
                $( done &= field!(this, $idx).poll_done(cx); )+
                done
            }

            fn take_all(self: Pin<&mut Self>) -> Self::Output {
                // SAFETY: only used to project each field in place.
                let this = unsafe { self.get_unchecked_mut() };
                ($( field!(this, $idx).take(), )+)
            }
        }

        impl<E, $($F, $T),+> TryFutures for ($(MaybeDone<$F>,)+)
        where
            $($F: Future<Output = Result<$T, E>>),+
        {
            type Ok = ($($T,)+);
            type Error = E;

            fn try_poll_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), E>> {
                // SAFETY: only used to project each field in place.
                let this = unsafe { self.get_unchecked_mut() };
                let mut done = true;
                $(
                    if field!(this, $idx).poll_done(cx) {
                        if this.$idx.is_err() {
                            match field!(this, $idx).take() {
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
                // SAFETY: only used to project each field in place.
                let this = unsafe { self.get_unchecked_mut() };
                ($(
                    match field!(this, $idx).take() {
                        Ok(value) => value,
                        Err(_) => unreachable!("an Err ends the gather when it happens"),
                    },
                )+)
            }
        }
    };
}

tuple_impls!(F0 T0 0);
tuple_impls!(F0 T0 0, F1 T1 1);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8, F9 T9 9);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8, F9 T9 9, F10 T10 10);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8, F9 T9 9, F10 T10 10, F11 T11 11);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8, F9 T9 9, F10 T10 10, F11 T11 11, F12 T12 12);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8, F9 T9 9, F10 T10 10, F11 T11 11, F12 T12 12, F13 T13 13);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8, F9 T9 9, F10 T10 10, F11 T11 11, F12 T12 12, F13 T13 13, F14 T14 14);
tuple_impls!(F0 T0 0, F1 T1 1, F2 T2 2, F3 T3 3, F4 T4 4, F5 T5 5, F6 T6 6, F7 T7 7, F8 T8 8, F9 T9 9, F10 T10 10, F11 T11 11, F12 T12 12, F13 T13 13, F14 T14 14, F15 T15 15);
