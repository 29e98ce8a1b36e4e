//! Wakers: FIFO wake order, waking twice, wakes from other threads, stale
//! wakers after slot reuse and after the runtime is gone.

// Several tests hand a `Task` out of a `block_on` on purpose.
#![allow(clippy::async_yields_async)]

mod support;

use std::cell::Cell;
use std::future::{pending, poll_fn};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;

use support::{poll_counter, poll_once, store_waker, yield_times, DropCounter, Signal, WakerSlot};
use uniloop::{run, spawn, yield_now, Runtime};

// ---------------------------------------------------------------------------
// Wakers
// ---------------------------------------------------------------------------

#[test]
fn waking_a_task_twice_queues_it_once() {
    let slot = WakerSlot::new();
    let (future, polls) = poll_counter(store_waker(&slot));
    run(async {
        let task = spawn(future);
        yield_now().await;
        assert_eq!(polls.get(), 1);
        let waker = slot.get().unwrap();
        waker.wake_by_ref();
        waker.wake_by_ref();
        let copy = waker.clone();
        copy.wake();
        yield_now().await;
        assert_eq!(polls.get(), 2, "three wakes, one poll");
        yield_times(3).await;
        assert_eq!(polls.get(), 2);
        task.cancel();
    });
    assert_eq!(polls.get(), 2);
}

#[test]
fn a_task_waking_itself_twice_in_one_poll_is_polled_once_more() {
    let (future, polls) = poll_counter(poll_fn(|cx: &mut Context<'_>| {
        cx.waker().wake_by_ref();
        cx.waker().wake_by_ref();
        Poll::<()>::Pending
    }));
    let (other, other_polls) = poll_counter(async { yield_now().await });
    run(async {
        let task = spawn(future);
        let other = spawn(other);
        yield_now().await;
        // One pass: the self-waking task ran once, re-queued itself once.
        assert_eq!((polls.get(), other_polls.get()), (1, 1));
        yield_now().await;
        assert_eq!((polls.get(), other_polls.get()), (2, 2));
        task.cancel();
        other.await.unwrap();
    });
    assert_eq!(polls.get(), 2);
}

#[test]
fn a_wake_from_another_thread_wakes_the_parked_run_future() {
    for _ in 0..50 {
        let woken = Arc::new(AtomicBool::new(false));
        let mut waker_thread = None;
        let mut polls = 0;
        run(poll_fn(|cx| {
            polls += 1;
            if woken.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            if waker_thread.is_none() {
                let (waker, woken) = (cx.waker().clone(), woken.clone());
                waker_thread = Some(thread::spawn(move || {
                    woken.store(true, Ordering::Release);
                    waker.wake();
                }));
            }
            Poll::Pending
        }));
        assert_eq!(polls, 2);
        waker_thread.unwrap().join().unwrap();
    }
}

#[test]
fn a_wake_from_another_thread_wakes_a_task_of_a_parked_loop() {
    for _ in 0..50 {
        let result = run(async {
            let signal = Signal::new();
            let s = signal.clone();
            let (future, polls) = poll_counter(async move {
                s.wait().await;
                thread::current().id()
            });
            let task = spawn(future);
            yield_now().await; // the task registers its waker
            assert!(signal.has_waiter());
            let firer = thread::spawn(move || signal.fire());
            let ran_on = task.await.unwrap();
            firer.join().unwrap();
            (ran_on, polls.get())
        });
        assert_eq!(result, (thread::current().id(), 2));
    }
}

#[test]
fn a_stale_waker_of_a_finished_task_does_not_poll_the_task_reusing_its_slot() {
    let slot = WakerSlot::new();
    let (second, second_polls) = poll_counter(pending::<()>());
    run(async {
        let s = slot.clone();
        let first = spawn(async move {
            s.set(poll_fn(|cx| Poll::Ready(cx.waker().clone())).await);
        });
        first.await.unwrap();
        // The first task is gone; the next one takes its slab slot.
        let second = spawn(second);
        yield_now().await;
        assert_eq!(second_polls.get(), 1);
        let stale = slot.get().unwrap();
        stale.wake_by_ref();
        yield_times(3).await;
        assert_eq!(second_polls.get(), 1, "local stale wake");
        // The same through the cross-thread path.
        thread::spawn(move || stale.wake()).join().unwrap();
        // Park the loop until a later cross-thread wake is delivered, so the
        // stale one (same inbox, sent earlier) has surely been processed.
        let signal = Signal::new();
        let waiter = spawn(signal.wait());
        yield_now().await;
        thread::spawn(move || signal.fire()).join().unwrap();
        waiter.await.unwrap();
        yield_times(3).await;
        assert_eq!(second_polls.get(), 1, "remote stale wake");
        second.cancel();
    });
    assert_eq!(second_polls.get(), 1);
}

