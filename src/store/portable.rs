//! The portable form of a delivery: one self-describing JSON document that
//! `show --json` writes and `send --from` reads. The body is UTF-8 text when
//! it is valid UTF-8, else base64, with its SHA-256 either way.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::wire::{DeliveryHead, VerdictDoc};
use super::{Attempt, Delivery};
use crate::provider::Headers;
use crate::provider::crypto::{b64, sha256_hex};

pub const SCHEMA: &str = "hookcli.delivery/1";

pub use crate::timefmt::rfc3339_ms;

/// The portable document: the head every JSON view shares, then the
/// request byte for byte and every attempt.
#[derive(Debug, Serialize)]
pub struct Document {
    pub schema: &'static str,
    #[serde(flatten)]
    pub head: DeliveryHead<VerdictDoc>,
    pub source: String,
    pub peer: Option<String>,
    pub request: RequestDoc,
    pub rejected: Option<String>,
    pub attempts: Vec<AttemptDoc>,
}

/// The request as it arrived (`target` is the head's `path`, under the
/// name the format has always had).
#[derive(Debug, Serialize)]
pub struct RequestDoc {
    pub method: String,
    pub target: String,
    pub public_url: Option<String>,
    pub http_version: String,
    pub headers: Vec<HeaderDoc>,
    pub body: BodyDoc,
    pub body_size: u64,
    pub body_sha256: String,
}

/// One attempt to deliver it.
#[derive(Debug, Serialize)]
pub struct AttemptDoc {
    pub kind: &'static str,
    pub target: Option<String>,
    pub started_at: String,
    pub status: Option<u16>,
    pub duration_ms: f64,
    pub error: Option<String>,
    pub headers: Vec<HeaderDoc>,
    pub body: BodyDoc,
    pub sent: Option<SentDoc>,
}

/// The request an attempt sent, when it differs from the recorded one.
#[derive(Debug, Serialize)]
pub struct SentDoc {
    pub headers: Vec<HeaderDoc>,
    pub body: BodyDoc,
    pub body_sha256: String,
}

/// `[name, value]`: the value as text when it is UTF-8, else `{"base64": …}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(expecting = "a [name, value] header pair")]
pub struct HeaderDoc(pub String, pub BytesDoc);

/// Bytes as text when they are UTF-8, else base64.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged, expecting = "a header value: text, or an object with base64")]
pub enum BytesDoc {
    Text(String),
    Base64 { base64: String },
}

/// A body: `{"text": …}` when it is UTF-8, else `{"base64": …}`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum BodyDoc {
    Text { text: String },
    Base64 { base64: String },
}

impl BytesDoc {
    fn of(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => BytesDoc::Text(text.to_string()),
            Err(_) => BytesDoc::Base64 { base64: b64(bytes) },
        }
    }
}

impl BodyDoc {
    fn of(bytes: &[u8]) -> Self {
        match BytesDoc::of(bytes) {
            BytesDoc::Text(text) => BodyDoc::Text { text },
            BytesDoc::Base64 { base64 } => BodyDoc::Base64 { base64 },
        }
    }
}

fn headers_doc(headers: &Headers) -> Vec<HeaderDoc> {
    headers
        .iter()
        .map(|(n, v)| HeaderDoc(n.to_string(), BytesDoc::of(v)))
        .collect()
}

fn attempt_doc(a: &Attempt) -> AttemptDoc {
    AttemptDoc {
        kind: a.kind.as_str(),
        target: a.target.clone(),
        started_at: rfc3339_ms(a.started_at),
        status: a.status,
        duration_ms: a.duration_ms,
        error: a.error.clone(),
        headers: headers_doc(&a.headers),
        body: BodyDoc::of(&a.body),
        sent: a.sent.as_ref().map(|s| SentDoc {
            headers: headers_doc(&s.headers),
            body: BodyDoc::of(&s.body),
            body_sha256: sha256_hex(&s.body),
        }),
    }
}

/// The whole story of one delivery as a portable document.
pub fn of(d: &Delivery, attempts: &[Attempt]) -> Document {
    Document {
        schema: SCHEMA,
        head: DeliveryHead::of(d, VerdictDoc::from(&d.verdict)),
        source: d.source.clone(),
        peer: d.peer.clone(),
        request: RequestDoc {
            method: d.method.clone(),
            target: d.target.clone(),
            public_url: d.public_url.clone(),
            http_version: d.http_version.clone(),
            headers: headers_doc(&d.headers),
            body: BodyDoc::of(&d.body),
            body_size: d.body.len() as u64,
            body_sha256: d.body_sha256.clone(),
        },
        rejected: d.rejected.clone(),
        attempts: attempts.iter().map(attempt_doc).collect(),
    }
}

