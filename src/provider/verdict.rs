//! What a signature check concluded, and why.

use serde::Serialize;

/// The outcome of verifying one request against a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The signature matches and its timestamp, if any, is fresh.
    Valid {
        /// Which signature matched or what was checked, in words.
        detail: String,
    },
    /// The request fails verification; `failure` says why.
    Invalid { failure: Failure },
    /// The provider does not sign its deliveries at all.
    Unsigned,
}

impl Verdict {
    pub fn valid(detail: impl Into<String>) -> Self {
        Verdict::Valid {
            detail: detail.into(),
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// A short stable word for tables and JSON: `valid`, `invalid`, `unsigned`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Invalid { .. } => "invalid",
            Verdict::Unsigned => "unsigned",
        }
    }

    /// One sentence explaining the verdict.
    pub fn explain(&self) -> String {
        match self {
            Verdict::Valid { detail } => format!("valid: {detail}"),
            Verdict::Invalid { failure } => format!("invalid: {failure}"),
            Verdict::Unsigned => "unsigned: this provider does not sign deliveries".into(),
        }
    }
}

impl From<Failure> for Verdict {
    fn from(failure: Failure) -> Self {
        Verdict::Invalid { failure }
    }
}

/// Why a request failed verification. Messages never contain the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Failure {
    #[error("header {header} is missing")]
    MissingHeader { header: String },
    #[error("header {header} is malformed: {reason}")]
    MalformedHeader { header: String, reason: String },
    #[error(
        "no signature in {header} matches: the secret is wrong or the signed bytes were modified"
    )]
    Mismatch { header: String },
    #[error("{what} does not match the body: the body was modified after signing")]
    BodyHashMismatch { what: String },
    #[error("timestamp is {age} s old, beyond the {tolerance} s tolerance (stale or replayed)")]
    Stale { age: i64, tolerance: u64 },
    #[error(
        "timestamp is {ahead} s in the future, beyond the {tolerance} s tolerance (clock skew?)"
    )]
    Future { ahead: i64, tolerance: u64 },
    #[error("the secret is in the wrong format: {reason}")]
    SecretFormat { reason: String },
    /// For schemes that carry the signature in the body (Mailgun).
    #[error("body field {field} is missing")]
    MissingField { field: String },
    #[error("body field {field} is malformed: {reason}")]
    MalformedField { field: String, reason: String },
}

impl Failure {
    /// A stable machine name for the cause, as used in JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Failure::MissingHeader { .. } => "missing_header",
            Failure::MalformedHeader { .. } => "malformed_header",
            Failure::Mismatch { .. } => "mismatch",
            Failure::BodyHashMismatch { .. } => "body_hash_mismatch",
            Failure::Stale { .. } => "stale",
            Failure::Future { .. } => "future",
            Failure::SecretFormat { .. } => "secret_format",
            Failure::MissingField { .. } => "missing_field",
            Failure::MalformedField { .. } => "malformed_field",
        }
    }

    pub fn missing(header: &str) -> Self {
        Failure::MissingHeader {
            header: header.to_string(),
        }
    }

    pub fn malformed(header: &str, reason: impl Into<String>) -> Self {
        Failure::MalformedHeader {
            header: header.to_string(),
            reason: reason.into(),
        }
    }

    pub fn mismatch(header: &str) -> Self {
        Failure::Mismatch {
            header: header.to_string(),
        }
    }

    pub fn missing_field(field: &str) -> Self {
        Failure::MissingField {
            field: field.to_string(),
        }
    }

    pub fn malformed_field(field: &str, reason: impl Into<String>) -> Self {
        Failure::MalformedField {
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    pub fn secret_format(reason: impl Into<String>) -> Self {
        Failure::SecretFormat {
            reason: reason.into(),
        }
    }
}
