//! `hookcli relay`: the public side of the tunnel. Deliveries to
//! `/<channel>/<path>` go to the client attached to that channel over its one
//! WebSocket, and the app's real answer comes back to the provider.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use super::frame::{Frame, message_cap};
use super::outbox::{Limits, Outbox, Refused};
use crate::conn::{Activity, BodyError, BodyLimits};
use crate::listen::capture::{CaptureIo, HeadCapture, original_headers};
use crate::provider::Headers;
use crate::provider::crypto::{ct_eq, sha256_hex};
use crate::secret::Secret;
use crate::store::{Attempt, AttemptKind, Delivery, Store, VerdictRecord, Writer, new_id, now_ms};

pub const CONNECT_PATH: &str = "/_hookcli/connect";

/// What `relay` was asked to do.
pub struct RelayConfig {
    pub bind: SocketAddr,
    pub token: Secret,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub public_url: Option<String>,
    pub timeout: Duration,
    pub buffer: Option<PathBuf>,
    pub max_body: u64,
    /// From accept (and from each answer) to a complete request head.
    pub header_timeout: Duration,
    /// The whole body must arrive within this.
    pub body_timeout: Duration,
    pub max_connections: usize,
    /// Body bytes all requests in flight may hold at once.
    pub body_budget: u64,
}

/// What may wait for one client: 16 MiB of deliveries (or the one that is
/// larger), and at most 256 of them.
const QUEUE_BYTES: usize = 16 << 20;
const QUEUE_COUNT: usize = 256;
/// How long a detached client's writer may take to send its close.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// A client attached to a channel.
struct Attached {
    generation: u64,
    peer: String,
    outbox: Outbox,
    pending: Mutex<HashMap<u64, oneshot::Sender<Frame>>>,
    /// True while buffered deliveries are being handed over: new ones queue behind them.
    draining: AtomicBool,
}

struct State {
    config: RelayConfig,
    channels: Mutex<HashMap<String, Arc<Attached>>>,
    next_id: AtomicU64,
    generation: AtomicU64,
    buffer: Option<(Store, Writer)>,
    body_limits: BodyLimits,
}

type Reply = Response<Full<Bytes>>;

fn reply(status: u16, body: serde_json::Value) -> Reply {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn valid_channel(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn run(config: RelayConfig) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                anyhow::anyhow!("{} is already in use; pass another --port", config.bind)
            }
            _ => anyhow::anyhow!("cannot listen on {}: {e}", config.bind),
        })?;
    let local = listener.local_addr()?;
    let tls = match &config.tls {
        Some((cert, key)) => Some(super::tls::acceptor(cert, key)?),
        None => None,
    };
    let (buffer, writer_thread) = match &config.buffer {
        Some(dir) => {
            let store = Store::at(dir);
            let (writer, thread) = Writer::start(&store)?;
            (Some((store, writer)), Some(thread))
        }
        None => (None, None),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{local}"));
    let base = public.trim_end_matches('/');
    let buffering = match &config.buffer {
        Some(dir) => format!("buffering for absent clients in {}", dir.display()),
        None => {
            "no client attached: 503 with Retry-After (pass --buffer DIR to keep deliveries)".into()
        }
    };
    let banner = format!(
        "hookcli relay listening on {scheme}://{local}\n  deliveries to {base}/<channel>/..., clients attach at {base}{CONNECT_PATH}?channel=<channel>\n  {buffering}\n"
    );
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(banner.as_bytes());
        let _ = out.flush();
    }
    let limits = crate::conn::Limits::new(config.header_timeout, config.max_connections);
    let body_limits = BodyLimits {
        max: config.max_body,
        timeout: config.body_timeout,
        budget: crate::conn::Budget::new(config.body_budget),
    };
    let state = Arc::new(State {
        body_limits,
        config,
        channels: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        generation: AtomicU64::new(1),
        buffer,
    });

    let shutdown = crate::listen::shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            (stream, peer, ticket) = limits.accept(&listener) => {
                let state = state.clone();
                let tls = tls.clone();
                let activity = ticket.activity();
                // The TLS handshake counts against the header timeout too.
                tokio::spawn(ticket.run(async move {
                    match tls {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(s) => serve(state, s, peer, "https", activity).await,
                            Err(e) => eprintln!("hookcli relay: TLS handshake with {peer} failed: {e}"),
                        },
                        None => serve(state, stream, peer, "http", activity).await,
                    }
                }));
            }
            _ = &mut shutdown => break,
        }
    }
    drop(state);
    if let Some(t) = writer_thread {
        // Connections still open hold writer handles; what was answered is committed.
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            tokio::task::spawn_blocking(move || t.join()),
        )
        .await;
    }
    Ok(())
}

