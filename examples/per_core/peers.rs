//! The loops as peers: every loop's `Handle`, `PUBLISH` to the
//! subscribers of every loop, and the stop sent to all.
//!
//! A `Handle` carries a `Send` closure to its loop, where it runs; the
//! closure finds that loop's state ([`Local`]) in a thread-local, set by
//! [`enter`] before the loop serves anyone (as asyncio code sent there
//! would call `get_running_loop()`). Nothing else crosses threads: a
//! message is copied into an `Arc<[u8]>` for the trip, and each loop
//! encodes its own subscribers' push from it.
//!
//! Every `PUBLISH` costs a trip to every other loop, subscribers there or
//! not: simple, and exact. A server publishing much to few subscribers
//! would keep a shared index of the loops subscribed to each channel
//! (behind a lock, updated on `SUBSCRIBE`/`UNSUBSCRIBE`) and skip the
//! others.
//!
//! # Invariants
//!
//! - A message published on loop A reaches loop B as a task started
//!   through B's `Handle` ([`Everywhere::publish`]); tasks sent from one
//!   thread start, and run, in the order they were sent, so B's
//!   subscribers see A's messages in A's order.
//! - The publishing connection waits for every loop's count before it
//!   runs its next request (`commands::Outcome::Count`): one client's
//!   messages arrive in the order it sent them, on every loop, and its
//!   `PUBLISH` replies count what Redis counts, the subscribers that
//!   received the message.
//! - Nothing waits for a loop that is gone: its `RemoteTask` resolves to
//!   "runtime gone" (counted as 0 receivers), and a stop sent to it comes
//!   back refused, which is ignored.

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;

use uniloop::sync::Event;
use uniloop::Handle;

use crate::pubsub::{Publish, Receivers, Registry};

/// A loop's state that callbacks from other loops reach.
pub struct Local {
    /// This loop's subscribers.
    pub registry: Rc<Registry>,
    /// Set when the server stops: the loop stops accepting and ends.
    pub stop: Event,
}

thread_local! {
    /// The loop running on this thread, once [`enter`] set it.
    static THIS_LOOP: OnceCell<Rc<Local>> = const { OnceCell::new() };
}

/// Make `local` what callbacks sent to this thread's loop reach.
pub fn enter(local: Rc<Local>) {
    THIS_LOOP.with(|cell| {
        if cell.set(local).is_err() {
            panic!("one loop per thread");
        }
    });
}

/// Run `f` on this thread's loop state; `None` before [`enter`].
fn this_loop<R>(f: impl FnOnce(&Local) -> R) -> Option<R> {
    THIS_LOOP.with(|cell| cell.get().map(|local| f(local)))
}

/// `PUBLISH` to the subscribers of every loop.
pub struct Everywhere {
    /// This loop's index in `loops`.
    pub id: usize,
    pub local: Rc<Registry>,
    /// Every loop's handle, this one's included, by index.
    pub loops: Arc<[Handle]>,
}

impl Publish for Everywhere {
    fn publish(&self, channel: &[u8], message: &[u8]) -> Receivers {
        let here = self.local.deliver(channel, message);
        if self.loops.len() == 1 {
            return Receivers::Now(here);
        }
        let channel: Arc<[u8]> = channel.into();
        let message: Arc<[u8]> = message.into();
        let elsewhere: Vec<_> = self
            .loops
            .iter()
            .enumerate()
            .filter(|&(id, _)| id != self.id)
            .map(|(_, handle)| {
                let (channel, message) = (channel.clone(), message.clone());
                // Delivered by a task of that loop, not by the closure
                // (which runs as the loop takes in its inbox): subscribers
                // are woken from a task, as they are by a local PUBLISH.
                handle.spawn(move || async move {
                    this_loop(|local| local.registry.deliver(&channel, &message)).unwrap_or(0)
                })
            })
            .collect();
        Receivers::Later(Box::pin(async move {
            let mut total = here;
            for task in elsewhere {
                // A loop gone (the server is stopping) received nothing.
                total += task.await.unwrap_or(0);
            }
            total
        }))
    }
}

/// Tell every loop to stop; loops already gone are skipped.
pub fn stop_all(loops: &[Handle]) {
    for handle in loops {
        let _ = handle.call_soon_threadsafe(|| {
            this_loop(|local| local.stop.set());
        });
    }
}
