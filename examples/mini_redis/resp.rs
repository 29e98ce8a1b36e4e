//! RESP2, the Redis protocol: parsing requests out of a buffer, and
//! writing replies into one.
//!
//! A request is an array of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
//! or, as Redis also accepts, an inline command: one line of words
//! (`PING\r\n`, what `telnet` and some `redis-benchmark` modes send).
//!
//! [`Parser::parse`] looks at the bytes buffered so far and says how many
//! the next request takes, or how many it needs at least before it can
//! tell ([`Frame::Incomplete`]): the caller reads until that many are
//! buffered, and the parser resumes where it stopped, so a large request
//! (a value of many megabytes, or a million arguments) is parsed once,
//! not again at every read. A
//! claimed length is only compared with what is buffered, never used to
//! allocate: a client announcing a 500 MiB value costs the server what it
//! actually sends. Arguments are ranges into the buffer, not copies.

use std::fmt;
use std::io::Write;
use std::ops::Range;

/// The longest bulk string, as Redis's `proto-max-bulk-len`.
pub const MAX_BULK: i64 = 512 * 1024 * 1024;
/// The most arguments in one request (Redis's limit).
pub const MAX_ARGS: i64 = 1024 * 1024;
/// The longest inline command, or array/bulk header line searched for its
/// end (Redis's `PROTO_INLINE_MAX_SIZE`).
pub const MAX_INLINE: usize = 64 * 1024;
/// A header line (`*3`, `$11`) is a sign and 20 digits at most.
const MAX_HEADER: usize = 32;

/// What the start of the buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A request of `len` bytes, its arguments in the `args` given to
    /// [`parse`] (at least one).
    Command { len: usize },
    /// `len` bytes that ask for nothing (`*0\r\n`, an empty line): no
    /// reply, as in Redis.
    Nothing { len: usize },
    /// Not a whole request yet: at least `need` bytes must be buffered
    /// before parsing again can tell more.
    Incomplete { need: usize },
}

/// A request that cannot be parsed: the connection cannot find the start
/// of the next one, so it replies `-ERR Protocol error: ...` and closes
/// (as Redis does).
#[derive(Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// `*` followed by something else than a count in `0..=MAX_ARGS`.
    InvalidMultibulkLength,
    /// `$` followed by something else than a length in `0..=MAX_BULK`.
    InvalidBulkLength,
    /// An array element that is not a bulk string.
    ExpectedBulk(u8),
    /// A bulk string not followed by `\r\n` where its length says.
    BadBulkTerminator,
    /// A header line ending in `\r` without `\n`.
    BadLineEnding,
    /// An inline command longer than `MAX_INLINE`.
    TooBigInline,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::InvalidMultibulkLength => f.write_str("invalid multibulk length"),
            ProtocolError::InvalidBulkLength => f.write_str("invalid bulk length"),
            ProtocolError::ExpectedBulk(got) => {
                write!(f, "expected '$', got '{}'", got.escape_ascii())
            }
            ProtocolError::BadBulkTerminator => f.write_str("bulk string not ended by CRLF"),
            ProtocolError::BadLineEnding => f.write_str("line not ended by CRLF"),
            ProtocolError::TooBigInline => f.write_str("too big inline request"),
        }
    }
}

/// A request parser over a connection's input buffer. Between calls
/// that say [`Frame::Incomplete`], the buffer must keep its bytes (it may
/// grow, or move as a whole): the arguments found so far stay, and
/// parsing resumes after them.
#[derive(Debug, Default)]
pub struct Parser {
    /// The arguments of the request being parsed, as ranges of the
    /// buffer.
    pub args: Vec<Range<usize>>,
    /// Inside a multibulk request: where its next argument starts, and
    /// how many are left.
    resume: Option<(usize, i64)>,
}

impl Parser {
    /// Parse the request at the start of `buf`; its arguments are then in
    /// [`args`](Self::args).
    pub fn parse(&mut self, buf: &[u8]) -> Result<Frame, ProtocolError> {
        let parsed = match (self.resume.take(), buf.first()) {
            (Some((pos, left)), _) => self.resume_multibulk(buf, pos, left),
            (None, None) => Ok(Frame::Incomplete { need: 1 }),
            (None, Some(b'*')) => {
                self.args.clear();
                parse_multibulk_header(buf).and_then(|header| match header {
                    Header::Incomplete(need) => Ok(Frame::Incomplete { need }),
                    Header::Nothing(len) => Ok(Frame::Nothing { len }),
                    Header::Count(pos, count) => self.resume_multibulk(buf, pos, count),
                })
            }
            (None, Some(_)) => {
                self.args.clear();
                parse_inline(buf, &mut self.args)
            }
        };
        if parsed.is_err() {
            self.resume = None;
        }
        parsed
    }

