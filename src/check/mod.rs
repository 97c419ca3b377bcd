//! `check`: a battery of realistic deliveries against an endpoint, each
//! judged pass, warn or fail, with a hint for anything short of a pass.

mod build;
mod cases;
mod diagnosis;
mod judge;
mod large;
pub mod modes;
mod noncanonical;
mod recorded;
mod refused;
pub mod render;
mod send;
mod shape;

use std::time::Duration;

use serde::Serialize;

use crate::provider::Provider;
use crate::secret::Secret;

pub use cases::run;
pub use recorded::Recorded;

/// The cases, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseName {
    Handshake,
    Valid,
    ValidNoncanonical,
    UrlQuery,
    SecretRotation,
    Duplicate,
    BadSignature,
    MalformedSignature,
    TruncatedSignature,
    MissingSignature,
    BodyModified,
    StaleTimestamp,
    FutureTimestamp,
    MalformedBody,
    LargeBody,
    WrongContentType,
    WrongMethod,
    WrongPath,
    Transport,
    ResponseTime,
}

impl CaseName {
    pub const ALL: [CaseName; 20] = [
        CaseName::Handshake,
        CaseName::Valid,
        CaseName::ValidNoncanonical,
        CaseName::UrlQuery,
        CaseName::SecretRotation,
        CaseName::Duplicate,
        CaseName::BadSignature,
        CaseName::MalformedSignature,
        CaseName::TruncatedSignature,
        CaseName::MissingSignature,
        CaseName::BodyModified,
        CaseName::StaleTimestamp,
        CaseName::FutureTimestamp,
        CaseName::MalformedBody,
        CaseName::LargeBody,
        CaseName::WrongContentType,
        CaseName::WrongMethod,
        CaseName::WrongPath,
        CaseName::Transport,
        CaseName::ResponseTime,
    ];

    /// What a case does, where its name alone does not say (the help
    /// beside each `--case` value).
    pub fn describe(self) -> Option<&'static str> {
        match self {
            CaseName::Handshake => Some(
                "The provider's verification probe (Slack, Zoom, Twitch, Discord), answered exactly as the provider requires; skipped for the others",
            ),
            CaseName::UrlQuery => {
                Some("URL-signing schemes: the valid delivery to the URL with a query string")
            }
            CaseName::SecretRotation => Some(
                "Two signatures, the outgoing secret's then the real one's, as providers send while a secret is rolled",
            ),
            CaseName::LargeBody => {
                Some("The valid delivery padded to 5 MiB, as large as providers send")
            }
            CaseName::WrongPath => Some("The valid delivery to a sibling path"),
            CaseName::Transport => {
                Some("The valid delivery chunked, then behind `Expect: 100-continue`")
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CaseName::Handshake => "handshake",
            CaseName::Valid => "valid",
            CaseName::ValidNoncanonical => "valid-noncanonical",
            CaseName::UrlQuery => "url-query",
            CaseName::SecretRotation => "secret-rotation",
            CaseName::Duplicate => "duplicate",
            CaseName::BadSignature => "bad-signature",
            CaseName::MalformedSignature => "malformed-signature",
            CaseName::TruncatedSignature => "truncated-signature",
            CaseName::MissingSignature => "missing-signature",
            CaseName::BodyModified => "body-modified",
            CaseName::StaleTimestamp => "stale-timestamp",
            CaseName::FutureTimestamp => "future-timestamp",
            CaseName::MalformedBody => "malformed-body",
            CaseName::LargeBody => "large-body",
            CaseName::WrongContentType => "wrong-content-type",
            CaseName::WrongMethod => "wrong-method",
            CaseName::WrongPath => "wrong-path",
            CaseName::Transport => "transport",
            CaseName::ResponseTime => "response-time",
        }
    }

    /// What a correct endpoint answers, in words.
    pub fn expected(self, timeout_secs: u64) -> String {
        match self {
            // The provider's own words replace this in the report.
            CaseName::Handshake => "the provider's answer".into(),
            CaseName::Valid | CaseName::ValidNoncanonical | CaseName::UrlQuery => "2xx".into(),
            CaseName::Transport | CaseName::SecretRotation => "2xx, 2xx".into(),
            CaseName::WrongPath => "404".into(),
            CaseName::Duplicate => "2xx twice".into(),
            CaseName::BadSignature | CaseName::BodyModified => "401/403".into(),
            CaseName::TruncatedSignature => "401/403".into(),
            CaseName::MissingSignature => "400/401/403".into(),
            CaseName::MalformedSignature => "400/401/403".into(),
            CaseName::StaleTimestamp | CaseName::FutureTimestamp => "4xx".into(),
            CaseName::MalformedBody => "400, 4xx".into(),
            CaseName::LargeBody => "2xx or 413".into(),
            CaseName::WrongContentType => "415".into(),
            CaseName::WrongMethod => "404/405".into(),
            CaseName::ResponseTime => format!("< {:.1} s", timeout_secs as f64 / 2.0),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One case's result.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub name: CaseName,
    /// The delivery mode of this row, for a provider's modes after the
    /// first (Twilio `json`, Slack `interactivity`); `null` otherwise.
    pub mode: Option<String>,
    pub expected: String,
    /// The status (or statuses) received, or what went wrong in transport.
    pub got: String,
    pub outcome: Outcome,
    pub duration_ms: Option<f64>,
    /// The likely cause and the fix, for anything but a pass.
    pub hint: Option<String>,
}

/// What `check` was asked to do.
pub struct Plan<'a> {
    pub provider: &'a dyn Provider,
    pub url: String,
    pub secret: Secret,
    pub event: Option<String>,
    pub cases: Vec<CaseName>,
    pub client: crate::client::Client,
    /// How long each request may take before it counts as no answer.
    pub timeout: Duration,
    /// How many cases are in flight at once.
    pub concurrency: usize,
    /// Only this delivery mode (`--mode`).
    pub mode: Option<String>,
    /// The URL the provider calls, which URL-signing schemes sign; the
    /// deliveries still go to `url`.
    pub public_url: Option<String>,
    /// Build the battery from this recorded delivery (`--from`).
    pub recorded: Option<Recorded>,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub provider: String,
    pub url: String,
    /// The recorded delivery the battery was built from (`--from`): its
    /// store id or document path.
    pub from: Option<String>,
    /// What deliveries were signed for, when not `url` (`--public-url`).
    pub public_url: Option<String>,
    pub event: String,
    /// The delivery modes run, the first one's rows carrying no mode;
    /// empty for a provider with one shape.
    pub modes: Vec<String>,
    pub delivery_timeout_secs: u64,
    /// One line naming the cause when the answers show a clear pattern
    /// (every forgery accepted, everything 404...).
    pub diagnosis: Option<String>,
    /// Things about the setup worth knowing (plain HTTP to a public host...).
    pub notes: Vec<String>,
    pub cases: Vec<CaseResult>,
    pub summary: Summary,
    /// Set when the endpoint could not be reached at all.
    pub unreachable: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub passed: usize,
    pub warned: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Report {
    pub fn tally(cases: &[CaseResult]) -> Summary {
        let mut s = Summary::default();
        for c in cases {
            match c.outcome {
                Outcome::Pass => s.passed += 1,
                Outcome::Warn => s.warned += 1,
                Outcome::Fail => s.failed += 1,
                Outcome::Skip => s.skipped += 1,
            }
        }
        s
    }
}

/// A duration for people: `1.2 ms` below 10 ms, `250 ms` below a second,
/// `1.25 s` above.
pub fn duration_text(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// The delivery timeout `check` holds an endpoint to when the provider
/// documents none.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
