//! `broadcast`: fan-out in order, lagging receivers, closing, subscribing,
//! wake-ups, cancellation, and a model test of random send / receive /
//! subscribe / drop sequences that also accounts for every value and
//! clone.

mod cases;
mod support;

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use support::{panic_message, poll_once, run_guarded, yield_times, DropCounter};
use uniloop::channel::broadcast::{self, RecvError, SendError, TryRecvError};
use uniloop::{spawn, yield_now};

/// A message that counts the live copies of all messages (clones
/// included) and the clones made.
#[derive(Debug)]
struct Msg {
    id: u64,
    counts: Rc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    live: Cell<usize>,
    clones: Cell<usize>,
}

impl Counts {
    fn msg(self: &Rc<Self>, id: u64) -> Msg {
        self.live.set(self.live.get() + 1);
        Msg {
            id,
            counts: self.clone(),
        }
    }
}

impl Clone for Msg {
    fn clone(&self) -> Msg {
        self.counts.clones.set(self.counts.clones.get() + 1);
        self.counts.msg(self.id)
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.counts.live.set(self.counts.live.get() - 1);
    }
}

// ----- scenarios -----

#[test]
fn every_receiver_sees_every_message_in_order() {
    run_guarded(async {
        let (tx, rx) = broadcast::channel(2);
        let mut receivers = vec![rx, tx.subscribe(), tx.subscribe()];
        let tasks: Vec<_> = receivers
            .drain(..)
            .map(|mut rx| {
                spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(n) = rx.recv().await {
                        got.push(n);
                    }
                    got
                })
            })
            .collect();
        yield_now().await; // they all wait
        for n in 0..10 {
            assert_eq!(tx.send(n), Ok(3));
            yield_now().await; // they all read it
            assert_eq!(tx.len(), 0, "read by all three, so dropped");
        }
        drop(tx);
        for task in tasks {
            assert_eq!(task.await.unwrap(), (0..10).collect::<Vec<_>>());
        }
    });
}

#[test]
fn a_lagging_receiver_is_told_once_then_continues_from_the_oldest_held() {
    run_guarded(async {
        let (tx, mut slow) = broadcast::channel(3);
        let mut fast = tx.subscribe();
        for n in 0..8 {
            tx.send(n).unwrap();
            assert_eq!(fast.recv().await, Ok(n)); // unaffected by the slow one
        }
        assert_eq!(tx.len(), 3);
        assert_eq!(slow.len(), 8);
        let err = slow.recv().await.unwrap_err();
        assert_eq!(err, RecvError::Lagged(5));
        assert_eq!(format!("{err:?}"), "Lagged(5)");
        assert_eq!(
            err.to_string(),
            "the receiver lagged behind and missed 5 messages"
        );
        assert_eq!(slow.len(), 3);
        assert_eq!(slow.recv().await, Ok(5));
        tx.send(8).unwrap();
        assert_eq!(slow.try_recv(), Ok(6));
        assert_eq!(slow.try_recv(), Ok(7));
        assert_eq!(slow.try_recv(), Ok(8));
        assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(fast.try_recv(), Ok(8));
        assert!(tx.is_empty());
        // try_recv reports lagging the same way.
        for n in 9..13 {
            tx.send(n).unwrap();
        }
        assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(1)));
        assert_eq!(slow.try_recv(), Ok(10));
    });
}

#[test]
fn receivers_see_closed_after_draining_what_was_sent() {
    run_guarded(async {
        let (tx, mut rx) = broadcast::channel(4);
        let tx2 = tx.clone();
        tx.send("a").unwrap();
        tx2.send("b").unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok("a"));
        drop(tx2);
        assert_eq!(rx.recv().await, Ok("b"));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        // A resubscribed receiver of a closed channel is closed at once.
        assert_eq!(rx.resubscribe().recv().await, Err(RecvError::Closed));
    });
}

