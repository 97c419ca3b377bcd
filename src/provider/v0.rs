//! The `v0` scheme that Slack and Zoom share: `v0=` and the hex
//! HMAC-SHA256 of `v0:{timestamp}:{body}` in one header, the timestamp
//! (Unix seconds) in another.

use super::crypto::{check_window, ct_eq, hmac_sha256, parse_timestamp};
use super::*;

/// A provider's two header names for the scheme.
pub(crate) struct V0 {
    pub signature: &'static str,
    pub timestamp: &'static str,
}

impl V0 {
    /// `v0=` and the hex MAC of `v0:{ts}:{body}`.
    pub fn signature(secret: &Secret, ts: &str, body: &[u8]) -> String {
        let mac = hmac_sha256(secret.as_bytes(), &[b"v0:", ts.as_bytes(), b":", body]);
        format!("v0={}", hex::encode(mac))
    }

    pub fn sign(&self, req: &mut WebhookRequest, secret: &Secret, ctx: &SignContext) {
        let ts = ctx.timestamp.to_string();
        let sig = Self::signature(secret, &ts, &req.body);
        req.headers.set(self.timestamp, ts);
        req.headers.set(self.signature, sig);
    }

    /// The verdict, with the timestamp held to `tolerance` seconds.
    pub fn verify(
        &self,
        req: &WebhookRequest,
        secret: &Secret,
        now: i64,
        tolerance: u64,
    ) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let given = required_header(req, self.signature)?.trim();
            let ts_text = required_header(req, self.timestamp)?.trim();
            let ts = parse_timestamp(self.timestamp, ts_text)?;
            if !given.starts_with("v0=") {
                return Err(Failure::malformed(
                    self.signature,
                    "does not start with \"v0=\"",
                ));
            }
            let expected = Self::signature(secret, ts_text, &req.body);
            if !ct_eq(given.as_bytes(), expected.as_bytes()) {
                return Err(Failure::mismatch(self.signature));
            }
            check_window(ts, now, tolerance)?;
            Ok(Verdict::valid(format!(
                "v0 signature matches, timestamp {} s old",
                now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    /// The Unix time the signature was made at.
    pub fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        req.headers.get_str(self.timestamp)?.trim().parse().ok()
    }
}
