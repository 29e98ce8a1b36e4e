//! The futures-util combinators and `select!` over uniloop's futures and
//! streams: `FusedFuture` (`Sleep`, `Timeout`, `Task`, `oneshot::Receiver`)
//! and `Stream` + `FusedStream` (the mpsc and threadsafe receivers, and
//! the broadcast, watch and queue streams).

mod support;

use std::time::Duration;

use futures::{select, StreamExt};
use futures_core::future::FusedFuture;
use futures_core::stream::FusedStream;
use support::run_guarded;
use uniloop::channel::{broadcast, mpsc, oneshot, threadsafe, watch};
use uniloop::queue::{PriorityQueue, Queue};
use uniloop::{sleep, spawn, timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn select_skips_a_sleep_that_fired_and_takes_the_next_branch() {
    run_guarded(async {
        let mut short = sleep(ms(10));
        let mut long = sleep(ms(20));
        let mut order = Vec::new();
        loop {
            select! {
                () = short => order.push("short"),
                () = long => order.push("long"),
                complete => break,
            }
        }
        assert_eq!(order, ["short", "long"]);
        assert!(short.is_terminated() && long.is_terminated());
    });
}

#[test]
fn select_over_a_task_a_timeout_and_a_oneshot() {
    run_guarded(async {
        let mut task = spawn(async {
            sleep(ms(30)).await;
            "task"
        });
        let mut limited = timeout(ms(10), std::future::pending::<()>());
        let (tx, mut rx) = oneshot::channel();
        spawn(async move {
            sleep(ms(20)).await;
            tx.send("oneshot").unwrap();
        })
        .detach();
        let mut seen = Vec::new();
        for _ in 0..3 {
            select! {
                out = task => seen.push(out.unwrap()),
                out = limited => seen.push(if out.is_err() { "timeout" } else { "?" }),
                out = rx => seen.push(out.unwrap()),
            }
        }
        assert_eq!(seen, ["timeout", "oneshot", "task"]);
        assert!(task.is_terminated() && rx.is_terminated());
    });
}

#[test]
fn channel_receivers_are_fused_streams() {
    run_guarded(async {
        let (tx, rx) = mpsc::channel(4);
        for n in 0..3 {
            tx.send(n).await.unwrap();
        }
        drop(tx);
        let mut rx = rx.fuse(); // a no-op wrapper: already fused
        let doubled: Vec<i32> = (&mut rx).map(|n| n * 2).collect().await;
        assert_eq!(doubled, [0, 2, 4]);
        assert!(rx.is_terminated());
    });
}

#[test]
fn a_threadsafe_receiver_is_a_fused_stream() {
    // Real clock: the paused one would jump past a wake from a thread.
    uniloop::run(async {
        let (tx, mut rx) = threadsafe::channel(4);
        let feeder = std::thread::spawn(move || {
            for n in 0..3 {
                tx.send_blocking(n).unwrap();
            }
        });
        let all: Vec<u32> = (&mut rx).collect().await;
        assert_eq!(all, [0, 1, 2]);
        assert!(rx.is_terminated());
        feeder.join().unwrap();
    });
}

#[test]
fn a_broadcast_stream_reports_lag_and_ends_when_closed() {
    run_guarded(async {
        let (tx, rx) = broadcast::channel(2);
        let mut stream = rx.into_stream();
        for n in 0..3 {
            tx.send(n).unwrap();
        }
        drop(tx);
        let got: Vec<_> = (&mut stream).collect().await;
        assert_eq!(got, [Err(broadcast::RecvError::Lagged(1)), Ok(1), Ok(2)]);
        assert!(stream.is_terminated());
        assert_eq!(stream.next().await, None);
    });
}

#[test]
fn a_watch_stream_gives_the_current_value_then_each_change() {
    run_guarded(async {
        let (tx, rx) = watch::channel(0);
        let mut stream = rx.into_stream();
        assert_eq!(stream.next().await, Some(0));
        spawn(async move {
            for n in 1..=3 {
                sleep(ms(10)).await;
                tx.send(n).unwrap();
            }
        })
        .detach();
        let rest: Vec<i32> = stream.collect().await;
        assert_eq!(rest, [1, 2, 3]);
    });
}

#[test]
fn a_queue_stream_drains_in_queue_order_and_ends_at_shutdown() {
    run_guarded(async {
        let queue = PriorityQueue::new(0);
        for n in [3, 1, 2] {
            queue.put_nowait(n).unwrap();
        }
        queue.shutdown(false);
        let items: Vec<i32> = queue.stream().collect().await;
        assert_eq!(items, [1, 2, 3]);

        // Two consumers share one queue's items, each taken once.
        let queue = Queue::new(0);
        let (a, b) = (queue.stream(), queue.stream());
        for n in 0..6 {
            queue.put_nowait(n).unwrap();
        }
        queue.shutdown(false);
        let (mut a, mut b): (Vec<i32>, Vec<i32>) = futures::join!(a.collect(), b.collect());
        a.append(&mut b);
        a.sort();
        assert_eq!(a, [0, 1, 2, 3, 4, 5]);
    });
}

#[test]
fn dropping_a_waiting_queue_stream_loses_no_item() {
    run_guarded(async {
        let queue = Queue::new(0);
        let mut stream = queue.stream();
        assert!(timeout(ms(5), stream.next()).await.is_err());
        drop(stream);
        queue.put_nowait(7).unwrap();
        assert_eq!(queue.get_nowait(), Ok(7));
    });
}
