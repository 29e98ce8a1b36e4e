//! Channels: `oneshot`, `mpsc` (bounded and unbounded) and `threadsafe`
//! (from OS threads into the loop): delivery,
//! closing from either side, messages given back, FIFO among blocked
//! senders, cancellation, and the `Stream` form.

mod support;

use std::pin::pin;
use std::task::Poll;

use futures::StreamExt;
use support::{panic_message, poll_once, run_guarded, yield_times, DropCounter, Log};
use uniloop::channel::{mpsc, oneshot, threadsafe};
use uniloop::{spawn, yield_now};

// ----- oneshot -----

#[test]
fn a_oneshot_delivers_its_value_across_tasks() {
    run_guarded(async {
        let (tx, rx) = oneshot::channel();
        let sender = spawn(async move {
            yield_now().await;
            tx.send(String::from("done")).unwrap();
        });
        assert_eq!(rx.await.as_deref(), Ok("done"));
        sender.await.unwrap();
    });
}

#[test]
fn dropping_the_oneshot_sender_wakes_the_receiver_with_an_error() {
    run_guarded(async {
        let (tx, rx) = oneshot::channel::<u8>();
        let receiver = spawn(rx);
        yield_now().await; // it waits
        drop(tx);
        let err = receiver.await.unwrap().unwrap_err();
        assert_eq!(err.to_string(), "the sender was dropped without sending");
    });
}

#[test]
fn a_oneshot_send_to_a_gone_receiver_gives_the_value_back() {
    let (tx, rx) = oneshot::channel();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(5), Err(5));

    let (tx, mut rx) = oneshot::channel();
    rx.close();
    assert_eq!(tx.send(6), Err(6));
    assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Closed));
}

#[test]
fn a_value_sent_but_never_received_is_dropped_with_the_receiver() {
    let drops = DropCounter::new();
    let (tx, rx) = oneshot::channel();
    tx.send(drops.token()).unwrap();
    assert_eq!(drops.count(), 0);
    drop(rx);
    assert_eq!(drops.count(), 1);
}

#[test]
fn oneshot_try_recv_reports_empty_then_the_value_then_closed() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Empty));
    tx.send('x').unwrap();
    assert_eq!(rx.try_recv(), Ok('x'));
    assert_eq!(rx.try_recv(), Err(oneshot::TryRecvError::Closed));
}

// ----- mpsc -----

#[test]
fn mpsc_delivers_in_order_and_ends_when_every_sender_is_gone() {
    run_guarded(async {
        let (tx, mut rx) = mpsc::channel(3);
        let producers: Vec<_> = (0..3)
            .map(|p| {
                let tx = tx.clone();
                spawn(async move {
                    for i in 0..4 {
                        tx.send((p, i)).await.unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut got = Vec::new();
        while let Some(message) = rx.recv().await {
            got.push(message);
        }
        assert_eq!(got.len(), 12);
        for p in 0..3 {
            let mine: Vec<_> = got.iter().filter(|m| m.0 == p).map(|m| m.1).collect();
            assert_eq!(mine, [0, 1, 2, 3]);
        }
        for producer in producers {
            producer.await.unwrap();
        }
    });
}

#[test]
fn blocked_senders_are_served_in_fifo_order() {
    run_guarded(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send("first").unwrap();
        let log = Log::new();
        let senders: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let (tx, log) = (tx.clone(), log.clone());
                spawn(async move {
                    tx.send(name).await.unwrap();
                    log.push(name);
                })
            })
            .collect();
        yield_now().await; // all three block
                           // A try_send cannot jump the queue.
        assert_eq!(
            tx.try_send("barger"),
            Err(mpsc::TrySendError::Full("barger"))
        );
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(rx.recv().await.unwrap());
        }
        assert_eq!(got, ["first", "a", "b", "c"]);
        for sender in senders {
            sender.await.unwrap();
        }
        assert_eq!(log.take(), ["a", "b", "c"]);
    });
}

#[test]
fn dropping_the_receiver_gives_every_blocked_and_later_send_its_message() {
    run_guarded(async {
        let drops = DropCounter::new();
        let (tx, rx) = mpsc::channel(1);
        tx.try_send((99, Some(drops.token()))).unwrap(); // buffered: dropped with rx
        let blocked: Vec<_> = (0..3)
            .map(|i| {
                let tx = tx.clone();
                spawn(async move { tx.send((i, None)).await })
            })
            .collect();
        yield_now().await;
        drop(rx);
        assert_eq!(drops.count(), 1);
        for (i, task) in blocked.into_iter().enumerate() {
            let mpsc::SendError(back) = task.await.unwrap().unwrap_err();
            assert_eq!(back.0, i);
        }
        assert!(tx.is_closed());
        assert_eq!(tx.send((9, None)).await.unwrap_err().0 .0, 9);
        assert!(tx.try_send((10, None)).unwrap_err().is_closed());
    });
}

#[test]
fn close_refuses_new_messages_but_keeps_the_buffered_ones() {
    run_guarded(async {
        let (tx, mut rx) = mpsc::channel(2);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        let blocked = {
            let tx = tx.clone();
            spawn(async move { tx.send(3).await })
        };
        yield_now().await;
        rx.close();
        assert_eq!(blocked.await.unwrap(), Err(mpsc::SendError(3)));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Disconnected));
    });
}

