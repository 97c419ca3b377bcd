//! Paddle Billing: `Paddle-Signature: ts=TS;h1=SIG[;h1=SIG2]`, HMAC-SHA256 in
//! hex over `TS:body`, keyed with the destination's whole secret key
//! (`pdl_ntfset_…`); the SDKs allow five seconds.

use super::crypto::{check_window, ct_eq, hmac_sha256, parse_timestamp};
use super::*;

pub struct Paddle;

const HEADER: &str = "Paddle-Signature";
/// The SDKs' `MAX_VALID_TIME_DIFFERENCE`.
const TOLERANCE: u64 = 5;

fn signature(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    hex::encode(hmac_sha256(
        secret.as_bytes(),
        &[timestamp.as_bytes(), b":", body],
    ))
}

/// The `ts` and every `h1` of the header.
fn parse(value: &str) -> Result<(&str, Vec<&str>), Failure> {
    let mut ts = None;
    let mut h1 = Vec::new();
    for item in value.split(';') {
        match item.trim().split_once('=') {
            Some(("ts", v)) => ts = Some(v.trim()),
            Some(("h1", v)) => h1.push(v.trim()),
            _ => {}
        }
    }
    let ts = ts.ok_or_else(|| Failure::malformed(HEADER, "no ts= timestamp"))?;
    if h1.is_empty() {
        return Err(Failure::malformed(HEADER, "no h1= signature"));
    }
    Ok((ts, h1))
}

