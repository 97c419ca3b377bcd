//! The JSON the page reads: deliveries and attempts shaped for display.
//! Bodies travel as data (text, or hex when they are not UTF-8) with their
//! size and SHA-256; the page puts them in text nodes, never in markup.

use serde::Serialize;
use serde_json::Value;

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

/// Headers as `[[name, value], ...]`, in order, values lossy UTF-8.
pub type HeaderPairs = Vec<(String, String)>;

fn headers(h: &Headers) -> HeaderPairs {
    h.iter()
        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
        .collect()
}

/// A body for display: text when UTF-8 (pretty-printed too when JSON,
/// fields when a form), else hex; always its size and SHA-256.
#[derive(Serialize)]
pub struct Body {
    pub size: usize,
    pub sha256: String,
    pub truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<HeaderPairs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
}

impl Body {
    pub fn of(bytes: &[u8], content_type: Option<&str>) -> Body {
        let shown = &bytes[..bytes.len().min(SHOWN)];
        let mut b = Body {
            size: bytes.len(),
            sha256: sha256_hex(bytes),
            truncated: shown.len() < bytes.len(),
            text: None,
            json: None,
            form: None,
            hex: None,
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            b.hex = Some(hex::encode(shown));
            return b;
        };
        b.text = Some(String::from_utf8_lossy(shown).into_owned());
        let trimmed = text.trim_start();
        let small = bytes.len() <= PRETTY_INPUT;
        if small
            && (trimmed.starts_with('{') || trimmed.starts_with('['))
            && let Ok(doc) = serde_json::from_str::<Value>(text)
        {
            b.json = pretty(&doc);
        } else if small && content_type.is_some_and(|ct| ct.contains("x-www-form-urlencoded")) {
            b.form = Some(
                url::form_urlencoded::parse(bytes)
                    .take(FORM_FIELDS)
                    .map(|(k, val)| (k.into_owned(), val.into_owned()))
                    .collect(),
            );
        }
        b
    }
}

/// `GET /api/info`: this launch, never its secret.
#[derive(Serialize)]
pub struct Info<'a> {
    pub version: &'static str,
    pub store: &'a std::path::Path,
    pub resign: Option<ResignInfo<'a>>,
}

/// What re-signed replays sign with: the provider and where the secret
/// came from.
#[derive(Serialize)]
pub struct ResignInfo<'a> {
    pub provider: Option<&'a str>,
    pub secret_from: &'a str,
}

/// `GET /api/deliveries`: the rows, and the cursor to ask for changes after.
#[derive(Serialize)]
pub struct Deliveries {
    pub cursor: String,
    pub deliveries: Vec<Row>,
}

/// `GET /api/changes`: the cursor now.
#[derive(Serialize)]
pub struct Changes {
    pub cursor: String,
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
    pub headers: HeaderPairs,
    pub body: Body,
    pub attempts: Vec<AttemptView>,
}

/// One attempt (a forward, a replay, listen's own answer) and its answer.
#[derive(Serialize)]
pub struct AttemptView {
    pub n: usize,
    pub kind: &'static str,
    pub target: Option<String>,
    pub started_at: String,
    pub status: Option<u16>,
    pub ok: bool,
    pub duration_ms: f64,
    pub error: Option<String>,
    /// The app's answer.
    pub headers: HeaderPairs,
    pub body: Body,
    /// What a changed replay sent in place of the recorded request.
    pub sent: Option<Sent>,
}

/// The request a re-signed or edited replay sent.
#[derive(Serialize)]
pub struct Sent {
    pub headers: HeaderPairs,
    pub body: Body,
}

pub fn attempt(n: usize, a: &Attempt) -> AttemptView {
    AttemptView {
        n,
        kind: a.kind.as_str(),
        target: a.target.clone(),
        started_at: rfc3339_ms(a.started_at),
        status: a.status,
        ok: a.succeeded(),
        duration_ms: a.duration_ms,
        error: a.error.clone(),
        headers: headers(&a.headers),
        body: Body::of(&a.body, a.headers.get_str("content-type")),
        sent: a.sent.as_ref().map(|s| Sent {
            headers: headers(&s.headers),
            body: Body::of(&s.body, s.headers.get_str("content-type")),
        }),
    }
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
        body: Body::of(&d.body, d.headers.get_str("content-type")),
        attempts: attempts
            .iter()
            .enumerate()
            .map(|(i, a)| attempt(i + 1, a))
            .collect(),
    }
}

#[cfg(test)]
use serde_json::json;

/// [`Body`] as the API sends it, as a JSON value (what the tests read).
#[cfg(test)]
fn body(bytes: &[u8], content_type: Option<&str>) -> Value {
    serde_json::to_value(Body::of(bytes, content_type)).unwrap_or_default()
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
