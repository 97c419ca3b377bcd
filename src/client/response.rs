//! Reading an HTTP/1.1 answer off a connection: the head through httparse
//! (header order and case kept), then the body by chunked coding,
//! Content-Length, or until the server closes.

use tokio::io::{AsyncRead, AsyncReadExt};

/// The answer as it arrived.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub reason: String,
    /// In the order and case the server wrote them, duplicates in place.
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
}

/// Why no answer could be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The connection ended before a single byte of the answer: on a
    /// reused connection the request may be sent again on a fresh one.
    #[error("{}", .0.as_ref().map_or("connection closed before an answer".to_string(), |e| e.to_string()))]
    ClosedBeforeAnswer(Option<std::io::Error>),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("invalid HTTP answer: {0}")]
    Malformed(String),
    /// The body is longer than the reader takes.
    #[error("the answer is over {}", size_text(*.0))]
    TooLarge(usize),
}

/// "25 MiB" for whole mebibytes, else the byte count.
pub fn size_text(bytes: usize) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

const MAX_HEADERS: usize = 128;
/// The least room each read of the answer is given.
const READ_CHUNK: usize = 8192;
const MAX_HEAD: usize = 64 * 1024;
/// A chunk-size line with its extensions; real ones are a few bytes.
const MAX_CHUNK_LINE: usize = 4 * 1024;
/// All trailer lines together, as for the head.
const MAX_TRAILERS: usize = MAX_HEAD;

/// Reads one answer whose body is at most `max_body` bytes; `head_request`
/// answers carry no body. The flag says whether the connection may carry
/// another request.
pub async fn read<R: AsyncRead + Unpin>(
    conn: &mut R,
    head_request: bool,
    max_body: usize,
) -> Result<(Answer, bool), ReadError> {
    let mut buf = Vec::with_capacity(4096);
    loop {
        let (answer, head_len, version, close) = read_head(conn, &mut buf).await?;
        buf.drain(..head_len);
        // An interim answer (100 Continue) is followed by the real one.
        if (100..200).contains(&answer.status) && answer.status != 101 {
            continue;
        }
        let mut answer = answer;
        // After 101 the connection speaks another protocol.
        let mut reusable = version == 1 && !close && answer.status != 101;
        let no_body =
            head_request || answer.status == 204 || answer.status == 304 || answer.status < 200;
        let coding = transfer_coding(&answer.headers);
        let length = content_length(&answer.headers)?;
        if coding.is_some() && length.is_some() {
            // Both framings: a smuggling shape; the coding wins, once.
            reusable = false;
        }
        if no_body {
            // Anything the server sent past the head belongs to no answer.
            reusable &= buf.is_empty();
        } else if coding == Some(Coding::Chunked) {
            answer.body = read_chunked(conn, &mut buf, max_body).await?;
            reusable &= buf.is_empty();
        } else if let (None, Some(len)) = (coding, length) {
            if len > max_body {
                return Err(ReadError::TooLarge(max_body));
            }
            answer.body = read_exact_len(conn, &mut buf, len).await?;
            reusable &= buf.is_empty();
        } else {
            // No framing, or a coding that is not chunked last: the body
            // ends where the connection does.
            read_to_close(conn, &mut buf, max_body).await?;
            answer.body = buf;
            reusable = false;
        }
        return Ok((answer, reusable));
    }
}

async fn read_head<R: AsyncRead + Unpin>(
    conn: &mut R,
    buf: &mut Vec<u8>,
) -> Result<(Answer, usize, u8, bool), ReadError> {
    loop {
        // Nothing read yet (a fresh answer): nothing to parse either.
        if !buf.is_empty()
            && let Some(head) = parse_head(buf)?
        {
            return Ok(head);
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::Malformed("head longer than 64 KiB".into()));
        }
        let read = match fill(conn, buf).await {
            Err(e) if buf.is_empty() => return Err(ReadError::ClosedBeforeAnswer(Some(e))),
            r => r?,
        };
        if read == 0 {
            return Err(if buf.is_empty() {
                ReadError::ClosedBeforeAnswer(None)
            } else {
                ReadError::Malformed("connection closed inside the head".into())
            });
        }
    }
}

/// The head, when `buf` holds all of it. Not async: httparse's header
/// array (4 KiB) stays on the stack instead of in the reading future.
fn parse_head(buf: &[u8]) -> Result<Option<(Answer, usize, u8, bool)>, ReadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => {
            let version = resp.version.unwrap_or(1);
            let headers: Vec<(String, Vec<u8>)> = resp
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_vec()))
                .collect();
            let close = headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("connection")
                    && crate::base::request::lists_token(v, "close")
            });
            let answer = Answer {
                status: resp.code.unwrap_or(0),
                reason: resp.reason.unwrap_or("").to_string(),
                headers,
                body: Vec::new(),
            };
            Ok(Some((answer, len, version, close)))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(ReadError::Malformed(e.to_string())),
    }
}

