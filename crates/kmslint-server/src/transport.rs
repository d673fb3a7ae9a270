//! The transport over stdin and stdout: LSP's base protocol, headers (`Content-Length: N`,
//! `Content-Type`) then a JSON-RPC body of N bytes
//! (<https://microsoft.github.io/language-server-protocol/specifications/lsp/3.17/specification/#baseProtocol>),
//! read with bounds. lsp-server's own reader allocates whatever `Content-Length` says before
//! any of the body arrives, and ends on the first bad byte with a message that does not say
//! where; this one holds at most [`MAX_HEADER_BYTES`] of headers and a body only as it
//! arrives and up to [`MAX_BODY`], answers a message it cannot use with a JSON-RPC error
//! (<https://www.jsonrpc.org/specification#error_object>) and reads on, and ends only when
//! the stream cannot be followed any more, saying what was wrong and at which byte.

use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};

use crossbeam_channel::bounded;
use lsp_server::{Connection, ErrorCode, Message, RequestId};
use serde::Deserialize;

use kmslint_core::source::read::DEFAULT_MAX_FILE_SIZE;

use crate::ServerError;

/// The most a message's headers may take, blank line included. A client sends one or two
/// short headers.
pub const MAX_HEADER_BYTES: usize = 8 << 10;

/// The longest body read: twice the command line's default `--max-file-size`, room for a
/// `didOpen` of a file at that limit whose every character JSON escapes in two bytes
/// (`\n`, `\"`, `\\`).
pub(crate) const MAX_BODY: u64 = 2 * DEFAULT_MAX_FILE_SIZE;

/// How many messages the reader reads ahead of the server: more than a burst of edits that
/// arrives while one lint runs (an editor sends one `didChange` per keystroke or so). The
/// price: a client that sends messages faster than the server handles them has up to
/// READ_AHEAD + 2 of them held at once (the queue, the one being read, the one served), each
/// at most [`MAX_BODY`], where the rendezvous channel held two.
pub(crate) const READ_AHEAD: usize = 64;

/// What the reader makes of one framed message.
#[derive(Debug)]
pub enum Frame {
    Message(Message),
    /// A message that cannot be served, and the error to answer it with. The stream goes on
    /// at the next message.
    Rejected(Rejection),
}

/// A JSON-RPC error response for a message the reader could not use: with the message's id
/// when it had a readable one, else with `"id": null`, as JSON-RPC says for a request whose
/// id cannot be known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub id: Option<RequestId>,
    pub code: i32,
    pub message: String,
}

impl Rejection {
    fn new(code: ErrorCode, message: String) -> Rejection {
        Rejection {
            id: None,
            code: code as i32,
            message,
        }
    }

    /// The response as a framed message, ready to write.
    pub fn frame(&self) -> Vec<u8> {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": {"code": self.code, "message": self.message},
        })
        .to_string();
        let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        out.extend_from_slice(body.as_bytes());
        out
    }
}

/// Why the stream cannot be followed any more: the message says what was wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramingError(pub String);

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FramingError {}

/// Reads framed messages from `input`, counting bytes so that errors can say where.
pub struct FrameReader<R> {
    input: R,
    /// Bytes read so far.
    offset: u64,
    max_body: u64,
    /// Body bytes of a rejected message still to be skipped.
    skip: u64,
    /// Where the message being skipped started, for the error if the input ends inside it.
    skip_start: u64,
}

/// Only the `id` of a message, to answer a message that is valid JSON but no JSON-RPC message.
#[derive(Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<RequestId>,
}

impl<R: BufRead> FrameReader<R> {
    pub(crate) fn new(input: R) -> FrameReader<R> {
        FrameReader::with_max_body(input, MAX_BODY)
    }

