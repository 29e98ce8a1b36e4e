//! `Runtime::metrics` and `uniloop::metrics`: after a scripted workload on
//! the paused clock every counter has the value the script implies.

use std::time::Duration;

use uniloop::{Metrics, Runtime};

fn paused() -> Runtime {
    Runtime::builder().paused_clock(true).build().unwrap()
}

#[test]
fn a_fresh_runtime_counts_nothing() {
    let m = paused().metrics();
    assert_eq!(
        (
            m.tasks_spawned,
            m.tasks_alive,
            m.polls,
            m.local_wakeups,
            m.remote_wakeups
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(
        (m.io_events, m.timers_pending, m.loop_iterations),
        (0, 0, 0)
    );
    assert_eq!((m.busy_time, m.idle_time), (Duration::ZERO, Duration::ZERO));
}

/// The script: task `a` yields 3 times (4 polls, 3 self-wakes); task `b`
/// sleeps 50 ms (2 polls, 1 timer wake); one callback (1 poll); the root
/// future awaits `a` then `b`, each waking it once as it finishes.
fn script() -> Metrics {
    let rt = paused();
    rt.block_on(async {
        let a = uniloop::spawn(async {
            for _ in 0..3 {
                uniloop::yield_now().await;
            }
        });
        let b = uniloop::spawn(uniloop::sleep(Duration::from_millis(50)));
        drop(uniloop::call_soon(|| ()));
        a.await.unwrap();
        b.await.unwrap();
    });
    rt.metrics()
}

#[test]
fn counters_after_a_script_are_exact() {
    let m = script();
    assert_eq!(m.tasks_spawned, 2, "{m:?}");
    assert_eq!(m.tasks_alive, 0, "{m:?}");
    assert_eq!(m.polls, 4 + 2 + 1, "{m:?}");
    // 3 yields, the timer waking b, a and b each waking the root future.
    assert_eq!(m.local_wakeups, 3 + 1 + 2, "{m:?}");
    assert_eq!(m.remote_wakeups, 0, "{m:?}");
    assert_eq!(m.io_events, 0, "{m:?}");
    assert_eq!(m.timers_pending, 0, "{m:?}");
    // Everything ready runs in one batch; one turn parks and jumps to b's
    // timer (50 ms is within the wheel's first level, so one jump); the
    // next batch ends the root future.
    assert_eq!(m.loop_iterations, 1, "{m:?}");
    // The same script counts the same again (the times aside).
    let mut again = script();
    (again.busy_time, again.idle_time) = (m.busy_time, m.idle_time);
    assert_eq!(again, m);
}

#[test]
fn gauges_follow_tasks_and_timers() {
    let rt = paused();
    rt.block_on(async {
        let sleepers: Vec<_> = (0..3)
            .map(|_| uniloop::spawn(uniloop::sleep(Duration::from_secs(60))))
            .collect();
        uniloop::yield_now().await; // each registers its timer
        let m = uniloop::metrics();
        assert_eq!((m.tasks_alive, m.timers_pending), (3, 3), "{m:?}");
        sleepers[0].cancel();
        uniloop::yield_now().await;
        let m = uniloop::metrics();
        assert_eq!((m.tasks_alive, m.timers_pending), (2, 2), "{m:?}");
        for s in &sleepers {
            s.cancel();
        }
        uniloop::yield_now().await;
        let m = uniloop::metrics();
        assert_eq!((m.tasks_alive, m.timers_pending), (0, 0), "{m:?}");
        assert_eq!(m.tasks_spawned, 3);
    });
}

#[test]
fn a_wake_from_another_thread_counts_as_remote() {
    let rt = paused();
    let before = rt.metrics();
    rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let job = uniloop::to_thread(move || rx.recv().unwrap());
        // Runs once the root future waits on the job: so the job finishes
        // after that, and wakes the root future from its thread.
        drop(uniloop::spawn(async move { tx.send(()).unwrap() }));
        job.await;
    });
    let m = rt.metrics();
    assert_eq!(m.remote_wakeups - before.remote_wakeups, 1, "{m:?}");
    assert_eq!(m.tasks_spawned, 1, "{m:?}");
    assert_eq!(m.polls, 1, "{m:?}");
}

#[test]
fn io_events_count_socket_readiness() {
    let rt = Runtime::new().unwrap();
    rt.block_on(async {
        let a = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = uniloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let to = b.local_addr().unwrap();
        let before = uniloop::metrics().io_events;
        let reader = uniloop::spawn(async move {
            let mut buf = [0; 8];
            b.recv_from(&mut buf).await.unwrap().0
        });
        uniloop::yield_now().await; // the reader waits for its socket
        a.send_to(b"ping", to).await.unwrap();
        assert_eq!(reader.await.unwrap(), 4);
        // At least the reader's readable event; the kernel may add
        // writable ones, so no exact count.
        assert!(uniloop::metrics().io_events > before);
    });
}

#[test]
fn idle_and_busy_time_add_up_to_at_most_the_time_in_the_loop() {
    let rt = Runtime::new().unwrap();
    let start = std::time::Instant::now();
    rt.block_on(async { uniloop::sleep(Duration::from_millis(5)).await });
    let outside = start.elapsed();
    let m = rt.metrics();
    // The loop parked for the sleep: idle time is not zero, and the two
    // together never exceed the time measured around block_on.
    assert!(m.idle_time > Duration::ZERO, "{m:?}");
    assert!(m.busy_time + m.idle_time <= outside, "{m:?} vs {outside:?}");
    assert!(m.loop_iterations >= 1);
}

#[test]
fn metrics_display_names_every_counter() {
    let text = script().to_string();
    for word in [
        "2 spawned",
        "0 alive",
        "7 polls",
        "6 local",
        "0 remote",
        "0 I/O events",
        "0 timers pending",
        "1 loop iterations",
        "busy",
        "idle",
    ] {
        assert!(text.contains(word), "{word:?} missing from {text}");
    }
}

#[test]
#[should_panic(expected = "uniloop::metrics() called outside a uniloop runtime")]
fn metrics_outside_a_runtime_panics_naming_itself() {
    let _ = uniloop::metrics();
}
