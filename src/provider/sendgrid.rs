//! Twilio SendGrid's signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature`
//! is the base64 DER ECDSA P-256 / SHA-256 signature of
//! `X-Twilio-Email-Event-Webhook-Timestamp` followed by the body (a JSON
//! array of events). Receivers hold the verification key, which SendGrid
//! shows as base64 of a DER SubjectPublicKeyInfo. SendGrid keeps the private
//! key; hookcli signs with one from `hookcli keygen` (base64 PKCS#8 DER).
//! SendGrid documents no timestamp window; hookcli applies five minutes.

use p256::ecdsa::signature::{MultipartSigner, MultipartVerifier};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};

use super::crypto::{b64, b64_decode, check_window, parse_timestamp};
use super::*;

pub struct SendGrid;

const SIGNATURE: &str = "X-Twilio-Email-Event-Webhook-Signature";
const TIMESTAMP: &str = "X-Twilio-Email-Event-Webhook-Timestamp";
const KEYGEN: &str = "`hookcli keygen --provider sendgrid` prints a pair";

/// The DER inside a pasted key: base64, with or without PEM armour.
fn der(secret: &Secret) -> Result<Vec<u8>, Failure> {
    b64_decode(&keys::strip_pem(secret.expose())).ok_or_else(|| {
        Failure::secret_format(format!(
            "a SendGrid key is base64 (of DER); this one does not decode as base64 ({KEYGEN})"
        ))
    })
}

fn private_key(der: &[u8]) -> Option<SigningKey> {
    SigningKey::from_pkcs8_der(der)
        .ok()
        .or_else(|| p256::SecretKey::from_sec1_der(der).ok().map(Into::into))
}

/// The verification key: a DER SubjectPublicKeyInfo of a P-256 point.
fn verifying_key(secret: &Secret) -> Result<VerifyingKey, Failure> {
    let der = der(secret)?;
    if let Ok(key) = VerifyingKey::from_public_key_der(&der) {
        return Ok(key);
    }
    if private_key(&der).is_some() {
        return Err(Failure::secret_format(
            "this is a private key; a receiver verifies with the public verification key (base64 of a DER public key, as SendGrid shows it)",
        ));
    }
    Err(Failure::secret_format(
        "this is not a P-256 public key: SendGrid's verification key is base64 of a DER SubjectPublicKeyInfo",
    ))
}

/// The private key: base64 PKCS#8 (or SEC1) DER of a P-256 key.
fn signing_key(secret: &Secret) -> Result<SigningKey, Failure> {
    let der = der(secret)?;
    if let Some(key) = private_key(&der) {
        return Ok(key);
    }
    if VerifyingKey::from_public_key_der(&der).is_ok() {
        return Err(Failure::secret_format(format!(
            "this is the public verification key; signing needs the private key, which SendGrid never shows: {KEYGEN}, and listen/verify take its public half"
        )));
    }
    Err(Failure::secret_format(format!(
        "this is not a P-256 private key (base64 of PKCS#8 or SEC1 DER); {KEYGEN}"
    )))
}

/// The first event of the body's array, as raw members.
fn first_event(req: &WebhookRequest) -> Option<serde_json::Map<String, serde_json::Value>> {
    use serde_json::value::RawValue;
    let events: Vec<&RawValue> = serde_json::from_slice(&req.body).ok()?;
    serde_json::from_str(events.first()?.get()).ok()
}

