//! Stripe: `Stripe-Signature: t=TS,v1=SIG[,v1=SIG2]`, HMAC-SHA256 in hex over
//! `TS.body`, keyed with the whole `whsec_…` string; five minutes' tolerance.

use super::crypto::{check_window, ct_eq, hmac_sha256, parse_timestamp};
use super::*;

pub struct Stripe;

const HEADER: &str = "Stripe-Signature";

fn signature(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    hex::encode(hmac_sha256(
        secret.as_bytes(),
        &[timestamp.as_bytes(), b".", body],
    ))
}

impl Provider for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn tolerance(&self, opts: &VerifyOptions) -> Option<u64> {
        opts.tolerance.or(Some(300))
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "stripe",
            title: "Stripe",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 hex of `TS.body` in `Stripe-Signature: t=TS,v1=SIG` (several v1 allowed)".into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(300),
            delivery_timeout_secs: Some(20),
            secret_hint: "Dashboard > Developers > Webhooks > your endpoint > Signing secret (whsec_...), or the secret `stripe listen` prints",
            docs: "https://docs.stripe.com/webhooks#verify-manually",
        }
    }

    fn new_id(&self) -> String {
        format!(
            "evt_{}",
            crypto::random_string(crypto::Alphabet::Base62, 24)
        )
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            (
                "User-Agent".into(),
                "Stripe/1.0 (+https://stripe.com/docs/webhooks)".into(),
            ),
            ("Accept".into(), "*/*; q=0.5, application/xml".into()),
            ("Cache-Control".into(), "no-cache".into()),
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
            let value = required_header(req, HEADER)?;
            let mut timestamp = None;
            let mut candidates = Vec::new();
            for item in value.split(',') {
                match item.trim().split_once('=') {
                    Some(("t", ts)) => timestamp = Some(ts),
                    Some(("v1", sig)) => candidates.push(sig),
                    _ => {}
                }
            }
            let ts_text = timestamp.ok_or_else(|| Failure::malformed(HEADER, "no t= timestamp"))?;
            let ts = parse_timestamp(HEADER, ts_text)?;
            if candidates.is_empty() {
                return Err(Failure::malformed(HEADER, "no v1= signature"));
            }
            let expected = signature(secret, ts_text, &req.body);
            let matched = candidates
                .iter()
                .position(|c| ct_eq(c.as_bytes(), expected.as_bytes()))
                .ok_or_else(|| Failure::mismatch(HEADER))?;
            check_window(ts, opts.now, self.tolerance(opts).unwrap_or(300))?;
            Ok(Verdict::valid(format!(
                "v1 signature {} of {} matches, timestamp {} s old",
                matched + 1,
                candidates.len(),
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    /// During a roll Stripe sends `t=…,v1=OLD,v1=NEW`.
    fn add_older_signature(&self, req: &mut WebhookRequest, older: &WebhookRequest) -> bool {
        let (Some(new), Some(old)) = (req.headers.get_str(HEADER), older.headers.get_str(HEADER))
        else {
            return false;
        };
        let (Some((ts, sig)), Some((_, old_sig))) = (new.split_once(','), old.split_once(','))
        else {
            return false;
        };
        let merged = format!("{ts},{old_sig},{sig}");
        req.headers.set(HEADER, merged);
        true
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        let value = req.headers.get_str(HEADER)?;
        value
            .split(',')
            .find_map(|item| item.trim().strip_prefix("t="))
            .and_then(|t| t.parse().ok())
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER)
    }

    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "type")
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "id")
    }

    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        let [kind, id] = json_top(req, ["type", "id"]);
        (kind, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(body: &[u8], ts: i64, secret: &str) -> WebhookRequest {
        let mut req = WebhookRequest::post("http://localhost/", body.to_vec());
        let ctx = SignContext {
            timestamp: ts,
            id: "evt_1".into(),
        };
        Stripe.sign(&mut req, &Secret::new(secret), &ctx).unwrap();
        req
    }

    #[test]
    fn header_has_stripes_shape() {
        let req = signed(b"{}", 1_700_000_000, "whsec_test");
        let h = req.headers.get_str("stripe-signature").unwrap();
        // Independent computation: HMAC-SHA256("whsec_test", "1700000000.{}")
        let want = hex::encode(hmac_sha256(b"whsec_test", &[b"1700000000.{}"]));
        assert_eq!(h, format!("t=1700000000,v1={want}"));
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new("whsec_test");
        let req = signed(b"{\"id\":\"evt_1\"}", 1000, "whsec_test");
        assert!(Stripe.verify(&req, &s, &VerifyOptions::at(1100)).is_valid());

        let wrong = Stripe.verify(&req, &Secret::new("whsec_other"), &VerifyOptions::at(1100));
        assert!(matches!(
            wrong,
            Verdict::Invalid {
                failure: Failure::Mismatch { .. }
            }
        ));

        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert!(matches!(
            Stripe.verify(&modified, &s, &VerifyOptions::at(1100)),
            Verdict::Invalid {
                failure: Failure::Mismatch { .. }
            }
        ));

        assert_eq!(
            Stripe.verify(&req, &s, &VerifyOptions::at(1400)),
            Failure::Stale {
                age: 400,
                tolerance: 300
            }
            .into()
        );
        assert_eq!(
            Stripe.verify(&req, &s, &VerifyOptions::at(500)),
            Failure::Future {
                ahead: 500,
                tolerance: 300
            }
            .into()
        );
        let mut opts = VerifyOptions::at(1400);
        opts.tolerance = Some(600);
        assert!(Stripe.verify(&req, &s, &opts).is_valid());

        let mut missing = req.clone();
        missing.headers.remove("Stripe-Signature");
        assert_eq!(
            Stripe.verify(&missing, &s, &VerifyOptions::at(1000)),
            Failure::missing(HEADER).into()
        );

        let mut malformed = req.clone();
        malformed.headers.set(HEADER, "v1=abc");
        assert!(matches!(
            Stripe.verify(&malformed, &s, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        malformed.headers.set(HEADER, "t=1000");
        assert!(matches!(
            Stripe.verify(&malformed, &s, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn accepts_any_of_several_v1_signatures() {
        let req = signed(b"{}", 1000, "whsec_new");
        let good = req.headers.get_str(HEADER).unwrap().to_string();
        let sig = good.split("v1=").nth(1).unwrap();
        let mut rotated = req.clone();
        rotated.headers.set(
            HEADER,
            format!("t=1000,v1={},v1={sig},v0=deadbeef", "0".repeat(64)),
        );
        let v = Stripe.verify(
            &rotated,
            &Secret::new("whsec_new"),
            &VerifyOptions::at(1000),
        );
        assert!(v.is_valid(), "{v:?}");
    }

    #[test]
    fn detects_and_names_events() {
        let req = signed(br#"{"id":"evt_9","type":"invoice.paid"}"#, 1, "k");
        assert!(Stripe.detect(&req.headers));
        assert_eq!(Stripe.event_type(&req).as_deref(), Some("invoice.paid"));
        assert_eq!(Stripe.event_id(&req).as_deref(), Some("evt_9"));
    }
}