async fn serve<IO>(
    state: Arc<State>,
    io: IO,
    peer: SocketAddr,
    scheme: &'static str,
    activity: Activity,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let capture = HeadCapture::new();
    let io = TokioIo::new(CaptureIo::new(io, capture.clone()));
    let header_timeout = state.config.header_timeout;
    let service = hyper::service::service_fn(move |req| {
        let (state, capture, held) = (state.clone(), capture.clone(), activity.clone());
        activity.track(async move {
            Ok::<_, std::convert::Infallible>(handle(state, capture, req, peer, scheme, held).await)
        })
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(io, service)
        .with_upgrades()
        .await;
}

async fn handle(
    state: Arc<State>,
    capture: HeadCapture,
    req: Request<Incoming>,
    peer: SocketAddr,
    scheme: &str,
    activity: Activity,
) -> Reply {
    // First thing: heads are handed out in the order requests arrive.
    let head = capture.take();
    let path = req.uri().path().to_string();
    if path == "/healthz" {
        let n = state
            .channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        return reply(200, serde_json::json!({ "ok": true, "channels": n }));
    }
    if path == CONNECT_PATH {
        return connect(state, req, peer, activity);
    }
    let trimmed = path.trim_start_matches('/');
    let (channel, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    if !valid_channel(channel) {
        return reply(
            404,
            serde_json::json!({ "error": "deliveries go to /<channel>/<path>" }),
        );
    }
    let channel = channel.to_string();
    let query = req
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let target = format!("/{rest}{query}");
    let original_target = req
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_string();
    let method = req.method().as_str().to_string();
    let headers: Headers = head
        .and_then(|head| original_headers(&head, &method, &original_target, req.headers()))
        .unwrap_or_else(|| {
            req.headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
                .collect()
        });
    let public_url = crate::base::url::sender_url(
        state.config.public_url.as_deref(),
        scheme,
        headers.get_str("host"),
        &original_target,
    );
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let limits = &state.body_limits;
    let read = match limits.admit(declared) {
        Ok(grant) => limits.read(req.into_body(), grant).await,
        Err(e) => Err(e),
    };
    // The share of the body budget, held until the delivery is answered.
    let (body, _grant) = match read {
        Ok(b) => (b.bytes, b.grant),
        Err(e) => {
            let (status, why) = match &e {
                BodyError::TooLarge(max) => {
                    (413, format!("body is over the relay's --max-body {max}"))
                }
                BodyError::Busy => (503, e.to_string()),
                BodyError::TimedOut(_) => (408, e.to_string()),
                BodyError::Broken(_) => (400, e.to_string()),
            };
            // The rest of the body is not waited for: the connection closes.
            let mut r = reply(status, serde_json::json!({ "error": why }));
            let h = r.headers_mut();
            h.insert(
                "connection",
                hyper::header::HeaderValue::from_static("close"),
            );
            if status == 503 {
                h.insert("retry-after", hyper::header::HeaderValue::from_static("5"));
            }
            return r;
        }
    };
    let frame = Frame::Deliver {
        id: 0,
        method,
        target,
        public_url,
        peer: Some(peer.to_string()),
        headers,
        body,
    };
    deliver(&state, &channel, frame).await
}

/// Hands a delivery to the channel's client, buffers it, or says 503.
async fn deliver(state: &Arc<State>, channel: &str, frame: Frame) -> Reply {
    let attached = state
        .channels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(channel)
        .cloned();
    let buffering = state.buffer.is_some();
    match attached {
        Some(a) if !(buffering && a.draining.load(Ordering::SeqCst)) => {
            match over(state, &a, frame).await {
                Ok(Frame::Answer {
                    status,
                    headers,
                    body,
                    ..
                }) => {
                    let mut b = Response::builder().status(status);
                    for (n, v) in headers.iter() {
                        if !crate::client::is_hop_by_hop(n, None) {
                            b = b.header(n, v);
                        }
                    }
                    b.body(Full::new(Bytes::from(body)))
                    .unwrap_or_else(|_| reply(502, serde_json::json!({ "error": "the client's answer could not be passed on" })))
                }
                Ok(_) => reply(
                    502,
                    serde_json::json!({ "error": "the client answered with the wrong frame" }),
                ),
                Err(Failed::Full(frame)) if buffering => buffer(state, channel, frame).await,
                Err(Failed::Full(_)) => unavailable(format!(
                    "the client on channel {channel} is not keeping up; retry later"
                )),
                Err(Failed::Status(status, why)) => {
                    reply(status, serde_json::json!({ "error": why }))
                }
            }
        }
        _ if buffering => buffer(state, channel, frame).await,
        _ => unavailable(format!(
            "no client is attached to channel {channel}; retry later"
        )),
    }
}

/// 503 with Retry-After: providers retry later.
fn unavailable(why: String) -> Reply {
    let mut r = reply(503, serde_json::json!({ "error": why }));
    r.headers_mut()
        .insert("retry-after", hyper::header::HeaderValue::from_static("10"));
    r
}

/// Why a delivery got no answer from the client.
enum Failed {
    /// The client's queue is full; the delivery comes back, for the buffer.
    Full(Frame),
    Status(u16, String),
}

/// A delivery handed to a client. However the wait ends (an answer, the
/// timeout, the sender hanging up), it leaves the queue: a delivery already
/// answered 504 is never sent later.
struct Ticket<'a> {
    a: &'a Attached,
    id: u64,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.a.outbox.cancel(self.id);
        self.a
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

/// One delivery over the client's connection; the answer, or why there is none.
async fn over(state: &State, a: &Attached, frame: Frame) -> Result<Frame, Failed> {
    let id = state.next_id.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = oneshot::channel();
    a.pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, tx);
    let _ticket = Ticket { a, id };
    match a.outbox.push_frame(id, frame.encode_as(id)) {
        // Only the encoded copy waits in the queue.
        Ok(()) => drop(frame),
        Err(Refused::Full) => return Err(Failed::Full(frame)),
        Err(Refused::Closed) => {
            return Err(Failed::Status(502, "the client disconnected".into()));
        }
    }
    match tokio::time::timeout(state.config.timeout, rx).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(_)) => Err(Failed::Status(
            502,
            "the client disconnected before answering".into(),
        )),
        Err(_) => Err(Failed::Status(
            504,
            format!(
                "the client did not answer within {:?}",
                state.config.timeout
            ),
        )),
    }
}

