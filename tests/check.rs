//! `hookcli check` against receivers written here, on 127.0.0.1:0: one
//! correct receiver per provider (every applicable case passes), receivers
//! with the bugs real webhook handlers have (each caught by the right case),
//! the report formats, case selection, and transport faults.
//!
//! The receivers verify signatures with their own code (hmac, sha1, sha2,
//! base64, hex), never with hookcli's.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::Digest as _;

use crate::common::{Run, hookcli, run};
use crate::send::{p256_point, public_key_for, ring_ok};

// ---------------------------------------------------------------------------
// A small hyper server of our own

/// What a receiver does with one request.
enum Reply {
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
struct Req {
    method: String,
    /// Path and query as in the request line.
    target: String,
    headers: hyper::HeaderMap,
    body: Bytes,
    local: SocketAddr,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

type Handler = dyn Fn(&Req) -> Reply + Send + Sync;

enum Kind {
    Http(Arc<Handler>),
    /// Accepts, reads the first byte of the request, and resets the connection.
    Reset,
}

/// A server on 127.0.0.1:0, on its own thread and runtime; stops on Drop.
struct Server {
    addr: SocketAddr,
    /// Method and target of every request, in arrival order.
    seen: Arc<Mutex<Vec<(String, String)>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn http(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(Kind::Http(Arc::new(handler)))
    }

    fn resetting() -> Server {
        Server::start(Kind::Reset)
    }