/// The whole story of one delivery as a JSON document.
pub fn document(d: &Delivery, attempts: &[Attempt]) -> Value {
    serde_json::to_value(of(d, attempts)).unwrap_or_default()
}

/// Why a portable document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("it is not JSON: {0}")]
    NotJson(String),
    #[error("its schema is {0:?}; this hookcli reads {SCHEMA:?}")]
    Schema(String),
    #[error("it has no schema field; is it a `hookcli show --json` document?")]
    NoSchema,
    #[error("{0}")]
    Field(String),
    #[error("request.body does not match request.body_sha256 (the file was edited or is corrupt)")]
    BodyEdited,
}

/// What to do when the body no longer matches the digest recorded beside it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    /// Refuse: the file was edited or is corrupt.
    Check,
    /// Take the body as it now stands and digest it anew (`send --from --rehash`).
    Rehash,
}

/// A document as read back: what every version of the format wrote, the
/// fields added since (`short_id`, `path`, ...) ignored, the optional ones
/// defaulted as they were when the format began.
#[derive(Deserialize)]
#[serde(expecting = "a hookcli show --json document")]
struct Incoming {
    id: String,
    received_at: Option<String>,
    source: Option<String>,
    peer: Option<String>,
    request: IncomingRequest,
    provider: Option<String>,
    event_type: Option<String>,
    event_id: Option<String>,
    verdict: Option<IncomingVerdict>,
    rejected: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a request object")]
struct IncomingRequest {
    method: String,
    target: String,
    public_url: Option<String>,
    http_version: Option<String>,
    headers: Vec<HeaderDoc>,
    body: IncomingBody,
    body_sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a verdict object")]
struct IncomingVerdict {
    verdict: Option<String>,
    cause: Option<String>,
    explanation: Option<String>,
}

/// `{"text": …}` or `{"base64": …}`, told apart after reading so that the
/// error can name the field.
#[derive(Deserialize)]
#[serde(expecting = "a body with text or base64")]
struct IncomingBody {
    text: Option<String>,
    base64: Option<String>,
}

/// Only the schema, checked before anything else is read.
#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct Versioned {
    schema: Option<Value>,
}

fn data_error(e: serde_json::Error) -> DocumentError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => DocumentError::Field(e.to_string()),
        _ => DocumentError::NotJson(e.to_string()),
    }
}

fn base64(text: &str, path: &str) -> Result<Vec<u8>, DocumentError> {
    crate::provider::crypto::b64_decode(text)
        .ok_or_else(|| DocumentError::Field(format!("{path} is not base64")))
}

fn body_bytes(b: IncomingBody) -> Result<Vec<u8>, DocumentError> {
    match (b.text, b.base64) {
        (Some(t), _) => Ok(t.into_bytes()),
        (None, Some(t)) => base64(&t, "request.body.base64"),
        (None, None) => Err(DocumentError::Field(
            "request.body has neither text nor base64".into(),
        )),
    }
}

fn headers_of(list: Vec<HeaderDoc>) -> Result<Headers, DocumentError> {
    list.into_iter()
        .map(|HeaderDoc(name, value)| match value {
            BytesDoc::Text(t) => Ok((name, t.into_bytes())),
            BytesDoc::Base64 { base64: t } => {
                let path = format!("request.headers: header {name}");
                base64(&t, &path).map(|b| (name, b))
            }
        })
        .collect()
}

/// Reads a document back into a delivery (attempts are not needed to
/// re-send it). Checks the schema and the body's SHA-256.
pub fn parse(bytes: &[u8]) -> Result<Delivery, DocumentError> {
    parse_with(bytes, Digest::Check)
}

