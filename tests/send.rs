//! `hookcli send` end to end: the real binary against a real receiver whose
//! signature checks are written here, from the providers' documentation,
//! independently of hookcli's own provider code.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{Hit, ReceivedRequest, Receiver, Run, hookcli, run};

/// The environment variable every send reads its secret from.
const SECRET_VAR: &str = "HOOKCLI_TEST_SIGNING_SECRET";

/// Every provider the receiver below knows how to verify.
const PROVIDERS: [&str; 28] = [
    "stripe",
    "github",
    "shopify",
    "slack",
    "twilio",
    "gitlab",
    "standard",
    "svix",
    "hmac",
    "paddle",
    "sentry",
    "linear",
    "bitbucket",
    "pagerduty",
    "typeform",
    "intercom",
    "zapier",
    "mailgun",
    "square",
    "zoom",
    "twitch",
    "hubspot",
    "calendly",
    "clerk",
    "resend",
    "discord",
    "standard-v1a",
    "sendgrid",
];

const TAMPERS: [&str; 8] = [
    "bad-signature",
    "missing-signature",
    "malformed-signature",
    "truncated-signature",
    "stale-timestamp",
    "future-timestamp",
    "body-modified",
    "wrong-content-type",
];

/// One distinct secret per provider, in the provider's usual shape.
pub(crate) fn secret_for(provider: &str) -> &'static str {
    match provider {
        "stripe" => "whsec_stripeTestSecret_0123456789abcdefABCDEF",
        "github" => "It's a Secret to Everybody (github)",
        "shopify" => "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",
        "slack" => "8f742231b10e8888abcd99yyyzzz85a5",
        "twilio" => "twilio-auth-token-12345abcdef67890",
        "gitlab" => "gitlab-secret-token-Zq8Lr2",
        // base64 of "standard-webhooks-test-key-0032b"
        "standard" => "whsec_c3RhbmRhcmQtd2ViaG9va3MtdGVzdC1rZXktMDAzMmI=",
        // base64 of "svix-webhooks-test-signing-key!!"
        "svix" => "whsec_c3ZpeC13ZWJob29rcy10ZXN0LXNpZ25pbmcta2V5ISE=",
        "hmac" => "custom-hmac-secret-7f3a",
        "paddle" => "pdl_ntfset_01hv8x0test0destination0key_Q2hI4nTt3sT",
        "sentry" => "3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a",
        "linear" => "lin_wh_testSigningSecret0123456789abcdefXYZ",
        "bitbucket" => "bitbucket-webhook-secret-Jq7Rt2Wm",
        "pagerduty" => "pdTestSecret+9Xc2Lk4Mv6Nb8Qw0Er3Ty5Ui7Op1As3Df5Gh7Jk9LzXcVbNm1Q2",
        "typeform" => "typeform-webhook-secret-Hs4Vn8Pd",
        "intercom" => "intercom-client-secret-3e7b91fa0c",
        // Zapier signs nothing; the secret is passed and must be ignored.
        "zapier" => "zapier-has-no-secret",
        "mailgun" => "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
        "square" => "Ibxx_5AKakO-3qeNVR61Dw",
        "zoom" => "zoom-secret-token-Wm2Qx8Lr4Tn6",
        "twitch" => "twitch-eventsub-secret-9f8e7d6c5b",
        "hubspot" => "hubspot-client-secret-1a2b3c4d-5e6f",
        "calendly" => "calendly-signing-key-Vb7Nm3Qw9Er1",
        // base64 of "clerk-svix-signing-key-for-tests"
        "clerk" => "whsec_Y2xlcmstc3ZpeC1zaWduaW5nLWtleS1mb3ItdGVzdHM=",
        // base64 of "resend-svix-signing-key-for-test"
        "resend" => "whsec_cmVzZW5kLXN2aXgtc2lnbmluZy1rZXktZm9yLXRlc3Q=",
        // Asymmetric schemes: send signs with the private key. These pairs
        // were made with OpenSSL, not hookcli (see public_key_for).
        // Ed25519 seed and public key, hex (the NaCl 64-byte secret key).
        "discord" => {
            "7cc6d7c3d1989e4432e2bbbe6f20f9a459c865acdbfb473e5b439484ccad742ab650a7035981c8540c68dd554c17f48f5dc777b62fdfef5e44bf7aee4f5fa5f3"
        }
        // The Ed25519 seed, base64.
        "standard-v1a" => "whsk_CggaN1+HTxeEhvL8WsXeIN8IY0883pM6aZrG7uS+5uo=",
        // PKCS#8 DER of a P-256 key, base64.
        "sendgrid" => {
            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0Gzk9GxGpP14TPr/UWOJTyDBOk7PkXU1wykv6GQIwtChRANCAAT8tKA2ZmGYPsIQyGcPq9EAkzaVnxr9n7/Y8jraGdta0hjPVkbVvVmUflUwO3NUgDnmok8caA5qpsgFSje0chiv"
        }
        other => panic!("no test secret for provider {other}"),
    }
}

/// The public key a receiver of an asymmetric scheme holds, in the
/// provider's encoding (`openssl pkey -pubout` of the keys above).
pub(crate) fn public_key_for(provider: &str) -> &'static str {
    match provider {
        "discord" => "b650a7035981c8540c68dd554c17f48f5dc777b62fdfef5e44bf7aee4f5fa5f3",
        "standard-v1a" => "whpk_SdY63tqcY2ik/b7azIeCJif2eTj32xheSvArOQn/HTc=",
        // A DER SubjectPublicKeyInfo, base64, as SendGrid shows its verification key.
        "sendgrid" => {
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/LSgNmZhmD7CEMhnD6vRAJM2lZ8a/Z+/2PI62hnbWtIYz1ZG1b1ZlH5VMDtzVIA55qJPHGgOaqbIBUo3tHIYrw=="
        }
        other => panic!("{other} has no public key"),
    }
}

/// Checks an asymmetric signature with ring (not the RustCrypto code hookcli
/// signs with): Ed25519, or ECDSA P-256 SHA-256 with an ASN.1 DER signature.
pub(crate) fn ring_ok(
    alg: &'static dyn ring::signature::VerificationAlgorithm,
    key: &[u8],
    parts: &[&[u8]],
    sig: &[u8],
) -> bool {
    ring::signature::UnparsedPublicKey::new(alg, key)
        .verify(&parts.concat(), sig)
        .is_ok()
}

/// The uncompressed point inside a P-256 SubjectPublicKeyInfo (ring takes
/// the point itself): the DER prefix is fixed for this curve.
pub(crate) fn p256_point(spki: &[u8]) -> &[u8] {
    const PREFIX: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
    assert_eq!(
        hex::encode(&spki[..26]),
        PREFIX,
        "not a P-256 SubjectPublicKeyInfo"
    );
    &spki[26..]
}

/// Whether the provider puts a timestamp under its signature.
fn timestamped(provider: &str) -> bool {
    matches!(
        provider,
        "stripe"
            | "slack"
            | "standard"
            | "svix"
            | "paddle"
            | "linear"
            | "mailgun"
            | "zoom"
            | "twitch"
            | "hubspot"
            | "calendly"
            | "clerk"
            | "resend"
            | "discord"
            | "standard-v1a"
            | "sendgrid"
    )
}

/// Whether the provider's signature covers the body.
fn signs_body(provider: &str) -> bool {
    // Mailgun signs only timestamp + token; Zapier signs nothing.
    !matches!(provider, "gitlab" | "mailgun" | "zapier")
}

/// Whether the provider signs its deliveries at all.
fn signed(provider: &str) -> bool {
    provider != "zapier"
}

/// Headers that carry the provider's signature (lowercase).
fn signature_headers(provider: &str) -> &'static [&'static str] {
    match provider {
        "stripe" => &["stripe-signature"],
        "github" => &["x-hub-signature-256", "x-hub-signature"],
        "shopify" => &["x-shopify-hmac-sha256"],
        "slack" => &["x-slack-signature"],
        "twilio" => &["x-twilio-signature"],
        "gitlab" => &["x-gitlab-token"],
        "standard" => &["webhook-signature"],
        "svix" => &["svix-signature"],
        "hmac" => &["x-signature"],
        "paddle" => &["paddle-signature"],
        "sentry" => &["sentry-hook-signature"],
        "linear" => &["linear-signature"],
        "bitbucket" => &["x-hub-signature"],
        "pagerduty" => &["x-pagerduty-signature"],
        "typeform" => &["typeform-signature"],
        "intercom" => &["x-hub-signature"],
        "zapier" => &[],
        // In the body, not a header.
        "mailgun" => &[],
        "square" => &["x-square-hmacsha256-signature"],
        "zoom" => &["x-zm-signature"],
        "twitch" => &["twitch-eventsub-message-signature"],
        "hubspot" => &["x-hubspot-signature-v3", "x-hubspot-signature"],
        "calendly" => &["calendly-webhook-signature"],
        "clerk" | "resend" => &["svix-signature"],
        "discord" => &["x-signature-ed25519"],
        "standard-v1a" => &["webhook-signature"],
        "sendgrid" => &["x-twilio-email-event-webhook-signature"],
        other => panic!("unknown provider {other}"),
    }
}

