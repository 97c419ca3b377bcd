//! Webhook providers: how each one signs, verifies, names its events and
//! recognises itself. One file per provider behind the [`Provider`] trait.

pub mod crypto;
mod form_multipart;
mod form_text;
mod handshake;
mod json_fields;
mod json_text;
pub mod keys;
mod verdict;

mod bitbucket;
mod calendly;
mod discord;
mod github;
mod gitlab;
pub mod hmac;
mod hubspot;
mod intercom;
mod linear;
mod mailgun;
mod paddle;
mod pagerduty;
mod sendgrid;
mod sentry;
mod shopify;
mod slack;
mod square;
mod standard;
mod standard_v1a;
mod stripe;
mod twilio;
mod twitch;
mod typeform;
mod v0;
mod zapier;
mod zoom;

pub use crate::base::{Headers, WebhookRequest};
pub use handshake::{Handshake, HandshakeAnswer};
pub use keys::{KeyPair, KeyRole};
pub use verdict::{Failure, Verdict};

use crate::base::secret::Secret;
use serde::Serialize;

/// What a signature is computed from at send time, injectable so that tests
/// are deterministic.
#[derive(Clone, Debug)]
pub struct SignContext {
    /// Unix seconds written into timestamped schemes.
    pub timestamp: i64,
    /// The delivery or message id (Standard Webhooks signs it).
    pub id: String,
}

/// How a verification is judged.
#[derive(Clone, Copy, Debug)]
pub struct VerifyOptions {
    /// The current Unix time in seconds.
    pub now: i64,
    /// Overrides the provider's default timestamp tolerance, in seconds.
    pub tolerance: Option<u64>,
}

impl VerifyOptions {
    pub fn at(now: i64) -> Self {
        Self {
            now,
            tolerance: None,
        }
    }
}

/// A provider's scheme, described for people and for `providers --json`.
#[derive(Clone, Debug, Serialize)]
pub struct ProviderInfo {
    pub name: &'static str,
    pub title: &'static str,
    /// The header(s) that carry the signature itself (not its timestamp).
    pub signature_headers: Vec<String>,
    /// The signed bytes and the algorithm, in one line.
    pub scheme: String,
    /// Whether the signature covers a timestamp (stale deliveries detectable).
    pub timestamped: bool,
    /// Whether the signature covers the body (a modified body detectable).
    pub signs_body: bool,
    /// Default timestamp tolerance in seconds, for timestamped schemes.
    pub default_tolerance: Option<u64>,
    /// How long the provider waits for a response before it counts a failure.
    pub delivery_timeout_secs: Option<u64>,
    /// Where a user finds the secret in the provider's dashboard.
    pub secret_hint: &'static str,
    pub docs: &'static str,
}

/// One webhook provider's scheme. Adding a provider is one new file that
/// implements this, plus fixtures.
pub trait Provider: Send + Sync {
    fn info(&self) -> ProviderInfo;

