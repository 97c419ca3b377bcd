//! Intercom: `X-Hub-Signature: sha1=HEX`, HMAC-SHA1 in hex of the body,
//! keyed with the app's client secret. No timestamp: replays are not
//! detectable. Recognised by its `Intercom-Webhook-Client` User-Agent
//! (GitHub's legacy header has the same name and format).

use super::crypto::{Algorithm, hmac};
use super::*;

pub struct Intercom;

const HEADER: &str = "X-Hub-Signature";
const PREFIX: &str = "sha1=";
const USER_AGENT: &str = "Intercom-Webhook-Client";

fn mac(secret: &Secret, body: &[u8]) -> Vec<u8> {
    hmac(Algorithm::Sha1, secret.as_bytes(), &[body])
}

impl Provider for Intercom {
    fn name(&self) -> &'static str {
        "intercom"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "intercom",
            title: "Intercom",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA1 hex of the body in `X-Hub-Signature: sha1=SIG`".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(5),
            secret_hint: "Developer Hub > your app > Basic information > Client secret",
            docs: "https://developers.intercom.com/docs/references/webhooks/webhook-models",
        }
    }

    /// A notification id: `notif_` and a UUID.
    fn new_id(&self) -> String {
        format!("notif_{}", crypto::uuid_v4())
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), format!("{USER_AGENT}/1.0")),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        let sig = hex::encode(mac(secret, &req.body));
        req.headers.set(HEADER, format!("{PREFIX}{sig}"));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        match check_body_mac(
            req,
            secret,
            HEADER,
            PREFIX,
            crypto::Algorithm::Sha1,
            hmac::Encoding::Hex,
        ) {
            Ok(()) => {
                Verdict::valid("sha1 signature matches the body (Intercom signs no timestamp)")
            }
            Err(f) => f.into(),
        }
    }

    /// By User-Agent only: the `X-Hub-Signature` header is GitHub's too,
    /// and detection sees headers, not the body.
    fn detect(&self, headers: &Headers) -> bool {
        headers
            .get_str("User-Agent")
            .is_some_and(|ua| ua.trim_start().starts_with(USER_AGENT))
    }

    /// The notification's `topic`, as in `conversation.user.created`.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "topic")
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "id")
    }

    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        let [topic, id] = json_top(req, ["topic", "id"]);
        (topic, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "ic-client-secret-0f3b9d2e7a";

    fn signed(body: &[u8]) -> WebhookRequest {
        let ctx = SignContext {
            timestamp: 1_700_000_000,
            id: "notif_1".into(),
        };
        signed_for_test(&Intercom, body, SECRET, &ctx, &[])
    }

    const BODY: &[u8] = br#"{"type":"notification_event","topic":"conversation.user.created","id":"notif_ccd8a4d2-c2a9-4a8f-a5b4-5e2d6c3b1a90","data":{"type":"notification_event_data","item":{}}}"#;

    #[test]
    fn signature_is_the_prefixed_hex_hmac_sha1_of_the_body() {
        // Independent: Python's
        // "sha1=" + hmac.new(b"key", b'{"topic":"ping"}', sha1).hexdigest().
        let mut req = WebhookRequest::post("http://x/", br#"{"topic":"ping"}"#.to_vec());
        let ctx = SignContext {
            timestamp: 0,
            id: "r".into(),
        };
        Intercom.sign(&mut req, &Secret::new("key"), &ctx).unwrap();
        assert_eq!(
            req.headers.get_str(HEADER),
            Some("sha1=0e1091a2207823e376277e22dea73d61aafaa890")
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let at = VerifyOptions::at(0);
        let req = signed(BODY);
        assert!(Intercom.verify(&req, &s, &at).is_valid());
        assert_eq!(Intercom.signed_at(&req), None);

        assert_eq!(
            Intercom.verify(&req, &Secret::new("other"), &at),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Intercom.verify(&modified, &s, &at),
            Failure::mismatch(HEADER).into()
        );
        let mut missing = req.clone();
        missing.headers.remove(HEADER);
        assert_eq!(
            Intercom.verify(&missing, &s, &at),
            Failure::missing(HEADER).into()
        );
        // A sha256 signature of the same body (Bitbucket's form) is not Intercom's.
        let sha256 = format!(
            "sha256={}",
            hex::encode(hmac(Algorithm::Sha256, SECRET.as_bytes(), &[BODY]))
        );
        for bad in ["sha1=zz", "00ff", sha256.as_str()] {
            let mut malformed = req.clone();
            malformed.headers.set(HEADER, bad);
            assert!(
                matches!(
                    Intercom.verify(&malformed, &s, &at),
                    Verdict::Invalid {
                        failure: Failure::MalformedHeader { .. }
                    }
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn detects_by_user_agent_and_names_events() {
        let req = signed(BODY);
        assert!(Intercom.detect(&req.headers));
        assert!(!Intercom.detect(&Headers::new()));
        // GitHub's legacy header alone is not Intercom.
        let mut github = Headers::new();
        github.set(HEADER, "sha1=00");
        github.set("User-Agent", "GitHub-Hookshot/abc1234");
        github.set("X-GitHub-Event", "push");
        assert!(!Intercom.detect(&github));
        assert_eq!(super::super::detect_name(&github), Some("github"));
        assert_eq!(super::super::detect_name(&req.headers), Some("intercom"));
        assert_eq!(
            Intercom.event_type(&req).as_deref(),
            Some("conversation.user.created")
        );
        assert_eq!(
            Intercom.event_id(&req).as_deref(),
            Some("notif_ccd8a4d2-c2a9-4a8f-a5b4-5e2d6c3b1a90")
        );
        assert_eq!(
            Intercom.event(&req),
            (Intercom.event_type(&req), Intercom.event_id(&req))
        );
    }
}