    /// A reader whose bodies may be at most `max_body` bytes (tests and fuzzing use a small
    /// one).
    pub fn with_max_body(input: R, max_body: u64) -> FrameReader<R> {
        FrameReader {
            input,
            offset: 0,
            max_body,
            skip: 0,
            skip_start: 0,
        }
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next message; `None` at the end of the input between messages.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FramingError> {
        self.finish_skip()?;
        let start = self.offset;
        let Some(length) = self.headers(start)? else {
            return Ok(None);
        };
        if length > self.max_body {
            // The body is skipped at the next call, after the answer is sent.
            self.skip = length;
            self.skip_start = start;
            return Ok(Some(Frame::Rejected(Rejection::new(
                ErrorCode::InvalidRequest,
                format!(
                    "the message at byte {start} has a Content-Length of {length} bytes, more \
                     than kmslint's limit of {}: it is skipped",
                    self.max_body
                ),
            ))));
        }
        let body_at = self.offset;
        // Grown as bytes arrive, so a length the input does not hold costs nothing.
        let mut body = Vec::with_capacity(length.min(64 << 10) as usize);
        let got = (&mut self.input)
            .take(length)
            .read_to_end(&mut body)
            .map_err(|e| read_error(&e, self.offset))?;
        self.offset += got as u64;
        if (got as u64) < length {
            return Err(FramingError(format!(
                "the input ended inside the body of the message at byte {start}: its \
                 Content-Length is {length} bytes, only {got} came"
            )));
        }
        Ok(Some(parse(&body, start, body_at)))
    }

    /// Skips what is left of a rejected body, without holding it.
    fn finish_skip(&mut self) -> Result<(), FramingError> {
        if self.skip == 0 {
            return Ok(());
        }
        let length = self.skip;
        let skipped = io::copy(&mut (&mut self.input).take(length), &mut io::sink())
            .map_err(|e| read_error(&e, self.offset))?;
        self.offset += skipped;
        self.skip = 0;
        if skipped < length {
            return Err(FramingError(format!(
                "the input ended inside the body of the message at byte {}: its \
                 Content-Length is {length} bytes, only {skipped} came",
                self.skip_start
            )));
        }
        Ok(())
    }

    /// Reads a message's headers up to the blank line: its `Content-Length`, or `None` at
    /// the end of the input before any header.
    fn headers(&mut self, start: u64) -> Result<Option<u64>, FramingError> {
        let mut length: Option<u64> = None;
        let mut line = Vec::new();
        loop {
            line.clear();
            let used = (self.offset - start) as usize;
            let room = MAX_HEADER_BYTES.saturating_sub(used) as u64;
            let line_at = self.offset;
            // One byte over the room tells a line too long from one that fits exactly.
            let n = (&mut self.input)
                .take(room + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| read_error(&e, self.offset))?;
            self.offset += n as u64;
            if n == 0 && line_at == start {
                return Ok(None);
            }
            if !line.ends_with(b"\n") {
                if n as u64 > room {
                    return Err(FramingError(format!(
                        "the headers of the message at byte {start} are longer than \
                         {MAX_HEADER_BYTES} bytes (a header line ends in CRLF, and a blank \
                         line ends the headers)"
                    )));
                }
                return Err(FramingError(format!(
                    "the input ended inside the headers of the message at byte {start}"
                )));
            }
            // Headers end in CRLF; a bare LF is taken too.
            let text = line
                .strip_suffix(b"\r\n")
                .or_else(|| line.strip_suffix(b"\n"))
                .unwrap_or(&line);
            if text.is_empty() {
                break;
            }
            let header = String::from_utf8_lossy(text);
            let Some((name, value)) = header.split_once(':') else {
                return Err(FramingError(format!(
                    "bad header at byte {line_at}: `{}` is not `Name: value` (a message \
                     starts with `Content-Length: N`, then a blank line, then N bytes of JSON)",
                    shown(&header)
                )));
            };
            if !name.trim().eq_ignore_ascii_case("Content-Length") {
                // `Content-Type`, or a header of a later protocol version: not needed.
                continue;
            }
            let value = value.trim();
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FramingError(format!(
                    "bad Content-Length at byte {line_at}: `{}` is not a number of bytes",
                    shown(value)
                )));
            }
            // Only digits: too many of them is a length past any limit.
            let n = value.parse::<u64>().unwrap_or(u64::MAX);
            if length.is_some_and(|l| l != n) {
                return Err(FramingError(format!(
                    "the message at byte {start} has two different Content-Length headers"
                )));
            }
            length = Some(n);
        }
        match length {
            Some(length) => Ok(Some(length)),
            None => Err(FramingError(format!(
                "the message at byte {start} has no Content-Length header"
            ))),
        }
    }
}

/// A body as a message, or the error that answers it: invalid JSON is a ParseError, JSON
/// that is no request, response or notification an InvalidRequest (JSON-RPC 2.0, §5.1).
fn parse(body: &[u8], start: u64, body_at: u64) -> Frame {
    let error = match serde_json::from_slice::<Message>(body) {
        Ok(message) => return Frame::Message(message),
        Err(error) => error,
    };
    if error.is_syntax() || error.is_eof() {
        let at = json_offset(body, error.line(), error.column());
        let mut what = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        if let Some(bare) = what.strip_suffix(&suffix) {
            what = bare.to_owned();
        }
        return Frame::Rejected(Rejection::new(
            ErrorCode::ParseError,
            format!(
                "invalid JSON at byte {} of the input (byte {at} of the body of the message \
                 at byte {start}): {what}",
                body_at + at as u64
            ),
        ));
    }
    let id = serde_json::from_slice::<IdOnly>(body)
        .ok()
        .and_then(|m| m.id);
    Frame::Rejected(Rejection {
        id,
        ..Rejection::new(
            ErrorCode::InvalidRequest,
            format!(
                "the message at byte {start} is not a JSON-RPC request, response or \
                 notification (a request has an `id` and a string `method`, a notification \
                 a `method`, a response an `id` and a `result` or an `error`)"
            ),
        )
    })
}