#[test]
fn a_stale_waker_of_an_earlier_block_on_does_not_poll_the_next_future() {
    let rt = Runtime::new().unwrap();
    let old = rt.block_on(poll_fn(|cx| Poll::Ready(cx.waker().clone())));
    let mut polls = 0;
    let done = Rc::new(Cell::new(false));
    rt.block_on(poll_fn(|cx| {
        polls += 1;
        if done.get() {
            return Poll::Ready(());
        }
        if polls == 1 {
            old.wake_by_ref();
            let (waker, done) = (cx.waker().clone(), done.clone());
            drop(spawn(async move {
                yield_times(2).await;
                done.set(true);
                waker.wake();
            }));
        }
        Poll::Pending
    }));
    assert_eq!(polls, 2, "the old main waker must not poll the new main");
}

#[test]
fn a_waker_woken_after_its_runtime_is_dropped_is_a_no_op() {
    let slot = WakerSlot::new();
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        // Give the waker a slab key and id that other tests' tasks are
        // unlikely to share (runtime ids are reused).
        let parked: Vec<_> = (0..40).map(|_| spawn(pending::<()>())).collect();
        drop(spawn(store_waker(&slot)));
        yield_now().await;
        drop(parked);
    });
    let waker = slot.get().unwrap();
    drop(rt);
    waker.wake_by_ref();
    let copy = waker.clone();
    assert!(copy.will_wake(&waker));
    thread::spawn(move || copy.wake()).join().unwrap();
    waker.wake();
    // Still fine with a new runtime on this thread.
    assert_eq!(run(async { 1 }), 1);
}

#[test]
fn task_handles_can_be_awaited_from_another_task() {
    run(async {
        let inner = spawn(async {
            yield_times(2).await;
            5
        });
        let outer = spawn(async move { inner.await.unwrap() * 2 });
        assert_eq!(outer.await.unwrap(), 10);
    });
}

/// Issue 17: a handle that was awaited (polled) and is dropped before its
/// task completed cancels the task (its future is dropped, no output is
/// made); `detach()` keeps it running. It used to always detach.
#[test]
fn a_task_handle_polled_then_dropped_cancels_its_task_unless_detached() {
    let out = DropCounter::new();
    let (o, o2) = (out.clone(), out.clone());
    let done = Rc::new(Cell::new(0));
    let (d, d2) = (done.clone(), done.clone());
    run(async {
        let mut cancelled = spawn(async move {
            yield_now().await;
            d.set(d.get() + 1);
            o.token()
        });
        let mut detached = spawn(async move {
            yield_now().await;
            d2.set(d2.get() + 1);
            o2.token()
        });
        assert!(poll_once(&mut cancelled).await.is_pending());
        assert!(poll_once(&mut detached).await.is_pending());
        drop(cancelled);
        detached.detach();
        yield_times(3).await;
        assert_eq!(done.get(), 1, "only the detached task ran to completion");
        assert_eq!(out.count(), 1, "its output was dropped by the runtime");
    });
}

#[test]
fn a_waker_of_a_dropped_runtime_does_not_poll_the_task_that_reuses_its_address() {
    // The first task of a runtime gets id 1 and slab key 0, and a new
    // runtime takes the registry id a dropped one freed: the old waker's
    // runtime id, key and task id all match the new task.
    let old = WakerSlot::new();
    {
        let rt = Runtime::new().unwrap();
        let pending_forever = store_waker(&old);
        rt.block_on(async {
            drop(spawn(pending_forever));
            yield_now().await;
        });
    }
    let stale = old.get().unwrap();
    let (future, polls) = poll_counter(pending::<()>());
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let task = spawn(future);
        assert_eq!(task.id().as_u64(), 1);
        yield_now().await;
        assert_eq!(polls.get(), 1);
        stale.wake_by_ref();
        yield_times(3).await;
        assert_eq!(polls.get(), 1, "the stale waker polled the new task");
        task.cancel();
    });
}

#[test]
fn a_thread_that_woke_a_dropped_runtime_reaches_the_runtime_that_took_its_id() {
    // One worker thread wakes every runtime's root future. After the first
    // runtime is dropped (its `Remote` kept alive by a handle), the next one
    // takes its id: the worker's wake must reach the new runtime, or its
    // block_on never returns.
    let (wakers, to_wake) = std::sync::mpsc::channel::<std::task::Waker>();
    let (woken, were_woken) = std::sync::mpsc::channel::<()>();
    let worker = thread::spawn(move || {
        for waker in to_wake {
            waker.wake();
            woken.send(()).unwrap();
        }
    });
    let mut handles = Vec::new();
    for _ in 0..3 {
        let rt = Runtime::new().unwrap();
        handles.push(rt.handle());
        rt.block_on(async {
            let mut sent = false;
            poll_fn(|cx| {
                if sent {
                    return Poll::Ready(());
                }
                sent = true;
                wakers.send(cx.waker().clone()).unwrap();
                Poll::Pending
            })
            .await;
        });
        were_woken.recv().unwrap();
    }
    drop(wakers);
    worker.join().unwrap();
}