    /// Parse the `left` arguments of a multibulk request from `pos` on.
    fn resume_multibulk(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        mut left: i64,
    ) -> Result<Frame, ProtocolError> {
        while left > 0 {
            match parse_bulk(buf, pos)? {
                Some(range) => {
                    pos = range.end + 2;
                    self.args.push(range);
                    left -= 1;
                }
                None => {
                    self.resume = Some((pos, left));
                    let need = if buf.len() <= pos {
                        pos + 1
                    } else {
                        // A whole header (checked by `parse_bulk`) asks
                        // for its bytes; a partial one for one more byte.
                        match header(buf, pos, ProtocolError::InvalidBulkLength)? {
                            Some((len, start)) => start + len as usize + 2,
                            None => buf.len() + 1,
                        }
                    };
                    return Ok(Frame::Incomplete { need });
                }
            }
        }
        Ok(Frame::Command { len: pos })
    }
}

/// A multibulk request's first line.
enum Header {
    /// The line is not all buffered: at least this many bytes are needed.
    Incomplete(usize),
    /// `*0` or `*-1`, this many bytes: no request.
    Nothing(usize),
    /// The arguments start at this position; there are this many.
    Count(usize, i64),
}

fn parse_multibulk_header(buf: &[u8]) -> Result<Header, ProtocolError> {
    let Some((count, pos)) = header(buf, 0, ProtocolError::InvalidMultibulkLength)? else {
        return Ok(Header::Incomplete(buf.len() + 1));
    };
    if count > MAX_ARGS {
        return Err(ProtocolError::InvalidMultibulkLength);
    }
    if count <= 0 {
        return Ok(Header::Nothing(pos));
    }
    Ok(Header::Count(pos, count))
}

/// The bulk string at `buf[pos..]` (its bytes' range), or `None` if it is
/// not all buffered.
fn parse_bulk(buf: &[u8], pos: usize) -> Result<Option<Range<usize>>, ProtocolError> {
    match buf.get(pos) {
        None => return Ok(None),
        Some(b'$') => {}
        Some(&other) => return Err(ProtocolError::ExpectedBulk(other)),
    }
    let Some((len, start)) = header(buf, pos, ProtocolError::InvalidBulkLength)? else {
        return Ok(None);
    };
    if !(0..=MAX_BULK).contains(&len) {
        return Err(ProtocolError::InvalidBulkLength);
    }
    let end = start + len as usize;
    if buf.len() < end + 2 {
        return Ok(None);
    }
    if &buf[end..end + 2] != b"\r\n" {
        return Err(ProtocolError::BadBulkTerminator);
    }
    Ok(Some(start..end))
}

/// The number on the header line at `buf[at..]` (after its type byte),
/// and where the line after it starts; `None` if the line is not all
/// buffered yet. `invalid` is the error for anything but a number.
fn header(
    buf: &[u8],
    at: usize,
    invalid: ProtocolError,
) -> Result<Option<(i64, usize)>, ProtocolError> {
    let line = &buf[at + 1..];
    let Some(cr) = line.iter().take(MAX_HEADER).position(|&b| b == b'\r') else {
        return if line.len() >= MAX_HEADER {
            Err(invalid)
        } else {
            Ok(None)
        };
    };
    match line.get(cr + 1) {
        None => return Ok(None),
        Some(b'\n') => {}
        Some(_) => return Err(ProtocolError::BadLineEnding),
    }
    let number = parse_int(&line[..cr]).ok_or(invalid)?;
    Ok(Some((number, at + 1 + cr + 2)))
}

fn parse_inline(buf: &[u8], args: &mut Vec<Range<usize>>) -> Result<Frame, ProtocolError> {
    let Some(newline) = buf.iter().take(MAX_INLINE).position(|&b| b == b'\n') else {
        return if buf.len() >= MAX_INLINE {
            Err(ProtocolError::TooBigInline)
        } else {
            Ok(Frame::Incomplete {
                need: buf.len() + 1,
            })
        };
    };
    let line_end = if newline > 0 && buf[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    };
    let mut word_start = None;
    for (i, &b) in buf[..line_end].iter().enumerate() {
        let blank = b == b' ' || b == b'\t';
        match (word_start, blank) {
            (None, false) => word_start = Some(i),
            (Some(start), true) => {
                args.push(start..i);
                word_start = None;
            }
            _ => {}
        }
    }
    if let Some(start) = word_start {
        args.push(start..line_end);
    }
    let len = newline + 1;
    Ok(if args.is_empty() {
        Frame::Nothing { len }
    } else {
        Frame::Command { len }
    })
}

