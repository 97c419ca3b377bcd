//! Linear: `Linear-Signature`, HMAC-SHA256 in hex of the body; the signed
//! body carries `webhookTimestamp` (Unix milliseconds), which Linear's SDK
//! accepts within 60 s. `Linear-Event` names the entity, `Linear-Delivery`
//! the delivery.

use super::crypto::{check_window, ct_eq, hmac_sha256};
use super::*;

pub struct Linear;

const HEADER: &str = "Linear-Signature";
const FIELD: &str = "webhookTimestamp";
const TOLERANCE: u64 = 60;

/// The byte range of the top-level `webhookTimestamp` value in a JSON body,
/// and the value.
fn timestamp_field(body: &[u8]) -> Option<(std::ops::Range<usize>, i64)> {
    use serde_json::value::RawValue;
    let text = std::str::from_utf8(body).ok()?;
    let members: std::collections::HashMap<std::borrow::Cow<'_, str>, &RawValue> =
        serde_json::from_str(text).ok()?;
    let raw = members.get(FIELD)?.get();
    let start = raw.as_ptr() as usize - text.as_ptr() as usize;
    Some((start..start + raw.len(), raw.parse().ok()?))
}

/// The signed time in Unix milliseconds, or why there is none.
fn signed_ms(req: &WebhookRequest) -> Result<i64, Failure> {
    match timestamp_field(&req.body) {
        Some((_, ms)) => Ok(ms),
        None => Err(Failure::malformed(
            FIELD,
            "the JSON body has no whole-number webhookTimestamp field (Unix milliseconds)",
        )),
    }
}

