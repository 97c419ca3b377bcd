//! Forwarding a delivery to the app over a pooled client, and turning the
//! app's answer (or its silence) into a recorded attempt.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::provider::Headers;

/// Headers that belong to one connection and are never passed on.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// True when a header must not cross the proxy (including any that the
/// request's own `Connection` header names).
pub fn is_hop_by_hop(name: &str, connection: Option<&str>) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
        || connection.is_some_and(|c| c.split(',').any(|t| t.trim().eq_ignore_ascii_case(name)))
}

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
    exact: crate::http1::Pool,
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
                .map_err(|e| anyhow::anyhow!("cannot read --ca {}: {e}", path.display()))?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                anyhow::anyhow!("--ca {} is not a PEM certificate: {e}", path.display())
            })?;
            builder = builder.tls_certs_merge([cert]);
        }
        let client = builder
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the forwarding client: {e}"))?;
        Ok(Self {
            client,
            exact: crate::http1::Pool::new(256),
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
        match crate::send::read_capped(resp, crate::http1::MAX_ANSWER_BODY).await {
            Ok(body) => Outcome::Answered {
                status,
                headers,
                body,
            },
            Err(crate::send::CappedError::TooLarge(max)) => Outcome::Unreachable(format!(
                "the answer from {url} is over {}",
                crate::http1::response::size_text(max)
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
        match crate::http1::send(&self.exact, method, url, passed, body, self.timeout).await {
            Ok(answer) => Outcome::Answered {
                status: answer.status,
                headers: answer.headers.into_iter().collect(),
                body: answer.body,
            },
            Err(crate::http1::Error::Timeout) => Outcome::TimedOut(self.timeout),
            Err(crate::http1::Error::Read(crate::http1::ReadError::TooLarge(max))) => {
                Outcome::Unreachable(format!(
                    "the answer from {url} is over {}",
                    crate::http1::response::size_text(max)
                ))
            }
            Err(e) => Outcome::Unreachable(crate::send::plain::http1(&e)),
        }
    }

    fn failure(&self, e: reqwest::Error) -> Outcome {
        if e.is_timeout() {
            return Outcome::TimedOut(self.timeout);
        }
        // The causes name the fault ("Connection refused"), said plainly.
        Outcome::Unreachable(crate::send::plain::reason(&e))
    }
}

/// The app URL for a request: the target's path joined with the part of
/// the request path below `--path`, then the request's query.
pub fn join_url(base: &str, prefix: &str, target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let prefix = prefix.trim_end_matches('/');
    let rest = path.strip_prefix(prefix).unwrap_or(path);
    let (base_no_query, base_query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let mut url = if rest.is_empty() || rest == "/" {
        base_no_query.to_string()
    } else {
        format!(
            "{}/{}",
            base_no_query.trim_end_matches('/'),
            rest.trim_start_matches('/')
        )
    };
    let queries: Vec<&str> = [base_query, query]
        .into_iter()
        .flatten()
        .filter(|q| !q.is_empty())
        .collect();
    if !queries.is_empty() {
        url.push('?');
        url.push_str(&queries.join("&"));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_and_queries() {
        assert_eq!(
            join_url("http://app/webhooks", "/", "/"),
            "http://app/webhooks"
        );
        assert_eq!(
            join_url("http://app/webhooks", "/", "/stripe?x=1&x=2"),
            "http://app/webhooks/stripe?x=1&x=2"
        );
        assert_eq!(
            join_url("http://app/", "/hooks", "/hooks/gh"),
            "http://app/gh"
        );
        assert_eq!(
            join_url("http://app/w?k=v", "/", "/?a=b"),
            "http://app/w?k=v&a=b"
        );
    }

    #[test]
    fn hop_by_hop_includes_connection_tokens() {
        assert!(is_hop_by_hop("Transfer-Encoding", None));
        assert!(is_hop_by_hop("X-Private", Some("keep-alive, X-Private")));
        assert!(!is_hop_by_hop("Stripe-Signature", Some("close")));
    }
}