impl Provider for SendGrid {
    fn name(&self) -> &'static str {
        "sendgrid"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "sendgrid",
            title: "Twilio SendGrid (Event Webhook)",
            signature_headers: vec![SIGNATURE.into()],
            scheme: "ECDSA P-256 SHA-256 of `TS + body`, base64 DER in `X-Twilio-Email-Event-Webhook-Signature`, TS in `X-Twilio-Email-Event-Webhook-Timestamp`; verified with the base64 DER public key".into(),
            timestamped: true,
            signs_body: true,
            // Documents no window, and its SDKs check none: stale ones pass
            // unless --tolerance asks (check warns about it).
            default_tolerance: None,
            delivery_timeout_secs: None,
            secret_hint: "listen/verify: Settings > Mail Settings > Event Webhooks > your webhook > Signature verification: the Verification Key; send/check: a private key from `hookcli keygen --provider sendgrid`",
            docs: "https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "SendGrid Event API".into()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        let key = signing_key(secret)?;
        let ts = ctx.timestamp.to_string();
        let sig: Signature = key.multipart_sign(&[ts.as_bytes(), &req.body]);
        req.headers.set(SIGNATURE, b64(sig.to_der().as_bytes()));
        req.headers.set(TIMESTAMP, ts);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let value = required_header(req, SIGNATURE)?.trim();
            let ts_text = required_header(req, TIMESTAMP)?;
            let ts = parse_timestamp(TIMESTAMP, ts_text)?;
            let sig = b64_decode(value)
                .and_then(|der| DerSignature::from_bytes(&der).ok())
                .and_then(|der| Signature::try_from(der).ok())
                .ok_or_else(|| Failure::malformed(SIGNATURE, "not a base64 DER ECDSA signature"))?;
            let key = verifying_key(secret)?;
            key.multipart_verify(&[ts_text.as_bytes(), &req.body], &sig)
                .map_err(|_| Failure::mismatch(SIGNATURE))?;
            if let Some(tolerance) = self.tolerance(opts) {
                check_window(ts, opts.now, tolerance)?;
            }
            Ok(Verdict::valid(format!(
                "ECDSA signature matches the verification key, timestamp {} s old",
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        req.headers.get_str(TIMESTAMP)?.trim().parse().ok()
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(SIGNATURE) || headers.contains(TIMESTAMP)
    }

    /// The first event's `event` (a batch may hold several).
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        self.event(req).0
    }

    /// The first event's `sg_event_id`.
    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        self.event(req).1
    }

    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        let Some(first) = first_event(req) else {
            return (None, None);
        };
        let text = |k: &str| first.get(k).and_then(|v| v.as_str()).map(str::to_string);
        (text("event"), text("sg_event_id"))
    }

    fn keygen(&self) -> Option<KeyPair> {
        let key = keys::p256_signing_key();
        let private = key.to_pkcs8_der().expect("a P-256 key encodes as PKCS#8");
        let public = key
            .verifying_key()
            .to_public_key_der()
            .expect("a P-256 point encodes as SPKI");
        Some(KeyPair {
            algorithm: "ECDSA P-256 (SHA-256)",
            private: Secret::new(b64(private.as_bytes())),
            public: b64(public.as_bytes()),
        })
    }

    fn check_key(&self, secret: &Secret, role: KeyRole) -> Result<(), Failure> {
        match role {
            KeyRole::Sign => signing_key(secret).map(drop),
            KeyRole::Verify => verifying_key(secret).map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window asked for with --tolerance: none applies by default.
    fn windowed(now: i64) -> VerifyOptions {
        VerifyOptions {
            now,
            tolerance: Some(300),
        }
    }

    /// The example of @sendgrid/eventwebhook's own test suite
    /// (packages/eventwebhook/src/eventwebhook.spec.js).
    const SDK_PUBLIC_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==";
    const SDK_SIGNATURE: &str = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=";
    const SDK_TIMESTAMP: &str = "1588788367";
    const SDK_PAYLOAD: &[u8] =
        br#"{"category":"example_payload","event":"test_event","message_id":"message_id"}"#;

    fn sdk_request() -> WebhookRequest {
        let mut req = WebhookRequest::post("https://example.com/sendgrid", SDK_PAYLOAD.to_vec());
        req.headers.set(SIGNATURE, SDK_SIGNATURE);
        req.headers.set(TIMESTAMP, SDK_TIMESTAMP);
        req
    }

    #[test]
    fn sdk_example_verifies_and_its_negatives_fail() {
        let key = Secret::new(SDK_PUBLIC_KEY);
        let at = VerifyOptions::at(1588788367);
        let v = SendGrid.verify(&sdk_request(), &key, &at);
        assert!(v.is_valid(), "{v:?}");
        // The SDK's negative cases: another key, another payload, another
        // signature (one character changed), another timestamp.
        let other = Secret::new(
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==",
        );
        assert_eq!(
            SendGrid.verify(&sdk_request(), &other, &at),
            Failure::mismatch(SIGNATURE).into()
        );
        let mut payload = sdk_request();
        payload.body = b"payload".to_vec().into();
        assert_eq!(
            SendGrid.verify(&payload, &key, &at),
            Failure::mismatch(SIGNATURE).into()
        );
        let mut sig = sdk_request();
        sig.headers.set(
            SIGNATURE,
            "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0=",
        );
        assert_eq!(
            SendGrid.verify(&sig, &key, &at),
            Failure::mismatch(SIGNATURE).into()
        );
        let mut ts = sdk_request();
        ts.headers.set(TIMESTAMP, "1588788368");
        assert_eq!(
            SendGrid.verify(&ts, &key, &at),
            Failure::mismatch(SIGNATURE).into()
        );
        ts.headers.set(TIMESTAMP, "timestamp");
        assert!(matches!(
            SendGrid.verify(&ts, &key, &at),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        // The same key as PEM, the way some dashboards and APIs print it.
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n{}\n-----END PUBLIC KEY-----\n",
            &SDK_PUBLIC_KEY[..64],
            &SDK_PUBLIC_KEY[64..]
        );
        assert!(
            SendGrid
                .verify(&sdk_request(), &Secret::new(pem), &at)
                .is_valid()
        );
    }

    #[test]
    fn round_trip_and_every_cause() {
        let pair = SendGrid.keygen().unwrap();
        let public = Secret::new(pair.public.clone());
        let body = br#"[{"email":"a@example.com","event":"delivered","sg_event_id":"e1"}]"#;
        let mut req = WebhookRequest::post("https://example.com/sendgrid", body.to_vec());
        let ctx = SignContext {
            timestamp: 1000,
            id: String::new(),
        };
        SendGrid.sign(&mut req, &pair.private, &ctx).unwrap();
        assert!(
            SendGrid
                .verify(&req, &public, &VerifyOptions::at(1002))
                .is_valid()
        );
        assert_eq!(SendGrid.signed_at(&req), Some(1000));
        let mut modified = req.clone();
        let mut body = modified.body.to_vec();
        body[3] ^= 1;
        modified.body = body.into();
        assert_eq!(
            SendGrid.verify(&modified, &public, &VerifyOptions::at(1000)),
            Failure::mismatch(SIGNATURE).into()
        );
        assert!(
            SendGrid
                .verify(&req, &public, &VerifyOptions::at(1000 + 86_400))
                .is_valid(),
            "no window unless asked, as the provider's SDK"
        );
        assert_eq!(
            SendGrid.verify(&req, &public, &windowed(1301)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        assert_eq!(
            SendGrid.verify(&req, &public, &windowed(699)),
            Failure::Future {
                ahead: 301,
                tolerance: 300
            }
            .into()
        );
        let mut missing = req.clone();
        missing.headers.remove(TIMESTAMP);
        assert_eq!(
            SendGrid.verify(&missing, &public, &VerifyOptions::at(1000)),
            Failure::missing(TIMESTAMP).into()
        );
        let mut malformed = req.clone();
        malformed.headers.set(SIGNATURE, "bm90IGEgc2lnbmF0dXJl");
        assert!(matches!(
            SendGrid.verify(&malformed, &public, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn the_wrong_kind_of_key_is_named_and_never_shown() {
        let pair = SendGrid.keygen().unwrap();
        let sk = pair.private.expose().to_string();
        assert!(SendGrid.check_key(&pair.private, KeyRole::Sign).is_ok());
        assert!(
            SendGrid
                .check_key(&Secret::new(pair.public.clone()), KeyRole::Verify)
                .is_ok()
        );
        let cases = [
            (
                pair.public.clone(),
                KeyRole::Sign,
                "public verification key",
            ),
            (sk.clone(), KeyRole::Verify, "this is a private key"),
            ("not base64!".into(), KeyRole::Verify, "does not decode"),
            ("AAAA".into(), KeyRole::Verify, "not a P-256 public key"),
            ("AAAA".into(), KeyRole::Sign, "not a P-256 private key"),
        ];
        for (key, role, says) in cases {
            let err = SendGrid
                .check_key(&Secret::new(key.clone()), role)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{role:?}: {err}");
            assert!(!err.contains(&key), "{err} shows the key");
        }
    }

    #[test]
    fn detects_and_names_the_first_event() {
        let mut req = sdk_request();
        req.body = br#"[{"event":"open","sg_event_id":"a1"},{"event":"click","sg_event_id":"b2"}]"#
            .to_vec()
            .into();
        assert!(SendGrid.detect(&req.headers));
        assert!(!SendGrid.detect(&Headers::new()));
        assert_eq!(SendGrid.event_type(&req).as_deref(), Some("open"));
        assert_eq!(SendGrid.event_id(&req).as_deref(), Some("a1"));
        req.body = b"{}".to_vec().into();
        assert_eq!(SendGrid.event(&req), (None, None));
    }
}
