//! The JSON the page reads: deliveries and attempts shaped for display.
//! Bodies travel as data (text, or hex when they are not UTF-8) with their
//! size and SHA-256; the page puts them in text nodes, never in markup.

use serde::Serialize;
use serde_json::{Value, json};

use crate::provider::Headers;
use crate::provider::crypto::sha256_hex;
use crate::store::portable::rfc3339_ms;
use crate::store::search::ListRow;
use crate::store::wire::{DeliveryHead, Listed, VerdictDoc};
use crate::store::{Attempt, Delivery};

/// Bodies longer than this are cut for display (the copy buttons and the
/// portable document keep every byte).
const SHOWN: usize = 1 << 20;

/// Bodies up to this size are also shown pretty-printed or as form fields.
/// A sender picks the body, and pretty-printing can grow it a hundredfold
/// (deeply nested arrays), so both the input and the output are bounded.
const PRETTY_INPUT: usize = 256 << 10;
const PRETTY_OUTPUT: usize = 2 << 20;
const FORM_FIELDS: usize = 10_000;

/// An in-memory writer that refuses to grow past its limit.
struct Bounded(Vec<u8>, usize);

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > self.1 {
            return Err(std::io::Error::other("over the display limit"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The pretty form of a JSON document, unless it would be too large to show.
fn pretty(doc: &Value) -> Option<String> {
    let mut out = Bounded(Vec::new(), PRETTY_OUTPUT);
    serde_json::to_writer_pretty(&mut out, doc).ok()?;
    String::from_utf8(out.0).ok()
}

fn headers(h: &Headers) -> Value {
    h.iter()
        .map(|(n, v)| json!([n, String::from_utf8_lossy(v)]))
        .collect()
}

/// A body: text when UTF-8 (pretty-printed too when JSON, fields when a
/// form), else hex; always its size and SHA-256.
pub fn body(bytes: &[u8], content_type: Option<&str>) -> Value {
    let shown = &bytes[..bytes.len().min(SHOWN)];
    let mut v = json!({
        "size": bytes.len(),
        "sha256": sha256_hex(bytes),
        "truncated": shown.len() < bytes.len(),
    });
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            v["text"] = String::from_utf8_lossy(shown).into();
            let trimmed = text.trim_start();
            let small = bytes.len() <= PRETTY_INPUT;
            if small
                && (trimmed.starts_with('{') || trimmed.starts_with('['))
                && let Ok(doc) = serde_json::from_str::<Value>(text)
            {
                if let Some(p) = pretty(&doc) {
                    v["json"] = p.into();
                }
            } else if small && content_type.is_some_and(|ct| ct.contains("x-www-form-urlencoded")) {
                v["form"] = url::form_urlencoded::parse(bytes)
                    .take(FORM_FIELDS)
                    .map(|(k, val)| json!([k, val]))
                    .collect();
            }
        }
        Err(_) => v["hex"] = hex::encode(shown).into(),
    }
    v
}

/// A row of the page's list: `list --json`'s row, and how long the last
/// attempt took.
#[derive(Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub listed: Listed,
    pub duration_ms: Option<f64>,
    /// The name `path` had here before the names were made one.
    pub target: String,
}

pub fn row(r: &ListRow) -> Row {
    Row {
        listed: Listed::from(&r.summary),
        duration_ms: r.last_duration_ms,
        target: r.summary.target.clone(),
    }
}

/// A delivery's whole story, for its page.
#[derive(Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub head: DeliveryHead<VerdictDoc>,
    /// The name `path` had here before the names were made one.
    pub target: String,
    pub peer: Option<String>,
    pub source: String,
    pub public_url: Option<String>,
    pub http_version: String,
    pub rejected: Option<String>,
    pub headers: Value,
    pub body: Value,
    pub attempts: Vec<Value>,
}

pub fn attempt(n: usize, a: &Attempt) -> Value {
    json!({
        "n": n,
        "kind": a.kind.as_str(),
        "target": a.target,
        "started_at": rfc3339_ms(a.started_at),
        "status": a.status,
        "ok": a.succeeded(),
        "duration_ms": a.duration_ms,
        "error": a.error,
        "headers": headers(&a.headers),
        "body": body(&a.body, a.headers.get_str("content-type")),
        "sent": a.sent.as_ref().map(|s| json!({
            "headers": headers(&s.headers),
            "body": body(&s.body, s.headers.get_str("content-type")),
        })),
    })
}

pub fn detail(d: &Delivery, attempts: &[Attempt]) -> Detail {
    Detail {
        head: DeliveryHead::of(d, VerdictDoc::from(&d.verdict)),
        target: d.target.clone(),
        peer: d.peer.clone(),
        source: d.source.clone(),
        public_url: d.public_url.clone(),
        http_version: d.http_version.clone(),
        rejected: d.rejected.clone(),
        headers: headers(&d.headers),
        body: body(&d.body, d.headers.get_str("content-type")),
        attempts: attempts
            .iter()
            .enumerate()
            .map(|(i, a)| attempt(i + 1, a))
            .collect(),
    }
}

#[cfg(test)]
mod tests {

    /// A sender picks the body: a nested JSON that pretty-prints a
    /// hundredfold, or a form of a hundred thousand fields, stays bounded.
    #[test]
    fn hostile_bodies_stay_bounded() {
        let mut nested = "[".repeat(120);
        nested.push_str(&"0,".repeat(100_000));
        nested.push('0');
        nested.push_str(&"]".repeat(120));
        let v = body(nested.as_bytes(), Some("application/json"));
        assert!(v.get("json").is_none(), "too large to pretty-print");
        assert_eq!(v["text"].as_str().unwrap().len(), nested.len());

        let small = "[[[1, 2]]]";
        let v = body(small.as_bytes(), Some("application/json"));
        assert!(v["json"].as_str().unwrap().contains("\n"));

        let form = "a=1&".repeat(20_000);
        let v = body(form.as_bytes(), Some("application/x-www-form-urlencoded"));
        assert_eq!(v["form"].as_array().unwrap().len(), FORM_FIELDS);

        let big = "a".repeat(PRETTY_INPUT + 1);
        let v = body(format!("[\"{big}\"]").as_bytes(), None);
        assert!(v.get("json").is_none());
    }

    use super::*;

    #[test]
    fn bodies_are_data() {
        let v = body(b"<script>alert(1)</script>", Some("text/html"));
        assert_eq!(v["text"], "<script>alert(1)</script>");
        assert_eq!(v["size"], 25);
        let v = body(&[0xff, 0x00], None);
        assert_eq!(v["hex"], "ff00");
        assert!(v.get("text").is_none());
        let v = body(br#"{"a":1}"#, None);
        assert_eq!(v["json"], "{\n  \"a\": 1\n}");
        let v = body(b"a=1&b=x+y", Some("application/x-www-form-urlencoded"));
        assert_eq!(v["form"], json!([["a", "1"], ["b", "x y"]]));
    }
}
