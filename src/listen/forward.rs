//! Forwarding a delivery to the app over a pooled client, and turning the
//! app's answer (or its silence) into a recorded attempt.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::provider::Headers;

pub use crate::client::{HOP_BY_HOP, is_hop_by_hop, join_url};

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

/// `http://` apps get the exact header list over [`crate::http1`];
/// `https://` ones go through reqwest for TLS.
pub struct Forwarder {
    client: reqwest::Client,
    exact: crate::client::Client,
    timeout: Duration,
}

impl Forwarder {
    pub fn new(timeout: Duration, insecure: bool, ca: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .no_proxy();
        if insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        if let Some(path) = ca {
            let pem = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("cannot read --forward-ca {}: {e}", path.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                anyhow::anyhow!(
                    "--forward-ca {} is not a PEM certificate: {e}",
                    path.display()
                )
            })?;
            builder = builder.tls_certs_merge([cert]);
        }
        let client = builder
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the forwarding client: {e}"))?;
        Ok(Self {
            client,
            exact: crate::client::Client::bound(crate::client::Trust::system(), 256),
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
        let outcome = std::panic::AssertUnwindSafe(self.try_send(method, url, headers, body))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                Outcome::Unreachable(format!("forwarding to {url} failed: internal error"))
            });
        (outcome, start.elapsed())
    }

    async fn try_send(
        &self,
        method: &str,
        url: &str,
        headers: &Headers,
        body: bytes::Bytes,
    ) -> Outcome {
        if let Ok(parsed) = url::Url::parse(url)
            && parsed.scheme() == "http"
        {
            return self.send_exact(method, &parsed, headers, &body).await;
        }
        let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
            return Outcome::Unreachable(format!("method {method:?} cannot be forwarded"));
        };
        let connection = headers.get_str("connection").map(str::to_string);
        let mut map = reqwest::header::HeaderMap::with_capacity(headers.len());
        for (name, value) in headers.iter() {
            if is_hop_by_hop(name, connection.as_deref()) {
                continue;
            }
            if let (Ok(n), Ok(v)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_bytes(value),
            ) {
                map.append(n, v);
            }
        }
        let result = self
            .client
            .request(method, url)
            .headers(map)
            .body(body)
            .send()
            .await;
        let resp = match result {
            Ok(r) => r,
            Err(e) => return self.failure(e),
        };
        let status = resp.status().as_u16();
        let headers: Headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
            .collect();
        match crate::send::read_capped(resp, crate::client::MAX_ANSWER_BODY).await {
            Ok(body) => Outcome::Answered {
                status,
                headers,
                body,
            },
            Err(crate::send::CappedError::TooLarge(max)) => Outcome::Unreachable(format!(
                "the answer from {url} is over {}",
                crate::client::size_text(max)
            )),
            Err(crate::send::CappedError::Http(e)) => self.failure(e),
        }
    }

    async fn send_exact(
        &self,
        method: &str,
        url: &url::Url,
        headers: &Headers,
        body: &[u8],
    ) -> Outcome {
        let connection = headers.get_str("connection");
        let passed = headers
            .iter()
            .filter(|(name, _)| !is_hop_by_hop(name, connection));
        match self
            .exact
            .send(method, url, passed, body, self.timeout)
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

    fn failure(&self, e: reqwest::Error) -> Outcome {
        if e.is_timeout() {
            return Outcome::TimedOut(self.timeout);
        }
        // The causes name the fault ("Connection refused"), said plainly.
        Outcome::Unreachable(crate::client::plain::reason(&e))
    }
}