/// Reads more into `buf`; 0 means the peer closed.
async fn fill<R: AsyncRead + Unpin>(conn: &mut R, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    // Straight into the buffer's spare room: a chunk array on the stack
    // would be zeroed for every read and copied with every move of the
    // future that holds it (a bulk replay moves thousands).
    buf.reserve(READ_CHUNK);
    conn.read_buf(buf).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    /// Chunked is the last coding: the chunks frame the body.
    Chunked,
    /// Some other last coding: the body runs until the server closes.
    UntilClose,
}

fn transfer_coding(headers: &[(String, Vec<u8>)]) -> Option<Coding> {
    // Chunked framing counts only when it is the last coding applied.
    let last = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| {
            String::from_utf8_lossy(v)
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        })
        .last();
    let present = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"));
    match last {
        Some(t) if t == "chunked" => Some(Coding::Chunked),
        _ if present => Some(Coding::UntilClose),
        _ => None,
    }
}

fn content_length(headers: &[(String, Vec<u8>)]) -> Result<Option<usize>, ReadError> {
    let mut found: Option<usize> = None;
    for (_, v) in headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        let len = std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .ok_or_else(|| {
                ReadError::Malformed(format!("Content-Length {:?}", String::from_utf8_lossy(v)))
            })?;
        if found.is_some_and(|f| f != len) {
            return Err(ReadError::Malformed("conflicting Content-Length".into()));
        }
        found = Some(len);
    }
    Ok(found)
}

async fn read_exact_len<R: AsyncRead + Unpin>(
    conn: &mut R,
    buf: &mut Vec<u8>,
    len: usize,
) -> Result<Vec<u8>, ReadError> {
    while buf.len() < len {
        if fill(conn, buf).await? == 0 {
            return Err(ReadError::Malformed(format!(
                "connection closed after {} of {len} body bytes",
                buf.len()
            )));
        }
    }
    Ok(buf.drain(..len).collect())
}

async fn read_to_close<R: AsyncRead + Unpin>(
    conn: &mut R,
    buf: &mut Vec<u8>,
    max_body: usize,
) -> Result<(), ReadError> {
    while buf.len() <= max_body {
        if fill(conn, buf).await? == 0 {
            return Ok(());
        }
    }
    Err(ReadError::TooLarge(max_body))
}

async fn read_chunked<R: AsyncRead + Unpin>(
    conn: &mut R,
    buf: &mut Vec<u8>,
    max_body: usize,
) -> Result<Vec<u8>, ReadError> {
    let closed = || ReadError::Malformed("connection closed inside a chunked body".into());
    let mut body = Vec::new();
    loop {
        let size = loop {
            match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((used, size))) => {
                    buf.drain(..used);
                    break size;
                }
                Ok(httparse::Status::Partial) => {
                    if buf.len() > MAX_CHUNK_LINE {
                        return Err(ReadError::Malformed("chunk-size line too long".into()));
                    }
                    if fill(conn, buf).await? == 0 {
                        return Err(closed());
                    }
                }
                Err(_) => return Err(ReadError::Malformed("invalid chunk size".into())),
            }
        };
        if size == 0 {
            return read_trailers(conn, buf).await.map(|()| body);
        }
        // The server chooses the size (up to u64::MAX): checked, and
        // within what is left of the limit before any byte is read.
        let size = usize::try_from(size)
            .ok()
            .filter(|&s| s <= max_body - body.len())
            .ok_or(ReadError::TooLarge(max_body))?;
        let end = size.checked_add(2).ok_or(ReadError::TooLarge(max_body))?;
        while buf.len() < end {
            if fill(conn, buf).await? == 0 {
                return Err(closed());
            }
        }
        if &buf[size..end] != b"\r\n" {
            return Err(ReadError::Malformed("chunk not followed by CRLF".into()));
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..end);
    }
}

