//! PagerDuty Webhooks v3: `X-PagerDuty-Signature: v1=HEX[,v1=HEX...]`,
//! HMAC-SHA256 in hex of the body, keyed with the subscription's secret;
//! several signatures are sent while a secret is rotated. No timestamp:
//! replays are not detectable.

use super::crypto::{ct_eq, hmac_sha256};
use super::*;

pub struct PagerDuty;

const HEADER: &str = "X-PagerDuty-Signature";
const PREFIX: &str = "v1=";

/// Every `v1=` signature of the header, decoded; other versions and
/// undecodable entries are skipped, as go-pagerduty's webhookv3 does.
fn signatures(value: &str) -> Result<Vec<Vec<u8>>, Failure> {
    let sigs: Vec<Vec<u8>> = value
        .split(',')
        .filter_map(|item| item.trim().strip_prefix(PREFIX))
        .filter_map(|hex_sig| hex::decode(hex_sig).ok())
        .collect();
    if sigs.is_empty() {
        return Err(Failure::malformed(HEADER, "no hex v1= signature"));
    }
    Ok(sigs)
}

impl Provider for PagerDuty {
    fn name(&self) -> &'static str {
        "pagerduty"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "pagerduty",
            title: "PagerDuty",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 hex of the body in `X-PagerDuty-Signature: v1=SIG` (several v1 allowed)".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(5),
            secret_hint: "Integrations > Generic Webhooks (v3) > your subscription: the secret shown once at creation",
            docs: "https://developer.pagerduty.com/docs/verifying-webhook-signatures",
        }
    }

    /// An event id in PagerDuty's style: 26 characters of a ULID.
    fn new_id(&self) -> String {
        ulid::Ulid::generate().to_string()
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "PagerDuty-Webhook/V3.0".into()),
            ("Content-Type".into(), "application/json".into()),
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
        let run = || -> Result<Verdict, Failure> {
            let candidates = signatures(required_header(req, HEADER)?)?;
            let expected = hmac_sha256(secret.as_bytes(), &[&req.body]);
            let matched = candidates
                .iter()
                .position(|c| ct_eq(c, &expected))
                .ok_or_else(|| Failure::mismatch(HEADER))?;
            Ok(Verdict::valid(format!(
                "v1 signature {} of {} matches the body (PagerDuty signs no timestamp)",
                matched + 1,
                candidates.len()
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    /// During a rotation PagerDuty sends `v1=OLD,v1=NEW`.
    fn add_older_signature(&self, req: &mut WebhookRequest, older: &WebhookRequest) -> bool {
        let (Some(new), Some(old)) = (req.headers.get_str(HEADER), older.headers.get_str(HEADER))
        else {
            return false;
        };
        let merged = format!("{old},{new}");
        req.headers.set(HEADER, merged);
        true
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER)
    }

    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event.event_type")
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event.id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-pagerduty's webhookv3/webhookv3_test.go: its secret and body.
    const GO_SECRET: &str = "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK";
    const GO_BODY: &str = r#"{"event":{"id":"01BWDWL3NYY7LUFPZCC28QUCMK","event_type":"incident.priority_updated","resource_type":"incident","occurred_at":"2021-04-26T17:36:27.458Z","agent":{"html_url":"https://acme.pagerduty.com/users/PLH1HKV","id":"PLH1HKV","self":"https://api.pagerduty.com/users/PLH1HKV","summary":"Tenex Engineer","type":"user_reference"},"client":null,"data":{"id":"PGR0VU2","type":"incident","self":"https://api.pagerduty.com/incidents/PGR0VU2","html_url":"https://acme.pagerduty.com/incidents/PGR0VU2","number":2,"status":"triggered","title":"A little bump in the road","service":{"html_url":"https://acme.pagerduty.com/services/PF9KMXH","id":"PF9KMXH","self":"https://api.pagerduty.com/services/PF9KMXH","summary":"API Service","type":"service_reference"},"assignees":[{"html_url":"https://acme.pagerduty.com/users/PTUXL6G","id":"PTUXL6G","self":"https://api.pagerduty.com/users/PTUXL6G","summary":"User 123","type":"user_reference"}],"escalation_policy":{"html_url":"https://acme.pagerduty.com/escalation_policies/PUS0KTE","id":"PUS0KTE","self":"https://api.pagerduty.com/escalation_policies/PUS0KTE","summary":"Default","type":"escalation_policy_reference"},"teams":[{"html_url":"https://acme.pagerduty.com/teams/PFCVPS0","id":"PFCVPS0","self":"https://api.pagerduty.com/teams/PFCVPS0","summary":"Engineering","type":"team_reference"}],"priority":{"html_url":"https://acme.pagerduty.com/account/incident_priorities","id":"PSO75BM","self":"https://api.pagerduty.com/priorities/PSO75BM","summary":"P1","type":"priority_reference"},"urgency":"high","conference_bridge":{"conference_number":1000,"conference_url":"https://example.com"},"resolve_reason":null}}}"#;
    const GO_VALID: &str = "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd";
    const GO_MISMATCH: &str = "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5";

    fn go_request(sig: &str) -> WebhookRequest {
        let mut req = WebhookRequest::post("http://127.0.0.1:80/test", GO_BODY.as_bytes().to_vec());
        req.headers.set(HEADER, sig);
        req
    }

    /// The official vector of PagerDuty's Go client (go-pagerduty,
    /// webhookv3/webhookv3_test.go, TestVerifySignature): "valid" passes,
    /// "mismatch" does not, and hookcli signs the body to the same header.
    #[test]
    fn go_pagerduty_vector() {
        let s = Secret::new(GO_SECRET);
        let at = VerifyOptions::at(0);
        assert!(PagerDuty.verify(&go_request(GO_VALID), &s, &at).is_valid());
        assert_eq!(
            PagerDuty.verify(&go_request(GO_MISMATCH), &s, &at),
            Failure::mismatch(HEADER).into()
        );
        let mut req = WebhookRequest::post("http://x/", GO_BODY.as_bytes().to_vec());
        let ctx = SignContext {
            timestamp: 0,
            id: "x".into(),
        };
        PagerDuty.sign(&mut req, &s, &ctx).unwrap();
        assert_eq!(req.headers.get_str(HEADER), Some(GO_VALID));
        let r = go_request(GO_VALID);
        assert_eq!(
            PagerDuty.event_type(&r).as_deref(),
            Some("incident.priority_updated")
        );
        assert_eq!(
            PagerDuty.event_id(&r).as_deref(),
            Some("01BWDWL3NYY7LUFPZCC28QUCMK")
        );
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let s = Secret::new(GO_SECRET);
        let at = VerifyOptions::at(0);
        // A rotation: the old secret's signature first, then the new one's.
        let rotated = format!("{GO_MISMATCH},{GO_VALID}");
        let v = PagerDuty.verify(&go_request(&rotated), &s, &at);
        assert_eq!(
            v,
            Verdict::valid("v1 signature 2 of 2 matches the body (PagerDuty signs no timestamp)")
        );
        // Unknown versions and undecodable entries are skipped.
        let mixed = format!("v2=abcd,v1=zz,{GO_VALID}");
        assert!(PagerDuty.verify(&go_request(&mixed), &s, &at).is_valid());
    }

    #[test]
    fn every_cause() {
        let s = Secret::new(GO_SECRET);
        let at = VerifyOptions::at(0);
        let req = go_request(GO_VALID);
        assert_eq!(PagerDuty.signed_at(&req), None);
        assert_eq!(
            PagerDuty.verify(&req, &Secret::new("other"), &at),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            PagerDuty.verify(&modified, &s, &at),
            Failure::mismatch(HEADER).into()
        );
        let mut missing = req.clone();
        missing.headers.remove(HEADER);
        assert_eq!(
            PagerDuty.verify(&missing, &s, &at),
            Failure::missing(HEADER).into()
        );
        for bad in ["", "v1=zz", "sha256=0c0b", "0c0b9495"] {
            assert!(
                matches!(
                    PagerDuty.verify(&go_request(bad), &s, &at),
                    Verdict::Invalid {
                        failure: Failure::MalformedHeader { .. }
                    }
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn detects_and_names_events() {
        let req = go_request(GO_VALID);
        assert!(PagerDuty.detect(&req.headers));
        assert!(!PagerDuty.detect(&Headers::new()));
        let mut other = Headers::new();
        other.set("X-Hub-Signature", "sha256=00");
        assert!(!PagerDuty.detect(&other));
    }
}
