//! A small HTTP/1.1 client for `http://` targets that writes the request
//! head exactly as given: header names in their case, in their order,
//! repeated names where they stood, and nothing added but `Host` (when the
//! headers have none) and `Content-Length`. reqwest's HeaderMap regroups
//! repeated names and adds `Accept: */*`, which breaks byte-exact forwards
//! and replays; `https://` targets still go through reqwest (TLS).

mod framed;
mod pool;
pub mod response;

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

pub use framed::{Framing, send_framed};
pub use pool::Pool;
pub use response::{Answer, ReadError};

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    /// Refused, unreachable, or the name did not resolve.
    #[error("{0}")]
    Connect(std::io::Error),
    #[error("no answer within the timeout")]
    Timeout,
    /// Writing the request failed: no byte of an answer was read.
    #[error("{0}")]
    Io(std::io::Error),
    #[error("{0}")]
    Read(ReadError),
}

/// The longest answer body taken: listen's default --max-body. A longer
/// one fails the request, and its connection is dropped.
pub const MAX_ANSWER_BODY: usize = 25 * 1024 * 1024;

/// Bodies up to this size are sent in the same write as the head.
const SMALL_BODY: usize = 64 * 1024;

/// Headers that frame the message: the body decides them, never the caller.
const FRAMING: &[&str] = &["content-length", "transfer-encoding"];

