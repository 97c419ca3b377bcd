//! Finds each request head in an HTTP/1 byte stream the way a server reads
//! it: a head, then the body its framing declares (chunked when
//! Transfer-Encoding says so, else Content-Length, as hyper decides), then
//! the next head. So pipelined requests each get their own head. What it
//! cannot follow (HTTP/2, an upgrade, malformed framing) stops it, and the
//! requests after that fall back to hyper's view of their headers.

use std::collections::VecDeque;

/// A request head is at most this long; past it, capture gives up.
const MAX_HEAD: usize = 64 * 1024;
/// A chunk-size line or a trailer line.
const MAX_LINE: usize = 8 * 1024;
/// Heads read ahead of the handler (pipelining), in bytes.
const MAX_QUEUED: usize = 1 << 20;

#[derive(Debug, PartialEq)]
enum Phase {
    Head,
    Body(u64),
    ChunkSize,
    ChunkData(u64),
    /// The CRLF after a chunk's data.
    ChunkEnd,
    Trailers,
    Stopped,
}

/// The request heads of one connection, in order.
#[derive(Debug)]
pub struct Framer {
    phase: Phase,
    /// A head or a line not yet complete.
    buf: Vec<u8>,
    heads: VecDeque<Vec<u8>>,
    queued: usize,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            phase: Phase::Head,
            buf: Vec::new(),
            heads: VecDeque::new(),
            queued: 0,
        }
    }
}

impl Framer {
    /// The next request's head, oldest first.
    pub fn next_head(&mut self) -> Option<Vec<u8>> {
        let head = self.heads.pop_front()?;
        self.queued -= head.len();
        Some(head)
    }

    fn stop(&mut self) {
        self.phase = Phase::Stopped;
        self.buf = Vec::new();
    }

    /// Follows the stream through `bytes`, as read off the connection.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.phase {
                Phase::Stopped => return,
                Phase::Head => self.head(&mut bytes),
                Phase::Body(left) => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                    bytes = &bytes[n..];
                    let left = left - n as u64;
                    self.phase = if left == 0 {
                        Phase::Head
                    } else {
                        Phase::Body(left)
                    };
                }
                Phase::ChunkSize => {
                    if let Some(line) = self.line(&mut bytes) {
                        self.phase = match chunk_size(&line) {
                            Some(0) => Phase::Trailers,
                            Some(n) => Phase::ChunkData(n),
                            None => Phase::Stopped,
                        };
                    }
                }
                Phase::ChunkData(left) => {
                    let n = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                    bytes = &bytes[n..];
                    let left = left - n as u64;
                    self.phase = if left == 0 {
                        Phase::ChunkEnd
                    } else {
                        Phase::ChunkData(left)
                    };
                }
                Phase::ChunkEnd => {
                    if let Some(line) = self.line(&mut bytes) {
                        self.phase = if trim_eol(&line).is_empty() {
                            Phase::ChunkSize
                        } else {
                            Phase::Stopped
                        };
                    }
                }
                Phase::Trailers => {
                    if let Some(line) = self.line(&mut bytes)
                        && trim_eol(&line).is_empty()
                    {
                        self.phase = Phase::Head;
                    }
                }
            }
        }
    }

    /// Takes bytes up to a complete head; queues it and moves to its body.
    /// A head that came whole in this read is parsed where it lies: copying
    /// the rest of the read for each pipelined head cost time quadratic in
    /// the read, and each head cut from such a copy kept the whole read's
    /// capacity while it waited (a flood of small pipelined requests grew
    /// listen past 500 MB).
    fn head(&mut self, bytes: &mut &[u8]) {
        let before = self.buf.len();
        if before > 0 {
            self.buf.extend_from_slice(bytes);
        }
        let whole: &[u8] = if before > 0 { &self.buf } else { bytes };
        let (len, next) = match parse_head(whole) {
            Ok(Some(found)) => found,
            Ok(None) => {
                if before == 0 {
                    self.buf.extend_from_slice(bytes);
                }
                *bytes = &[];
                if self.buf.len() > MAX_HEAD {
                    self.stop();
                }
                return;
            }
            Err(()) => return self.stop(),
        };
        // The blank lines a request may be preceded by are not part of it.
        let start = whole[..len]
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .unwrap_or(0);
        let head = whole[start..len].to_vec();
        *bytes = &bytes[len - before..];
        self.buf = Vec::new();
        if self.queued + head.len() > MAX_QUEUED {
            return self.stop();
        }
        self.queued += head.len();
        self.heads.push_back(head);
        self.phase = next;
    }

    /// Takes bytes up to the end of a line; the line once it is whole.
    fn line(&mut self, bytes: &mut &[u8]) -> Option<Vec<u8>> {
        let end = bytes.iter().position(|b| *b == b'\n');
        let take = end.map_or(bytes.len(), |i| i + 1);
        self.buf.extend_from_slice(&bytes[..take]);
        *bytes = &bytes[take..];
        if self.buf.len() > MAX_LINE {
            self.stop();
            return None;
        }
        end.map(|_| std::mem::take(&mut self.buf))
    }
}