/// Keeps a delivery for later: committed before the 202 goes out.
async fn buffer(state: &Arc<State>, channel: &str, frame: Frame) -> Reply {
    let Some((_, writer)) = &state.buffer else {
        return reply(503, serde_json::json!({ "error": "no buffer" }));
    };
    let Frame::Deliver {
        method,
        target,
        public_url,
        peer,
        headers,
        body,
        ..
    } = frame
    else {
        return reply(500, serde_json::json!({ "error": "not a delivery" }));
    };
    let d = Delivery {
        id: new_id(),
        received_at: now_ms(),
        peer,
        method,
        target,
        http_version: "HTTP/1.1".into(),
        headers,
        body_sha256: sha256_hex(&body),
        body,
        provider: None,
        event_type: None,
        event_id: None,
        verdict: VerdictRecord::unchecked("buffered by the relay; listen checks it on arrival"),
        source: "relay-buffer".into(),
        public_url: Some(public_url),
        rejected: None,
    };
    let id = d.id.clone();
    match writer.buffer(d, channel).await {
        Ok(()) => {
            // A client may have attached meanwhile: make sure it drains.
            let attached = state
                .channels
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(channel)
                .cloned();
            if let Some(a) = attached
                && !a.draining.swap(true, Ordering::SeqCst)
            {
                tokio::spawn(drain(state.clone(), channel.to_string(), a));
            }
            reply(
                202,
                serde_json::json!({ "buffered": true, "id": id, "channel": channel }),
            )
        }
        // The store's path and SQLite's words stay on the relay's stderr:
        // the sender is on the internet.
        Err(e) => {
            eprintln!(
                "hookcli relay: channel {channel}: could not keep a delivery: {}",
                crate::output::one_line(&e.to_string())
            );
            reply(
                500,
                serde_json::json!({ "error": "the relay could not keep the delivery" }),
            )
        }
    }
}