    fn start(kind: Kind) -> Server {
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

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn requests(&self) -> Vec<(String, String)> {
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

async fn serve(
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

// ---------------------------------------------------------------------------
// Webhook receivers: each provider's scheme, verified independently

const PROVIDERS: [&str; 26] = [
    "stripe",
    "github",
    "shopify",
    "slack",
    "twilio",
    "gitlab",
    "standard",
    "zapier",
    "mailgun",
    "square",
    "zoom",
    "twitch",
    "hubspot",
    "calendly",
    "clerk",
    "resend",
    "discord",
    "standard-v1a",
    "sendgrid",
    "paddle",
    "sentry",
    "linear",
    "bitbucket",
    "pagerduty",
    "typeform",
    "intercom",
];

/// Providers that probe an endpoint before delivering: their receivers
/// answer the probe, and check runs the handshake case for them.
const HANDSHAKES: [&str; 4] = ["slack", "zoom", "twitch", "discord"];

/// The asymmetric schemes: check signs with the private key, the receiver
/// holds only the public key (OpenSSL-made pairs, shared with the send tests).
const ASYMMETRIC: [&str; 3] = ["discord", "standard-v1a", "sendgrid"];

fn secret_for(provider: &str) -> &'static str {
    match provider {
        "stripe" => "whsec_stripeTestSecret7Hq2LmZx9PvR4tKc",
        "github" => "gh-hook-secret-Qm3vX8rT2pLw5Nk",
        "shopify" => "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",
        "slack" => "8f14e45fceea167a5a36dedd4bea2543",
        "twilio" => "twilio-auth-token-12345abcdef67890",
        "gitlab" => "glhook-token-Zq8Xv2LmPw4R",
        "standard" => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "zapier" => "unused-zapier-token",
        "mailgun" => "key-mg-check-5f2a9c7e1b3d",
        "square" => "sq-signature-key-Hq2LmZx9",
        "zoom" => "zoom-secret-token-check-Pv4R",
        "twitch" => "twitch-secret-check-7Hq2LmZx",
        "hubspot" => "hubspot-client-secret-check-9PvR",
        "calendly" => "calendly-signing-key-check-4tKc",
        // base64 of "clerk-check-signing-key-0123456"
        "clerk" => "whsec_Y2xlcmstY2hlY2stc2lnbmluZy1rZXktMDEyMzQ1Ng==",
        // base64 of "resend-check-signing-key-012345"
        "resend" => "whsec_cmVzZW5kLWNoZWNrLXNpZ25pbmcta2V5LTAxMjM0NQ==",
        // The private key: check signs.
        "discord" | "standard-v1a" | "sendgrid" => crate::send::secret_for(provider),
        // Paddle keys the HMAC with the whole secret key, prefix included.
        "paddle" => "pdl_ntfset_01hcheckcase5secs7hq2lmzx9_Pv4RtKcQm3vX8rT2pLw5NkZq8Xv2",
        "sentry" => "sentry-client-secret-check-3f9a1c7e5b2d",
        "linear" => "lin_wh_checkSigningSecret4tKcQm3vX8rT2pL",
        "bitbucket" => "bb-check-secret-Zq8Xv2LmPw4R",
        "pagerduty" => "pd-check-secret-Hq2LmZx9PvR4tKc+8XIiDKZ7",
        "typeform" => "tf-check-secret-9c1f4e7a2b8d",
        "intercom" => "ic-check-client-secret-5f2a9c7e1b3d",
        other => panic!("no secret for {other}"),
    }
}

/// The URL path each provider's receiver is mounted on.
fn path_for(provider: &str) -> String {
    format!("/webhooks/{provider}")
}

/// Bugs a receiver can have; the default is a correct receiver.
#[derive(Clone, Default)]
struct Bugs {
    /// Answers every request with this status.
    always: Option<u16>,
    /// Status for a method other than POST (a correct receiver: 405).
    non_post: Option<u16>,
    /// Status for a content type the provider does not send (correct: 415).
    wrong_type: Option<u16>,
    /// Never looks at the signature.
    no_signature_check: bool,
    /// Verifies the HMAC over the parsed and compactly re-serialized JSON.
    reserialized: bool,
    /// Status for a wrong signature (correct: 401).
    bad_signature: Option<u16>,
    /// Drops the connection when the signature header is absent.
    crash_on_missing_signature: bool,
    /// Never looks at the timestamp.
    ignore_timestamp: bool,
    /// Status for a body that does not parse (correct: 400).
    malformed: Option<u16>,
    /// Status for an event id seen before (correct: 200).
    duplicate: Option<u16>,
    /// Processes a new event before answering, for this long.
    slow: Option<Duration>,
    /// Answers the provider's handshake probe the way handlers get it
    /// wrong: Slack's whole request echoed, Zoom's token in base64, Twitch's
    /// challenge wrapped in JSON.
    wrong_handshake: bool,
    /// Verifies only the first of several signatures (the outgoing
    /// secret's, during a rotation).
    first_signature_only: bool,
    /// Parses the signature header naively (`split(',')`, a hex decode
    /// that throws) and answers 500 when it is garbage.
    crash_on_malformed_signature: bool,
    /// Accepts a signature the expected MAC starts with (`startsWith`).
    prefix_compare: bool,
    /// Refuses only old timestamps, not future ones.
    accept_future: bool,
}

/// A receiver for one provider, configured with one secret.
struct Hook {
    provider: &'static str,
    secret: String,
    bugs: Bugs,
    seen: Mutex<HashSet<String>>,
}

enum Verdict {
    Ok,
    Missing,
    Bad,
    Stale,
    /// The signature is inside a body that does not parse (Mailgun).
    Unreadable,
}

enum Parsed {
    Json(Value),
    Form(Vec<(String, String)>),
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

fn fresh(ts: &str) -> bool {
    ts.trim()
        .parse::<i64>()
        .is_ok_and(|t| (now() - t).abs() <= 300)
}

fn asymmetric_verdict(ok: bool, check_ts: bool, ts: &str) -> Verdict {
    if !ok {
        Verdict::Bad
    } else if check_ts && !fresh(ts) {
        Verdict::Stale
    } else {
        Verdict::Ok
    }
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn media_type(req: &Req) -> String {
    req.header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

impl Hook {
    fn new(provider: &'static str, secret: &str, bugs: Bugs) -> Hook {
        Hook {
            provider,
            secret: secret.to_string(),
            bugs,
            seen: Mutex::new(HashSet::new()),
        }
    }

    fn accepts(&self, media: &str) -> bool {
        match self.provider {
            "twilio" => media == "application/x-www-form-urlencoded",
            "slack" => media == "application/json" || media == "application/x-www-form-urlencoded",
            _ => media == "application/json",
        }
    }

    /// The bytes the HMAC is computed over: the raw body, or (the bug) the
    /// body parsed and written back compactly.
    fn signed_body<'a>(&self, req: &'a Req) -> std::borrow::Cow<'a, [u8]> {
        if self.bugs.reserialized {
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(doc) => serde_json::to_vec(&doc).expect("serialize").into(),
                Err(_) => req.body.as_ref().into(),
            }
        } else {
            req.body.as_ref().into()
        }
    }

    fn verify(&self, req: &Req) -> Verdict {
        let key = self.secret.as_bytes();
        let body = self.signed_body(req);
        let check_ts = !self.bugs.ignore_timestamp;
        match self.provider {
            "stripe" => {
                let Some(h) = req.header("stripe-signature") else {
                    return Verdict::Missing;
                };
                let mut ts = None;
                let mut sigs = Vec::new();
                for part in h.split(',') {
                    match part.trim().split_once('=') {
                        Some(("t", v)) => ts = Some(v.to_string()),
                        Some(("v1", v)) => sigs.extend(hex::decode(v).ok()),
                        _ => {}
                    }
                }
                let Some(ts) = ts else { return Verdict::Bad };
                let mac = hmac_sha256(key, &[ts.as_bytes(), b".", &body]);
                if !sigs.iter().any(|s| ct_eq(s, &mac)) {
                    Verdict::Bad
                } else if check_ts && !fresh(&ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            "github" => {
                let Some(h) = req.header("x-hub-signature-256") else {
                    return Verdict::Missing;
                };
                let given = h.strip_prefix("sha256=").and_then(|s| hex::decode(s).ok());
                match given {
                    Some(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "shopify" => {
                let Some(h) = req.header("x-shopify-hmac-sha256") else {
                    return Verdict::Missing;
                };
                match B64.decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "slack" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-slack-signature"),
                    req.header("x-slack-request-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[b"v0:", ts.as_bytes(), b":", &body]);
                match sig.strip_prefix("v0=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &mac) => {
                        if check_ts && !fresh(ts) {
                            Verdict::Stale
                        } else {
                            Verdict::Ok
                        }
                    }
                    _ => Verdict::Bad,
                }
            }
            "twilio" => {
                let Some(h) = req.header("x-twilio-signature") else {
                    return Verdict::Missing;
                };
                // The full URL Twilio was given, then each parameter's name
                // and value, sorted.
                let mut signed = format!("http://{}{}", req.local, req.target);
                let mut params = form_pairs(&req.body);
                params.sort();
                for (k, v) in params {
                    signed.push_str(&k);
                    signed.push_str(&v);
                }
                match B64.decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &hmac_sha1(key, signed.as_bytes())) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "gitlab" => match req.header("x-gitlab-token") {
                None => Verdict::Missing,
                Some(t) if ct_eq(t.as_bytes(), key) => Verdict::Ok,
                Some(_) => Verdict::Bad,
            },
            "standard" => {
                let (Some(id), Some(ts), Some(sigs)) = (
                    req.header("webhook-id"),
                    req.header("webhook-timestamp"),
                    req.header("webhook-signature"),
                ) else {
                    return Verdict::Missing;
                };
                let key = B64
                    .decode(self.secret.strip_prefix("whsec_").unwrap_or(&self.secret))
                    .expect("a whsec_ secret");
                let mac = hmac_sha256(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", &body]);
                let ok = sigs.split(' ').any(|s| {
                    s.strip_prefix("v1,")
                        .and_then(|b| B64.decode(b).ok())
                        .is_some_and(|g| ct_eq(&g, &mac))
                });
                if !ok {
                    Verdict::Bad
                } else if check_ts && !fresh(ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            other if ["clerk", "resend"].contains(&other) => {
                // Svix's headers, Standard Webhooks' scheme.
                let (Some(id), Some(ts), Some(sigs)) = (
                    req.header("svix-id"),
                    req.header("svix-timestamp"),
                    req.header("svix-signature"),
                ) else {
                    return Verdict::Missing;
                };
                let key = B64
                    .decode(self.secret.strip_prefix("whsec_").unwrap_or(&self.secret))
                    .expect("a whsec_ secret");
                let mac = hmac_sha256(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", &body]);
                let ok = sigs.split(' ').any(|s| {
                    s.strip_prefix("v1,")
                        .and_then(|b| B64.decode(b).ok())
                        .is_some_and(|g| ct_eq(&g, &mac))
                });
                if !ok {
                    Verdict::Bad
                } else if check_ts && !fresh(ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // Unsigned: nothing to verify.
            "zapier" => Verdict::Ok,
            "mailgun" => {
                let Ok(doc) = serde_json::from_slice::<Value>(&req.body) else {
                    return Verdict::Unreadable;
                };
                let field = |k: &str| match &doc["signature"][k] {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                };
                let (Some(ts), Some(token), Some(sig)) =
                    (field("timestamp"), field("token"), field("signature"))
                else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[ts.as_bytes(), token.as_bytes()]);
                if !hex::decode(&sig).is_ok_and(|g| ct_eq(&g, &mac)) {
                    Verdict::Bad
                } else if check_ts && !fresh(&ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            "square" => {
                let Some(h) = req.header("x-square-hmacsha256-signature") else {
                    return Verdict::Missing;
                };
                let url = format!("http://{}{}", req.local, req.target);
                match B64.decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &hmac_sha256(key, &[url.as_bytes(), &body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "zoom" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-zm-signature"),
                    req.header("x-zm-request-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[b"v0:", ts.as_bytes(), b":", &body]);
                match sig.strip_prefix("v0=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &mac) => {
                        if check_ts && !fresh(ts) {
                            Verdict::Stale
                        } else {
                            Verdict::Ok
                        }
                    }
                    _ => Verdict::Bad,
                }
            }
            "twitch" => {
                let (Some(sig), Some(id), Some(ts)) = (
                    req.header("twitch-eventsub-message-signature"),
                    req.header("twitch-eventsub-message-id"),
                    req.header("twitch-eventsub-message-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[id.as_bytes(), ts.as_bytes(), &body]);
                let age =
                    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
                        .map(|t| now() - t.unix_timestamp());
                match sig
                    .strip_prefix("sha256=")
                    .and_then(|s| hex::decode(s).ok())
                {
                    Some(g) if ct_eq(&g, &mac) => match age {
                        Ok(age) if !check_ts || age.abs() <= 600 => Verdict::Ok,
                        _ => Verdict::Stale,
                    },
                    _ => Verdict::Bad,
                }
            }
            "hubspot" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-hubspot-signature-v3"),
                    req.header("x-hubspot-request-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let uri = format!("http://{}{}", req.local, req.target);
                let mac = hmac_sha256(
                    key,
                    &[req.method.as_bytes(), uri.as_bytes(), &body, ts.as_bytes()],
                );
                let fresh_ms = ts
                    .parse::<i64>()
                    .is_ok_and(|ms| (now() * 1000 - ms).abs() <= 300_000);
                match B64.decode(sig.trim()) {
                    Ok(g) if ct_eq(&g, &mac) => {
                        if check_ts && !fresh_ms {
                            Verdict::Stale
                        } else {
                            Verdict::Ok
                        }
                    }
                    _ => Verdict::Bad,
                }
            }
            "calendly" => {
                let Some(h) = req.header("calendly-webhook-signature") else {
                    return Verdict::Missing;
                };
                let mut ts = None;
                let mut sigs = Vec::new();
                for part in h.split(',') {
                    match part.trim().split_once('=') {
                        Some(("t", v)) => ts = Some(v.to_string()),
                        Some(("v1", v)) => sigs.extend(hex::decode(v).ok()),
                        _ => {}
                    }
                }
                let Some(ts) = ts else { return Verdict::Bad };
                let mac = hmac_sha256(key, &[ts.as_bytes(), b".", &body]);
                let within = ts.parse::<i64>().is_ok_and(|t| (now() - t).abs() <= 180);
                if !sigs.iter().any(|s| ct_eq(s, &mac)) {
                    Verdict::Bad
                } else if check_ts && !within {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // Ed25519 of `TS + body` with the application's public key,
            // checked with ring.
            "discord" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-signature-ed25519"),
                    req.header("x-signature-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let pk = hex::decode(public_key_for(self.provider)).expect("hex");
                let ok = hex::decode(sig.trim()).is_ok_and(|sig| {
                    ring_ok(
                        &ring::signature::ED25519,
                        &pk,
                        &[ts.as_bytes(), &body],
                        &sig,
                    )
                });
                asymmetric_verdict(ok, check_ts, ts)
            }
            // `v1a,` Ed25519 of `id.TS.body` with the whpk_ public key.
            "standard-v1a" => {
                let (Some(id), Some(ts), Some(sigs)) = (
                    req.header("webhook-id"),
                    req.header("webhook-timestamp"),
                    req.header("webhook-signature"),
                ) else {
                    return Verdict::Missing;
                };
                let pk = B64
                    .decode(&public_key_for(self.provider)["whpk_".len()..])
                    .expect("base64");
                let signed: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", &body];
                let ok = sigs.split(' ').any(|s| {
                    s.strip_prefix("v1a,")
                        .and_then(|b| B64.decode(b).ok())
                        .is_some_and(|sig| ring_ok(&ring::signature::ED25519, &pk, &signed, &sig))
                });
                asymmetric_verdict(ok, check_ts, ts)
            }
            // ECDSA P-256 SHA-256 of `TS + body`, base64 DER, with the
            // verification key.
            "sendgrid" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-twilio-email-event-webhook-signature"),
                    req.header("x-twilio-email-event-webhook-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let spki = B64.decode(public_key_for(self.provider)).expect("base64");
                let ok = B64.decode(sig.trim()).is_ok_and(|sig| {
                    ring_ok(
                        &ring::signature::ECDSA_P256_SHA256_ASN1,
                        p256_point(&spki),
                        &[ts.as_bytes(), &body],
                        &sig,
                    )
                });
                asymmetric_verdict(ok, check_ts, ts)
            }
            // `Paddle-Signature: ts=TS;h1=HEX[;h1=HEX]`: HMAC-SHA256 of
            // `TS:body`, within the SDKs' five seconds.
            "paddle" => {
                let Some(h) = req.header("paddle-signature") else {
                    return Verdict::Missing;
                };
                let mut ts = None;
                let mut sigs = Vec::new();
                for part in h.split(';') {
                    match part.trim().split_once('=') {
                        Some(("ts", v)) => ts = Some(v.to_string()),
                        Some(("h1", v)) => sigs.extend(hex::decode(v).ok()),
                        _ => {}
                    }
                }
                let Some(ts) = ts else { return Verdict::Bad };
                let mac = hmac_sha256(key, &[ts.as_bytes(), b":", &body]);
                let within = ts.parse::<i64>().is_ok_and(|t| (now() - t).abs() <= 5);
                if !sigs.iter().any(|s| ct_eq(s, &mac)) {
                    Verdict::Bad
                } else if check_ts && !within {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // The bare hex HMAC-SHA256 of the body.
            "sentry" => match req.header("sentry-hook-signature") {
                None => Verdict::Missing,
                Some(h) => match hex::decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                },
            },
            // Hex HMAC-SHA256 of the body; the signed body's
            // `webhookTimestamp` (Unix ms) must be within a minute.
            "linear" => {
                let Some(h) = req.header("linear-signature") else {
                    return Verdict::Missing;
                };
                if !hex::decode(h.trim()).is_ok_and(|g| ct_eq(&g, &hmac_sha256(key, &[&body]))) {
                    return Verdict::Bad;
                }
                let Ok(doc) = serde_json::from_slice::<Value>(&req.body) else {
                    return Verdict::Unreadable;
                };
                let within = doc["webhookTimestamp"]
                    .as_i64()
                    .is_some_and(|ms| (now() * 1000 - ms).abs() <= 60_000);
                if check_ts && !within {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // `X-Hub-Signature: sha256=HEX` of the body.
            "bitbucket" => {
                let Some(h) = req.header("x-hub-signature") else {
                    return Verdict::Missing;
                };
                match h.strip_prefix("sha256=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            // `X-PagerDuty-Signature: v1=HEX[,v1=HEX]`: any one may match.
            "pagerduty" => {
                let Some(h) = req.header("x-pagerduty-signature") else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[&body]);
                let ok = h.split(',').any(|s| {
                    s.trim()
                        .strip_prefix("v1=")
                        .and_then(|s| hex::decode(s).ok())
                        .is_some_and(|g| ct_eq(&g, &mac))
                });
                if ok { Verdict::Ok } else { Verdict::Bad }
            }
            // `Typeform-Signature: sha256=BASE64` of the body.
            "typeform" => {
                let Some(h) = req.header("typeform-signature") else {
                    return Verdict::Missing;
                };
                match h.strip_prefix("sha256=").and_then(|s| B64.decode(s).ok()) {
                    Some(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            // `X-Hub-Signature: sha1=HEX`, HMAC-SHA1 of the body.
            "intercom" => {
                let Some(h) = req.header("x-hub-signature") else {
                    return Verdict::Missing;
                };
                match h.strip_prefix("sha1=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &hmac_sha1(key, &body)) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            other => panic!("no receiver for {other}"),
        }
    }

    fn parse(&self, req: &Req) -> Option<Parsed> {
        if media_type(req) == "application/x-www-form-urlencoded" {
            let text = std::str::from_utf8(&req.body).ok()?;
            let pairs = form_pairs(text.as_bytes());
            let well_formed = !pairs.is_empty() && text.split('&').all(|p| p.contains('='));
            if self.provider == "twilio" && !pairs.iter().any(|(k, _)| k == "AccountSid") {
                return None;
            }
            well_formed.then_some(Parsed::Form(pairs))
        } else {
            serde_json::from_slice(&req.body).ok().map(Parsed::Json)
        }
    }

    /// What the provider says identifies the event, for deduplication.
    fn event_id(&self, req: &Req, parsed: &Parsed) -> String {
        let from_header = |name: &str| req.header(name).map(str::to_string);
        let from_json = |key: &str| match parsed {
            Parsed::Json(v) => v.get(key).and_then(Value::as_str).map(str::to_string),
            Parsed::Form(_) => None,
        };
        let from_form = |key: &str| match parsed {
            Parsed::Form(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
            Parsed::Json(_) => None,
        };
        let id = match self.provider {
            "stripe" => from_json("id"),
            "github" => from_header("x-github-delivery"),
            "shopify" => from_header("x-shopify-webhook-id"),
            "slack" => from_json("event_id"),
            "twilio" => from_form("MessageSid"),
            "gitlab" => from_header("x-gitlab-event-uuid"),
            "standard" => from_header("webhook-id"),
            "clerk" | "resend" => from_header("svix-id"),
            "zapier" => from_json("id"),
            "mailgun" => match parsed {
                Parsed::Json(v) => v["event-data"]["id"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "square" => from_json("event_id"),
            "zoom" => from_header("x-zm-trackingid"),
            "twitch" => from_header("twitch-eventsub-message-id"),
            "hubspot" => match parsed {
                Parsed::Json(v) => Some(v[0]["eventId"].to_string()),
                Parsed::Form(_) => None,
            },
            "calendly" => match parsed {
                Parsed::Json(v) => v["payload"]["uri"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "standard-v1a" => from_header("webhook-id"),
            "discord" => from_json("id"),
            "sendgrid" => match parsed {
                Parsed::Json(v) => v[0]["sg_event_id"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "paddle" | "typeform" => from_json("event_id"),
            "sentry" => from_header("request-id"),
            "linear" => from_header("linear-delivery"),
            "bitbucket" => from_header("x-request-uuid"),
            "pagerduty" => match parsed {
                Parsed::Json(v) => v["event"]["id"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "intercom" => from_json("id"),
            _ => None,
        };
        id.unwrap_or_else(|| hex::encode(sha2::Sha256::digest(&req.body)))
    }

    fn handle(&self, req: &Req) -> Reply {
        let b = &self.bugs;
        if let Some(s) = b.always {
            return Reply::Status(s);
        }
        if req.method != "POST" {
            return Reply::Status(b.non_post.unwrap_or(405));
        }
        if !self.accepts(&media_type(req)) {
            return Reply::Status(b.wrong_type.unwrap_or(415));
        }
        if !b.no_signature_check {
            let verdict = match self.verify_with_bugs(req) {
                Ok(v) => v,
                Err(reply) => return reply,
            };
            match verdict {
                Verdict::Ok => {}
                Verdict::Missing if b.crash_on_missing_signature => return Reply::Crash,
                Verdict::Missing => return Reply::Status(401),
                Verdict::Bad => return Reply::Status(b.bad_signature.unwrap_or(401)),
                Verdict::Stale => return Reply::Status(400),
                Verdict::Unreadable => return Reply::Status(b.malformed.unwrap_or(400)),
            }
        }
        let Some(parsed) = self.parse(req) else {
            return Reply::Status(b.malformed.unwrap_or(400));
        };
        if let Some(reply) = self.handshake(req, &parsed) {
            return reply;
        }
        let id = self.event_id(req, &parsed);
        if !self.seen.lock().unwrap().insert(id) {
            return Reply::Status(b.duplicate.unwrap_or(200));
        }
        match b.slow {
            Some(wait) => Reply::After(wait, 200),
            None => Reply::Status(200),
        }
    }
}

/// The signature bugs, acting before or instead of a correct verify.
impl Hook {
    /// The verdict with the configured signature bugs; `Err` answers at once.
    fn verify_with_bugs(&self, req: &Req) -> Result<Verdict, Reply> {
        let b = &self.bugs;
        if b.crash_on_malformed_signature && self.naive_parse_throws(req) {
            return Err(Reply::Status(500));
        }
        if b.prefix_compare && self.prefix_matches(req) {
            return Ok(Verdict::Ok);
        }
        let verdict = if b.first_signature_only {
            self.verify(&first_signature(req))
        } else {
            self.verify(req)
        };
        Ok(match verdict {
            Verdict::Stale if b.accept_future && signed_in_future(req) => Verdict::Ok,
            v => v,
        })
    }

    /// What a handler that indexes into `split` results and hex-decodes
    /// with a throwing decoder dies on: a present header that is garbage.
    fn naive_parse_throws(&self, req: &Req) -> bool {
        let is_hex =
            |s: &str| s.len().is_multiple_of(2) && s.bytes().all(|c| c.is_ascii_hexdigit());
        match self.provider {
            "github" => req
                .header("x-hub-signature-256")
                .is_some_and(|h| !h.strip_prefix("sha256=").is_some_and(is_hex)),
            "stripe" => req.header("stripe-signature").is_some_and(|h| {
                let mut parts = h.split(',').map(|p| p.split_once('=').map(|(_, v)| v));
                let (t, v1) = (parts.next().flatten(), parts.next().flatten());
                !(t.is_some_and(|t| t.parse::<i64>().is_ok()) && v1.is_some_and(is_hex))
            }),
            other => panic!("no naive parser for {other}"),
        }
    }

    /// `expected.startsWith(given)`: true for the whole MAC, half of it,
    /// or nothing at all.
    fn prefix_matches(&self, req: &Req) -> bool {
        let key = self.secret.as_bytes();
        match self.provider {
            "github" => req
                .header("x-hub-signature-256")
                .and_then(|h| h.strip_prefix("sha256="))
                .is_some_and(|given| {
                    hex::encode(hmac_sha256(key, &[&req.body])).starts_with(given)
                }),
            other => panic!("no prefix compare for {other}"),
        }
    }
}

/// The request with only the first of its signatures, as a handler that
/// reads one sees it.
fn first_signature(req: &Req) -> Req {
    let mut headers = req.headers.clone();
    for name in ["stripe-signature", "webhook-signature", "svix-signature"] {
        let Some(v) = req.header(name) else {
            continue;
        };
        let first = if name == "stripe-signature" {
            let mut seen = false;
            v.split(',')
                .filter(|p| !p.starts_with("v1=") || !std::mem::replace(&mut seen, true))
                .collect::<Vec<_>>()
                .join(",")
        } else {
            v.split(' ').next().unwrap_or_default().to_string()
        };
        headers.insert(
            hyper::header::HeaderName::from_static(name),
            first.parse().expect("a header value"),
        );
    }
    Req {
        method: req.method.clone(),
        target: req.target.clone(),
        headers,
        body: req.body.clone(),
        local: req.local,
    }
}

/// Whether the request's signed timestamp lies ahead of now.
fn signed_in_future(req: &Req) -> bool {
    let stripe_t = req.header("stripe-signature").and_then(|h| {
        h.split(',')
            .find_map(|p| p.strip_prefix("t="))
            .map(str::to_string)
    });
    let ts = stripe_t.or_else(|| {
        [
            "x-slack-request-timestamp",
            "webhook-timestamp",
            "svix-timestamp",
        ]
        .iter()
        .find_map(|n| req.header(n).map(str::to_string))
    });
    ts.and_then(|t| t.trim().parse::<i64>().ok())
        .is_some_and(|t| t > now())
}

impl Hook {
    /// The answer to the provider's probe, if this request is one.
    fn handshake(&self, req: &Req, parsed: &Parsed) -> Option<Reply> {
        let Parsed::Json(doc) = parsed else {
            return None;
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let wrong = self.bugs.wrong_handshake;
        match self.provider {
            "slack" if doc["type"] == "url_verification" => Some(if wrong {
                Reply::Body(200, "application/json", req.body.to_vec())
            } else {
                Reply::Body(200, "text/plain", text(&doc["challenge"]).into_bytes())
            }),
            "zoom" if doc["event"] == "endpoint.url_validation" => {
                let plain = text(&doc["payload"]["plainToken"]);
                let mac = hmac_sha256(self.secret.as_bytes(), &[plain.as_bytes()]);
                let token = if wrong {
                    B64.encode(mac)
                } else {
                    hex::encode(mac)
                };
                let answer = serde_json::json!({"plainToken": plain, "encryptedToken": token});
                Some(Reply::Body(
                    200,
                    "application/json",
                    answer.to_string().into_bytes(),
                ))
            }
            "twitch"
                if req.header("twitch-eventsub-message-type")
                    == Some("webhook_callback_verification") =>
            {
                let challenge = text(&doc["challenge"]);
                Some(if wrong {
                    let wrapped = serde_json::json!({ "challenge": challenge });
                    Reply::Body(200, "application/json", wrapped.to_string().into_bytes())
                } else {
                    Reply::Body(200, "text/plain", challenge.into_bytes())
                })
            }
            // A PING is answered with a PONG; the bug: a generic "ok".
            "discord" if doc["type"] == 1 => Some(if wrong {
                Reply::Body(200, "text/plain", b"ok".to_vec())
            } else {
                Reply::Body(200, "application/json", br#"{"type":1}"#.to_vec())
            }),
            _ => None,
        }
    }
}

/// A receiver for `provider` with the given bugs, configured with `secret`.
fn receiver_with_secret(provider: &'static str, secret: &str, bugs: Bugs) -> Server {
    let hook = Hook::new(provider, secret, bugs);
    Server::http(move |req| hook.handle(req))
}

fn receiver(provider: &'static str, bugs: Bugs) -> Server {
    receiver_with_secret(provider, secret_for(provider), bugs)
}

// ---------------------------------------------------------------------------
// Running check

const SECRET_VAR: &str = "HOOKCLI_CHECK_TEST_SECRET";

fn check(provider: &str, url: &str, args: &[&str]) -> Run {
    let mut cmd = hookcli();
    cmd.env(SECRET_VAR, secret_for(provider))
        .args(["check", "--provider", provider, "--url", url])
        .args(["--secret-env", SECRET_VAR])
        .args(args);
    run(&mut cmd)
}

/// `check --format json`, its exit status and report.
fn check_json(provider: &str, url: &str, args: &[&str]) -> (Run, Value) {
    let out = check(provider, url, &[&["--format", "json"], args].concat());
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check --format json printed no JSON ({e})\n{out}"));
    (out, report)
}

fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .expect("cases array")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in\n{report:#}"))
}

fn outcome<'a>(report: &'a Value, name: &str) -> &'a str {
    case(report, name)["outcome"].as_str().expect("outcome")
}

fn case_names(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .expect("cases array")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_string())
        .collect()
}

/// Runs `f` on every item at once, each on its own thread.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| s.spawn(move || f(item)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Cases that do not apply to a provider's scheme (or its default event).
fn not_applicable(provider: &str) -> &'static [&'static str] {
    match provider {
        "github" | "shopify" => &["stale-timestamp"],
        "twilio" => &["stale-timestamp", "malformed-body"],
        "gitlab" => &["stale-timestamp", "body-modified"],
        "zapier" => &[
            "bad-signature",
            "missing-signature",
            "body-modified",
            "stale-timestamp",
        ],
        "mailgun" => &["body-modified"],
        "square" => &["stale-timestamp"],
        "sentry" | "bitbucket" | "pagerduty" | "typeform" | "intercom" => &["stale-timestamp"],
        _ => &[],
    }
}

/// Providers whose scheme carries several signatures while a secret is rolled.
const ROTATING: [&str; 8] = [
    "stripe",
    "standard",
    "svix",
    "clerk",
    "resend",
    "standard-v1a",
    "paddle",
    "pagerduty",
];

/// Every case that does not apply to a provider: [`not_applicable`] plus
/// the signature cases its scheme cannot express (a rotation with one
/// signature, a future timestamp without a timestamp).
fn skipped_for(provider: &str) -> Vec<&'static str> {
    let mut skips = not_applicable(provider).to_vec();
    if !ROTATING.contains(&provider) {
        skips.push("secret-rotation");
    }
    if skips.contains(&"stale-timestamp") {
        skips.push("future-timestamp");
    }
    if provider == "zapier" {
        skips.extend(["malformed-signature", "truncated-signature"]);
    }
    skips
}

/// The cases check reports for a provider: the handshake only for those
/// that have one.
fn cases_for(provider: &str) -> Vec<&'static str> {
    let mut names = ALL_CASES.to_vec();
    if HANDSHAKES.contains(&provider) {
        names.insert(0, "handshake");
    }
    names
}

const ALL_CASES: [&str; 15] = [
    "valid",
    "valid-noncanonical",
    "secret-rotation",
    "duplicate",
    "bad-signature",
    "malformed-signature",
    "truncated-signature",
    "missing-signature",
    "body-modified",
    "stale-timestamp",
    "future-timestamp",
    "malformed-body",
    "wrong-content-type",
    "wrong-method",
    "response-time",
];

// ---------------------------------------------------------------------------
// 1. A correct receiver per provider passes every applicable case

#[test]
fn correct_receivers_pass_every_applicable_case_for_every_provider() {
    let results = par_map(PROVIDERS.to_vec(), |provider| {
        let server = receiver(provider, Bugs::default());
        let url = server.url(&path_for(provider));
        let (out, report) = check_json(provider, &url, &[]);
        (provider, out, report)
    });
    for (provider, out, report) in results {
        out.assert_code(0).assert_hides(secret_for(provider));
        assert_eq!(report["provider"], provider);
        let expected = cases_for(provider);
        assert_eq!(
            case_names(&report),
            expected,
            "{provider}: every case, in order"
        );
        let skips = skipped_for(provider);
        for name in expected.iter().copied() {
            let c = case(&report, name);
            let want = if skips.contains(&name) {
                "skip"
            } else {
                "pass"
            };
            assert_eq!(
                c["outcome"], want,
                "{provider}: case {name} should {want}\n{report:#}"
            );
            if want == "skip" {
                assert!(
                    c["hint"].as_str().is_some_and(|h| !h.is_empty()),
                    "{provider}: a skip says why\n{report:#}"
                );
            }
        }
        let summary = &report["summary"];
        assert_eq!(summary["failed"], 0, "{provider}\n{report:#}");
        assert_eq!(summary["warned"], 0, "{provider}\n{report:#}");
        assert_eq!(summary["skipped"], skips.len(), "{provider}\n{report:#}");
        assert_eq!(
            summary["passed"],
            expected.len() - skips.len(),
            "{provider}\n{report:#}"
        );
    }
}

#[test]
fn human_report_of_a_correct_receiver_is_a_table_and_a_summary_line() {
    let server = receiver("slack", Bugs::default());
    let out = check("slack", &server.url("/webhooks/slack"), &[]);
    out.assert_code(0).assert_hides(secret_for("slack"));
    let stdout = out.stdout();
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour off a terminal\n{out}"
    );
    assert!(stdout.contains("delivery timeout 3 s"), "{out}");
    for header in ["CASE", "EXPECTED", "GOT", "VERDICT", "TIME", "HINT"] {
        assert!(stdout.contains(header), "table header {header}\n{out}");
    }
    let skips = skipped_for("slack");
    for name in cases_for("slack") {
        let verdict = if skips.contains(&name) {
            "skip"
        } else {
            "pass"
        };
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(name) && l.contains(verdict)),
            "a {verdict} row for {name}\n{out}"
        );
    }
    // Slack's handshake makes sixteen; it sends one signature, so no rotation.
    assert_eq!(
        stdout.lines().last(),
        Some("15 passed, 0 warned, 0 failed, 1 skipped"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------
// 2. Receivers with realistic bugs, each caught by the right case

/// Runs check against a receiver with `bugs` and asserts that `case` fails,
/// with a hint, and check exits 1. `valid_passes`: the bug leaves valid
/// deliveries alone. Returns the report.
fn caught(
    provider: &'static str,
    server: &Server,
    name: &str,
    valid_passes: bool,
    args: &[&str],
) -> Value {
    let (out, report) = check_json(provider, &server.url(&path_for(provider)), args);
    out.assert_code(1).assert_hides(secret_for(provider));
    let c = case(&report, name);
    assert_eq!(c["outcome"], "fail", "{name} should fail\n{report:#}");
    assert!(
        c["hint"].as_str().is_some_and(|h| !h.is_empty()),
        "a failure carries a hint\n{report:#}"
    );
    assert!(report["summary"]["failed"].as_u64() >= Some(1));
    if valid_passes {
        assert_eq!(outcome(&report, "valid"), "pass", "{report:#}");
    }
    assert!(report["unreachable"].is_null(), "{report:#}");
    report
}

#[test]
fn bug_accepting_any_signature_fails_bad_signature() {
    let bugs = Bugs {
        no_signature_check: true,
        ..Bugs::default()
    };
    let server = receiver("stripe", bugs);
    let report = caught("stripe", &server, "bad-signature", true, &[]);
    let c = case(&report, "bad-signature");
    assert_eq!(c["got"], "200");
    assert!(
        c["hint"].as_str().unwrap().contains("Stripe-Signature"),
        "{report:#}"
    );
    // The same hole shows in its siblings.
    assert_eq!(outcome(&report, "missing-signature"), "fail");
    assert_eq!(outcome(&report, "body-modified"), "fail");
}

/// Every signed provider added with the handshake case: a receiver that
/// never checks the signature is failed.
#[test]
fn receivers_accepting_any_signature_fail_for_every_new_signed_provider() {
    let providers = [
        "mailgun", "square", "zoom", "twitch", "hubspot", "calendly", "clerk", "resend",
    ];
    let results = par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            no_signature_check: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "bad-signature", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        assert_eq!(case(&report, "bad-signature")["got"], "200", "{provider}");
        assert_eq!(
            outcome(&report, "missing-signature"),
            "fail",
            "{provider}\n{report:#}"
        );
    }
}

/// The HMAC providers added last (Paddle, Sentry, Linear, Bitbucket,
/// PagerDuty, Typeform, Intercom): a receiver that never checks the
/// signature is failed on bad-signature, and its siblings.
#[test]
fn receivers_accepting_any_signature_fail_for_the_last_hmac_providers() {
    let results = par_map(LAST_HMAC.to_vec(), |provider| {
        let bugs = Bugs {
            no_signature_check: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "bad-signature", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        let c = case(&report, "bad-signature");
        assert_eq!(c["got"], "200", "{provider}\n{report:#}");
        for name in ["missing-signature", "body-modified"] {
            assert_eq!(outcome(&report, name), "fail", "{provider}\n{report:#}");
        }
    }
}

/// Paddle (five seconds, `ts=` in the header) and Linear (a minute,
/// `webhookTimestamp` in the signed body): a receiver that verifies the
/// signature but not the time accepts a replay, and stale-timestamp fails.
#[test]
fn receivers_ignoring_the_timestamp_fail_stale_timestamp_for_paddle_and_linear() {
    let results = par_map(vec!["paddle", "linear"], |provider| {
        let bugs = Bugs {
            ignore_timestamp: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "stale-timestamp", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        assert_eq!(
            case(&report, "stale-timestamp")["got"],
            "200",
            "{provider}\n{report:#}"
        );
        assert_eq!(
            report["summary"]["failed"], 1,
            "only that case: {provider}\n{report:#}"
        );
    }
}

/// The same receivers, configured with another secret, refuse check's
/// deliveries: they verify with the key, not just the header's shape.
#[test]
fn receivers_with_another_secret_fail_valid_for_the_last_hmac_providers() {
    par_map(LAST_HMAC.to_vec(), |provider| {
        let server = receiver_with_secret(provider, "another-endpoint-secret", Bugs::default());
        let report = caught(provider, &server, "valid", false, &[]);
        assert_eq!(
            case(&report, "valid")["got"],
            "401",
            "{provider}\n{report:#}"
        );
    });
}

/// The HMAC providers added after the handshakes and the asymmetric schemes.
const LAST_HMAC: [&str; 7] = [
    "paddle",
    "sentry",
    "linear",
    "bitbucket",
    "pagerduty",
    "typeform",
    "intercom",
];

#[test]
fn zapier_skips_the_signature_cases_saying_why_and_needs_no_secret() {
    let server = receiver("zapier", Bugs::default());
    let mut cmd = hookcli();
    cmd.args(["check", "--provider", "zapier", "--url"])
        .arg(server.url(&path_for("zapier")))
        .args(["--format", "json"]);
    let out = run(&mut cmd);
    out.assert_code(0);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    for name in not_applicable("zapier") {
        let c = case(&report, name);
        assert_eq!(c["outcome"], "skip", "{report:#}");
        assert!(
            c["hint"].as_str().unwrap().contains("does not sign"),
            "{report:#}"
        );
    }
    assert_eq!(outcome(&report, "valid"), "pass");
    assert_eq!(outcome(&report, "wrong-content-type"), "pass");
}

/// Slack, Zoom and Twitch probe an endpoint first; a handler that answers
/// the probe wrongly fails the handshake case with a hint saying what the
/// provider wants, while its deliveries still pass.
#[test]
fn wrong_answers_to_the_handshake_fail_it_with_a_hint() {
    let results = par_map(HANDSHAKES.to_vec(), |provider| {
        let bugs = Bugs {
            wrong_handshake: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "handshake", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        let c = case(&report, "handshake");
        assert_eq!(c["got"], "200", "{report:#}");
        let hint = c["hint"].as_str().unwrap();
        let says = match provider {
            "slack" => "echoed",
            "zoom" => "encryptedToken is wrong",
            "twitch" => "not JSON",
            "discord" => "PONG",
            other => panic!("{other}"),
        };
        assert!(hint.contains(says), "{provider}: {hint}");
        assert_eq!(report["summary"]["failed"], 1, "{report:#}");
    }
}

#[test]
fn handshake_is_left_out_for_providers_without_one_unless_asked() {
    let server = receiver("stripe", Bugs::default());
    let url = server.url(&path_for("stripe"));
    let (out, report) = check_json("stripe", &url, &[]);
    out.assert_code(0);
    assert!(!case_names(&report).contains(&"handshake".to_string()));
    let sent = server.requests().len();
    let (out, report) = check_json("stripe", &url, &["--case", "handshake"]);
    out.assert_code(0);
    let c = case(&report, "handshake");
    assert_eq!(c["outcome"], "skip");
    assert!(
        c["hint"]
            .as_str()
            .unwrap()
            .contains("no verification handshake"),
        "{report:#}"
    );
    assert_eq!(server.requests().len(), sent, "nothing was sent for a skip");
}

/// The asymmetric schemes: a receiver that never checks the signature (or
/// the timestamp) is failed, with a hint about the public key.
#[test]
fn asymmetric_receivers_that_skip_the_check_are_failed() {
    par_map(ASYMMETRIC.to_vec(), |provider| {
        let server = receiver(
            provider,
            Bugs {
                no_signature_check: true,
                ..Bugs::default()
            },
        );
        let report = caught(provider, &server, "bad-signature", true, &[]);
        let hint = case(&report, "bad-signature")["hint"].as_str().unwrap();
        assert!(hint.contains("public key"), "{provider}: {report:#}");
        assert_eq!(outcome(&report, "missing-signature"), "fail");
        assert_eq!(outcome(&report, "body-modified"), "fail");

        let server = receiver(
            provider,
            Bugs {
                ignore_timestamp: true,
                ..Bugs::default()
            },
        );
        // Discord and SendGrid set no window: accepting it is a warning.
        if provider == "standard-v1a" {
            let report = caught(provider, &server, "stale-timestamp", true, &[]);
            // Standard Webhooks refuses a timestamp too far ahead as well.
            assert_eq!(outcome(&report, "future-timestamp"), "fail", "{report:#}");
            assert_eq!(report["summary"]["failed"], 2, "{provider}\n{report:#}");
        } else {
            let (out, report) = check_json(provider, &server.url(&path_for(provider)), &[]);
            out.assert_code(0);
            assert_eq!(outcome(&report, "stale-timestamp"), "warn", "{report:#}");
            assert_eq!(outcome(&report, "future-timestamp"), "warn", "{report:#}");
            assert_eq!(report["summary"]["failed"], 0, "{provider}\n{report:#}");
        }
    });
}

/// check signs, so it takes the private key: the public one is a usage error.
#[test]
fn check_with_a_public_key_is_a_usage_error() {
    let server = receiver("discord", Bugs::default());
    let public = public_key_for("discord");
    let out = run(hookcli()
        .env(SECRET_VAR, public)
        .args(["check", "--provider", "discord", "--url"])
        .arg(server.url(&path_for("discord")))
        .args(["--secret-env", SECRET_VAR]));
    out.assert_error(2, &["discord", "private key"])
        .assert_hides(public);
    assert!(server.requests().is_empty(), "nothing is sent");
}

#[test]
fn bug_ignoring_timestamps_fails_stale_timestamp() {
    let bugs = Bugs {
        ignore_timestamp: true,
        ..Bugs::default()
    };
    let server = receiver("slack", bugs);
    let report = caught("slack", &server, "stale-timestamp", true, &[]);
    assert_eq!(case(&report, "stale-timestamp")["got"], "200");
    // Ignoring the timestamp lets a future one through too.
    assert_eq!(outcome(&report, "future-timestamp"), "fail", "{report:#}");
    assert_eq!(
        report["summary"]["failed"], 2,
        "only those cases\n{report:#}"
    );
}

#[test]
fn bug_verifying_reserialized_json_fails_valid_noncanonical() {
    // GitHub's body is compact JSON, so re-serializing it gives back the same
    // bytes and valid passes: only the unusual-but-valid bytes show the bug.
    let bugs = Bugs {
        reserialized: true,
        ..Bugs::default()
    };
    let server = receiver("github", bugs);
    let report = caught("github", &server, "valid-noncanonical", true, &[]);
    assert_eq!(case(&report, "valid-noncanonical")["got"], "401");
    assert!(
        case(&report, "valid-noncanonical")["hint"]
            .as_str()
            .unwrap()
            .contains("re-serialized"),
        "{report:#}"
    );
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_500_on_a_bad_signature_fails_bad_signature() {
    let bugs = Bugs {
        bad_signature: Some(500),
        ..Bugs::default()
    };
    let server = receiver("shopify", bugs);
    let report = caught("shopify", &server, "bad-signature", true, &[]);
    assert_eq!(case(&report, "bad-signature")["got"], "500");
    assert_eq!(outcome(&report, "missing-signature"), "pass", "{report:#}");
}

#[test]
fn bug_200_on_a_bad_signature_fails_bad_signature() {
    let bugs = Bugs {
        bad_signature: Some(200),
        ..Bugs::default()
    };
    let server = receiver("standard", bugs);
    let report = caught("standard", &server, "bad-signature", true, &[]);
    assert_eq!(case(&report, "bad-signature")["got"], "200");
    assert_eq!(outcome(&report, "missing-signature"), "pass", "{report:#}");
}

#[test]
fn bug_500_on_a_duplicate_fails_duplicate() {
    let bugs = Bugs {
        duplicate: Some(500),
        ..Bugs::default()
    };
    let server = receiver("gitlab", bugs);
    let report = caught("gitlab", &server, "duplicate", true, &[]);
    assert_eq!(case(&report, "duplicate")["got"], "200, 500");
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_answering_after_12_s_fails_response_time() {
    // GitHub gives up after 10 s; --timeout lets the 12 s answer arrive.
    let bugs = Bugs {
        slow: Some(Duration::from_secs(12)),
        ..Bugs::default()
    };
    let server = receiver("github", bugs);
    let report = caught(
        "github",
        &server,
        "response-time",
        true,
        &["--timeout", "15s"],
    );
    let c = case(&report, "response-time");
    let got = c["got"].as_str().unwrap();
    let secs: f64 = got.trim_end_matches(" s").parse().expect("got in seconds");
    assert!((12.0..15.0).contains(&secs), "{report:#}");
    assert!(c["duration_ms"].as_f64().unwrap() >= 12_000.0, "{report:#}");
    assert!(c["hint"].as_str().unwrap().contains("10 s"), "{report:#}");
    assert_eq!(report["delivery_timeout_secs"], 10);
}

#[test]
fn bug_slow_slack_handler_fails_response_time_within_the_default_timeout() {
    // Slack allows 3 s; check waits 3 + 2 s by default, so a 3.5 s answer
    // arrives, and is too late.
    let bugs = Bugs {
        slow: Some(Duration::from_millis(3500)),
        ..Bugs::default()
    };
    let server = receiver("slack", bugs);
    let report = caught("slack", &server, "response-time", true, &[]);
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_500_on_malformed_json_fails_malformed_body() {
    let bugs = Bugs {
        malformed: Some(500),
        ..Bugs::default()
    };
    let server = receiver("stripe", bugs);
    let report = caught("stripe", &server, "malformed-body", true, &[]);
    assert_eq!(case(&report, "malformed-body")["got"], "500");
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_wrong_secret_fails_valid() {
    let server = receiver_with_secret(
        "twilio",
        "the-auth-token-of-another-account",
        Bugs::default(),
    );
    let report = caught("twilio", &server, "valid", false, &[]);
    let c = case(&report, "valid");
    assert_eq!(c["got"], "401");
    assert!(
        c["hint"].as_str().unwrap().contains("secret"),
        "the hint names the secret\n{report:#}"
    );
}

#[test]
fn bug_401_to_everything_fails_valid() {
    let bugs = Bugs {
        always: Some(401),
        ..Bugs::default()
    };
    let server = receiver("shopify", bugs);
    let report = caught("shopify", &server, "valid", false, &[]);
    assert_eq!(case(&report, "valid")["got"], "401");
    assert_eq!(outcome(&report, "duplicate"), "fail");
}

#[test]
fn bug_crash_on_a_missing_signature_header_fails_missing_signature() {
    let bugs = Bugs {
        crash_on_missing_signature: true,
        ..Bugs::default()
    };
    let server = receiver("standard", bugs);
    let report = caught("standard", &server, "missing-signature", true, &[]);
    let c = case(&report, "missing-signature");
    let got = c["got"].as_str().unwrap();
    assert!(
        got.parse::<u16>().is_err(),
        "a dropped connection has no status\n{report:#}"
    );
    assert!(
        c["hint"].as_str().unwrap().contains("crashed"),
        "{report:#}"
    );
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_get_answered_500_fails_wrong_method() {
    let bugs = Bugs {
        non_post: Some(500),
        ..Bugs::default()
    };
    let server = receiver("github", bugs);
    let report = caught("github", &server, "wrong-method", true, &[]);
    assert_eq!(case(&report, "wrong-method")["got"], "500");
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
    assert!(
        server.requests().iter().any(|(m, _)| m == "GET"),
        "the GET reached the receiver"
    );
}

// ---------------------------------------------------------------------------
// 3. Report formats

/// A GitHub receiver with one fail (500 on malformed JSON) and one warn
/// (400 instead of 415); stale-timestamp is skipped for GitHub.
/// The receiver with `bugs` is caught by `name` alone: check exits 1,
/// `name` fails with a hint containing `hint`, every other case passes or
/// is skipped as for a correct receiver.
fn caught_alone(provider: &'static str, bugs: Bugs, name: &str, hint: &str) -> Value {
    let server = receiver(provider, bugs);
    let report = caught(provider, &server, name, true, &[]);
    let h = case(&report, name)["hint"].as_str().unwrap();
    assert!(
        h.contains(hint),
        "{provider}: {name} hint {h:?}\n{report:#}"
    );
    let skips = skipped_for(provider);
    for c in cases_for(provider).into_iter().filter(|c| *c != name) {
        let want = if skips.contains(&c) { "skip" } else { "pass" };
        assert_eq!(outcome(&report, c), want, "{provider}: {c}\n{report:#}");
    }
    report
}

#[test]
fn bug_checking_only_the_first_signature_fails_secret_rotation() {
    let providers = ["stripe", "standard", "clerk", "resend", "standard-v1a"];
    let reports = par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            first_signature_only: true,
            ..Bugs::default()
        };
        let hint = "accept the delivery if any matches";
        (
            provider,
            caught_alone(provider, bugs, "secret-rotation", hint),
        )
    });
    for (provider, report) in reports {
        let c = case(&report, "secret-rotation");
        assert_eq!(c["got"], "401", "{provider}\n{report:#}");
        assert_eq!(c["expected"], "2xx");
    }
}

#[test]
fn bug_crashing_on_a_malformed_signature_header_fails_malformed_signature() {
    let reports = par_map(vec!["github", "stripe"], |provider| {
        let bugs = Bugs {
            crash_on_malformed_signature: true,
            ..Bugs::default()
        };
        let hint = "parse defensively and answer 401";
        (
            provider,
            caught_alone(provider, bugs, "malformed-signature", hint),
        )
    });
    for (provider, report) in reports {
        let got = case(&report, "malformed-signature")["got"]
            .as_str()
            .unwrap();
        assert!(got.contains("500"), "{provider}: {got}\n{report:#}");
    }
}

#[test]
fn bug_comparing_a_prefix_of_the_mac_fails_truncated_signature() {
    let bugs = Bugs {
        prefix_compare: true,
        ..Bugs::default()
    };
    let hint = "compare the whole MAC, in constant time";
    let report = caught_alone("github", bugs, "truncated-signature", hint);
    // Both the half MAC and the empty one got through.
    assert_eq!(case(&report, "truncated-signature")["got"], "200, 200");
}

#[test]
fn bug_accepting_future_timestamps_fails_where_the_provider_refuses_them() {
    let bugs = Bugs {
        accept_future: true,
        ..Bugs::default()
    };
    let reports = par_map(vec!["slack", "standard", "clerk"], |provider| {
        let hint = "compare the absolute difference";
        (
            provider,
            caught_alone(provider, bugs.clone(), "future-timestamp", hint),
        )
    });
    for (provider, report) in reports {
        assert_eq!(
            case(&report, "future-timestamp")["got"],
            "200",
            "{provider}"
        );
        // Old timestamps are still refused.
        assert_eq!(outcome(&report, "stale-timestamp"), "pass", "{provider}");
    }
}

#[test]
fn accepting_future_timestamps_only_warns_where_the_sdk_accepts_them() {
    // Stripe's SDKs reject only old timestamps: a warning, fatal with --strict.
    let server = receiver(
        "stripe",
        Bugs {
            accept_future: true,
            ..Bugs::default()
        },
    );
    let url = server.url(&path_for("stripe"));
    let runs = par_map(vec![false, true], |strict| {
        let args: &[&str] = if strict { &["--strict"] } else { &[] };
        (strict, check_json("stripe", &url, args))
    });
    for (strict, (out, report)) in runs {
        out.assert_code(if strict { 1 } else { 0 });
        let c = case(&report, "future-timestamp");
        assert_eq!(c["outcome"], "warn", "{report:#}");
        assert!(
            c["hint"]
                .as_str()
                .unwrap()
                .contains("only for old timestamps"),
            "{report:#}"
        );
        assert_eq!(report["summary"]["warned"], 1, "{report:#}");
        assert_eq!(report["summary"]["failed"], 0, "{report:#}");
    }
}

fn mixed_github() -> Server {
    receiver(
        "github",
        Bugs {
            malformed: Some(500),
            wrong_type: Some(400),
            ..Bugs::default()
        },
    )
}

fn attr(tag: &str, name: &str) -> Option<u64> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &tag[start..];
    rest[..rest.find('"')?].parse().ok()
}

/// The element's opening tag `<NAME ...>`.
fn opening_tag<'a>(xml: &'a str, name: &str) -> &'a str {
    let start = xml
        .find(&format!("<{name} "))
        .unwrap_or_else(|| panic!("no <{name}> in\n{xml}"));
    let end = start + xml[start..].find('>').expect("tag end");
    &xml[start..=end]
}

#[test]
fn junit_output_file_parses_back_with_the_right_counts() {
    let server = mixed_github();
    let url = server.url("/webhooks/github");
    let dir = tempfile::tempdir().expect("temp dir");
    let results = par_map(vec![false, true], |strict| {
        let file = dir.path().join(format!("check-{strict}.xml"));
        let file_arg = file.to_str().unwrap().to_string();
        let mut args = vec!["--format", "junit", "--output", &file_arg];
        if strict {
            args.push("--strict");
        }
        let out = check("github", &url, &args);
        let xml = std::fs::read_to_string(&file).expect("the JUnit file was written");
        (strict, out, xml)
    });
    for (strict, out, xml) in results {
        out.assert_code(1).assert_hides(secret_for("github"));
        assert!(!xml.contains(secret_for("github")), "{xml}");
        // stdout is the summary line, not the XML.
        assert_eq!(
            out.stdout().trim_end(),
            "10 passed, 1 warned, 1 failed, 3 skipped",
            "{out}"
        );
        assert!(xml.trim_start().starts_with("<?xml"), "{xml}");
        let failures: u64 = if strict { 2 } else { 1 };
        assert_eq!(xml.matches("<testcase ").count(), 15, "{xml}");
        assert_eq!(xml.matches("<failure").count() as u64, failures, "{xml}");
        assert_eq!(xml.matches("<skipped").count(), 3, "{xml}");
        for tag in [
            opening_tag(&xml, "testsuites"),
            opening_tag(&xml, "testsuite"),
        ] {
            assert_eq!(attr(tag, "tests"), Some(15), "{tag}");
            assert_eq!(attr(tag, "failures"), Some(failures), "{tag}");
            assert_eq!(attr(tag, "errors"), Some(0), "{tag}");
        }
        assert_eq!(
            attr(opening_tag(&xml, "testsuite"), "skipped"),
            Some(3),
            "{xml}"
        );
        for name in ALL_CASES {
            assert!(
                xml.contains(&format!("name=\"{name}\"")),
                "a testcase for {name}\n{xml}"
            );
        }
        // The failure is the malformed-body testcase and carries the hint.
        let malformed = &xml[xml.find("name=\"malformed-body\"").unwrap()..];
        let malformed = &malformed[..malformed.find("</testcase>").unwrap()];
        assert!(malformed.contains("<failure"), "{malformed}");
        assert!(malformed.contains("parse defensively"), "{malformed}");
        let warned = &xml[xml.find("name=\"wrong-content-type\"").unwrap()..];
        let warned = &warned[..warned.find("</testcase>").unwrap_or(warned.len())];
        assert_eq!(warned.contains("<failure"), strict, "{warned}");
        assert!(warned.contains("415"), "the warn's hint is kept\n{warned}");
    }
}

#[test]
fn json_report_matches_the_documented_schema() {
    let server = mixed_github();
    let url = server.url("/webhooks/github");
    let (out, report) = check_json("github", &url, &[]);
    out.assert_code(1).assert_hides(secret_for("github"));
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&report),
        [
            "cases",
            "delivery_timeout_secs",
            "event",
            "notes",
            "provider",
            "schema",
            "summary",
            "unreachable",
            "url"
        ],
        "{report:#}"
    );
    assert_eq!(report["schema"], "hookcli.check/1");
    assert_eq!(report["provider"], "github");
    assert_eq!(report["url"], url);
    assert_eq!(report["event"], "push");
    assert_eq!(report["delivery_timeout_secs"], 10);
    assert_eq!(report["notes"], serde_json::json!([]), "loopback: no note");
    assert!(report["unreachable"].is_null());
    let mut tally = [0u64; 4];
    for c in report["cases"].as_array().unwrap() {
        assert_eq!(
            keys(c),
            ["duration_ms", "expected", "got", "hint", "name", "outcome"],
            "{c:#}"
        );
        assert!(c["name"].is_string() && c["expected"].is_string() && c["got"].is_string());
        let o = c["outcome"].as_str().unwrap();
        let i = ["pass", "warn", "fail", "skip"]
            .iter()
            .position(|w| *w == o)
            .unwrap_or_else(|| panic!("outcome {o:?}"));
        tally[i] += 1;
        assert!(
            c["duration_ms"].is_null() || c["duration_ms"].is_f64() || c["duration_ms"].is_u64()
        );
        assert!(c["hint"].is_null() || c["hint"].is_string());
        if o == "pass" {
            assert!(c["hint"].is_null(), "{c:#}");
        } else {
            assert!(c["hint"].is_string(), "a non-pass has a hint: {c:#}");
        }
        if o == "skip" {
            assert!(c["duration_ms"].is_null());
        } else {
            assert!(c["duration_ms"].as_f64().is_some(), "{c:#}");
        }
    }
    let summary = &report["summary"];
    assert_eq!(keys(summary), ["failed", "passed", "skipped", "warned"]);
    assert_eq!(
        [
            &summary["passed"],
            &summary["warned"],
            &summary["failed"],
            &summary["skipped"]
        ]
        .map(|v| v.as_u64().unwrap()),
        tally
    );
    assert_eq!(tally, [10, 1, 1, 3], "{report:#}");
    assert_eq!(case(&report, "wrong-content-type")["outcome"], "warn");
    assert_eq!(case(&report, "wrong-content-type")["expected"], "415");
    assert_eq!(case(&report, "stale-timestamp")["got"], "-");
}

// ---------------------------------------------------------------------------
// 4. --strict, --case, --skip

#[test]
fn strict_turns_a_warn_into_exit_1() {
    let server = receiver(
        "shopify",
        Bugs {
            wrong_type: Some(400),
            ..Bugs::default()
        },
    );
    let url = server.url("/webhooks/shopify");
    let runs = par_map(vec![false, true], |strict| {
        (
            strict,
            check("shopify", &url, if strict { &["--strict"] } else { &[] }),
        )
    });
    for (strict, out) in runs {
        out.assert_code(if strict { 1 } else { 0 })
            .assert_hides(secret_for("shopify"));
        let stdout = out.stdout();
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("wrong-content-type") && l.contains("warn")),
            "{out}"
        );
        assert_eq!(
            stdout.lines().last(),
            Some("11 passed, 1 warned, 0 failed, 3 skipped"),
            "{out}"
        );
    }
}

#[test]
fn case_runs_only_the_named_cases() {
    let server = receiver("stripe", Bugs::default());
    let (out, report) = check_json(
        "stripe",
        &server.url("/webhooks/stripe"),
        &["--case", "valid", "--case", "duplicate"],
    );
    out.assert_code(0);
    assert_eq!(case_names(&report), ["valid", "duplicate"], "{report:#}");
    assert_eq!(report["summary"]["passed"], 2);
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        3,
        "valid once, duplicate twice: {requests:?}"
    );
    assert!(requests.iter().all(|(m, _)| m == "POST"));
}

#[test]
fn skip_leaves_a_case_out() {
    // This receiver would fail wrong-method; skipping it leaves a clean run.
    let server = receiver(
        "slack",
        Bugs {
            non_post: Some(500),
            ..Bugs::default()
        },
    );
    let (out, report) = check_json(
        "slack",
        &server.url("/webhooks/slack"),
        &["--skip", "wrong-method"],
    );
    out.assert_code(0);
    let names = case_names(&report);
    assert_eq!(names.len(), cases_for("slack").len() - 1, "{report:#}");
    assert!(!names.iter().any(|n| n == "wrong-method"), "{report:#}");
    assert!(
        server.requests().iter().all(|(m, _)| m == "POST"),
        "no GET was sent: {:?}",
        server.requests()
    );
}

// ---------------------------------------------------------------------------
// 5. Transport faults: the cause, no panic

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().unwrap().port()
}

#[test]
fn unreachable_url_exits_3_with_one_line_naming_the_cause() {
    let url = format!("http://127.0.0.1:{}/webhooks/stripe", closed_port());
    let out = check("stripe", &url, &[]);
    out.assert_error(3, &["could not reach", &url])
        .assert_hides(secret_for("stripe"));
    assert!(
        out.stderr().to_lowercase().contains("refused"),
        "the cause is named\n{out}"
    );
    assert!(
        !out.stdout().contains("CASE"),
        "no table of identical failures for a down endpoint\n{out}"
    );
}

#[test]
fn connection_reset_on_every_request_fails_the_cases_with_the_cause() {
    let server = Server::resetting();
    let (out, report) = check_json("github", &server.url("/webhooks/github"), &[]);
    out.assert_code(1).assert_hides(secret_for("github"));
    for c in report["cases"].as_array().unwrap() {
        if c["outcome"] == "skip" {
            continue;
        }
        assert_eq!(c["outcome"], "fail", "{report:#}");
        let got = c["got"].as_str().unwrap().to_lowercase();
        assert!(
            got.contains("reset") || got.contains("closed"),
            "the cause is in got\n{report:#}"
        );
    }
}

#[test]
fn connection_reset_on_every_request_fails_every_case_without_a_panic() {
    let server = Server::resetting();
    let (out, report) = check_json("github", &server.url("/webhooks/github"), &[]);
    out.assert_code(1).assert_hides(secret_for("github"));
    for c in report["cases"].as_array().unwrap() {
        if skipped_for("github").contains(&c["name"].as_str().unwrap()) {
            assert_eq!(c["outcome"], "skip");
            continue;
        }
        assert_eq!(c["outcome"], "fail", "{report:#}");
        let got = c["got"].as_str().unwrap();
        assert!(got.parse::<u16>().is_err() && !got.is_empty(), "{report:#}");
        assert!(c["hint"].is_string(), "{report:#}");
    }
}

#[test]
fn a_receiver_that_never_answers_fails_with_no_answer() {
    let server = Server::http(|_| Reply::Hang);
    let started = Instant::now();
    let (out, report) = check_json(
        "shopify",
        &server.url("/webhooks/shopify"),
        &["--timeout", "1s"],
    );
    out.assert_code(1).assert_hides(secret_for("shopify"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the timeout is honoured"
    );
    for name in ["valid", "bad-signature", "wrong-method", "response-time"] {
        let c = case(&report, name);
        assert_eq!(c["outcome"], "fail", "{report:#}");
        assert!(
            c["got"].as_str().unwrap().contains("no answer"),
            "{report:#}"
        );
    }
    assert!(
        case(&report, "valid")["hint"]
            .as_str()
            .unwrap()
            .contains("did not answer in time"),
        "{report:#}"
    );
}

#[test]
fn https_to_a_plain_http_receiver_is_a_clear_error() {
    let server = receiver("stripe", Bugs::default());
    let url = format!("https://{}/webhooks/stripe", server.addr);
    let out = check("stripe", &url, &[]);
    out.assert_error(3, &["could not reach", &url])
        .assert_hides(secret_for("stripe"));
    let stderr = out.stderr().to_lowercase();
    assert!(
        [
            "tls",
            "ssl",
            "handshake",
            "corrupt",
            "certificate",
            "invalidcontenttype"
        ]
        .iter()
        .any(|w| stderr.contains(w)),
        "the TLS cause is named\n{out}"
    );
}

// ---------------------------------------------------------------------------
// 6. No secret in any report

#[test]
fn no_secret_in_human_json_or_junit_reports() {
    // Receivers that make check write hints everywhere: forged deliveries
    // accepted, a crash, a wrong secret; plus GitLab, whose secret travels
    // in a header.
    let setups: Vec<(&'static str, Bugs, Option<&str>)> = vec![
        (
            "stripe",
            Bugs {
                no_signature_check: true,
                ..Bugs::default()
            },
            None,
        ),
        ("gitlab", Bugs::default(), Some("another-token")),
        (
            "standard",
            Bugs {
                crash_on_missing_signature: true,
                ..Bugs::default()
            },
            None,
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    par_map(setups, |(provider, bugs, other_secret)| {
        let secret = secret_for(provider);
        let server = receiver_with_secret(provider, other_secret.unwrap_or(secret), bugs);
        let url = server.url(&path_for(provider));
        for format in ["human", "json", "junit"] {
            let file = dir.path().join(format!("{provider}-{format}.out"));
            let file_arg = file.to_str().unwrap().to_string();
            let out = check(provider, &url, &["--format", format]);
            out.assert_code(1).assert_hides(secret);
            let out = check(provider, &url, &["--format", format, "--output", &file_arg]);
            out.assert_code(1).assert_hides(secret);
            let written = std::fs::read_to_string(&file).expect("report file");
            assert!(
                !written.contains(secret),
                "{provider} {format}: the secret leaked into the file\n{written}"
            );
        }
    });
}

// ---------------------------------------------------------------------------
// 7. Plain HTTP to a host that is not loopback gets a note

#[test]
fn plain_http_to_a_non_loopback_host_gets_a_note() {
    // 0.0.0.0 is not a loopback address, yet on Linux connecting to it reaches
    // this machine: the note is shown without any traffic leaving loopback.
    let server = receiver("stripe", Bugs::default());
    let url = format!("http://0.0.0.0:{}/webhooks/stripe", server.addr.port());
    let closed = format!("http://0.0.0.0:{}/webhooks/stripe", closed_port());
    let loopback = server.url("/webhooks/stripe");
    let runs = par_map(vec![url.clone(), closed.clone(), loopback.clone()], |u| {
        (u.clone(), check("stripe", &u, &[]))
    });
    for (u, out) in runs {
        let note = out
            .stdout()
            .lines()
            .find(|l| l.starts_with("note:"))
            .map(str::to_string);
        if u == loopback {
            out.assert_code(0);
            assert_eq!(note, None, "no note for loopback\n{out}");
            continue;
        }
        if u == closed {
            out.assert_error(3, &["could not reach"]);
        } else {
            out.assert_code(0);
        }
        let note = note.unwrap_or_else(|| panic!("a note for {u}\n{out}"));
        assert!(
            note.contains(&u) && note.contains("HTTPS"),
            "the note names the URL and HTTPS\n{out}"
        );
    }
}
