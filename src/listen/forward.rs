//! Forwarding a delivery to the app over a pooled client, and turning the
//! app's answer (or its silence) into a recorded attempt.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::client::is_hop_by_hop;
use crate::provider::Headers;

/// What the app answered, or why it did not.
#[derive(Debug)]
pub enum Outcome {
    Answered {
        status: u16,
        headers: Headers,
        body: Vec<u8>,
    },
    /// Refused, reset or unreachable: the sender gets 502.
    Unreachable(String),
    /// No answer in time: the sender gets 504.
    TimedOut(Duration),
}

/// Sends to the app through the one client: the header lines as they
/// came (hop-by-hop ones left behind), to `http://` and `https://` apps alike.
pub struct Forwarder {
    client: crate::client::Client,
    timeout: Duration,
}

impl Forwarder {
    pub fn new(timeout: Duration, insecure: bool, ca: Option<&Path>) -> anyhow::Result<Self> {
        let trust = crate::client::Trust::new(insecure, ca, "--ca")?;
        Ok(Self {
            client: crate::client::Client::bound(trust, 256),
            timeout,
        })
    }

    /// Sends the request on; never fails, the outcome says what happened.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &Headers,
        body: bytes::Bytes,
    ) -> (Outcome, Duration) {
        use futures_util::FutureExt;
        let start = Instant::now();
        // A bug reached by some answer must still leave a recorded attempt
        // and a 502 for the sender, not a dropped handler.
        let outcome = std::panic::AssertUnwindSafe(self.try_send(method, url, headers, &body))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                Outcome::Unreachable(format!("forwarding to {url} failed: internal error"))
            });
        (outcome, start.elapsed())
    }

    async fn try_send(&self, method: &str, url: &str, headers: &Headers, body: &[u8]) -> Outcome {
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            Err(e) => return Outcome::Unreachable(format!("{url} is not a valid URL: {e}")),
        };
        let connection = headers.get_str("connection");
        let passed = headers
            .iter()
            .filter(|(name, _)| !is_hop_by_hop(name, connection));
        match self
            .client
            .send(method, &parsed, url, passed, body, self.timeout)
            .await
        {
            Ok(answer) => Outcome::Answered {
                status: answer.status,
                headers: answer.headers.into_iter().collect(),
                body: answer.body,
            },
            Err(crate::client::Error::Timeout) => Outcome::TimedOut(self.timeout),
            Err(crate::client::Error::Read(crate::client::ReadError::TooLarge(max))) => {
                Outcome::Unreachable(format!(
                    "the answer from {url} is over {}",
                    crate::client::size_text(max)
                ))
            }
            Err(e) => Outcome::Unreachable(e.plain()),
        }
    }
}
