//! The one way HTTP goes out: listen's forwards (the relay client's too),
//! replay, send, `send --from`, check and the inspector's replay all send
//! through a [`Client`].
//!
//! It writes HTTP/1.1 itself, over TCP or TLS (rustls), so every target gets
//! the header lines exactly as given: names in their case, in their order,
//! repeated names where they stood, nothing added but `Host` (when the
//! headers have none) and `Content-Length`. A general-purpose client
//! regroups repeated names and adds `Accept: */*`, which breaks byte-exact
//! forwards and replays. TLS offers http/1.1 only; HTTP/2 is spoken only to
//! an `https://` target that refuses it ([`h2`]).
//!
//! It also owns what every sender needs: trust (`--ca`, `--insecure`),
//! keep-alive pooling, the answer's size cap, the timeout, hop-by-hop
//! filtering, URL joining, and failures in plain words.

mod conn;
mod deliver;
mod framed;
mod h2;
mod hop;
pub mod plain;
mod pool;
mod request;
pub mod response;
mod tls;

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use conn::Conn;
pub use deliver::{DeliverError, Response, target};
pub use framed::Framing;
pub use hop::{HOP_BY_HOP, is_final_status, is_hop_by_hop, join_url, leaves_base};
use pool::Pool;
pub use response::{Answer, ReadError, size_text};
pub use tls::Trust;

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    /// Refused, unreachable, the name did not resolve, or the TLS
    /// handshake failed (a certificate not trusted).
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

impl Error {
    /// The failure in plain words, with what to do about it.
    pub fn plain(&self) -> String {
        plain::failure(self)
    }
}

/// The longest answer body taken: listen's default --max-body. A longer
/// one fails the request, and its connection is dropped.
pub const MAX_ANSWER_BODY: usize = 25 * 1024 * 1024;

/// An HTTP/1.1 client with its trust and its keep-alive pool; clones share both.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    trust: Trust,
    pool: Pool,
    /// The targets that speak HTTP/2 only, with their connections.
    h2: h2::Targets,
}

impl Client {
    /// For one-off senders (send, replay, check, the inspector): pooled
    /// connections survive the runtime that opened them.
    pub fn new(trust: Trust) -> Self {
        Self::with_pool(trust, Pool::portable(64))
    }

    /// For one runtime (listen's, a bulk replay's): up to `per_authority`
    /// idle connections to each target, kept registered with it. Drop the
    /// client before that runtime.
    pub fn bound(trust: Trust, per_authority: usize) -> Self {
        Self::with_pool(trust, Pool::new(per_authority))
    }

    fn with_pool(trust: Trust, pool: Pool) -> Self {
        Self {
            inner: Arc::new(Inner {
                trust,
                pool,
                h2: h2::Targets::default(),
            }),
        }
    }