/// A decimal `i64` as Redis reads one (`string2ll`): an optional `-`, then
/// digits, no `+`, no blanks, no leading zeros.
pub fn parse_int(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 19 || (digits[0] == b'0' && s.len() > 1) {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let d = i64::from(d - b'0');
        value = value.checked_mul(10)?;
        value = if negative {
            value.checked_sub(d)?
        } else {
            value.checked_add(d)?
        };
    }
    Some(value)
}

/// `+OK\r\n`: a simple string.
pub fn simple(out: &mut Vec<u8>, s: &str) {
    out.push(b'+');
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// `-ERR ...\r\n`: an error (`msg` starts with its code, `ERR`, `WRONGTYPE`).
pub fn error(out: &mut Vec<u8>, msg: impl fmt::Display) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "-{msg}\r\n");
}

/// `:42\r\n`: an integer.
pub fn int(out: &mut Vec<u8>, n: i64) {
    let _ = write!(out, ":{n}\r\n");
}

/// `$3\r\nfoo\r\n`: a bulk string.
pub fn bulk(out: &mut Vec<u8>, data: &[u8]) {
    let _ = write!(out, "${}\r\n", data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// `$-1\r\n`: the null bulk string (a missing key).
pub fn nil(out: &mut Vec<u8>) {
    out.extend_from_slice(b"$-1\r\n");
}

/// `*2\r\n`: the header of an array of `n` replies.
pub fn array(out: &mut Vec<u8>, n: usize) {
    let _ = write!(out, "*{n}\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(buf: &[u8]) -> Result<(Frame, Vec<&[u8]>), ProtocolError> {
        let mut parser = Parser::default();
        let frame = parser.parse(buf)?;
        Ok((frame, parser.args.into_iter().map(|r| &buf[r]).collect()))
    }

    #[test]
    fn a_multibulk_request_gives_its_arguments_and_length() {
        let req = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n";
        let (frame, args) = parse_all(req).unwrap();
        assert_eq!(frame, Frame::Command { len: 20 });
        assert_eq!(args, [&b"GET"[..], b"k"]);
    }

    #[test]
    fn binary_values_pass_through_a_bulk_string() {
        let req = b"*2\r\n$4\r\nECHO\r\n$4\r\n\r\n\0\xff\r\n";
        let (frame, args) = parse_all(req).unwrap();
        assert_eq!(frame, Frame::Command { len: req.len() });
        assert_eq!(args[1], b"\r\n\0\xff");
    }

    #[test]
    fn every_prefix_of_a_request_is_incomplete_and_asks_for_more() {
        let req = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
        for cut in 0..req.len() {
            match parse_all(&req[..cut]).unwrap().0 {
                Frame::Incomplete { need } => assert!(need > cut && need <= req.len(), "{cut}"),
                other => panic!("{cut}: {other:?}"),
            }
        }
        assert!(matches!(parse_all(req).unwrap().0, Frame::Command { .. }));
    }

    #[test]
    fn a_claimed_length_asks_for_the_bytes_without_needing_them_first() {
        let req = b"*2\r\n$3\r\nGET\r\n$500000000\r\nab";
        assert_eq!(
            parse_all(req).unwrap().0,
            Frame::Incomplete {
                need: 4 + 9 + 12 + 500_000_000 + 2
            }
        );
    }

    #[test]
    fn parsing_resumes_where_it_stopped_as_bytes_arrive() {
        let mut request = b"*1000\r\n".to_vec();
        for i in 0..1000 {
            let arg = format!("arg{i}");
            request.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
        }
        request.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        for chunk in [1, 7, 100, 4096] {
            let mut parser = Parser::default();
            let mut have = 0;
            let len = loop {
                match parser.parse(&request[..have]).unwrap() {
                    Frame::Incomplete { need } => {
                        assert!(need > have, "{chunk}: {need} at {have}");
                        have = (have + chunk).min(request.len());
                    }
                    Frame::Command { len } => break len,
                    other => panic!("{other:?}"),
                }
            };
            let args: Vec<&[u8]> = parser.args.iter().map(|r| &request[r.clone()]).collect();
            assert_eq!(args.len(), 1000);
            assert!(args
                .iter()
                .enumerate()
                .all(|(i, a)| *a == format!("arg{i}").as_bytes()));
            // The next request starts fresh.
            assert_eq!(
                parser.parse(&request[len..]).unwrap(),
                Frame::Command { len: 14 }
            );
            assert_eq!(&request[len..][parser.args[0].clone()], b"PING");
        }
    }

    #[test]
    fn inline_commands_split_on_blanks() {
        let (frame, args) = parse_all(b"SET  k\tv\r\nPING\n").unwrap();
        assert_eq!(frame, Frame::Command { len: 10 });
        assert_eq!(args, [&b"SET"[..], b"k", b"v"]);
        let (frame, args) = parse_all(b"PING\n").unwrap();
        assert_eq!(frame, Frame::Command { len: 5 });
        assert_eq!(args, [b"PING"]);
        assert_eq!(parse_all(b"\r\n").unwrap().0, Frame::Nothing { len: 2 });
        assert_eq!(parse_all(b"PIN").unwrap().0, Frame::Incomplete { need: 4 });
    }

    #[test]
    fn empty_and_null_arrays_ask_for_nothing() {
        assert_eq!(parse_all(b"*0\r\n").unwrap().0, Frame::Nothing { len: 4 });
        assert_eq!(parse_all(b"*-1\r\n").unwrap().0, Frame::Nothing { len: 5 });
    }

    #[test]
    fn malformed_requests_are_protocol_errors() {
        use ProtocolError::*;
        let cases: &[(&[u8], ProtocolError)] = &[
            (b"*x\r\n", InvalidMultibulkLength),
            (b"*1x\r\n", InvalidMultibulkLength),
            (b"*+1\r\n", InvalidMultibulkLength),
            (b"*01\r\n", InvalidMultibulkLength),
            (b"*99999999999999999999999\r\n", InvalidMultibulkLength),
            (b"*2000000\r\n", InvalidMultibulkLength),
            (
                b"*1111111111111111111111111111111111111111",
                InvalidMultibulkLength,
            ),
            (b"*1\r\n+PING\r\n", ExpectedBulk(b'+')),
            (b"*1\r\n:1\r\n", ExpectedBulk(b':')),
            (b"*1\r\n$x\r\n", InvalidBulkLength),
            (b"*1\r\n$-5\r\n", InvalidBulkLength),
            (b"*1\r\n$-1\r\n", InvalidBulkLength),
            (b"*1\r\n$536870913\r\n", InvalidBulkLength),
            (b"*1\r\n$99999999999\r\n", InvalidBulkLength),
            (b"*2\r\n$3\r\nGET\r\n$1\r\nkey\r\n", BadBulkTerminator),
            (b"*1\r\n$4\r\nPING\n\n", BadBulkTerminator),
            (b"*1\rX", BadLineEnding),
        ];
        for (req, want) in cases {
            assert_eq!(
                parse_all(req).map(|(f, _)| f).as_ref(),
                Err(want),
                "{}",
                req.escape_ascii()
            );
        }
        let long = vec![b'x'; MAX_INLINE + 1];
        assert_eq!(parse_all(&long).map(|(f, _)| f), Err(TooBigInline));
    }

    #[test]
    fn the_largest_bulk_length_is_accepted() {
        let req = format!("*1\r\n${MAX_BULK}\r\n");
        assert_eq!(
            parse_all(req.as_bytes()).unwrap().0,
            Frame::Incomplete {
                need: req.len() + MAX_BULK as usize + 2
            }
        );
    }

    #[test]
    fn binary_garbage_never_panics() {
        // A small deterministic generator: every prefix and every byte.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            let len = (state % 64) as usize;
            let garbage: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Mostly the protocol's own bytes, to get deep.
                    b"*$\r\n0123-:+x\xff"[(state % 13) as usize]
                })
                .collect();
            let mut parser = Parser::default();
            if let Ok(Frame::Command { len }) | Ok(Frame::Nothing { len }) = parser.parse(&garbage)
            {
                assert!(len <= garbage.len());
                assert!(parser.args.iter().all(|r| r.end <= len));
            }
        }
    }

    #[test]
    fn integers_are_read_as_redis_reads_them() {
        assert_eq!(parse_int(b"0"), Some(0));
        assert_eq!(parse_int(b"-12"), Some(-12));
        assert_eq!(parse_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"9223372036854775808",
        ] {
            assert_eq!(parse_int(bad), None, "{}", bad.escape_ascii());
        }
    }
}
