//! GitLab: no signature; the secret token is sent as is in `X-Gitlab-Token`
//! and compared in constant time. Neither the body nor a time is covered.

use super::crypto::ct_eq;
use super::*;

pub struct GitLab;

const HEADER: &str = "X-Gitlab-Token";

impl Provider for GitLab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "gitlab",
            title: "GitLab",
            signature_headers: vec![HEADER.into()],
            scheme: "shared secret token in `X-Gitlab-Token`, compared in constant time (the body is not signed)".into(),
            timestamped: false,
            signs_body: false,
            default_tolerance: None,
            delivery_timeout_secs: Some(10),
            secret_hint: "Project Settings > Webhooks > your hook > Secret token (you choose it)",
            docs: "https://docs.gitlab.com/user/project/integrations/webhooks/#validate-requests-with-a-secret-token",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "GitLab/18.6.0".into()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        req.headers.set(HEADER, secret.expose());
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        match required_header(req, HEADER) {
            Err(f) => f.into(),
            Ok(token) if ct_eq(token.as_bytes(), secret.as_bytes()) => {
                Verdict::valid("secret token matches (GitLab signs neither body nor time)")
            }
            Ok(_) => Failure::mismatch(HEADER).into(),
        }
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains("X-Gitlab-Event") || headers.contains(HEADER)
    }

    /// `object_kind`; else `event_name`, which GitLab's group-only hooks
    /// (member, project, subgroup) carry instead (`user_add_to_group`,
    /// `project_create`, ...); else the `X-Gitlab-Event` header.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "object_kind")
            .or_else(|| json_str(req, "event_name"))
            .or_else(|| req.headers.get_str("X-Gitlab-Event").map(str::to_string))
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers
            .get_str("X-Gitlab-Event-UUID")
            .or_else(|| req.headers.get_str("Idempotency-Key"))
            .map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_compare_and_causes() {
        let secret = Secret::new("glpat-token");
        let ctx = SignContext {
            timestamp: 0,
            id: "d".into(),
        };
        let mut req = WebhookRequest::post("http://x/", br#"{"object_kind":"push"}"#.to_vec());
        GitLab.sign(&mut req, &secret, &ctx).unwrap();
        assert_eq!(req.headers.get_str("x-gitlab-token"), Some("glpat-token"));
        let at = VerifyOptions::at(0);
        assert!(GitLab.verify(&req, &secret, &at).is_valid());
        assert_eq!(
            GitLab.verify(&req, &Secret::new("glpat-tokem"), &at),
            Failure::mismatch(HEADER).into()
        );
        req.headers.remove(HEADER);
        assert_eq!(
            GitLab.verify(&req, &secret, &at),
            Failure::missing(HEADER).into()
        );
    }

    #[test]
    fn detects_and_names_events() {
        let mut req =
            WebhookRequest::post("http://x/", br#"{"object_kind":"merge_request"}"#.to_vec());
        req.headers.append("X-Gitlab-Event", "Merge Request Hook");
        req.headers.append(
            "X-Gitlab-Event-UUID",
            "13792a34-cac6-4fda-95a8-c58e00a3954e",
        );
        assert!(GitLab.detect(&req.headers));
        assert_eq!(GitLab.event_type(&req).as_deref(), Some("merge_request"));
        assert_eq!(
            GitLab.event_id(&req).as_deref(),
            Some("13792a34-cac6-4fda-95a8-c58e00a3954e")
        );
    }

    #[test]
    fn group_hooks_are_named_by_event_name_then_header() {
        let mut req = WebhookRequest::post(
            "http://x/",
            br#"{"group_id":18,"event_name":"user_remove_from_group"}"#.to_vec(),
        );
        req.headers.append("X-Gitlab-Event", "Member Hook");
        assert_eq!(
            GitLab.event_type(&req).as_deref(),
            Some("user_remove_from_group")
        );
        // object_kind wins where both are there (push carries both).
        let mut req = WebhookRequest::post(
            "http://x/",
            br#"{"object_kind":"access_token","event_name":"expiring_access_token"}"#.to_vec(),
        );
        req.headers
            .append("X-Gitlab-Event", "Resource Access Token Hook");
        assert_eq!(GitLab.event_type(&req).as_deref(), Some("access_token"));
        // Neither: the header.
        let mut req = WebhookRequest::post("http://x/", br#"{"group_id":18}"#.to_vec());
        req.headers.append("X-Gitlab-Event", "Subgroup Hook");
        assert_eq!(GitLab.event_type(&req).as_deref(), Some("Subgroup Hook"));
    }
}
