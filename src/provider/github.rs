//! GitHub: `X-Hub-Signature-256: sha256=HEX`, HMAC-SHA256 of the body (and the
//! legacy `X-Hub-Signature: sha1=HEX`). No timestamp: replays are not detectable.

use super::crypto::{Algorithm, ct_eq, hmac};
use super::*;

pub struct GitHub;

const SHA256_HEADER: &str = "X-Hub-Signature-256";
const SHA1_HEADER: &str = "X-Hub-Signature";

fn check(
    req: &WebhookRequest,
    secret: &Secret,
    header: &str,
    prefix: &str,
    alg: Algorithm,
) -> Result<(), Failure> {
    let value = required_header(req, header)?;
    let hex_sig = value
        .strip_prefix(prefix)
        .ok_or_else(|| Failure::malformed(header, format!("does not start with {prefix}")))?;
    let given = hex::decode(hex_sig.trim())
        .map_err(|_| Failure::malformed(header, "signature is not hex"))?;
    let expected = hmac(alg, secret.as_bytes(), &[&req.body]);
    if ct_eq(&given, &expected) {
        Ok(())
    } else {
        Err(Failure::mismatch(header))
    }
}

impl Provider for GitHub {
    fn name(&self) -> &'static str {
        "github"
    }

    /// @octokit/webhooks verifies X-Hub-Signature-256 alone.
    fn legacy_signature_header(&self) -> Option<&'static str> {
        Some(SHA1_HEADER)
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "github",
            title: "GitHub",
            signature_headers: vec![SHA256_HEADER.into(), SHA1_HEADER.into()],
            scheme: "HMAC-SHA256 hex of the body in `X-Hub-Signature-256: sha256=SIG` (legacy SHA-1 in X-Hub-Signature)".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(10),
            secret_hint: "Repository or organization Settings > Webhooks > your hook > Secret (you choose it)",
            docs: "https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries",
        }
    }

    fn default_headers(&self, ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("Accept".into(), "*/*".into()),
            (
                "User-Agent".into(),
                format!(
                    "GitHub-Hookshot/{}",
                    &crypto::random_string(crypto::Alphabet::Hex, 7)
                ),
            ),
            ("X-GitHub-Delivery".into(), ctx.id.clone()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        let sha1 = hex::encode(hmac(Algorithm::Sha1, secret.as_bytes(), &[&req.body]));
        let sha256 = hex::encode(hmac(Algorithm::Sha256, secret.as_bytes(), &[&req.body]));
        req.headers.set(SHA1_HEADER, format!("sha1={sha1}"));
        req.headers.set(SHA256_HEADER, format!("sha256={sha256}"));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        // GitHub recommends the SHA-256 header; fall back to SHA-1 only when it is all there is.
        if req.headers.contains(SHA256_HEADER) || !req.headers.contains(SHA1_HEADER) {
            match check(req, secret, SHA256_HEADER, "sha256=", Algorithm::Sha256) {
                Ok(()) => {
                    Verdict::valid("sha256 signature matches the body (GitHub signs no timestamp)")
                }
                Err(f) => f.into(),
            }
        } else {
            match check(req, secret, SHA1_HEADER, "sha1=", Algorithm::Sha1) {
                Ok(()) => Verdict::valid(
                    "legacy sha1 signature matches the body (no X-Hub-Signature-256 sent)",
                ),
                Err(f) => f.into(),
            }
        }
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains("X-GitHub-Event") || headers.contains("X-GitHub-Delivery")
    }

    /// `X-GitHub-Event`, with the body's `action` where it has one
    /// (`pull_request.closed`): the pair is what a handler switches on.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        let event = req.headers.get_str("X-GitHub-Event")?;
        let [action] = json_top(req, ["action"]);
        Some(match action {
            Some(action) => format!("{event}.{action}"),
            None => event.to_string(),
        })
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers.get_str("X-GitHub-Delivery").map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example in GitHub's "Validating webhook deliveries".
    #[test]
    fn githubs_published_example() {
        let mut req = WebhookRequest::post("http://x/", b"Hello, World!".to_vec());
        req.headers.set(
            SHA256_HEADER,
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        );
        let secret = Secret::new("It's a Secret to Everybody");
        assert!(
            GitHub
                .verify(&req, &secret, &VerifyOptions::at(0))
                .is_valid()
        );

        let ctx = SignContext {
            timestamp: 0,
            id: "d".into(),
        };
        let mut mine = WebhookRequest::post("http://x/", b"Hello, World!".to_vec());
        GitHub.sign(&mut mine, &secret, &ctx).unwrap();
        assert_eq!(
            mine.headers.get(SHA256_HEADER),
            req.headers.get(SHA256_HEADER)
        );
    }

    #[test]
    fn every_cause() {
        let secret = Secret::new("s3cret");
        let ctx = SignContext {
            timestamp: 0,
            id: "d".into(),
        };
        let mut req = WebhookRequest::post("http://x/", b"{}".to_vec());
        GitHub.sign(&mut req, &secret, &ctx).unwrap();
        let at = VerifyOptions::at(0);
        assert!(GitHub.verify(&req, &secret, &at).is_valid());
        assert_eq!(
            GitHub.verify(&req, &Secret::new("other"), &at),
            Failure::mismatch(SHA256_HEADER).into()
        );

        let mut legacy = req.clone();
        legacy.headers.remove(SHA256_HEADER);
        assert!(
            GitHub
                .verify(&legacy, &secret, &at)
                .explain()
                .contains("sha1")
        );

        let mut none = legacy.clone();
        none.headers.remove(SHA1_HEADER);
        assert_eq!(
            GitHub.verify(&none, &secret, &at),
            Failure::missing(SHA256_HEADER).into()
        );

        let mut bad = req.clone();
        bad.headers.set(SHA256_HEADER, "md5=abc");
        assert!(matches!(
            GitHub.verify(&bad, &secret, &at),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        bad.headers.set(SHA256_HEADER, "sha256=zz");
        assert!(matches!(
            GitHub.verify(&bad, &secret, &at),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn detects_and_names_events() {
        let mut req = WebhookRequest::post("http://x/", b"{}".to_vec());
        req.headers.append("x-github-event", "push");
        req.headers
            .append("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
        assert!(GitHub.detect(&req.headers));
        assert_eq!(GitHub.event_type(&req).as_deref(), Some("push"));
        assert_eq!(
            GitHub.event_id(&req).as_deref(),
            Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
        );
    }
}
