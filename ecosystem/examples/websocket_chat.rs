//! A WebSocket chat room: every text message a client sends goes to every
//! client, in one order, through one uniloop `broadcast` channel. The
//! WebSocket protocol is async-tungstenite's, over uniloop's TCP streams
//! (futures-io; no adapter, no framing of ours).
//!
//! A client connects to `ws://127.0.0.1:PORT/?name=alice`; it is first
//! told its name (`* welcome, alice`; a missing, invalid or taken name
//! gets `guest-N`), then sees every message of the room as `name: text`,
//! and joins and leaves as `* alice joined`, `* alice left`.
//!
//! What it shows:
//! - one task per client, its reading and its writing raced
//!   (`uniloop::race`): whichever ends first (the client leaves, breaks
//!   the protocol, or is dropped) ends the other;
//! - a client that vanishes, even in the middle of a frame, only ends
//!   its own task: the others see `* name left` and carry on;
//! - slow readers handled: a client's writing side takes every message
//!   off the broadcast as it comes, into a queue of its own, so nobody
//!   ever waits for it; a client whose queue passes `--max-pending-kib`
//!   (default 1024) is dropped, announced as `* name left (too slow)`;
//! - limits on what a client may send (a message of more than 64 KiB
//!   drops it, `(message too big)`; a handshake must end within 10 s);
//! - a clean stop on Ctrl-C: everyone is told `* server shutting down`,
//!   then closed with code 1001 (going away).
//!
//! The Python it mirrors (the `websockets` package's broadcast room):
//!
//! ```python
//! CLIENTS = set()
//!
//! async def handler(ws):
//!     name = ws.request.path.partition("name=")[2] or next_guest()
//!     await ws.send(f"* welcome, {name}")
//!     CLIENTS.add(ws)
//!     broadcast(CLIENTS, f"* {name} joined")
//!     try:
//!         async for text in ws:
//!             broadcast(CLIENTS, f"{name}: {text}")
//!     finally:
//!         CLIENTS.remove(ws)
//!         broadcast(CLIENTS, f"* {name} left")
//!
//! async def main():
//!     async with serve(handler, "127.0.0.1", 8765, max_size=64 * 1024):
//!         await asyncio.get_running_loop().create_future()  # until Ctrl-C
//! ```
//!
//! Run it: `cargo run -p uniloop-ecosystem --example websocket_chat --
//! [--port N]` (default 8765, `--port 0` picks a free one; it prints
//! `websocket_chat listening on 127.0.0.1:PORT`), then chat from several
//! terminals with `python3 -m websockets ws://127.0.0.1:8765/?name=alice`.

use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_tungstenite::tungstenite::handshake::server::{Request, Response};
use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use async_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use async_tungstenite::{WebSocketReceiver, WebSocketSender};
use futures_util::{Sink, Stream, StreamExt};
use uniloop::channel::broadcast::{self, RecvError, RecvStream};
use uniloop::channel::watch;
use uniloop::net::{TcpListener, TcpStream};

/// How many messages the broadcast keeps for a client whose writing side
/// has not run yet (each takes its messages off as they come).
const CAPACITY: usize = 1024;
/// The largest message (and frame) a client may send.
const MAX_MESSAGE: usize = 64 * 1024;
/// The longest name, in characters.
const MAX_NAME: usize = 32;
/// How long a client has to finish its opening handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long the server waits, on Ctrl-C, for its clients to be closed.
const GRACE: Duration = Duration::from_secs(5);

/// What every client shares.
struct Room {
    /// `None` once the server is shutting down.
    open: RefCell<Option<Open>>,
    names: RefCell<HashSet<String>>,
    guests: Cell<u64>,
    /// A client whose unsent messages pass this many bytes is dropped.
    max_pending: usize,
}

/// What the room has while it is open; dropped when the server shuts
/// down.
struct Open {
    /// The room's messages. Once this is dropped, the channel closes for
    /// each client after it has taken what it holds.
    tx: broadcast::Sender<Utf8Bytes>,
    /// Cloned by each client in the room: when the last clone is gone,
    /// `main`'s `watch::Sender::closed` returns.
    members: watch::Receiver<()>,
}

impl Room {
    fn say(&self, text: String) {
        if let Some(open) = &*self.open.borrow() {
            // No receiver only when nobody is in the room: nobody to tell.
            let _ = open.tx.send(text.into());
        }
    }

