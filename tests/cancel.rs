//! Detaching, cancellation, panics and `JoinError`.

// Several tests hand a `Task` out of a `block_on` on purpose.
#![allow(clippy::async_yields_async)]

mod support;

use std::cell::RefCell;
use std::future::pending;
use std::panic::{self};
use std::rc::Rc;
use std::thread;

use support::{
    panic_message, payload_message, poll_counter, yield_times, CustomPayload, DropCounter, Log,
};
use uniloop::{run, spawn, yield_now, Task};

// ---------------------------------------------------------------------------
// Tasks: detaching and cancellation
// ---------------------------------------------------------------------------

#[test]
fn dropping_a_task_handle_detaches_and_the_task_runs_to_completion() {
    let log = Log::new();
    let dropped = DropCounter::new();
    let (l, token) = (log.clone(), dropped.token());
    run(async move {
        drop(spawn(async move {
            let _token = token;
            for i in 0..3 {
                l.push(format!("detached {i}"));
                yield_now().await;
            }
            l.push("detached done");
        }));
        yield_times(5).await;
    });
    assert_eq!(
        log.snapshot(),
        ["detached 0", "detached 1", "detached 2", "detached done"]
    );
    assert_eq!(dropped.count(), 1);
}

#[test]
fn cancel_before_first_poll_drops_the_future_and_reports_cancelled() {
    let dropped = DropCounter::new();
    let token = dropped.token();
    let (future, polls) = poll_counter(async move {
        let _token = token;
        1
    });
    run(async {
        let task = spawn(future);
        assert!(!task.is_finished());
        assert!(task.cancel());
        assert!(task.is_finished());
        assert!(task.is_cancelled());
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
        assert!(!err.is_panic());
        assert_eq!(dropped.count(), 1);
    });
    assert_eq!(
        polls.get(),
        0,
        "a task cancelled before it ran is never polled"
    );
    assert_eq!(dropped.count(), 1);
}