/// Trailer lines (ignored) up to the empty line, within [`MAX_TRAILERS`].
async fn read_trailers<R: AsyncRead + Unpin>(
    conn: &mut R,
    buf: &mut Vec<u8>,
) -> Result<(), ReadError> {
    let mut taken = 0;
    // Where the search for the line end resumes: each byte is scanned once.
    let mut scanned = 0;
    loop {
        if let Some(end) = find(&buf[scanned..], b"\r\n").map(|i| i + scanned) {
            buf.drain(..end + 2);
            scanned = 0;
            if end == 0 {
                return Ok(());
            }
            taken += end + 2;
        } else {
            // A CR at the end may be the first half of the CRLF.
            scanned = buf.len().saturating_sub(1);
            if taken + buf.len() > MAX_TRAILERS {
                return Err(ReadError::Malformed("trailers longer than 64 KiB".into()));
            }
            if fill(conn, buf).await? == 0 {
                return Err(ReadError::Malformed(
                    "connection closed inside a chunked body".into(),
                ));
            }
        }
        if taken > MAX_TRAILERS {
            return Err(ReadError::Malformed("trailers longer than 64 KiB".into()));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(raw: &[u8]) -> Result<(Answer, bool), ReadError> {
        let mut r = raw;
        read(&mut r, false, 1024).await
    }

    #[tokio::test]
    async fn content_length_body_and_reuse() {
        let (a, reusable) = parse(b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello")
            .await
            .unwrap();
        assert_eq!((a.status, a.reason.as_str()), (201, "Created"));
        assert_eq!(a.body, b"hello");
        assert!(reusable);
    }

    #[tokio::test]
    async fn chunked_body_with_trailer() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n";
        let (a, reusable) = parse(raw).await.unwrap();
        assert_eq!(a.body, b"hello, world");
        assert!(reusable);
    }

    #[tokio::test]
    async fn close_delimited_body_is_not_reused() {
        let (a, reusable) = parse(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
            .await
            .unwrap();
        assert_eq!(a.body, b"all of it");
        assert!(!reusable);
        let (_, reusable) =
            parse(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
        assert!(!reusable, "Connection: close is honoured");
    }

    #[tokio::test]
    async fn interleaved_duplicate_headers_keep_their_order_and_case() {
        let raw =
            b"HTTP/1.1 200 OK\r\nX-Dup: a\r\nx-between: z\r\nX-DUP: b\r\nContent-Length: 0\r\n\r\n";
        let (a, _) = parse(raw).await.unwrap();
        let names: Vec<String> = a
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
            .collect();
        assert_eq!(
            names,
            ["X-Dup: a", "x-between: z", "X-DUP: b", "Content-Length: 0"]
        );
    }

    #[tokio::test]
    async fn interim_answers_are_skipped() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
        let (a, reusable) = parse(raw).await.unwrap();
        assert_eq!(a.status, 204);
        assert!(reusable);
    }

    #[tokio::test]
    async fn malformed_answers_are_clear_errors() {
        for (raw, want) in [
            (&b"SMTP ready\r\n\r\n"[..], "invalid HTTP answer"),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
                "Content-Length",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
                "after 5 of 10",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "chunk size",
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc",
                "chunked body",
            ),
            (b"HTTP/1.1 200 OK\r\nCont", "inside the head"),
        ] {
            let err = parse(raw).await.unwrap_err().to_string();
            assert!(err.contains(want), "{err} should mention {want}");
        }
        assert!(matches!(
            parse(b"").await.unwrap_err(),
            ReadError::ClosedBeforeAnswer(None)
        ));
    }

    #[tokio::test]
    async fn a_chunk_size_near_u64_max_is_refused_not_a_panic() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc";
        for max in [1024, usize::MAX] {
            let mut r = &raw[..];
            let err = read(&mut r, false, max).await.unwrap_err();
            assert!(matches!(err, ReadError::TooLarge(_)), "{err:?}");
        }
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused() {
        let big = "x".repeat(1025);
        let chunked = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n{}\r\n1\r\nx\r\n0\r\n\r\n",
            &big[..1024]
        );
        let close = format!("HTTP/1.1 200 OK\r\n\r\n{big}");
        for raw in [
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nxx".to_string(),
            chunked,
            close,
        ] {
            let err = parse(raw.as_bytes()).await.unwrap_err();
            assert!(matches!(err, ReadError::TooLarge(1024)), "{err:?}");
            assert_eq!(err.to_string(), "the answer is over 1024 bytes");
        }
        // Exactly at the limit is fine.
        let at = format!("HTTP/1.1 200 OK\r\n\r\n{}", &big[..1024]);
        assert_eq!(parse(at.as_bytes()).await.unwrap().0.body.len(), 1024);
        assert_eq!(
            ReadError::TooLarge(25 << 20).to_string(),
            "the answer is over 25 MiB"
        );
    }

    #[tokio::test]
    async fn chunk_lines_and_trailers_are_bounded() {
        let line = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;{}",
            "e".repeat(8000)
        );
        let err = parse(line.as_bytes()).await.unwrap_err().to_string();
        assert!(err.contains("chunk-size line too long"), "{err}");
        let mut trailers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_string();
        for _ in 0..2000 {
            trailers.push_str("X-Trailer: 0123456789012345678901234567890123456789\r\n");
        }
        trailers.push_str("\r\n");
        let err = parse(trailers.as_bytes()).await.unwrap_err().to_string();
        assert!(err.contains("trailers longer than 64 KiB"), "{err}");
        // One long trailer line without its end, fed a byte at a time.
        let long = format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: {}",
            "v".repeat(70_000)
        );
        let err = parse(long.as_bytes()).await.unwrap_err().to_string();
        assert!(err.contains("trailers longer than 64 KiB"), "{err}");
    }

    #[tokio::test]
    async fn a_switching_protocols_answer_is_not_reused() {
        let (a, reusable) =
            parse(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
                .await
                .unwrap();
        assert_eq!(a.status, 101);
        assert!(!reusable);
    }

    #[tokio::test]
    async fn ambiguous_framing_is_never_reused() {
        // Both framings: the chunks are the body, and the connection ends.
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5\r\nhello\r\n0\r\n\r\n";
        let (a, reusable) = parse(raw).await.unwrap();
        assert_eq!(a.body, b"hello");
        assert!(!reusable);
        // A last coding other than chunked: read until close, not by length.
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef";
        let (a, reusable) = parse(raw).await.unwrap();
        assert_eq!(a.body, b"abcdef");
        assert!(!reusable);
    }
}