    fn name(&self) -> &'static str {
        self.info().name
    }

    /// A fresh delivery id in the provider's own format.
    fn new_id(&self) -> String {
        crypto::uuid_v4()
    }

    /// Headers the provider sends with every delivery (User-Agent and such).
    fn default_headers(&self, ctx: &SignContext) -> Vec<(String, String)>;

    /// Signs `req` in place: adds the signature headers (a scheme may also
    /// amend the URL or the body where the provider's scheme puts them there).
    /// An asymmetric scheme takes the private key here.
    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure>;

    /// Verifies `req`; an asymmetric scheme takes the public key here.
    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict;

    /// True when the headers show this provider sent the request.
    fn detect(&self, headers: &Headers) -> bool;

    fn event_type(&self, req: &WebhookRequest) -> Option<String>;

    fn event_id(&self, req: &WebhookRequest) -> Option<String>;

    /// Event type and id together; providers that read both from the body
    /// override this to parse it once.
    fn event(&self, req: &WebhookRequest) -> (Option<String>, Option<String>) {
        (self.event_type(req), self.event_id(req))
    }

    /// Removes the signature from a signed request (for the missing-signature fault).
    fn strip_signature(&self, req: &mut WebhookRequest) {
        for h in self.info().signature_headers {
            req.headers.remove(&h);
        }
    }

    /// Rewrites each signature value in place with `f` (check's malformed
    /// and truncated signatures). The default rewrites every signature
    /// header present; a scheme that carries its signature elsewhere (in
    /// the body) overrides this. False when there was nothing to rewrite.
    fn map_signature(&self, req: &mut WebhookRequest, f: &dyn Fn(&str) -> String) -> bool {
        let mut changed = false;
        for h in self.info().signature_headers {
            if let Some(v) = req.headers.get_str(&h).map(f) {
                req.headers.set(&h, v);
                changed = true;
            }
        }
        changed
    }

    /// Schemes that carry several signatures while a secret is rolled
    /// (Stripe, Standard Webhooks, Paddle, PagerDuty): puts the signature
    /// of `older` (the same delivery signed with the outgoing secret) ahead
    /// of `req`'s own, in the provider's format. False for a scheme that
    /// carries one signature.
    fn add_older_signature(&self, _req: &mut WebhookRequest, _older: &WebhookRequest) -> bool {
        false
    }

    /// Whether the provider's documentation or SDK refuses timestamps more
    /// than the tolerance in the future too (Slack's documented check and
    /// Python SDK, the Standard Webhooks and Svix libraries), not only old
    /// ones (Stripe's Node, Python and Ruby SDKs).
    fn rejects_future_timestamps(&self) -> bool {
        false
    }

    /// The Unix time the signature was made at, for timestamped schemes.
    fn signed_at(&self, _req: &WebhookRequest) -> Option<i64> {
        None
    }

    /// The timestamp tolerance in force: the override, else the default.
    fn tolerance(&self, opts: &VerifyOptions) -> Option<u64> {
        opts.tolerance.or(self.info().default_tolerance)
    }

    /// Whether the signature covers the URL the provider called (Twilio,
    /// Square, HubSpot): a proxy or a query string can break it.
    fn signs_url(&self) -> bool {
        false
    }

    /// False for a provider that does not sign its deliveries at all
    /// (Zapier): it needs no secret, its verdict is `unsigned`, and the
    /// faults and check cases about signatures do not apply to it.
    fn signed(&self) -> bool {
        true
    }

    /// The verification handshake the provider runs against an endpoint
    /// before it delivers events, if it has one; `check` sends it as its
    /// `handshake` case and judges the answer with [`Handshake::judge`].
    ///
    /// To plug in a provider's probe (Discord's PING, answered with
    /// `{"type":1}`), add a fixture for the probe event and override this to
    /// return that event and a judge of the answer: nothing else changes.
    fn handshake(&self) -> Option<Handshake> {
        None
    }
    /// A legacy signature header sent beside the real one (GitHub's SHA-1
    /// `X-Hub-Signature`) that the provider's own library no longer
    /// verifies: a delivery carrying it alone must be refused.
    fn legacy_signature_header(&self) -> Option<&'static str> {
        None
    }

    /// Asymmetric schemes: a fresh key pair in the provider's own
    /// encodings. `None` for shared-secret schemes.
    fn keygen(&self) -> Option<KeyPair> {
        None
    }

    /// Whether `secret` is the kind of key `role` needs (asymmetric schemes:
    /// the private key to sign, the public key to verify), checked before
    /// any work so that a wrong key is a usage error. Shared secrets pass.
    fn check_key(&self, _secret: &Secret, _role: KeyRole) -> Result<(), Failure> {
        Ok(())
    }
}

