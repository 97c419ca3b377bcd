//! A delivery as JSON, in one set of field names. `list --json`, listen's
//! `--json` lines, the inspector's API and `show --json` (the portable
//! document, [`super::portable`]) all serialise these types, so a field
//! means the same thing wherever it appears: `path` is the request's path
//! and query, `target` where an attempt went, `verdict` the verdict.

use serde::{Deserialize, Serialize};

use super::{Delivery, Summary, VerdictRecord, short_id};
use crate::timefmt::rfc3339_ms;

/// What names and sums up a delivery; the first fields of every view.
/// `V` is the verdict: its word in lines, [`VerdictDoc`] in documents.
/// `S` is the text: owned, or lent by the delivery for a line written
/// at once (`Cow<str>`: a bulk replay writes thousands a second).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryHead<V, S = String> {
    pub id: S,
    /// The last 8 characters of the id, as listen and list print it.
    pub short_id: S,
    /// RFC 3339 UTC, milliseconds.
    pub received_at: S,
    pub method: S,
    /// Path and query, exactly as requested.
    pub path: S,
    pub provider: Option<S>,
    pub event_type: Option<S>,
    pub event_id: Option<S>,
    pub verdict: V,
    pub body_size: u64,
}

/// A verdict whole: `valid`, `invalid`, `unsigned`, `unchecked` or `unknown`,
/// a machine cause and an explanation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerdictDoc {
    pub verdict: String,
    pub cause: Option<String>,
    pub explanation: Option<String>,
}

impl From<&VerdictRecord> for VerdictDoc {
    fn from(v: &VerdictRecord) -> Self {
        VerdictDoc {
            verdict: v.word.clone(),
            cause: v.cause.clone(),
            explanation: v.explanation.clone(),
        }
    }
}

impl<'d, V, S: From<&'d str> + From<String>> DeliveryHead<V, S> {
    /// The head of a whole delivery, with `verdict` as the view wants it.
    pub fn of(d: &'d Delivery, verdict: V) -> Self {
        let text = |t: &'d Option<String>| t.as_deref().map(S::from);
        DeliveryHead {
            id: d.id.as_str().into(),
            short_id: short_id(&d.id).into(),
            received_at: rfc3339_ms(d.received_at).into(),
            method: d.method.as_str().into(),
            path: d.target.as_str().into(),
            provider: text(&d.provider),
            event_type: text(&d.event_type),
            event_id: text(&d.event_id),
            verdict,
            body_size: d.body.len() as u64,
        }
    }
}

impl From<&Summary> for DeliveryHead<String> {
    fn from(s: &Summary) -> Self {
        DeliveryHead {
            id: s.id.clone(),
            short_id: short_id(&s.id).to_string(),
            received_at: rfc3339_ms(s.received_at),
            method: s.method.clone(),
            path: s.target.clone(),
            provider: s.provider.clone(),
            event_type: s.event_type.clone(),
            event_id: s.event_id.clone(),
            verdict: s.verdict.clone(),
            body_size: s.body_size.max(0) as u64,
        }
    }
}

/// A row of `list --json` (and of the inspector's list): the head and how
/// its attempts went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Listed {
    #[serde(flatten)]
    pub head: DeliveryHead<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub attempts: i64,
}

impl From<&Summary> for Listed {
    fn from(s: &Summary) -> Self {
        Listed {
            head: s.into(),
            last_status: s.last_status,
            last_error: s.last_error.clone(),
            attempts: s.attempts,
        }
    }
}

/// One line of `listen --json`: a delivery as it arrived, and what listen
/// did with it.
/// `S` as in [`DeliveryHead`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListenLine<S = String> {
    /// Always `delivery` (the banner's is `listening`).
    #[serde(rename = "type")]
    pub kind: S,
    #[serde(flatten)]
    pub head: DeliveryHead<S, S>,
    pub verdict_cause: Option<S>,
    pub body_sha256: S,
    /// `forward`, `respond` or `reject`.
    pub action: S,
    /// Where it was forwarded, credentials and query redacted.
    pub target: Option<S>,
    pub status: Option<u16>,
    pub error: Option<S>,
    pub duration_ms: f64,
    pub rejected: Option<S>,
}
