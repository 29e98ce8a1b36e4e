//! A line-based chat over TCP: every line a client sends goes to every
//! client, through one uniloop `broadcast` channel.
//!
//! The first line a client sends is its nickname (unique); then `/nick
//! NAME` renames it, `/quit` leaves, and any other line is said to
//! everyone as `nick: line`. Joins, leaves and renames are announced
//! (`* alice joined`).
//!
//! What it shows:
//! - one task per client, its reading and its writing raced
//!   (`uniloop::race`): whichever ends first (the client leaves, or is
//!   dropped) ends the other;
//! - slow readers handled: a client's writing side keeps taking messages
//!   off the broadcast into an output buffer of its own while the socket
//!   is full, so nobody else ever waits for it; a client whose buffer
//!   passes `--max-pending-kib` (default 1024) is dropped, announced as
//!   `* nick left (too slow)`. (Should it still fall behind the broadcast,
//!   it is told how many messages it missed.)
//! - a clean stop on Ctrl-C (`uniloop::signal::ctrl_c`), announced to
//!   everyone.
//!
//! The asyncio code it mirrors:
//!
//! ```python
//! async def client(reader, writer):
//!     writer.write(b"Welcome! Your nickname?\n")
//!     nick = (await reader.readline()).decode().strip()
//!     queue = subscribe()                  # a Queue fed with every line
//!     publish(f"* {nick} joined\n")
//!     async def pump():
//!         while True:
//!             writer.write(await queue.get())
//!             await writer.drain()
//!     async def read():
//!         while (line := await reader.readline()) and line != b"/quit\n":
//!             publish(f"{nick}: {line.decode()}")
//!     done, pending = await asyncio.wait(
//!         [create_task(pump()), create_task(read())], return_when=FIRST_COMPLETED)
//!     for task in pending:
//!         task.cancel()
//!     publish(f"* {nick} left\n")
//! ```
//!
//! Run it: `cargo run --release --example chat_server -- [--port N]`
//! (default 7879, `--port 0` picks a free one), then chat with
//! `nc 127.0.0.1 7879` from several terminals.

use std::cell::RefCell;
use std::collections::HashSet;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use uniloop::io::AsyncWriteExt;

use futures_core::Stream;
use futures_io::AsyncWrite;
use uniloop::channel::broadcast::{self, RecvError, RecvStream};
use uniloop::channel::mpsc;
use uniloop::net::{OwnedWriteHalf, StreamReader, TcpListener, TcpStream};

/// How many messages the broadcast keeps for a client's writing side
/// that has not run yet.
const CAPACITY: usize = 1024;
/// The longest line a client may send.
const MAX_LINE: usize = 4096;
/// The longest nickname, in characters.
const MAX_NICK: usize = 32;

/// What every client shares.
struct Chat {
    tx: broadcast::Sender<Rc<str>>,
    nicks: RefCell<HashSet<String>>,
    /// A client whose unsent output passes this many bytes is dropped.
    max_pending: usize,
}

impl Chat {
    fn say(&self, line: String) {
        // No receiver only when nobody is connected: nobody to tell.
        let _ = self.tx.send(line.into());
    }
}

/// Why a client left.
enum Left {
    /// `/quit`, or the connection closed or failed.
    Gone,
    /// Its output passed `max_pending`.
    TooSlow,
    /// It sent a line longer than `MAX_LINE`.
    LineTooLong,
}

fn main() -> io::Result<()> {
    let (port, max_pending) = options()?;
    uniloop::run(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        // Watching SIGINT before telling the address: a Ctrl-C from then on
        // stops the server cleanly.
        let ctrl_c = uniloop::spawn(uniloop::signal::ctrl_c());
        println!("chat_server listening on {}", listener.local_addr()?);
        let chat = Rc::new(Chat {
            tx: broadcast::channel(CAPACITY).0,
            nicks: RefCell::default(),
            max_pending,
        });
        let accept = uniloop::spawn(accept(listener, chat.clone()));
        ctrl_c.await.expect("the Ctrl-C task is never cancelled")?;
        println!("chat_server: Ctrl-C, shutting down");
        accept.cancel();
        chat.say("* server shutting down\n".into());
        // Let every client's writing side send it; `run` then cancels them.
        uniloop::yield_now().await;
        Ok(())
    })
}