/// Hands buffered deliveries to a newly attached client, oldest first.
/// At least once: a delivery leaves the queue only once the client answered.
async fn drain(state: Arc<State>, channel: String, a: Arc<Attached>) {
    let Some((store, writer)) = &state.buffer else {
        return;
    };
    // Deliveries the client took too long over: left queued for its next
    // attach, and passed over here so the rest still flows.
    let mut passed_over = std::collections::HashSet::new();
    loop {
        let batch = match store.open_read().and_then(|c| {
            crate::store::query::pending(&c, &channel, 100).map_err(store.sqlite_err())
        }) {
            Ok(b) => b
                .into_iter()
                .filter(|d| !passed_over.contains(&d.id))
                .collect::<Vec<_>>(),
            Err(crate::store::StoreError::Missing { .. }) => Vec::new(),
            Err(e) => {
                eprintln!("hookcli relay: cannot read the buffer: {e}");
                break;
            }
        };
        if batch.is_empty() {
            a.draining.store(false, Ordering::SeqCst);
            // One more look: a delivery buffered just now must not wait for the next client.
            let again = store
                .open_read()
                .ok()
                .and_then(|c| {
                    crate::store::query::pending(&c, &channel, passed_over.len() + 1).ok()
                })
                .is_some_and(|b| b.iter().any(|d| !passed_over.contains(&d.id)));
            if again && !a.draining.swap(true, Ordering::SeqCst) {
                continue;
            }
            return;
        }
        for d in batch {
            let started = now_ms();
            let mut frame = Frame::Deliver {
                id: 0,
                method: d.method.clone(),
                target: d.target.clone(),
                public_url: d.public_url.clone().unwrap_or_default(),
                peer: d.peer.clone(),
                headers: d.headers.clone(),
                body: d.body.clone(),
            };
            let answered = loop {
                match over(&state, &a, frame).await {
                    // The client is behind: wait for room, in order. A client
                    // that never makes room is detached, and this ends.
                    Err(Failed::Full(back)) => {
                        frame = back;
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    other => break other,
                }
            };
            match answered {
                Ok(Frame::Answer {
                    status,
                    headers,
                    body,
                    ..
                }) => {
                    let attempt = Attempt {
                        delivery_id: d.id.clone(),
                        kind: AttemptKind::Forward,
                        target: Some(format!("relay channel {channel}")),
                        started_at: started,
                        status: Some(status),
                        headers,
                        body,
                        duration_ms: (now_ms() - started) as f64,
                        error: None,
                        sent: None,
                    };
                    if let Err(e) = writer.delivered(attempt).await {
                        eprintln!("hookcli relay: cannot mark {} delivered: {e}", d.id);
                    }
                }
                Err(Failed::Status(504, why)) => {
                    eprintln!(
                        "hookcli relay: channel {channel}: buffered delivery {} not answered ({why}); kept for the next attach",
                        d.id
                    );
                    passed_over.insert(d.id.clone());
                }
                _ => {
                    // The client went away: the rest waits for the next one.
                    a.draining.store(false, Ordering::SeqCst);
                    return;
                }
            }
        }
    }
    a.draining.store(false, Ordering::SeqCst);
}

/// The token of an `Authorization: Bearer TOKEN` value. The scheme is
/// case-insensitive (RFC 7235), so `bearer` from a hand-written client counts.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start_matches(' '))
}