// ---------------------------------------------------------------------------
// The independent receiver
// ---------------------------------------------------------------------------

const TOLERANCE: i64 = 300;

/// Why a signature was refused: the first word of the 401 answer.
#[derive(Debug)]
struct Refusal {
    reason: &'static str,
    detail: String,
}

fn refuse(reason: &'static str, detail: impl Into<String>) -> Refusal {
    Refusal {
        reason,
        detail: detail.into(),
    }
}

fn missing(header: &str) -> Refusal {
    refuse("missing", format!("no {header} header"))
}

fn malformed(detail: impl Into<String>) -> Refusal {
    refuse("malformed", detail)
}

fn mismatch(detail: impl Into<String>) -> Refusal {
    refuse("mismatch", detail)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Constant-time check of an HMAC over the concatenation of `parts`.
fn mac_ok<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(tag).is_ok()
}

type HmacSha256 = Hmac<Sha256>;
type HmacSha1 = Hmac<sha1::Sha1>;

fn within_tolerance(ts: &str) -> Result<(), Refusal> {
    within(ts, TOLERANCE)
}

/// Checks a Unix-seconds timestamp against a tolerance of its own.
fn within(ts: &str, tolerance: i64) -> Result<(), Refusal> {
    let ts: i64 = ts
        .trim()
        .parse()
        .map_err(|_| malformed(format!("timestamp {ts:?} is not a number")))?;
    let age = now() - ts;
    if age > tolerance {
        Err(refuse("stale", format!("signed {age} s ago")))
    } else if -age > tolerance {
        Err(refuse("future", format!("signed {} s in the future", -age)))
    } else {
        Ok(())
    }
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

/// Mailgun's check, in either shape: the hex signature is HMAC-SHA256 of
/// timestamp + token, and the timestamp is recent.
fn mailgun_signed(secret: &str, given: &str, ts: &str, token: &str) -> Result<(), Refusal> {
    let tag = hex::decode(given).map_err(|_| malformed("not hex"))?;
    if !mac_ok::<HmacSha256>(secret.as_bytes(), &[ts.as_bytes(), token.as_bytes()], &tag) {
        return Err(mismatch("the signature does not match"));
    }
    within_tolerance(ts)
}

/// Checks a request's signature the way the provider documents it.
fn verify(provider: &str, req: &ReceivedRequest, secret: &str) -> Result<(), Refusal> {
    let body = req.body.as_slice();
    match provider {
        // https://docs.stripe.com/webhooks#verify-manually
        "stripe" => {
            let header = req
                .header("stripe-signature")
                .ok_or_else(|| missing("Stripe-Signature"))?;
            let mut t = None;
            let mut v1 = Vec::new();
            for item in header.split(',') {
                let (k, v) = item
                    .split_once('=')
                    .ok_or_else(|| malformed(format!("{item:?} is not key=value")))?;
                match k.trim() {
                    "t" => t = Some(v.trim()),
                    "v1" => v1.push(v.trim()),
                    _ => {}
                }
            }
            let t = t.ok_or_else(|| malformed("no t= in Stripe-Signature"))?;
            if v1.is_empty() {
                return Err(malformed("no v1= in Stripe-Signature"));
            }
            let signed: [&[u8]; 3] = [t.as_bytes(), b".", body];
            let ok = v1.iter().any(|sig| {
                hex::decode(sig)
                    .is_ok_and(|tag| mac_ok::<HmacSha256>(secret.as_bytes(), &signed, &tag))
            });
            if !ok {
                return Err(mismatch("no v1 signature matches"));
            }
            within_tolerance(t)
        }
        // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
        "github" => {
            let header = req
                .header("x-hub-signature-256")
                .ok_or_else(|| missing("X-Hub-Signature-256"))?;
            let hexsig = header
                .strip_prefix("sha256=")
                .ok_or_else(|| malformed("X-Hub-Signature-256 lacks sha256="))?;
            let tag = hex::decode(hexsig).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("X-Hub-Signature-256 does not match"));
            }
            if let Some(legacy) = req.header("x-hub-signature") {
                let hexsig = legacy
                    .strip_prefix("sha1=")
                    .ok_or_else(|| malformed("X-Hub-Signature lacks sha1="))?;
                let tag = hex::decode(hexsig).map_err(|_| malformed("not hex"))?;
                if !mac_ok::<HmacSha1>(secret.as_bytes(), &[body], &tag) {
                    return Err(mismatch("X-Hub-Signature (SHA-1) does not match"));
                }
            }
            Ok(())
        }
        // https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
        "shopify" => {
            let header = req
                .header("x-shopify-hmac-sha256")
                .ok_or_else(|| missing("X-Shopify-Hmac-Sha256"))?;
            let tag = B64
                .decode(header.trim())
                .map_err(|_| malformed("not base64"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("X-Shopify-Hmac-Sha256 does not match"));
            }
            Ok(())
        }
        // https://api.slack.com/authentication/verifying-requests-from-slack
        "slack" => {
            let sig = req
                .header("x-slack-signature")
                .ok_or_else(|| missing("X-Slack-Signature"))?;
            let ts = req
                .header("x-slack-request-timestamp")
                .ok_or_else(|| missing("X-Slack-Request-Timestamp"))?;
            let hexsig = sig
                .strip_prefix("v0=")
                .ok_or_else(|| malformed("X-Slack-Signature lacks v0="))?;
            let tag = hex::decode(hexsig).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(
                secret.as_bytes(),
                &[b"v0:", ts.as_bytes(), b":", body],
                &tag,
            ) {
                return Err(mismatch("X-Slack-Signature does not match"));
            }
            within_tolerance(ts)
        }
        // https://www.twilio.com/docs/usage/webhooks/webhooks-security
        "twilio" => {
            let sig = req
                .header("x-twilio-signature")
                .ok_or_else(|| missing("X-Twilio-Signature"))?;
            let tag = B64
                .decode(sig.trim())
                .map_err(|_| malformed("not base64"))?;
            let mut params = form_pairs(body);
            params.sort();
            let mut signed = req.url();
            for (name, value) in &params {
                signed.push_str(name);
                signed.push_str(value);
            }
            if !mac_ok::<HmacSha1>(secret.as_bytes(), &[signed.as_bytes()], &tag) {
                return Err(mismatch("X-Twilio-Signature does not match"));
            }
            Ok(())
        }
        // https://docs.gitlab.com/user/project/integrations/webhooks/
        "gitlab" => {
            let token = req
                .header("x-gitlab-token")
                .ok_or_else(|| missing("X-Gitlab-Token"))?;
            if token.as_bytes() != secret.as_bytes() {
                return Err(mismatch("X-Gitlab-Token is not the secret token"));
            }
            Ok(())
        }
        // https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
        // Clerk and Resend deliver through Svix: its headers and scheme.
        "standard" | "svix" | "clerk" | "resend" => {
            let prefix = if provider == "standard" {
                "webhook"
            } else {
                "svix"
            };
            let get = |name: &str| {
                let full = format!("{prefix}-{name}");
                req.header(&full).ok_or_else(|| missing(&full))
            };
            let sigs = get("signature")?;
            let id = get("id")?;
            let ts = get("timestamp")?;
            let key = B64
                .decode(secret.strip_prefix("whsec_").expect("a whsec_ test secret"))
                .expect("a base64 test secret");
            let signed: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", body];
            let mut any_v1 = false;
            let mut ok = false;
            for sig in sigs.split_whitespace() {
                if let Some(b64) = sig.strip_prefix("v1,") {
                    any_v1 = true;
                    ok |= B64
                        .decode(b64)
                        .is_ok_and(|tag| mac_ok::<HmacSha256>(&key, &signed, &tag));
                }
            }
            if !any_v1 {
                return Err(malformed("no v1, signature"));
            }
            if !ok {
                return Err(mismatch("no v1 signature matches"));
            }
            within_tolerance(ts)
        }
        // hookcli's custom HMAC defaults: X-Signature, hex HMAC-SHA256 of the body.
        "hmac" => {
            let sig = req
                .header("x-signature")
                .ok_or_else(|| missing("X-Signature"))?;
            let tag = hex::decode(sig.trim()).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("X-Signature does not match"));
            }
            Ok(())
        }
        // https://developer.paddle.com/webhooks/signature-verification
        "paddle" => {
            let header = req
                .header("paddle-signature")
                .ok_or_else(|| missing("Paddle-Signature"))?;
            let mut ts = None;
            let mut h1 = Vec::new();
            for item in header.split(';') {
                match item.split_once('=') {
                    Some(("ts", v)) => ts = Some(v),
                    Some(("h1", v)) => h1.push(v),
                    _ => return Err(malformed(format!("{item:?} is not key=value"))),
                }
            }
            let ts = ts.ok_or_else(|| malformed("no ts= in Paddle-Signature"))?;
            if h1.is_empty() {
                return Err(malformed("no h1= in Paddle-Signature"));
            }
            let signed: [&[u8]; 3] = [ts.as_bytes(), b":", body];
            let ok = h1.iter().any(|sig| {
                hex::decode(sig)
                    .is_ok_and(|tag| mac_ok::<HmacSha256>(secret.as_bytes(), &signed, &tag))
            });
            if !ok {
                return Err(mismatch("no h1 signature matches"));
            }
            // Paddle's SDKs allow five seconds.
            within(ts, 5)
        }
        // https://docs.sentry.io/integrations/integration-platform/webhooks/
        "sentry" => {
            let sig = req
                .header("sentry-hook-signature")
                .ok_or_else(|| missing("Sentry-Hook-Signature"))?;
            let tag = hex::decode(sig.trim()).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("Sentry-Hook-Signature does not match"));
            }
            Ok(())
        }
        // https://linear.app/developers/webhooks#securing-webhooks
        "linear" => {
            let sig = req
                .header("linear-signature")
                .ok_or_else(|| missing("Linear-Signature"))?;
            let tag = hex::decode(sig.trim()).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("Linear-Signature does not match"));
            }
            let ms = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|doc| doc["webhookTimestamp"].as_i64())
                .ok_or_else(|| malformed("no webhookTimestamp in the body"))?;
            // Linear's SDK allows a minute.
            within(&(ms / 1000).to_string(), 60)
        }
        // https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/
        // ("Secure webhooks"): sha256= and the hex HMAC-SHA256 of the body.
        "bitbucket" => {
            let header = req
                .header("x-hub-signature")
                .ok_or_else(|| missing("X-Hub-Signature"))?;
            let sig = header
                .trim()
                .strip_prefix("sha256=")
                .ok_or_else(|| malformed("X-Hub-Signature is not sha256="))?;
            let tag = hex::decode(sig).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("X-Hub-Signature does not match"));
            }
            Ok(())
        }
        // https://developer.pagerduty.com/docs/verifying-webhook-signatures:
        // comma-separated v1= hex HMAC-SHA256s of the body, any may match.
        "pagerduty" => {
            let header = req
                .header("x-pagerduty-signature")
                .ok_or_else(|| missing("X-PagerDuty-Signature"))?;
            let tags: Vec<Vec<u8>> = header
                .split(',')
                .filter_map(|item| item.trim().strip_prefix("v1="))
                .filter_map(|sig| hex::decode(sig).ok())
                .collect();
            if tags.is_empty() {
                return Err(malformed("no v1= signature in X-PagerDuty-Signature"));
            }
            if !tags
                .iter()
                .any(|tag| mac_ok::<HmacSha256>(secret.as_bytes(), &[body], tag))
            {
                return Err(mismatch("no v1 signature matches"));
            }
            Ok(())
        }
        // https://www.typeform.com/developers/webhooks/secure-your-webhooks/:
        // sha256= and the base64 HMAC-SHA256 of the body.
        "typeform" => {
            let header = req
                .header("typeform-signature")
                .ok_or_else(|| missing("Typeform-Signature"))?;
            let sig = header
                .trim()
                .strip_prefix("sha256=")
                .ok_or_else(|| malformed("Typeform-Signature is not sha256="))?;
            let tag = B64.decode(sig).map_err(|_| malformed("not base64"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("Typeform-Signature does not match"));
            }
            Ok(())
        }
        // https://developers.intercom.com/docs/references/webhooks/webhook-models
        // (signed notifications): sha1= and the hex HMAC-SHA1 of the body,
        // keyed with the app's client secret.
        "intercom" => {
            let header = req
                .header("x-hub-signature")
                .ok_or_else(|| missing("X-Hub-Signature"))?;
            let sig = header
                .trim()
                .strip_prefix("sha1=")
                .ok_or_else(|| malformed("X-Hub-Signature is not sha1="))?;
            let tag = hex::decode(sig).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha1>(secret.as_bytes(), &[body], &tag) {
                return Err(mismatch("X-Hub-Signature does not match"));
            }
            Ok(())
        }
        // Zapier's webhook action signs nothing: nothing to check.
        "zapier" => Ok(()),
        // https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks:
        // hex HMAC-SHA256 of timestamp + token, all in the body's signature object;
        // a route's form post (receive-http) carries the three as form fields.
        "mailgun" if media_type(req) == "application/x-www-form-urlencoded" => {
            let pairs = form_pairs(body);
            let field = |name: &str| -> Result<String, Refusal> {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| missing(name))
            };
            mailgun_signed(
                secret,
                &field("signature")?,
                &field("timestamp")?,
                &field("token")?,
            )
        }
        "mailgun" => {
            let doc: Value =
                serde_json::from_slice(body).map_err(|_| malformed("the body is not JSON"))?;
            let sig = doc
                .get("signature")
                .ok_or_else(|| missing("signature object"))?;
            let field = |name: &str| -> Result<String, Refusal> {
                match sig.get(name) {
                    Some(Value::String(s)) => Ok(s.clone()),
                    Some(Value::Number(n)) => Ok(n.to_string()),
                    Some(_) => Err(malformed(format!("signature.{name} is not text"))),
                    None => Err(missing(&format!("signature.{name}"))),
                }
            };
            mailgun_signed(
                secret,
                &field("signature")?,
                &field("timestamp")?,
                &field("token")?,
            )
        }
        // https://developer.squareup.com/docs/webhooks/step3validate:
        // base64 HMAC-SHA256 of the notification URL followed by the body.
        "square" => {
            let sig = req
                .header("x-square-hmacsha256-signature")
                .ok_or_else(|| missing("x-square-hmacsha256-signature"))?;
            let tag = B64
                .decode(sig.trim())
                .map_err(|_| malformed("not base64"))?;
            let url = req.url();
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[url.as_bytes(), body], &tag) {
                return Err(mismatch("x-square-hmacsha256-signature does not match"));
            }
            Ok(())
        }
        // https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events:
        // v0= and the hex HMAC-SHA256 of "v0:{timestamp}:{body}".
        "zoom" => {
            let sig = req
                .header("x-zm-signature")
                .ok_or_else(|| missing("x-zm-signature"))?;
            let ts = req
                .header("x-zm-request-timestamp")
                .ok_or_else(|| missing("x-zm-request-timestamp"))?;
            let hexsig = sig
                .strip_prefix("v0=")
                .ok_or_else(|| malformed("x-zm-signature lacks v0="))?;
            let tag = hex::decode(hexsig).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(
                secret.as_bytes(),
                &[b"v0:", ts.as_bytes(), b":", body],
                &tag,
            ) {
                return Err(mismatch("x-zm-signature does not match"));
            }
            within_tolerance(ts)
        }
        // https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message:
        // sha256= and the hex HMAC-SHA256 of id + timestamp + body; ten minutes.
        "twitch" => {
            let sig = req
                .header("twitch-eventsub-message-signature")
                .ok_or_else(|| missing("Twitch-Eventsub-Message-Signature"))?;
            let id = req
                .header("twitch-eventsub-message-id")
                .ok_or_else(|| missing("Twitch-Eventsub-Message-Id"))?;
            let ts = req
                .header("twitch-eventsub-message-timestamp")
                .ok_or_else(|| missing("Twitch-Eventsub-Message-Timestamp"))?;
            let hexsig = sig
                .strip_prefix("sha256=")
                .ok_or_else(|| malformed("the signature lacks sha256="))?;
            let tag = hex::decode(hexsig).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(
                secret.as_bytes(),
                &[id.as_bytes(), ts.as_bytes(), body],
                &tag,
            ) {
                return Err(mismatch("Twitch-Eventsub-Message-Signature does not match"));
            }
            let secs =
                time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| malformed(format!("{ts:?} is not RFC 3339")))?
                    .unix_timestamp();
            within(&secs.to_string(), 600)
        }
        // https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests:
        // base64 HMAC-SHA256 of method + URI (some escapes decoded) + body +
        // timestamp (ms); five minutes.
        "hubspot" => {
            let sig = req
                .header("x-hubspot-signature-v3")
                .ok_or_else(|| missing("X-HubSpot-Signature-v3"))?;
            let ts = req
                .header("x-hubspot-request-timestamp")
                .ok_or_else(|| missing("X-HubSpot-Request-Timestamp"))?;
            let tag = B64
                .decode(sig.trim())
                .map_err(|_| malformed("not base64"))?;
            let mut uri = req.url();
            for (code, ch) in [
                ("%3A", ":"),
                ("%2F", "/"),
                ("%3F", "?"),
                ("%40", "@"),
                ("%21", "!"),
                ("%24", "$"),
                ("%27", "'"),
                ("%28", "("),
                ("%29", ")"),
                ("%2A", "*"),
                ("%2C", ","),
                ("%3B", ";"),
            ] {
                uri = uri
                    .replace(code, ch)
                    .replace(&code.to_ascii_lowercase(), ch);
            }
            if !mac_ok::<HmacSha256>(
                secret.as_bytes(),
                &[req.method.as_bytes(), uri.as_bytes(), body, ts.as_bytes()],
                &tag,
            ) {
                return Err(mismatch("X-HubSpot-Signature-v3 does not match"));
            }
            let ms: i64 = ts.parse().map_err(|_| malformed("timestamp is not ms"))?;
            within(&(ms / 1000).to_string(), 300)
        }
        // https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures:
        // t=TS,v1= and the hex HMAC-SHA256 of "TS.body"; three minutes.
        "calendly" => {
            let header = req
                .header("calendly-webhook-signature")
                .ok_or_else(|| missing("Calendly-Webhook-Signature"))?;
            let mut t = None;
            let mut v1 = None;
            for item in header.split(',') {
                match item.split_once('=') {
                    Some(("t", v)) => t = Some(v),
                    Some(("v1", v)) => v1 = Some(v),
                    _ => return Err(malformed(format!("{item:?} is not t= or v1="))),
                }
            }
            let (t, v1) = t.zip(v1).ok_or_else(|| malformed("no t= or v1="))?;
            let tag = hex::decode(v1).map_err(|_| malformed("not hex"))?;
            if !mac_ok::<HmacSha256>(secret.as_bytes(), &[t.as_bytes(), b".", body], &tag) {
                return Err(mismatch("Calendly-Webhook-Signature does not match"));
            }
            within(t, 180)
        }
        // https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers:
        // Ed25519 of the timestamp then the body, hex; the receiver holds the
        // application's public key only.
        "discord" => {
            let sig = req
                .header("x-signature-ed25519")
                .ok_or_else(|| missing("X-Signature-Ed25519"))?;
            let ts = req
                .header("x-signature-timestamp")
                .ok_or_else(|| missing("X-Signature-Timestamp"))?;
            let sig = hex::decode(sig.trim()).map_err(|_| malformed("not hex"))?;
            let key = hex::decode(public_key_for(provider)).unwrap();
            if !ring_ok(
                &ring::signature::ED25519,
                &key,
                &[ts.as_bytes(), body],
                &sig,
            ) {
                return Err(mismatch("X-Signature-Ed25519 does not match"));
            }
            within_tolerance(ts)
        }
        // The spec's asymmetric scheme: `v1a,` and the base64 Ed25519
        // signature of `id.TS.body`, checked with the whpk_ public key.
        "standard-v1a" => {
            let get = |name: &str| {
                let full = format!("webhook-{name}");
                req.header(&full).ok_or_else(|| missing(&full))
            };
            let sigs = get("signature")?;
            let id = get("id")?;
            let ts = get("timestamp")?;
            let key = B64
                .decode(public_key_for(provider).strip_prefix("whpk_").unwrap())
                .unwrap();
            let signed: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", body];
            let mut any = false;
            let mut ok = false;
            for sig in sigs.split_whitespace() {
                if let Some(b64) = sig.strip_prefix("v1a,") {
                    any = true;
                    ok |= B64
                        .decode(b64)
                        .is_ok_and(|s| ring_ok(&ring::signature::ED25519, &key, &signed, &s));
                }
            }
            if !any {
                return Err(malformed("no v1a, signature"));
            }
            if !ok {
                return Err(mismatch("no v1a signature matches"));
            }
            within_tolerance(ts)
        }
        // https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features:
        // ECDSA P-256 SHA-256 of the timestamp then the payload, base64 DER.
        "sendgrid" => {
            let sig = req
                .header("x-twilio-email-event-webhook-signature")
                .ok_or_else(|| missing("X-Twilio-Email-Event-Webhook-Signature"))?;
            let ts = req
                .header("x-twilio-email-event-webhook-timestamp")
                .ok_or_else(|| missing("X-Twilio-Email-Event-Webhook-Timestamp"))?;
            let sig = B64
                .decode(sig.trim())
                .map_err(|_| malformed("not base64"))?;
            let spki = B64.decode(public_key_for(provider)).unwrap();
            if !ring_ok(
                &ring::signature::ECDSA_P256_SHA256_ASN1,
                p256_point(&spki),
                &[ts.as_bytes(), body],
                &sig,
            ) {
                return Err(mismatch(
                    "X-Twilio-Email-Event-Webhook-Signature does not match",
                ));
            }
            within_tolerance(ts)
        }
        other => panic!("the test receiver does not know provider {other}"),
    }
}

