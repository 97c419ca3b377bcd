//! Discord interactions: `X-Signature-Ed25519` (hex) is the Ed25519
//! signature of `X-Signature-Timestamp` followed by the body, made with the
//! application's private key; receivers hold its public key (64 hex
//! characters, "Public Key" in the Developer Portal). Discord documents no
//! timestamp window and its SDKs check none, so none applies unless
//! `--tolerance` sets one.
//!
//! Discord checks an endpoint before saving it by sending a signed PING
//! interaction (`{"type":1}`): the endpoint must answer 200 with the JSON
//! `{"type":1}` (PONG), and must refuse a bad signature with 401. `check`
//! sends the `ping` fixture as its `handshake` case.
//!
//! Webhook events (an app's Webhook Events URL) come signed the same way,
//! with their own outer `type`: 0 is that URL's PING (`webhook_ping`, to be
//! answered 204), 1 an event named by `event.type` (`ENTITLEMENT_CREATE`...).

use ed25519_dalek::ed25519::signature::{MultipartSigner, MultipartVerifier};
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use serde_json::Value;

use super::crypto::{check_window, parse_timestamp};
use super::handshake::shown;
use super::*;

pub struct Discord;

const SIGNATURE: &str = "X-Signature-Ed25519";
const TIMESTAMP: &str = "X-Signature-Timestamp";
const KEYGEN: &str = "`hookcli keygen --provider discord` prints a pair";

/// The answer to a PING must be a PONG: 2xx, JSON, `{"type":1}`.
fn judge(
    _req: &WebhookRequest,
    _secret: &Secret,
    answer: &HandshakeAnswer<'_>,
) -> Result<(), String> {
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "the PING got {}: Discord needs 200 with {{\"type\":1}}, or it refuses to save the Interactions Endpoint URL",
            answer.status
        ));
    }
    let pong = serde_json::from_slice::<serde_json::Value>(answer.body)
        .ok()
        .is_some_and(|v| v.get("type").and_then(|t| t.as_i64()) == Some(1));
    if !pong {
        return Err(format!(
            "the PING was answered {:?}: answer a type 1 interaction with the PONG {{\"type\":1}}",
            shown(answer.body)
        ));
    }
    let json = answer
        .content_type
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Err(format!(
            "the PONG came as {}: send it with Content-Type: application/json",
            answer.content_type.unwrap_or("no content type")
        ));
    }
    Ok(())
}

/// Interaction types, as Discord numbers them.
const TYPES: [(&str, &str); 5] = [
    ("1", "ping"),
    ("2", "application_command"),
    ("3", "message_component"),
    ("4", "application_command_autocomplete"),
    ("5", "modal_submit"),
];

/// The event name of the PING Discord sends to a Webhook Events URL
/// (`type` 0); `ping` is the interactions endpoint's PING (`type` 1).
const WEBHOOK_PING: &str = "webhook_ping";

/// What a signed body is: an interaction (its `type` number), or one of
/// the webhook events' payloads, whose `type` is 0 (PING) or 1 (an event,
/// described by the `event` object). Both come signed the same way.
enum Payload<'a> {
    Interaction(String),
    WebhookPing,
    WebhookEvent(&'a Value),
}