    /// Sends one request to an `http://` or `https://` URL and reads the
    /// answer, all within `timeout`. The connection is kept for the next.
    /// `raw` is the URL as the caller wrote it: its path and query go on
    /// the request line unparsed (see [`request::request_head`]).
    pub async fn send<'h>(
        &self,
        method: &str,
        url: &url::Url,
        raw: &str,
        headers: impl IntoIterator<Item = (&'h str, &'h [u8])> + Clone,
        body: &[u8],
        timeout: Duration,
    ) -> Result<Answer, Error> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            _ => {
                return Err(Error::BadRequest(
                    "only http and https are supported".into(),
                ));
            }
        };
        let head = request::request_head(method, url, raw, headers.clone(), body, Framing::Length)?;
        if url.host_str().is_none() {
            return Err(Error::BadRequest("the URL has no host".into()));
        }
        // `scheme://[userinfo@]host[:port]`, borrowed from the URL rather
        // than built for every request.
        let key = &url[..url::Position::AfterPort];
        let pool = &self.inner.pool;
        let h2 = |headers: Vec<(&'h str, &'h [u8])>| h2::Request {
            method,
            url,
            raw,
            headers,
            body,
        };
        let exchange = async {
            if https && self.inner.h2.needs(key) {
                let req = h2(headers.into_iter().collect());
                return h2::send(&self.inner.h2, &self.inner.trust, key, &req).await;
            }
            // A reused connection the server closed meanwhile fails the write,
            // or ends cleanly before any byte of the answer: send once more on
            // a fresh one. A reset after the whole request was written may come
            // after the server acted on it, so it is not retried.
            if let Some(conn) = pool.take(key) {
                match exchange(conn, &head.bytes, body, method).await {
                    Ok((answer, conn)) => return Ok(keep(pool, key, answer, conn, head.close)),
                    Err(e) if closed_while_idle(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            let tls = https.then(|| self.inner.trust.connector());
            let conn = match conn::connect(url, tls).await {
                Err(e) if https && h2::refused_http1(&e) => {
                    let req = h2(headers.into_iter().collect());
                    return h2::send(&self.inner.h2, &self.inner.trust, key, &req).await;
                }
                connected => connected?,
            };
            let (answer, conn) = exchange(conn, &head.bytes, body, method).await?;
            Ok(keep(pool, key, answer, conn, head.close))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| Error::Timeout)?
    }
}

/// The server had closed a pooled connection before this request: a
/// clean end (over TLS, maybe without close_notify) or a failed write.
fn closed_while_idle(e: &Error) -> bool {
    match e {
        Error::Io(_) | Error::Read(ReadError::ClosedBeforeAnswer(None)) => true,
        Error::Read(ReadError::ClosedBeforeAnswer(Some(io))) => {
            io.kind() == std::io::ErrorKind::UnexpectedEof
        }
        _ => false,
    }
}

fn keep(pool: &Pool, key: &str, answer: Answer, conn: Option<Conn>, close: bool) -> Answer {
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
    mut conn: Conn,
    head: &[u8],
    body: &[u8],
    method: &str,
) -> Result<(Answer, Option<Conn>), Error> {
    let head_request = method.eq_ignore_ascii_case("HEAD");
    let written = async {
        // Head and body in one gathered write, neither copied: a
        // webhook-sized request goes out as one packet.
        let mut request = bytes::Buf::chain(head, body);
        conn.write_all_buf(&mut request).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpStream;

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

    async fn post(client: &Client, addr: std::net::SocketAddr) -> Result<Answer, Error> {
        let url = url::Url::parse(&format!("http://{addr}/")).unwrap();
        client
            .send(
                "POST",
                &url,
                url.as_str(),
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
        let pool = Client::bound(Trust::system(), 4);
        for want in ["1", "2", "3"] {
            assert_eq!(post(&pool, addr).await.unwrap().body, want.as_bytes());
        }
        drop(pool);
        assert_eq!(server.await.unwrap(), 3, "three requests on one connection");
    }

    /// A runtime for one send, dropped afterwards, as send and replay do.
    pub(super) fn one_off_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// The test server's own runtime, outliving the senders'.
    pub(super) fn server_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn the_portable_pool_carries_a_connection_from_one_runtime_to_the_next() {
        let (runtime, server_rt) = (one_off_runtime, server_runtime());
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
        let pool = Client::new(Trust::system());
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
        let pool = Client::bound(Trust::system(), 4);
        assert_eq!(post(&pool, addr).await.unwrap().body, b"first");
        assert_eq!(post(&pool, addr).await.unwrap().body, b"second");
        server.await.unwrap();
    }

    #[tokio::test]
    async fn refused_and_silent_servers_are_told_apart() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = post(&Client::bound(Trust::system(), 1), addr)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Connect(_)), "{err:?}");
        assert!(err.to_string().contains("refused"), "{err}");

        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", silent.local_addr().unwrap())).unwrap();
        let none: [(&str, &[u8]); 0] = [];
        let err = Client::bound(Trust::system(), 1)
            .send(
                "GET",
                &url,
                url.as_str(),
                none,
                b"",
                Duration::from_millis(200),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Timeout), "{err:?}");
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
        let pool = Client::bound(Trust::system(), 4);
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
        let err = post(&Client::bound(Trust::system(), 1), addr)
            .await
            .unwrap_err();
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
        let pool = Client::bound(Trust::system(), 4);
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
            let err = post(&Client::bound(Trust::system(), 1), addr)
                .await
                .unwrap_err();
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
        let pool = Client::bound(Trust::system(), 4);
        assert_eq!(post(&pool, addr).await.unwrap().status, 101);
        assert_eq!(
            post(&pool, addr).await.unwrap().body,
            b"2",
            "a new connection"
        );
        server.abort();
    }
}

#[cfg(test)]
mod https_tests {
    use super::tests::{one_off_runtime, server_runtime};
    use super::*;
    use std::sync::Mutex;
    use tokio::io::AsyncReadExt;

