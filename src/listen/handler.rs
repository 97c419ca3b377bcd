//! One request: read it whole, conclude what it is, record it, then answer
//! (forwarding to the app first when there is one). The sender is answered
//! only after the record is committed.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};

use super::Shared;
use super::forward::Outcome;
use super::line::{LineInfo, Target, human, json_line};
use super::route::{path_under, pick};
use crate::client::{is_final_status, is_hop_by_hop, join_url, leaves_base};
use crate::conn::BodyError;
use crate::incoming::{self, Arrival, Door, HeadCapture, Read, Reply};
use crate::provider::{self, Headers, VerifyOptions, WebhookRequest, crypto::sha256_hex};
use crate::store::{Attempt, AttemptKind, Delivery, VerdictRecord, new_id, now_ms};

pub async fn handle(
    shared: Arc<Shared>,
    capture: HeadCapture,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Reply, Infallible> {
    // First thing: heads are handed out in the order requests arrive.
    let head = capture.take();
    let door = Door {
        public_url: shared.config.public_url.as_deref(),
        scheme: "http",
        forwarded_proto: true,
        limits: &shared.body_limits,
    };
    // The grant is the body's share of the budget, held until the record is committed.
    let (arrival, grant) = match incoming::read(req, head, peer, &door).await {
        Ok(Read { arrival, grant }) => (arrival, grant),
        // Not a delivery: nothing is recorded, the sender retries.
        Err(e) => {
            let budget = &shared.body_limits.budget;
            if matches!(e, BodyError::Busy) && budget.first_refusal_in_a_while() {
                shared.printer.warn(format!(
                    "bodies in flight fill --body-budget ({} bytes): answering 503 with Retry-After",
                    budget.limit()
                ));
            }
            return Ok(incoming::unread(&e));
        }
    };
    let whole = arrival.rejected.is_none();
    let reply = process(&shared, arrival).await;
    drop(grant);
    Ok(if whole {
        reply
    } else {
        incoming::closing(reply, None)
    })
}

impl incoming::Receiver for Shared {
    fn max_body(&self) -> u64 {
        self.config.max_body
    }

    fn receive(&self, arrival: Arrival) -> impl Future<Output = Reply> + Send {
        process(self, arrival)
    }
}

/// Concludes what the request is, records it, forwards or answers it.
pub async fn process(shared: &Shared, a: Arrival) -> Reply {
    let cfg = &shared.config;
    let Arrival {
        method,
        target,
        version,
        headers,
        body,
        rejected,
        peer,
        public_url,
        record_url,
        source,
        received_at,
        start,
    } = a;
    if !path_under(&target, &cfg.path) {
        return json_reply(
            404,
            &format!(r#"{{"error":"hookcli listens under {}"}}"#, cfg.path),
            None,
        );
    }

    let mut request = WebhookRequest {
        method: method.clone(),
        url: public_url.clone(),
        headers,
        body,
    };
    let provider: Option<&dyn provider::Provider> = match &cfg.provider {
        Some(p) => Some(p.as_ref()),
        None => provider::detect_name(&request.headers).and_then(provider::shared),
    };
    // Each provider's deliveries are checked with that provider's secret.
    let secret = provider.and_then(|p| cfg.secrets.get(p.name()).map(|f| &f.secret));
    let verdict = match (provider, secret) {
        (None, _) => VerdictRecord::unknown(),
        (Some(p), _) if !p.signed() => VerdictRecord::from_verdict(&provider::Verdict::Unsigned),
        (Some(p), None) => VerdictRecord::unchecked(&no_secret_for(&cfg.secrets, p.name())),
        (Some(p), Some(secret)) => {
            let opts = VerifyOptions {
                now: received_at / 1000,
                tolerance: cfg.tolerance,
            };
            VerdictRecord::from_verdict(&p.verify(&request, secret, &opts))
        }
    };
    // A plain secret no provider claims is tried on every one: the record
    // (not the sender) is told how to give this one its own on a mismatch.
    let hint = provider
        .filter(|p| verdict.cause.as_deref() == Some("mismatch") && !cfg.secrets.has_own(p.name()))
        .map(|p| {
            let name = p.name();
            format!(" (listen's one plain secret is tried for every provider: if it is not {name}'s, give {name} its own with --secret-env {name}=VAR)")
        });
    // A secret header that arrives as hookcli's own mark (a relay's buffer
    // keeps no secret) cannot be checked: invalid, so --enforce refuses
    // it, but saying why rather than "the secret is wrong".
    let verdict = match provider.and_then(|p| redacted_header(p, &request.headers)) {
        Some(header) if secret.is_some() => {
            VerdictRecord::from_verdict(&provider::Verdict::from(provider::Failure::MalformedHeader {
                header,
                reason: "it holds hookcli's redaction mark (a relay's buffer keeps no secret), so there is nothing to check".into(),
            }))
        }
        _ => verdict,
    };
    let (event_type, event_id) = provider.map(|p| p.event(&request)).unwrap_or_default();
    let mut delivery = Delivery {
        id: new_id(),
        received_at,
        peer,
        method: method.clone(),
        target: target.clone(),
        http_version: version,
        headers: crate::secret::redact(&request.headers, cfg.secrets.values()),
        body_sha256: sha256_hex(&request.body),
        // Set below: moved when no forward needs it too (bodies can be large).
        body: Bytes::new(),
        provider: provider.map(|p| p.name().to_string()),
        event_type,
        event_id,
        verdict,
        source: source.into(),
        public_url: record_url.then(|| public_url.clone()),
        rejected: rejected.as_ref().map(|(_, why)| why.clone()),
    };

    // Refused outright: too large, unreadable, or invalid under --enforce.
    let mut refusal = match &rejected {
        Some((status, why)) => Some((*status, why.clone())),
        // A 2xx to CONNECT tells the client its tunnel is open: no webhook
        // asks for one, so it is refused (and kept, as any refusal is).
        None if method == "CONNECT" => Some((
            405,
            "CONNECT asks for a tunnel; hookcli listen takes deliveries, not proxy requests".into(),
        )),
        // `*` is for OPTIONS alone, `host:port` for CONNECT alone (RFC 9112, 3.2).
        None if !(target.starts_with('/') || (target == "*" && method == "OPTIONS")) => {
            Some((400, format!("the request target {target:?} is not a path")))
        }
        // Under --enforce a request that cannot be verified is refused too.
        None if cfg
            .enforce
            .is_some_and(|e| e.refuses(&delivery.verdict.word)) =>
        {
            Some((401, {
                // The explanation opens with its own word ("invalid: …").
                let why = delivery.verdict.explanation.as_deref().unwrap_or("");
                let word = &delivery.verdict.word;
                let why = why
                    .strip_prefix(word.as_str())
                    .and_then(|r| r.strip_prefix(": "))
                    .unwrap_or(why);
                match word.as_str() {
                    "unchecked" => format!("signature not checked (--enforce=strict): {why}"),
                    _ => format!("signature invalid: {why}"),
                }
            }))
        }
        None => None,
    };
    if let (Some(hint), Some(e)) = (hint, delivery.verdict.explanation.as_mut()) {
        e.push_str(&hint);
    }
    // `OPTIONS *` asks about the server itself, and the server the sender
    // reached is listen: it is answered here. An app lives under a path of
    // its base URL, where `*` names nothing (it was sent `OPTIONS /app/*`).
    let mut forward_to = if refusal.is_none() && target.starts_with('/') {
        pick(
            &cfg.routes,
            cfg.forward_to.as_deref(),
            &target,
            delivery.provider.as_deref(),
            delivery.event_type.as_deref(),
        )
        .map(|base| (base, join_url(base, &cfg.path, &target)))
    } else {
        None
    };
    // What the sender is told stays generic; the detail (the app's URL,
    // redacted) is for the local line only.
    let mut detail = None;
    if let Some((base, url)) = &forward_to
        && leaves_base(base, &target, url)
    {
        refusal = Some((
            400,
            format!("the path {target} would leave the forward target"),
        ));
        detail = Some(format!(
            "the path {target} would leave the forward target {}",
            crate::secret::redact_url(base)
        ));
        forward_to = None;
    }
    let forward_to = forward_to.map(|(_, url)| url);
    // Moved, not copied: a forward borrows it back as shared `Bytes`.
    delivery.body = std::mem::take(&mut request.body);

    let id = delivery.id.clone();
    let (reply, attempt) = match (&refusal, &forward_to, &shared.forwarder) {
        (Some((status, why)), _, _) => {
            let body = serde_json::json!({ "error": why, "id": id }).to_string();
            local_answer(*status, body, &id, received_at, start)
        }
        // Forwarded first, recorded after, in one commit with its attempt:
        // a crash before that commit leaves the sender unanswered, so it
        // retries (at least once, to the app as well).
        (None, Some(url), Some(forwarder)) => {
            let sent_at = now_ms();
            let body = std::mem::take(&mut delivery.body);
            // Boxed: the client's state (TLS included) would otherwise
            // size every request's future, forwarded or not.
            let (outcome, elapsed) =
                Box::pin(forwarder.send(&method, url, &request.headers, body.clone())).await;
            delivery.body = body;
            forwarded(outcome, elapsed, url, &id, sent_at)
        }
        _ => {
            // The id is a ULID (base32 letters and digits): nothing to escape.
            let body = format!(r#"{{"id":"{id}","received":true}}"#);
            local_answer(cfg.respond, body, &id, received_at, start)
        }
    };

    let action = match (&refusal, &forward_to) {
        (Some(_), _) => "reject",
        (None, Some(_)) => "forward",
        _ => "respond",
    };
    // The line is written before the record is handed over, so the record
    // moves to the writer instead of being copied; it is printed only once
    // the record is committed.
    let info = LineInfo {
        delivery: &delivery,
        action,
        target: forward_to.as_deref().map(Target::Raw),
        status: attempt.status,
        error: attempt.error.as_deref().or(detail.as_deref()),
        duration_ms: start.elapsed().as_secs_f64() * 1000.0,
    };
    let line = if cfg.json {
        json_line(&info)
    } else {
        human(&info)
    };
    // One writer round trip whatever the action: the delivery and the
    // answer it got (forwarded, responded or refused) commit together.
    if let Err(e) = shared.writer.delivery_with(delivery, Some(attempt)).await {
        return store_failure(shared, &e);
    }
    shared.printer.print(line);
    reply
}

fn local_answer(
    status: u16,
    body: String,
    id: &str,
    started_at: i64,
    start: Instant,
) -> (Reply, Attempt) {
    let attempt = Attempt {
        delivery_id: id.to_string(),
        kind: AttemptKind::Respond,
        target: None,
        started_at,
        status: Some(status),
        headers: vec![("content-type", b"application/json".to_vec())]
            .into_iter()
            .collect(),
        body: body.clone().into_bytes(),
        duration_ms: start.elapsed().as_secs_f64() * 1000.0,
        error: None,
        sent: None,
    };
    (json_reply(status, &body, Some(id)), attempt)
}

fn forwarded(
    outcome: Outcome,
    elapsed: std::time::Duration,
    url: &str,
    id: &str,
    sent_at: i64,
) -> (Reply, Attempt) {
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    let mut attempt = Attempt {
        delivery_id: id.to_string(),
        kind: AttemptKind::Forward,
        target: Some(url.to_string()),
        started_at: sent_at,
        status: None,
        headers: Headers::new(),
        body: Vec::new(),
        duration_ms,
        error: None,
        sent: None,
    };
    let reply = match outcome {
        Outcome::Answered {
            status,
            headers,
            body,
        } if !is_final_status(status) => {
            attempt.status = Some(status);
            attempt.error = Some(format!(
                "the app answered {status}, not a final status; the sender got 502"
            ));
            attempt.headers = headers;
            attempt.body = body;
            json_reply(
                502,
                &serde_json::json!({ "error": "the app answered without a final status", "id": id })
                    .to_string(),
                Some(id),
            )
        }
        Outcome::Answered {
            status,
            headers,
            body,
        } => {
            let mut builder = Response::builder().status(status);
            for (name, value) in headers.iter() {
                if !is_hop_by_hop(name, None) {
                    builder = builder.header(name, value);
                }
            }
            let reply = builder
                .header("x-hookcli-delivery", id)
                .body(Full::new(Bytes::from(body.clone())))
                .unwrap_or_else(|_| {
                    json_reply(
                        502,
                        r#"{"error":"the app's response could not be passed on"}"#,
                        Some(id),
                    )
                });
            attempt.status = Some(status);
            attempt.headers = headers;
            attempt.body = body;
            reply
        }
        // The sender (maybe on the internet, through the relay) learns only
        // that the app failed; where the app is, with which credentials,
        // stays in the local record, its URL redacted.
        Outcome::Unreachable(why) => {
            let shown = crate::secret::redact_url(url);
            let why = why.replace(url, &shown);
            attempt.error = Some(format!("the app at {shown} is unreachable: {why}"));
            json_reply(
                502,
                &serde_json::json!({ "error": "the app is unreachable", "id": id }).to_string(),
                Some(id),
            )
        }
        Outcome::TimedOut(after) => {
            attempt.error = Some(format!(
                "the app at {} did not answer within {} s",
                crate::secret::redact_url(url),
                after.as_secs_f64()
            ));
            json_reply(
                504,
                &serde_json::json!({ "error": "the app did not answer in time", "id": id })
                    .to_string(),
                Some(id),
            )
        }
    };
    (reply, attempt)
}

fn json_reply(status: u16, body: &str, id: Option<&str>) -> Reply {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(id) = id {
        builder = builder.header("x-hookcli-delivery", id);
    }
    builder
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// The delivery could not be recorded: say so with a 500, so the provider
/// retries later, rather than pretend it was kept. Why (the store's path,
/// SQLite's words) goes to the local stderr, not to the sender.
fn store_failure(shared: &Shared, e: &crate::store::StoreError) -> Reply {
    shared.printer.error(format!(
        "could not record a delivery: {}",
        crate::output::one_line(&e.to_string())
    ));
    json_reply(500, r#"{"error":"could not record the delivery"}"#, None)
}

/// Why a delivery of `provider` went unchecked, and what would check it.
fn no_secret_for(secrets: &crate::secret::Secrets, provider: &str) -> String {
    match secrets.wanted(provider) {
        Some(wanted) => {
            format!("no secret for {provider} ({wanted} or pass --secret-env {provider}=VAR)")
        }
        None => format!("no secret for {provider}"),
    }
}

/// The provider's secret header that arrived as hookcli's redaction mark,
/// if one did.
fn redacted_header(p: &dyn provider::Provider, headers: &Headers) -> Option<String> {
    let redacted = Some(crate::secret::REDACTED);
    if !headers.iter().any(|(_, v)| Some(v) == redacted) {
        return None;
    }
    p.info()
        .signature_headers
        .into_iter()
        .find(|h| headers.get(h) == redacted)
}