/// The media types a provider sends (essence, lowercase).
fn content_types(provider: &str) -> &'static [&'static str] {
    match provider {
        "twilio" => &["application/x-www-form-urlencoded"],
        // The Events API posts JSON; slash commands and interactivity post forms.
        "slack" => &["application/json", "application/x-www-form-urlencoded"],
        // Webhooks post JSON; a route's forward() posts the message as a form.
        "mailgun" => &["application/json", "application/x-www-form-urlencoded"],
        _ => &["application/json"],
    }
}

fn media_type(req: &ReceivedRequest) -> String {
    req.header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether the body parses as what its content type says it is.
fn parses(req: &ReceivedRequest) -> bool {
    match media_type(req).as_str() {
        "application/json" => serde_json::from_slice::<Value>(&req.body).is_ok(),
        "application/x-www-form-urlencoded" => std::str::from_utf8(&req.body).is_ok_and(|text| {
            text.split('&').all(|pair| pair.contains('='))
                && form_pairs(text.as_bytes())
                    .iter()
                    .filter(|(n, _)| n == "payload")
                    .all(|(_, v)| serde_json::from_str::<Value>(v).is_ok())
        }),
        _ => false,
    }
}

/// The provider a request was meant for: `/hooks/<provider>[?...]`.
fn provider_of(req: &ReceivedRequest) -> Option<&str> {
    let path = req.target.split('?').next()?;
    path.strip_prefix("/hooks/")
}

/// The receiver's answer: 415 for a content type the provider does not send,
/// 401 naming the reason for a bad signature, 400 for a body that does not
/// parse, 200 otherwise.
fn answer(req: &ReceivedRequest) -> (u16, Vec<u8>) {
    let Some(provider) = provider_of(req).filter(|p| PROVIDERS.contains(p)) else {
        return (404, b"unknown provider".to_vec());
    };
    if req.method != "POST" {
        return (405, b"POST only".to_vec());
    }
    let media = media_type(req);
    if !content_types(provider).contains(&media.as_str()) {
        return (
            415,
            format!("unsupported content type {media:?}").into_bytes(),
        );
    }
    if let Err(r) = verify(provider, req, secret_for(provider)) {
        return (401, format!("{}: {}", r.reason, r.detail).into_bytes());
    }
    if !parses(req) {
        return (400, b"body does not parse".to_vec());
    }
    (200, b"ok: verified".to_vec())
}

pub(crate) fn receiver() -> Receiver {
    Receiver::start(answer)
}

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

/// A unique tag for one send, carried in the URL's query (`?run=TAG`) so that
/// parallel sends to one receiver can be told apart.
pub(crate) fn tag() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

pub(crate) fn url_for(receiver: &Receiver, provider: &str, tag: &str) -> String {
    format!("{}/hooks/{provider}?run={tag}&via=hookcli", receiver.url())
}

/// `hookcli send --provider P --url URL --secret-env VAR` with the secret in
/// VAR, plus `args`; asserts that the secret shows in no output.
pub(crate) fn send(provider: &str, url: &str, args: &[&str]) -> Run {
    send_with_stdin(provider, url, args, None)
}

fn send_with_stdin(provider: &str, url: &str, args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let secret = secret_for(provider);
    let mut cmd = hookcli();
    cmd.args(["send", "--provider", provider, "--url", url])
        .args(["--secret-env", SECRET_VAR])
        .args(args)
        .env(SECRET_VAR, secret);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = run(&mut cmd);
    out.assert_hides(secret);
    if let Some(key) = secret.strip_prefix("whsec_") {
        out.assert_hides(key);
    }
    out
}

/// The one request the receiver got for a tag, with its answer.
fn hit(receiver: &Receiver, tag: &str) -> Hit {
    let mut hits: Vec<Hit> = receiver
        .hits()
        .into_iter()
        .filter(|h| h.request.query("run").as_deref() == Some(tag))
        .collect();
    assert_eq!(hits.len(), 1, "expected one request tagged {tag}");
    hits.remove(0)
}

fn hits_for(receiver: &Receiver, tag: &str) -> usize {
    receiver
        .requests()
        .iter()
        .filter(|r| r.query("run").as_deref() == Some(tag))
        .count()
}

/// Runs `f` over `items` on a few threads; results come back in order.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let queue = Mutex::new(items.into_iter().enumerate().collect::<VecDeque<_>>());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().pop_front();
                    let Some((i, item)) = next else { break };
                    let r = f(item);
                    results.lock().unwrap().push((i, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One provider as `hookcli providers --json` lists it.
struct Listed {
    name: String,
    events: Vec<String>,
    default_event: String,
}

fn listed_providers() -> Vec<Listed> {
    let out = run(hookcli().args(["providers", "--json"]));
    out.assert_code(0);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("providers --json is JSON");
    let providers = doc["providers"].as_array().expect(".providers is an array");
    providers
        .iter()
        .map(|p| Listed {
            name: p["name"].as_str().expect(".name").to_string(),
            events: p["events"]
                .as_array()
                .expect(".events")
                .iter()
                .map(|e| e["name"].as_str().expect(".events[].name").to_string())
                .collect(),
            default_event: p["default_event"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// What a delivery carries
// ---------------------------------------------------------------------------

pub(crate) fn json_body(req: &ReceivedRequest) -> Value {
    serde_json::from_slice(&req.body).expect("a JSON body")
}

fn form_value(req: &ReceivedRequest, name: &str) -> Option<String> {
    form_pairs(&req.body)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The event type and event id a delivery carries, read the way a receiver
/// of that provider would read them.
pub(crate) fn carried(provider: &str, req: &ReceivedRequest) -> (String, String) {
    let header = |name: &str| req.header(name).unwrap_or_default().to_string();
    match provider {
        "stripe" => {
            let body = json_body(req);
            (text(&body["type"]), text(&body["id"]))
        }
        // GitHub handlers switch on the event and the body's action.
        "github" => {
            let event = header("x-github-event");
            let kind = match json_body(req)["action"].as_str() {
                Some(action) => format!("{event}.{action}"),
                None => event,
            };
            (kind, header("x-github-delivery"))
        }
        "shopify" => (header("x-shopify-topic"), header("x-shopify-webhook-id")),
        "slack" => {
            if media_type(req) == "application/x-www-form-urlencoded" {
                if let Some(payload) = form_value(req, "payload") {
                    let payload: Value = serde_json::from_str(&payload).expect("payload JSON");
                    // view_closed, dialog_submission and the options requests
                    // carry no trigger_id: the action's time, else the view's
                    // id and hash, else the request's timestamp.
                    let id = [&payload["trigger_id"], &payload["action_ts"]]
                        .into_iter()
                        .find_map(|v| v.as_str().map(str::to_string))
                        .or_else(|| {
                            let view = &payload["view"];
                            Some(format!(
                                "{}:{}",
                                view["id"].as_str()?,
                                view["hash"].as_str()?
                            ))
                        })
                        .unwrap_or_else(|| header("x-slack-request-timestamp"));
                    (text(&payload["type"]), id)
                } else {
                    let kind = if form_value(req, "command").is_some() {
                        "slash_command"
                    } else {
                        "unknown form"
                    };
                    (
                        kind.to_string(),
                        form_value(req, "trigger_id").unwrap_or_default(),
                    )
                }
            } else {
                let body = json_body(req);
                let event = &body["event"];
                match body["type"].as_str() {
                    // A message's subtype (bot_message, message_changed) is what a handler switches on.
                    Some("event_callback") => match event["subtype"].as_str() {
                        Some(sub) if event["type"] == "message" => {
                            (format!("message.{sub}"), text(&body["event_id"]))
                        }
                        _ => (text(&event["type"]), text(&body["event_id"])),
                    },
                    // One per team and minute: that pair names it.
                    Some("app_rate_limited") => (
                        "app_rate_limited".into(),
                        format!("{}:{}", text(&body["team_id"]), body["minute_rate_limited"]),
                    ),
                    _ => (text(&body["type"]), text(&body["challenge"])),
                }
            }
        }
        // A Twilio app tells its callbacks apart by the fields each one
        // carries (Twilio's messaging webhook, status callback, <Record>,
        // <Gather> and call status pages), and keys each on its own sid.
        "twilio" => {
            let field = |name: &str| form_value(req, name);
            if let Some(status) = field("MessageStatus") {
                let sid = field("MessageSid").unwrap_or_default();
                return (format!("sms.status.{status}"), sid);
            }
            if field("CallSid").is_none() {
                let sid = field("MessageSid").unwrap_or_default();
                let from = field("From").unwrap_or_default();
                let media: u32 = field("NumMedia").and_then(|n| n.parse().ok()).unwrap_or(0);
                let channel = match (from.split_once(':'), media) {
                    (Some(("whatsapp", _)), _) => "whatsapp",
                    (_, 0) => "sms",
                    _ => "mms",
                };
                return (format!("{channel}.incoming"), sid);
            }
            if let Some(sid) = field("TranscriptionSid") {
                return ("voice.transcription".into(), sid);
            }
            if let Some(sid) = field("RecordingSid") {
                return ("voice.recording".into(), sid);
            }
            let call = field("CallSid").unwrap_or_default();
            let kind = match (
                field("CallbackSource").as_deref(),
                field("CallStatus").as_deref(),
            ) {
                // StatusCallbackEvent=answered reports the call in progress.
                (Some("call-progress-events"), Some("in-progress")) => {
                    "voice.status.answered".into()
                }
                (Some("call-progress-events"), Some(status)) => format!("voice.status.{status}"),
                _ if field("SpeechResult").is_some() => "voice.gather.speech".into(),
                _ if field("Digits").is_some() => "voice.gather.digits".into(),
                _ => "voice.call".to_string(),
            };
            (kind, call)
        }
        // object_kind; the group-only hooks (member, project, subgroup)
        // have none and name themselves by event_name; else the header.
        "gitlab" => {
            let body = json_body(req);
            let kind = body["object_kind"]
                .as_str()
                .or_else(|| body["event_name"].as_str())
                .map(str::to_string)
                .unwrap_or_else(|| header("x-gitlab-event"));
            (kind, header("x-gitlab-event-uuid"))
        }
        "standard" => (text(&json_body(req)["type"]), header("webhook-id")),
        "svix" => (text(&json_body(req)["type"]), header("svix-id")),
        "hmac" => {
            let body = json_body(req);
            (text(&body["type"]), text(&body["data"]["id"]))
        }
        "paddle" => {
            let body = json_body(req);
            (text(&body["event_type"]), text(&body["event_id"]))
        }
        "sentry" => (
            format!(
                "{}.{}",
                header("sentry-hook-resource"),
                text(&json_body(req)["action"])
            ),
            header("request-id"),
        ),
        "linear" => {
            let body = json_body(req);
            (
                format!("{}.{}", text(&body["type"]), text(&body["action"])),
                header("linear-delivery"),
            )
        }
        "bitbucket" => (header("x-event-key"), header("x-request-uuid")),
        "pagerduty" => {
            let body = json_body(req);
            (
                text(&body["event"]["event_type"]),
                text(&body["event"]["id"]),
            )
        }
        "typeform" => {
            let body = json_body(req);
            (text(&body["event_type"]), text(&body["event_id"]))
        }
        "intercom" => {
            let body = json_body(req);
            (text(&body["topic"]), text(&body["id"]))
        }
        "zapier" => {
            let body = json_body(req);
            (text(&body["event"]), text(&body["id"]))
        }
        // A route's form post names no event; its message's Message-Id is
        // in the message-headers field (a JSON list of [name, value]).
        "mailgun" if media_type(req) == "application/x-www-form-urlencoded" => {
            let pairs = form_pairs(&req.body);
            let headers: Vec<(String, String)> = pairs
                .iter()
                .find(|(k, _)| k == "message-headers")
                .and_then(|(_, v)| serde_json::from_str(v).ok())
                .unwrap_or_default();
            let id = headers
                .into_iter()
                .find(|(k, _)| k == "Message-Id")
                .map(|(_, v)| v)
                .unwrap_or_default();
            ("inbound".to_string(), id)
        }
        "mailgun" => {
            let body = json_body(req);
            (
                text(&body["event-data"]["event"]),
                text(&body["event-data"]["id"]),
            )
        }
        "square" => {
            let body = json_body(req);
            (text(&body["type"]), text(&body["event_id"]))
        }
        "zoom" => (text(&json_body(req)["event"]), header("x-zm-trackingid")),
        "twitch" => {
            let kind = header("twitch-eventsub-message-type");
            let event = if kind == "notification" {
                header("twitch-eventsub-subscription-type")
            } else {
                kind
            };
            (event, header("twitch-eventsub-message-id"))
        }
        "hubspot" => {
            let body = json_body(req);
            (
                text(&body[0]["subscriptionType"]),
                body[0]["eventId"].to_string(),
            )
        }
        "calendly" => {
            let body = json_body(req);
            (text(&body["event"]), text(&body["payload"]["uri"]))
        }
        "clerk" | "resend" => (text(&json_body(req)["type"]), header("svix-id")),
        "discord" => {
            let body = json_body(req);
            let event = &body["event"];
            // https://discord.com/developers/docs/events/webhook-events#webhook-event-payloads:
            // a Webhook Events URL gets type 0 (PING) or 1 with an `event`;
            // no id, so the event's subject and time name it.
            if body["type"] == 0 || event.is_object() {
                let data = &event["data"];
                let subject = [&data["id"], &data["user"]["id"], &body["application_id"]]
                    .into_iter()
                    .find_map(Value::as_str)
                    .unwrap_or_default();
                let at = event["timestamp"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| header("x-signature-timestamp"));
                let kind = event["type"].as_str().unwrap_or("webhook_ping");
                return (kind.to_string(), format!("{subject}@{at}"));
            }
            // https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-type
            let kind = match body["type"].as_i64() {
                Some(1) => "ping",
                Some(2) => "application_command",
                Some(3) => "message_component",
                Some(4) => "application_command_autocomplete",
                Some(5) => "modal_submit",
                _ => "unknown",
            };
            (kind.to_string(), text(&body["id"]))
        }
        "standard-v1a" => (text(&json_body(req)["type"]), header("webhook-id")),
        "sendgrid" => {
            let body = json_body(req);
            (text(&body[0]["event"]), text(&body[0]["sg_event_id"]))
        }
        other => panic!("unknown provider {other}"),
    }
}

// ---------------------------------------------------------------------------
// 1-2. Every event of every provider is accepted
// ---------------------------------------------------------------------------

#[test]
fn providers_list_covers_every_provider_the_receiver_verifies() {
    let listed: Vec<String> = listed_providers().into_iter().map(|p| p.name).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    let mut known: Vec<String> = PROVIDERS.iter().map(|p| p.to_string()).collect();
    known.sort();
    assert_eq!(sorted, known, "providers --json lists {listed:?}");
}

#[test]
fn every_event_of_every_provider_is_accepted_by_an_independent_receiver() {
    let receiver = receiver();
    let mut jobs = Vec::new();
    for p in listed_providers() {
        assert!(!p.events.is_empty(), "{} lists no events", p.name);
        assert!(
            p.events.contains(&p.default_event),
            "{}'s default event {:?} is not among its events",
            p.name,
            p.default_event
        );
        for event in &p.events {
            // Each event twice: the two must carry different event ids.
            jobs.push((p.name.clone(), event.clone(), tag()));
            jobs.push((p.name.clone(), event.clone(), tag()));
        }
    }
    let results = par_map(jobs, |(provider, event, tag)| {
        let url = url_for(&receiver, &provider, &tag);
        let out = send(&provider, &url, &["--event", &event]);
        (provider, event, tag, out)
    });

    let mut ids: Vec<(String, String, String)> = Vec::new();
    for (provider, event, tag, out) in results {
        let context = format!("{provider} {event}");
        out.assert_code(0);
        let hit = hit(&receiver, &tag);
        assert_eq!(
            hit.status,
            200,
            "{context}: the receiver refused it: {}",
            hit.answer()
        );
        let req = &hit.request;
        assert!(
            parses(req),
            "{context}: the body is not valid {}",
            media_type(req)
        );
        let (carried_event, id) = carried(&provider, req);
        // An older Twitch subscription version is named TYPE@VERSION: the
        // type is carried, and the version in its own header.
        let event = match event.split_once('@') {
            Some((kind, version)) if provider == "twitch" => {
                assert_eq!(
                    req.header("twitch-eventsub-subscription-version"),
                    Some(version),
                    "{context}"
                );
                kind.to_string()
            }
            _ => event,
        };
        assert_eq!(
            carried_event, event,
            "{context}: the delivery carries another event type"
        );
        assert!(
            !id.is_empty(),
            "{context}: the delivery carries no event id"
        );
        if provider == "gitlab" {
            assert_eq!(
                req.header("x-gitlab-event"),
                Some(gitlab_hook(&event)),
                "{context}"
            );
        }
        ids.push((provider, event, id));
    }
    for pair in ids.chunks(2) {
        let [(p, e, a), (_, _, b)] = pair else {
            unreachable!()
        };
        assert_ne!(a, b, "{p} {e}: two sends carried the same event id");
    }
}

/// The `X-Gitlab-Event` GitLab sends with an event, per its "Webhook events" page.
fn gitlab_hook(event: &str) -> &'static str {
    match event {
        "push" => "Push Hook",
        "tag_push" => "Tag Push Hook",
        "issue" | "work_item" => "Issue Hook",
        "note" => "Note Hook",
        "merge_request" => "Merge Request Hook",
        "wiki_page" => "Wiki Page Hook",
        "pipeline" => "Pipeline Hook",
        "build" => "Job Hook",
        "deployment" => "Deployment Hook",
        "feature_flag" => "Feature Flag Hook",
        "release" => "Release Hook",
        "milestone" => "Milestone Hook",
        "emoji" => "Emoji Hook",
        "access_token" => "Resource Access Token Hook",
        "vulnerability" => "Vulnerability Hook",
        e if e.starts_with("user_") && e.contains("group") => "Member Hook",
        e if e.starts_with("project_") => "Project Hook",
        e if e.starts_with("subgroup_") => "Subgroup Hook",
        other => panic!("unexpected gitlab event {other}"),
    }
}

// ---------------------------------------------------------------------------
// 3. Every fault is rejected for its reason
// ---------------------------------------------------------------------------

/// The status and reason the receiver must give a fault, or `None` when the
/// fault cannot be made for the provider.
fn expected_rejection(provider: &str, tamper: &str) -> Option<(u16, &'static str)> {
    match tamper {
        // An unsigned provider gets no signature faults at all.
        "wrong-content-type" => Some((415, "unsupported content type")),
        _ if !signed(provider) => None,
        "bad-signature" => Some((401, "mismatch")),
        "missing-signature" => Some((401, "missing")),
        // GitLab's token is compared whole: garbage is just a wrong token.
        "malformed-signature" if provider == "gitlab" => Some((401, "mismatch")),
        "malformed-signature" => Some((401, "malformed")),
        "truncated-signature" => Some((401, truncated_reason(provider))),
        "stale-timestamp" if timestamped(provider) => Some((401, "stale")),
        "future-timestamp" if timestamped(provider) => Some((401, "future")),
        "body-modified" if signs_body(provider) => Some((401, "mismatch")),
        _ => None,
    }
}

/// The verifiers' word for half a MAC: where base64 is decoded before the
/// compare, half of it no longer decodes (malformed); everywhere else the
/// cut MAC is a mismatch.
fn truncated_reason(provider: &str) -> &'static str {
    match provider {
        "shopify" | "twilio" | "typeform" | "square" | "hubspot" => "malformed",
        _ => "mismatch",
    }
}

#[test]
fn every_tamper_mode_is_rejected_by_the_receiver_for_its_reason() {
    let receiver = receiver();
    let mut jobs = Vec::new();
    for provider in PROVIDERS {
        for tamper in TAMPERS {
            // Once with --expect-status, once without.
            jobs.push((provider, tamper, true, tag()));
            jobs.push((provider, tamper, false, tag()));
        }
    }
    par_map(jobs, |(provider, tamper, expect, tag)| {
        let context = format!("{provider} --tamper {tamper}");
        let url = url_for(&receiver, provider, &tag);
        let Some((status, reason)) = expected_rejection(provider, tamper) else {
            let out = send(provider, &url, &["--tamper", tamper]);
            out.assert_error(2, &[tamper]);
            assert_eq!(hits_for(&receiver, &tag), 0, "{context}: sent anyway");
            return;
        };
        let code = status.to_string();
        let out = if expect {
            send(
                provider,
                &url,
                &["--tamper", tamper, "--expect-status", &code],
            )
        } else {
            send(provider, &url, &["--tamper", tamper])
        };
        // Refused as it must be: exit 0 with or without --expect-status.
        out.assert_code(0);
        let hit = hit(&receiver, &tag);
        assert_eq!(
            hit.status,
            status,
            "{context}: the receiver answered {}",
            hit.answer()
        );
        assert!(
            hit.answer().starts_with(reason),
            "{context}: rejected for another reason: {}",
            hit.answer()
        );
        if tamper == "missing-signature" {
            for name in signature_headers(provider) {
                assert!(
                    hit.request.header(name).is_none(),
                    "{context}: {name} was still sent"
                );
            }
        }
        if tamper == "wrong-content-type" {
            // Correctly signed otherwise: the same request as the provider's
            // content type would have been accepted.
            let mut fixed = hit.request.clone();
            let media = content_types(provider)[0];
            fixed.headers.retain(|(n, _)| n != "content-type");
            fixed.headers.push(("content-type".into(), media.into()));
            assert_eq!(answer(&fixed).0, 200, "{context}: not correctly signed");
        }
    });
}

#[test]
fn zapier_needs_no_secret_and_refuses_signature_faults_saying_why() {
    let receiver = receiver();
    let tag = tag();
    let url = url_for(&receiver, "zapier", &tag);
    let out = run(hookcli().args(["send", "--provider", "zapier", "--url", &url]));
    out.assert_code(0);
    let hit = hit(&receiver, &tag);
    assert_eq!(hit.status, 200, "{}", hit.answer());
    assert_eq!(hit.request.header("user-agent"), Some("Zapier"));
    let refused = run(hookcli().args([
        "send",
        "--provider",
        "zapier",
        "--url",
        &url,
        "--tamper",
        "bad-signature",
    ]));
    refused.assert_error(2, &["bad-signature", "Zapier does not sign"]);
}

#[test]
fn missing_signature_needs_no_secret() {
    let receiver = receiver();
    let tag = tag();
    let url = url_for(&receiver, "github", &tag);
    let out = run(hookcli().args([
        "send",
        "--provider",
        "github",
        "--url",
        &url,
        "--tamper",
        "missing-signature",
        "--expect-status",
        "401",
    ]));
    out.assert_code(0);
    assert!(hit(&receiver, &tag).answer().starts_with("missing"));
}

// ---------------------------------------------------------------------------
// 4. Byte-exactness
// ---------------------------------------------------------------------------

/// A JSON body with CRLF line ends, trailing spaces, tabs, `\u` escapes and
/// non-ASCII text, ending in whitespace: nothing of it may change.
const AWKWARD_JSON: &str = "{\r\n  \"type\": \"caf\\u00e9.created\",   \r\n\t\"text\": \"café ☕ 東京\",\t\r\n  \"escaped\": \"\\u00e9\\u2615\\ud83d\\ude00\\n\" ,\r\n  \"amount\": 2000\r\n}\r\n  ";

#[test]
fn data_file_arrives_byte_for_byte_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("awkward.json");
    std::fs::write(&file, AWKWARD_JSON).unwrap();
    let data = format!("@{}", file.display());
    let receiver = receiver();
    let providers = [
        "stripe",
        "github",
        "standard",
        "svix",
        "shopify",
        "slack",
        "hmac",
        "discord",
        "standard-v1a",
        "sendgrid",
    ];
    par_map(providers.to_vec(), |provider| {
        let tag = tag();
        let out = send(
            provider,
            &url_for(&receiver, provider, &tag),
            &["--data", &data],
        );
        out.assert_code(0);
        let hit = hit(&receiver, &tag);
        assert_eq!(hit.status, 200, "{provider}: {}", hit.answer());
        assert_eq!(
            sha256_hex(&hit.request.body),
            sha256_hex(AWKWARD_JSON.as_bytes()),
            "{provider}: the body changed on the way"
        );
    });
}

#[test]
fn data_from_stdin_arrives_byte_for_byte_and_verifies() {
    let receiver = receiver();
    par_map(vec!["stripe", "github", "standard"], |provider| {
        let tag = tag();
        let out = send_with_stdin(
            provider,
            &url_for(&receiver, provider, &tag),
            &["--data", "-"],
            Some(AWKWARD_JSON.as_bytes().to_vec()),
        );
        out.assert_code(0);
        let hit = hit(&receiver, &tag);
        assert_eq!(hit.status, 200, "{provider}: {}", hit.answer());
        assert_eq!(hit.request.body, AWKWARD_JSON.as_bytes(), "{provider}");
    });
}

#[test]
fn non_utf8_body_arrives_byte_for_byte_and_verifies() {
    let body: &[u8] = b"{\"bytes\": \"\xff\xfe caf\xe9\"}\r\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.json");
    std::fs::write(&file, body).unwrap();
    let receiver = receiver();
    let tag = tag();
    // The receiver checks the signature before parsing, so 400 (does not
    // parse) means the signature was good.
    let out = send(
        "github",
        &url_for(&receiver, "github", &tag),
        &[
            "--data",
            &format!("@{}", file.display()),
            "--expect-status",
            "400",
        ],
    );
    out.assert_code(0);
    let hit = hit(&receiver, &tag);
    assert_eq!(hit.request.body, body);
    assert_eq!(hit.status, 400, "{}", hit.answer());
    verify("github", &hit.request, secret_for("github")).expect("the signature verifies");
}

// ---------------------------------------------------------------------------
// 5. Errors
// ---------------------------------------------------------------------------

/// A URL nothing listens on: a port that was free a moment ago.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hooks/stripe")
}

#[test]
fn missing_secret_is_a_usage_error_naming_secret_env() {
    let out = run(hookcli().args(["send", "--provider", "stripe", "--url", &closed_port_url()]));
    out.assert_error(2, &["--secret-env"]);
}

#[test]
fn unset_secret_env_var_is_a_usage_error() {
    let out = run(hookcli()
        .args(["send", "--provider", "stripe", "--url", &closed_port_url()])
        .args(["--secret-env", "UNSET_VAR_XYZ"])
        .env_remove("UNSET_VAR_XYZ"));
    out.assert_error(2, &["UNSET_VAR_XYZ"]);
}

#[test]
fn unknown_provider_is_refused_by_clap() {
    let out = run(hookcli().args(["send", "--provider", "nope", "--url", &closed_port_url()]));
    out.assert_code(2);
    let stderr = out.stderr();
    assert!(
        stderr.starts_with("hookcli: error: invalid value \"nope\" for --provider"),
        "{out}"
    );
    assert!(stderr.contains("expected one of stripe"), "{out}");
}

#[test]
fn unknown_event_names_the_closest_events() {
    let out = send("stripe", &closed_port_url(), &["--event", "charge.refundd"]);
    out.assert_error(
        2,
        &[
            "charge.refundd",
            "did you mean charge.refunded",
            "hookcli providers stripe",
        ],
    );
    let out = send("stripe", &closed_port_url(), &["--event", "no.such.event"]);
    out.assert_error(2, &["no.such.event", "hookcli providers stripe"]);
}

#[test]
fn unreadable_data_file_is_a_runtime_error() {
    let out = send("stripe", &closed_port_url(), &["--data", "@/nonexistent"]);
    out.assert_error(3, &["/nonexistent"]);
}

#[test]
fn invalid_set_path_is_a_usage_error() {
    let out = send(
        "stripe",
        &closed_port_url(),
        &["--set", "data.nope.amount=1"],
    );
    out.assert_error(2, &["data.nope.amount"]);
}

/// A `whsec_` secret whose key part is not base64.
const MALFORMED_WHSEC: &str = "whsec_!!not*base64*at-all";

fn send_with_malformed_whsec() -> Run {
    let out = run(hookcli()
        .args([
            "send",
            "--provider",
            "standard",
            "--url",
            &closed_port_url(),
        ])
        .args(["--secret-env", SECRET_VAR])
        .env(SECRET_VAR, MALFORMED_WHSEC));
    out.assert_hides(MALFORMED_WHSEC)
        .assert_hides("!!not*base64*at-all");
    out
}

#[test]
fn malformed_standard_secret_is_one_line_without_the_secret() {
    let out = send_with_malformed_whsec();
    assert!(matches!(out.code, Some(2 | 3)), "{out}");
    let code = out.code.unwrap();
    out.assert_error(code, &["whsec_", "base64"]);
}

#[test]
fn malformed_standard_secret_is_a_usage_error() {
    send_with_malformed_whsec().assert_error(2, &["whsec_"]);
}

#[test]
fn unreachable_url_is_a_runtime_error() {
    let out = send("stripe", &closed_port_url(), &[]);
    out.assert_error(3, &["could not connect"]);
}

#[test]
fn silent_receiver_times_out() {
    // Bound but never accepted: the connection opens, no answer ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/stripe", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let out = send("stripe", &url, &["--timeout", "1s"]);
    out.assert_error(3, &["did not answer"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    drop(silent);
}

/// A receiver that reads one request head and answers `answer` raw, then
/// keeps writing `x` until the client goes away.
fn hostile_receiver(answer: &'static [u8], stream_after: bool) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/stripe", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                if conn.write_all(answer).is_err() || !stream_after {
                    return;
                }
                let block = vec![b'x'; 1 << 16];
                while conn.write_all(&block).is_ok() {}
            });
        }
    });
    url
}

