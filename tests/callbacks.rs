//! Callbacks: `call_soon`, `CallbackHandle`, and `Handle::call_soon_threadsafe`
//! from other threads.

// Several tests hand a `Task` out of a `block_on` on purpose.
#![allow(clippy::async_yields_async)]

mod support;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;

use support::{poll_counter, yield_times, DropCounter, Log, Signal};
use uniloop::{call_soon, current_task, run, spawn, yield_now, Handle, LoopClosed, Runtime};

// ---------------------------------------------------------------------------
// call_soon
// ---------------------------------------------------------------------------

#[test]
fn call_soon_runs_in_fifo_order_with_tasks() {
    let log = Log::new();
    run(async {
        let l = log.clone();
        drop(spawn(async move { l.push("task A") }));
        let l = log.clone();
        let _ = call_soon(move || l.push("callback 1"));
        let l = log.clone();
        drop(spawn(async move { l.push("task B") }));
        let l = log.clone();
        let _ = call_soon(move || l.push("callback 2"));
        log.push("main");
        yield_now().await;
        log.push("main again");
    });
    assert_eq!(
        log.snapshot(),
        [
            "main",
            "task A",
            "callback 1",
            "task B",
            "callback 2",
            "main again"
        ]
    );
}

#[test]
fn call_soon_does_not_run_the_callback_synchronously() {
    let ran = Rc::new(Cell::new(false));
    run(async {
        let r = ran.clone();
        let _ = call_soon(move || r.set(true));
        assert!(!ran.get());
        yield_now().await;
        assert!(ran.get());
    });
}

#[test]
fn cancelling_a_callback_handle_prevents_the_callback() {
    let dropped = DropCounter::new();
    let token = dropped.token();
    let ran = Rc::new(Cell::new(false));
    run(async {
        let r = ran.clone();
        let handle = call_soon(move || {
            let _token = token;
            r.set(true);
        });
        assert!(!handle.is_cancelled());
        assert!(handle.cancel());
        assert!(handle.is_cancelled());
        assert!(!handle.cancel());
        yield_times(2).await;
        assert!(handle.is_cancelled());
    });
    assert!(!ran.get());
    assert_eq!(dropped.count(), 1, "the closure was dropped unrun");
}

#[test]
fn cancelling_a_callback_that_already_ran_returns_false() {
    run(async {
        let handle = call_soon(|| ());
        yield_now().await;
        assert!(!handle.cancel());
        assert!(!handle.is_cancelled());
    });
}

#[test]
fn dropping_a_callback_handle_does_not_cancel_it() {
    let ran = Rc::new(Cell::new(false));
    run(async {
        let r = ran.clone();
        drop(call_soon(move || r.set(true)));
        yield_now().await;
    });
    assert!(ran.get());
}

#[test]
fn a_panicking_callback_does_not_stop_the_loop() {
    let log = Log::new();
    run(async {
        let _ = call_soon(|| panic!("callback boom"));
        let l = log.clone();
        let _ = call_soon(move || l.push("next callback"));
        let l = log.clone();
        let task = spawn(async move { l.push("task") });
        yield_now().await;
        task.await.unwrap();
        log.push("main");
    });
    assert_eq!(log.snapshot(), ["next callback", "task", "main"]);
}

#[test]
fn callbacks_left_at_shutdown_are_dropped_unrun() {
    let dropped = DropCounter::new();
    let token = dropped.token();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    run(async move {
        let _ = call_soon(move || {
            let _token = token;
            r.set(true);
        });
    });
    assert!(!ran.get());
    assert_eq!(dropped.count(), 1);
}

// ---------------------------------------------------------------------------
// Handle and call_soon_threadsafe
// ---------------------------------------------------------------------------

#[test]
fn handle_is_send_sync_and_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<Handle>();
}

#[test]
fn call_soon_threadsafe_from_another_thread_runs_on_the_loop_thread() {
    let loop_thread = thread::current().id();
    let (ran_on, no_task) = run(async {
        let signal = Signal::new();
        let result = Arc::new(Mutex::new(None));
        let handle = Handle::current();
        let (s, r) = (signal.clone(), result.clone());
        let sender = thread::spawn(move || {
            handle
                .call_soon_threadsafe(move || {
                    *r.lock().unwrap() = Some((thread::current().id(), current_task().is_none()));
                    s.fire();
                })
                .map_err(|_| "loop closed")
        });
        signal.wait().await;
        sender.join().unwrap().unwrap();
        result.lock().unwrap().take().unwrap()
    });
    assert_eq!(ran_on, loop_thread);
    assert!(no_task, "a callback is not a task");
}

#[test]
fn call_soon_threadsafe_callbacks_run_in_the_order_sent() {
    let (tx, rx) = mpsc::channel();
    run(async {
        let handle = Handle::current();
        let signal = Signal::new();
        let s = signal.clone();
        thread::spawn(move || {
            for i in 0..100 {
                let tx = tx.clone();
                handle
                    .call_soon_threadsafe(move || tx.send(i).unwrap())
                    .ok();
            }
            handle.call_soon_threadsafe(move || s.fire()).ok();
        })
        .join()
        .unwrap();
        signal.wait().await;
    });
    assert_eq!(
        rx.try_iter().collect::<Vec<_>>(),
        (0..100).collect::<Vec<_>>()
    );
}