/// The byte offset of serde_json's one-based line and column (a column counts bytes).
fn json_offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut at = 0;
    for _ in 1..line {
        match body[at..].iter().position(|&b| b == b'\n') {
            Some(i) => at += i + 1,
            None => return body.len(),
        }
    }
    (at + column.saturating_sub(1)).min(body.len())
}

fn read_error(error: &io::Error, offset: u64) -> FramingError {
    FramingError(format!("cannot read the input at byte {offset}: {error}"))
}

/// A header as quoted in an error: control characters escaped, at most 80 characters.
fn shown(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    let mut out = kmslint_core::render::visible(&short).into_owned();
    if short.len() < text.len() {
        out.push('…');
    }
    out
}

/// The threads of a transport, and the reason the reader stopped when it could not follow
/// the stream.
pub struct IoThreads {
    writer: JoinHandle<io::Result<()>>,
    failure: Arc<Mutex<Option<FramingError>>>,
}

impl IoThreads {
    /// Waits for every message sent to be written (the writer ends once the connection's
    /// senders are gone), then says why the transport failed: the reader's framing error
    /// first (it is why the server stopped), else the writer's. The reader is not waited
    /// for: it may be blocked on an input the client never closes.
    pub fn join(self) -> Result<(), ServerError> {
        let written = match self.writer.join() {
            Ok(result) => result.map_err(ServerError::Write),
            Err(_) => Err(ServerError::WriterPanicked),
        };
        let failure = self
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match failure {
            Some(failure) => Err(ServerError::Framing(failure)),
            None => written,
        }
    }
}

/// A connection over stdin and stdout. Rejected messages are answered and also noted on
/// stderr.
pub fn stdio() -> (Connection, IoThreads) {
    spawn(io::BufReader::new(io::stdin()), io::stdout(), |note| {
        let note = kmslint_core::render::visible(note).into_owned();
        let _ = writeln!(io::stderr(), "kmslint: warning: language server: {note}");
    })
}

