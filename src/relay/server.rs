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

use super::access::{Access, Granted};
use super::allow::Allow;
use super::buffer::{Backlog, buffer, drain};
use super::frame::{Frame, message_cap};
use super::log::{DeliveryLine, Log};
use super::metrics::Metrics;
use super::outbox::{Limits, Outbox, Refused};
use crate::conn::{Activity, BodyLimits};
use crate::incoming::{self, CaptureIo, Door, HeadCapture, Read};
use crate::secret::Secret;
use crate::store::{Store, Writer};

pub const CONNECT_PATH: &str = "/_hookcli/connect";

/// What `relay` was asked to do.
pub struct RelayConfig {
    pub bind: SocketAddr,
    /// The tokens clients attach with.
    pub access: Access,
    /// Who may deliver on the public side.
    pub allow: Allow,
    /// `GET /metrics` on the public port needs this bearer token.
    pub metrics_token: Option<Secret>,
    /// `GET /metrics`, with no token, on this address of its own.
    pub metrics_bind: Option<SocketAddr>,
    pub log: Log,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub public_url: Option<String>,
    pub timeout: Duration,
    /// `--buffer DIR`: a store folder of this relay's own.
    pub buffer: Option<PathBuf>,
    /// `--database-url`: the state shared with other instances.
    pub database: Option<Arc<super::pg::Db>>,
    /// `--buffer` with `--database-url`: the buffer is in the database.
    pub buffer_in_database: bool,
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
pub(super) struct Attached {
    generation: u64,
    peer: String,
    /// The token it attached with.
    pub(super) granted: Granted,
    /// Told when its token is revoked: the session ends.
    pub(super) kick: tokio::sync::Notify,
    outbox: Outbox,
    pending: Mutex<HashMap<u64, oneshot::Sender<Frame>>>,
    /// True while buffered deliveries are being handed over: new ones queue behind them.
    pub(super) draining: AtomicBool,
}

pub(super) struct State {
    pub(super) config: RelayConfig,
    pub(super) channels: Mutex<HashMap<String, Arc<Attached>>>,
    next_id: AtomicU64,
    generation: AtomicU64,
    pub(super) buffer: Option<Backlog>,
    /// With a database: deliveries for clients attached to other instances.
    pub(super) route: Option<Arc<super::pg::route::Router>>,
    body_limits: BodyLimits,
    pub(super) metrics: Metrics,
    pub(super) log: Log,
}

impl State {
    /// The client attached to `channel`, if any.
    pub(super) fn attached(&self, channel: &str) -> Option<Arc<Attached>> {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.get(channel).cloned()
    }

