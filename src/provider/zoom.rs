//! Zoom: `x-zm-signature: v0=HEX`, HMAC-SHA256 in hex of `v0:TS:body` keyed
//! with the app's secret token, TS (seconds) in `x-zm-request-timestamp`;
//! hookcli allows five minutes. Before it delivers (and every 72 hours)
//! Zoom posts an `endpoint.url_validation` challenge: the answer is JSON
//! `{"plainToken": P, "encryptedToken": hex HMAC-SHA256(secret, P)}`.

use super::crypto::{ct_eq, hmac_sha256};
use super::handshake::shown;
use super::v0::V0;
use super::*;

pub struct Zoom;

const SIG_HEADER: &str = "x-zm-signature";
const SCHEME: V0 = V0 {
    signature: SIG_HEADER,
    timestamp: TS_HEADER,
};
const TS_HEADER: &str = "x-zm-request-timestamp";
const TRACKING_HEADER: &str = "x-zm-trackingid";
const TOLERANCE: u64 = 300;
const VALIDATION: &str = "endpoint.url_validation";

/// The token Zoom expects back for a plain token.
pub fn encrypted_token(secret: &Secret, plain: &str) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), &[plain.as_bytes()]))
}

fn judge(
    req: &WebhookRequest,
    secret: &Secret,
    answer: &HandshakeAnswer<'_>,
) -> Result<(), String> {
    let plain = json_str(req, "payload.plainToken").unwrap_or_default();
    let want = encrypted_token(secret, &plain);
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "the validation got {}: Zoom needs 200 with {{\"plainToken\", \"encryptedToken\"}} and will not enable the endpoint",
            answer.status
        ));
    }
    let doc: serde_json::Value = serde_json::from_slice(answer.body).map_err(|_| {
        format!(
            "the answer is not JSON ({:?}): send {{\"plainToken\": P, \"encryptedToken\": hex HMAC-SHA256 of P keyed with the secret token}}",
            shown(answer.body)
        )
    })?;
    if doc.get("event").is_some() || doc.get("payload").is_some() {
        return Err(
            "the request was echoed back: Zoom wants only plainToken and encryptedToken".into(),
        );
    }
    if doc.get("plainToken").and_then(|v| v.as_str()) != Some(plain.as_str()) {
        return Err(
            "plainToken is not the payload.plainToken of the request: send it back unchanged"
                .into(),
        );
    }
    let got = doc
        .get("encryptedToken")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if !ct_eq(got.as_bytes(), want.as_bytes()) {
        return Err("encryptedToken is wrong: it is the hex HMAC-SHA256 of plainToken keyed with the app's secret token (lowercase hex, not base64)".into());
    }
    Ok(())
}

