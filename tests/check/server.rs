//! A small hyper server of our own for the check receivers.

use super::*;

/// What a receiver does with one request.
pub(super) enum Reply {
    Status(u16),
    /// Answers after a while (work done before acknowledging).
    After(Duration, u16),
    /// Drops the connection without an answer, as a crashed worker does.
    Crash,
    /// Never answers.
    Hang,
    /// Answers with a status, a content type and a body (a handshake's answer).
    Body(u16, &'static str, Vec<u8>),
}

/// One request as the receiver got it.
pub(super) struct Req {
    pub(super) method: String,
    /// Path and query as in the request line.
    pub(super) target: String,
    pub(super) headers: hyper::HeaderMap,
    pub(super) body: Bytes,
    pub(super) local: SocketAddr,
}

impl Req {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(super) type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

pub(super) enum Kind {
    Http(Arc<Handler>),
    /// A hand-rolled server that verifies whatever body bytes came with
    /// the head, without waiting for the rest (one request per connection).
    FirstRead(Arc<Handler>),
    /// Accepts, reads the first byte of the request, and resets the connection.
    Reset,
}

/// A server on 127.0.0.1:0, on its own thread and runtime; stops on Drop.
pub(super) struct Server {
    pub(super) addr: SocketAddr,
    /// Method and target of every request, in arrival order.
    pub(super) seen: Arc<Mutex<Vec<(String, String)>>>,
    pub(super) stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub(super) thread: Option<JoinHandle<()>>,
}

impl Server {
    pub(super) fn http(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(Kind::Http(Arc::new(handler)))
    }

    pub(super) fn first_read(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(Kind::FirstRead(Arc::new(handler)))
    }

    pub(super) fn resetting() -> Server {
        Server::start(Kind::Reset)
    }

    pub(super) fn start(kind: Kind) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = {
            let seen = seen.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("receiver runtime");
                rt.block_on(serve(listener, kind, seen, stopped));
            })
        };
        Server {
            addr,
            seen,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(super) fn requests(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(super) async fn serve(
    listener: std::net::TcpListener,
    kind: Kind,
    seen: Arc<Mutex<Vec<(String, String)>>>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let local = stream.local_addr().expect("local address");
        match &kind {
            Kind::Reset => {
                tokio::spawn(async move {
                    use tokio::io::AsyncReadExt;
                    let mut one = [0u8; 1];
                    let mut stream = stream;
                    let _ = stream.read(&mut one).await;
                    // Unread request bytes plus a zero linger: the peer gets an RST.
                    let _ = stream.set_zero_linger();
                    drop(stream);
                });
            }
            Kind::FirstRead(handler) => {
                tokio::spawn(first_read(stream, local, handler.clone(), seen.clone()));
            }
            Kind::Http(handler) => {
                let handler = handler.clone();
                let seen = seen.clone();
                let service = service_fn(move |req: hyper::Request<Incoming>| {
                    let handler = handler.clone();
                    let seen = seen.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let req = Req {
                            method: parts.method.to_string(),
                            target: parts
                                .uri
                                .path_and_query()
                                .map_or_else(|| parts.uri.to_string(), |pq| pq.to_string()),
                            headers: parts.headers,
                            body,
                            local,
                        };
                        seen.lock()
                            .unwrap()
                            .push((req.method.clone(), req.target.clone()));
                        let (status, content_type, body) = match handler(&req) {
                            Reply::Status(s) => (s, "text/plain", format!("{s}\n").into_bytes()),
                            Reply::After(wait, s) => {
                                tokio::time::sleep(wait).await;
                                (s, "text/plain", format!("{s}\n").into_bytes())
                            }
                            Reply::Crash => {
                                return Err(std::io::Error::other("the handler crashed"));
                            }
                            Reply::Hang => std::future::pending().await,
                            Reply::Body(s, ct, body) => (s, ct, body),
                        };
                        let response = hyper::Response::builder()
                            .status(status)
                            .header("content-type", content_type)
                            .body(Full::new(Bytes::from(body)))
                            .expect("response");
                        Ok::<_, std::io::Error>(response)
                    }
                });
                tokio::spawn(async move {
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

/// Serves one request the way a handler that reads "the body" from the
/// first packet does: head, plus whatever body bytes arrived with it.
async fn first_read(
    mut stream: tokio::net::TcpStream,
    local: SocketAddr,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<(String, String)>>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 256 * 1024];
    let head_len = loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let mut parsed = [httparse::EMPTY_HEADER; 64];
    let mut head = httparse::Request::new(&mut parsed);
    if head.parse(&buf).is_err() {
        return;
    }
    let mut headers = hyper::HeaderMap::new();
    for h in head.headers.iter() {
        if let (Ok(n), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(h.name.as_bytes()),
            hyper::header::HeaderValue::from_bytes(h.value),
        ) {
            headers.append(n, v);
        }
    }
    let arrived = &buf[head_len..];
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    let body = if chunked {
        complete_chunks(arrived)
    } else {
        arrived.to_vec()
    };
    let req = Req {
        method: head.method.unwrap_or("").to_string(),
        target: head.path.unwrap_or("").to_string(),
        headers,
        body: Bytes::from(body),
        local,
    };
    seen.lock()
        .unwrap()
        .push((req.method.clone(), req.target.clone()));
    let status = match handler(&req) {
        Reply::Status(s) | Reply::After(_, s) | Reply::Body(s, _, _) => s,
        Reply::Crash | Reply::Hang => 500,
    };
    let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
    // Take what the client still sends, so closing does not reset the
    // connection before it has read the answer.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while matches!(stream.read(&mut chunk).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// The data of the complete chunks in `raw`.
fn complete_chunks(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let Some(size) = std::str::from_utf8(&raw[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
        else {
            break;
        };
        let data = &raw[eol + 2..];
        if size == 0 || data.len() < size + 2 {
            break;
        }
        out.extend_from_slice(&data[..size]);
        raw = &data[size + 2..];
    }
    out
}