    /// A TLS server with a fresh self-signed certificate for 127.0.0.1:
    /// it records each request's raw bytes and answers "ok", keeping the
    /// connection open. Returns its URL, the certificate's PEM, the raw
    /// requests and the count of connections accepted.
    async fn tls_server() -> (String, String, Arc<Mutex<Vec<Vec<u8>>>>, Arc<Mutex<usize>>) {
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
        let pem = key.cert.pem();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(
                vec![key.cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.signing_key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/hooks/a?x=1", listener.local_addr().unwrap());
        let raw = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(Mutex::new(0));
        let (seen, count) = (raw.clone(), accepted.clone());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                *count.lock().unwrap() += 1;
                let (acceptor, seen) = (acceptor.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        // Requests here end with the 2-byte body "{}".
                        while !buf.ends_with(b"\r\n\r\n{}") {
                            match tls.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        seen.lock().unwrap().push(std::mem::take(&mut buf));
                        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if tls.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (url, pem, raw, accepted)
    }

    fn trusting(pem: &str) -> (Trust, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, pem).unwrap();
        (Trust::new(false, Some(&ca), "--ca").unwrap(), dir)
    }

    const HEADERS: [(&str, &[u8]); 4] = [
        ("X-Dup", b"a"),
        ("x-between", b"z"),
        ("X-DUP", b"b"),
        ("stripe-Signature", b"t=1,v1=ab"),
    ];

    async fn post(client: &Client, url: &str) -> Result<Answer, Error> {
        let url = url::Url::parse(url).unwrap();
        client
            .send(
                "POST",
                &url,
                url.as_str(),
                HEADERS,
                b"{}",
                Duration::from_secs(5),
            )
            .await
    }

    #[tokio::test]
    async fn https_gets_the_head_byte_for_byte_over_one_kept_connection() {
        let (url, pem, raw, accepted) = tls_server().await;
        let (trust, _dir) = trusting(&pem);
        let client = Client::bound(trust, 4);
        for _ in 0..2 {
            assert_eq!(post(&client, &url).await.unwrap().body, b"ok");
        }
        let host = url
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap();
        let want = format!(
            "POST /hooks/a?x=1 HTTP/1.1\r\nHost: {host}\r\nX-Dup: a\r\nx-between: z\r\n\
             X-DUP: b\r\nstripe-Signature: t=1,v1=ab\r\nContent-Length: 2\r\n\r\n{{}}"
        );
        let raw = raw.lock().unwrap().clone();
        assert_eq!(raw.len(), 2);
        for r in raw {
            assert_eq!(
                String::from_utf8(r).unwrap(),
                want,
                "nothing added, nothing moved"
            );
        }
        assert_eq!(*accepted.lock().unwrap(), 1, "one TLS connection for both");
    }

    #[test]
    fn a_pooled_tls_connection_outlives_its_runtime() {
        let (runtime, server_rt) = (one_off_runtime, server_runtime());
        let (url, pem, _raw, accepted) = server_rt.block_on(tls_server());
        let (trust, _dir) = trusting(&pem);
        let client = Client::new(trust);
        for _ in 0..2 {
            // Each send in its own runtime, dropped afterwards, as send and replay do.
            let answer = runtime().block_on(post(&client, &url)).unwrap();
            assert_eq!(answer.body, b"ok");
        }
        assert_eq!(*accepted.lock().unwrap(), 1, "one TLS connection for both");
    }

    #[tokio::test]
    async fn an_unknown_certificate_is_refused_in_words_unless_insecure() {
        let (url, _pem, raw, _) = tls_server().await;
        let err = post(&Client::new(Trust::system()), &url).await.unwrap_err();
        assert!(matches!(err, Error::Connect(_)), "{err:?}");
        let words = err.plain();
        assert!(
            words.contains("not signed by an authority") && words.contains("--ca FILE"),
            "{words}"
        );
        assert!(raw.lock().unwrap().is_empty(), "nothing sent untrusted");
        let insecure = Client::new(Trust::new(true, None, "--ca").unwrap());
        assert_eq!(post(&insecure, &url).await.unwrap().body, b"ok");
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_told_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a certificate").unwrap();
        let err = Trust::new(false, Some(&ca), "--forward-ca").err().unwrap();
        assert!(err.to_string().starts_with("--forward-ca "), "{err}");
        assert!(err.to_string().contains("not a PEM certificate"), "{err}");
        let missing = dir.path().join("missing.pem");
        let err = Trust::new(false, Some(&missing), "--ca").err().unwrap();
        assert!(err.to_string().starts_with("cannot read --ca "), "{err}");
    }
}