impl Provider for Zoom {
    fn name(&self) -> &'static str {
        "zoom"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "zoom",
            title: "Zoom",
            signature_headers: vec![SIG_HEADER.into()],
            scheme: "HMAC-SHA256 hex of `v0:TS:body` in `x-zm-signature: v0=SIG`, TS in x-zm-request-timestamp; endpoint.url_validation challenge".into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(TOLERANCE),
            delivery_timeout_secs: Some(3),
            secret_hint: "marketplace.zoom.us > Manage > your app > Features > Access > Secret Token",
            docs: "https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events",
        }
    }

    fn default_headers(&self, ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "Zoom Marketplace/1.0a".into()),
            (
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ),
            (
                TRACKING_HEADER.into(),
                format!("v=2.0&s={}", ctx.id.replace('-', "")),
            ),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        SCHEME.sign(req, secret, ctx);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let tolerance = self.tolerance(opts).unwrap_or(TOLERANCE);
        SCHEME.verify(req, secret, opts.now, tolerance)
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        SCHEME.signed_at(req)
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(SIG_HEADER)
    }

    /// `meeting.started`, `endpoint.url_validation`… (the body's `event`).
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event")
    }

    /// Zoom's tracking id header; else the event's millisecond timestamp.
    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers
            .get_str(TRACKING_HEADER)
            .map(str::to_string)
            .or_else(|| json_str(req, "event_ts"))
    }

    fn handshake(&self) -> Option<Handshake> {
        Some(Handshake {
            event: VALIDATION,
            expected: "200 {plainToken, encryptedToken}",
            judge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "zoom-secret-token-4f1c2a9b7e";

    fn signed(body: &[u8], ts: i64) -> WebhookRequest {
        let ctx = SignContext {
            timestamp: ts,
            id: "0d2f4c6e-8a1b-4c3d-9e5f-7a9b1c3d5e7f".into(),
        };
        signed_for_test(&Zoom, body, SECRET, &ctx, &[])
    }

    /// Zoom publishes no signed example; the message and the validation
    /// token are checked against an HMAC computed here from the documented
    /// strings (`v0:{ts}:{body}`, and the plainToken alone).
    #[test]
    fn documented_strings() {
        use ::hmac::{KeyInit, Mac};
        let mac = |data: &str| {
            let mut m = ::hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
            m.update(data.as_bytes());
            hex::encode(m.finalize().into_bytes())
        };
        let body = br#"{"event":"meeting.started","event_ts":1626230691572,"payload":{"account_id":"AAAAAABBBB","object":{"id":"1234567890"}}}"#;
        let req = signed(body, 1_626_230_691);
        assert_eq!(
            req.headers.get_str(SIG_HEADER).unwrap(),
            format!(
                "v0={}",
                mac(&format!(
                    "v0:1626230691:{}",
                    std::str::from_utf8(body).unwrap()
                ))
            )
        );
        assert_eq!(
            encrypted_token(&Secret::new(SECRET), "qgg8vlvZRS6UYooatFL8Aw"),
            mac("qgg8vlvZRS6UYooatFL8Aw")
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let req = signed(br#"{"event":"meeting.ended","event_ts":1}"#, 1000);
        assert!(Zoom.verify(&req, &s, &VerifyOptions::at(1010)).is_valid());
        assert_eq!(Zoom.signed_at(&req), Some(1000));
        assert_eq!(
            Zoom.verify(&req, &Secret::new("other"), &VerifyOptions::at(1000)),
            Failure::mismatch(SIG_HEADER).into()
        );
        let mut modified = req.clone();
        let mut body = modified.body.to_vec();
        body[10] = b'X';
        modified.body = body.into();
        assert_eq!(
            Zoom.verify(&modified, &s, &VerifyOptions::at(1000)),
            Failure::mismatch(SIG_HEADER).into()
        );
        assert_eq!(
            Zoom.verify(&req, &s, &VerifyOptions::at(1301)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        let mut missing = req.clone();
        Zoom.strip_signature(&mut missing);
        assert_eq!(
            Zoom.verify(&missing, &s, &VerifyOptions::at(1000)),
            Failure::missing(SIG_HEADER).into()
        );
        let mut bad = req.clone();
        bad.headers.set(SIG_HEADER, "v1=abc");
        assert!(matches!(
            Zoom.verify(&bad, &s, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        assert!(Zoom.detect(&req.headers));
        assert!(!Zoom.detect(&Headers::new()));
        assert_eq!(Zoom.event_type(&req).as_deref(), Some("meeting.ended"));
        assert!(Zoom.event_id(&req).unwrap().starts_with("v=2.0&s="));
    }

    #[test]
    fn handshake_judge() {
        let s = Secret::new(SECRET);
        let req = signed(
            br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#,
            1,
        );
        let judge = Zoom.handshake().unwrap().judge;
        let answer = |status, body: &[u8]| {
            judge(
                &req,
                &s,
                &HandshakeAnswer {
                    status,
                    content_type: Some("application/json"),
                    body,
                },
            )
        };
        let good = format!(
            r#"{{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"{}"}}"#,
            encrypted_token(&s, "qgg8vlvZRS6UYooatFL8Aw")
        );
        assert_eq!(answer(200, good.as_bytes()), Ok(()));
        assert!(answer(500, good.as_bytes()).unwrap_err().contains("500"));
        assert!(answer(200, &req.body).unwrap_err().contains("echoed"));
        assert!(answer(200, b"ok").unwrap_err().contains("not JSON"));
        let wrong = good.replace(
            &encrypted_token(&s, "qgg8vlvZRS6UYooatFL8Aw"),
            &"0".repeat(64),
        );
        assert!(
            answer(200, wrong.as_bytes())
                .unwrap_err()
                .contains("encryptedToken is wrong")
        );
    }
}