impl<'a> Payload<'a> {
    fn of(body: &'a Value) -> Option<Self> {
        let number = scalar(&body["type"])?;
        let event = &body["event"];
        Some(match number.as_str() {
            "0" => Payload::WebhookPing,
            "1" if event.is_object() => Payload::WebhookEvent(event),
            _ => Payload::Interaction(number),
        })
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Webhook events carry no id of their own: the event type, what it is
/// about (the entitlement's or message's id, else the user's, else the
/// application's) and when it happened (the event's microsecond timestamp;
/// for a PING, the signature's timestamp) name one.
fn webhook_id(body: &Value, kind: &str, when: Option<&str>) -> Option<String> {
    let data = &body["event"]["data"];
    let subject = scalar(&data["id"])
        .or_else(|| scalar(&data["user"]["id"]))
        .or_else(|| scalar(&body["application_id"]))?;
    Some(format!("{kind}:{subject}:{}", when.unwrap_or_default()))
}

fn hex_key(secret: &Secret) -> Result<Vec<u8>, Failure> {
    hex::decode(secret.expose().trim()).map_err(|_| {
        Failure::secret_format(format!(
            "a Discord key is hex: the public key is 64 hex characters, the private key 128; this one is not hex ({KEYGEN})"
        ))
    })
}

/// The application's public key: 32 bytes in hex.
fn verifying_key(secret: &Secret) -> Result<VerifyingKey, Failure> {
    let bytes = hex_key(secret)?;
    match <[u8; 32]>::try_from(bytes.as_slice()) {
        Ok(b) => VerifyingKey::from_bytes(&b)
            .map_err(|_| Failure::secret_format("this is not a valid Ed25519 public key")),
        Err(_) if bytes.len() == 64 => Err(Failure::secret_format(
            "this is a private key (128 hex characters); a receiver verifies with the application's public key (64 hex characters)",
        )),
        Err(_) => Err(Failure::secret_format(format!(
            "a Discord public key is 32 bytes (64 hex characters); this one has {} bytes",
            bytes.len()
        ))),
    }
}

/// The private key: the 32-byte seed and the 32-byte public key, in hex
/// (the 64-byte secret key of NaCl and tweetnacl).
fn signing_key(secret: &Secret) -> Result<SigningKey, Failure> {
    let bytes = hex_key(secret)?;
    match <[u8; 64]>::try_from(bytes.as_slice()) {
        Ok(b) => SigningKey::from_keypair_bytes(&b).map_err(|_| {
            Failure::secret_format(
                "the private key's second half is not the public key of its first: not a key pair",
            )
        }),
        Err(_) if bytes.len() == 32 => Err(Failure::secret_format(format!(
            "this is a public key (64 hex characters); signing needs the private key (128 hex characters: seed and public key); {KEYGEN}"
        ))),
        Err(_) => Err(Failure::secret_format(format!(
            "a Discord private key is 64 bytes (128 hex characters); this one has {} bytes; {KEYGEN}",
            bytes.len()
        ))),
    }
}

impl Provider for Discord {
    fn name(&self) -> &'static str {
        "discord"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "discord",
            title: "Discord (interactions, webhook events)",
            signature_headers: vec![SIGNATURE.into()],
            scheme: "Ed25519 of `TS + body`, hex in `X-Signature-Ed25519`, TS in `X-Signature-Timestamp`; verified with the application's public key (hex)".into(),
            timestamped: true,
            signs_body: true,
            // Documents no window, and its SDKs check none: stale ones pass
            // unless --tolerance asks (check warns about it).
            default_tolerance: None,
            delivery_timeout_secs: Some(3),
            secret_hint: "listen/verify: Developer Portal > your application > General Information > Public Key; send/check: a private key from `hookcli keygen --provider discord`",
            docs: "https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers",
        }
    }

