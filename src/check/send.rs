//! The one way check's requests leave: every case's delivery goes through
//! [`send`] (or [`send_framed`] where the framing itself is under test), so
//! switching the HTTP client touches this file alone.

use std::time::Instant;

use crate::http1::Framing;
use crate::provider::WebhookRequest;
use crate::send::{DeliverError, Response, answered, deliver, http1_error};

use super::Plan;

/// What one request came to.
pub type Answer = Result<Response, DeliverError>;

/// A case's answers, in the order its requests went.
pub struct Sent {
    pub name: super::CaseName,
    /// The delivery mode, for a mode after the first.
    pub mode: Option<&'static str>,
    pub answers: Vec<Answer>,
}

/// Sends one request of a case and waits for its answer.
pub async fn send(plan: &Plan<'_>, req: &WebhookRequest) -> Answer {
    deliver(&plan.client, req, plan.timeout).await
}

/// Sends one request on a fresh connection with its body framed as asked
/// (`http://` only: framing under TLS is the TLS library's).
pub async fn send_framed(plan: &Plan<'_>, req: &WebhookRequest, framing: Framing) -> Answer {
    let url = url::Url::parse(&req.url).map_err(|e| DeliverError::BadUrl {
        url: req.url.clone(),
        reason: e.to_string(),
    })?;
    let start = Instant::now();
    crate::http1::send_framed(
        &req.method,
        &url,
        req.headers.iter(),
        &req.body,
        plan.timeout,
        framing,
    )
    .await
    .map(|a| answered(a, start))
    .map_err(|e| http1_error(&req.url, plan.timeout, e))
}
