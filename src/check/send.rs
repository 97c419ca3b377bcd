//! The one way check's requests leave: every case's delivery goes through
//! [`send`] (or [`send_framed`] where the framing itself is under test),
//! both through the one outbound client.

use crate::client::{DeliverError, Framing, Response};
use crate::provider::WebhookRequest;

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
    plan.client.deliver(req, plan.timeout).await
}

/// Sends one request on a fresh connection with its body framed as asked
/// (`http://` only: framing under TLS is the TLS library's).
pub async fn send_framed(plan: &Plan<'_>, req: &WebhookRequest, framing: Framing) -> Answer {
    plan.client.deliver_framed(req, plan.timeout, framing).await
}