#[test]
fn cancel_during_a_pending_await_drops_the_future_at_the_next_turn() {
    let dropped = DropCounter::new();
    let token = dropped.token();
    let (future, polls) = poll_counter(async move {
        let _token = token;
        pending::<()>().await;
    });
    run(async {
        let task = spawn(future);
        yield_now().await;
        assert_eq!(polls.get(), 1);
        assert!(!task.is_finished());
        assert!(task.cancel());
        assert!(task.is_finished() && task.is_cancelled());
        assert_eq!(dropped.count(), 0, "dropped at the loop's next turn");
        yield_now().await;
        assert_eq!(dropped.count(), 1);
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(polls.get(), 1);
    assert_eq!(dropped.count(), 1);
}

#[test]
fn cancelled_futures_destructor_runs_before_the_await_returns_cancelled() {
    let log = Log::new();
    let dropped = DropCounter::new();
    let token = dropped.logged_token(&log, "future dropped");
    let l = log.clone();
    run(async move {
        let task = spawn(async move {
            let _token = token;
            pending::<()>().await;
        });
        yield_now().await;
        task.cancel();
        let err = task.await.unwrap_err();
        l.push("await returned");
        assert!(err.is_cancelled());
    });
    assert_eq!(log.snapshot(), ["future dropped", "await returned"]);
}

#[test]
fn cancel_after_completion_returns_false_and_the_output_is_kept() {
    run(async {
        let task = spawn(async { "value" });
        yield_now().await;
        assert!(task.is_finished());
        assert!(!task.cancel());
        assert!(!task.is_cancelled());
        assert_eq!(task.await.unwrap(), "value");
    });
}

#[test]
fn cancel_twice_takes_effect_once() {
    run(async {
        let task = spawn(pending::<()>());
        assert!(task.cancel());
        assert!(!task.cancel());
        yield_now().await;
        assert!(!task.cancel());
        assert!(task.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn is_finished_and_is_cancelled_follow_the_task_lifecycle() {
    run(async {
        let done = spawn(async { yield_now().await });
        assert!(!done.is_finished() && !done.is_cancelled());
        yield_now().await;
        assert!(!done.is_finished(), "it yielded once and is not done yet");
        yield_now().await;
        assert!(done.is_finished() && !done.is_cancelled());
        done.await.unwrap();

        let panicked = spawn(async { panic!("boom") });
        yield_now().await;
        assert!(panicked.is_finished() && !panicked.is_cancelled());
        assert!(panicked.await.unwrap_err().is_panic());

        let cancelled = spawn(pending::<()>());
        cancelled.cancel();
        assert!(cancelled.is_finished() && cancelled.is_cancelled());
        assert!(cancelled.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn a_task_can_cancel_itself_and_is_not_polled_again() {
    let log = Log::new();
    let dropped = DropCounter::new();
    let me: Rc<RefCell<Option<Task<()>>>> = Rc::default();
    let (l, m, token) = (log.clone(), me.clone(), dropped.token());
    let (future, polls) = poll_counter(async move {
        let _token = token;
        l.push("running");
        let took_effect = m.borrow().as_ref().unwrap().cancel();
        l.push(format!("cancel returned {took_effect}"));
        yield_now().await;
        l.push("resumed after cancelling itself");
    });
    run(async {
        *me.borrow_mut() = Some(spawn(future));
        yield_now().await;
        let task = me.borrow_mut().take().unwrap();
        assert!(task.is_cancelled());
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(log.snapshot(), ["running", "cancel returned true"]);
    assert_eq!(polls.get(), 1);
    assert_eq!(dropped.count(), 1);
}

#[test]
fn a_task_that_cancels_itself_and_returns_ends_cancelled_and_its_value_is_dropped() {
    let out = DropCounter::new();
    let me: Rc<RefCell<Option<Task<support::DropToken>>>> = Rc::default();
    let (m, o) = (me.clone(), out.clone());
    run(async {
        *me.borrow_mut() = Some(spawn(async move {
            assert!(m.borrow().as_ref().unwrap().cancel());
            o.token()
        }));
        yield_now().await;
        let task = me.borrow_mut().take().unwrap();
        assert!(task.is_cancelled());
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(out.count(), 1, "the returned value was dropped");
    });
}

#[test]
fn cancel_from_another_task_takes_effect() {
    run(async {
        let victim = Rc::new(spawn(pending::<()>()));
        let v = victim.clone();
        let killer = spawn(async move { v.cancel() });
        assert!(killer.await.unwrap());
        let victim = Rc::try_unwrap(victim).unwrap();
        assert!(victim.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn a_destructor_run_by_cancel_may_spawn_a_task_which_runs() {
    struct SpawnOnDrop(Log);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let log = self.0.clone();
            drop(spawn(
                async move { log.push("spawned by a destructor ran") },
            ));
        }
    }
    let log = Log::new();
    let guard = SpawnOnDrop(log.clone());
    run(async move {
        let task = spawn(async move {
            let _guard = guard;
            pending::<()>().await
        });
        yield_now().await;
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        yield_now().await;
    });
    assert_eq!(log.snapshot(), ["spawned by a destructor ran"]);
}

#[test]
fn a_destructor_panicking_on_cancel_still_reports_cancelled_and_the_loop_runs_on() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("destructor panicked");
        }
    }
    let dropped = DropCounter::new();
    let token = dropped.token();
    run(async move {
        let task = spawn(async move {
            let _token = token;
            let _bomb = PanicOnDrop;
            pending::<()>().await
        });
        yield_now().await;
        task.cancel();
        assert!(task.await.unwrap_err().is_cancelled());
        assert_eq!(spawn(async { 1 }).await.unwrap(), 1);
    });
    assert_eq!(dropped.count(), 1, "the other fields were still dropped");
}

// ---------------------------------------------------------------------------
// Panics and JoinError
// ---------------------------------------------------------------------------

#[test]
fn a_panic_with_a_str_is_delivered_as_its_payload() {
    let err = run(async { spawn(async { panic!("static message") }).await.unwrap_err() });
    assert!(err.is_panic() && !err.is_cancelled());
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"static message"));
}

#[test]
fn a_panic_with_a_string_is_delivered_as_its_payload() {
    let err = run(async {
        let n = 3;
        spawn(async move { panic!("formatted {n}") })
            .await
            .unwrap_err()
    });
    let payload = err.into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("formatted 3")
    );
}

#[test]
fn a_panic_with_a_custom_payload_is_delivered_as_its_payload() {
    let err = run(async {
        spawn(async { panic::panic_any(CustomPayload { code: 7 }) })
            .await
            .unwrap_err()
    });
    assert!(err.is_panic());
    let payload = err.try_into_panic().unwrap();
    assert_eq!(
        payload.downcast_ref::<CustomPayload>(),
        Some(&CustomPayload { code: 7 })
    );
}

#[test]
fn a_panicking_task_does_not_stop_the_loop_or_other_tasks() {
    let log = Log::new();
    let l = log.clone();
    let dropped = DropCounter::new();
    let token = dropped.token();
    run(async move {
        let bystander = spawn(async move {
            for i in 0..4 {
                l.push(format!("bystander {i}"));
                yield_now().await;
            }
            "bystander done"
        });
        let panicker = spawn(async move {
            let _token = token;
            yield_now().await;
            panic!("boom");
        });
        // A detached panicking task does not stop anything either.
        drop(spawn(async { panic!("nobody listens") }));
        assert!(panicker.await.unwrap_err().is_panic());
        assert_eq!(bystander.await.unwrap(), "bystander done");
    });
    assert_eq!(
        log.snapshot(),
        ["bystander 0", "bystander 1", "bystander 2", "bystander 3"]
    );
    assert_eq!(dropped.count(), 1, "the panicking future was dropped");
}

#[test]
fn join_error_display_and_debug_describe_cancellation() {
    let (err, id) = run(async {
        let task = spawn(pending::<()>());
        let id = task.id();
        task.cancel();
        (task.await.unwrap_err(), id)
    });
    assert_eq!(err.id(), id);
    assert_eq!(err.to_string(), format!("task {id} was cancelled"));
    assert_eq!(format!("{err:?}"), format!("JoinError::Cancelled({id})"));
}

#[test]
fn join_error_display_and_debug_describe_a_panic() {
    let (err, id) = run(async {
        let task = spawn(async { panic!("kaboom") });
        let id = task.id();
        (task.await.unwrap_err(), id)
    });
    assert_eq!(err.id(), id);
    assert_eq!(err.to_string(), format!("task {id} panicked: kaboom"));
    assert_eq!(
        format!("{err:?}"),
        format!("JoinError::Panic({id}, \"kaboom\")")
    );

    let err = run(async {
        spawn(async { panic::panic_any(CustomPayload { code: 1 }) })
            .await
            .unwrap_err()
    });
    let id = err.id();
    assert_eq!(err.to_string(), format!("task {id} panicked"));
    assert_eq!(format!("{err:?}"), format!("JoinError::Panic({id}, ..)"));
}

#[test]
fn join_error_into_panic_on_a_cancelled_task_panics() {
    let err = run(async {
        let task = spawn(pending::<()>());
        task.cancel();
        task.await.unwrap_err()
    });
    let msg = panic_message(|| err.into_panic());
    assert!(
        msg.starts_with("JoinError::into_panic() called on a cancelled task"),
        "{msg}"
    );
}

#[test]
fn join_error_try_into_panic_gives_a_cancelled_error_back() {
    let err = run(async {
        let task = spawn(pending::<()>());
        let id = task.id();
        task.cancel();
        let err = task.await.unwrap_err();
        assert_eq!(err.id(), id);
        err
    });
    let id = err.id();
    let back = err.try_into_panic().unwrap_err();
    assert!(back.is_cancelled());
    assert_eq!(back.id(), id);
}

#[test]
fn join_error_is_a_send_sync_std_error() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    let err = run(async { spawn(async { panic!("x") }).await.unwrap_err() });
    assert_error(&err);
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
    assert!(boxed.to_string().ends_with("panicked: x"));
    // The payload can cross threads.
    let err = run(async { spawn(async { panic!("y") }).await.unwrap_err() });
    let payload = thread::spawn(move || payload_message(&*err.into_panic()))
        .join()
        .unwrap();
    assert_eq!(payload.as_deref(), Some("y"));
}

#[test]
fn a_task_that_cancels_itself_and_then_panics_ends_panicked_not_cancelled() {
    let me: Rc<RefCell<Option<Task<()>>>> = Rc::default();
    let m = me.clone();
    run(async {
        *me.borrow_mut() = Some(spawn(async move {
            assert!(m.borrow().as_ref().unwrap().cancel());
            panic!("after cancel");
        }));
        yield_now().await;
        let task = me.borrow_mut().take().unwrap();
        assert!(task.is_finished());
        assert!(!task.is_cancelled(), "the panic is the outcome");
        let err = task.await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(
            err.to_string(),
            format!("task {} panicked: after cancel", err.id())
        );
    });
}

/// A future that is ready at once and, when dropped, tries to cancel its
/// own task through the handle it finds in `me`.
struct CancelsItselfOnDrop {
    me: Rc<RefCell<Option<Task<i32>>>>,
    cancelled: Rc<std::cell::Cell<Option<bool>>>,
}

impl std::future::Future for CancelsItselfOnDrop {
    type Output = i32;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<i32> {
        std::task::Poll::Ready(5)
    }
}

impl Drop for CancelsItselfOnDrop {
    fn drop(&mut self) {
        if let Some(task) = &*self.me.borrow() {
            self.cancelled.set(Some(task.cancel()));
            assert!(task.is_finished(), "its outcome is decided");
        }
    }
}

#[test]
fn cancel_from_the_destructor_of_a_completing_future_returns_false_and_the_value_is_kept() {
    let me: Rc<RefCell<Option<Task<i32>>>> = Rc::default();
    let cancelled = Rc::new(std::cell::Cell::new(None));
    let future = CancelsItselfOnDrop {
        me: me.clone(),
        cancelled: cancelled.clone(),
    };
    run(async {
        *me.borrow_mut() = Some(spawn(future));
        yield_now().await;
        assert_eq!(
            cancelled.get(),
            Some(false),
            "the destructor ran and was refused"
        );
        let task = me.borrow_mut().take().unwrap();
        assert!(!task.is_cancelled());
        assert_eq!(task.await.unwrap(), 5);
    });
}

/// Panics when dropped.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("bomb");
    }
}

#[test]
fn a_panicking_capture_of_an_unrun_threadsafe_callback_does_not_abort_an_unwinding_run() {
    let result = panic::catch_unwind(|| {
        run(async {
            let bomb = Bomb;
            uniloop::Handle::current()
                .call_soon_threadsafe(move || drop(bomb))
                .ok()
                .unwrap();
            panic!("main");
        })
    });
    assert_eq!(
        payload_message(&*result.unwrap_err()).as_deref(),
        Some("main")
    );
    // The runtime's registry slot was freed: runtimes can still be made.
    assert_eq!(run(async { 1 }), 1);
}
