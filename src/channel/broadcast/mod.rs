//! `broadcast`: every receiver sees every message (≙ one producer feeding
//! an `asyncio.Queue` per consumer; tokio's `broadcast`).
//!
//! # Examples
//!
//! Each listener subscribes, then sees every event sent after; once the
//! sender is gone, `recv` fails with [`RecvError::Closed`] after the last
//! message:
//!
//! ```
//! use uniloop::channel::broadcast;
//!
//! uniloop::run(async {
//!     let (tx, _) = broadcast::channel(16);
//!     let listeners: Vec<_> = (0..2)
//!         .map(|_| {
//!             let mut rx = tx.subscribe();
//!             uniloop::spawn(async move {
//!                 let mut seen = Vec::new();
//!                 while let Ok(event) = rx.recv().await {
//!                     seen.push(event);
//!                 }
//!                 seen
//!             })
//!         })
//!         .collect();
//!     for event in ["start", "tick", "stop"] {
//!         tx.send(event).unwrap();
//!     }
//!     drop(tx);
//!     for listener in listeners {
//!         assert_eq!(listener.await.unwrap(), ["start", "tick", "stop"]);
//!     }
//! });
//! ```
//!
//! # Invariants
//!
//! - Messages get consecutive positions. The buffer holds positions
//!   `head..tail`, at most `capacity` of them. Each receiver keeps `next`,
//!   the position it reads next (`next <= tail`), and claims every message
//!   from `next` on.
//! - Each buffered message counts its claimants (`remaining`): the live
//!   receivers with `next <= position`. The count never decreases from the
//!   front to the back, and the front's is never 0: a message nobody still
//!   has to read is dropped at once. Its last reader takes it without a
//!   clone; a dropped receiver releases its claims.
//! - A send into a full buffer evicts the front message. A receiver with
//!   `next < head` lagged: its next receive reports `Lagged(head - next)`
//!   and moves it to `head`, the oldest message still buffered.
//! - A receiver waits only while `next == tail`. Every send and the drop
//!   of the last sender serve every waiter; wakers are woken, and values
//!   leaving the buffer dropped, after the borrow is released. Only
//!   `T::clone` runs under the borrow (a `Clone` that uses the same
//!   channel would panic).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use crate::util::wait_list::WaitList;

mod error;
mod receiver;
mod sender;
mod stream;

pub use error::{RecvError, SendError, TryRecvError};
pub use receiver::Receiver;
pub use sender::Sender;
pub use stream::RecvStream;

/// A channel whose every [`Receiver`] sees every message, keeping at most
/// `capacity` of them for receivers that fall behind (tokio's
/// `broadcast::channel`).
///
/// A receiver more than `capacity` messages behind misses the oldest ones
/// and is told so once, with [`RecvError::Lagged`].
///
/// # Panics
///
/// If `capacity` is 0: "uniloop::channel::broadcast::channel(): the
/// capacity must be at least 1".
///
/// # Examples
///
/// ```
/// use uniloop::channel::broadcast;
///
/// uniloop::run(async {
///     let (tx, mut rx1) = broadcast::channel(4);
///     let mut rx2 = tx.subscribe();
///     tx.send("hello").unwrap();
///     assert_eq!(rx1.recv().await, Ok("hello"));
///     assert_eq!(rx2.recv().await, Ok("hello"));
/// });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "uniloop::channel::broadcast::channel(): the capacity must be at least 1"
    );
    let shared = Rc::new(Shared {
        state: RefCell::new(State {
            buffer: VecDeque::new(),
            head: 0,
            waiting: WaitList::new(),
        }),
        capacity,
        senders: Cell::new(1),
        receivers: Cell::new(1),
    });
    let receiver = Receiver {
        shared: shared.clone(),
        next: 0,
    };
    (Sender { shared }, receiver)
}

struct Shared<T> {
    state: RefCell<State<T>>,
    capacity: usize,
    senders: Cell<usize>,
    receivers: Cell<usize>,
}

struct State<T> {
    buffer: VecDeque<Buffered<T>>,
    /// The position of `buffer[0]`.
    head: u64,
    /// Receivers waiting for the next message.
    waiting: WaitList<()>,
}

struct Buffered<T> {
    value: T,
    /// The receivers that still have to read it.
    remaining: usize,
}

impl<T> State<T> {
    /// The position the next message gets.
    fn tail(&self) -> u64 {
        self.head + self.buffer.len() as u64
    }

    /// A dropped receiver's claims end: every message from `from` on has
    /// one reader less. The messages nobody claims any more move to
    /// `dropped`, to be dropped after the borrow.
    fn release(&mut self, from: u64, dropped: &mut Vec<T>) {
        let start = from.saturating_sub(self.head) as usize;
        for slot in self.buffer.iter_mut().skip(start) {
            slot.remaining -= 1;
        }
        while self.buffer.front().is_some_and(|slot| slot.remaining == 0) {
            let slot = self.buffer.pop_front().expect("the front was just seen");
            self.head += 1;
            dropped.push(slot.value);
        }
    }
}

impl<T> Shared<T> {
    fn new_receiver(self: &Rc<Self>) -> Receiver<T> {
        self.receivers.set(self.receivers.get() + 1);
        let next = self.state.borrow().tail();
        Receiver {
            shared: self.clone(),
            next,
        }
    }
}
