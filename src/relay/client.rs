//! The laptop side of the tunnel: `listen --relay`. Dials out to the relay,
//! takes deliveries over one WebSocket, and handles each exactly as a local
//! one (record, verify, forward), sending the app's answer back.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::frame::{Frame, message_cap};
use super::server::CONNECT_PATH;
use crate::base::Headers;
use crate::incoming::{Arrival, Receiver};
use crate::secret::Secret;

/// How the client reaches its relay.
#[derive(Clone)]
pub struct ClientConfig {
    pub url: String,
    pub channel: String,
    pub token: Secret,
    pub ca: Option<PathBuf>,
    /// Give up (exit non-zero) after this long without a connection.
    pub max_offline: Option<Duration>,
}

const HEARTBEAT: Duration = Duration::from_secs(5);
/// A connection silent this long is dead, whatever TCP thinks; with the
/// heartbeat's period, a dead one is noticed within 30 s.
const DEAD_AFTER: Duration = Duration::from_secs(24);
/// Why a session ended when a newer client took the channel.
const TAKEN_OVER: &str = "taken over";

/// The WebSocket URL for a relay URL given as http(s) or ws(s).
pub fn connect_url(relay: &str, channel: &str) -> String {
    let base = relay.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{base}{CONNECT_PATH}?channel={channel}")
}

/// The public URL deliveries for this channel go to.
pub fn public_url(relay: &str, channel: &str) -> String {
    let base = relay.trim_end_matches('/');
    let base = base
        .replacen("wss://", "https://", 1)
        .replacen("ws://", "http://", 1);
    format!("{base}/{channel}/")
}