/// Every provider hookcli knows, in the order `providers` lists them.
pub const NAMES: &[&str] = &[
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

/// The providers whose scheme is asymmetric: `hookcli keygen` makes their keys.
pub const KEYGEN_NAMES: &[&str] = &["discord", "sendgrid", "standard-v1a"];

/// The environment variable each provider's secret is conventionally kept
/// in, read when no flag or `[secrets]` entry names one: (provider, the
/// variable to verify with, the variable to sign with). They differ only
/// for the asymmetric schemes, whose public key verifies and private key
/// signs. Zapier signs nothing, so it has none.
pub const SECRET_ENV: &[(&str, &str, &str)] = &[
    ("stripe", "STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET"),
    ("github", "GITHUB_WEBHOOK_SECRET", "GITHUB_WEBHOOK_SECRET"),
    ("shopify", "SHOPIFY_API_SECRET", "SHOPIFY_API_SECRET"),
    ("slack", "SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
    ("twilio", "TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
    ("gitlab", "GITLAB_WEBHOOK_TOKEN", "GITLAB_WEBHOOK_TOKEN"),
    (
        "standard",
        "STANDARD_WEBHOOK_SECRET",
        "STANDARD_WEBHOOK_SECRET",
    ),
    ("svix", "SVIX_WEBHOOK_SECRET", "SVIX_WEBHOOK_SECRET"),
    ("hmac", "HMAC_WEBHOOK_SECRET", "HMAC_WEBHOOK_SECRET"),
    ("paddle", "PADDLE_WEBHOOK_SECRET", "PADDLE_WEBHOOK_SECRET"),
    ("sentry", "SENTRY_CLIENT_SECRET", "SENTRY_CLIENT_SECRET"),
    ("linear", "LINEAR_WEBHOOK_SECRET", "LINEAR_WEBHOOK_SECRET"),
    (
        "bitbucket",
        "BITBUCKET_WEBHOOK_SECRET",
        "BITBUCKET_WEBHOOK_SECRET",
    ),
    (
        "pagerduty",
        "PAGERDUTY_WEBHOOK_SECRET",
        "PAGERDUTY_WEBHOOK_SECRET",
    ),
    ("typeform", "TYPEFORM_SECRET", "TYPEFORM_SECRET"),
    (
        "intercom",
        "INTERCOM_CLIENT_SECRET",
        "INTERCOM_CLIENT_SECRET",
    ),
    (
        "mailgun",
        "MAILGUN_WEBHOOK_SIGNING_KEY",
        "MAILGUN_WEBHOOK_SIGNING_KEY",
    ),
    ("square", "SQUARE_SIGNATURE_KEY", "SQUARE_SIGNATURE_KEY"),
    (
        "zoom",
        "ZOOM_WEBHOOK_SECRET_TOKEN",
        "ZOOM_WEBHOOK_SECRET_TOKEN",
    ),
    ("twitch", "TWITCH_EVENTSUB_SECRET", "TWITCH_EVENTSUB_SECRET"),
    ("hubspot", "HUBSPOT_CLIENT_SECRET", "HUBSPOT_CLIENT_SECRET"),
    (
        "calendly",
        "CALENDLY_WEBHOOK_SIGNING_KEY",
        "CALENDLY_WEBHOOK_SIGNING_KEY",
    ),
    (
        "clerk",
        "CLERK_WEBHOOK_SIGNING_SECRET",
        "CLERK_WEBHOOK_SIGNING_SECRET",
    ),
    ("resend", "RESEND_WEBHOOK_SECRET", "RESEND_WEBHOOK_SECRET"),
    ("discord", "DISCORD_PUBLIC_KEY", "DISCORD_PRIVATE_KEY"),
    (
        "standard-v1a",
        "STANDARD_WEBHOOK_PUBLIC_KEY",
        "STANDARD_WEBHOOK_SECRET_KEY",
    ),
    (
        "sendgrid",
        "SENDGRID_WEBHOOK_PUBLIC_KEY",
        "SENDGRID_WEBHOOK_PRIVATE_KEY",
    ),
];

/// The variable `provider`'s secret (or key, for `role`) is conventionally
/// kept in; none for Zapier.
pub fn secret_env(provider: &str, role: KeyRole) -> Option<&'static str> {
    SECRET_ENV
        .iter()
        .find(|(p, _, _)| *p == provider)
        .map(|(_, verify, sign)| match role {
            KeyRole::Verify => *verify,
            KeyRole::Sign => *sign,
        })
}

/// The provider whose conventional variable `var` is, in either role.
pub fn owner_of_env(var: &str) -> Option<&'static str> {
    SECRET_ENV
        .iter()
        .find(|(_, verify, sign)| *verify == var || *sign == var)
        .map(|(p, _, _)| *p)
}

/// The provider of this name, with the default custom-HMAC settings for `hmac`.
pub fn by_name(name: &str) -> Option<Box<dyn Provider>> {
    let p: Box<dyn Provider> = match name.to_ascii_lowercase().as_str() {
        "stripe" => Box::new(stripe::Stripe),
        "github" => Box::new(github::GitHub),
        "shopify" => Box::new(shopify::Shopify),
        "slack" => Box::new(slack::Slack),
        "twilio" => Box::new(twilio::Twilio),
        "gitlab" => Box::new(gitlab::GitLab),
        "standard" => Box::new(standard::Standard::webhook()),
        "svix" => Box::new(standard::Standard::svix()),
        "hmac" => Box::new(hmac::CustomHmac::default()),
        "paddle" => Box::new(paddle::Paddle),
        "sentry" => Box::new(sentry::Sentry),
        "linear" => Box::new(linear::Linear),
        "bitbucket" => Box::new(bitbucket::Bitbucket),
        "pagerduty" => Box::new(pagerduty::PagerDuty),
        "typeform" => Box::new(typeform::Typeform),
        "intercom" => Box::new(intercom::Intercom),
        "zapier" => Box::new(zapier::Zapier),
        "mailgun" => Box::new(mailgun::Mailgun),
        "square" => Box::new(square::Square),
        "zoom" => Box::new(zoom::Zoom),
        "twitch" => Box::new(twitch::Twitch),
        "hubspot" => Box::new(hubspot::HubSpot),
        "calendly" => Box::new(calendly::Calendly),
        "clerk" => Box::new(standard::Standard::clerk()),
        "resend" => Box::new(standard::Standard::resend()),
        "discord" => Box::new(discord::Discord),
        "standard-v1a" => Box::new(standard_v1a::StandardV1a),
        "sendgrid" => Box::new(sendgrid::SendGrid),
        _ => return None,
    };
    Some(p)
}

/// Every provider, for listing and detection.
pub fn all() -> Vec<Box<dyn Provider>> {
    NAMES.iter().filter_map(|n| by_name(n)).collect()
}

/// The provider whose headers these are, if any is recognised.
pub fn detect(headers: &Headers) -> Option<Box<dyn Provider>> {
    detect_name(headers).and_then(by_name)
}

/// The name of the provider whose headers these are, without building
/// one: the capture path runs this for every delivery.
pub fn detect_name(headers: &Headers) -> Option<&'static str> {
    static ALL: std::sync::LazyLock<Vec<Box<dyn Provider>>> = std::sync::LazyLock::new(all);
    ALL.iter().find(|p| p.detect(headers)).map(|p| p.name())
}

