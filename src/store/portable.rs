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
pub struct HeaderDoc(pub String, pub BytesDoc);

/// Bytes as text when they are UTF-8, else base64.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BytesDoc {
    Text(String),
    Base64 { base64: String },
}

/// A body: `{"text": …}` when it is UTF-8, else `{"base64": …}`.
#[derive(Debug, Serialize, Deserialize)]
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
}

fn field<'a>(v: &'a Value, path: &str) -> Result<&'a Value, DocumentError> {
    path.split('.')
        .try_fold(v, |node, seg| node.get(seg))
        .ok_or_else(|| DocumentError::Field(format!("it has no {path}")))
}

fn text<'a>(v: &'a Value, path: &str) -> Result<&'a str, DocumentError> {
    field(v, path)?
        .as_str()
        .ok_or_else(|| DocumentError::Field(format!("{path} is not text")))
}

fn bytes_of(v: &Value, path: &str) -> Result<Vec<u8>, DocumentError> {
    let b = field(v, path)?;
    if let Some(t) = b.get("text").and_then(Value::as_str) {
        return Ok(t.as_bytes().to_vec());
    }
    if let Some(t) = b.get("base64").and_then(Value::as_str) {
        return crate::provider::crypto::b64_decode(t)
            .ok_or_else(|| DocumentError::Field(format!("{path}.base64 is not base64")));
    }
    Err(DocumentError::Field(format!(
        "{path} has neither text nor base64"
    )))
}

fn headers_of(v: &Value, path: &str) -> Result<Headers, DocumentError> {
    let list = field(v, path)?
        .as_array()
        .ok_or_else(|| DocumentError::Field(format!("{path} is not a list")))?;
    list.iter()
        .map(|pair| {
            let name = pair.get(0).and_then(Value::as_str);
            let value = pair.get(1);
            match (name, value) {
                (Some(n), Some(Value::String(s))) => Ok((n.to_string(), s.as_bytes().to_vec())),
                (Some(n), Some(Value::Object(o))) => o
                    .get("base64")
                    .and_then(Value::as_str)
                    .and_then(crate::provider::crypto::b64_decode)
                    .map(|b| (n.to_string(), b))
                    .ok_or_else(|| {
                        DocumentError::Field(format!("{path}: header {n} has a bad value"))
                    }),
                _ => Err(DocumentError::Field(format!(
                    "{path} holds something other than [name, value] pairs"
                ))),
            }
        })
        .collect()
}

/// Reads a document back into a delivery (attempts are not needed to
/// re-send it). Checks the schema and the body's SHA-256.
pub fn parse(bytes: &[u8]) -> Result<Delivery, DocumentError> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| DocumentError::NotJson(e.to_string()))?;
    match v.get("schema").and_then(Value::as_str) {
        Some(SCHEMA) => {}
        Some(other) => return Err(DocumentError::Schema(other.to_string())),
        None => return Err(DocumentError::NoSchema),
    }
    let body = bytes_of(&v, "request.body")?;
    let sha = crate::provider::crypto::sha256_hex(&body);
    if let Some(want) = v.pointer("/request/body_sha256").and_then(Value::as_str)
        && want != sha
    {
        return Err(DocumentError::Field(
            "request.body does not match request.body_sha256 (the file was edited or is corrupt)"
                .into(),
        ));
    }
    let opt = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    Ok(Delivery {
        id: text(&v, "id")?.to_string(),
        received_at: opt("/received_at")
            .and_then(|t| {
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map_or(0, |t| (t.unix_timestamp_nanos() / 1_000_000) as i64),
        peer: opt("/peer"),
        method: text(&v, "request.method")?.to_string(),
        target: text(&v, "request.target")?.to_string(),
        http_version: opt("/request/http_version").unwrap_or_else(|| "HTTP/1.1".into()),
        headers: headers_of(&v, "request.headers")?,
        body,
        body_sha256: sha,
        provider: opt("/provider"),
        event_type: opt("/event_type"),
        event_id: opt("/event_id"),
        verdict: super::VerdictRecord {
            word: opt("/verdict/verdict").unwrap_or_else(|| "unknown".into()),
            cause: opt("/verdict/cause"),
            explanation: opt("/verdict/explanation"),
        },
        source: opt("/source").unwrap_or_else(|| "direct".into()),
        public_url: opt("/request/public_url"),
        rejected: opt("/rejected"),
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
            body: vec![0, 0xff, b'{'],
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
}
