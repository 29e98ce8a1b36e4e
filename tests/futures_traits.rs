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

/// Streams that wait between messages (each waits in the channel's list
/// itself, with no boxed `recv` per message): every stream gets every
/// message in order, and one dropped while it waits leaves the channel
/// working for the rest.
#[test]
fn broadcast_streams_that_wait_get_every_message_in_order() {
    run_guarded(async {
        let (tx, rx) = broadcast::channel(4);
        let gone = rx.resubscribe().into_stream();
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let stream = rx.resubscribe().into_stream();
                spawn(stream.collect::<Vec<_>>())
            })
            .collect();
        drop(rx);
        let mut gone = spawn(async move {
            let mut gone = gone;
            gone.next().await
        });
        uniloop::yield_now().await; // every reader waits
        gone.cancel();
        assert!((&mut gone).await.unwrap_err().is_cancelled());
        for n in 0..100 {
            tx.send(n).unwrap();
            if n % 3 == 0 {
                uniloop::yield_now().await; // let them drain and wait again
            }
        }
        drop(tx);
        for reader in readers {
            let got = timeout(ms(5_000), reader).await.unwrap().unwrap();
            assert_eq!(got, (0..100).map(Ok).collect::<Vec<_>>());
        }
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

#[test]
fn an_interval_is_a_fused_stream_that_never_ends() {
    run_guarded(async {
        let start = uniloop::time::now();
        let mut every = uniloop::time::interval(ms(10));
        let mut stop = sleep(ms(35));
        let mut ticks = Vec::new();
        loop {
            select! {
                at = every.next() => ticks.push((at.unwrap() - start).as_millis()),
                () = stop => break,
            }
        }
        assert_eq!(ticks, [0, 10, 20, 30]);
        assert!(!every.is_terminated());
    });
}

#[test]
fn as_completed_is_a_fused_stream_in_select() {
    run_guarded(async {
        let tasks: Vec<_> = [30u64, 10, 20]
            .into_iter()
            .map(|n| {
                spawn(async move {
                    sleep(ms(n)).await;
                    n
                })
            })
            .collect();
        let mut done = uniloop::as_completed(tasks);
        let mut never = futures::stream::pending::<u64>();
        let mut order = Vec::new();
        loop {
            select! {
                // StreamExt's `next` (the inherent one is an `async fn`).
                n = StreamExt::next(&mut done) => order.push(n.unwrap().unwrap()),
                n = never.next() => order.push(n.unwrap()),
                complete => break,
            }
            if done.is_terminated() {
                break;
            }
        }
        assert_eq!(order, [10, 20, 30]);
        assert!(done.is_terminated());
    });
}

#[test]
fn as_completed_with_a_timeout_is_a_fused_stream_in_select() {
    run_guarded(async {
        let tasks = vec![spawn(sleep(ms(5))), spawn(sleep(ms(50)))];
        let mut done = uniloop::as_completed(tasks).with_timeout(ms(20));
        let mut ticks = uniloop::time::interval(ms(8));
        let (mut finished, mut timed_out, mut ticked) = (0, 0, 0);
        // Once `done` is terminated select! no longer polls it (it would
        // never see its `None`): the loop checks instead.
        while !done.is_terminated() {
            select! {
                next = StreamExt::next(&mut done) => match next {
                    Some(Ok(_)) => finished += 1,
                    Some(Err(_)) => timed_out += 1,
                    None => unreachable!("select! skips a terminated stream"),
                },
                _ = ticks.next() => ticked += 1,
            }
        }
        assert_eq!((finished, timed_out), (1, 1));
        assert_eq!(
            ticked, 3,
            "ticks at 0, 8 and 16 ms, before the 20 ms deadline"
        );
        assert!(done.is_terminated());
    });
}

#[test]
fn as_completed_with_a_timeout_terminates_at_the_deadline() {
    run_guarded(async {
        let tasks = vec![spawn(sleep(ms(5))), spawn(sleep(ms(50)))];
        let mut done = uniloop::as_completed(tasks).with_timeout(ms(20));
        let mut seen = Vec::new();
        while let Some(next) = done.next().await {
            seen.push(next.is_ok());
        }
        assert_eq!(seen, [true, false]);
        assert!(done.is_terminated());
    });
}

/// `uniloop::io`'s extension traits are futures-util's: with futures'
/// imported too, the calls below are not ambiguous (this file compiling
/// is the check), and `TcpStream::split` spelled as a path is uniloop's.
mod one_extension_trait {
    // The same traits as uniloop's, so rustc finds these imports
    // redundant: that is the point.
    #[allow(unused_imports)]
    use futures::{AsyncReadExt as _, AsyncWriteExt as _};
    use uniloop::io::{AsyncReadExt, AsyncWriteExt};
    use uniloop::net::{TcpListener, TcpStream};

    use super::support::run_guarded;

    #[test]
    fn read_exact_and_write_all_resolve_with_both_imports() {
        run_guarded(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            client.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");

            // uniloop's borrowed split, no lock, the stream still ours.
            let (mut reader, mut writer): (&TcpStream, &TcpStream) = TcpStream::split(&mut server);
            writer.write_all(b"pong").await.unwrap();
            client.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"pong");
            client.close().await.unwrap();
            let mut rest = Vec::new();
            assert_eq!(reader.read_to_end(&mut rest).await.unwrap(), 0);
            server.close().await.unwrap();
        });
    }

    #[test]
    fn into_split_gives_owned_halves_for_separate_tasks() {
        run_guarded(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let (mut reader, mut writer) = client.into_split();
            let echo = uniloop::spawn(async move {
                let mut buf = [0; 3];
                reader.read_exact(&mut buf).await.unwrap();
                buf
            });
            uniloop::spawn(async move { writer.write_all(b"abc").await.unwrap() }).detach();
            let mut got = [0; 3];
            server.read_exact(&mut got).await.unwrap();
            server.write_all(b"xyz").await.unwrap();
            assert_eq!(&got, b"abc");
            assert_eq!(&echo.await.unwrap(), b"xyz");
        });
    }
}