    /// Enter the room: its messages from now on, and a receiver that
    /// `main` counts until it is dropped; `None` if the server is
    /// shutting down.
    fn enter(&self) -> Option<(RecvStream<Utf8Bytes>, watch::Receiver<()>)> {
        let open = self.open.borrow();
        let open = open.as_ref()?;
        Some((open.tx.subscribe().into_stream(), open.members.clone()))
    }

    /// The name asked for if it is valid and free, else the next guest's.
    fn take_name(&self, asked: Option<String>) -> String {
        let mut names = self.names.borrow_mut();
        let name = match asked {
            Some(name) if valid_name(&name) && !names.contains(&name) => name,
            _ => loop {
                self.guests.set(self.guests.get() + 1);
                let guest = format!("guest-{}", self.guests.get());
                if !names.contains(&guest) {
                    break guest;
                }
            },
        };
        names.insert(name.clone());
        name
    }
}

fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// The `name=` parameter of the request's query, if any.
fn asked_name(request: &Request) -> Option<String> {
    let query = request.uri().query()?;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("name="))?;
    Some(value.to_owned())
}

/// Why a client left.
enum Left {
    /// It closed, vanished, or broke the protocol.
    Gone,
    /// Its unsent messages passed `max_pending`.
    TooSlow,
    /// It sent a message larger than `MAX_MESSAGE`.
    TooBig,
    /// The server is shutting down: it was told, and closed.
    ShutDown,
}

fn main() -> io::Result<()> {
    let (port, max_pending) = options()?;
    uniloop::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        // Watching SIGINT before telling the address: a Ctrl-C from then on
        // stops the server cleanly.
        let ctrl_c = uniloop::spawn(uniloop::signal::ctrl_c());
        println!("websocket_chat listening on {}", listener.local_addr()?);
        // `members` is closed once every receiver of it is gone: the one in
        // `open`, and each client's.
        let (members, receiver) = watch::channel(());
        let room = Rc::new(Room {
            open: RefCell::new(Some(Open {
                tx: broadcast::channel(CAPACITY).0,
                members: receiver,
            })),
            names: RefCell::default(),
            guests: Cell::new(0),
            max_pending,
        });
        let accept = uniloop::spawn(accept(listener, room.clone()));
        ctrl_c.await.expect("the Ctrl-C task is never cancelled")?;
        println!("websocket_chat: Ctrl-C, shutting down");
        accept.cancel();
        room.say("* server shutting down".into());
        // Closing the room: each client's writing side sends what it
        // holds, then the close frame, and the client leaves. (One still
        // in its handshake is not waited for: it ends with `run`.)
        room.open.borrow_mut().take();
        if uniloop::timeout(GRACE, members.closed()).await.is_err() {
            println!("websocket_chat: some clients were not closed within {GRACE:?}");
        }
        println!("websocket_chat: stopped");
        Ok(())
    })
}

