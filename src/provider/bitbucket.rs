//! Bitbucket Cloud: `X-Hub-Signature: sha256=HEX`, HMAC-SHA256 in hex of the
//! body, keyed with the webhook's secret. No timestamp: replays are not
//! detectable. Recognised by `X-Event-Key` (GitHub and Intercom also send
//! an `X-Hub-Signature`).

use super::crypto::hmac_sha256;
use super::*;

pub struct Bitbucket;

const HEADER: &str = "X-Hub-Signature";
const PREFIX: &str = "sha256=";
const EVENT_KEY: &str = "X-Event-Key";
const REQUEST_UUID: &str = "X-Request-UUID";

impl Provider for Bitbucket {
    fn name(&self) -> &'static str {
        "bitbucket"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "bitbucket",
            title: "Bitbucket Cloud",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 hex of the body in `X-Hub-Signature: sha256=SIG`".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(10),
            secret_hint: "Repository settings > Webhooks > your webhook > Secret",
            docs: "https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/",
        }
    }

    fn default_headers(&self, ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "Bitbucket-Webhooks/2.0".into()),
            ("Content-Type".into(), "application/json".into()),
            (REQUEST_UUID.into(), ctx.id.clone()),
            ("X-Attempt-Number".into(), "1".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        let sig = hex::encode(hmac_sha256(secret.as_bytes(), &[&req.body]));
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
            hmac::Encoding::Hex,
        ) {
            Ok(()) => {
                Verdict::valid("sha256 signature matches the body (Bitbucket signs no timestamp)")
            }
            Err(f) => f.into(),
        }
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(EVENT_KEY)
    }

    /// The event key, as in `repo:push`.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        req.headers.get_str(EVENT_KEY).map(str::to_string)
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers.get_str(REQUEST_UUID).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "bb-webhook-secret-4c1e9a7f2d";

    fn signed(body: &[u8]) -> WebhookRequest {
        let ctx = SignContext {
            timestamp: 1_700_000_000,
            id: "5b2d0e1a-7c3f-4a9e-8d61-2f4b6c8e0a13".into(),
        };
        signed_for_test(
            &Bitbucket,
            body,
            SECRET,
            &ctx,
            &[
                (EVENT_KEY, "repo:push"),
                ("X-Hook-UUID", "{d2c1a4b7-3e5f-4a6b-9c8d-7e6f5a4b3c2d}"),
            ],
        )
    }

    #[test]
    fn signature_is_the_prefixed_hex_hmac_of_the_body() {
        // Independent: Python's
        // "sha256=" + hmac.new(b"key", b'{"push":{}}', sha256).hexdigest().
        let mut req = WebhookRequest::post("http://x/", b"{\"push\":{}}".to_vec());
        let ctx = SignContext {
            timestamp: 0,
            id: "r".into(),
        };
        Bitbucket.sign(&mut req, &Secret::new("key"), &ctx).unwrap();
        assert_eq!(
            req.headers.get_str(HEADER),
            Some("sha256=df941e06259715615c5e52b19c9d2f65b372efb39ad10afb727bf334ef422b56")
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let at = VerifyOptions::at(0);
        let req = signed(br#"{"push":{"changes":[]}}"#);
        assert!(Bitbucket.verify(&req, &s, &at).is_valid());
        assert_eq!(Bitbucket.signed_at(&req), None);

        assert_eq!(
            Bitbucket.verify(&req, &Secret::new("other"), &at),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Bitbucket.verify(&modified, &s, &at),
            Failure::mismatch(HEADER).into()
        );
        let mut missing = req.clone();
        missing.headers.remove(HEADER);
        assert_eq!(
            Bitbucket.verify(&missing, &s, &at),
            Failure::missing(HEADER).into()
        );
        for bad in ["sha256=zz", "sha1=00ff", "00ff"] {
            let mut malformed = req.clone();
            malformed.headers.set(HEADER, bad);
            assert!(
                matches!(
                    Bitbucket.verify(&malformed, &s, &at),
                    Verdict::Invalid {
                        failure: Failure::MalformedHeader { .. }
                    }
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn detects_by_event_key_and_names_events() {
        let req = signed(br#"{"push":{"changes":[]}}"#);
        assert!(Bitbucket.detect(&req.headers));
        assert!(!Bitbucket.detect(&Headers::new()));
        // An X-Hub-Signature alone (GitHub's legacy header, Intercom's) is not Bitbucket.
        let mut hub = Headers::new();
        hub.set(HEADER, "sha256=00");
        assert!(!Bitbucket.detect(&hub));
        assert_eq!(Bitbucket.event_type(&req).as_deref(), Some("repo:push"));
        assert_eq!(
            Bitbucket.event_id(&req).as_deref(),
            Some("5b2d0e1a-7c3f-4a9e-8d61-2f4b6c8e0a13")
        );
        assert_eq!(
            req.headers.get_str("User-Agent"),
            Some("Bitbucket-Webhooks/2.0")
        );
    }
}