/// Sends one request to an `http://` URL and reads the answer, all within
/// `timeout`. Connections are kept in `pool` for the next request.
pub async fn send<'h>(
    pool: &Pool,
    method: &str,
    url: &url::Url,
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
    body: &[u8],
    timeout: Duration,
) -> Result<Answer, Error> {
    let head = request_head(method, url, headers, body, Framing::Length)?;
    let close = head.close;
    let key = authority(url)?;
    let exchange = async {
        // A reused connection the server closed meanwhile fails the write,
        // or ends cleanly before any byte of the answer: send once more on
        // a fresh one. A reset after the whole request was written may come
        // after the server acted on it, so it is not retried.
        if let Some(conn) = pool.take(&key) {
            match exchange(conn, &head.bytes, body, method).await {
                Ok((answer, conn)) => return Ok(keep(pool, &key, answer, conn, close)),
                Err(Error::Read(ReadError::ClosedBeforeAnswer(None)) | Error::Io(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let conn = connect(url).await?;
        let (answer, conn) = exchange(conn, &head.bytes, body, method).await?;
        Ok(keep(pool, &key, answer, conn, close))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| Error::Timeout)?
}

fn keep(pool: &Pool, key: &str, answer: Answer, conn: Option<TcpStream>, close: bool) -> Answer {
    if let Some(conn) = conn
        && !close
    {
        pool.put(key, conn);
    }
    answer
}

/// Writes the request and reads the answer; hands the connection back when
/// it can carry another request.
async fn exchange(
    mut conn: TcpStream,
    head: &[u8],
    body: &[u8],
    method: &str,
) -> Result<(Answer, Option<TcpStream>), Error> {
    let head_request = method.eq_ignore_ascii_case("HEAD");
    let written = async {
        if body.len() <= SMALL_BODY {
            // One write, one packet: head and a webhook-sized body together.
            let mut all = Vec::with_capacity(head.len() + body.len());
            all.extend_from_slice(head);
            all.extend_from_slice(body);
            conn.write_all(&all).await?;
        } else {
            conn.write_all(head).await?;
            conn.write_all(body).await?;
        }
        conn.flush().await
    }
    .await;
    if let Err(e) = written {
        // A server may answer (413) and close before taking the whole body.
        return match response::read(&mut conn, head_request, MAX_ANSWER_BODY).await {
            Ok((answer, _)) => Ok((answer, None)),
            Err(_) => Err(Error::Io(e)),
        };
    }
    let (answer, reusable) = response::read(&mut conn, head_request, MAX_ANSWER_BODY)
        .await
        .map_err(Error::Read)?;
    Ok((answer, reusable.then_some(conn)))
}

pub(super) async fn connect(url: &url::Url) -> Result<TcpStream, Error> {
    let port = url.port_or_known_default().unwrap_or(80);
    let conn = match url.host() {
        Some(url::Host::Ipv4(ip)) => TcpStream::connect((ip, port)).await,
        Some(url::Host::Ipv6(ip)) => TcpStream::connect((ip, port)).await,
        Some(url::Host::Domain(name)) => TcpStream::connect((name, port)).await,
        None => return Err(Error::BadRequest("the URL has no host".into())),
    }
    .map_err(Error::Connect)?;
    // Small writes (head, then body) must not wait for Nagle.
    let _ = conn.set_nodelay(true);
    Ok(conn)
}

/// `host:port` as written in the URL (the default port left out).
fn authority(url: &url::Url) -> Result<String, Error> {
    let host = url
        .host_str()
        .ok_or_else(|| Error::BadRequest("the URL has no host".into()))?;
    Ok(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

pub(super) struct Head {
    pub(super) bytes: Vec<u8>,
    /// The caller asked for `Connection: close`.
    close: bool,
}

pub(super) fn request_head<'h>(
    method: &str,
    url: &url::Url,
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
    body: &[u8],
    framing: Framing,
) -> Result<Head, Error> {
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    {
        return Err(Error::BadRequest(format!(
            "method {method:?} is not a token"
        )));
    }
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(url.path().as_bytes());
    if let Some(q) = url.query() {
        out.push(b'?');
        out.extend_from_slice(q.as_bytes());
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let headers: Vec<(&str, &[u8])> = headers.into_iter().collect();
    // The recorded Host names where the delivery first arrived; the target
    // is this URL. A Host the caller chose (send -H Host:…) is kept.
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        out.extend_from_slice(b"Host: ");
        out.extend_from_slice(authority(url)?.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let mut close = false;
    for (name, value) in headers {
        if FRAMING.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            continue;
        }
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(Error::BadRequest(format!(
                "header name {name:?} is not a token"
            )));
        }
        if value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(Error::BadRequest(format!(
                "header {name}: the value holds a line break"
            )));
        }
        if name.eq_ignore_ascii_case("connection")
            && value
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
        {
            close = true;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    // A body is framed by its length; a bodiless GET or HEAD says nothing.
    let bodiless = matches!(method, "GET" | "HEAD" | "DELETE" | "OPTIONS" | "TRACE");
    if framing == Framing::Chunked {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
    } else if !body.is_empty() || !bodiless {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    if framing == Framing::ExpectContinue {
        out.extend_from_slice(b"Expect: 100-continue\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(Head { bytes: out, close })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &[u8])], body: &[u8]) -> String {
        let url = url::Url::parse("http://127.0.0.1:8080/hooks/a?x=1&x=2").unwrap();
        let h = request_head("POST", &url, headers.iter().copied(), body, Framing::Length).unwrap();
        String::from_utf8(h.bytes).unwrap()
    }

    #[test]
    fn writes_headers_as_given_with_host_and_length() {
        let got = head(
            &[
                ("X-Dup", b"a"),
                ("x-between", b"z"),
                ("X-Dup", b"b"),
                ("Content-Length", b"999"),
            ],
            b"{}",
        );
        assert_eq!(
            got,
            "POST /hooks/a?x=1&x=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Dup: a\r\n\
             x-between: z\r\nX-Dup: b\r\nContent-Length: 2\r\n\r\n"
        );
    }

    /// Reads one request head and its Content-Length body; false at EOF.
    async fn read_request(conn: &mut TcpStream) -> bool {
        use tokio::io::AsyncReadExt;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            if let Ok(httparse::Status::Complete(len)) = req.parse(&buf) {
                let body: usize = req
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .map_or(0, |h| {
                        std::str::from_utf8(h.value).unwrap().parse().unwrap()
                    });
                while buf.len() < len + body {
                    let n = conn.read(&mut chunk).await.unwrap();
                    buf.extend_from_slice(&chunk[..n]);
                }
                return true;
            }
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    async fn answer(conn: &mut TcpStream, body: &str) {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(head.as_bytes()).await.unwrap();
    }

    async fn post(pool: &Pool, addr: std::net::SocketAddr) -> Result<Answer, Error> {
        let url = url::Url::parse(&format!("http://{addr}/")).unwrap();
        send(
            pool,
            "POST",
            &url,
            [("X-A", &b"1"[..])],
            b"{}",
            Duration::from_secs(5),
        )
        .await
    }

    #[tokio::test]
    async fn keep_alive_connections_are_reused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut served = 0;
            while read_request(&mut conn).await {
                served += 1;
                answer(&mut conn, &served.to_string()).await;
            }
            served
        });
        let pool = Pool::new(4);
        for want in ["1", "2", "3"] {
            assert_eq!(post(&pool, addr).await.unwrap().body, want.as_bytes());
        }
        drop(pool);
        assert_eq!(server.await.unwrap(), 3, "three requests on one connection");
    }

    #[test]
    fn the_portable_pool_carries_a_connection_from_one_runtime_to_the_next() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let server_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = server_rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let server = server_rt.spawn(async move {
            let mut connections = 0;
            let mut served = 0;
            while served < 2 {
                let (mut conn, _) = listener.accept().await.unwrap();
                connections += 1;
                while served < 2 && read_request(&mut conn).await {
                    served += 1;
                    answer(&mut conn, "ok").await;
                }
            }
            connections
        });
        let pool = Pool::portable(4);
        for _ in 0..2 {
            // Each send in its own runtime, dropped afterwards, as send and replay do.
            let answer = runtime().block_on(post(&pool, addr)).unwrap();
            assert_eq!(answer.body, b"ok");
        }
        assert_eq!(
            server_rt.block_on(server).unwrap(),
            1,
            "one connection for both"
        );
    }

    #[tokio::test]
    async fn a_reused_connection_closed_before_answering_is_retried_once() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut first, _) = listener.accept().await.unwrap();
            assert!(read_request(&mut first).await);
            answer(&mut first, "first").await;
            // The keep-alive race: the next request arrives as the server
            // gives the connection up, unanswered.
            assert!(read_request(&mut first).await);
            drop(first);
            let (mut second, _) = listener.accept().await.unwrap();
            assert!(read_request(&mut second).await);
            answer(&mut second, "second").await;
        });
        let pool = Pool::new(4);
        assert_eq!(post(&pool, addr).await.unwrap().body, b"first");
        assert_eq!(post(&pool, addr).await.unwrap().body, b"second");
        server.await.unwrap();
    }

    #[tokio::test]
    async fn refused_and_silent_servers_are_told_apart() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = post(&Pool::new(1), addr).await.unwrap_err();
        assert!(matches!(err, Error::Connect(_)), "{err:?}");
        assert!(err.to_string().contains("refused"), "{err}");

        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", silent.local_addr().unwrap())).unwrap();
        let none: [(&str, &[u8]); 0] = [];
        let err = send(
            &Pool::new(1),
            "GET",
            &url,
            none,
            b"",
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Timeout), "{err:?}");
    }

    #[test]
    fn a_given_host_is_kept_and_line_breaks_are_refused() {
        assert!(head(&[("Host", b"example.test")], b"").starts_with(
            "POST /hooks/a?x=1&x=2 HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n"
        ));
        let url = url::Url::parse("http://h/").unwrap();
        let bad: &[(&str, &[u8])] = &[("X-A", b"1\r\nX-Injected: 1")];
        assert!(request_head("POST", &url, bad.iter().copied(), b"", Framing::Length).is_err());
    }

    #[tokio::test]
    async fn a_reset_after_the_whole_request_is_not_retried() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut first, _) = listener.accept().await.unwrap();
            assert!(read_request(&mut first).await);
            answer(&mut first, "first").await;
            // The server took the whole second request, maybe acted on it,
            // then reset the connection: sending it again could repeat it.
            assert!(read_request(&mut first).await);
            first.set_zero_linger().unwrap();
            drop(first);
            // A retry would arrive here and be answered.
            match tokio::time::timeout(Duration::from_millis(500), listener.accept()).await {
                Ok(Ok((mut again, _))) => {
                    read_request(&mut again).await;
                    answer(&mut again, "again").await;
                    true
                }
                _ => false,
            }
        });
        let pool = Pool::new(4);
        assert_eq!(post(&pool, addr).await.unwrap().body, b"first");
        let err = post(&pool, addr).await.unwrap_err();
        assert!(
            matches!(err, Error::Read(ReadError::ClosedBeforeAnswer(Some(_)))),
            "{err:?}"
        );
        assert!(!server.await.unwrap(), "the request was sent twice");
    }

    /// Serves each connection with `reply` after reading one request; counts connections.
    fn serve_raw(
        listener: tokio::net::TcpListener,
        reply: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let reply = std::sync::Arc::new(reply);
        tokio::spawn(async move {
            let mut n = 0;
            while let Ok((mut conn, _)) = listener.accept().await {
                n += 1;
                let reply = reply.clone();
                tokio::spawn(async move {
                    while read_request(&mut conn).await {
                        if conn.write_all(&reply(n)).await.is_err() {
                            return;
                        }
                    }
                });
            }
        })
    }

    #[tokio::test]
    async fn a_huge_chunk_size_is_an_invalid_answer_not_a_panic() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = serve_raw(listener, |_| {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc".to_vec()
        });
        let err = post(&Pool::new(1), addr).await.unwrap_err();
        assert_eq!(err.to_string(), "the answer is over 25 MiB");
        server.abort();
    }

    #[tokio::test]
    async fn an_endless_answer_stops_at_the_limit_and_is_not_pooled() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // A declared length past the limit fails before reading it.
        let declared = serve_raw(listener, |n| {
            if n == 1 {
                b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nxxxx".to_vec()
            } else {
                format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{n}").into_bytes()
            }
        });
        let pool = Pool::new(4);
        let err = post(&pool, addr).await.unwrap_err();
        assert!(
            matches!(err, Error::Read(ReadError::TooLarge(MAX_ANSWER_BODY))),
            "{err:?}"
        );
        assert_eq!(
            post(&pool, addr).await.unwrap().body,
            b"2",
            "a new connection"
        );
        declared.abort();

        // Chunked and close-delimited bodies are cut past the limit.
        for chunked in [true, false] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (mut conn, _) = listener.accept().await.unwrap();
                read_request(&mut conn).await;
                let head: &[u8] = if chunked {
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\n\r\n"
                };
                conn.write_all(head).await.unwrap();
                let block = vec![b'x'; 1 << 20];
                let mut framed = format!("{:x}\r\n", block.len()).into_bytes();
                framed.extend_from_slice(&block);
                framed.extend_from_slice(b"\r\n");
                let piece = if chunked { &framed } else { &block };
                let mut sent = 0;
                while conn.write_all(piece).await.is_ok() {
                    sent += 1;
                }
                sent
            });
            let err = post(&Pool::new(1), addr).await.unwrap_err();
            assert!(
                matches!(err, Error::Read(ReadError::TooLarge(MAX_ANSWER_BODY))),
                "{err:?}"
            );
            let sent = server.await.unwrap();
            assert!(sent < 64, "stopped reading after {sent} MiB");
        }
    }

    #[tokio::test]
    async fn a_switching_protocols_connection_is_not_pooled() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = serve_raw(listener, |n| {
            if n == 1 {
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n".to_vec()
            } else {
                format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{n}").into_bytes()
            }
        });
        let pool = Pool::new(4);
        assert_eq!(post(&pool, addr).await.unwrap().status, 101);
        assert_eq!(
            post(&pool, addr).await.unwrap().body,
            b"2",
            "a new connection"
        );
        server.abort();
    }
}
