//! Zapier: the JSON POST of a "Webhooks by Zapier" action. Zapier signs
//! nothing: the verdict is `unsigned`, no secret is needed, and a receiver
//! can only authenticate it with a token the Zap itself adds (a header or
//! a query parameter set in the action).

use super::*;

pub struct Zapier;

impl Provider for Zapier {
    fn name(&self) -> &'static str {
        "zapier"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "zapier",
            title: "Zapier",
            signature_headers: vec![],
            scheme: "unsigned: the Webhooks by Zapier POST action sends the mapped data as JSON with no signature".into(),
            timestamped: false,
            signs_body: false,
            default_tolerance: None,
            delivery_timeout_secs: None,
            secret_hint: "none: Zapier does not sign; add a shared token as a header in the Zap's webhook action and check it in the app",
            docs: "https://help.zapier.com/hc/en-us/articles/8496326446989-Send-webhooks-in-Zaps",
        }
    }

    fn signed(&self) -> bool {
        false
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "Zapier".into()),
            ("Accept".into(), "*/*".into()),
            (
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ),
        ]
    }

    fn sign(
        &self,
        _req: &mut WebhookRequest,
        _secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        Ok(())
    }

    fn verify(&self, _req: &WebhookRequest, _secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        Verdict::Unsigned
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers
            .get_str("user-agent")
            .is_some_and(|ua| ua.trim().eq_ignore_ascii_case("zapier"))
    }

    /// The data is whatever the Zap maps; hookcli's samples (and many Zaps)
    /// carry an `event` and an `id` field, read when present.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event")
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "id")
    }

    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        let [event, id] = json_top(req, ["event", "id"]);
        (event, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zap(body: &[u8]) -> WebhookRequest {
        let mut req = WebhookRequest::post("https://example.com/zap", body.to_vec());
        for (n, v) in Zapier.default_headers(&SignContext {
            timestamp: 0,
            id: String::new(),
        }) {
            req.headers.set(&n, v);
        }
        req
    }

    #[test]
    fn unsigned_whatever_the_secret() {
        let mut req = zap(br#"{"event":"lead.created","id":"z1"}"#);
        let before = req.clone();
        Zapier
            .sign(
                &mut req,
                &Secret::new("anything"),
                &SignContext {
                    timestamp: 1,
                    id: "x".into(),
                },
            )
            .unwrap();
        assert_eq!(req, before, "signing changes nothing");
        let v = Zapier.verify(&req, &Secret::new("x"), &VerifyOptions::at(0));
        assert_eq!(v, Verdict::Unsigned);
        assert_eq!(v.word(), "unsigned");
        assert!(!Zapier.signed());
    }

    #[test]
    fn detects_and_names_events() {
        let req = zap(br#"{"event":"lead.created","id":"z1","email":"a@b.c"}"#);
        assert!(Zapier.detect(&req.headers));
        assert!(!Zapier.detect(&Headers::new()));
        let mut other = Headers::new();
        other.append("User-Agent", "curl/8.0");
        assert!(!Zapier.detect(&other));
        assert_eq!(
            Zapier.event(&req),
            (Some("lead.created".into()), Some("z1".into()))
        );
    }
}