impl Provider for Linear {
    fn name(&self) -> &'static str {
        "linear"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "linear",
            title: "Linear",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA256 hex of the body in `Linear-Signature: SIG`; the body's webhookTimestamp (ms) within 60 s".into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(TOLERANCE),
            delivery_timeout_secs: Some(5),
            secret_hint: "Settings > API > Webhooks > your webhook > Signing secret (lin_wh_...)",
            docs: "https://linear.app/developers/webhooks#securing-webhooks",
        }
    }

    fn default_headers(&self, ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            (
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("User-Agent".into(), "Linear-Webhook".into()),
            ("Linear-Delivery".into(), ctx.id.clone()),
            (
                "Linear-Timestamp".into(),
                (ctx.timestamp * 1000).to_string(),
            ),
        ]
    }

    /// Puts the signing time into the body's `webhookTimestamp` (keeping its
    /// milliseconds and every other byte), then signs the body.
    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        if let Some((range, old)) = timestamp_field(&req.body) {
            let new = ctx.timestamp * 1000 + old.rem_euclid(1000);
            if new != old {
                let mut body = req.body.to_vec();
                body.splice(range, new.to_string().into_bytes());
                req.body = body.into();
            }
        }
        let sig = hex::encode(hmac_sha256(secret.as_bytes(), &[&req.body]));
        req.headers.set(HEADER, sig);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let value = required_header(req, HEADER)?.trim();
            let given = hex::decode(value)
                .map_err(|_| Failure::malformed(HEADER, "signature is not hex"))?;
            let expected = hmac_sha256(secret.as_bytes(), &[&req.body]);
            if !ct_eq(&given, &expected) {
                return Err(Failure::mismatch(HEADER));
            }
            let ms = signed_ms(req)?;
            let ts = ms.div_euclid(1000);
            check_window(ts, opts.now, self.tolerance(opts).unwrap_or(TOLERANCE))?;
            Ok(Verdict::valid(format!(
                "signature matches the body, webhookTimestamp {} s old",
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        signed_ms(req).ok().map(|ms| ms.div_euclid(1000))
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER) || headers.contains("Linear-Delivery")
    }

    /// `Type.action`, as in `Issue.create`.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        let kind = json_str(req, "type")
            .or_else(|| req.headers.get_str("Linear-Event").map(str::to_string))?;
        Some(match json_str(req, "action") {
            Some(action) => format!("{kind}.{action}"),
            None => kind,
        })
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers.get_str("Linear-Delivery").map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "lin_wh_Zq3vPp6mLr2kT9xW4bN8cY1dF5gH7jK0sA";

    fn signed(body: &str, ts: i64) -> WebhookRequest {
        let ctx = SignContext {
            timestamp: ts,
            id: "5b5a2a0e-7a4f-4c57-a3f6-0d6e1b0f4a11".into(),
        };
        signed_for_test(&Linear, body.as_bytes(), SECRET, &ctx, &[])
    }

    /// Checked with the official @linear/sdk 98.0.0: its
    /// `LinearWebhookClient.verify` accepts this signature with the clock at
    /// 1712917139 s and refuses it at 1712917190 s ("Invalid webhook timestamp").
    #[test]
    fn linear_sdk_vector() {
        let body = r#"{"action":"create","type":"Issue","data":{"id":"2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9","identifier":"ENG-42","title":"Crash on login"},"url":"https://linear.app/acme/issue/ENG-42","createdAt":"2024-04-12T10:18:49.000Z","organizationId":"b4a3cf49-7c2b-4b8d-8b3c-1e8e6f6c2d1a","webhookTimestamp":1712917129123,"webhookId":"000042e3-d123-4980-b49f-8e140eef9329"}"#;
        let sig = "a681444b06d304794fe5fac6b43f41587b34d6fb19ac3996aab9752522400d4d";
        let mut req = WebhookRequest::post("https://example.com/linear", body.as_bytes().to_vec());
        req.headers.set(HEADER, sig);
        let s = Secret::new(SECRET);
        let v = Linear.verify(&req, &s, &VerifyOptions::at(1_712_917_139));
        assert!(v.is_valid(), "{v:?}");
        assert!(matches!(
            Linear.verify(&req, &s, &VerifyOptions::at(1_712_917_190)),
            Verdict::Invalid {
                failure: Failure::Stale { .. }
            }
        ));
        // Signing at the body's own second changes no byte.
        assert_eq!(
            signed(body, 1_712_917_129).headers.get_str(HEADER),
            Some(sig)
        );
    }

    #[test]
    fn signing_moves_only_the_body_timestamp() {
        let body = r#"{ "type": "Issue", "webhookTimestamp" :  1000123 , "x": 1}"#;
        let req = signed(body, 5000);
        assert_eq!(
            std::str::from_utf8(&req.body).unwrap(),
            r#"{ "type": "Issue", "webhookTimestamp" :  5000123 , "x": 1}"#
        );
        assert_eq!(Linear.signed_at(&req), Some(5000));
        // A body without the field is signed as it is.
        let bare = signed(r#"{"type":"Issue"}"#, 5000);
        assert_eq!(&bare.body[..], br#"{"type":"Issue"}"#);
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let req = signed(
            r#"{"action":"create","type":"Issue","webhookTimestamp":0}"#,
            1000,
        );
        assert!(Linear.verify(&req, &s, &VerifyOptions::at(1030)).is_valid());

        assert_eq!(
            Linear.verify(&req, &Secret::new("lin_wh_other"), &VerifyOptions::at(1000)),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Linear.verify(&modified, &s, &VerifyOptions::at(1000)),
            Failure::mismatch(HEADER).into()
        );
        assert_eq!(
            Linear.verify(&req, &s, &VerifyOptions::at(1061)),
            Failure::Stale {
                age: 61,
                tolerance: 60
            }
            .into()
        );
        assert_eq!(
            Linear.verify(&req, &s, &VerifyOptions::at(900)),
            Failure::Future {
                ahead: 100,
                tolerance: 60
            }
            .into()
        );
        let mut missing = req.clone();
        missing.headers.remove(HEADER);
        assert_eq!(
            Linear.verify(&missing, &s, &VerifyOptions::at(1000)),
            Failure::missing(HEADER).into()
        );
        let mut malformed = req.clone();
        malformed.headers.set(HEADER, "sha256=abc");
        assert!(matches!(
            Linear.verify(&malformed, &s, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        let untimed = signed(r#"{"type":"Issue"}"#, 1000);
        assert!(matches!(
            Linear.verify(&untimed, &s, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { header, .. }
            } if header == FIELD
        ));
    }

    #[test]
    fn detects_and_names_events() {
        let mut req = signed(
            r#"{"action":"update","type":"Comment","webhookTimestamp":0}"#,
            1,
        );
        req.headers.set("Linear-Event", "Comment");
        assert!(Linear.detect(&req.headers));
        assert!(!Linear.detect(&Headers::new()));
        assert_eq!(Linear.event_type(&req).as_deref(), Some("Comment.update"));
        assert_eq!(
            Linear.event_id(&req).as_deref(),
            Some("5b5a2a0e-7a4f-4c57-a3f6-0d6e1b0f4a11")
        );
    }
}