#[test]
fn a_chunk_size_near_u64_max_is_a_clear_error_not_a_crash() {
    let url = hostile_receiver(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc",
        false,
    );
    let out = send("stripe", &url, &["--timeout", "5s"]);
    out.assert_error(3, &["over 25 MiB", &url]);
}

#[test]
fn an_endless_answer_stops_at_25_mib() {
    for answer in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\n\r\n",
    ] {
        let url = hostile_receiver(answer, true);
        let started = std::time::Instant::now();
        let out = send("stripe", &url, &["--timeout", "20s"]);
        out.assert_error(3, &["the answer is over 25 MiB"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(15));
    }
}

// ---------------------------------------------------------------------------
// 6. --print, --json, --expect-status
// ---------------------------------------------------------------------------

/// Reads `--print` output back into a request: the request line, headers up
/// to the blank line, then Content-Length bytes of body.
fn parse_printed(printed: &[u8], receiver: &Receiver) -> ReceivedRequest {
    let split = printed
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("a blank line after the headers");
    let head = std::str::from_utf8(&printed[..split]).expect("UTF-8 headers");
    let rest = &printed[split + 2..];
    let mut lines = head.lines();
    let request_line = lines.next().expect("a request line");
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap().to_string();
    let target = parts.next().expect("a target").to_string();
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{request_line}");
    let headers: Vec<(String, Vec<u8>)> = lines
        .map(|l| {
            let (n, v) = l.split_once(": ").expect("Name: value");
            (n.to_ascii_lowercase(), v.as_bytes().to_vec())
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| std::str::from_utf8(v).unwrap().parse().unwrap())
        .expect("a Content-Length");
    assert!(
        rest.len() == length || (rest.len() == length + 1 && rest.ends_with(b"\n")),
        "the body is not Content-Length ({length}) bytes: {} bytes follow",
        rest.len()
    );
    ReceivedRequest {
        method,
        target,
        headers,
        body: rest[..length].to_vec(),
        local_addr: receiver.url()["http://".len()..].parse().unwrap(),
    }
}

#[test]
fn print_shows_the_exact_request_and_sends_nothing() {
    let receiver = receiver();
    par_map(PROVIDERS.to_vec(), |provider| {
        let tag = tag();
        let url = url_for(&receiver, provider, &tag);
        let secret = secret_for(provider);
        let mut cmd = hookcli();
        cmd.args(["send", "--provider", provider, "--url", &url, "--print"])
            .args(["--secret-env", SECRET_VAR])
            .env(SECRET_VAR, secret);
        let out = run(&mut cmd);
        out.assert_code(0);
        if provider != "gitlab" {
            // GitLab's token is the header itself, by the provider's design.
            out.assert_hides(secret);
        }
        let printed = parse_printed(&out.stdout, &receiver);
        assert_eq!(printed.method, "POST");
        assert_eq!(
            printed.target,
            format!("/hooks/{provider}?run={tag}&via=hookcli")
        );
        assert_eq!(
            printed.header("host"),
            Some(&receiver.url()["http://".len()..])
        );
        assert_eq!(
            answer(&printed),
            (200, b"ok: verified".to_vec()),
            "{provider}: the printed request would not be accepted"
        );
    });
    assert_eq!(receiver.hit_count(), 0, "--print sent something");
}

#[test]
fn json_output_is_one_object_with_request_and_response() {
    let receiver = receiver();
    let providers: Vec<&str> = PROVIDERS
        .iter()
        .copied()
        .filter(|p| *p != "gitlab")
        .collect();
    par_map(providers, |provider| {
        let tag = tag();
        let url = url_for(&receiver, provider, &tag);
        let out = send(provider, &url, &["--json"]);
        out.assert_code(0);
        let stdout = out.stdout();
        assert_eq!(
            stdout.trim_end().lines().count(),
            1,
            "one line of JSON\n{out}"
        );
        let doc: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
        let hit = hit(&receiver, &tag);
        assert_eq!(doc["request"]["url"], url.as_str(), "{doc:#}");
        assert_eq!(doc["request"]["method"], "POST", "{doc:#}");
        assert_eq!(doc["response"]["status"], 200, "{doc:#}");
        assert!(
            doc["response"]["body"].to_string().contains("ok: verified"),
            "the response body is not in {doc:#}"
        );
        if let Some(sha) = doc["request"]["body_sha256"].as_str() {
            assert_eq!(sha, sha256_hex(&hit.request.body));
        }
    });
}

#[test]
fn gitlab_json_output_hides_the_token() {
    let receiver = receiver();
    let tag = tag();
    let out = send("gitlab", &url_for(&receiver, "gitlab", &tag), &["--json"]);
    out.assert_code(0);
}

#[test]
fn expect_status_mismatch_exits_1() {
    let receiver = receiver();
    let tag = tag();
    let out = send(
        "github",
        &url_for(&receiver, "github", &tag),
        &["--expect-status", "500"],
    );
    out.assert_code(1);
    assert_eq!(hit(&receiver, &tag).status, 200);
}

/// An `https://` URL whose server takes neither http/1.1 nor h2 in its
/// handshake (ALPN) is told as that, in one line, exit 3: not as a
/// certificate or TLS-version problem.
#[test]
fn a_server_that_refuses_http1_and_http2_is_told_plainly() {
    let (config, _) = crate::common::self_signed_tls();
    let mut config = (*config).clone();
    config.alpn_protocols = vec![b"spdy/3".to_vec()];
    let config = std::sync::Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let _ = std::io::Read::read(&mut tls, &mut [0u8; 64]);
        }
    });
    let url = format!("https://{addr}/hooks");
    let mut cmd = hookcli();
    cmd.args(["send", "--provider", "github", "--url", &url, "--insecure"])
        .env("HOOKCLI_SECRET", "s3cret");
    run(&mut cmd).assert_error(3, &["speaks neither HTTP/1.1 nor HTTP/2"]);
}