impl Provider for Paddle {
    fn name(&self) -> &'static str {
        "paddle"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "paddle",
            title: "Paddle",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 hex of `TS:body` in `Paddle-Signature: ts=TS;h1=SIG` (several h1 allowed)".into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(TOLERANCE),
            delivery_timeout_secs: Some(5),
            secret_hint: "Paddle > Developer tools > Notifications > your destination > Secret key (pdl_ntfset_...)",
            docs: "https://developer.paddle.com/webhooks/signature-verification",
        }
    }

    /// A notification id: `ntf_` and 26 characters of a ULID.
    fn new_id(&self) -> String {
        format!(
            "ntf_{}",
            ulid::Ulid::generate().to_string().to_ascii_lowercase()
        )
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![("Content-Type".into(), "application/json".into())]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        let ts = ctx.timestamp.to_string();
        let sig = signature(secret, &ts, &req.body);
        req.headers.set(HEADER, format!("ts={ts};h1={sig}"));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let (ts_text, candidates) = parse(required_header(req, HEADER)?)?;
            let ts = parse_timestamp(HEADER, ts_text)?;
            let expected = signature(secret, ts_text, &req.body);
            let matched = candidates
                .iter()
                .position(|c| ct_eq(c.as_bytes(), expected.as_bytes()))
                .ok_or_else(|| Failure::mismatch(HEADER))?;
            check_window(ts, opts.now, self.tolerance(opts).unwrap_or(TOLERANCE))?;
            Ok(Verdict::valid(format!(
                "h1 signature {} of {} matches, timestamp {} s old",
                matched + 1,
                candidates.len(),
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    /// During a roll Paddle sends `ts=…;h1=OLD;h1=NEW`.
    fn add_older_signature(&self, req: &mut WebhookRequest, older: &WebhookRequest) -> bool {
        let (Some(new), Some(old)) = (req.headers.get_str(HEADER), older.headers.get_str(HEADER))
        else {
            return false;
        };
        let (Some((ts, sig)), Some((_, old_sig))) = (new.split_once(';'), old.split_once(';'))
        else {
            return false;
        };
        let merged = format!("{ts};{old_sig};{sig}");
        req.headers.set(HEADER, merged);
        true
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        let (ts, _) = parse(req.headers.get_str(HEADER)?).ok()?;
        ts.parse().ok()
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER)
    }

    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event_type")
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "event_id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI";

    fn signed(body: &[u8], ts: i64) -> WebhookRequest {
        let mut req = WebhookRequest::post("https://example.com/paddle", body.to_vec());
        let ctx = SignContext {
            timestamp: ts,
            id: "ntf_1".into(),
        };
        Paddle.sign(&mut req, &Secret::new(SECRET), &ctx).unwrap();
        req
    }

    /// Generated with the official @paddle/paddle-node-sdk 3.10.0: its
    /// `webhooks.isSignatureValid` accepts this header for this body
    /// and secret at ts + 2 s (and refuses it at ts + 6 s).
    #[test]
    fn paddle_sdk_vector() {
        let body = br#"{"event_id":"evt_01hv8x2acma2gz9s2a3e5jtm1f","event_type":"transaction.completed","occurred_at":"2024-04-12T10:18:49.621022Z","notification_id":"ntf_01hv8x2af7qbqvd4ewvdkp7vkd","data":{"id":"txn_01hv8wptq8987qeep44cyrewp9","status":"completed"}}"#;
        let header =
            "ts=1712917129;h1=2f42f659591b5fa3ad1aec52052ed4fe7a90b67392deed5c4048a62f3a2cb749";
        let mut req = WebhookRequest::post("https://example.com/paddle", body.to_vec());
        req.headers.set(HEADER, header);
        let v = Paddle.verify(
            &req,
            &Secret::new(SECRET),
            &VerifyOptions::at(1_712_917_131),
        );
        assert!(v.is_valid(), "{v:?}");
        assert_eq!(
            signed(body, 1_712_917_129).headers.get_str(HEADER),
            Some(header)
        );
        assert_eq!(
            Paddle.verify(
                &req,
                &Secret::new(SECRET),
                &VerifyOptions::at(1_712_917_135)
            ),
            Failure::Stale {
                age: 6,
                tolerance: 5
            }
            .into()
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let req = signed(br#"{"event_id":"evt_1"}"#, 1000);
        assert!(Paddle.verify(&req, &s, &VerifyOptions::at(1003)).is_valid());
        assert_eq!(Paddle.signed_at(&req), Some(1000));

        assert_eq!(
            Paddle.verify(
                &req,
                &Secret::new("pdl_ntfset_other"),
                &VerifyOptions::at(1000)
            ),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Paddle.verify(&modified, &s, &VerifyOptions::at(1000)),
            Failure::mismatch(HEADER).into()
        );
        assert_eq!(
            Paddle.verify(&req, &s, &VerifyOptions::at(1006)),
            Failure::Stale {
                age: 6,
                tolerance: 5
            }
            .into()
        );
        assert_eq!(
            Paddle.verify(&req, &s, &VerifyOptions::at(990)),
            Failure::Future {
                ahead: 10,
                tolerance: 5
            }
            .into()
        );
        let mut opts = VerifyOptions::at(1300);
        opts.tolerance = Some(300);
        assert!(Paddle.verify(&req, &s, &opts).is_valid());

        let mut missing = req.clone();
        missing.headers.remove(HEADER);
        assert_eq!(
            Paddle.verify(&missing, &s, &VerifyOptions::at(1000)),
            Failure::missing(HEADER).into()
        );
        for bad in ["h1=abc", "ts=1000", "ts=soon;h1=abc"] {
            let mut malformed = req.clone();
            malformed.headers.set(HEADER, bad);
            assert!(
                matches!(
                    Paddle.verify(&malformed, &s, &VerifyOptions::at(1000)),
                    Verdict::Invalid {
                        failure: Failure::MalformedHeader { .. }
                    }
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn accepts_any_of_several_h1_signatures() {
        let req = signed(b"{}", 1000);
        let good = req.headers.get_str(HEADER).unwrap().to_string();
        let sig = good.split("h1=").nth(1).unwrap();
        let mut rotated = req.clone();
        rotated
            .headers
            .set(HEADER, format!("ts=1000;h1={};h1={sig}", "0".repeat(64)));
        let v = Paddle.verify(&rotated, &Secret::new(SECRET), &VerifyOptions::at(1000));
        assert!(v.is_valid(), "{v:?}");
        assert!(v.explain().contains("2 of 2"), "{v:?}");
    }

    #[test]
    fn detects_and_names_events() {
        let req = signed(
            br#"{"event_id":"evt_01hv8x2acma2gz9s2a3e5jtm1f","event_type":"subscription.created"}"#,
            1,
        );
        assert!(Paddle.detect(&req.headers));
        assert!(!Paddle.detect(&Headers::new()));
        assert_eq!(
            Paddle.event_type(&req).as_deref(),
            Some("subscription.created")
        );
        assert_eq!(
            Paddle.event_id(&req).as_deref(),
            Some("evt_01hv8x2acma2gz9s2a3e5jtm1f")
        );
        assert!(Paddle.new_id().starts_with("ntf_"));
    }
}
