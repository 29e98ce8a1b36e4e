//! The thread-safe channel: a thread blocked in `send_blocking` on a full
//! channel while the receiver (on the loop) takes a message and then
//! closes. Every message ends exactly once, received or given back in the
//! error, and the sender never stays blocked. And the hand-off itself: a
//! blocked sender's wait (`threadsafe/parker.rs`: a look at its `woken`
//! hint, then `park`) is woken by every slot the receiver frees, with no
//! wake lost between the hint, the park token and the next poll.

use loom::thread;

use super::model;
use crate::channel::threadsafe::{self, SendError};

#[test]
fn blocked_sends_racing_a_close_end_exactly_once() {
    model(|| {
        let (tx, mut rx) = threadsafe::channel::<u8>(1);
        let sender = thread::spawn(move || {
            let outcomes: Vec<Result<(), SendError<u8>>> =
                (1..=2).map(|n| tx.send_blocking(n)).collect();
            outcomes
        });
        let received = rx.try_recv().ok();
        rx.close();
        let mut received: Vec<u8> = received.into_iter().collect();
        received.extend(std::iter::from_fn(|| rx.try_recv().ok()));
        let outcomes = sender.join().unwrap();
        let mut ended = received.clone();
        for (n, outcome) in (1..=2).zip(outcomes) {
            match outcome {
                Ok(()) => assert!(received.contains(&n), "{n} was sent but not received"),
                Err(SendError(back)) => {
                    assert_eq!(back, n);
                    ended.push(back);
                }
            }
        }
        ended.sort_unstable();
        assert_eq!(ended, [1, 2], "a message was lost or duplicated");
    });
}

#[test]
fn every_freed_slot_wakes_the_blocked_sender() {
    model(|| {
        let (tx, mut rx) = threadsafe::channel::<u8>(1);
        let sender = thread::spawn(move || {
            for n in 1..=3 {
                tx.send_blocking(n).unwrap();
            }
        });
        let mut received = Vec::new();
        while received.len() < 3 {
            match rx.try_recv() {
                Ok(n) => received.push(n),
                Err(_) => thread::yield_now(),
            }
        }
        sender.join().unwrap();
        assert_eq!(received, [1, 2, 3], "sent in order, each once");
    });
}