#[test]
fn a_cancelled_send_drops_its_message_and_keeps_the_others_turns() {
    run_guarded(async {
        let drops = DropCounter::new();
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send((0, None)).unwrap();
        let mut cancelled = Box::pin(tx.send((1, Some(drops.token()))));
        assert!(poll_once(&mut cancelled).await.is_pending());
        let mut kept = pin!(tx.send((2, None)));
        assert!(poll_once(&mut kept).await.is_pending());
        drop(cancelled);
        assert_eq!(drops.count(), 1);
        assert_eq!(rx.recv().await.unwrap().0, 0); // frees a slot for `kept`
        assert!(matches!(poll_once(&mut kept).await, Poll::Ready(Ok(()))));
        assert_eq!(rx.recv().await.unwrap().0, 2);
    });
}

/// Issue 15, defect 9: a send whose slot was freed by a receive but that
/// is dropped before it runs sent nothing (tokio's guarantee; it used to
/// be delivered anyway), and the slot passes to the next sender.
#[test]
fn a_send_dropped_after_a_slot_was_freed_for_it_sends_nothing_and_passes_the_slot_on() {
    run_guarded(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        let mut waiting = Box::pin(tx.send(2));
        let mut next = Box::pin(tx.send(3));
        assert!(poll_once(&mut waiting).await.is_pending());
        assert!(poll_once(&mut next).await.is_pending());
        assert_eq!(rx.try_recv(), Ok(1)); // frees a slot, kept for `waiting`
        assert_eq!(tx.try_send(9), Err(mpsc::TrySendError::Full(9)));
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Empty));
        drop(waiting);
        assert!(matches!(poll_once(&mut next).await, Poll::Ready(Ok(()))));
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Err(mpsc::TryRecvError::Empty));
    });
}

#[test]
fn a_cancelled_recv_loses_nothing() {
    run_guarded(async {
        let (tx, mut rx) = mpsc::channel(4);
        assert!(
            uniloop::timeout(std::time::Duration::from_secs(1), rx.recv())
                .await
                .is_err()
        );
        tx.send(1).await.unwrap();
        assert_eq!(rx.recv().await, Some(1));
    });
}

#[test]
fn an_unbounded_channel_never_waits_and_the_receiver_is_a_stream() {
    run_guarded(async {
        let (tx, rx) = mpsc::unbounded();
        for i in 0..10_000 {
            tx.send(i).await.unwrap();
        }
        drop(tx);
        let got: Vec<i32> = rx.collect().await;
        assert_eq!(got, (0..10_000).collect::<Vec<_>>());
    });
}

#[test]
fn the_receiver_is_woken_by_a_send_and_by_the_last_sender_leaving() {
    run_guarded(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let tx2 = tx.clone();
        let receiver = spawn(async move {
            let first = rx.recv().await;
            let second = rx.recv().await;
            (first, second)
        });
        yield_now().await;
        tx.send(1).await.unwrap();
        yield_times(2).await;
        drop(tx);
        drop(tx2);
        assert_eq!(receiver.await.unwrap(), (Some(1), None));
    });
}

