//! PUBLISH/SUBSCRIBE: a uniloop `broadcast` channel per Redis channel.
//!
//! A published message is encoded once, as the whole RESP push a
//! subscriber sends on (`*3\r\n$7\r\nmessage\r\n...`), and shared (`Rc`)
//! by every subscriber's receiver. `PUBLISH` never waits: each
//! subscriber's connection takes messages off its channels as they come,
//! into an output buffer of its own, and is disconnected when that buffer
//! passes its limit (as Redis does with a subscriber over its output
//! buffer limit, see `conn.rs`) or, should it not even run for that long,
//! when it falls more than `CAPACITY` messages behind a channel.
//!
//! `PUBLISH` goes through [`Publish`]: here the [`Registry`] itself,
//! which delivers on this loop; `examples/per_core` puts one in front that
//! also hands the message to every other loop, and counts their receivers
//! later ([`Receivers::Later`]).
//!
//! # Invariants
//!
//! - `channels` holds a sender for a channel only while some receiver of
//!   it is alive, so `PUBLISH` to a channel nobody listens to allocates
//!   nothing: [`Subscriptions`] drop their receivers through `leave`,
//!   which removes a sender left with no receivers.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use uniloop::channel::broadcast::{self, RecvError, RecvStream};

/// How many messages a subscriber may fall behind before it is dropped.
pub const CAPACITY: usize = 16 * 1024;

/// An encoded `message` push, shared by every subscriber.
pub type Message = Rc<[u8]>;

/// Where `PUBLISH` sends a message.
pub trait Publish {
    /// Send `message` to every subscriber of `channel`; how many received
    /// it.
    fn publish(&self, channel: &[u8], message: &[u8]) -> Receivers;
}

/// The reply of `PUBLISH`: how many subscribers received the message.
pub enum Receivers {
    /// All of them are on this loop: counted already.
    Now(usize),
    /// Some are elsewhere: the count comes once they have been reached.
    /// The connection waits for it before it runs its next request, so
    /// replies stay in order.
    #[allow(dead_code)] // mini_redis has one loop; examples/per_core uses it
    Later(Pin<Box<dyn Future<Output = usize>>>),
}

impl Publish for Registry {
    fn publish(&self, channel: &[u8], message: &[u8]) -> Receivers {
        Receivers::Now(self.deliver(channel, message))
    }
}

/// Every channel with a subscriber on this loop.
#[derive(Default)]
pub struct Registry {
    channels: RefCell<HashMap<Rc<[u8]>, broadcast::Sender<Message>>>,
}

impl Registry {
    /// Send `message` to every subscriber of `channel` on this loop; how
    /// many there are.
    pub fn deliver(&self, channel: &[u8], message: &[u8]) -> usize {
        let channels = self.channels.borrow();
        let Some(sender) = channels.get(channel) else {
            return 0;
        };
        let mut push = Vec::with_capacity(channel.len() + message.len() + 40);
        super::resp::array(&mut push, 3);
        super::resp::bulk(&mut push, b"message");
        super::resp::bulk(&mut push, channel);
        super::resp::bulk(&mut push, message);
        sender.send(push.into()).unwrap_or(0)
    }

    fn join(&self, channel: &[u8]) -> (Rc<[u8]>, RecvStream<Message>) {
        let mut channels = self.channels.borrow_mut();
        if let Some((name, sender)) = channels.get_key_value(channel) {
            return (name.clone(), sender.subscribe().into_stream());
        }
        let name: Rc<[u8]> = channel.into();
        let (sender, receiver) = broadcast::channel(CAPACITY);
        channels.insert(name.clone(), sender);
        (name, receiver.into_stream())
    }

    /// Forget `channel` if its last receiver is gone.
    fn leave(&self, channel: &[u8]) {
        let mut channels = self.channels.borrow_mut();
        if channels
            .get(channel)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            channels.remove(channel);
        }
    }
}

/// One connection's subscriptions.
pub struct Subscriptions {
    registry: Rc<Registry>,
    subscribed: Vec<(Rc<[u8]>, RecvStream<Message>)>,
}

/// A subscriber fell more than [`CAPACITY`] messages behind.
#[derive(Debug)]
pub struct Lagged;

impl Subscriptions {
    pub fn new(registry: Rc<Registry>) -> Subscriptions {
        Subscriptions {
            registry,
            subscribed: Vec::new(),
        }
    }

    pub fn count(&self) -> usize {
        self.subscribed.len()
    }

    /// Subscribe to `channel` (again is a no-op); the count after.
    pub fn subscribe(&mut self, channel: &[u8]) -> usize {
        if !self.subscribed.iter().any(|(name, _)| &name[..] == channel) {
            let joined = self.registry.join(channel);
            self.subscribed.push(joined);
        }
        self.subscribed.len()
    }

    /// Unsubscribe from `channel`; the count after.
    pub fn unsubscribe(&mut self, channel: &[u8]) -> usize {
        if let Some(i) = self
            .subscribed
            .iter()
            .position(|(name, _)| &name[..] == channel)
        {
            let (name, stream) = self.subscribed.swap_remove(i);
            drop(stream);
            self.registry.leave(&name);
        }
        self.subscribed.len()
    }

    /// The channels subscribed to, for `UNSUBSCRIBE` with no arguments.
    pub fn channels(&self) -> Vec<Rc<[u8]>> {
        self.subscribed
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Append every message received so far to `out`; `Ready` if there
    /// was any (or a subscription lagged), else the task is woken when
    /// one arrives.
    pub fn poll_messages(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut Vec<u8>,
    ) -> Poll<Result<(), Lagged>> {
        let mut got = false;
        for (_, stream) in &mut self.subscribed {
            loop {
                match Pin::new(&mut *stream).poll_next(cx) {
                    Poll::Ready(Some(Ok(message))) => {
                        out.extend_from_slice(&message);
                        got = true;
                    }
                    Poll::Ready(Some(Err(RecvError::Lagged(_)))) => {
                        return Poll::Ready(Err(Lagged))
                    }
                    // The registry keeps every sender while it has
                    // receivers: the stream never ends.
                    Poll::Ready(Some(Err(RecvError::Closed)) | None) | Poll::Pending => break,
                }
            }
        }
        if got {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        for (name, stream) in std::mem::take(&mut self.subscribed) {
            drop(stream);
            self.registry.leave(&name);
        }
    }
}