/// Runs until `--max-offline` runs out (an error) or forever, handing
/// each delivery to `receiver` (listen) and its answer back to the relay.
pub async fn run<R: Receiver>(
    receiver: Arc<R>,
    cfg: ClientConfig,
    say: impl Fn(String) + Send + Sync + 'static,
) -> anyhow::Result<()> {
    let tls = super::tls::client_config(cfg.ca.as_deref())?;
    // Deliveries over listen's own --max-body still arrive (to be recorded
    // with their 413), up to the relay's default limit; a frame header
    // declaring more closes the tunnel instead of reserving the memory.
    let cap = message_cap(receiver.max_body());
    let mut backoff = Duration::from_millis(250);
    let mut offline_since = Instant::now();
    loop {
        // A hanging attempt must not outlast --max-offline.
        let limit = cfg
            .max_offline
            .map(|max| {
                max.saturating_sub(offline_since.elapsed())
                    .max(Duration::from_millis(100))
            })
            .unwrap_or(Duration::from_secs(15))
            .min(Duration::from_secs(15));
        match connect(&cfg, tls.clone(), limit, cap).await {
            Ok(ws) => {
                say(format!(
                    "tunnel up: deliveries to {} reach this listen",
                    public_url(&cfg.url, &cfg.channel)
                ));
                backoff = Duration::from_millis(250);
                let why = session(receiver.clone(), ws, cap).await;
                if why == TAKEN_OVER {
                    anyhow::bail!(
                        "another client took over channel {} at the relay; this one stops",
                        cfg.channel
                    );
                }
                say(format!("tunnel down: {why}; reconnecting"));
                offline_since = Instant::now();
            }
            Err(ConnectError::Refused(why)) => {
                anyhow::bail!("the relay at {} refused this client: {why}", cfg.url)
            }
            Err(ConnectError::Transient(why)) => {
                if let Some(max) = cfg.max_offline
                    && offline_since.elapsed() >= max
                {
                    anyhow::bail!(
                        "could not reach the relay at {} for {:?} (--max-offline): {why}",
                        cfg.url,
                        max
                    );
                }
                say(format!(
                    "tunnel down: {why}; retrying in {:.1} s",
                    backoff.as_secs_f64()
                ));
            }
        }
        // Exponential backoff with jitter, at most 30 s.
        let jitter = rand::random_range(0.5..1.5);
        tokio::time::sleep(backoff.mul_f64(jitter)).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

enum ConnectError {
    /// The relay said no (wrong token, bad channel): retrying will not help.
    Refused(String),
    Transient(String),
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The relay's reason as words: its `{"error": "…"}` body unwrapped, any
/// other body as it came (a proxy's page, say), on one escaped line.
fn refusal_text(body: &[u8]) -> String {
    let text = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    crate::output::one_line(&text).into_owned()
}

async fn connect(
    cfg: &ClientConfig,
    tls: Arc<rustls::ClientConfig>,
    limit: Duration,
    cap: usize,
) -> Result<Ws, ConnectError> {
    let url = connect_url(&cfg.url, &cfg.channel);
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| ConnectError::Refused(format!("bad relay URL: {e}")))?;
    let auth = format!("Bearer {}", cfg.token.expose());
    request.headers_mut().insert(
        "authorization",
        auth.parse()
            .map_err(|_| ConnectError::Refused("the token is not a valid header value".into()))?,
    );
    let connector = tokio_tungstenite::Connector::Rustls(tls);
    let mut ws_config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default();
    ws_config.max_message_size = Some(cap);
    ws_config.max_frame_size = Some(cap);
    let connecting = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(ws_config),
        true,
        Some(connector),
    );
    match tokio::time::timeout(limit, connecting).await {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => {
            let status = resp.status();
            let text = resp
                .body()
                .as_ref()
                .map(|b| refusal_text(b))
                .unwrap_or_default();
            if status == 401 || status == 400 || status == 403 {
                Err(ConnectError::Refused(format!("{status} {text}")))
            } else {
                Err(ConnectError::Transient(format!("{status} {text}")))
            }
        }
        Ok(Err(e)) => Err(ConnectError::Transient(crate::client::plain::reason(&e))),
        Err(_) => Err(ConnectError::Transient(format!(
            "no answer within {:.1} s",
            limit.as_secs_f64()
        ))),
    }
}

/// One connection's life; returns why it ended.
async fn session<R: Receiver>(receiver: Arc<R>, ws: Ws, cap: usize) -> String {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    let mut writer = tokio::spawn(async move {
        // Answers queue up under load: write them all, then flush once.
        'outer: while let Some(m) = rx.recv().await {
            let mut next = Some(m);
            while let Some(m) = next.take() {
                let close = matches!(m, Message::Close(_));
                if sink.feed(m).await.is_err() || close {
                    let _ = sink.flush().await;
                    break 'outer;
                }
                next = rx.try_recv().ok();
            }
            if sink.flush().await.is_err() {
                break;
            }
        }
    });
    let mut close = None;
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut last_seen = Instant::now();
    let why = loop {
        tokio::select! {
            msg = stream.next() => {
                last_seen = Instant::now();
                match msg {
                    Some(Ok(Message::Binary(bytes))) => match Frame::decode(&bytes) {
                        Ok(Frame::Deliver { id, method, target, public_url, peer, headers, body }) => {
                            let (receiver, tx) = (receiver.clone(), tx.clone());
                            tokio::spawn(async move {
                                let answer = handle(&*receiver, id, method, target, public_url, peer, headers, body).await;
                                let _ = tx.send(Message::Binary(answer.encode().into()));
                            });
                        }
                        Ok(_) => {}
                        Err(e) => break format!("the relay sent a bad frame: {e}"),
                    },
                    Some(Ok(Message::Ping(p))) => { let _ = tx.send(Message::Pong(p)); }
                    Some(Ok(Message::Close(Some(frame)))) if u16::from(frame.code) == super::TAKEOVER_CODE => {
                        break TAKEN_OVER.to_string()
                    }
                    Some(Ok(Message::Close(_))) | None => break "the relay closed the connection".to_string(),
                    Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(e))) => {
                        close = Some(CloseFrame { code: CloseCode::Size, reason: "message over the client's cap".into() });
                        break format!("the relay sent a message over this listen's cap of {cap} bytes (--max-body plus room for headers): {e}");
                    }
                    Some(Err(e)) => break e.to_string(),
                    Some(Ok(_)) => {}
                }
            }
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > DEAD_AFTER {
                    break format!("no word from the relay in {} s", DEAD_AFTER.as_secs());
                }
                let _ = tx.send(Message::Ping(Vec::new().into()));
            }
        }
    };
    // Say why (1009 for an oversized message), briefly: the relay may not read.
    let _ = tx.send(Message::Close(close));
    drop(tx);
    if tokio::time::timeout(Duration::from_secs(1), &mut writer)
        .await
        .is_err()
    {
        writer.abort();
    }
    why
}

#[allow(clippy::too_many_arguments)]
async fn handle<R: Receiver>(
    receiver: &R,
    id: u64,
    method: String,
    target: String,
    public_url: String,
    peer: Option<String>,
    headers: Headers,
    body: bytes::Bytes,
) -> Frame {
    let arrival = Arrival {
        method,
        target,
        version: "HTTP/1.1".into(),
        headers,
        body,
        rejected: None,
        peer,
        public_url,
        record_url: true,
        source: "relay",
        received_at: crate::store::now_ms(),
        start: Instant::now(),
    };
    // Over listen's own --max-body, it is still recorded, with its 413.
    let arrival = arrival.within(receiver.max_body());
    let reply = receiver.receive(arrival).await;
    let status = reply.status().as_u16();
    let headers: Headers = reply
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let body = reply
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    Frame::Answer {
        id,
        status,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            connect_url("https://relay.example/", "dev"),
            "wss://relay.example/_hookcli/connect?channel=dev"
        );
        assert_eq!(
            connect_url("http://127.0.0.1:9", "a"),
            "ws://127.0.0.1:9/_hookcli/connect?channel=a"
        );
        assert_eq!(
            public_url("wss://relay.example", "dev"),
            "https://relay.example/dev/"
        );
    }
}
