//! Standard Webhooks, asymmetric: `webhook-signature: v1a,SIG [v1a,SIG2 …]`,
//! the base64 Ed25519 signature of `id.TS.body` (as v1 signs), made with a
//! `whsk_` secret key; receivers hold the `whpk_` public key. Both are
//! base64: the secret key is the 32-byte seed, as the spec's reference
//! library (Go) reads and writes it; a 64-byte seed-and-public-key is also
//! accepted. Five minutes, as v1.

use ed25519_dalek::ed25519::signature::{MultipartSigner, MultipartVerifier};
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};

use super::crypto::{b64, b64_decode, check_window};
use super::standard::{Signed, header_prefix};
use super::*;

pub struct StandardV1a;

const TOLERANCE: u64 = 300;
const KEYGEN: &str = "`hookcli keygen --provider standard-v1a` prints a pair";

/// Refuses the key kinds that are not `want`, naming what was given.
fn refuse_other_kinds(text: &str, want: KeyRole) -> Result<(), Failure> {
    if text.starts_with("whsec_") {
        return Err(Failure::secret_format(
            "this is a v1 (HMAC) secret, whsec_; v1a uses an Ed25519 key pair, whsk_ and whpk_ (for whsec_ secrets use --provider standard)",
        ));
    }
    match want {
        KeyRole::Sign if text.starts_with("whpk_") => Err(Failure::secret_format(format!(
            "this is a public key (whpk_); signing needs the secret key (whsk_); {KEYGEN}"
        ))),
        KeyRole::Verify if text.starts_with("whsk_") => Err(Failure::secret_format(
            "this is the private key (whsk_, the secret key); a receiver verifies with the public key (whpk_), and the sender keeps whsk_ to itself",
        )),
        _ => Ok(()),
    }
}

fn decode(text: &str, prefix: &str) -> Result<Vec<u8>, Failure> {
    b64_decode(text.strip_prefix(prefix).unwrap_or(text)).ok_or_else(|| {
        Failure::secret_format(format!(
            "a v1a key is {prefix} followed by base64; this one does not decode as base64"
        ))
    })
}

/// The `whsk_` secret key: a 32-byte seed (or seed and public key, 64 bytes).
fn signing_key(secret: &Secret) -> Result<SigningKey, Failure> {
    let text = secret.expose().trim();
    refuse_other_kinds(text, KeyRole::Sign)?;
    let bytes = decode(text, "whsk_")?;
    if let Ok(seed) = <[u8; 32]>::try_from(bytes.as_slice()) {
        return Ok(SigningKey::from_bytes(&seed));
    }
    if let Ok(pair) = <[u8; 64]>::try_from(bytes.as_slice()) {
        return SigningKey::from_keypair_bytes(&pair).map_err(|_| {
            Failure::secret_format(
                "the 64-byte secret key's second half is not the public key of its first",
            )
        });
    }
    Err(Failure::secret_format(format!(
        "an Ed25519 secret key is 32 bytes (or 64: seed and public key); this one decodes to {} bytes",
        bytes.len()
    )))
}

/// The `whpk_` public key: 32 bytes.
fn verifying_key(secret: &Secret) -> Result<VerifyingKey, Failure> {
    let text = secret.expose().trim();
    refuse_other_kinds(text, KeyRole::Verify)?;
    let bytes = decode(text, "whpk_")?;
    let b = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        Failure::secret_format(format!(
            "an Ed25519 public key (whpk_) is 32 bytes; this one decodes to {} bytes",
            bytes.len()
        ))
    })?;
    VerifyingKey::from_bytes(&b)
        .map_err(|_| Failure::secret_format("this is not a valid Ed25519 public key"))
}