/// The WebSocket upgrade of a client: token first, then the channel.
fn connect(
    state: Arc<State>,
    mut req: Request<Incoming>,
    peer: SocketAddr,
    activity: Activity,
) -> Reply {
    let channel = req
        .uri()
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "channel")
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default();
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .unwrap_or("");
    if !ct_eq(token.as_bytes(), state.config.token.as_bytes()) {
        eprintln!(
            "hookcli relay: refused a client from {peer} for channel {channel:?}: wrong or missing token"
        );
        return reply(
            401,
            serde_json::json!({ "error": "wrong or missing token" }),
        );
    }
    if !valid_channel(&channel) {
        return reply(
            400,
            serde_json::json!({ "error": "channel names are 1-64 letters, digits, - or _" }),
        );
    }
    let Some(key) = req
        .headers()
        .get("sec-websocket-key")
        .map(|k| k.as_bytes().to_vec())
    else {
        return reply(
            400,
            serde_json::json!({ "error": "a WebSocket upgrade is expected here" }),
        );
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(&key);
    let upgrade = hyper::upgrade::on(&mut req);
    // The session keeps the connection's slot (and out of the idle timeout).
    let in_session = activity.begin();
    tokio::spawn(async move {
        let _in_session = in_session;
        match upgrade.await {
            Ok(upgraded) => {
                // The client sends answers, capped by listen; a frame header
                // declaring more than the cap closes this session, not the relay.
                let cap = message_cap(state.config.max_body);
                let mut config = WebSocketConfig::default();
                config.max_message_size = Some(cap);
                config.max_frame_size = Some(cap);
                let ws = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(config),
                )
                .await;
                session(state, channel, ws, peer).await;
            }
            Err(e) => eprintln!("hookcli relay: upgrade from {peer} failed: {e}"),
        }
    });
    Response::builder()
        .status(101)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", accept)
        .body(Full::new(Bytes::new()))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// One attached client: the newest client of a channel takes it over.
