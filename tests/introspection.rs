//! `current_task`, `all_tasks` and `TaskInfo`.

// Several tests hand a `Task` out of a `block_on` on purpose.
#![allow(clippy::async_yields_async)]

mod support;

use std::cell::Cell;
use std::future::pending;
use std::rc::Rc;
use support::yield_times;

use uniloop::{
    all_tasks, call_soon, current_task, run, spawn, spawn_named, yield_now, Runtime, TaskInfo,
    TaskState,
};

// ---------------------------------------------------------------------------
// current_task, all_tasks
// ---------------------------------------------------------------------------

async fn probe() -> Option<TaskInfo> {
    current_task()
}

#[test]
fn current_task_is_none_in_the_run_future() {
    run(async {
        assert!(current_task().is_none());
        let _ = spawn(async {}).await;
        assert!(current_task().is_none());
    });
    let rt = Runtime::new().unwrap();
    assert!(rt.block_on(probe()).is_none());
}

#[test]
fn current_task_describes_the_running_task() {
    run(async {
        let (task, line) = (spawn_named("probe", probe()), line!());
        let id = task.id();
        assert_eq!(task.name(), Some("probe"));
        let info = task.await.unwrap().expect("inside a task");
        assert_eq!(info.id, id);
        assert_eq!(info.name.as_deref(), Some("probe"));
        assert_eq!(info.state, TaskState::Running);
        assert_eq!(info.polls, 1);
        assert_eq!(info.spawned_at.line(), line);
        assert!(info.spawned_at.file().ends_with("introspection.rs"));

        let (task, line) = (spawn(probe()), line!());
        let info = task.await.unwrap().unwrap();
        assert_eq!(info.name, None);
        assert_eq!(info.spawned_at.line(), line);
    });
}

#[test]
fn current_task_counts_polls_so_far() {
    run(async {
        let task = spawn(async {
            yield_times(3).await;
            current_task().unwrap().polls
        });
        assert_eq!(task.await.unwrap(), 4);
    });
}

#[test]
fn current_task_is_none_in_a_call_soon_callback() {
    let seen = Rc::new(Cell::new(None));
    run(async {
        let s = seen.clone();
        let _ = call_soon(move || s.set(Some(current_task().is_none())));
        yield_now().await;
    });
    assert_eq!(seen.get(), Some(true));
}

#[test]
fn task_ids_count_up_in_spawn_order() {
    run(async {
        let a = spawn(async {});
        let b = spawn(async {});
        assert!(a.id() < b.id());
        assert_eq!(b.id().as_u64(), a.id().as_u64() + 1);
        assert_eq!(a.id().to_string(), a.id().as_u64().to_string());
        let _ = (a.await, b.await);
    });
}

#[test]
fn all_tasks_lists_only_unfinished_tasks_with_their_states() {
    fn by_name() -> Vec<(String, TaskState, u64)> {
        let mut tasks: Vec<_> = all_tasks()
            .into_iter()
            .map(|t| (t.name.unwrap_or_default(), t.state, t.polls))
            .collect();
        tasks.sort_by(|a, b| a.0.cmp(&b.0));
        tasks
    }
    run(async {
        assert!(all_tasks().is_empty());
        let parked = spawn_named("parked", pending::<()>());
        let yielder = spawn_named("yielder", yield_times(1));
        let cancelled = spawn_named("cancelled", pending::<()>());
        let _callback = call_soon(|| ());
        cancelled.cancel();
        assert_eq!(
            by_name(),
            [
                ("parked".into(), TaskState::Scheduled, 0),
                ("yielder".into(), TaskState::Scheduled, 0),
            ]
        );
        yield_now().await;
        assert_eq!(
            by_name(),
            [
                ("parked".into(), TaskState::Idle, 1),
                ("yielder".into(), TaskState::Scheduled, 1),
            ]
        );
        yielder.await.unwrap();
        assert_eq!(by_name(), [("parked".into(), TaskState::Idle, 1)]);
        parked.cancel();
        assert!(all_tasks().is_empty());
        let _ = cancelled.await;
    });
}

#[test]
fn all_tasks_inside_a_task_shows_it_running() {
    run(async {
        let other = spawn_named("other", pending::<()>());
        let me = spawn_named("me", async {
            let mut tasks = all_tasks();
            tasks.sort_by_key(|t| t.id);
            tasks
                .into_iter()
                .map(|t| (t.name.unwrap(), t.state))
                .collect::<Vec<_>>()
        });
        let tasks = me.await.unwrap();
        assert_eq!(
            tasks,
            [
                ("other".to_string(), TaskState::Idle),
                ("me".to_string(), TaskState::Running)
            ]
        );
        other.cancel();
    });
}

#[test]
fn task_info_display_names_the_task_state_and_location() {
    run(async {
        let (task, line) = (spawn_named("shown", probe()), line!());
        let info = task.await.unwrap().unwrap();
        let text = info.to_string();
        assert!(text.starts_with(&format!("task {} \"shown\" running", info.id)));
        assert!(text.ends_with(&format!(
            "introspection.rs:{line}:{}",
            info.spawned_at.column()
        )));
    });
}
