//! Shopify: `X-Shopify-Hmac-Sha256`, HMAC-SHA256 of the body, base64.
//! No timestamp is signed.

use super::crypto::{b64, b64_decode, ct_eq, hmac_sha256};
use super::*;

pub struct Shopify;

const HEADER: &str = "X-Shopify-Hmac-Sha256";
/// Shopify Events deliveries drop the `X-` from every header name.
const EVENTS_HEADER: &str = "shopify-hmac-sha256";

/// A Shopify header under its classic `X-Shopify-` name or its Events name.
fn header<'a>(req: &'a WebhookRequest, classic: &str) -> Option<&'a str> {
    req.headers
        .get_str(classic)
        .or_else(|| req.headers.get_str(&classic[2..]))
}

impl Provider for Shopify {
    fn name(&self) -> &'static str {
        "shopify"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "shopify",
            title: "Shopify",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 base64 of the body in `X-Shopify-Hmac-Sha256`".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(5),
            secret_hint: "Partner Dashboard > your app > API credentials > Client secret (or Settings > Notifications > Webhooks for store-made hooks)",
            docs: "https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("Accept".into(), "*/*".into()),
            ("User-Agent".into(), "Shopify-Captain-Hook".into()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        let sig = b64(&hmac_sha256(secret.as_bytes(), &[&req.body]));
        req.headers.set(HEADER, sig);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let name = if req.headers.contains(EVENTS_HEADER) && !req.headers.contains(HEADER) {
                EVENTS_HEADER
            } else {
                HEADER
            };
            let value = required_header(req, name)?;
            let given =
                b64_decode(value.trim()).ok_or_else(|| Failure::malformed(name, "not base64"))?;
            if ct_eq(&given, &hmac_sha256(secret.as_bytes(), &[&req.body])) {
                Ok(Verdict::valid(
                    "signature matches the body (Shopify signs no timestamp)",
                ))
            } else {
                Err(Failure::mismatch(name))
            }
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn detect(&self, headers: &Headers) -> bool {
        [HEADER, EVENTS_HEADER, "X-Shopify-Topic", "shopify-topic"]
            .iter()
            .any(|h| headers.contains(h))
    }

    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        header(req, "X-Shopify-Topic").map(str::to_string)
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        header(req, "X-Shopify-Event-Id")
            .or_else(|| header(req, "X-Shopify-Webhook-Id"))
            .map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_causes() {
        let secret = Secret::new("shpss_0123");
        let ctx = SignContext {
            timestamp: 0,
            id: "d".into(),
        };
        let mut req = WebhookRequest::post("http://x/", br#"{"id":820982911946154508}"#.to_vec());
        Shopify.sign(&mut req, &secret, &ctx).unwrap();
        // Independent: base64 of HMAC-SHA256 over the body.
        let want = b64(&hmac_sha256(
            b"shpss_0123",
            &[br#"{"id":820982911946154508}"#],
        ));
        assert_eq!(req.headers.get_str(HEADER), Some(want.as_str()));
        let at = VerifyOptions::at(0);
        assert!(Shopify.verify(&req, &secret, &at).is_valid());
        assert_eq!(
            Shopify.verify(&req, &Secret::new("x"), &at),
            Failure::mismatch(HEADER).into()
        );
        let mut bad = req.clone();
        bad.headers.set(HEADER, "!!!");
        assert!(matches!(
            Shopify.verify(&bad, &secret, &at),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        bad.headers.remove(HEADER);
        assert_eq!(
            Shopify.verify(&bad, &secret, &at),
            Failure::missing(HEADER).into()
        );
    }

    #[test]
    fn detects_and_names_events() {
        let mut req = WebhookRequest::post("http://x/", b"{}".to_vec());
        req.headers.append("X-Shopify-Topic", "orders/create");
        req.headers.append(
            "X-Shopify-Webhook-Id",
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        );
        assert!(Shopify.detect(&req.headers));
        assert_eq!(Shopify.event_type(&req).as_deref(), Some("orders/create"));
        assert_eq!(
            Shopify.event_id(&req).as_deref(),
            Some("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        );
    }
}