#[test]
fn a_zero_capacity_panics_and_errors_read_well() {
    let message = panic_message(|| mpsc::channel::<u8>(0));
    assert_eq!(
        message,
        "uniloop::channel::mpsc::channel(): the capacity must be at least 1"
    );
    assert_eq!(mpsc::SendError(1).to_string(), "the channel is closed");
    assert_eq!(
        mpsc::TrySendError::Full(1).to_string(),
        "the channel is full"
    );
    assert_eq!(format!("{:?}", mpsc::SendError(vec![1])), "SendError(..)");
    assert_eq!(
        mpsc::TryRecvError::Disconnected.to_string(),
        "the channel is empty and closed"
    );
}

// ----- threadsafe -----

/// Block this thread until `rx` has `n` sends waiting (they are on other
/// threads, so there is nothing to await; this only spins until they are
/// queued, whatever the machine's speed).
fn until_senders_wait<T>(rx: &threadsafe::Receiver<T>, n: usize) {
    let expected = format!("senders_waiting: {n},");
    while !format!("{rx:?}").contains(&expected) {
        std::thread::yield_now();
    }
}

#[test]
fn the_threadsafe_halves_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<threadsafe::Sender<String>>();
    send::<threadsafe::Receiver<String>>();
}

#[test]
fn four_threads_of_send_blocking_are_all_received_exactly_once_in_order() {
    const THREADS: u32 = 4;
    const EACH: u32 = 10_000;
    // The real clock: the loop must really park and be woken by the
    // threads, which the paused clock would not wait for.
    uniloop::run(async {
        let (tx, mut rx) = threadsafe::channel(64);
        let threads: Vec<_> = (0..THREADS)
            .map(|thread| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for n in 0..EACH {
                        tx.send_blocking((thread, n)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = vec![0; THREADS as usize];
        let mut received = 0;
        while let Some((thread, n)) = rx.recv().await {
            // Each thread's messages arrive once each, in its send order.
            assert_eq!(n, next[thread as usize], "from thread {thread}");
            next[thread as usize] += 1;
            received += 1;
        }
        assert_eq!(received, THREADS * EACH);
        assert!(next.iter().all(|&n| n == EACH));
        threads.into_iter().for_each(|t| t.join().unwrap());
    });
}

#[test]
fn a_blocked_send_returns_as_soon_as_a_receive_frees_its_slot() {
    // The receiver takes one message, then waits for the sender to say it
    // is done before taking the next: the blocked send must return on that
    // one receive (its message moved into the freed slot), whether its
    // thread was parked or still watching for the wake.
    uniloop::run(async {
        for round in 0..50 {
            let (tx, mut rx) = threadsafe::channel(1);
            let (done_tx, mut done_rx) = threadsafe::channel(1);
            let sender = std::thread::spawn(move || {
                tx.send_blocking(1).unwrap();
                tx.send_blocking(2).unwrap(); // blocks: the channel holds 1
                done_tx.send_blocking(()).unwrap();
            });
            if round % 2 == 0 {
                until_senders_wait(&rx, 1); // parked by now, most likely
            }
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(done_rx.recv().await, Some(()), "round {round}");
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(rx.recv().await, None);
            sender.join().unwrap();
        }
    });
}

#[test]
fn dropping_the_threadsafe_receiver_gives_every_blocked_and_later_send_its_message() {
    let token = std::sync::Arc::new(());
    let (tx, rx) = threadsafe::channel(1);
    tx.try_send((99, Some(token.clone()))).unwrap(); // buffered: dropped with rx
    let blocked: Vec<_> = (0..3)
        .map(|i| {
            let tx = tx.clone();
            std::thread::spawn(move || tx.send_blocking((i, None)))
        })
        .collect();
    until_senders_wait(&rx, 3);
    drop(rx);
    assert_eq!(std::sync::Arc::strong_count(&token), 1);
    let mut back: Vec<_> = blocked
        .into_iter()
        .map(|t| t.join().unwrap().unwrap_err().0 .0)
        .collect();
    back.sort();
    assert_eq!(back, [0, 1, 2]);
    assert!(tx.is_closed());
    assert_eq!(tx.send_blocking((9, None)).unwrap_err().0 .0, 9);
    assert!(tx.try_send((10, None)).unwrap_err().is_closed());
}

#[test]
fn threadsafe_senders_blocked_on_threads_are_served_in_fifo_order() {
    let (tx, mut rx) = threadsafe::channel(1);
    tx.try_send(0).unwrap();
    let threads: Vec<_> = (1..=3)
        .map(|i| {
            let tx = tx.clone();
            let thread = std::thread::spawn(move || tx.send_blocking(i).unwrap());
            // Queue them one after the other, so the order is known.
            until_senders_wait(&rx, i);
            thread
        })
        .collect();
    // A `try_send` cannot jump the queue of blocked senders.
    assert!(tx.try_send(4).unwrap_err().is_full());
    drop(tx);
    let got: Vec<_> = std::iter::from_fn(|| loop {
        match rx.try_recv() {
            Ok(n) => return Some(n),
            Err(threadsafe::TryRecvError::Disconnected) => return None,
            Err(threadsafe::TryRecvError::Empty) => std::thread::yield_now(),
        }
    })
    .collect();
    assert_eq!(got, [0, 1, 2, 3]);
    threads.into_iter().for_each(|t| t.join().unwrap());
}

#[test]
fn tasks_on_another_runtime_send_with_await() {
    let (tx, mut rx) = threadsafe::channel(2);
    let other = std::thread::spawn(move || {
        uniloop::run(async move {
            for n in 0..100 {
                tx.send(n).await.unwrap();
            }
        })
    });
    let got = uniloop::run(async move {
        let mut got = Vec::new();
        while let Some(n) = rx.recv().await {
            got.push(n);
        }
        got
    });
    assert_eq!(got, (0..100).collect::<Vec<_>>());
    other.join().unwrap();
}

#[test]
fn a_cancelled_threadsafe_send_drops_its_message_and_keeps_the_others_turns() {
    run_guarded(async {
        let token = std::sync::Arc::new(());
        let (tx, mut rx) = threadsafe::channel(1);
        tx.send((0, None)).await.unwrap();
        let mut first = Box::pin(tx.send((1, Some(token.clone()))));
        assert!(poll_once(&mut first).await.is_pending());
        let second = spawn({
            let tx = tx.clone();
            async move { tx.send((2, None)).await }
        });
        yield_now().await; // `second` queues behind `first`
        drop(first);
        assert_eq!(std::sync::Arc::strong_count(&token), 1);
        assert_eq!(rx.recv().await.unwrap().0, 0);
        second.await.unwrap().unwrap();
        assert_eq!(rx.recv().await.unwrap().0, 2);
    });
}

#[test]
fn the_threadsafe_receiver_is_a_stream_that_ends_when_senders_leave() {
    run_guarded(async {
        let (tx, rx) = threadsafe::unbounded();
        let tx2 = tx.clone();
        let sender = std::thread::spawn(move || {
            for n in 0..1_000 {
                tx2.try_send(n).unwrap();
            }
        });
        sender.join().unwrap();
        drop(tx);
        let got: Vec<u32> = rx.collect().await;
        assert_eq!(got, (0..1_000).collect::<Vec<_>>());
    });
}

#[test]
fn send_blocking_on_a_loop_thread_panics_and_the_capacity_must_be_positive() {
    let message = panic_message(|| {
        uniloop::run(async {
            let (tx, _rx) = threadsafe::channel(1);
            tx.send_blocking(1)
        })
    });
    assert_eq!(
        message,
        "uniloop::channel::threadsafe::Sender::send_blocking() called on a thread \
         running a uniloop loop; use `send(..).await`"
    );
    let message = panic_message(|| threadsafe::channel::<u8>(0));
    assert_eq!(
        message,
        "uniloop::channel::threadsafe::channel(): the capacity must be at least 1"
    );
}
