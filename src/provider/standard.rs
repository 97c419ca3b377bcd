//! Standard Webhooks (Svix and the senders that follow the spec):
//! `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,SIG [v1,SIG2 …]`,
//! HMAC-SHA256 base64 of `id.TS.body`, keyed with the base64-decoded part of a
//! `whsec_` secret; five minutes. Svix sends the same under `svix-*` names.

use super::crypto::{b64, b64_decode, check_window, ct_eq, hmac_sha256, parse_timestamp};
use super::*;

/// One scheme, two header spellings: `webhook-*` (the spec) and `svix-*`.
/// Senders that deliver through Svix (Clerk, Resend) are names on the svix
/// spelling with their own fixtures; detection still says svix, since
/// their headers are Svix's.
pub struct Standard {
    name: &'static str,
    prefix: &'static str,
    /// Set for a sender that delivers through Svix: its title, where its
    /// secret is, and its docs.
    sender: Option<(&'static str, &'static str, &'static str)>,
}

const PREFIXES: [&str; 2] = ["webhook", "svix"];

impl Standard {
    pub fn webhook() -> Self {
        Self {
            name: "standard",
            prefix: "webhook",
            sender: None,
        }
    }

    pub fn svix() -> Self {
        Self {
            name: "svix",
            prefix: "svix",
            sender: None,
        }
    }

    pub fn clerk() -> Self {
        Self {
            name: "clerk",
            prefix: "svix",
            sender: Some((
                "Clerk",
                "Clerk Dashboard > Configure > Webhooks > your endpoint > Signing Secret (whsec_...)",
                "https://clerk.com/docs/webhooks/sync-data",
            )),
        }
    }

    pub fn resend() -> Self {
        Self {
            name: "resend",
            prefix: "svix",
            sender: Some((
                "Resend",
                "resend.com > Webhooks > your webhook > Signing Secret (whsec_...)",
                "https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests",
            )),
        }
    }
}

/// The HMAC key inside a `whsec_` secret.
pub fn decode_secret(secret: &Secret) -> Result<Vec<u8>, Failure> {
    let text = secret.expose().trim();
    let encoded = text.strip_prefix("whsec_").unwrap_or(text);
    b64_decode(encoded).filter(|k| !k.is_empty()).ok_or_else(|| {
        Failure::secret_format("a Standard Webhooks secret is `whsec_` followed by base64; this one does not decode as base64")
    })
}

/// True when the signature header holds `v1a` (Ed25519) signatures and no
/// `v1` (HMAC) one.
pub(super) fn only_v1a(headers: &Headers, prefix: &str) -> bool {
    let Some(value) = headers.get_str(&format!("{prefix}-signature")) else {
        return false;
    };
    let versions = || {
        value
            .split(' ')
            .filter_map(|s| s.split_once(','))
            .map(|(v, _)| v)
    };
    versions().any(|v| v == "v1a") && !versions().any(|v| v == "v1")
}

fn signature(key: &[u8], id: &str, ts: &str, body: &[u8]) -> String {
    b64(&hmac_sha256(
        key,
        &[id.as_bytes(), b".", ts.as_bytes(), b".", body],
    ))
}

/// Finds the header set (`webhook-*` first, then `svix-*`) the request uses.
/// The headers a Standard Webhooks receiver reads before any signature:
/// the message id, the timestamp, and the space-separated signatures.
pub(super) struct Signed<'a> {
    pub id: &'a str,
    /// As sent, trimmed: the signed bytes.
    pub ts_text: &'a str,
    pub ts: i64,
    /// `webhook-signature` or `svix-signature`, for failures.
    pub signature_header: String,
    value: &'a str,
}

impl<'a> Signed<'a> {
    pub fn read(req: &'a WebhookRequest) -> Result<Self, Failure> {
        let p = header_prefix(&req.headers);
        let ts_h = format!("{p}-timestamp");
        let signature_header = format!("{p}-signature");
        let id = required_header(req, &format!("{p}-id"))?;
        let ts_text = required_header(req, &ts_h)?;
        let ts = parse_timestamp(&ts_h, ts_text)?;
        let value = required_header(req, &signature_header)?;
        Ok(Self {
            id,
            ts_text: ts_text.trim(),
            ts,
            signature_header,
            value,
        })
    }

