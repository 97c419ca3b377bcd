//! Deliberate faults for `send --tamper` and `check`: each one makes a
//! delivery that a correct receiver must reject.

pub mod signatures;

use crate::provider::{Failure, Provider, SignContext, WebhookRequest};
use crate::secret::Secret;

/// A deliberate fault; `describe` says what each one is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tamper {
    BadSignature,
    MissingSignature,
    StaleTimestamp,
    FutureTimestamp,
    MalformedSignature,
    TruncatedSignature,
    BodyModified,
    WrongContentType,
}

impl Tamper {
    /// Every fault, in the order the help lists them.
    pub const ALL: &'static [Tamper] = &[
        Tamper::BadSignature,
        Tamper::MissingSignature,
        Tamper::StaleTimestamp,
        Tamper::FutureTimestamp,
        Tamper::MalformedSignature,
        Tamper::TruncatedSignature,
        Tamper::BodyModified,
        Tamper::WrongContentType,
    ];

    /// What the fault is, in a line (the help beside each `--tamper` value).
    pub fn describe(self) -> &'static str {
        match self {
            Tamper::BadSignature => "Signed with another secret",
            Tamper::MissingSignature => "No signature header at all",
            Tamper::StaleTimestamp => {
                "Correctly signed ten minutes ago (past a five-minute tolerance)"
            }
            Tamper::FutureTimestamp => "Correctly signed, ten minutes in the future",
            Tamper::MalformedSignature => {
                "The signature header present but garbage (`Stripe-Signature: garbage`)"
            }
            Tamper::TruncatedSignature => "The real signature with its MAC cut to the first half",
            Tamper::BodyModified => "A valid signature of another body",
            Tamper::WrongContentType => "Correctly signed, sent as text/plain",
        }
    }

    /// Why this fault cannot be made for a provider, if it cannot.
    pub fn not_applicable(self, provider: &dyn Provider) -> Option<String> {
        let info = provider.info();
        match self {
            Tamper::WrongContentType => None,
            _ if !provider.signed() => Some(format!(
                "{} does not sign its deliveries, so a {} delivery cannot be made",
                info.title,
                self.name()
            )),
            Tamper::StaleTimestamp | Tamper::FutureTimestamp if !info.timestamped => Some(format!(
                "{} signs no timestamp, so a {} delivery cannot be made",
                info.title,
                self.name()
            )),
            Tamper::BodyModified if !info.signs_body => Some(format!(
                "{} does not sign the body, so a modified body is not detectable",
                info.title
            )),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Tamper::BadSignature => "bad-signature",
            Tamper::MissingSignature => "missing-signature",
            Tamper::StaleTimestamp => "stale-timestamp",
            Tamper::FutureTimestamp => "future-timestamp",
            Tamper::MalformedSignature => "malformed-signature",
            Tamper::TruncatedSignature => "truncated-signature",
            Tamper::BodyModified => "body-modified",
            Tamper::WrongContentType => "wrong-content-type",
        }
    }

    /// How far a timestamp fault moves the signing time: twice the tolerance,
    /// and at least ten minutes.
    pub fn shift_timestamp(self, ctx: &mut SignContext, tolerance: Option<u64>) {
        let shift = timestamp_shift_secs(tolerance);
        match self {
            Tamper::StaleTimestamp => ctx.timestamp -= shift,
            Tamper::FutureTimestamp => ctx.timestamp += shift,
            _ => {}
        }
    }

    /// The secret to sign with: a different, well-formed one for
    /// bad-signature (for an asymmetric scheme, another private key).
    pub fn signing_secret(self, provider: &dyn Provider, real: &Secret) -> Secret {
        match self {
            Tamper::BadSignature => {
                if let Some(pair) = provider.keygen() {
                    return pair.private;
                }
                let wrong =
                    crate::provider::crypto::b64(&crate::provider::crypto::random_bytes(24));
                let wrong = if real.expose().starts_with("whsec_") {
                    format!("whsec_{wrong}")
                } else {
                    wrong
                };
                Secret::new(wrong)
            }
            _ => real.clone(),
        }
    }

    /// Changes the request after signing.
    pub fn after_signing(
        self,
        provider: &dyn Provider,
        req: &mut WebhookRequest,
    ) -> Result<(), Failure> {
        match self {
            Tamper::MissingSignature => provider.strip_signature(req),
            Tamper::BodyModified => {
                let mut body = req.body.to_vec();
                modify_body(&mut body);
                req.body = body.into();
            }
            Tamper::WrongContentType => req.headers.set("Content-Type", "text/plain"),
            Tamper::MalformedSignature => {
                provider.map_signature(req, signatures::malformed()[0].as_ref());
            }
            Tamper::TruncatedSignature => {
                provider.map_signature(req, signatures::truncated()[0].as_ref());
            }
            _ => {}
        }
        Ok(())
    }
}

/// How many seconds the timestamp faults move the signing time.
pub fn timestamp_shift_secs(tolerance: Option<u64>) -> i64 {
    (tolerance.unwrap_or(300) as i64 * 2).max(600)
}

/// Changes one digit, so that JSON and forms stay well-formed and the
/// receiver gets as far as its signature check.
fn modify_body(body: &mut Vec<u8>) {
    match body.iter().position(u8::is_ascii_digit) {
        Some(i) => body[i] = b'0' + (body[i] - b'0' + 1) % 10,
        None => body.push(b' '),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_body_stays_well_formed() {
        let mut b = br#"{"amount":2000}"#.to_vec();
        modify_body(&mut b);
        assert_eq!(b, br#"{"amount":3000}"#);
        let mut nine = b"9".to_vec();
        modify_body(&mut nine);
        assert_eq!(nine, b"0");
    }

    #[test]
    fn timestamp_faults_go_past_the_tolerance() {
        let mut ctx = SignContext {
            timestamp: 10_000,
            id: String::new(),
        };
        Tamper::StaleTimestamp.shift_timestamp(&mut ctx, Some(300));
        assert_eq!(ctx.timestamp, 9_400);
        Tamper::FutureTimestamp.shift_timestamp(&mut ctx, Some(900));
        assert_eq!(ctx.timestamp, 11_200);
    }

    #[test]
    fn an_unsigned_provider_gets_only_the_content_type_fault() {
        let zapier = crate::provider::by_name("zapier").unwrap();
        for &t in Tamper::ALL
            .iter()
            .filter(|&&t| t != Tamper::WrongContentType)
        {
            let why = t.not_applicable(zapier.as_ref()).unwrap();
            assert!(why.contains("Zapier does not sign"), "{why}");
        }
        assert_eq!(
            Tamper::WrongContentType.not_applicable(zapier.as_ref()),
            None
        );
        // Signed providers are as before.
        let stripe = crate::provider::by_name("stripe").unwrap();
        assert_eq!(Tamper::BadSignature.not_applicable(stripe.as_ref()), None);
    }
}