    /// An interaction id: a snowflake.
    fn new_id(&self) -> String {
        crypto::random_string(crypto::Alphabet::Digits, 19)
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            (
                "User-Agent".into(),
                "Discord-Interactions/1.0 (+https://discord.com)".into(),
            ),
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
        req.headers.set(SIGNATURE, hex::encode(sig.to_bytes()));
        req.headers.set(TIMESTAMP, ts);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let value = required_header(req, SIGNATURE)?.trim();
            let ts_text = required_header(req, TIMESTAMP)?;
            let ts = parse_timestamp(TIMESTAMP, ts_text)?;
            let sig = hex::decode(value)
                .ok()
                .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
                .map(|b| Signature::from_bytes(&b))
                .ok_or_else(|| {
                    Failure::malformed(SIGNATURE, "not a signature of 128 hex characters")
                })?;
            let key = verifying_key(secret)?;
            key.multipart_verify(&[ts_text.as_bytes(), &req.body], &sig)
                .map_err(|_| Failure::mismatch(SIGNATURE))?;
            if let Some(tolerance) = self.tolerance(opts) {
                check_window(ts, opts.now, tolerance)?;
            }
            Ok(Verdict::valid(format!(
                "Ed25519 signature matches the public key, timestamp {} s old",
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        req.headers.get_str(TIMESTAMP)?.trim().parse().ok()
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(SIGNATURE)
    }

    /// The interaction type by its name (`ping`, `application_command`,
    /// ...), or the webhook event's type (`ENTITLEMENT_CREATE`, ...), or
    /// `webhook_ping` for the webhook events URL's PING.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        self.event(req).0
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        self.event(req).1
    }

    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return (None, None);
        };
        match Payload::of(&body) {
            Some(Payload::Interaction(number)) => (
                Some(
                    TYPES
                        .iter()
                        .find(|(n, _)| *n == number)
                        .map(|(_, name)| name.to_string())
                        .unwrap_or(number),
                ),
                scalar(&body["id"]),
            ),
            Some(Payload::WebhookPing) => (
                Some(WEBHOOK_PING.into()),
                webhook_id(&body, "PING", req.headers.get_str(TIMESTAMP)),
            ),
            Some(Payload::WebhookEvent(event)) => {
                let kind = scalar(&event["type"]).unwrap_or_else(|| "event".into());
                let id = webhook_id(&body, &kind, event["timestamp"].as_str());
                (Some(kind), id)
            }
            None => (None, scalar(&body["id"])),
        }
    }

    fn keygen(&self) -> Option<KeyPair> {
        let key = keys::ed25519_signing_key();
        Some(KeyPair {
            algorithm: "Ed25519",
            private: Secret::new(hex::encode(key.to_keypair_bytes())),
            public: hex::encode(key.verifying_key().to_bytes()),
        })
    }

    fn check_key(&self, secret: &Secret, role: KeyRole) -> Result<(), Failure> {
        match role {
            KeyRole::Sign => signing_key(secret).map(drop),
            KeyRole::Verify => verifying_key(secret).map(drop),
        }
    }