async fn accept(listener: TcpListener, chat: Rc<Chat>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => drop(uniloop::spawn(client(stream, chat.clone()))),
            Err(e) => {
                eprintln!("chat_server: accept failed: {e}");
                uniloop::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

/// One client, from its nickname to its leaving.
async fn client(stream: TcpStream, chat: Rc<Chat>) {
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut reader = StreamReader::with_limit(read, MAX_LINE);
    let Some(nick) = choose_nick(&mut reader, &mut write, &chat).await else {
        return;
    };
    // Subscribed before the join is said, so the client sees it too.
    let messages = chat.tx.subscribe().into_stream();
    chat.say(format!("* {nick} joined\n"));
    // Lines for this client only (errors), sent by its writing side
    // between the broadcast's.
    let (personal, personal_rx) = mpsc::unbounded::<Rc<str>>();
    let nick = RefCell::new(nick);
    let writing = Writing {
        write,
        messages,
        personal: personal_rx,
        pending: Vec::new(),
        max_pending: chat.max_pending,
    };
    let sides: [Pin<Box<dyn Future<Output = Left> + '_>>; 2] = [
        Box::pin(read_lines(&mut reader, &chat, &nick, &personal)),
        Box::pin(writing.run()),
    ];
    let left = uniloop::race(sides).await;
    let nick = nick.into_inner();
    chat.nicks.borrow_mut().remove(&nick);
    let why = match left {
        Left::Gone => "",
        Left::TooSlow => " (too slow)",
        Left::LineTooLong => " (line too long)",
    };
    chat.say(format!("* {nick} left{why}\n"));
}

/// Ask for a nickname until the client gives a free, valid one; `None`
/// if it leaves first.
async fn choose_nick(
    reader: &mut StreamReader,
    write: &mut OwnedWriteHalf,
    chat: &Chat,
) -> Option<String> {
    let mut prompt = "Welcome! Your nickname?\n".to_owned();
    loop {
        write.write_all(prompt.as_bytes()).await.ok()?;
        let line = reader.read_line().await.ok()?;
        if line.is_empty() {
            return None; // end of stream
        }
        let nick = text_of(&line);
        match check_nick(&nick, chat) {
            Ok(()) => {
                chat.nicks.borrow_mut().insert(nick.clone());
                return Some(nick);
            }
            Err(why) => prompt = format!("* {why}; your nickname?\n"),
        }
    }
}

/// Whether `nick` may be taken.
fn check_nick(nick: &str, chat: &Chat) -> Result<(), String> {
    if nick.is_empty()
        || nick.chars().count() > MAX_NICK
        || nick.starts_with(['/', '*'])
        || nick.contains(char::is_whitespace)
    {
        return Err(format!(
            "a nickname is 1 to {MAX_NICK} characters, no blanks, not starting with / or *"
        ));
    }
    if chat.nicks.borrow().contains(nick) {
        return Err(format!("nickname {nick} is taken"));
    }
    Ok(())
}

/// A line as text, without its line end.
fn text_of(line: &[u8]) -> String {
    String::from_utf8_lossy(line)
        .trim_end_matches(['\r', '\n'])
        .to_owned()
}

/// The reading side: each line the client sends, said or obeyed.
async fn read_lines(
    reader: &mut StreamReader,
    chat: &Chat,
    nick: &RefCell<String>,
    personal: &mpsc::Sender<Rc<str>>,
) -> Left {
    loop {
        let line = match reader.read_line().await {
            Ok(line) if line.is_empty() => return Left::Gone, // end of stream
            Ok(line) => line,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => return Left::LineTooLong,
            Err(_) => return Left::Gone,
        };
        let text = text_of(&line);
        if text == "/quit" {
            return Left::Gone;
        } else if let Some(new) = text.strip_prefix("/nick ") {
            let new = new.trim();
            match check_nick(new, chat) {
                Ok(()) => {
                    let old = nick.replace(new.to_owned());
                    let mut nicks = chat.nicks.borrow_mut();
                    nicks.remove(&old);
                    nicks.insert(new.to_owned());
                    drop(nicks);
                    chat.say(format!("* {old} is now {new}\n"));
                }
                Err(why) => drop(personal.try_send(format!("* {why}\n").into())),
            }
        } else if text.starts_with('/') {
            let help = "* commands: /nick NAME, /quit\n";
            let _ = personal.try_send(help.into());
        } else if !text.is_empty() {
            chat.say(format!("{}: {text}\n", nick.borrow()));
        }
        // Let the others' writing sides take it before the next line, so
        // a client pasting many lines at once does not outrun the
        // broadcast's buffer.
        uniloop::yield_now().await;
    }
}

/// The writing side: it takes every message as it comes (never leaving
/// the broadcast waiting) into `pending`, and sends `pending` as fast as
/// the client reads.
struct Writing {
    write: OwnedWriteHalf,
    messages: RecvStream<Rc<str>>,
    personal: mpsc::Receiver<Rc<str>>,
    /// Taken, not yet sent.
    pending: Vec<u8>,
    max_pending: usize,
}

impl Writing {
    async fn run(mut self) -> Left {
        poll_fn(|cx| self.poll(cx)).await
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Left> {
        loop {
            let mut progress = false;
            loop {
                match Pin::new(&mut self.messages).poll_next(cx) {
                    Poll::Ready(Some(Ok(message))) => {
                        self.pending.extend_from_slice(message.as_bytes())
                    }
                    Poll::Ready(Some(Err(RecvError::Lagged(missed)))) => {
                        let notice = format!("* you missed {missed} messages\n");
                        self.pending.extend_from_slice(notice.as_bytes());
                    }
                    // The server is shutting down.
                    Poll::Ready(Some(Err(RecvError::Closed)) | None) => {
                        return Poll::Ready(Left::Gone)
                    }
                    Poll::Pending => break,
                }
            }
            while let Poll::Ready(Some(line)) = self.personal.poll_recv(cx) {
                self.pending.extend_from_slice(line.as_bytes());
            }
            if self.pending.len() > self.max_pending {
                return Poll::Ready(Left::TooSlow);
            }
            while !self.pending.is_empty() {
                match Pin::new(&mut self.write).poll_write(cx, &self.pending) {
                    Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Poll::Ready(Left::Gone),
                    Poll::Ready(Ok(n)) => {
                        self.pending.drain(..n);
                        progress = true;
                    }
                    Poll::Pending => break,
                }
            }
            // Sending made room: take more before waiting.
            if !progress {
                return Poll::Pending;
            }
        }
    }
}

/// `--port N` (default 7879) and `--max-pending-kib N` (default 1024).
fn options() -> io::Result<(u16, usize)> {
    let usage = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "usage: chat_server [--port N] [--max-pending-kib N]",
        )
    };
    let mut args = std::env::args().skip(1);
    let (mut port, mut max_pending_kib) = (7879, 1024);
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