/// A shared instance of a fixed provider (not the configurable `hmac`).
pub fn shared(name: &str) -> Option<&'static dyn Provider> {
    static ALL: std::sync::LazyLock<Vec<Box<dyn Provider>>> = std::sync::LazyLock::new(all);
    ALL.iter().find(|p| p.name() == name).map(|p| p.as_ref())
}

/// The current Unix time in seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Reads a header as text or returns the verdict's missing/malformed failure.
pub(crate) fn required_header<'a>(req: &'a WebhookRequest, name: &str) -> Result<&'a str, Failure> {
    let raw = req
        .headers
        .get(name)
        .ok_or_else(|| Failure::missing(name))?;
    std::str::from_utf8(raw).map_err(|_| Failure::malformed(name, "not valid UTF-8"))
}

/// Top-level string (or number) fields of a JSON body, read in one pass.
pub(crate) fn json_top<const N: usize>(
    req: &WebhookRequest,
    keys: [&str; N],
) -> [Option<String>; N] {
    json_fields::top(&req.body, keys)
}

/// A JSON string (or number) field of the body, by dotted path. Only the
/// objects on the path are split into their members; every other value is
/// skipped over, not built: this runs for every captured delivery.
pub(crate) fn json_str(req: &WebhookRequest, path: &str) -> Option<String> {
    use serde_json::value::RawValue;
    let mut raw: &RawValue = serde_json::from_slice(&req.body).ok()?;
    for seg in path.split('.') {
        let members: std::collections::HashMap<std::borrow::Cow<'_, str>, &RawValue> =
            serde_json::from_str(raw.get()).ok()?;
        raw = members.get(seg).copied()?;
    }
    match serde_json::from_str::<serde_json::Value>(raw.get()).ok()? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks a MAC of the whole body, carried in `header` as `prefix` followed
/// by hex or base64: the scheme GitHub-style senders share.
pub(crate) fn check_body_mac(
    req: &WebhookRequest,
    secret: &Secret,
    header: &str,
    prefix: &str,
    algorithm: crypto::Algorithm,
    encoding: hmac::Encoding,
) -> Result<(), Failure> {
    let value = required_header(req, header)?.trim();
    let encoded = value
        .strip_prefix(prefix)
        .ok_or_else(|| Failure::malformed(header, format!("does not start with {prefix:?}")))?;
    let given = match encoding {
        hmac::Encoding::Hex => hex::decode(encoded).ok(),
        hmac::Encoding::Base64 => crypto::b64_decode(encoded),
    }
    .ok_or_else(|| {
        let what = match encoding {
            hmac::Encoding::Hex => "hex",
            hmac::Encoding::Base64 => "base64",
        };
        Failure::malformed(header, format!("signature is not {what}"))
    })?;
    if crypto::ct_eq(
        &given,
        &crypto::hmac(algorithm, secret.as_bytes(), &[&req.body]),
    ) {
        Ok(())
    } else {
        Err(Failure::mismatch(header))
    }
}

/// A request signed the way the provider sends it, for the providers'
/// unit tests: its usual headers, `extra` ones, then the signature.
#[cfg(test)]
pub(crate) fn signed_for_test(
    p: &dyn Provider,
    body: &[u8],
    secret: &str,
    ctx: &SignContext,
    extra: &[(&str, &str)],
) -> WebhookRequest {
    let mut req = WebhookRequest::post(format!("https://example.com/{}", p.name()), body.to_vec());
    for (n, v) in p.default_headers(ctx) {
        req.headers.set(&n, v);
    }
    for (n, v) in extra {
        req.headers.set(n, *v);
    }
    p.sign(&mut req, &Secret::new(secret), ctx)
        .expect("a test secret signs");
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signed_provider_has_one_conventional_variable_and_no_two_share_one() {
        for name in NAMES {
            let p = by_name(name).unwrap();
            let has = SECRET_ENV.iter().filter(|(n, _, _)| n == name).count();
            assert_eq!(has, usize::from(p.signed()), "{name}");
        }
        let mut vars: Vec<&str> = SECRET_ENV.iter().flat_map(|(_, v, s)| [*v, *s]).collect();
        vars.sort();
        vars.dedup();
        let symmetric = SECRET_ENV.iter().filter(|(_, v, s)| v == s).count();
        assert_eq!(vars.len(), symmetric + 2 * (SECRET_ENV.len() - symmetric));
        assert_eq!(owner_of_env("DISCORD_PRIVATE_KEY"), Some("discord"));
        assert_eq!(secret_env("zapier", KeyRole::Verify), None);
    }
    use crate::forge::sample;

    /// The rotation format each provider sends: its own verify accepts the
    /// delivery with the outgoing secret's signature first, and finds two;
    /// schemes with a single signature have none.
    #[test]
    fn older_signatures_go_first_in_the_provider_format() {
        let rotating = [
            "stripe",
            "standard",
            "svix",
            "clerk",
            "resend",
            "standard-v1a",
            "paddle",
            "pagerduty",
        ];
        let shared = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let outgoing = Secret::new("whsec_b3V0Z29pbmctc2VjcmV0LTAxMjM0NTY3");
        for p in all().into_iter().filter(|p| p.signed()) {
            let (secret, public, old) = match p.keygen() {
                Some(pair) => (
                    pair.private,
                    Secret::new(pair.public),
                    p.keygen().unwrap().private,
                ),
                None => (shared.clone(), shared.clone(), outgoing.clone()),
            };
            let event = crate::fixture::default_event(p.name()).unwrap();
            let forged = sample::forged(p.as_ref(), event, &secret, 1_700_000_000);
            let mut req = forged.request;
            let header = &p.info().signature_headers[0];
            // Mailgun's signature is in the body: no header value.
            let own = req.headers.get_str(header).map(last_item);
            let mut older = req.clone();
            p.sign(&mut older, &old, &forged.ctx).unwrap();
            let added = p.add_older_signature(&mut req, &older);
            assert_eq!(added, rotating.contains(&p.name()), "{}", p.name());
            if !added {
                continue;
            }
            let v = p.verify(&req, &public, &VerifyOptions::at(1_700_000_003));
            assert!(v.is_valid(), "{}: {v:?}", p.name());
            // Only the outgoing secret's signature: refused.
            let v = p.verify(&older, &public, &VerifyOptions::at(1_700_000_003));
            assert!(!v.is_valid(), "{}: {v:?}", p.name());
            let own = own.unwrap();
            let value = req.headers.get_str(header).unwrap();
            let old = last_item(older.headers.get_str(header).unwrap());
            assert!(
                value.ends_with(&own)
                    && value
                        .find(&old)
                        .is_some_and(|i| i < value.len() - own.len()),
                "{}: the outgoing signature first in {value}",
                p.name()
            );
        }
    }

    /// The last item of a signature header value: its last signature.
    fn last_item(value: &str) -> String {
        value.rsplit([' ', ',', ';']).next().unwrap().to_string()
    }

    /// Each provider's forged default event is recognised as that provider's,
    /// verifies, and names the fixture's event.
    #[test]
    fn forged_events_detect_verify_and_name_themselves() {
        let shared = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        for p in all() {
            // Asymmetric schemes sign with the private key, verify with the public one.
            let (secret, public) = sample::keys(p.as_ref(), &shared);
            for f in crate::fixture::for_provider(p.name()) {
                let forged = sample::forged(p.as_ref(), &f.event, &secret, 1_700_000_000);
                let req = &forged.request;
                // Within Paddle's five seconds.
                let v = p.verify(req, &public, &VerifyOptions::at(1_700_000_003));
                let expected = if p.signed() {
                    v.is_valid()
                } else {
                    v == Verdict::Unsigned
                };
                assert!(expected, "{} {}: {v:?}", p.name(), f.event);
                assert_eq!(
                    p.event_type(req).as_deref(),
                    Some(f.event.as_str()),
                    "{}",
                    p.name()
                );
                // A custom scheme has no id header of its own to read.
                if p.name() != "hmac" {
                    assert!(
                        p.event_id(req).is_some(),
                        "{} {} has no event id",
                        p.name(),
                        f.event
                    );
                    let found = detect(&req.headers).map(|d| d.name());
                    // Senders that deliver through Svix send Svix's headers.
                    let sender = match p.name() {
                        "clerk" | "resend" => "svix",
                        name => name,
                    };
                    assert_eq!(found, Some(sender), "{} {}", p.name(), f.event);
                }
            }
        }
    }

    /// Every provider with a handshake has the probe among its fixtures,
    /// and the probe verifies like any delivery.
    #[test]
    fn handshake_probes_are_fixtures() {
        let with: Vec<&str> = all()
            .iter()
            .filter(|p| p.handshake().is_some())
            .map(|p| p.name())
            .collect();
        assert_eq!(with, ["slack", "zoom", "twitch", "discord"]);
        for p in all() {
            if let Some(h) = p.handshake() {
                assert!(
                    crate::fixture::find(p.name(), h.event).is_ok(),
                    "{}",
                    p.name()
                );
            }
        }
    }

    #[test]
    fn keygen_names_are_the_asymmetric_providers() {
        let asymmetric: Vec<&str> = all()
            .iter()
            .filter(|p| p.keygen().is_some())
            .map(|p| p.name())
            .collect();
        let mut listed = KEYGEN_NAMES.to_vec();
        listed.sort();
        let mut found = asymmetric.clone();
        found.sort();
        assert_eq!(listed, found);
    }

    #[test]
    fn names_are_all_known() {
        assert_eq!(all().len(), NAMES.len());
        assert!(by_name("STRIPE").is_some());
        assert!(by_name("nope").is_none());
    }
}
