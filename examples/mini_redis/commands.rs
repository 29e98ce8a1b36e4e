//! The commands: each appends its reply to the batch's output.

use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::time::Duration;

use super::conn::Shared;
use super::db::IncrError;
use super::pubsub::{Receivers, Subscriptions};
use super::resp;

/// A request's arguments: ranges of the connection's input buffer.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    buf: &'a [u8],
    spans: &'a [Range<usize>],
}

impl<'a> Args<'a> {
    pub fn new(buf: &'a [u8], spans: &'a [Range<usize>]) -> Args<'a> {
        Args { buf, spans }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get(&self, i: usize) -> &'a [u8] {
        &self.buf[self.spans[i].clone()]
    }

    fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let buf = self.buf;
        self.spans.iter().map(move |r| &buf[r.clone()])
    }
}

/// What the connection does after a command.
pub enum Outcome {
    Continue,
    /// `QUIT`: send the replies, then close.
    Close,
    /// The reply is this integer, once it is known (`PUBLISH` counting
    /// the subscribers of other loops).
    Count(Pin<Box<dyn Future<Output = usize>>>),
}

const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";

/// Run the request `args` (at least one: the command's name), its reply
/// appended to `out`.
pub fn run(
    args: Args<'_>,
    shared: &Shared,
    subs: &mut Subscriptions,
    out: &mut Vec<u8>,
) -> Outcome {
    let mut lower = [0u8; 16];
    let name = args.get(0);
    let cmd: &[u8] = if name.len() <= lower.len() {
        let lower = &mut lower[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        lower
    } else {
        b""
    };
    let n = args.len();
    if subs.count() > 0
        && !matches!(
            cmd,
            b"subscribe"
                | b"unsubscribe"
                | b"psubscribe"
                | b"punsubscribe"
                | b"ping"
                | b"quit"
                | b"reset"
        )
    {
        resp::error(
            out,
            format_args!(
                "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
                name.escape_ascii()
            ),
        );
        return Outcome::Continue;
    }
    let arity_ok = match cmd {
        b"ping" => n <= 2,
        b"echo" | b"get" | b"incr" | b"ttl" | b"pttl" => n == 2,
        b"set" => n >= 3,
        b"del" | b"exists" | b"subscribe" => n >= 2,
        b"expire" | b"publish" => n == 3,
        b"unsubscribe" | b"command" => true,
        b"config" => n >= 2,
        b"quit" | b"dbsize" | b"flushdb" | b"flushall" => n == 1,
        b"info" => n <= 2,
        _ => {
            let shown = &name[..name.len().min(128)];
            resp::error(
                out,
                format_args!("ERR unknown command '{}'", shown.escape_ascii()),
            );
            return Outcome::Continue;
        }
    };
    if !arity_ok {
        resp::error(
            out,
            format_args!(
                "ERR wrong number of arguments for '{}' command",
                String::from_utf8_lossy(cmd)
            ),
        );
        return Outcome::Continue;
    }
    let now = uniloop::time::now;
    match cmd {
        b"ping" if subs.count() > 0 => {
            resp::array(out, 2);
            resp::bulk(out, b"pong");
            resp::bulk(out, if n == 2 { args.get(1) } else { b"" });
        }
        b"ping" if n == 2 => resp::bulk(out, args.get(1)),
        b"ping" => resp::simple(out, "PONG"),
        b"echo" => resp::bulk(out, args.get(1)),
        b"get" => match shared.db.borrow_mut().get(args.get(1)) {
            Some(value) => resp::bulk(out, value),
            None => resp::nil(out),
        },
        b"set" => set(args, shared, out),
        b"del" => {
            let mut db = shared.db.borrow_mut();
            let removed = args.iter().skip(1).filter(|key| db.remove(key)).count();
            resp::int(out, removed as i64);
        }
        b"exists" => {
            let mut db = shared.db.borrow_mut();
            let found = args.iter().skip(1).filter(|key| db.contains(key)).count();
            resp::int(out, found as i64);
        }
        b"incr" => match shared.db.borrow_mut().incr(args.get(1)) {
            Ok(n) => resp::int(out, n),
            Err(IncrError::NotAnInteger) => resp::error(out, NOT_AN_INTEGER),
            Err(IncrError::Overflow) => {
                resp::error(out, "ERR increment or decrement would overflow")
            }
        },
        b"expire" => {
            let Some(seconds) = resp::parse_int(args.get(2)) else {
                resp::error(out, NOT_AN_INTEGER);
                return Outcome::Continue;
            };
            let now = now();
            let at = match u64::try_from(seconds) {
                // Zero or negative: the key goes at once.
                Err(_) | Ok(0) => Some(now),
                Ok(s) => s
                    .checked_mul(1000)
                    .and_then(|ms| now.checked_add(Duration::from_millis(ms))),
            };
            let Some(at) = at else {
                resp::error(out, "ERR invalid expire time in 'expire' command");
                return Outcome::Continue;
            };
            let set = shared.db.borrow_mut().expire(args.get(1), at, now);
            resp::int(out, i64::from(set));
        }
        b"ttl" | b"pttl" => match shared.db.borrow_mut().ttl(args.get(1), now()) {
            // Redis rounds TTL to the nearest second.
            Ok(left) if cmd == b"ttl" => resp::int(out, (left.as_millis() as i64 + 500) / 1000),
            Ok(left) => resp::int(out, left.as_millis() as i64),
            Err(code) => resp::int(out, code),
        },
        b"publish" => match shared.publish.publish(args.get(1), args.get(2)) {
            Receivers::Now(n) => resp::int(out, n as i64),
            Receivers::Later(count) => return Outcome::Count(count),
        },
        b"subscribe" => {
            for channel in args.iter().skip(1) {
                let count = subs.subscribe(channel);
                subscription_reply(out, b"subscribe", Some(channel), count);
            }
        }
        b"unsubscribe" => {
            let channels: Vec<Vec<u8>> = if n > 1 {
                args.iter().skip(1).map(<[u8]>::to_vec).collect()
            } else {
                subs.channels().iter().map(|c| c.to_vec()).collect()
            };
            if channels.is_empty() {
                subscription_reply(out, b"unsubscribe", None, 0);
            }
            for channel in channels {
                let count = subs.unsubscribe(&channel);
                subscription_reply(out, b"unsubscribe", Some(&channel), count);
            }
        }
        // `redis-cli` asks for the command table in interactive mode;
        // an empty one does.
        b"command" => resp::array(out, 0),
        // `redis-benchmark` reads `save` and `appendonly` at start.
        b"config" if args.get(1).eq_ignore_ascii_case(b"get") && n == 3 => {
            let param = args.get(2);
            let value: Option<&[u8]> = if param.eq_ignore_ascii_case(b"save") {
                Some(b"")
            } else if param.eq_ignore_ascii_case(b"appendonly") {
                Some(b"no")
            } else {
                None
            };
            match value {
                Some(value) => {
                    resp::array(out, 2);
                    resp::bulk(out, param);
                    resp::bulk(out, value);
                }
                None => resp::array(out, 0),
            }
        }
        b"config" => resp::error(out, "ERR only CONFIG GET <parameter> is supported"),
        b"dbsize" => resp::int(out, shared.db.borrow().len() as i64),
        b"flushdb" | b"flushall" => {
            shared.db.borrow_mut().clear();
            resp::simple(out, "OK");
        }
        b"quit" => {
            resp::simple(out, "OK");
            return Outcome::Close;
        }
        b"info" => info(args, shared, out),
        _ => unreachable!("every command passed the arity check"),
    }
    Outcome::Continue
}

/// `SET key value [NX | XX] [EX seconds | PX milliseconds | KEEPTTL]`.
fn set(args: Args<'_>, shared: &Shared, out: &mut Vec<u8>) {
    let mut only_if_missing = None;
    let mut expires = None;
    let mut keep_ttl = false;
    let mut i = 3;
    while i < args.len() {
        let option = args.get(i);
        if option.eq_ignore_ascii_case(b"nx") && only_if_missing.is_none() {
            only_if_missing = Some(true);
        } else if option.eq_ignore_ascii_case(b"xx") && only_if_missing.is_none() {
            only_if_missing = Some(false);
        } else if option.eq_ignore_ascii_case(b"keepttl") && expires.is_none() {
            keep_ttl = true;
        } else if (option.eq_ignore_ascii_case(b"ex") || option.eq_ignore_ascii_case(b"px"))
            && expires.is_none()
            && !keep_ttl
            && i + 1 < args.len()
        {
            i += 1;
            let Some(amount) = resp::parse_int(args.get(i)) else {
                resp::error(out, NOT_AN_INTEGER);
                return;
            };
            let per_unit = if option.eq_ignore_ascii_case(b"ex") {
                1000
            } else {
                1
            };
            let at = u64::try_from(amount)
                .ok()
                .filter(|&a| a > 0)
                .and_then(|a| a.checked_mul(per_unit))
                .and_then(|ms| uniloop::time::now().checked_add(Duration::from_millis(ms)));
            let Some(at) = at else {
                resp::error(out, "ERR invalid expire time in 'set' command");
                return;
            };
            expires = Some(at);
        } else {
            resp::error(out, "ERR syntax error");
            return;
        }
        i += 1;
    }
    let set =
        shared
            .db
            .borrow_mut()
            .set(args.get(1), args.get(2), expires, keep_ttl, only_if_missing);
    if set {
        resp::simple(out, "OK");
    } else {
        resp::nil(out);
    }
}

/// `INFO [section]`: only the `server` section, with which loop served
/// the connection (`loop_id`, from 0, of `loops`); other sections are
/// empty, as Redis answers a section it does not know.
fn info(args: Args<'_>, shared: &Shared, out: &mut Vec<u8>) {
    let section = if args.len() == 2 {
        args.get(1)
    } else {
        b"default"
    };
    let server = [&b"server"[..], b"default", b"all", b"everything"]
        .iter()
        .any(|s| section.eq_ignore_ascii_case(s));
    let text = if server {
        format!(
            "# Server\r\nprocess_id:{}\r\nloop_id:{}\r\nloops:{}\r\n",
            std::process::id(),
            shared.loop_id,
            shared.loops
        )
    } else {
        String::new()
    };
    resp::bulk(out, text.as_bytes());
}

/// `*3 subscribe <channel> <count>` and its `unsubscribe` twin.
fn subscription_reply(out: &mut Vec<u8>, kind: &[u8], channel: Option<&[u8]>, count: usize) {
    resp::array(out, 3);
    resp::bulk(out, kind);
    match channel {
        Some(channel) => resp::bulk(out, channel),
        None => resp::nil(out),
    }
    resp::int(out, count as i64);
}
