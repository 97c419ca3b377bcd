//! Replay's JSON lines as types: what a dry run would send, and the
//! summary a run ends with. (Each replay's own line is listen's delivery
//! line under `"type": "replay"`, built where it is rendered.)

use serde::Serialize;

use super::{Prepared, Summary};

/// One line of `replay --dry-run --json`.
#[derive(Debug, Serialize)]
pub struct DryRunLine<'a> {
    /// Always `dry-run`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub resigned: bool,
    pub new_id: Option<&'a str>,
    pub edited: bool,
    pub body_size: usize,
    pub body_sha256: String,
    /// `[[name, value]]`, in the order sent.
    pub headers: serde_json::Value,
    pub warnings: &'a [String],
}

impl<'a> DryRunLine<'a> {
    pub fn of(p: &'a Prepared) -> Self {
        let r = &p.request;
        DryRunLine {
            kind: "dry-run",
            id: &p.delivery_id,
            method: &r.method,
            url: &r.url,
            resigned: p.resigned,
            new_id: p.new_id.as_deref(),
            edited: p.edited,
            body_size: r.body.len(),
            body_sha256: crate::provider::crypto::sha256_hex(&r.body),
            headers: crate::output::headers_json(r.headers.iter()),
            warnings: &p.warnings,
        }
    }
}

/// The last line of `replay --json`: the summary, with its `type` last,
/// where it has always been.
#[derive(Debug, Serialize)]
pub struct SummaryLine<'a> {
    #[serde(flatten)]
    pub summary: &'a Summary,
    /// Always `summary`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl<'a> SummaryLine<'a> {
    pub fn of(summary: &'a Summary) -> Self {
        SummaryLine {
            summary,
            kind: "summary",
        }
    }
}