    fn handshake(&self) -> Option<Handshake> {
        Some(Handshake {
            event: "ping",
            expected: "200, JSON {\"type\":1}",
            judge,
        })
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

    /// RFC 8032 section 7.1, test 1: the secret key, its public key, and the
    /// signature of the empty message.
    const RFC_SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const RFC_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn private() -> Secret {
        Secret::new(format!("{RFC_SEED}{RFC_PUBLIC}"))
    }

    fn signed(body: &[u8], ts: i64) -> WebhookRequest {
        let mut req = WebhookRequest::post("https://example.com/interactions", body.to_vec());
        let ctx = SignContext {
            timestamp: ts,
            id: "1".into(),
        };
        Discord.sign(&mut req, &private(), &ctx).unwrap();
        req
    }

    /// Discord publishes no example; the scheme is plain Ed25519, so pin
    /// RFC 8032's test 1 (the empty message) through the same signer.
    #[test]
    fn rfc8032_vector_through_the_signer() {
        let key = signing_key(&private()).unwrap();
        let sig: Signature = key.multipart_sign(&[b"", b""]);
        assert_eq!(
            hex::encode(sig.to_bytes()),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert_eq!(hex::encode(key.verifying_key().to_bytes()), RFC_PUBLIC);
    }

    #[test]
    fn round_trip_and_every_cause() {
        let public = Secret::new(RFC_PUBLIC);
        let body = br#"{"type":1,"id":"1249561010425184286"}"#;
        let req = signed(body, 1000);
        assert_eq!(req.headers.get_str(TIMESTAMP), Some("1000"));
        assert_eq!(req.headers.get_str(SIGNATURE).unwrap().len(), 128);
        assert!(
            Discord
                .verify(&req, &public, &VerifyOptions::at(1003))
                .is_valid()
        );
        assert_eq!(Discord.signed_at(&req), Some(1000));

        let mut modified = req.clone();
        modified.body = [&modified.body[..], b" "].concat().into();
        assert_eq!(
            Discord.verify(&modified, &public, &VerifyOptions::at(1000)),
            Failure::mismatch(SIGNATURE).into()
        );
        let mut moved = req.clone();
        moved.headers.set(TIMESTAMP, "1001");
        assert_eq!(
            Discord.verify(&moved, &public, &VerifyOptions::at(1000)),
            Failure::mismatch(SIGNATURE).into()
        );
        let other = Discord.keygen().unwrap().public;
        assert_eq!(
            Discord.verify(&req, &Secret::new(other), &VerifyOptions::at(1000)),
            Failure::mismatch(SIGNATURE).into()
        );
        assert!(
            Discord
                .verify(&req, &public, &VerifyOptions::at(1000 + 86_400))
                .is_valid(),
            "no window unless asked, as the provider's SDK"
        );
        assert_eq!(
            Discord.verify(&req, &public, &windowed(1301)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        assert_eq!(
            Discord.verify(&req, &public, &windowed(699)),
            Failure::Future {
                ahead: 301,
                tolerance: 300
            }
            .into()
        );
        let mut missing = req.clone();
        missing.headers.remove(SIGNATURE);
        assert_eq!(
            Discord.verify(&missing, &public, &VerifyOptions::at(1000)),
            Failure::missing(SIGNATURE).into()
        );
        let mut malformed = req.clone();
        malformed.headers.set(SIGNATURE, "abcd");
        assert!(matches!(
            Discord.verify(&malformed, &public, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn the_wrong_kind_of_key_is_named_and_never_shown() {
        let pair = Discord.keygen().unwrap();
        assert_eq!(pair.public.len(), 64);
        assert_eq!(pair.private.expose().len(), 128);
        assert!(Discord.check_key(&pair.private, KeyRole::Sign).is_ok());
        assert!(
            Discord
                .check_key(&Secret::new(pair.public.clone()), KeyRole::Verify)
                .is_ok()
        );
        let cases = [
            (pair.public.clone(), KeyRole::Sign, "this is a public key"),
            (
                pair.private.expose().to_string(),
                KeyRole::Verify,
                "this is a private key",
            ),
            ("not hex at all".into(), KeyRole::Verify, "not hex"),
            ("abcd".into(), KeyRole::Verify, "this one has 2 bytes"),
            (
                format!("{RFC_SEED}{}", "00".repeat(32)),
                KeyRole::Sign,
                "not a key pair",
            ),
        ];
        for (key, role, says) in cases {
            let err = Discord
                .check_key(&Secret::new(key.clone()), role)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{role:?}: {err}");
            assert!(!err.contains(&key), "{err} shows the key");
        }
        // Verifying with the private key is refused, not silently accepted.
        let req = signed(b"{}", 5);
        assert!(matches!(
            Discord.verify(&req, &private(), &VerifyOptions::at(5)),
            Verdict::Invalid {
                failure: Failure::SecretFormat { .. }
            }
        ));
    }

    #[test]
    fn detects_and_names_interactions() {
        let req = signed(br#"{"type":2,"id":"1249561010425184286"}"#, 1);
        assert!(Discord.detect(&req.headers));
        assert!(!Discord.detect(&Headers::new()));
        assert_eq!(
            Discord.event_type(&req).as_deref(),
            Some("application_command")
        );
        assert_eq!(
            Discord.event_id(&req).as_deref(),
            Some("1249561010425184286")
        );
        let ping = signed(br#"{"type":1,"id":"2"}"#, 1);
        assert_eq!(Discord.event_type(&ping).as_deref(), Some("ping"));
    }

    /// Webhook events: the outer type 0 is the URL's PING, 1 an event
    /// named by `event.type`; Discord's own examples.
    #[test]
    fn names_webhook_events_apart_from_interactions() {
        let ping = signed(
            br#"{"version":1,"application_id":"1234560123453231555","type":0}"#,
            1_700_000_000,
        );
        assert_eq!(Discord.event_type(&ping).as_deref(), Some(WEBHOOK_PING));
        assert_eq!(
            Discord.event_id(&ping).as_deref(),
            Some("PING:1234560123453231555:1700000000")
        );
        let entitlement = signed(
            br#"{"version":1,"application_id":"1234560123453231555","type":1,"event":{"type":"ENTITLEMENT_CREATE","timestamp":"2024-10-18T18:41:21.109604","data":{"application_id":"1234560123453231555","consumed":false,"deleted":false,"gift_code_flags":0,"id":"1234505980407808808","promotion_id":null,"sku_id":"123489045643835123","type":4,"user_id":"111178765189277770"}}}"#,
            1,
        );
        assert_eq!(
            Discord.event(&entitlement),
            (
                Some("ENTITLEMENT_CREATE".into()),
                Some("ENTITLEMENT_CREATE:1234505980407808808:2024-10-18T18:41:21.109604".into())
            )
        );
        let authorized = signed(
            br#"{"version":1,"application_id":"1234560123453231555","type":1,"event":{"type":"APPLICATION_AUTHORIZED","timestamp":"2024-10-18T14:42:53.064834","data":{"integration_type":1,"scopes":["applications.commands"],"user":{"id":"111178765189277770"}}}}"#,
            1,
        );
        assert_eq!(
            Discord.event(&authorized),
            (
                Some("APPLICATION_AUTHORIZED".into()),
                Some("APPLICATION_AUTHORIZED:111178765189277770:2024-10-18T14:42:53.064834".into())
            )
        );
        let quest = signed(
            br#"{"version":1,"application_id":"1234560123453231555","type":1,"event":{"type":"QUEST_USER_ENROLLMENT","timestamp":"2024-10-18T14:42:53.064834"}}"#,
            1,
        );
        assert_eq!(
            Discord.event_id(&quest).as_deref(),
            Some("QUEST_USER_ENROLLMENT:1234560123453231555:2024-10-18T14:42:53.064834")
        );
        // An interaction PING has type 1 too, but no `event`.
        let interaction = signed(br#"{"type":1,"id":"2","application_id":"3"}"#, 1);
        assert_eq!(
            Discord.event(&interaction),
            (Some("ping".into()), Some("2".into()))
        );
    }

    #[test]
    fn handshake_judge() {
        let judge = Discord.handshake().unwrap().judge;
        let req = WebhookRequest::post("https://example.com/i", br#"{"type":1}"#.to_vec());
        let s = Secret::new("");
        let answer = |status, ct: Option<&'static str>, body: &'static [u8]| {
            judge(
                &req,
                &s,
                &HandshakeAnswer {
                    status,
                    content_type: ct,
                    body,
                },
            )
        };
        let json = Some("application/json");
        assert_eq!(answer(200, json, br#"{"type":1}"#), Ok(()));
        assert_eq!(
            answer(
                200,
                Some("application/json; charset=utf-8"),
                b"{\"type\": 1}\n"
            ),
            Ok(())
        );
        assert!(
            answer(401, json, br#"{"type":1}"#)
                .unwrap_err()
                .contains("401")
        );
        assert!(
            answer(200, json, br#"{"type":4}"#)
                .unwrap_err()
                .contains("PONG")
        );
        assert!(answer(200, json, b"ok").unwrap_err().contains("PONG"));
        assert!(
            answer(200, Some("text/plain"), br#"{"type":1}"#)
                .unwrap_err()
                .contains("application/json")
        );
    }
}