    /// The signatures of one version (`v1`, `v1a`); none is malformed.
    pub fn candidates(&self, version: &str) -> Result<Vec<&'a str>, Failure> {
        let found: Vec<&str> = self
            .value
            .split(' ')
            .filter_map(|part| part.split_once(','))
            .filter(|(v, _)| *v == version)
            .map(|(_, sig)| sig)
            .collect();
        if found.is_empty() {
            return Err(Failure::malformed(
                &self.signature_header,
                format!("no `{version},` signature"),
            ));
        }
        Ok(found)
    }
}

pub(super) fn header_prefix(headers: &Headers) -> &'static str {
    PREFIXES
        .into_iter()
        .find(|p| {
            headers.contains(&format!("{p}-signature")) || headers.contains(&format!("{p}-id"))
        })
        .unwrap_or("webhook")
}

impl Provider for Standard {
    fn name(&self) -> &'static str {
        self.name
    }

    fn tolerance(&self, opts: &VerifyOptions) -> Option<u64> {
        opts.tolerance.or(Some(300))
    }

    fn info(&self) -> ProviderInfo {
        let p = self.prefix;
        let (title, secret_hint, docs) = self.sender.unwrap_or((
            if self.name == "svix" {
                "Svix"
            } else {
                "Standard Webhooks"
            },
            "the sender's dashboard: the endpoint's signing secret, starting with whsec_",
            "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md",
        ));
        ProviderInfo {
            name: self.name,
            title,
            signature_headers: vec![format!("{p}-signature")],
            scheme: format!(
                "HMAC-SHA256 base64 of `id.TS.body` in `{p}-signature: v1,SIG` (several allowed), key = base64 after whsec_"
            ),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(300),
            delivery_timeout_secs: Some(15),
            secret_hint,
            docs,
        }
    }

    fn new_id(&self) -> String {
        format!(
            "msg_{}",
            crypto::random_string(crypto::Alphabet::Base62, 27)
        )
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            (
                "User-Agent".into(),
                "Svix-Webhooks/1.76.1 (sender-QWERTY; +https://www.svix.com/http-sender/)".into(),
            ),
            ("Accept".into(), "*/*".into()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        let key = decode_secret(secret)?;
        let ts = ctx.timestamp.to_string();
        let sig = signature(&key, &ctx.id, &ts, &req.body);
        let p = self.prefix;
        req.headers.set(&format!("{p}-id"), ctx.id.clone());
        req.headers.set(&format!("{p}-timestamp"), ts);
        req.headers
            .set(&format!("{p}-signature"), format!("v1,{sig}"));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let h = Signed::read(req)?;
            let key = decode_secret(secret)?;
            let candidates = h.candidates("v1")?;
            let (ts, sig_h) = (h.ts, &h.signature_header);
            let expected = signature(&key, h.id, h.ts_text, &req.body);
            let matched = candidates
                .iter()
                .position(|c| ct_eq(c.as_bytes(), expected.as_bytes()))
                .ok_or_else(|| Failure::mismatch(sig_h))?;
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

    /// Several `v1,` signatures, space-separated, while a secret is rolled.
    fn add_older_signature(&self, req: &mut WebhookRequest, older: &WebhookRequest) -> bool {
        let h = format!("{}-signature", self.prefix);
        let (Some(new), Some(old)) = (req.headers.get_str(&h), older.headers.get_str(&h)) else {
            return false;
        };
        let merged = format!("{old} {new}");
        req.headers.set(&h, merged);
        true
    }

    /// The Standard Webhooks and Svix libraries refuse a timestamp too far
    /// ahead as well as too old.
    fn rejects_future_timestamps(&self) -> bool {
        true
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        let p = header_prefix(&req.headers);
        req.headers
            .get_str(&format!("{p}-timestamp"))?
            .trim()
            .parse()
            .ok()
    }

    /// Deliveries signed only with `v1a` (Ed25519) are `standard-v1a`'s.
    fn detect(&self, headers: &Headers) -> bool {
        if self.sender.is_some() {
            // Their headers are Svix's: detection names svix.
            return false;
        }
        let p = self.prefix;
        (headers.contains(&format!("{p}-signature")) || headers.contains(&format!("{p}-id")))
            && !only_v1a(headers, p)
    }

    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "type").or_else(|| json_str(req, "eventType"))
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        let p = header_prefix(&req.headers);
        req.headers.get_str(&format!("{p}-id")).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn example(prefix: &str) -> WebhookRequest {
        let mut req = WebhookRequest::post("http://x/", br#"{"test": 2432232314}"#.to_vec());
        req.headers
            .append(format!("{prefix}-id"), "msg_p5jXN8AQM9LWM0D4loKWxJek");
        req.headers
            .append(format!("{prefix}-timestamp"), "1614265330");
        req.headers.append(
            format!("{prefix}-signature"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
        req
    }

    /// The example of the Standard Webhooks spec and Svix's docs.
    #[test]
    fn published_example_under_both_header_sets() {
        for prefix in PREFIXES {
            let v = Standard::webhook().verify(
                &example(prefix),
                &Secret::new(SECRET),
                &VerifyOptions::at(1614265330),
            );
            assert!(v.is_valid(), "{prefix}: {v:?}");
        }
        let ctx = SignContext {
            timestamp: 1614265330,
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek".into(),
        };
        let mut mine = WebhookRequest::post("http://x/", br#"{"test": 2432232314}"#.to_vec());
        Standard::svix()
            .sign(&mut mine, &Secret::new(SECRET), &ctx)
            .unwrap();
        assert_eq!(
            mine.headers.get("svix-signature"),
            example("svix").headers.get("svix-signature")
        );
    }

    #[test]
    fn rotation_and_every_cause() {
        let s = Secret::new(SECRET);
        let std = Standard::webhook();
        let mut rotated = example("webhook");
        rotated.headers.set(
            "webhook-signature",
            "v1a,AAAA v1,bm90IGl0 v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
        assert!(
            std.verify(&rotated, &s, &VerifyOptions::at(1614265330))
                .explain()
                .contains("2 of 2")
        );

        let ex = example("webhook");
        assert_eq!(
            std.verify(&ex, &s, &VerifyOptions::at(1614265331 + 300)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        assert_eq!(
            std.verify(&ex, &s, &VerifyOptions::at(1614265330 - 301)),
            Failure::Future {
                ahead: 301,
                tolerance: 300
            }
            .into()
        );
        let other = Secret::new("whsec_dGVzdA==");
        assert_eq!(
            std.verify(&ex, &other, &VerifyOptions::at(1614265330)),
            Failure::mismatch("webhook-signature").into()
        );
        assert!(matches!(
            std.verify(
                &ex,
                &Secret::new("whsec_not base64!"),
                &VerifyOptions::at(1614265330)
            ),
            Verdict::Invalid {
                failure: Failure::SecretFormat { .. }
            }
        ));
        let mut missing = ex.clone();
        missing.headers.remove("webhook-timestamp");
        assert_eq!(
            std.verify(&missing, &s, &VerifyOptions::at(0)),
            Failure::missing("webhook-timestamp").into()
        );
        let mut malformed = ex.clone();
        malformed.headers.set("webhook-signature", "g0hM9SsE");
        assert!(matches!(
            std.verify(&malformed, &s, &VerifyOptions::at(1614265330)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn detects_and_names_events() {
        let mut req = example("svix");
        req.body = br#"{"type":"user.created","data":{}}"#.to_vec().into();
        assert!(Standard::svix().detect(&req.headers));
        assert!(!Standard::webhook().detect(&req.headers));
        assert_eq!(
            Standard::webhook().event_type(&req).as_deref(),
            Some("user.created")
        );
        assert_eq!(
            Standard::webhook().event_id(&req).as_deref(),
            Some("msg_p5jXN8AQM9LWM0D4loKWxJek")
        );
    }

    /// Clerk and Resend are names on the svix spelling: the same scheme,
    /// their own fixtures, and detection that still says svix.
    #[test]
    fn sender_aliases_sign_like_svix() {
        let s = Secret::new(SECRET);
        let ctx = SignContext {
            timestamp: 1000,
            id: "msg_2pQx8LmN4rT7vWz1".into(),
        };
        for alias in [Standard::clerk(), Standard::resend()] {
            let mut a =
                WebhookRequest::post("https://e.com/", br#"{"type":"user.created"}"#.to_vec());
            let mut b = a.clone();
            alias.sign(&mut a, &s, &ctx).unwrap();
            Standard::svix().sign(&mut b, &s, &ctx).unwrap();
            assert_eq!(a, b, "{}", alias.name());
            assert!(a.headers.contains("svix-signature"));
            assert!(
                Standard::svix()
                    .verify(&a, &s, &VerifyOptions::at(1000))
                    .is_valid()
            );
            assert!(alias.verify(&a, &s, &VerifyOptions::at(1000)).is_valid());
            assert!(!alias.detect(&a.headers));
            assert_eq!(detect_name(&a.headers), Some("svix"));
            assert_ne!(alias.info().title, "Svix");
        }
    }
}