async fn session<S>(state: Arc<State>, channel: String, ws: WebSocketStream<S>, peer: SocketAddr)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let generation = state.generation.fetch_add(1, Ordering::Relaxed);
    let attached = Arc::new(Attached {
        generation,
        peer: peer.to_string(),
        outbox: Outbox::new(Limits {
            bytes: QUEUE_BYTES,
            count: QUEUE_COUNT,
            // Full for a whole --timeout with nothing taken: every delivery
            // queued when it filled has been answered 504 meanwhile.
            grace: state.config.timeout,
        }),
        pending: Mutex::new(HashMap::new()),
        draining: AtomicBool::new(state.buffer.is_some()),
    });
    let previous = state
        .channels
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(channel.clone(), attached.clone());
    if let Some(old) = previous {
        old.outbox.push_control(Message::Close(Some(CloseFrame {
            code: super::TAKEOVER_CODE.into(),
            reason: "another client took over this channel".into(),
        })));
        eprintln!(
            "hookcli relay: channel {channel}: client {} takes over from {}",
            attached.peer, old.peer
        );
    } else {
        eprintln!("hookcli relay: channel {channel}: client {peer} attached");
    }
    let mut writer = {
        let attached = attached.clone();
        tokio::spawn(async move {
            // Frames queue up under load: write them all, then flush once.
            'outer: while let Some(m) = attached.outbox.next().await {
                let mut next = Some(m);
                while let Some(m) = next.take() {
                    let close = matches!(m, Message::Close(_));
                    if sink.feed(m).await.is_err() || close {
                        let _ = sink.flush().await;
                        break 'outer;
                    }
                    next = attached.outbox.try_next();
                }
                if sink.flush().await.is_err() {
                    break;
                }
            }
            attached.outbox.close();
            let _ = sink.close().await;
        })
    };
    if state.buffer.is_some() {
        tokio::spawn(drain(state.clone(), channel.clone(), attached.clone()));
    }
    // A client that vanished without a word is detached within 30 s, so
    // its channel buffers (or answers 503) instead of timing out.
    let mut heartbeat = tokio::time::interval(Duration::from_secs(10));
    let mut last_seen = std::time::Instant::now();
    let close = loop {
        let msg = tokio::select! {
            msg = stream.next() => match msg {
                Some(m) => m,
                None => break None,
            },
            _ = attached.outbox.stuck() => break not_reading(&channel, peer, state.config.timeout),
            _ = heartbeat.tick() => {
                if attached.outbox.is_stuck() {
                    break not_reading(&channel, peer, state.config.timeout);
                }
                if last_seen.elapsed() > Duration::from_secs(30) {
                    eprintln!("hookcli relay: channel {channel}: client {peer} silent for 30 s, detaching");
                    break None;
                }
                attached.outbox.push_control(Message::Ping(Vec::new().into()));
                continue;
            }
        };
        last_seen = std::time::Instant::now();
        match msg {
            Ok(Message::Binary(bytes)) => match Frame::decode(&bytes) {
                Ok(Frame::Answer {
                    id,
                    status,
                    headers,
                    body,
                }) => {
                    let waiter = attached
                        .pending
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id);
                    if let Some(w) = waiter {
                        let _ = w.send(Frame::Answer {
                            id,
                            status,
                            headers,
                            body,
                        });
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("hookcli relay: channel {channel}: bad frame from the client: {e}")
                }
            },
            Ok(Message::Ping(p)) => attached.outbox.push_control(Message::Pong(p)),
            Err(tokio_tungstenite::tungstenite::Error::Capacity(e)) => {
                eprintln!(
                    "hookcli relay: channel {channel}: client {peer} sent a message over the relay's cap ({e}); closing its connection"
                );
                break Some(CloseFrame {
                    code: CloseCode::Size,
                    reason: "message over the relay's cap".into(),
                });
            }
            Ok(Message::Close(_)) | Err(_) => break None,
            Ok(_) => {}
        }
    };
    {
        let mut channels = state.channels.lock().unwrap_or_else(|p| p.into_inner());
        if channels
            .get(&channel)
            .is_some_and(|a| a.generation == generation)
        {
            channels.remove(&channel);
            eprintln!("hookcli relay: channel {channel}: client {peer} detached");
        }
    }
    // Deliveries still waiting on this client get 502 now.
    attached
        .pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
    attached.outbox.push_control(Message::Close(close));
    // A client that does not read never takes its close: cut it off.
    if tokio::time::timeout(CLOSE_GRACE, &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    attached.outbox.close();
}

/// The line for a client whose queue stayed full; the close it is sent.
fn not_reading(channel: &str, peer: SocketAddr, grace: Duration) -> Option<CloseFrame> {
    eprintln!(
        "hookcli relay: channel {channel}: client {peer} is not reading its deliveries (queue full for {grace:?}), detaching"
    );
    Some(CloseFrame {
        code: CloseCode::Again,
        reason: "not reading its deliveries".into(),
    })
}