#[test]
fn call_soon_threadsafe_sent_before_block_on_runs_during_the_next_block_on() {
    let rt = Runtime::new().unwrap();
    let (tx, rx) = mpsc::channel();
    let signal = Signal::new();
    let s = signal.clone();
    let handle = rt.handle();
    thread::spawn(move || {
        handle
            .call_soon_threadsafe(move || {
                tx.send("ran").unwrap();
                s.fire();
            })
            .ok()
    })
    .join()
    .unwrap()
    .unwrap();
    assert!(rx.try_recv().is_err(), "not run before the loop runs");
    rt.block_on(signal.wait());
    assert_eq!(rx.try_recv(), Ok("ran"));
}

#[test]
fn call_soon_threadsafe_sent_before_block_on_runs_before_its_future_resumes() {
    let rt = Runtime::new().unwrap();
    let (tx, rx) = mpsc::channel();
    rt.handle()
        .call_soon_threadsafe(move || tx.send(1).unwrap())
        .unwrap();
    rt.block_on(yield_now());
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn call_soon_threadsafe_is_not_starved_by_always_ready_tasks() {
    run(async {
        let stop = Arc::new(AtomicBool::new(false));
        let spinners: Vec<_> = (0..2)
            .map(|_| {
                let stop = stop.clone();
                spawn(async move {
                    let mut turns = 0u64;
                    while !stop.load(Ordering::SeqCst) {
                        turns += 1;
                        yield_now().await;
                    }
                    turns
                })
            })
            .collect();
        let s = stop.clone();
        thread::spawn({
            let handle = Handle::current();
            move || handle.call_soon_threadsafe(move || s.store(true, Ordering::SeqCst))
        })
        .join()
        .unwrap()
        .unwrap();
        for spinner in spinners {
            assert!(spinner.await.unwrap() > 0);
        }
    });
}

#[test]
fn a_cross_thread_wake_is_not_starved_by_always_ready_tasks() {
    run(async {
        let signal = Signal::new();
        let waiter = spawn(signal.wait());
        let spinner = spawn({
            let signal = signal.clone();
            async move {
                yield_now().await; // the waiter has registered by now
                thread::spawn(move || signal.fire()).join().unwrap();
                while !waiter.is_finished() {
                    yield_now().await;
                }
                waiter.await.unwrap();
            }
        });
        spinner.await.unwrap();
    });
}

#[test]
fn call_soon_threadsafe_after_the_runtime_is_dropped_gives_the_closure_back() {
    let rt = Runtime::new().unwrap();
    let handle = rt.handle();
    drop(rt);
    let (tx, rx) = mpsc::channel();
    let LoopClosed(f) = handle
        .call_soon_threadsafe(move || tx.send("called by the caller").unwrap())
        .unwrap_err();
    assert!(rx.try_recv().is_err());
    f();
    assert_eq!(rx.try_recv(), Ok("called by the caller"));

    // The same from another thread, with Display and Debug.
    let (tx, rx) = mpsc::channel();
    let err = thread::spawn(move || {
        handle
            .call_soon_threadsafe(move || tx.send(5).unwrap())
            .unwrap_err()
    })
    .join()
    .unwrap();
    assert_eq!(err.to_string(), "the uniloop runtime is gone");
    assert_eq!(format!("{err:?}"), "LoopClosed(..)");
    (err.0)();
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn a_callback_queued_when_the_runtime_is_dropped_is_dropped_unrun() {
    let rt = Runtime::new().unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let owned = Arc::new(());
    let (r, o) = (ran.clone(), owned.clone());
    rt.handle()
        .call_soon_threadsafe(move || {
            let _owned = o;
            r.store(true, Ordering::SeqCst);
        })
        .unwrap();
    drop(rt);
    assert!(!ran.load(Ordering::SeqCst));
    assert_eq!(Arc::strong_count(&owned), 1, "the closure was dropped");
}

#[test]
fn handle_current_reaches_the_running_loop() {
    run(async {
        let handle = Handle::current();
        assert!(Handle::try_current().is_some());
        let signal = Signal::new();
        let s = signal.clone();
        // From the loop's own thread too.
        handle.call_soon_threadsafe(move || s.fire()).unwrap();
        signal.wait().await;
    });
}

// ---------------------------------------------------------------------------
// Futures written by hand
// ---------------------------------------------------------------------------

/// A future that is ready on its `n`th poll and wakes itself each time.
struct ReadyAfter(usize);

impl Future for ReadyAfter {
    type Output = &'static str;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
        self.0 -= 1;
        if self.0 == 0 {
            Poll::Ready("ready")
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[test]
fn a_hand_written_self_waking_future_is_polled_until_ready() {
    let (future, polls) = poll_counter(ReadyAfter(5));
    assert_eq!(run(async { spawn(future).await.unwrap() }), "ready");
    assert_eq!(polls.get(), 5);
    let (future, polls) = poll_counter(ReadyAfter(5));
    assert_eq!(run(future), "ready");
    assert_eq!(polls.get(), 5);
}

#[test]
fn clones_of_a_task_waker_will_wake_the_same_task() {
    // Futures may keep and compare wakers; uniloop's are plain values.
    run(async {
        let task = spawn(poll_fn(|cx| {
            let a: Waker = cx.waker().clone();
            let b = a.clone();
            Poll::Ready(a.will_wake(&b) && a.will_wake(cx.waker()))
        }));
        assert!(task.await.unwrap());
    });
}