/// With the `sink` feature (`cargo test --features sink`; CI runs it):
/// the senders are `Sink`s.
#[cfg(feature = "sink")]
mod sinks {
    use futures::{select, FutureExt, SinkExt, StreamExt};
    use uniloop::channel::{broadcast, mpsc, threadsafe, watch};
    use uniloop::{sleep, spawn};

    use super::ms;
    use super::support::run_guarded;

    #[test]
    fn forward_through_a_full_mpsc_sender_keeps_order_and_loses_nothing() {
        run_guarded(async {
            let (tx, rx) = mpsc::channel(1);
            // The consumer is slow: the sink waits for room (back-pressure).
            let consumer = spawn(async move {
                let mut got = Vec::new();
                let mut rx = rx;
                while let Some(n) = rx.next().await {
                    sleep(ms(1)).await;
                    got.push(n);
                }
                got
            });
            futures::stream::iter(0..20)
                .map(Ok)
                .forward(tx)
                .await
                .unwrap();
            assert_eq!(consumer.await.unwrap(), (0..20).collect::<Vec<_>>());
        });
    }

    #[test]
    fn a_sink_send_waiting_for_room_is_a_branch_of_select() {
        run_guarded(async {
            let (mut tx, mut rx) = mpsc::channel(1);
            SinkExt::send(&mut tx, 1).await.unwrap(); // the channel is full now
            spawn(async move {
                sleep(ms(10)).await;
                assert_eq!(rx.recv().await, Some(1));
                assert_eq!(rx.recv().await, Some(2));
            })
            .detach();
            let mut waited = 0;
            let mut tick = uniloop::time::interval(ms(3));
            // futures' own `Send` future is not fused: `.fuse()` it.
            let mut send = SinkExt::send(&mut tx, 2).fuse();
            loop {
                select! {
                    sent = send => { sent.unwrap(); break; }
                    _ = tick.next() => waited += 1,
                }
            }
            assert!(
                waited > 1,
                "the send waited for room while the interval ticked"
            );
        });
    }

    #[test]
    fn a_closed_channel_gives_the_message_back_through_the_sink() {
        run_guarded(async {
            // Refused at once: closed before start_send.
            let (mut tx, rx) = mpsc::channel::<&str>(1);
            drop(rx);
            assert_eq!(
                SinkExt::send(&mut tx, "now").await,
                Err(mpsc::SendError("now"))
            );

            // Refused while waiting for room: the in-flight send fails.
            let (mut tx, mut rx) = mpsc::channel(1);
            tx.feed("buffered").await.unwrap();
            spawn(async move {
                sleep(ms(5)).await;
                rx.close();
            })
            .detach();
            tx.feed("waiting").await.unwrap(); // accepted into flight
            assert_eq!(tx.flush().await, Err(mpsc::SendError("waiting")));
        });
    }

    #[test]
    fn dropping_a_sender_with_a_send_in_flight_delivers_nothing_and_blocks_no_one() {
        run_guarded(async {
            let (tx, mut rx) = mpsc::channel(1);
            let mut sink = tx.clone();
            tx.try_send(0).unwrap();
            sink.feed(1).await.unwrap(); // in flight: the channel is full
            let other = spawn({
                let tx = tx.clone();
                async move { tx.send(2).await.unwrap() }
            });
            drop(sink);
            drop(tx);
            assert_eq!(rx.recv().await, Some(0));
            other.await.unwrap();
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(rx.recv().await, None);
        });
    }

    #[test]
    fn a_threadsafe_sender_is_a_sink_for_another_executor() {
        // Real clock: the paused one would jump past a wake from a thread.
        let (mut tx, rx) = threadsafe::channel(2);
        let feeder = std::thread::spawn(move || {
            futures::executor::block_on(async move {
                let mut items = futures::stream::iter(0..50).map(Ok);
                tx.send_all(&mut items).await.unwrap();
            })
        });
        let got: Vec<u32> = uniloop::run(rx.collect());
        assert_eq!(got, (0..50).collect::<Vec<_>>());
        feeder.join().unwrap();
    }

    #[test]
    fn broadcast_and_watch_senders_are_always_ready_sinks() {
        run_guarded(async {
            let (mut tx, rx) = broadcast::channel(8);
            let stream = rx.into_stream();
            futures::stream::iter([1, 2, 3])
                .map(Ok)
                .forward(&mut tx)
                .await
                .unwrap();
            drop(tx);
            let got: Vec<_> = stream.collect().await;
            assert_eq!(got, [Ok(1), Ok(2), Ok(3)]);

            // In select!, beside a stream: always ready, it wins at once.
            let (mut tx, rx) = watch::channel(0);
            let mut never = futures::stream::pending::<()>();
            select! {
                sent = SinkExt::send(&mut tx, 6).fuse() => sent.unwrap(),
                _ = never.next() => unreachable!(),
            }
            assert_eq!(*rx.borrow(), 6);
            SinkExt::send(&mut tx, 7).await.unwrap();
            assert_eq!(*rx.borrow(), 7);
            drop(rx);
            assert_eq!(SinkExt::send(&mut tx, 8).await, Err(watch::SendError(8)));
        });
    }
}