#[test]
fn subscribers_see_only_later_messages() {
    let (tx, mut rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut sub = tx.subscribe();
    tx.send(2).unwrap();
    let mut resub = rx.resubscribe(); // not what rx has yet to read
    tx.send(3).unwrap();
    assert_eq!(tx.receiver_count(), 3);
    assert_eq!(
        std::iter::from_fn(|| rx.try_recv().ok()).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        std::iter::from_fn(|| sub.try_recv().ok()).collect::<Vec<_>>(),
        [2, 3]
    );
    assert_eq!(resub.len(), 1);
    assert_eq!(resub.try_recv(), Ok(3));
    assert_eq!(resub.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_send_without_receivers_gives_the_value_back() {
    let drops = DropCounter::new();
    let (tx, rx) = broadcast::channel(2);
    drop(rx);
    assert_eq!(tx.receiver_count(), 0);
    let SendError(back) = tx.send(Rc::new(drops.token())).unwrap_err();
    assert_eq!(drops.count(), 0, "given back, not dropped");
    drop(back);
    assert_eq!(drops.count(), 1);
    assert!(tx.is_empty());
    // A new subscriber makes sends succeed again, from then on.
    let mut rx = tx.subscribe();
    assert_eq!(tx.send(Rc::new(drops.token())).map_err(|_| ()), Ok(1));
    assert!(rx.try_recv().is_ok());
    assert_eq!(drops.count(), 2);
}

#[test]
fn a_waiting_recv_is_woken_by_a_send_and_by_the_last_sender_leaving() {
    run_guarded(async {
        let (tx, mut rx) = broadcast::channel::<u8>(1);
        let tx2 = tx.clone();
        let receiver = spawn(async move {
            let first = rx.recv().await;
            let second = rx.recv().await;
            (first, second)
        });
        yield_times(3).await;
        assert!(!receiver.is_finished());
        tx.send(7).unwrap();
        yield_times(2).await; // it reads 7, then waits again
        assert!(tx.is_empty(), "woken by the send, it read 7");
        assert!(!receiver.is_finished());
        drop(tx);
        yield_times(3).await;
        assert!(!receiver.is_finished(), "a sender is still alive");
        drop(tx2);
        assert_eq!(receiver.await.unwrap(), (Ok(7), Err(RecvError::Closed)));
    });
}

#[test]
fn a_cancelled_recv_loses_nothing() {
    run_guarded(async {
        let (tx, mut rx) = broadcast::channel(4);
        let mut other = tx.subscribe();
        // Cancelled while waiting.
        assert!(
            uniloop::timeout(std::time::Duration::from_secs(1), rx.recv())
                .await
                .is_err()
        );
        // Cancelled after a send served it, before it ran again.
        let mut waiting = Box::pin(rx.recv());
        let mut kept = Box::pin(other.recv());
        assert!(poll_once(&mut waiting).await.is_pending());
        assert!(poll_once(&mut kept).await.is_pending());
        tx.send(1).unwrap();
        drop(waiting);
        assert_eq!(poll_once(&mut kept).await, Poll::Ready(Ok(1)));
        drop(kept);
        tx.send(2).unwrap();
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Ok(2));
        assert_eq!(other.recv().await, Ok(2));
        assert!(tx.is_empty());
    });
}

#[test]
fn messages_are_dropped_once_read_by_everyone_and_cloned_only_for_non_last_readers() {
    let counts = Rc::new(Counts::default());
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(counts.msg(0)).unwrap();
    tx.send(counts.msg(1)).unwrap();
    assert_eq!(counts.live.get(), 2);
    let got = a.try_recv().unwrap();
    assert_eq!((got.id, counts.clones.get()), (0, 1)); // b still needs it
    drop(got);
    let got = b.try_recv().unwrap();
    assert_eq!((got.id, counts.clones.get()), (0, 1)); // the last reader takes it
    drop(got);
    assert_eq!((tx.len(), counts.live.get()), (1, 1));
    // A dropped receiver gives up its claim: message 1 goes with it.
    drop(a);
    assert_eq!(tx.len(), 1, "b has not read it");
    drop(b);
    assert_eq!((tx.len(), counts.live.get()), (0, 0));
    assert_eq!(counts.clones.get(), 1);
}

#[test]
fn evicted_messages_are_dropped_by_the_send_that_evicts_them() {
    let drops = DropCounter::new();
    let (tx, rx) = broadcast::channel(2);
    for _ in 0..5 {
        tx.send(Rc::new(drops.token())).unwrap();
    }
    assert_eq!((tx.len(), drops.count()), (2, 3));
    drop(rx);
    assert_eq!(drops.count(), 5);
}

#[test]
fn a_zero_capacity_panics_and_errors_read_well() {
    let message = panic_message(|| broadcast::channel::<u8>(0));
    assert_eq!(
        message,
        "uniloop::channel::broadcast::channel(): the capacity must be at least 1"
    );
    assert_eq!(SendError(1).to_string(), "the channel has no receiver");
    assert_eq!(format!("{:?}", SendError(vec![1])), "SendError(..)");
    assert_eq!(
        RecvError::Closed.to_string(),
        "the channel is empty and closed"
    );
    assert_eq!(TryRecvError::Empty.to_string(), "the channel is empty");
    assert_eq!(format!("{:?}", TryRecvError::Lagged(3)), "Lagged(3)");
    // Debug needs no `T: Debug`.
    #[derive(Clone)]
    struct Opaque;
    let (tx, rx) = broadcast::channel::<Opaque>(1);
    assert_eq!(
        format!("{tx:?}"),
        "broadcast::Sender { receivers: 1, buffered: 0 }"
    );
    assert_eq!(
        format!("{rx:?}"),
        "broadcast::Receiver { unread: 0, senders: 1 }"
    );
}

// ----- model -----

#[derive(Clone, Debug)]
enum Op {
    Send(usize),
    TryRecv(usize),
    /// Poll a fresh `recv` once, then drop it.
    PollRecv(usize),
    Subscribe(usize),
    Resubscribe(usize),
    DropReceiver(usize),
    CloneSender(usize),
    DropSender(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<usize>().prop_map(Op::Send),
        5 => any::<usize>().prop_map(Op::TryRecv),
        3 => any::<usize>().prop_map(Op::PollRecv),
        1 => any::<usize>().prop_map(Op::Subscribe),
        1 => any::<usize>().prop_map(Op::Resubscribe),
        1 => any::<usize>().prop_map(Op::DropReceiver),
        1 => any::<usize>().prop_map(Op::CloneSender),
        1 => any::<usize>().prop_map(Op::DropSender),
    ]
}

/// The model: every message ever sent (their ids are their positions),
/// and each receiver's cursor into that list.
struct Model {
    capacity: u64,
    sent: u64,
    cursors: Vec<u64>,
    senders: usize,
}

impl Model {
    /// The oldest position still within the capacity.
    fn oldest(&self) -> u64 {
        self.sent.saturating_sub(self.capacity)
    }

    /// How many messages the channel must hold: those within the capacity
    /// that some receiver has yet to read.
    fn retained(&self) -> u64 {
        match self.cursors.iter().min() {
            Some(&min) => self.sent - min.max(self.oldest()),
            None => 0,
        }
    }

    /// What receiver `i` gets next, and whether it takes a clone (another
    /// receiver still has to read that message).
    fn recv(&mut self, i: usize) -> (Result<u64, TryRecvError>, bool) {
        let cursor = self.cursors[i];
        if cursor < self.oldest() {
            self.cursors[i] = self.oldest();
            return (Err(TryRecvError::Lagged(self.oldest() - cursor)), false);
        }
        if cursor == self.sent {
            let err = if self.senders == 0 {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            };
            return (Err(err), false);
        }
        let readers = self.cursors.iter().filter(|&&c| c <= cursor).count();
        self.cursors[i] += 1;
        (Ok(cursor), readers > 1)
    }
}

fn poll<F: Future>(future: F) -> Poll<F::Output> {
    pin!(future).poll(&mut Context::from_waker(Waker::noop()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases::cases(512)))]

    #[test]
    fn broadcast_matches_a_model(capacity in 1..5u64, ops in prop::collection::vec(op(), 1..80)) {
        let counts = Rc::new(Counts::default());
        let (tx, rx) = broadcast::channel::<Msg>(capacity as usize);
        let mut senders = vec![tx];
        let mut receivers = vec![rx];
        let mut model = Model { capacity, sent: 0, cursors: vec![0], senders: 1 };
        let mut clones = 0;
        for op in ops {
            match op {
                Op::Send(s) if !senders.is_empty() => {
                    let id = model.sent;
                    match senders[s % senders.len()].send(counts.msg(id)) {
                        Ok(n) => {
                            prop_assert_eq!(n, model.cursors.len());
                            model.sent += 1;
                        }
                        Err(SendError(back)) => {
                            prop_assert!(model.cursors.is_empty());
                            prop_assert_eq!(back.id, id);
                        }
                    }
                }
                Op::TryRecv(i) | Op::PollRecv(i) if !receivers.is_empty() => {
                    let i = i % receivers.len();
                    let (expected, cloned) = model.recv(i);
                    clones += usize::from(cloned);
                    let got = match op {
                        Op::TryRecv(_) => receivers[i].try_recv(),
                        _ => match poll(receivers[i].recv()) {
                            Poll::Ready(Ok(msg)) => Ok(msg),
                            Poll::Ready(Err(RecvError::Closed)) => Err(TryRecvError::Closed),
                            Poll::Ready(Err(RecvError::Lagged(n))) => Err(TryRecvError::Lagged(n)),
                            Poll::Pending => Err(TryRecvError::Empty),
                        },
                    };
                    prop_assert_eq!(got.map(|m| m.id), expected);
                }
                Op::Subscribe(s) if !senders.is_empty() => {
                    receivers.push(senders[s % senders.len()].subscribe());
                    model.cursors.push(model.sent);
                }
                Op::Resubscribe(i) if !receivers.is_empty() => {
                    let new = receivers[i % receivers.len()].resubscribe();
                    receivers.push(new);
                    model.cursors.push(model.sent);
                }
                Op::DropReceiver(i) if !receivers.is_empty() => {
                    let i = i % receivers.len();
                    drop(receivers.remove(i));
                    model.cursors.remove(i);
                }
                Op::CloneSender(s) if !senders.is_empty() => {
                    let new = senders[s % senders.len()].clone();
                    senders.push(new);
                    model.senders += 1;
                }
                Op::DropSender(s) if !senders.is_empty() => {
                    drop(senders.remove(s % senders.len()));
                    model.senders -= 1;
                }
                _ => {}
            }
            // Exactly the retained messages are alive: nothing leaks,
            // nothing beyond the capacity is kept.
            prop_assert_eq!(counts.live.get() as u64, model.retained());
            prop_assert!(model.retained() <= capacity);
            prop_assert_eq!(counts.clones.get(), clones);
            for (rx, &cursor) in receivers.iter().zip(&model.cursors) {
                prop_assert_eq!(rx.len() as u64, model.sent - cursor);
            }
            for tx in &senders {
                prop_assert_eq!(tx.len() as u64, model.retained());
                prop_assert_eq!(tx.receiver_count(), model.cursors.len());
            }
        }
        drop(receivers);
        prop_assert!(senders.iter().all(|tx| tx.is_empty()));
        drop(senders);
        prop_assert_eq!(counts.live.get(), 0);
    }
}