async fn accept(listener: TcpListener, room: Rc<Room>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                uniloop::spawn(client(stream, room.clone())).detach();
            }
            Err(e) => {
                eprintln!("websocket_chat: accept failed: {e}");
                uniloop::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One client, from its handshake to its leaving.
async fn client(stream: TcpStream, room: Rc<Room>) {
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let mut asked = None;
    let handshake = async_tungstenite::accept_hdr_async_with_config(
        stream,
        |request: &Request, response: Response| {
            asked = asked_name(request);
            Ok(response)
        },
        Some(config),
    );
    let ws = match uniloop::timeout(HANDSHAKE, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => return eprintln!("websocket_chat: handshake failed: {e}"),
        Err(_) => return eprintln!("websocket_chat: handshake timed out"),
    };
    let name = room.take_name(asked);
    let (mut sender, receiver) = ws.split();
    // Subscribed after the welcome, before the join is said: the client
    // sees its welcome, then its own join, then everything after it.
    let welcome = sender.send(Message::text(format!("* welcome, {name}")));
    // `_member` tells `main` this client is in the room until it leaves.
    let (messages, _member) = match (welcome.await, room.enter()) {
        (Ok(()), Some(entered)) => entered,
        _ => {
            room.names.borrow_mut().remove(&name);
            return;
        }
    };
    room.say(format!("* {name} joined"));
    let writing = Writing {
        sender,
        messages,
        pending: VecDeque::new(),
        pending_bytes: 0,
        max_pending: room.max_pending,
    };
    let sides: [Pin<Box<dyn Future<Output = Left> + '_>>; 2] = [
        Box::pin(read(receiver, &room, &name)),
        Box::pin(writing.run()),
    ];
    let left = uniloop::race(sides).await;
    room.names.borrow_mut().remove(&name);
    let why = match left {
        Left::Gone => "",
        Left::TooSlow => " (too slow)",
        Left::TooBig => " (message too big)",
        Left::ShutDown => return,
    };
    room.say(format!("* {name} left{why}"));
}

/// The reading side: each text message the client sends, said to all.
async fn read(mut receiver: WebSocketReceiver<TcpStream>, room: &Room, name: &str) -> Left {
    // A close frame from the client is read like any message: the next
    // read sends tungstenite's reply, then the stream ends.
    while let Some(message) = receiver.next().await {
        match message {
            Ok(Message::Text(text)) => {
                if !text.trim().is_empty() {
                    room.say(format!("{name}: {text}"));
                }
                // Let the others' writing sides take it before the next
                // one, so a client sending many messages at once does not
                // outrun the broadcast's buffer.
                uniloop::yield_now().await;
            }
            // Binary messages are not for this room; tungstenite answers
            // pings itself.
            Ok(_) => {}
            Err(WsError::Capacity(_)) => return Left::TooBig,
            // A reset, a frame cut short, a protocol violation.
            Err(_) => return Left::Gone,
        }
    }
    Left::Gone
}

/// The writing side: it takes every message as it comes (never leaving
/// the broadcast waiting) into `pending`, and sends `pending` as fast as
/// the client reads.
struct Writing {
    sender: WebSocketSender<TcpStream>,
    messages: RecvStream<Utf8Bytes>,
    /// Taken, not yet handed to the WebSocket.
    pending: VecDeque<Utf8Bytes>,
    pending_bytes: usize,
    max_pending: usize,
}

impl Writing {
    async fn run(mut self) -> Left {
        let left = poll_fn(|cx| self.poll(cx)).await;
        if let Left::ShutDown = left {
            let close = CloseFrame {
                code: CloseCode::Away,
                reason: "server shutting down".into(),
            };
            // A client that does not read is not waited for long.
            let _ = uniloop::timeout(GRACE, self.sender.close(Some(close))).await;
        }
        left
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Left> {
        loop {
            let mut progress = false;
            let mut closed = false;
            loop {
                match Pin::new(&mut self.messages).poll_next(cx) {
                    Poll::Ready(Some(Ok(message))) => {
                        self.pending_bytes += message.len();
                        self.pending.push_back(message);
                    }
                    // More than `CAPACITY` messages were said while it
                    // waited for its turn: too slow all the same.
                    Poll::Ready(Some(Err(RecvError::Lagged(_)))) => {
                        return Poll::Ready(Left::TooSlow)
                    }
                    // The server is shutting down, and this is all.
                    Poll::Ready(Some(Err(RecvError::Closed)) | None) => {
                        closed = true;
                        break;
                    }
                    Poll::Pending => break,
                }
            }
            if self.pending_bytes > self.max_pending {
                return Poll::Ready(Left::TooSlow);
            }
            while !self.pending.is_empty() {
                match Pin::new(&mut self.sender).poll_ready(cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(_)) => return Poll::Ready(Left::Gone),
                    Poll::Pending => break,
                }
                let message = self.pending.pop_front().expect("not empty");
                self.pending_bytes -= message.len();
                if Pin::new(&mut self.sender)
                    .start_send(Message::Text(message))
                    .is_err()
                {
                    return Poll::Ready(Left::Gone);
                }
                progress = true;
            }
            // Push what the WebSocket buffered to the socket.
            match Pin::new(&mut self.sender).poll_flush(cx) {
                Poll::Ready(Err(_)) => return Poll::Ready(Left::Gone),
                Poll::Ready(Ok(())) if closed && self.pending.is_empty() => {
                    return Poll::Ready(Left::ShutDown)
                }
                _ => {}
            }
            // Sending made room: take more before waiting.
            if !progress {
                return Poll::Pending;
            }
        }
    }
}

/// `--port N` (default 8765) and `--max-pending-kib N` (default 1024).
fn options() -> io::Result<(u16, usize)> {
    let usage = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: websocket_chat [--port N] [--max-pending-kib N]",
        )
    };
    let mut args = std::env::args().skip(1);
    let (mut port, mut max_pending_kib) = (8765, 1024);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(usage)?;
        match arg.as_str() {
            "--port" => port = value.parse().map_err(|_| usage())?,
            "--max-pending-kib" => max_pending_kib = value.parse().map_err(|_| usage())?,
            _ => return Err(usage()),
        }
    }
    Ok((port, max_pending_kib * 1024))
}