/// [`parse`], choosing what an edited body means.
pub fn parse_with(bytes: &[u8], digest: Digest) -> Result<Delivery, DocumentError> {
    let versioned: Versioned = serde_json::from_slice(bytes).map_err(data_error)?;
    match versioned.schema {
        Some(Value::String(s)) if s == SCHEMA => {}
        Some(Value::String(other)) => return Err(DocumentError::Schema(other)),
        Some(other) => return Err(DocumentError::Schema(other.to_string())),
        None => return Err(DocumentError::NoSchema),
    }
    let doc: Incoming = serde_json::from_slice(bytes).map_err(data_error)?;
    let req = doc.request;
    let body = body_bytes(req.body)?;
    let sha = sha256_hex(&body);
    if req.body_sha256.is_some_and(|want| want != sha) && digest == Digest::Check {
        return Err(DocumentError::BodyEdited);
    }
    let verdict = doc.verdict.unwrap_or(IncomingVerdict {
        verdict: None,
        cause: None,
        explanation: None,
    });
    Ok(Delivery {
        id: doc.id,
        received_at: doc
            .received_at
            .and_then(|t| {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map_or(0, |t| (t.unix_timestamp_nanos() / 1_000_000) as i64),
        peer: doc.peer,
        method: req.method,
        target: req.target,
        http_version: req.http_version.unwrap_or_else(|| "HTTP/1.1".into()),
        headers: headers_of(req.headers)?,
        body: body.into(),
        body_sha256: sha,
        provider: doc.provider,
        event_type: doc.event_type,
        event_id: doc.event_id,
        verdict: super::VerdictRecord {
            word: verdict.verdict.unwrap_or_else(|| "unknown".into()),
            cause: verdict.cause,
            explanation: verdict.explanation,
        },
        source: doc.source.unwrap_or_else(|| "direct".into()),
        public_url: req.public_url,
        rejected: doc.rejected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::VerdictRecord;

    #[test]
    fn a_document_reads_back_whole() {
        let d = Delivery {
            id: "01abc".into(),
            received_at: 1_700_000_000_123,
            peer: None,
            method: "POST".into(),
            target: "/h?x=1".into(),
            http_version: "HTTP/1.1".into(),
            headers: vec![("X-A", vec![0xff]), ("X-A", b"2".to_vec())]
                .into_iter()
                .collect(),
            body: bytes::Bytes::from_static(&[0, 0xff, b'{']),
            body_sha256: crate::provider::crypto::sha256_hex(&[0, 0xff, b'{']),
            provider: Some("github".into()),
            event_type: Some("push".into()),
            event_id: None,
            verdict: VerdictRecord::unknown(),
            source: "direct".into(),
            public_url: None,
            rejected: None,
        };
        let doc = document(&d, &[]).to_string();
        let back = parse(doc.as_bytes()).unwrap();
        assert_eq!(back.received_at, d.received_at);
        assert_eq!(back.body, d.body);
        assert_eq!(back.headers, d.headers);
        assert_eq!(back.target, d.target);
        assert!(matches!(parse(b"{}"), Err(DocumentError::NoSchema)));
        assert!(matches!(
            parse(br#"{"schema":"hookcli.delivery/9"}"#),
            Err(DocumentError::Schema(_))
        ));
        let mut edited: serde_json::Value = serde_json::from_str(&doc).unwrap();
        edited["request"]["body"] = serde_json::json!({"text": "other"});
        let err = parse(edited.to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("body_sha256"), "{err}");
    }

    /// A broken document gets an error in the format's own words, never a
    /// Rust type's name.
    #[test]
    fn a_broken_document_says_what_is_wrong() {
        let d = |json: &str| parse(json.as_bytes()).unwrap_err().to_string();
        assert!(d("nope").starts_with("it is not JSON"));
        assert!(d("[]").contains("a JSON object"), "{}", d("[]"));
        let bad = [
            (
                r#"{"schema":"hookcli.delivery/1","id":"x"}"#,
                "missing field `request`",
            ),
            (
                r#"{"schema":"hookcli.delivery/1","id":"x","request":{"method":"POST","target":"/","headers":[],"body":{}}}"#,
                "request.body has neither text nor base64",
            ),
            (
                r#"{"schema":"hookcli.delivery/1","id":"x","request":{"method":"POST","target":"/","headers":[["A",1]],"body":{"text":""}}}"#,
                "a header value: text, or an object with base64",
            ),
            (
                r#"{"schema":"hookcli.delivery/1","id":"x","request":{"method":"POST","target":"/","headers":[["A",{"base64":"!"}]],"body":{"text":""}}}"#,
                "header A is not base64",
            ),
            (
                r#"{"schema":"hookcli.delivery/1","id":"x","request":"POST /"}"#,
                "a request object",
            ),
        ];
        for (json, want) in bad {
            let err = d(json);
            assert!(err.contains(want), "{json}: {err}");
            assert!(!err.contains("Incoming") && !err.contains("Doc"), "{err}");
        }
        // The oldest form: no verdict, source or http_version.
        let old = r#"{"schema":"hookcli.delivery/1","id":"x","request":{"method":"POST","target":"/a","headers":[["X",{"base64":"/w=="}]],"body":{"base64":"AP8="}}}"#;
        let back = parse(old.as_bytes()).unwrap();
        assert_eq!(
            (back.body, back.verdict.word),
            (bytes::Bytes::from_static(&[0, 0xff]), "unknown".to_string())
        );
        assert_eq!(back.headers.get("X"), Some(&[0xff][..]));
        assert_eq!(
            (back.source.as_str(), back.http_version.as_str()),
            ("direct", "HTTP/1.1")
        );
    }
}