    /// The channels with a client attached here.
    pub(super) fn attached_channels(&self) -> Vec<String> {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.keys().cloned().collect()
    }
}

pub(super) type Reply = Response<Full<Bytes>>;

/// Marks a response as the client's answer (not one the relay made up).
#[derive(Clone, Copy)]
struct Answered;

pub(super) fn reply(status: u16, body: serde_json::Value) -> Reply {
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

/// Serves until a shutdown signal; `announce` gets the banner (where it
/// listens, where clients attach) once the ports are bound.
pub async fn run(config: RelayConfig, announce: impl FnOnce(&str)) -> anyhow::Result<()> {
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
    let (buffer, writer_thread) = match (&config.buffer, &config.database) {
        (_, Some(db)) if config.buffer_in_database => (Some(Backlog::Database(db.clone())), None),
        (Some(dir), _) => {
            let store = Store::at(dir);
            let (writer, thread) = Writer::start(&store)?;
            (Some(Backlog::Store(store, writer)), Some(thread))
        }
        _ => (None, None),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{local}"));
    let base = public.trim_end_matches('/');
    let buffering = match (&buffer, &config.buffer) {
        (Some(Backlog::Database(db)), _) => {
            format!(
                "buffering for absent clients in PostgreSQL at {}",
                db.shown()
            )
        }
        (_, Some(dir)) => format!("buffering for absent clients in {}", dir.display()),
        _ => {
            "no client attached: 503 with Retry-After (pass --buffer DIR to keep deliveries)".into()
        }
    };
    let metrics_listener = match config.metrics_bind {
        Some(addr) => Some(super::observe::bind(addr).await?),
        None => None,
    };
    let mut banner = format!(
        "hookcli relay listening on {scheme}://{local}\n  deliveries to {base}/<channel>/..., clients attach at {base}{CONNECT_PATH}?channel=<channel>\n  {buffering}\n"
    );
    if let Some(l) = &metrics_listener {
        banner.push_str(&format!(
            "  metrics at http://{}/metrics\n",
            l.local_addr()?
        ));
    }
    announce(&banner);
    let limits = crate::conn::Limits::new(config.header_timeout, config.max_connections);
    let body_limits = BodyLimits {
        max: config.max_body,
        timeout: config.body_timeout,
        budget: crate::conn::Budget::new(config.body_budget),
        // The relay does not wait for connections when it stops.
        stopping: None,
    };
    let log = config.log;
    let state_route = config
        .database
        .clone()
        .map(|db| Arc::new(super::pg::route::Router::new(db)));
    let state = Arc::new(State {
        body_limits,
        config,
        channels: Mutex::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        generation: AtomicU64::new(1),
        buffer,
        route: state_route,
        metrics: Metrics::default(),
        log,
    });
    if let Some(l) = metrics_listener {
        tokio::spawn(super::observe::serve(state.clone(), l));
    }
    if state.config.access.store.is_some() {
        tokio::spawn(super::revoke::watch(state.clone()));
    }
    if let Some(router) = &state.route {
        tokio::spawn(super::pg::route::listen(state.clone(), router.clone()));
        tokio::spawn(super::pg::route::heartbeat(state.clone(), router.clone()));
    }

    let shutdown = crate::conn::shutdown_signal();
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
                            Err(e) => state.log.note(&format!("TLS handshake with {peer} failed: {e}")),
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
    // HTTP/1.1, or HTTP/2 with prior knowledge (h2c), as listen takes it:
    // an HTTP/1-only server closed on the HTTP/2 preface without a word.
    // The gate bounds both from accept; hyper's timer is HTTP/1's alone.
    let mut builder =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout);
    let _ = builder.serve_connection_with_upgrades(io, service).await;
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
        return connect(state, req, peer, activity).await;
    }
    if path == "/metrics" && state.config.metrics_token.is_some() {
        return super::observe::public(&state, req.headers()).await;
    }
    // Targets that are no path name no channel, as at listen: CONNECT asks
    // for a proxy tunnel (a 2xx would say it is open), `OPTIONS *` about
    // this server, and `*` or `host:port` with any other method is no
    // request at all (RFC 9112, 3.2).
    if req.method() == hyper::Method::CONNECT {
        return reply(
            405,
            serde_json::json!({ "error": "CONNECT asks for a tunnel; the relay takes deliveries, not proxy requests" }),
        );
    }
    if !path.starts_with('/') {
        return match (req.method() == hyper::Method::OPTIONS, path.as_str()) {
            (true, "*") => reply(
                200,
                serde_json::json!({ "deliveries": "/<channel>/<path>" }),
            ),
            _ => reply(
                400,
                serde_json::json!({ "error": "the request target is not a path" }),
            ),
        };
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
    let forwarded = req.headers().get_all("x-forwarded-for");
    let sender = (state.config.allow).sender(peer.ip(), forwarded.iter().map(|v| v.as_bytes()));
    let started = std::time::Instant::now();
    let method = req.method().as_str().to_string();
    let reply = if state.config.allow.admits(sender) {
        public(&state, &channel, rest, head, req, peer, scheme).await
    } else {
        state.metrics.forbidden();
        let mut r = reply(
            403,
            serde_json::json!({ "error": "this relay does not take deliveries from your address" }),
        );
        r.headers_mut().insert(
            "connection",
            hyper::header::HeaderValue::from_static("close"),
        );
        r
    };
    let status = reply.status().as_u16();
    let answered = is_answer(&reply);
    super::observe::delivered(
        &state,
        DeliveryLine {
            channel: &channel,
            method: &method,
            path: &path,
            sender,
            status,
            outcome: &super::metrics::outcome(status, answered),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        },
    );
    reply
}

/// A delivery from an admitted sender: read the one way in, then handed on.
async fn public(
    state: &Arc<State>,
    channel: &str,
    rest: &str,
    head: Option<Vec<u8>>,
    req: Request<Incoming>,
    peer: SocketAddr,
    scheme: &str,
) -> Reply {
    let door = Door {
        public_url: state.config.public_url.as_deref(),
        scheme,
        forwarded_proto: false,
        limits: &state.body_limits,
    };
    // The grant is the body's share of the budget, held until the delivery is answered.
    let (arrival, _grant) = match incoming::read(req, head, peer, &door).await {
        Ok(Read { arrival, grant }) => (arrival, grant),
        Err(e) => return incoming::unread(&e),
    };
    // Nothing the relay refuses is kept: the rest of the body is not waited for.
    if let Some((status, why)) = arrival.rejected {
        return incoming::closing(reply(status, serde_json::json!({ "error": why })), None);
    }
    // The client sees the target below the channel; the sender's URL keeps it whole.
    let query = arrival
        .target
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    let frame = Frame::Deliver {
        id: 0,
        method: arrival.method,
        target: format!("/{rest}{query}"),
        public_url: arrival.public_url,
        peer: arrival.peer,
        headers: arrival.headers,
        body: arrival.body,
    };
    deliver(state, channel, frame).await
}

/// Whether a reply is the client's answer (here or on another instance),
/// not one the relay made up.
pub(super) fn is_answer(reply: &Reply) -> bool {
    let ext = reply.extensions();
    ext.get::<Answered>().is_some() || ext.get::<super::pg::route::RoutedAnswer>().is_some()
}

/// Hands a delivery to the channel's client, here or (with a database) on
/// the instance that holds it.
async fn deliver(state: &Arc<State>, channel: &str, frame: Frame) -> Reply {
    if let Some(router) = &state.route
        && state.attached(channel).is_none()
    {
        match router.holder(channel).await {
            Ok(Some(holder)) => return router.forward(state, &holder, channel, frame).await,
            Ok(None) => {}
            Err(e) => {
                state.log.note(&format!(
                    "channel {channel}: cannot look up its client: {e}"
                ));
                return unavailable(
                    "the relay cannot reach its database just now; retry later".into(),
                );
            }
        }
    }
    deliver_here(state, channel, frame).await
}

/// Hands a delivery to the channel's client attached here, buffers it, or says 503.
pub(super) async fn deliver_here(state: &Arc<State>, channel: &str, frame: Frame) -> Reply {
    let attached = state.attached(channel);
    let buffering = state.buffer.is_some();
    match attached {
        Some(a) if !(buffering && a.draining.load(Ordering::SeqCst)) => {
            match over(state, &a, frame).await {
                Ok(Frame::Answer { status, .. }) if !crate::client::is_final_status(status) => {
                    reply(
                        502,
                        serde_json::json!({ "error": format!("the client answered {status}, not a final status") }),
                    )
                }
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
                    b = b.extension(Answered);
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
pub(super) fn unavailable(why: String) -> Reply {
    let mut r = reply(503, serde_json::json!({ "error": why }));
    r.headers_mut()
        .insert("retry-after", hyper::header::HeaderValue::from_static("10"));
    r
}

/// Why a delivery got no answer from the client.
pub(super) enum Failed {
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
pub(super) async fn over(state: &State, a: &Attached, frame: Frame) -> Result<Frame, Failed> {
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
    let handed = std::time::Instant::now();
    match tokio::time::timeout(state.config.timeout, rx).await {
        Ok(Ok(answer)) => {
            state.metrics.forwarded(handed.elapsed());
            Ok(answer)
        }
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

/// A client of `channel` attached to another instance: the one here, if
/// any, is told it was taken over and closed, as on a single relay.
pub(super) fn taken_over_elsewhere(state: &State, channel: &str) {
    if let Some(old) = state.attached(channel) {
        old.outbox.push_control(Message::Close(Some(CloseFrame {
            code: super::TAKEOVER_CODE.into(),
            reason: "another client took over this channel".into(),
        })));
        state.log.note(&format!(
            "channel {channel}: a client on another relay instance takes over from {}",
            old.peer
        ));
    }
}

/// The token of an `Authorization: Bearer TOKEN` value. The scheme is
/// case-insensitive (RFC 7235), so `bearer` from a hand-written client counts.
pub(super) fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start_matches(' '))
}

/// `Upgrade: websocket` and a `Connection` naming `upgrade` (RFC 6455 §4.2.1).
fn asks_for_websocket(headers: &hyper::HeaderMap) -> bool {
    let has_token = |name: &str, token: &str| {
        headers
            .get_all(name)
            .iter()
            .any(|v| crate::base::request::lists_token(v.as_bytes(), token))
    };
    has_token("upgrade", "websocket") && has_token("connection", "upgrade")
}

/// The WebSocket upgrade of a client: token (and its scope) first, then the channel.
async fn connect(
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
    let granted = match state.config.access.check(token, &channel).await {
        Ok(granted) => granted,
        Err(denied) => {
            state.metrics.refused_client(denied.reason);
            state.log.note(&format!(
                "refused a client from {peer} for channel {channel:?}: {}",
                denied.detail.as_deref().unwrap_or(&denied.why)
            ));
            return reply(denied.status, serde_json::json!({ "error": denied.why }));
        }
    };
    if !valid_channel(&channel) {
        return reply(
            400,
            serde_json::json!({ "error": "channel names are 1-64 letters, digits, - or _" }),
        );
    }
    // A proxy that drops the hop-by-hop Upgrade header still forwards the
    // key: answering 101 then would tell the client a tunnel is up that no
    // bytes can cross.
    if !asks_for_websocket(req.headers()) {
        state.log.note(&format!(
            "refused a client from {peer} for channel {channel:?}: no Upgrade: websocket header arrived"
        ));
        let mut answer = reply(
            426,
            serde_json::json!({ "error": "the Upgrade: websocket header did not arrive; a proxy in front of the relay may drop it" }),
        );
        answer.headers_mut().insert(
            "upgrade",
            hyper::header::HeaderValue::from_static("websocket"),
        );
        return answer;
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
    // Attached (and its lease recorded) before the client hears 101: a
    // delivery that reaches any instance once the client says its tunnel is
    // up finds it, queued until the session writes.
    let attached = attach(&state, &channel, peer, granted).await;
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
                session(state, channel, ws, peer, attached).await;
            }
            Err(e) => {
                state.log.note(&format!("upgrade from {peer} failed: {e}"));
                detach(&state, &channel, &attached, peer);
                attached.outbox.close();
            }
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

/// A new client of `channel`: the newest takes the channel over, here and
/// (with a database) from any other instance.
async fn attach(
    state: &Arc<State>,
    channel: &str,
    peer: SocketAddr,
    granted: Granted,
) -> Arc<Attached> {
    let generation = state.generation.fetch_add(1, Ordering::Relaxed);
    let attached = Arc::new(Attached {
        generation,
        peer: peer.to_string(),
        granted,
        kick: tokio::sync::Notify::new(),
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
        .insert(channel.to_string(), attached.clone());
    if let Some(old) = previous {
        old.outbox.push_control(Message::Close(Some(CloseFrame {
            code: super::TAKEOVER_CODE.into(),
            reason: "another client took over this channel".into(),
        })));
        state.log.note(&format!(
            "channel {channel}: client {} takes over from {}",
            attached.peer, old.peer
        ));
    } else {
        state
            .log
            .note(&format!("channel {channel}: client {peer} attached"));
    }
    if let Some(router) = &state.route
        && let Err(e) = router.claim(channel).await
    {
        state.log.note(&format!(
            "channel {channel}: cannot record its client in the database: {e}"
        ));
    }
    attached
}

/// `channel`'s client `attached` is gone: the deliveries still waiting on it
/// get 502 now, and the channel is free unless a newer client took it.
fn detach(state: &Arc<State>, channel: &str, attached: &Attached, peer: SocketAddr) {
    let mut channels = state.channels.lock().unwrap_or_else(|p| p.into_inner());
    if channels
        .get(channel)
        .is_some_and(|a| a.generation == attached.generation)
    {
        channels.remove(channel);
        state
            .log
            .note(&format!("channel {channel}: client {peer} detached"));
        if let Some(router) = state.route.clone() {
            let channel = channel.to_string();
            tokio::spawn(async move { router.release(&channel).await });
        }
    }
    drop(channels);
    // Once no new delivery can find it.
    attached
        .pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clear();
}

/// One attached client's session, until it goes or is taken over.
async fn session<S>(
    state: Arc<State>,
    channel: String,
    ws: WebSocketStream<S>,
    peer: SocketAddr,
    attached: Arc<Attached>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
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
            _ = attached.kick.notified() => break Some(CloseFrame {
                code: super::REVOKED_CODE.into(),
                reason: "this client's token was revoked".into(),
            }),
            _ = attached.outbox.stuck() => break not_reading(&state.log, &channel, peer, state.config.timeout),
            _ = heartbeat.tick() => {
                if attached.outbox.is_stuck() {
                    break not_reading(&state.log, &channel, peer, state.config.timeout);
                }
                if last_seen.elapsed() > Duration::from_secs(30) {
                    state.log.note(&format!("channel {channel}: client {peer} silent for 30 s, detaching"));
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
                // A client that speaks garbage is broken or hostile: one
                // line and a close, not a line per frame for as long as it
                // cares to send them (listen does the same to a relay).
                Err(e) => {
                    state.log.note(&format!(
                        "channel {channel}: bad frame from client {peer}: {e}; closing its connection"
                    ));
                    break Some(CloseFrame {
                        code: CloseCode::Protocol,
                        reason: "bad frame".into(),
                    });
                }
            },
            Ok(Message::Ping(p)) => attached.outbox.push_control(Message::Pong(p)),
            Err(tokio_tungstenite::tungstenite::Error::Capacity(e)) => {
                state.log.note(&format!("channel {channel}: client {peer} sent a message over the relay's cap ({e}); closing its connection"
                ));
                break Some(CloseFrame {
                    code: CloseCode::Size,
                    reason: "message over the relay's cap".into(),
                });
            }
            Ok(Message::Close(_)) | Err(_) => break None,
            Ok(_) => {}
        }
    };
    detach(&state, &channel, &attached, peer);
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
fn not_reading(log: &Log, channel: &str, peer: SocketAddr, grace: Duration) -> Option<CloseFrame> {
    log.note(&format!("channel {channel}: client {peer} is not reading its deliveries (queue full for {grace:?}), detaching"
    ));
    Some(CloseFrame {
        code: CloseCode::Again,
        reason: "not reading its deliveries".into(),
    })
}
