//! A model test of the bounded channels, `mpsc` and `threadsafe` (the same
//! semantics behind a `RefCell` and a `Mutex`): random send / try_send /
//! recv / cancel / close sequences against a `VecDeque` buffer and a FIFO
//! of blocked sends. Every message ends exactly once: received, given back
//! in an error, or dropped with a cancelled send (never received, even if
//! a slot had been freed for it: issue 15); order is kept.
//!
//! Futures are polled by hand with a no-op waker (the channel needs no
//! runtime), so the test controls every interleaving.

mod cases;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use proptest::prelude::*;
use uniloop::channel::mpsc::{SendError, TryRecvError, TrySendError};
use uniloop::channel::{mpsc, threadsafe};

#[derive(Clone, Debug)]
enum Op {
    TrySend,
    /// Start a `send` and poll it once.
    Send,
    /// Poll the blocked send at this index again.
    PollSend(usize),
    /// Drop the blocked send at this index.
    CancelSend(usize),
    TryRecv,
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::TrySend),
        4 => Just(Op::Send),
        3 => any::<usize>().prop_map(Op::PollSend),
        2 => any::<usize>().prop_map(Op::CancelSend),
        5 => Just(Op::TryRecv),
        1 => Just(Op::Close),
    ]
}

/// What became of a blocked send in the model.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fate {
    Waiting,
    /// A slot was freed and kept for it: its message goes in when it is
    /// polled (or comes back, if the receiver closed meanwhile).
    Granted,
    /// The receiver closed first: it gets its message back.
    Refused,
}

#[derive(Default)]
struct Model {
    capacity: usize,
    buffer: VecDeque<u32>,
    /// Slots kept for granted sends.
    reserved: usize,
    /// Blocked sends, first first: (message, index into `fates`).
    waiting: VecDeque<(u32, usize)>,
    fates: Vec<Fate>,
    closed: bool,
}

impl Model {
    fn is_full(&self) -> bool {
        self.buffer.len() + self.reserved >= self.capacity
    }

    fn can_send_now(&self) -> bool {
        !self.closed && !self.is_full() && self.waiting.is_empty()
    }

    fn recv(&mut self) -> Option<u32> {
        let message = self.buffer.pop_front()?;
        self.grant_next();
        Some(message)
    }

    fn grant_next(&mut self) {
        if self.is_full() {
            return;
        }
        if let Some((_, fate)) = self.waiting.pop_front() {
            self.fates[fate] = Fate::Granted;
            self.reserved += 1;
        }
    }

    fn close(&mut self) {
        self.closed = true;
        for (_, fate) in self.waiting.drain(..) {
            self.fates[fate] = Fate::Refused;
        }
    }
}

