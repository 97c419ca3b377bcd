//! The portable form of a delivery: one self-describing JSON document that
//! `show --json` writes and `send --from` reads. The body is UTF-8 text when
//! it is valid UTF-8, else base64, with its SHA-256 either way.

use serde_json::{Value, json};

use super::{Attempt, Delivery};
use crate::output::body_json;
use crate::provider::Headers;

pub const SCHEMA: &str = "hookcli.delivery/1";

fn headers_value(headers: &Headers) -> Value {
    headers
        .iter()
        .map(|(n, v)| match std::str::from_utf8(v) {
            Ok(text) => json!([n, text]),
            Err(_) => json!([n, { "base64": crate::provider::crypto::b64(v) }]),
        })
        .collect()
}

pub fn rfc3339_ms(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

fn attempt_value(a: &Attempt) -> Value {
    json!({
        "kind": a.kind.as_str(),
        "target": a.target,
        "started_at": rfc3339_ms(a.started_at),
        "status": a.status,
        "duration_ms": a.duration_ms,
        "error": a.error,
        "headers": headers_value(&a.headers),
        "body": body_json(&a.body),
    })
}

/// The whole story of one delivery as a JSON document.
pub fn document(d: &Delivery, attempts: &[Attempt]) -> Value {
    json!({
        "schema": SCHEMA,
        "id": d.id,
        "received_at": rfc3339_ms(d.received_at),
        "source": d.source,
        "peer": d.peer,
        "request": {
            "method": d.method,
            "target": d.target,
            "public_url": d.public_url,
            "http_version": d.http_version,
            "headers": headers_value(&d.headers),
            "body": body_json(&d.body),
            "body_size": d.body.len(),
            "body_sha256": d.body_sha256,
        },
        "provider": d.provider,
        "event_type": d.event_type,
        "event_id": d.event_id,
        "verdict": {
            "verdict": d.verdict.word,
            "cause": d.verdict.cause,
            "explanation": d.verdict.explanation,
        },
        "rejected": d.rejected,
        "attempts": attempts.iter().map(attempt_value).collect::<Vec<_>>(),
    })
}
