//! Sentry integration platform: `Sentry-Hook-Signature`, HMAC-SHA256 in hex
//! of the body, keyed with the integration's Client Secret. The
//! `Sentry-Hook-Timestamp` header is not signed: replays are not detectable.

use super::crypto::hmac_sha256;
use super::*;

pub struct Sentry;

const HEADER: &str = "Sentry-Hook-Signature";
const RESOURCE: &str = "Sentry-Hook-Resource";
const REQUEST_ID: &str = "Request-ID";

impl Provider for Sentry {
    fn name(&self) -> &'static str {
        "sentry"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "sentry",
            title: "Sentry",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 hex of the body in `Sentry-Hook-Signature: SIG` (Sentry-Hook-Timestamp is not signed)".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(1),
            secret_hint: "Settings > Developer Settings > your integration > Credentials > Client Secret",
            docs: "https://docs.sentry.io/integrations/integration-platform/webhooks/",
        }
    }

    fn default_headers(&self, ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("Content-Type".into(), "application/json".into()),
            ("Request-ID".into(), ctx.id.clone()),
            ("Sentry-Hook-Timestamp".into(), ctx.timestamp.to_string()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        let sig = hex::encode(hmac_sha256(secret.as_bytes(), &[&req.body]));
        req.headers.set(HEADER, sig);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        match check_body_mac(
            req,
            secret,
            HEADER,
            "",
            crypto::Algorithm::Sha256,
            hmac::Encoding::Hex,
        ) {
            Ok(()) => Verdict::valid("signature matches the body (Sentry signs no timestamp)"),
            Err(f) => f.into(),
        }
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER) || headers.contains(RESOURCE)
    }

    /// `resource.action`, as in `issue.created`.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        let resource = req.headers.get_str(RESOURCE)?;
        Some(match json_str(req, "action") {
            Some(action) => format!("{resource}.{action}"),
            None => resource.to_string(),
        })
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers.get_str(REQUEST_ID).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "7f0c8d3e4b5a69788a9b0c1d2e3f40516273849506a7b8c9d0e1f2a3b4c5d6e7";

    fn signed(body: &[u8]) -> WebhookRequest {
        let ctx = SignContext {
            timestamp: 1_700_000_000,
            id: "c1f9b2e4-8d1a-4f0b-9a33-0f2d6c1b7e55".into(),
        };
        signed_for_test(&Sentry, body, SECRET, &ctx, &[(RESOURCE, "issue")])
    }

    #[test]
    fn signature_is_the_hex_hmac_of_the_body() {
        // Independent: Python's hmac.new(b"key", body, sha256).hexdigest(),
        // which is how Sentry's server signs.
        let mut req = WebhookRequest::post("http://x/", b"{\"action\":\"created\"}".to_vec());
        let ctx = SignContext {
            timestamp: 0,
            id: "r".into(),
        };
        Sentry.sign(&mut req, &Secret::new("key"), &ctx).unwrap();
        assert_eq!(
            req.headers.get_str(HEADER),
            Some("b7027fc173d96d41e0479e8b977690fa39649efdb8cdc0790937584a17c9f5f5")
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let at = VerifyOptions::at(0);
        let req = signed(br#"{"action":"created","data":{}}"#);
        assert!(Sentry.verify(&req, &s, &at).is_valid());
        assert_eq!(Sentry.signed_at(&req), None);

        assert_eq!(
            Sentry.verify(&req, &Secret::new("other"), &at),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Sentry.verify(&modified, &s, &at),
            Failure::mismatch(HEADER).into()
        );
        let mut missing = req.clone();
        missing.headers.remove(HEADER);
        assert_eq!(
            Sentry.verify(&missing, &s, &at),
            Failure::missing(HEADER).into()
        );
        let mut malformed = req.clone();
        malformed.headers.set(HEADER, "sha256=zz");
        assert!(matches!(
            Sentry.verify(&malformed, &s, &at),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn detects_and_names_events() {
        let req = signed(br#"{"action":"resolved","data":{"issue":{"id":"1170820242"}}}"#);
        assert!(Sentry.detect(&req.headers));
        assert!(!Sentry.detect(&Headers::new()));
        assert_eq!(Sentry.event_type(&req).as_deref(), Some("issue.resolved"));
        assert_eq!(
            Sentry.event_id(&req).as_deref(),
            Some("c1f9b2e4-8d1a-4f0b-9a33-0f2d6c1b7e55")
        );
        let mut alert = req.clone();
        alert.body = br#"{"data":{}}"#.to_vec().into();
        alert.headers.set(RESOURCE, "event_alert");
        assert_eq!(Sentry.event_type(&alert).as_deref(), Some("event_alert"));
    }
}
