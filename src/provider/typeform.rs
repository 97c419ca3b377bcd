//! Typeform: `Typeform-Signature: sha256=BASE64`, HMAC-SHA256 in base64 of
//! the body, keyed with the webhook's secret. No timestamp: replays are not
//! detectable.

use super::crypto::{b64, hmac_sha256};
use super::*;

pub struct Typeform;

const HEADER: &str = "Typeform-Signature";
const PREFIX: &str = "sha256=";

impl Provider for Typeform {
    fn name(&self) -> &'static str {
        "typeform"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "typeform",
            title: "Typeform",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 base64 of the body in `Typeform-Signature: sha256=SIG`".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(30),
            secret_hint: "Connect > Webhooks > your webhook > Edit > Secret (the one you set there)",
            docs: "https://www.typeform.com/developers/webhooks/secure-your-webhooks/",
        }
    }

    /// An event id in Typeform's style: 26 characters of a ULID.
    fn new_id(&self) -> String {
        ulid::Ulid::generate().to_string()
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "Typeform Webhooks".into()),
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
        req.headers.set(HEADER, format!("{PREFIX}{sig}"));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        match check_body_mac(
            req,
            secret,
            HEADER,
            PREFIX,
            crypto::Algorithm::Sha256,
            hmac::Encoding::Base64,
        ) {
            Ok(()) => {
                Verdict::valid("sha256 signature matches the body (Typeform signs no timestamp)")
            }
            Err(f) => f.into(),
        }
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER)
    }

    /// `form_response` (the body's `event_type`).
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event_type")
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event_id")
    }

    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        let [kind, id] = json_top(req, ["event_type", "event_id"]);
        (kind, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "tf-webhook-secret-8d2a61c4e0";

    fn signed(body: &[u8]) -> WebhookRequest {
        let ctx = SignContext {
            timestamp: 1_700_000_000,
            id: "01HZ6N3Q4R5S6T7V8W9X0Y1Z2A".into(),
        };
        signed_for_test(&Typeform, body, SECRET, &ctx, &[])
    }

    #[test]
    fn signature_is_the_prefixed_base64_hmac_of_the_body() {
        // Independent: Python's "sha256=" + base64.b64encode(
        // hmac.new(b"key", b'{"event_type":"form_response"}', sha256).digest()),
        // which is what Typeform's documented Node example computes.
        let mut req =
            WebhookRequest::post("http://x/", br#"{"event_type":"form_response"}"#.to_vec());
        let ctx = SignContext {
            timestamp: 0,
            id: "r".into(),
        };
        Typeform.sign(&mut req, &Secret::new("key"), &ctx).unwrap();
        assert_eq!(
            req.headers.get_str(HEADER),
            Some("sha256=OK0qhHq2k5ONu4McSFqfFc1oglqmYh7TTAcK9O4mIdQ=")
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let at = VerifyOptions::at(0);
        let req =
            signed(br#"{"event_id":"01HZ6N3Q4R5S6T7V8W9X0Y1Z2A","event_type":"form_response"}"#);
        assert!(Typeform.verify(&req, &s, &at).is_valid());
        assert_eq!(Typeform.signed_at(&req), None);

        assert_eq!(
            Typeform.verify(&req, &Secret::new("other"), &at),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Typeform.verify(&modified, &s, &at),
            Failure::mismatch(HEADER).into()
        );
        let mut missing = req.clone();
        missing.headers.remove(HEADER);
        assert_eq!(
            Typeform.verify(&missing, &s, &at),
            Failure::missing(HEADER).into()
        );
        // Hex instead of base64, no prefix, not base64 at all.
        let hex_sig = format!(
            "sha256={}",
            hex::encode(hmac_sha256(SECRET.as_bytes(), &[&req.body]))
        );
        assert_eq!(
            Typeform.verify(
                &{
                    let mut r = req.clone();
                    r.headers.set(HEADER, hex_sig);
                    r
                },
                &s,
                &at
            ),
            Failure::mismatch(HEADER).into()
        );
        for bad in ["sha256=!!!", "c2lnbmF0dXJl"] {
            let mut malformed = req.clone();
            malformed.headers.set(HEADER, bad);
            assert!(
                matches!(
                    Typeform.verify(&malformed, &s, &at),
                    Verdict::Invalid {
                        failure: Failure::MalformedHeader { .. }
                    }
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn detects_and_names_events() {
        let req = signed(
            br#"{"event_id":"01HZ6N3Q4R5S6T7V8W9X0Y1Z2A","event_type":"form_response","form_response":{"form_id":"lT4Z3j"}}"#,
        );
        assert!(Typeform.detect(&req.headers));
        assert!(!Typeform.detect(&Headers::new()));
        assert_eq!(Typeform.event_type(&req).as_deref(), Some("form_response"));
        assert_eq!(
            Typeform.event_id(&req).as_deref(),
            Some("01HZ6N3Q4R5S6T7V8W9X0Y1Z2A")
        );
        assert_eq!(
            Typeform.event(&req),
            (
                Some("form_response".into()),
                Some("01HZ6N3Q4R5S6T7V8W9X0Y1Z2A".into())
            )
        );
    }
}
