//! Debug mode: slow polls are reported on stderr, naming the task, its id,
//! its spawn location and the duration. Each case runs in a child process
//! (this test binary again, with `UNILOOP_TEST_CHILD` naming the case) so its
//! stderr can be read.

use std::env;
use std::process::Command;
use std::time::{Duration, Instant};

use uniloop::Runtime;

const CHILD: &str = "UNILOOP_TEST_CHILD";

/// Run this binary's test `case` in a child process with `envs` set; its
/// stderr.
fn stderr_of(case: &str, envs: &[(&str, &str)]) -> String {
    let output = Command::new(env::current_exe().unwrap())
        .args([case, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, case)
        .env_remove("UNILOOP_DEBUG")
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    assert!(output.status.success(), "child {case} failed: {output:?}");
    String::from_utf8(output.stderr).unwrap()
}

fn is_child(case: &str) -> bool {
    env::var(CHILD).is_ok_and(|c| c == case)
}

/// A poll that takes at least `at_least`, whatever the machine's speed.
fn busy_for(at_least: Duration) {
    let start = Instant::now();
    while start.elapsed() < at_least {
        std::hint::spin_loop();
    }
}

/// In the child: one named task whose single poll takes at least 2 ms, on a
/// runtime with `debug` (unset: left to the environment) and `threshold`.
fn slow_task(debug: Option<bool>, threshold: Duration) {
    let mut builder = Runtime::builder().slow_poll_threshold(threshold);
    if let Some(debug) = debug {
        builder = builder.debug(debug);
    }
    let rt = builder.build().unwrap();
    rt.block_on(async {
        let task = uniloop::spawn_named("sluggish", async { busy_for(Duration::from_millis(2)) });
        task.await.unwrap();
    });
}

#[test]
fn child_debug_on_with_a_1ms_threshold() {
    if is_child("child_debug_on_with_a_1ms_threshold") {
        slow_task(Some(true), Duration::from_millis(1));
    }
}

#[test]
fn child_debug_from_the_environment() {
    if is_child("child_debug_from_the_environment") {
        slow_task(None, Duration::from_millis(1));
    }
}

#[test]
fn child_debug_off() {
    if is_child("child_debug_off") {
        slow_task(Some(false), Duration::from_millis(1));
    }
}

#[test]
fn child_debug_on_with_a_long_threshold() {
    if is_child("child_debug_on_with_a_long_threshold") {
        slow_task(Some(true), Duration::from_secs(3600));
    }
}

#[test]
fn a_slow_poll_in_debug_mode_prints_one_line_naming_the_task() {
    let stderr = stderr_of("child_debug_on_with_a_1ms_threshold", &[]);
    let lines: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("uniloop:"))
        .collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let line = lines[0];
    assert!(
        line.starts_with("uniloop: executing task 1 \"sluggish\" (spawned at tests/debug.rs:"),
        "{line}"
    );
    let seconds: f64 = line
        .rsplit_once(" took ")
        .and_then(|(_, rest)| rest.strip_suffix(" seconds"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no duration in {line}"));
    assert!(seconds >= 0.002, "{line}");
}

#[test]
fn uniloop_debug_1_in_the_environment_turns_debug_mode_on() {
    let stderr = stderr_of(
        "child_debug_from_the_environment",
        &[("UNILOOP_DEBUG", "1")],
    );
    assert!(
        stderr.contains("uniloop: executing task 1 \"sluggish\""),
        "{stderr}"
    );
}

#[test]
fn uniloop_debug_0_leaves_debug_mode_off() {
    let stderr = stderr_of(
        "child_debug_from_the_environment",
        &[("UNILOOP_DEBUG", "0")],
    );
    assert!(!stderr.contains("uniloop:"), "{stderr}");
}

#[test]
fn builder_debug_false_wins_over_the_environment() {
    let stderr = stderr_of("child_debug_off", &[("UNILOOP_DEBUG", "1")]);
    assert!(!stderr.contains("uniloop:"), "{stderr}");
}

#[test]
fn polls_under_the_threshold_are_not_reported() {
    let stderr = stderr_of("child_debug_on_with_a_long_threshold", &[]);
    assert!(!stderr.contains("uniloop:"), "{stderr}");
}

/// In the child: a debug runtime (or not) where one task panics and its
/// handle is dropped, and another panics and is awaited.
fn panics(debug: bool) {
    let rt = Runtime::builder().debug(debug).build().unwrap();
    rt.block_on(async {
        drop(uniloop::spawn_named("orphan", async {
            panic!("nobody saw this")
        }));
        let awaited = uniloop::spawn_named("awaited", async { panic!("this one was seen") });
        assert!(awaited.await.unwrap_err().is_panic());
    });
}

#[test]
fn child_panics_in_debug_mode() {
    if is_child("child_panics_in_debug_mode") {
        panics(true);
    }
}

#[test]
fn child_panics_without_debug_mode() {
    if is_child("child_panics_without_debug_mode") {
        panics(false);
    }
}

#[test]
fn a_panic_nobody_awaits_is_reported_in_debug_mode_once_with_its_message() {
    let stderr = stderr_of("child_panics_in_debug_mode", &[]);
    let reports: Vec<_> = stderr
        .lines()
        .filter(|l| l.contains("was never retrieved"))
        .collect();
    assert_eq!(reports.len(), 1, "{stderr}");
    assert!(
        reports[0].starts_with("uniloop: task 1 \"orphan\" (spawned at tests/debug.rs:"),
        "{}",
        reports[0]
    );
    assert!(
        reports[0].ends_with("never retrieved: nobody saw this"),
        "{}",
        reports[0]
    );
}

#[test]
fn a_panic_nobody_awaits_is_not_reported_without_debug_mode() {
    let stderr = stderr_of("child_panics_without_debug_mode", &[]);
    assert!(!stderr.contains("never retrieved"), "{stderr}");
}

#[test]
fn child_slow_root_future() {
    if is_child("child_slow_root_future") {
        let rt = Runtime::builder()
            .debug(true)
            .slow_poll_threshold(Duration::from_millis(1))
            .build()
            .unwrap();
        rt.block_on(async { busy_for(Duration::from_millis(2)) });
    }
}

#[test]
fn a_slow_poll_of_the_root_future_is_reported_with_its_call_site() {
    let stderr = stderr_of("child_slow_root_future", &[]);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("uniloop: executing"))
        .unwrap_or_else(|| panic!("no report in {stderr}"));
    assert!(
        line.starts_with(
            "uniloop: executing the future given to Runtime::block_on (at tests/debug.rs:"
        ),
        "{line}"
    );
}

#[test]
fn child_group_panic() {
    if is_child("child_group_panic") {
        let rt = Runtime::builder().debug(true).build().unwrap();
        let err = rt.block_on(async {
            let group = uniloop::TaskGroup::<()>::new();
            drop(group.spawn(async { panic!("the group took it") as Result<(), ()> }));
            group.join().await.unwrap_err()
        });
        drop(rt);
        eprintln!("joined: {err:?}");
    }
}

#[test]
fn a_panic_a_task_group_collected_is_not_reported_as_never_retrieved() {
    let stderr = stderr_of("child_group_panic", &[]);
    assert!(
        stderr.contains("joined: GroupError([Panicked(\"the group took it\")])"),
        "{stderr}"
    );
    assert!(!stderr.contains("never retrieved"), "{stderr}");
}

/// In the child: `run` ends with two tasks still pending (one named, one
/// scheduled), and one that finished; in debug mode or not.
fn pending_at_exit(debug: bool) {
    let rt = Runtime::builder().debug(debug).build().unwrap();
    rt.block_on(async {
        drop(uniloop::spawn_named("stuck", std::future::pending::<()>()));
        uniloop::spawn(async {}).await.unwrap();
        uniloop::yield_now().await; // "stuck" is polled once
        drop(uniloop::spawn(async {})); // never polled
    });
    drop(rt);
    eprintln!("dropped");
}

#[test]
fn child_pending_at_exit_in_debug_mode() {
    if is_child("child_pending_at_exit_in_debug_mode") {
        pending_at_exit(true);
    }
}

#[test]
fn child_pending_at_exit_without_debug_mode() {
    if is_child("child_pending_at_exit_without_debug_mode") {
        pending_at_exit(false);
    }
}

#[test]
fn tasks_still_pending_at_shutdown_are_listed_in_debug_mode() {
    let stderr = stderr_of("child_pending_at_exit_in_debug_mode", &[]);
    let lines: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("uniloop:"))
        .collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert_eq!(
        lines[0],
        "uniloop: 2 tasks still pending at shutdown, cancelled:"
    );
    assert!(
        lines[1]
            .starts_with("uniloop:   task 1 \"stuck\" idle, 1 poll, spawned at tests/debug.rs:"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("uniloop:   task 3 scheduled, 0 polls, spawned at tests/debug.rs:"),
        "{}",
        lines[2]
    );
    // Listed before the tasks are dropped, and only once.
    assert!(stderr.trim_end().ends_with("dropped"), "{stderr}");
}

#[test]
fn pending_tasks_are_not_listed_without_debug_mode() {
    let stderr = stderr_of("child_pending_at_exit_without_debug_mode", &[]);
    assert!(!stderr.contains("still pending"), "{stderr}");
    assert!(stderr.contains("dropped"), "{stderr}");
}

/// In the child: a task whose cleanup never ends, at a runtime's drop with
/// a 100 ms shutdown timeout; in debug mode or not.
fn cleanup_outruns_the_bound(debug: bool) {
    let rt = Runtime::builder()
        .debug(debug)
        .shutdown_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    rt.block_on(async {
        let stuck = uniloop::on_cancel(std::future::pending::<()>(), std::future::pending::<()>());
        drop(uniloop::spawn_named("endless cleanup", stuck));
        uniloop::yield_now().await; // the cleanup is armed
    });
    let start = Instant::now();
    drop(rt);
    eprintln!("dropped after {} ms", start.elapsed().as_millis());
}

#[test]
fn child_cleanup_outruns_the_bound_in_debug_mode() {
    if is_child("child_cleanup_outruns_the_bound_in_debug_mode") {
        cleanup_outruns_the_bound(true);
    }
}

#[test]
fn child_cleanup_outruns_the_bound_without_debug_mode() {
    if is_child("child_cleanup_outruns_the_bound_without_debug_mode") {
        cleanup_outruns_the_bound(false);
    }
}

fn dropped_after_ms(stderr: &str) -> u128 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("dropped after"))
        .expect(stderr);
    line.split(' ').nth(2).unwrap().parse().unwrap()
}

#[test]
fn a_cleanup_that_outruns_the_shutdown_timeout_is_named_in_debug_mode() {
    let stderr = stderr_of("child_cleanup_outruns_the_bound_in_debug_mode", &[]);
    let at = stderr
        .find("uniloop: 1 task dropped at shutdown before finishing cancelling (the shutdown timeout passed)")
        .expect(&stderr);
    let named = stderr[at..].lines().nth(1).unwrap();
    assert!(
        named.starts_with("uniloop:   task 1 \"endless cleanup\""),
        "{stderr}"
    );
    // The bound was kept: dropped after about 100 ms, not never.
    assert!(dropped_after_ms(&stderr) >= 100, "{stderr}");
}

#[test]
fn a_cleanup_that_outruns_the_shutdown_timeout_is_counted_without_debug_mode() {
    let stderr = stderr_of("child_cleanup_outruns_the_bound_without_debug_mode", &[]);
    assert!(
        stderr.contains("uniloop: 1 task dropped at shutdown before finishing cancelling"),
        "{stderr}"
    );
    assert!(!stderr.contains("endless cleanup"), "{stderr}");
}
