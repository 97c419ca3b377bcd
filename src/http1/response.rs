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
}

const MAX_HEADERS: usize = 128;
const MAX_HEAD: usize = 64 * 1024;

/// Reads one answer; `head_request` answers carry no body. The flag says
/// whether the connection may carry another request.
pub async fn read<R: AsyncRead + Unpin>(
    conn: &mut R,
    head_request: bool,
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
        let mut reusable = version == 1 && !close;
        let no_body =
            head_request || answer.status == 204 || answer.status == 304 || answer.status < 200;
        if no_body {
            // Anything the server sent past the head belongs to no answer.
            reusable &= buf.is_empty();
        } else if is_chunked(&answer.headers) {
            answer.body = read_chunked(conn, &mut buf).await?;
            reusable &= buf.is_empty();
        } else if let Some(len) = content_length(&answer.headers)? {
            answer.body = read_exact_len(conn, &mut buf, len).await?;
            reusable &= buf.is_empty();
        } else {
            conn.read_to_end(&mut buf).await?;
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
                let close = headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case("connection") && has_token(v, "close"));
                let answer = Answer {
                    status: resp.code.unwrap_or(0),
                    reason: resp.reason.unwrap_or("").to_string(),
                    headers,
                    body: Vec::new(),
                };
                return Ok((answer, len, version, close));
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(ReadError::Malformed(e.to_string())),
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

/// Reads more into `buf`; 0 means the peer closed.
async fn fill<R: AsyncRead + Unpin>(conn: &mut R, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut chunk = [0u8; 8192];
    let n = conn.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

fn has_token(value: &[u8], token: &str) -> bool {
    String::from_utf8_lossy(value)
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn is_chunked(headers: &[(String, Vec<u8>)]) -> bool {
    // Chunked framing counts only when it is the last coding applied.
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| {
            String::from_utf8_lossy(v)
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .last()
        .is_some_and(|t| t == "chunked")
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

async fn read_chunked<R: AsyncRead + Unpin>(
    conn: &mut R,
    buf: &mut Vec<u8>,
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
                    if fill(conn, buf).await? == 0 {
                        return Err(closed());
                    }
                }
                Err(_) => return Err(ReadError::Malformed("invalid chunk size".into())),
            }
        };
        if size == 0 {
            // Trailers (ignored) up to the empty line.
            loop {
                if let Some(end) = find(buf, b"\r\n") {
                    buf.drain(..end + 2);
                    if end == 0 {
                        return Ok(body);
                    }
                } else if fill(conn, buf).await? == 0 {
                    return Err(closed());
                }
            }
        }
        let size =
            usize::try_from(size).map_err(|_| ReadError::Malformed("chunk too large".into()))?;
        while buf.len() < size + 2 {
            if fill(conn, buf).await? == 0 {
                return Err(closed());
            }
        }
        if &buf[size..size + 2] != b"\r\n" {
            return Err(ReadError::Malformed("chunk not followed by CRLF".into()));
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
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
        read(&mut r, false).await
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
}
