//! What the store holds: deliveries as they arrived, and every attempt to
//! deliver them onward.

use crate::provider::Headers;

/// One request as it arrived, and what hookcli concluded of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Time-sortable id (a lowercase ULID).
    pub id: String,
    /// Unix milliseconds.
    pub received_at: i64,
    pub peer: Option<String>,
    pub method: String,
    /// Path and query, exactly as requested.
    pub target: String,
    pub http_version: String,
    pub headers: Headers,
    pub body: bytes::Bytes,
    pub body_sha256: String,
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub event_id: Option<String>,
    pub verdict: VerdictRecord,
    /// `direct`, or `relay` when it came through `hookcli relay`.
    pub source: String,
    /// The URL the sender used, where it differs from a local one (relay, --public-url).
    pub public_url: Option<String>,
    /// Why hookcli refused it, if it did (e.g. the body was over --max-body).
    pub rejected: Option<String>,
}

impl Delivery {
    /// The URL its sender used: the public URL recorded at arrival, else
    /// rebuilt from its Host header (an older record, or a direct one).
    pub fn sender_url(&self) -> String {
        crate::base::url::sender_url(
            self.public_url.as_deref(),
            "http",
            self.headers.get_str("host"),
            &self.target,
        )
    }
}

/// A verdict as recorded: a word, a machine cause and an explanation.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct VerdictRecord {
    /// `valid`, `invalid`, `unsigned`, `unchecked` (no secret) or `unknown` (no provider).
    pub word: String,
    pub cause: Option<String>,
    pub explanation: Option<String>,
}

impl VerdictRecord {
    pub fn from_verdict(v: &crate::provider::Verdict) -> Self {
        let cause = match v {
            crate::provider::Verdict::Invalid { failure } => Some(failure.code().to_string()),
            _ => None,
        };
        Self {
            word: v.word().into(),
            cause,
            explanation: Some(v.explain()),
        }
    }

    pub fn unchecked(why: &str) -> Self {
        Self {
            word: "unchecked".into(),
            cause: None,
            explanation: Some(why.into()),
        }
    }

    pub fn unknown() -> Self {
        Self {
            word: "unknown".into(),
            cause: None,
            explanation: Some("no provider given or recognised from the headers".into()),
        }
    }
}

/// The kinds of attempt: hookcli's own answer, a forward, or a replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptKind {
    Respond,
    Forward,
    Replay,
}

impl AttemptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptKind::Respond => "respond",
            AttemptKind::Forward => "forward",
            AttemptKind::Replay => "replay",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "forward" => AttemptKind::Forward,
            "replay" => AttemptKind::Replay,
            _ => AttemptKind::Respond,
        }
    }
}

/// One attempt to deliver (or answer) a delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    pub delivery_id: String,
    pub kind: AttemptKind,
    /// Where it went; `None` when hookcli answered itself.
    pub target: Option<String>,
    /// Unix milliseconds.
    pub started_at: i64,
    pub status: Option<u16>,
    pub headers: Headers,
    pub body: Vec<u8>,
    pub duration_ms: f64,
    pub error: Option<String>,
    /// The request as sent, when it differs from the recorded one.
    pub sent: Option<Sent>,
}

/// A request as an attempt sent it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sent {
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl Attempt {
    /// A 2xx answer counts as success; anything else, or no answer, as failure.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A row of `list`: the delivery without its body, with its last attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub id: String,
    pub received_at: i64,
    pub method: String,
    pub target: String,
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub event_id: Option<String>,
    pub verdict: String,
    pub body_size: i64,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub attempts: i64,
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
