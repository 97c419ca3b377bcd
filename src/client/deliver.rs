//! One webhook request sent, its answer or the reason there was none,
//! worded for the person who sent it.

use std::time::{Duration, Instant};

use super::framed::{Framing, send_framed};
use super::{Answer, Client, Error};
use crate::provider::WebhookRequest;

/// What the receiver answered.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("{url} is not a valid URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("could not connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{url} did not answer within {secs:.1} s")]
    Timeout { url: String, secs: f64 },
    #[error("sending to {url} failed: {reason}")]
    Other { url: String, reason: String },
}

impl Client {
    /// Sends `req` as it is (no redirect followed: providers follow none).
    pub async fn deliver(
        &self,
        req: &WebhookRequest,
        timeout: Duration,
    ) -> Result<Response, DeliverError> {
        let parsed = target(&req.url)?;
        self.deliver_to(req, &parsed, timeout).await
    }

    /// [`Client::deliver`] with the request's URL already parsed (by
    /// [`target`]), as a bulk replay has it.
    pub async fn deliver_to(
        &self,
        req: &WebhookRequest,
        parsed: &url::Url,
        timeout: Duration,
    ) -> Result<Response, DeliverError> {
        let start = Instant::now();
        let answer = self
            .send(
                &req.method,
                parsed,
                &req.url,
                req.headers.iter(),
                &req.body,
                timeout,
            )
            .await
            .map_err(|e| failed(req.url.clone(), timeout, e))?;
        Ok(answered(answer, start))
    }

    /// [`Client::deliver`] on a fresh `http://` connection with the body
    /// framed as asked (check's transport case).
    pub async fn deliver_framed(
        &self,
        req: &WebhookRequest,
        timeout: Duration,
        framing: Framing,
    ) -> Result<Response, DeliverError> {
        let parsed = target(&req.url)?;
        let start = Instant::now();
        let answer = send_framed(
            &req.method,
            &parsed,
            &req.url,
            req.headers.iter(),
            &req.body,
            timeout,
            framing,
        )
        .await
        .map_err(|e| failed(req.url.clone(), timeout, e))?;
        Ok(answered(answer, start))
    }
}

/// A request's URL, parsed: http or https only.
pub fn target(url: &str) -> Result<url::Url, DeliverError> {
    let bad = |reason: String| DeliverError::BadUrl {
        url: url.to_string(),
        reason,
    };
    let parsed = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("only http and https are supported".into()));
    }
    Ok(parsed)
}

/// A failure as the sender reports it, in plain words.
fn failed(url: String, timeout: Duration, e: Error) -> DeliverError {
    match e {
        Error::Connect(_) => DeliverError::Connect {
            url,
            reason: e.plain(),
        },
        Error::Timeout => DeliverError::Timeout {
            url,
            secs: timeout.as_secs_f64(),
        },
        e => DeliverError::Other {
            url,
            reason: e.plain(),
        },
    }
}

fn answered(answer: Answer, start: Instant) -> Response {
    let reason = http::StatusCode::from_u16(answer.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
        .to_string();
    Response {
        status: answer.status,
        reason,
        headers: answer.headers,
        body: answer.body,
        elapsed: start.elapsed(),
    }
}
