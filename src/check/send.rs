//! The one way check's requests leave: every case's delivery goes through
//! [`send`], so switching the HTTP client touches this file alone.

use crate::provider::WebhookRequest;
use crate::send::{DeliverError, Response, deliver};

use super::Plan;

/// What one request came to.
pub type Answer = Result<Response, DeliverError>;

/// Sends one request of a case and waits for its answer.
pub async fn send(plan: &Plan<'_>, req: &WebhookRequest) -> Answer {
    deliver(&plan.client, req, plan.timeout).await
}