impl Provider for StandardV1a {
    fn name(&self) -> &'static str {
        "standard-v1a"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "standard-v1a",
            title: "Standard Webhooks (Ed25519, v1a)",
            signature_headers: vec!["webhook-signature".into()],
            scheme: "Ed25519 base64 of `id.TS.body` in `webhook-signature: v1a,SIG` (several allowed); signed with whsk_, verified with whpk_".into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(TOLERANCE),
            delivery_timeout_secs: Some(15),
            secret_hint: "the sender's dashboard: the endpoint's public key, starting with whpk_ (listen/verify); the secret key whsk_ signs (send/check)",
            docs: "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme",
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
            ("User-Agent".into(), "Standard-Webhooks".into()),
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
        let sig: Signature =
            key.multipart_sign(&[ctx.id.as_bytes(), b".", ts.as_bytes(), b".", &req.body]);
        req.headers.set("webhook-id", ctx.id.clone());
        req.headers.set("webhook-timestamp", ts);
        req.headers
            .set("webhook-signature", format!("v1a,{}", b64(&sig.to_bytes())));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let h = Signed::read(req)?;
            let key = verifying_key(secret)?;
            let candidates = h.candidates("v1a")?;
            let (ts, sig_h) = (h.ts, &h.signature_header);
            let signed: [&[u8]; 5] = [h.id.as_bytes(), b".", h.ts_text.as_bytes(), b".", &req.body];
            let matched = candidates
                .iter()
                .position(|c| {
                    b64_decode(c)
                        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
                        .is_some_and(|b| {
                            key.multipart_verify(&signed, &Signature::from_bytes(&b))
                                .is_ok()
                        })
                })
                .ok_or_else(|| Failure::mismatch(sig_h))?;
            check_window(ts, opts.now, self.tolerance(opts).unwrap_or(TOLERANCE))?;
            Ok(Verdict::valid(format!(
                "v1a signature {} of {} matches the public key, timestamp {} s old",
                matched + 1,
                candidates.len(),
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    /// Several `v1a,` signatures, space-separated, while a key is rolled.
    fn add_older_signature(&self, req: &mut WebhookRequest, older: &WebhookRequest) -> bool {
        let h = "webhook-signature";
        let (Some(new), Some(old)) = (req.headers.get_str(h), older.headers.get_str(h)) else {
            return false;
        };
        let merged = format!("{old} {new}");
        req.headers.set(h, merged);
        true
    }

    /// As Standard Webhooks: too far ahead is refused like too old.
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

    /// A `webhook-signature` with `v1a` signatures and no `v1` one.
    fn detect(&self, headers: &Headers) -> bool {
        standard::only_v1a(headers, "webhook")
    }

    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "type").or_else(|| json_str(req, "eventType"))
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        let p = header_prefix(&req.headers);
        req.headers.get_str(&format!("{p}-id")).map(str::to_string)
    }

    fn keygen(&self) -> Option<KeyPair> {
        let key = keys::ed25519_signing_key();
        Some(KeyPair {
            algorithm: "Ed25519",
            private: Secret::new(format!("whsk_{}", b64(&key.to_bytes()))),
            public: format!("whpk_{}", b64(&key.verifying_key().to_bytes())),
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

    /// The reference library's (Go) signing test: this key, id, time and
    /// body give exactly this v1a signature.
    const GO_KEY: &str = "VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk=";
    const GO_SIGNATURE: &str = "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag==";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;

    fn public() -> Secret {
        let key = signing_key(&Secret::new(GO_KEY)).unwrap();
        Secret::new(format!("whpk_{}", b64(&key.verifying_key().to_bytes())))
    }

    fn signed(key: &str) -> WebhookRequest {
        let mut req = WebhookRequest::post("http://x/", BODY.to_vec());
        let ctx = SignContext {
            timestamp: TS,
            id: ID.into(),
        };
        StandardV1a.sign(&mut req, &Secret::new(key), &ctx).unwrap();
        req
    }

    #[test]
    fn reference_library_vector() {
        for key in [GO_KEY.to_string(), format!("whsk_{GO_KEY}")] {
            let req = signed(&key);
            assert_eq!(req.headers.get_str("webhook-signature"), Some(GO_SIGNATURE));
        }
        let mut req = WebhookRequest::post("http://x/", BODY.to_vec());
        req.headers.append("webhook-id", ID);
        req.headers.append("webhook-timestamp", TS.to_string());
        req.headers.append("webhook-signature", GO_SIGNATURE);
        let v = StandardV1a.verify(&req, &public(), &VerifyOptions::at(TS));
        assert!(v.is_valid(), "{v:?}");
    }

    #[test]
    fn rotation_and_every_cause() {
        let req = signed(GO_KEY);
        let pk = public();
        let mut rotated = req.clone();
        rotated.headers.set(
            "webhook-signature",
            format!("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1a,AAAA {GO_SIGNATURE}"),
        );
        let v = StandardV1a.verify(&rotated, &pk, &VerifyOptions::at(TS));
        assert!(v.explain().contains("2 of 2"), "{v:?}");

        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            StandardV1a.verify(&modified, &pk, &VerifyOptions::at(TS)),
            Failure::mismatch("webhook-signature").into()
        );
        let other = Secret::new(StandardV1a.keygen().unwrap().public);
        assert_eq!(
            StandardV1a.verify(&req, &other, &VerifyOptions::at(TS)),
            Failure::mismatch("webhook-signature").into()
        );
        assert_eq!(
            StandardV1a.verify(&req, &pk, &VerifyOptions::at(TS + 301)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        assert_eq!(
            StandardV1a.verify(&req, &pk, &VerifyOptions::at(TS - 301)),
            Failure::Future {
                ahead: 301,
                tolerance: 300
            }
            .into()
        );
        let mut missing = req.clone();
        missing.headers.remove("webhook-id");
        assert_eq!(
            StandardV1a.verify(&missing, &pk, &VerifyOptions::at(TS)),
            Failure::missing("webhook-id").into()
        );
        let mut v1_only = req.clone();
        v1_only.headers.set(
            "webhook-signature",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
        assert!(matches!(
            StandardV1a.verify(&v1_only, &pk, &VerifyOptions::at(TS)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn the_wrong_kind_of_key_is_named_and_never_shown() {
        let pair = StandardV1a.keygen().unwrap();
        assert!(pair.private.expose().starts_with("whsk_"));
        assert!(pair.public.starts_with("whpk_"));
        let sk = pair.private.expose().to_string();
        let cases = [
            (
                pair.public.clone(),
                KeyRole::Sign,
                "this is a public key (whpk_)",
            ),
            (
                sk.clone(),
                KeyRole::Verify,
                "this is the private key (whsk_",
            ),
            (
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
                KeyRole::Sign,
                "v1 (HMAC) secret",
            ),
            (
                "whpk_not base64!".into(),
                KeyRole::Verify,
                "does not decode as base64",
            ),
            ("whpk_AAAA".into(), KeyRole::Verify, "decodes to 3 bytes"),
            ("whsk_AAAA".into(), KeyRole::Sign, "decodes to 3 bytes"),
        ];
        for (key, role, says) in cases {
            let err = StandardV1a
                .check_key(&Secret::new(key.clone()), role)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{role:?}: {err}");
            assert!(!err.contains(&key[5..]), "{err} shows the key");
        }
        assert!(StandardV1a.check_key(&pair.private, KeyRole::Sign).is_ok());
        assert!(
            StandardV1a
                .check_key(&Secret::new(pair.public), KeyRole::Verify)
                .is_ok()
        );
        // The 64-byte form (seed and public key) signs the same.
        let key = signing_key(&Secret::new(GO_KEY)).unwrap();
        let long = format!("whsk_{}", b64(&key.to_keypair_bytes()));
        assert_eq!(
            signed(&long).headers.get_str("webhook-signature"),
            Some(GO_SIGNATURE)
        );
    }

    #[test]
    fn detection_tells_v1a_from_v1() {
        let req = signed(GO_KEY);
        assert!(StandardV1a.detect(&req.headers));
        assert_eq!(detect_name(&req.headers), Some("standard-v1a"));
        let mut both = req.clone();
        both.headers.set(
            "webhook-signature",
            format!("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= {GO_SIGNATURE}"),
        );
        assert!(!StandardV1a.detect(&both.headers));
        assert_eq!(detect_name(&both.headers), Some("standard"));
        assert_eq!(StandardV1a.event_id(&req).as_deref(), Some(ID));
        let mut typed = req.clone();
        typed.body = br#"{"type":"invoice.paid"}"#.to_vec().into();
        assert_eq!(
            StandardV1a.event_type(&typed).as_deref(),
            Some("invoice.paid")
        );
    }
}