/// The length of the whole head at the start of `buf` and what follows it;
/// None while it is not whole yet; Err when it is not an HTTP/1 head.
fn parse_head(buf: &[u8]) -> Result<Option<(usize, Phase)>, ()> {
    let mut slots = [httparse::EMPTY_HEADER; 256];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => Ok(Some((len, framing(&req)))),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(_) => Err(()),
    }
}

/// What follows a head: its body's framing, or nothing this can follow.
fn framing(req: &httparse::Request<'_, '_>) -> Phase {
    if req.method == Some("CONNECT") {
        return Phase::Stopped;
    }
    let mut chunked = None;
    let mut length = None;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // The last coding of the last Transfer-Encoding line decides.
            let last = h.value.rsplit(|b| *b == b',').next().unwrap_or(b"");
            chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("content-length") {
            let Some(n) = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
            else {
                return Phase::Stopped;
            };
            if length.is_some_and(|l| l != n) {
                return Phase::Stopped;
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("upgrade") {
            // What follows may not be HTTP at all.
            return Phase::Stopped;
        }
    }
    match (chunked, length) {
        (Some(true), _) => Phase::ChunkSize,
        (Some(false), _) => Phase::Stopped,
        (None, Some(0) | None) => Phase::Head,
        (None, Some(n)) => Phase::Body(n),
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn chunk_size(line: &[u8]) -> Option<u64> {
    let line = trim_eol(line);
    let digits = line.split(|b| *b == b';').next()?.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(stream: &[u8], step: usize) -> Vec<String> {
        let mut f = Framer::default();
        for part in stream.chunks(step) {
            f.feed(part);
        }
        std::iter::from_fn(|| f.next_head())
            .map(|h| String::from_utf8(h).unwrap())
            .collect()
    }

    #[test]
    fn pipelined_heads_are_found_past_their_bodies() {
        let stream = b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nPOST\r\n0\r\nX-T: 1\r\n\r\n\r\nGET /c HTTP/1.1\r\nX-Mixed-Case: 1\r\n\r\n";
        for step in [1, 3, 7, stream.len()] {
            let h = heads(stream, step);
            assert_eq!(h.len(), 3, "step {step}: {h:?}");
            assert!(h[0].starts_with("POST /a") && h[0].ends_with("\r\n\r\n"));
            assert!(h[1].starts_with("POST /b"));
            assert!(h[2].contains("X-Mixed-Case: 1"));
        }
    }

    #[test]
    fn pipelined_heads_read_at_once_keep_only_their_own_bytes() {
        let one = b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
        let stream = one.repeat(2000);
        let mut f = Framer::default();
        f.feed(&stream);
        let mut n = 0;
        while let Some(head) = f.next_head() {
            assert_eq!(head.len(), one.len() - 3);
            assert!(head.capacity() < 2 * head.len(), "{}", head.capacity());
            n += 1;
        }
        assert_eq!(n, 2000);
    }

    #[test]
    fn transfer_encoding_wins_over_content_length() {
        let stream = b"POST /a HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
        assert_eq!(heads(stream, 5).len(), 2);
    }

    #[test]
    fn what_it_cannot_follow_stops_it() {
        assert!(heads(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 4).is_empty());
        let up = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /x HTTP/1.1\r\n\r\n";
        assert_eq!(heads(up, 64).len(), 1);
        let bad =
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /x HTTP/1.1\r\n\r\n";
        assert_eq!(heads(bad, 64).len(), 1);
        let mut f = Framer::default();
        f.feed(b"GET / HTTP/1.1\r\nX: ");
        f.feed(&vec![b'a'; MAX_HEAD + 1]);
        assert_eq!(f.phase, Phase::Stopped);
    }
}