/// A connection that reads messages from `input` and writes them to `output`, on two
/// threads, as lsp-server's `Connection::stdio` does; `note` hears of each rejected message.
pub(crate) fn spawn<R, W>(input: R, output: W, note: fn(&str)) -> (Connection, IoThreads)
where
    R: BufRead + Send + 'static,
    W: Write + Send + 'static,
{
    let output = Arc::new(Mutex::new(output));
    let failure = Arc::new(Mutex::new(None));
    let (writer_sender, writer_receiver) = bounded::<Message>(0);
    let out = Arc::clone(&output);
    let writer = thread::spawn(move || {
        let mut result = Ok(());
        // After a failed write the messages are still taken, and dropped: lsp-server's
        // `initialize_start` and `initialize_finish` panic when a send fails.
        for message in writer_receiver {
            if result.is_ok() {
                // Held for one whole message, so the reader's answers do not cut into it.
                let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
                result = message.write(&mut *out);
            }
        }
        result
    });
    // Room for a burst: while the server lints, the reader goes on reading, so that the
    // server's next batch holds every message the client sent meanwhile and a burst of
    // `didChange`s is linted once, at its last version (lib.rs's `run`). A rendezvous
    // channel handed over one message per lint: 20 quick edits of a 1 MB template were 20
    // lints, the last diagnostics 775 ms after the last keystroke. Each message is bounded
    // by MAX_BODY; the queue by READ_AHEAD messages.
    let (reader_sender, reader_receiver) = bounded::<Message>(READ_AHEAD);
    let failed = Arc::clone(&failure);
    thread::spawn(move || {
        let mut frames = FrameReader::new(input);
        let answer = |rejection: &Rejection| {
            let mut out = output.lock().unwrap_or_else(PoisonError::into_inner);
            // A client that stopped reading will see the server end at its next message.
            let _ = out.write_all(&rejection.frame()).and_then(|()| out.flush());
        };
        loop {
            match frames.next_frame() {
                Ok(None) => break,
                Ok(Some(Frame::Message(message))) => {
                    let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                    if reader_sender.send(message).is_err() || exit {
                        break;
                    }
                }
                Ok(Some(Frame::Rejected(rejection))) => {
                    note(&rejection.message);
                    answer(&rejection);
                }
                Err(error) => {
                    answer(&Rejection::new(ErrorCode::ParseError, error.0.clone()));
                    // Recorded before `reader_sender` is dropped, so that the server, which
                    // stops when it is, finds the reason here.
                    *failed.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
                    break;
                }
            }
        }
    });
    let connection = Connection {
        sender: writer_sender,
        receiver: reader_receiver,
    };
    (connection, IoThreads { writer, failure })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8], max_body: u64) -> (Vec<Frame>, Option<FramingError>) {
        let mut reader = FrameReader::with_max_body(input, max_body);
        let mut out = Vec::new();
        loop {
            match reader.next_frame() {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

    #[test]
    fn messages_are_read_with_or_without_content_type() {
        let input = format!(
            "{}Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: {}\n\n{EXIT}",
            framed(EXIT),
            EXIT.len()
        );
        let (found, error) = frames(input.as_bytes(), 1000);
        assert_eq!(error, None);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|f| matches!(f, Frame::Message(_))));
    }

    #[test]
    fn a_body_over_the_limit_is_answered_and_skipped() {
        let big = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{}\"}}",
            "x".repeat(200)
        );
        let input = format!("{}{}", framed(&big), framed(EXIT));
        let (found, error) = frames(input.as_bytes(), 100);
        assert_eq!(error, None);
        let Frame::Rejected(rejection) = &found[0] else {
            panic!("{found:?}")
        };
        assert_eq!(rejection.code, ErrorCode::InvalidRequest as i32);
        assert_eq!(rejection.id, None);
        let said = format!("Content-Length of {} bytes", big.len());
        assert!(rejection.message.contains(&said), "{}", rejection.message);
        assert!(matches!(found[1], Frame::Message(_)), "{found:?}");
        let answer = String::from_utf8(rejection.frame()).unwrap();
        assert!(answer.contains(r#""id":null"#), "{answer}");
    }

    #[test]
    fn a_huge_length_the_input_does_not_hold_ends_the_stream_without_allocating_it() {
        let (found, error) = frames(b"Content-Length: 107374182400\r\n\r\n{}", 1000);
        assert!(matches!(found[..], [Frame::Rejected(_)]), "{found:?}");
        let error = error.expect("the input ends inside the body").0;
        assert!(
            error.contains("Content-Length is 107374182400 bytes, only 2 came"),
            "{error}"
        );
    }

    #[test]
    fn invalid_json_is_a_parse_error_and_the_next_message_is_read() {
        let body = "{\"jsonrpc\": \"2.0\",\n \"id\": 1, \"method\": }";
        let input = format!("{}{}", framed(body), framed(EXIT));
        let (found, error) = frames(input.as_bytes(), 1000);
        assert_eq!(error, None);
        let Frame::Rejected(rejection) = &found[0] else {
            panic!("{found:?}")
        };
        assert_eq!(rejection.code, ErrorCode::ParseError as i32);
        // The header is 22 bytes; the `}` is byte 39 of the body (19 on the second line).
        assert!(
            rejection
                .message
                .starts_with("invalid JSON at byte 61 of the input (byte 39 of the body"),
            "{}",
            rejection.message
        );
        assert!(matches!(found[1], Frame::Message(_)));
    }

    #[test]
    fn json_that_is_no_message_is_an_invalid_request_with_its_id() {
        let input = framed(r#"{"jsonrpc":"2.0","id":7,"params":[]}"#);
        let (found, _) = frames(input.as_bytes(), 1000);
        let Frame::Rejected(rejection) = &found[0] else {
            panic!("{found:?}")
        };
        assert_eq!(rejection.code, ErrorCode::InvalidRequest as i32);
        assert_eq!(rejection.id, Some(RequestId::from(7)));
    }

    #[test]
    fn broken_framing_says_what_and_where() {
        let cases: [(&[u8], &str); 7] = [
            (
                b"Content-Length 12\r\n\r\n{}",
                "bad header at byte 0: `Content-Length 12`",
            ),
            (
                b"Content-Type: x\r\n\r\n{}",
                "the message at byte 0 has no Content-Length",
            ),
            (
                b"Content-Length: -3\r\n\r\n",
                "bad Content-Length at byte 0: `-3` is not a number",
            ),
            (b"Content-Length: 10\r\n\r\n{}", "only 2 came"),
            (
                b"Content-Length: 10\r\n",
                "ended inside the headers of the message at byte 0",
            ),
            (
                b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
                "two different Content-Length",
            ),
            (
                b"Content-Length: 2\r\n\r\n{}\x1b[2J\r\n",
                "bad header at byte 23: `\\u{1b}[2J`",
            ),
        ];
        for (input, expected) in cases {
            let (_, error) = frames(input, 1000);
            let error = error.unwrap_or_else(|| panic!("an error for {input:?}")).0;
            assert!(error.contains(expected), "{error} should say {expected}");
        }
        let long = format!("X-Long: {}\r\n", "a".repeat(MAX_HEADER_BYTES));
        let (_, error) = frames(long.as_bytes(), 1000);
        assert!(error.unwrap().0.contains("longer than 8192 bytes"));
    }
}