fn poll<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// The model test of one channel module (`mpsc` or `threadsafe`).
macro_rules! bounded_channel_model {
    ($name:ident, $channel:ident) => {
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases::cases(512)))]

        #[test]
        fn $name(capacity in 1..4usize, ops in prop::collection::vec(op(), 1..80)) {
            let (tx, mut rx) = $channel::channel::<u32>(capacity);
            let mut model = Model { capacity, ..Model::default() };
            // Blocked sends: message, index into the model's fates, future.
            let mut blocked: Vec<(u32, usize, Pin<Box<$channel::Send<'_, u32>>>)> = Vec::new();
            let mut received = Vec::new();
            let mut cancelled = Vec::new();
            let mut next = 0u32;
            for op in ops {
                match op {
                    Op::TrySend => {
                        let message = next;
                        next += 1;
                        match tx.try_send(message) {
                            Ok(()) => {
                                prop_assert!(model.can_send_now());
                                model.buffer.push_back(message);
                            }
                            Err(TrySendError::Full(back)) => {
                                prop_assert!(!model.closed && !model.can_send_now());
                                prop_assert_eq!(back, message);
                            }
                            Err(TrySendError::Closed(back)) => {
                                prop_assert!(model.closed);
                                prop_assert_eq!(back, message);
                            }
                        }
                    }
                    Op::Send => {
                        let message = next;
                        next += 1;
                        let mut future = Box::pin(tx.send(message));
                        match poll(future.as_mut()) {
                            Poll::Ready(Ok(())) => {
                                prop_assert!(model.can_send_now());
                                model.buffer.push_back(message);
                            }
                            Poll::Ready(Err(SendError(back))) => {
                                prop_assert!(model.closed);
                                prop_assert_eq!(back, message);
                            }
                            Poll::Pending => {
                                prop_assert!(!model.closed && !model.can_send_now());
                                model.waiting.push_back((message, model.fates.len()));
                                blocked.push((message, model.fates.len(), future));
                                model.fates.push(Fate::Waiting);
                            }
                        }
                    }
                    Op::PollSend(i) if !blocked.is_empty() => {
                        let i = i % blocked.len();
                        let (message, fate, future) = &mut blocked[i];
                        let (message, fate) = (*message, *fate);
                        match (poll(future.as_mut()), model.fates[fate]) {
                            (Poll::Pending, Fate::Waiting) => {}
                            (Poll::Ready(Ok(())), Fate::Granted) if !model.closed => {
                                model.reserved -= 1;
                                model.buffer.push_back(message);
                                drop(blocked.remove(i));
                            }
                            (Poll::Ready(Err(SendError(back))), Fate::Granted) if model.closed => {
                                model.reserved -= 1;
                                prop_assert_eq!(back, message);
                                drop(blocked.remove(i));
                            }
                            (Poll::Ready(Err(SendError(back))), Fate::Refused) => {
                                prop_assert_eq!(back, message);
                                drop(blocked.remove(i));
                            }
                            (polled, fate) => {
                                prop_assert!(false, "send of {} polled {:?} but the model says {:?}", message, polled.map(|r| r.is_ok()), fate);
                            }
                        }
                    }
                    Op::CancelSend(i) if !blocked.is_empty() => {
                        let (message, fate, future) = blocked.remove(i % blocked.len());
                        drop(future);
                        cancelled.push(message);
                        match model.fates[fate] {
                            Fate::Waiting => model.waiting.retain(|&(m, _)| m != message),
                            Fate::Granted => {
                                // Cancelled after its slot was freed: it
                                // sent nothing, and the slot passes on.
                                model.reserved -= 1;
                                if !model.closed {
                                    model.grant_next();
                                }
                            }
                            Fate::Refused => {}
                        }
                    }
                    Op::PollSend(_) | Op::CancelSend(_) => {}
                    Op::TryRecv => {
                        let expected = model.recv();
                        match rx.try_recv() {
                            Ok(message) => {
                                prop_assert_eq!(Some(message), expected);
                                received.push(message);
                            }
                            Err(TryRecvError::Empty) => prop_assert!(expected.is_none() && !model.closed),
                            Err(TryRecvError::Disconnected) => prop_assert!(expected.is_none() && model.closed),
                        }
                    }
                    Op::Close => {
                        rx.close();
                        model.close();
                    }
                }
                prop_assert_eq!(tx.is_closed(), model.closed);
            }
            // What is left: drain the buffer, then every blocked send must end
            // as the model says once the receiver closes.
            rx.close();
            model.close();
            while let Ok(message) = rx.try_recv() {
                prop_assert_eq!(Some(message), model.recv());
                received.push(message);
            }
            prop_assert!(model.buffer.is_empty());
            for (message, fate, mut future) in blocked {
                match poll(future.as_mut()) {
                    Poll::Ready(Ok(())) => prop_assert!(false, "a send went through after close"),
                    Poll::Ready(Err(SendError(back))) => {
                        prop_assert_ne!(model.fates[fate], Fate::Waiting);
                        prop_assert_eq!(back, message);
                    }
                    Poll::Pending => prop_assert!(false, "a send still blocked after close"),
                }
            }
            // (Received in the order the sends completed: each receive was
            // checked against the model's buffer above.)
            // Nothing a cancelled send held was delivered.
            prop_assert!(received.iter().all(|m| !cancelled.contains(m)));
        }
    }
    };
}

bounded_channel_model!(bounded_mpsc_matches_a_vecdeque, mpsc);
bounded_channel_model!(bounded_threadsafe_matches_a_vecdeque, threadsafe);
