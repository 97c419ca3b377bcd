//! Square: `x-square-hmacsha256-signature`, HMAC-SHA256 in base64 of the
//! notification URL followed by the body, keyed with the subscription's
//! signature key. No timestamp. The URL is the one Square posted to: behind
//! a tunnel or proxy pass it to `listen --public-url` (otherwise hookcli
//! rebuilds it from the Host header), as for Twilio and HubSpot.

use super::crypto::{b64, b64_decode, ct_eq, hmac_sha256};
use super::*;

pub struct Square;

const HEADER: &str = "x-square-hmacsha256-signature";

fn signature(secret: &Secret, url: &str, body: &[u8]) -> Vec<u8> {
    hmac_sha256(secret.as_bytes(), &[url.as_bytes(), body])
}

impl Provider for Square {
    fn name(&self) -> &'static str {
        "square"
    }

    fn signs_url(&self) -> bool {
        true
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "square",
            title: "Square",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 base64 of the notification URL + body in `x-square-hmacsha256-signature`".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(10),
            secret_hint: "Developer Console > your app > Webhooks > Subscriptions > your subscription > Signature key",
            docs: "https://developer.squareup.com/docs/webhooks/step3validate",
        }
    }

    fn default_headers(&self, ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "Square Connect v2".into()),
            ("Content-Type".into(), "application/json".into()),
            ("Accept".into(), "*/*".into()),
            ("square-environment".into(), "Production".into()),
            (
                "square-initial-delivery-timestamp".into(),
                crate::timefmt::rfc3339_ms(ctx.timestamp * 1000 + rand::random_range(1..1000)),
            ),
            ("square-retry-number".into(), "0".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        let sig = signature(secret, &req.url, &req.body);
        req.headers.set(HEADER, b64(&sig));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let value = required_header(req, HEADER)?;
            let given =
                b64_decode(value.trim()).ok_or_else(|| Failure::malformed(HEADER, "not base64"))?;
            if !ct_eq(&given, &signature(secret, &req.url, &req.body)) {
                return Err(Failure::mismatch(HEADER));
            }
            Ok(Verdict::valid(format!(
                "signature of {} + body matches (Square signs no timestamp)",
                req.url
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER)
    }

    /// `payment.created`, `order.updated`… (the body's `type`).
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "type")
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event_id")
    }

    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        let [t, id] = json_top(req, ["type", "event_id"]);
        (t, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str, body: &str, sig: &str) -> WebhookRequest {
        let mut req = WebhookRequest::post(url, body.as_bytes().to_vec());
        req.headers.set(HEADER, sig);
        req
    }

    /// The vectors of Square's SDKs (WebhooksHelper tests, every language).
    #[test]
    fn square_sdk_vectors() {
        let req = at(
            "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
            r#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#,
            "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
        );
        let key = Secret::new("Ibxx_5AKakO-3qeNVR61Dw");
        let v = Square.verify(&req, &key, &VerifyOptions::at(0));
        assert!(v.is_valid(), "{v:?}");
        assert_eq!(
            Square.event(&req),
            (
                Some("webhooks.test_notification".into()),
                Some("ac3ac95b-f97d-458c-a6e6-18981597e05f".into())
            )
        );
        let mut resigned = req.clone();
        resigned.headers.remove(HEADER);
        Square
            .sign(
                &mut resigned,
                &key,
                &SignContext {
                    timestamp: 0,
                    id: String::new(),
                },
            )
            .unwrap();
        assert_eq!(resigned, req);
        // Characters JSON encoders like to escape, signed as sent.
        let escaped = at(
            "https://webhook.site/webhooks",
            r#"{"data":{"type":"webhooks","id":">id<"}}"#,
            "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=",
        );
        assert!(
            Square
                .verify(
                    &escaped,
                    &Secret::new("signature-key"),
                    &VerifyOptions::at(0)
                )
                .is_valid()
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new("sq-signature-key");
        let mut req = WebhookRequest::post(
            "https://example.com/square",
            br#"{"type":"payment.created"}"#.to_vec(),
        );
        Square
            .sign(
                &mut req,
                &s,
                &SignContext {
                    timestamp: 0,
                    id: String::new(),
                },
            )
            .unwrap();
        let at0 = VerifyOptions::at(0);
        assert!(Square.verify(&req, &s, &at0).is_valid());
        assert_eq!(
            Square.verify(&req, &Secret::new("other"), &at0),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Square.verify(&modified, &s, &at0),
            Failure::mismatch(HEADER).into()
        );
        // Another URL (a local one instead of the public one) does not match.
        let mut local = req.clone();
        local.url = "http://127.0.0.1:8080/square".into();
        assert_eq!(
            Square.verify(&local, &s, &at0),
            Failure::mismatch(HEADER).into()
        );
        let mut missing = req.clone();
        Square.strip_signature(&mut missing);
        assert_eq!(
            Square.verify(&missing, &s, &at0),
            Failure::missing(HEADER).into()
        );
        let mut bad = req.clone();
        bad.headers.set(HEADER, "***");
        assert!(matches!(
            Square.verify(&bad, &s, &at0),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        assert!(Square.detect(&req.headers));
        assert!(!Square.detect(&Headers::new()));
    }
}
