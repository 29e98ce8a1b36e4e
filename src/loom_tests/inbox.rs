//! The inbox: other threads push and notify; the loop clears the flag,
//! then takes the queue. No message may be left behind with the flag
//! clear (the loop would park forever), and a task is queued once however
//! often it is woken.

use std::sync::Arc;

use loom::thread;

use super::model;
use crate::runtime::driver::inbox::{Inbox, LoopWaker, Message};
use crate::runtime::waker::TaskRef;
use crate::util::sync::{AtomicUsize, Ordering};

fn inbox() -> (Arc<Inbox>, Arc<AtomicUsize>) {
    let wakes = Arc::new(AtomicUsize::new(0));
    (Arc::new(Inbox::new(LoopWaker::Count(wakes.clone()))), wakes)
}

fn task(key: usize) -> TaskRef {
    TaskRef::new(0, key, 1)
}

fn keys(messages: &[Message]) -> Vec<usize> {
    let mut keys: Vec<usize> = messages
        .iter()
        .map(|m| match m {
            Message::Wake(task) => task.key(),
            _ => unreachable!("only wakes are sent here"),
        })
        .collect();
    keys.sort_unstable();
    keys
}

/// Two threads wake two tasks while the loop drains. Whatever the first
/// drain missed left the inbox notified, with the loop's waker woken: the
/// loop, which parks only when the flag is clear, comes back for it.
#[test]
fn a_wake_sent_during_a_drain_is_taken_or_leaves_the_loop_notified() {
    model(|| {
        let (inbox, wakes) = inbox();
        let senders: Vec<_> = (0..2)
            .map(|key| {
                let inbox = inbox.clone();
                thread::spawn(move || inbox.wake(task(key)).unwrap())
            })
            .collect();
        let mut first = Vec::new();
        inbox.drain(&mut first);
        senders.into_iter().for_each(|s| s.join().unwrap());
        let mut rest = Vec::new();
        if inbox.is_notified() {
            assert!(
                wakes.load(Ordering::SeqCst) >= 1,
                "notified, but the loop was not woken"
            );
            inbox.drain(&mut rest);
        }
        first.append(&mut rest);
        assert_eq!(keys(&first), [0, 1], "a wake was lost");
    });
}

/// Two threads wake the same task: one wake is queued. After a drain, a
/// new wake queues again.
#[test]
fn a_task_is_queued_once_however_many_threads_wake_it() {
    model(|| {
        let (inbox, _) = inbox();
        let other = {
            let inbox = inbox.clone();
            thread::spawn(move || inbox.wake(task(7)).unwrap())
        };
        inbox.wake(task(7)).unwrap();
        other.join().unwrap();
        let mut got = Vec::new();
        inbox.drain(&mut got);
        assert_eq!(keys(&got), [7]);
        inbox.wake(task(7)).unwrap();
        let mut again = Vec::new();
        inbox.drain(&mut again);
        assert_eq!(keys(&again), [7]);
    });
}

/// A thread sends while the runtime closes its inbox: the message is
/// either refused (given back) or was queued before the close and dropped
/// by it, never queued after it.
#[test]
fn nothing_is_queued_after_the_close() {
    model(|| {
        let (inbox, _) = inbox();
        let sender = {
            let inbox = inbox.clone();
            thread::spawn(move || inbox.send(1_u8, |_| Message::Wake(task(1))).is_ok())
        };
        inbox.close();
        let _accepted = sender.join().unwrap();
        let mut left = Vec::new();
        inbox.nudge();
        inbox.drain(&mut left);
        assert!(left.is_empty(), "a message was queued after the close");
    });
}
