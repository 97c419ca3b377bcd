//! Calendly: `Calendly-Webhook-Signature: t=TS,v1=HEX`, HMAC-SHA256 in hex
//! of `TS.body`, keyed with the webhook signing key; Calendly's guide
//! allows three minutes.

use super::crypto::{check_window, ct_eq, hmac_sha256, parse_timestamp};
use super::*;

pub struct Calendly;

const HEADER: &str = "Calendly-Webhook-Signature";
const TOLERANCE: u64 = 180;

fn signature(secret: &Secret, ts: &str, body: &[u8]) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), &[ts.as_bytes(), b".", body]))
}

/// The `t` and every `v1` of the header.
fn parse(value: &str) -> Result<(&str, Vec<&str>), Failure> {
    let mut t = None;
    let mut v1 = Vec::new();
    for item in value.split(',') {
        match item.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.trim()),
            Some(("v1", v)) => v1.push(v.trim()),
            _ => {}
        }
    }
    let t = t.ok_or_else(|| Failure::malformed(HEADER, "no t= timestamp"))?;
    if v1.is_empty() {
        return Err(Failure::malformed(HEADER, "no v1= signature"));
    }
    Ok((t, v1))
}

impl Provider for Calendly {
    fn name(&self) -> &'static str {
        "calendly"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "calendly",
            title: "Calendly",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 hex of `TS.body` in `Calendly-Webhook-Signature: t=TS,v1=SIG`"
                .into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(TOLERANCE),
            delivery_timeout_secs: None,
            secret_hint: "the signing_key you set when creating the webhook subscription (OAuth apps: the app's Webhook signing key)",
            docs: "https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "Calendly".into()),
            (
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        let ts = ctx.timestamp.to_string();
        let sig = signature(secret, &ts, &req.body);
        req.headers.set(HEADER, format!("t={ts},v1={sig}"));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let (ts_text, candidates) = parse(required_header(req, HEADER)?)?;
            let ts = parse_timestamp(HEADER, ts_text)?;
            let expected = signature(secret, ts_text, &req.body);
            if !candidates
                .iter()
                .any(|c| ct_eq(c.as_bytes(), expected.as_bytes()))
            {
                return Err(Failure::mismatch(HEADER));
            }
            check_window(ts, opts.now, self.tolerance(opts).unwrap_or(TOLERANCE))?;
            Ok(Verdict::valid(format!(
                "v1 signature matches, timestamp {} s old",
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        parse(req.headers.get_str(HEADER)?).ok()?.0.parse().ok()
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER)
    }

    /// `invitee.created`, `invitee.canceled`… (the body's `event`).
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event")
    }

    /// Calendly has no event id: the payload's URI names the invitee (or
    /// the resource) the event is about.
    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "payload.uri")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "calendly-signing-key-9b2e7f41";

    fn signed(body: &[u8], ts: i64) -> WebhookRequest {
        let mut req = WebhookRequest::post("https://example.com/calendly", body.to_vec());
        let ctx = SignContext {
            timestamp: ts,
            id: String::new(),
        };
        Calendly.sign(&mut req, &Secret::new(KEY), &ctx).unwrap();
        req
    }

    /// Calendly's guide gives the recipe (`t.body`, hex) but no signed
    /// example: the header is checked against an HMAC computed here.
    #[test]
    fn documented_string() {
        use ::hmac::{KeyInit, Mac};
        let body = br#"{"event":"invitee.created","payload":{"uri":"https://api.calendly.com/scheduled_events/A/invitees/B"}}"#;
        let req = signed(body, 1_700_000_000);
        let mut m = ::hmac::Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
        m.update(b"1700000000.");
        m.update(body);
        assert_eq!(
            req.headers.get_str(HEADER).unwrap(),
            format!("t=1700000000,v1={}", hex::encode(m.finalize().into_bytes()))
        );
        assert_eq!(
            Calendly.event_type(&req).as_deref(),
            Some("invitee.created")
        );
        assert_eq!(
            Calendly.event_id(&req).as_deref(),
            Some("https://api.calendly.com/scheduled_events/A/invitees/B")
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(KEY);
        let req = signed(b"{}", 1000);
        assert!(
            Calendly
                .verify(&req, &s, &VerifyOptions::at(1180))
                .is_valid()
        );
        assert_eq!(Calendly.signed_at(&req), Some(1000));
        assert_eq!(
            Calendly.verify(&req, &s, &VerifyOptions::at(1181)),
            Failure::Stale {
                age: 181,
                tolerance: 180
            }
            .into()
        );
        assert_eq!(
            Calendly.verify(&req, &s, &VerifyOptions::at(800)),
            Failure::Future {
                ahead: 200,
                tolerance: 180
            }
            .into()
        );
        assert_eq!(
            Calendly.verify(&req, &Secret::new("other"), &VerifyOptions::at(1000)),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = b"{ }".to_vec().into();
        assert_eq!(
            Calendly.verify(&modified, &s, &VerifyOptions::at(1000)),
            Failure::mismatch(HEADER).into()
        );
        let mut missing = req.clone();
        Calendly.strip_signature(&mut missing);
        assert_eq!(
            Calendly.verify(&missing, &s, &VerifyOptions::at(1000)),
            Failure::missing(HEADER).into()
        );
        for bad in ["v1=abc", "t=1000", "t=soon,v1=abc"] {
            let mut malformed = req.clone();
            malformed.headers.set(HEADER, bad);
            assert!(
                matches!(
                    Calendly.verify(&malformed, &s, &VerifyOptions::at(1000)),
                    Verdict::Invalid {
                        failure: Failure::MalformedHeader { .. }
                    }
                ),
                "{bad}"
            );
        }
        assert!(Calendly.detect(&req.headers));
        assert!(!Calendly.detect(&Headers::new()));
    }
}
