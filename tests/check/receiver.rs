//! Webhook receivers: each provider's scheme, verified independently
//! of hookcli (hmac, sha1, sha2, base64, hex, ring), with switchable bugs.

use super::*;

pub(super) const PROVIDERS: [&str; 26] = [
    "stripe",
    "github",
    "shopify",
    "slack",
    "twilio",
    "gitlab",
    "standard",
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
    "paddle",
    "sentry",
    "linear",
    "bitbucket",
    "pagerduty",
    "typeform",
    "intercom",
];

/// Providers that probe an endpoint before delivering: their receivers
/// answer the probe, and check runs the handshake case for them.
pub(super) const HANDSHAKES: [&str; 4] = ["slack", "zoom", "twitch", "discord"];

/// The asymmetric schemes: check signs with the private key, the receiver
/// holds only the public key (OpenSSL-made pairs, shared with the send tests).
pub(super) const ASYMMETRIC: [&str; 3] = ["discord", "standard-v1a", "sendgrid"];

pub(super) fn secret_for(provider: &str) -> &'static str {
    match provider {
        "stripe" => "whsec_stripeTestSecret7Hq2LmZx9PvR4tKc",
        "github" => "gh-hook-secret-Qm3vX8rT2pLw5Nk",
        "shopify" => "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",
        "slack" => "8f14e45fceea167a5a36dedd4bea2543",
        "twilio" => "twilio-auth-token-12345abcdef67890",
        "gitlab" => "glhook-token-Zq8Xv2LmPw4R",
        "standard" => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "zapier" => "unused-zapier-token",
        "mailgun" => "key-mg-check-5f2a9c7e1b3d",
        "square" => "sq-signature-key-Hq2LmZx9",
        "zoom" => "zoom-secret-token-check-Pv4R",
        "twitch" => "twitch-secret-check-7Hq2LmZx",
        "hubspot" => "hubspot-client-secret-check-9PvR",
        "calendly" => "calendly-signing-key-check-4tKc",
        // base64 of "clerk-check-signing-key-0123456"
        "clerk" => "whsec_Y2xlcmstY2hlY2stc2lnbmluZy1rZXktMDEyMzQ1Ng==",
        // base64 of "resend-check-signing-key-012345"
        "resend" => "whsec_cmVzZW5kLWNoZWNrLXNpZ25pbmcta2V5LTAxMjM0NQ==",
        // The private key: check signs.
        "discord" | "standard-v1a" | "sendgrid" => crate::send::secret_for(provider),
        // Paddle keys the HMAC with the whole secret key, prefix included.
        "paddle" => "pdl_ntfset_01hcheckcase5secs7hq2lmzx9_Pv4RtKcQm3vX8rT2pLw5NkZq8Xv2",
        "sentry" => "sentry-client-secret-check-3f9a1c7e5b2d",
        "linear" => "lin_wh_checkSigningSecret4tKcQm3vX8rT2pL",
        "bitbucket" => "bb-check-secret-Zq8Xv2LmPw4R",
        "pagerduty" => "pd-check-secret-Hq2LmZx9PvR4tKc+8XIiDKZ7",
        "typeform" => "tf-check-secret-9c1f4e7a2b8d",
        "intercom" => "ic-check-client-secret-5f2a9c7e1b3d",
        other => panic!("no secret for {other}"),
    }
}

/// The URL path each provider's receiver is mounted on.
pub(super) fn path_for(provider: &str) -> String {
    format!("/webhooks/{provider}")
}

/// Bugs a receiver can have; the default is a correct receiver.
#[derive(Clone, Default)]
pub(super) struct Bugs {
    /// Answers every request with this status.
    pub(super) always: Option<u16>,
    /// Status for a method other than POST (a correct receiver: 405).
    pub(super) non_post: Option<u16>,
    /// Status for a content type the provider does not send (correct: 415).
    pub(super) wrong_type: Option<u16>,
    /// Never looks at the signature.
    pub(super) no_signature_check: bool,
    /// Verifies the HMAC over the parsed and compactly re-serialized JSON.
    pub(super) reserialized: bool,
    /// Status for a wrong signature (correct: 401).
    pub(super) bad_signature: Option<u16>,
    /// Drops the connection when the signature header is absent.
    pub(super) crash_on_missing_signature: bool,
    /// Never looks at the timestamp.
    pub(super) ignore_timestamp: bool,
    /// Status for a body that does not parse (correct: 400).
    pub(super) malformed: Option<u16>,
    /// Status for an event id seen before (correct: 200).
    pub(super) duplicate: Option<u16>,
    /// Processes a new event before answering, for this long.
    pub(super) slow: Option<Duration>,
    /// Answers the provider's handshake probe the way handlers get it
    /// wrong: Slack's whole request echoed, Zoom's token in base64, Twitch's
    /// challenge wrapped in JSON.
    pub(super) wrong_handshake: bool,
    /// Verifies only the first of several signatures (the outgoing
    /// secret's, during a rotation).
    pub(super) first_signature_only: bool,
    /// Also accepts what an empty secret signs: a secret list with an
    /// empty entry (`"a,b,".split(',')`).
    pub(super) empty_secret_too: bool,
    /// Decodes the body as UTF-8 before verifying it, and fails with 500
    /// when it is not (Python's `request.body.decode()`).
    pub(super) decodes_body_first: bool,
    /// Standard Webhooks, Clerk, Resend: keys the HMAC with the whole
    /// `whsec_…` text instead of the base64 key inside it.
    pub(super) whsec_as_is: bool,
    /// Shopify: compares the MAC hex-encoded (`digest('hex')`), as GitHub
    /// code copied over does; Shopify sends base64.
    pub(super) mac_hex: bool,
    /// Compares the whole Content-Type with the bare media type, so a
    /// `; charset=utf-8` (Stripe, Linear, Zoom, Calendly send one) gets 415.
    pub(super) exact_content_type: bool,
    /// Judges the timestamp window in milliseconds: 300 000 s, not 300.
    pub(super) window_in_ms: bool,
    /// Compares the signed timestamp (seconds) with a clock in
    /// milliseconds, `Date.now()`, so every delivery looks stale.
    pub(super) now_in_ms: bool,
    /// Computes the MAC over the body alone, leaving out the timestamp
    /// (and id) the scheme signs with it.
    pub(super) body_alone: bool,
    /// Refuses a body over this many bytes with this status (a correct
    /// receiver: 413; the bug: 500, Go's MaxBytesReader error answered
    /// with http.Error 500).
    pub(super) body_limit: Option<(usize, u16)>,
    /// Reads the body into a buffer of this many bytes and verifies what
    /// fit (a fixed-size read).
    pub(super) reads_first: Option<usize>,
    /// GitHub: verifies the legacy SHA-1 `X-Hub-Signature` when
    /// `X-Hub-Signature-256` is absent.
    pub(super) sha1_fallback: bool,
    /// Shopify: compares the base64 MAC with both sides lowercased.
    pub(super) case_insensitive_mac: bool,
    /// Verifies only the last of several signatures (a dict-style parse).
    pub(super) last_signature_only: bool,
    /// Parses the signature header naively (`split(',')`, a hex decode
    /// that throws) and answers 500 when it is garbage.
    pub(super) crash_on_malformed_signature: bool,
    /// Accepts a signature the expected MAC starts with (`startsWith`).
    pub(super) prefix_compare: bool,
    /// Refuses only old timestamps, not future ones.
    pub(super) accept_future: bool,
    /// Answers 2xx at any path, not only its own.
    pub(super) any_path: bool,
    /// Answers 411 to a body without Content-Length (a chunked one).
    pub(super) needs_length: bool,
    /// Twilio: treats every post as a form, JSON ones too (ignores bodySHA256).
    pub(super) twilio_form_only: bool,
    /// Signs the URL without its query string (Twilio, Square, HubSpot).
    pub(super) drop_query: bool,
    /// Twilio: HMAC-SHA1 always, whatever the signature settings header asks.
    pub(super) twilio_sha1_only: bool,
    /// Mailgun: reads the signature fields from the JSON body's signature
    /// object only, so a form post's are never found.
    pub(super) mailgun_json_only: bool,
}

/// A receiver for one provider, configured with one secret.
pub(super) struct Hook {
    pub(super) provider: &'static str,
    pub(super) secret: String,
    /// The public base URL (scheme and host) a tunnel serves it at.
    pub(super) public: Option<String>,
    pub(super) bugs: Bugs,
    pub(super) seen: Mutex<HashSet<String>>,
}

pub(super) enum Verdict {
    Ok,
    Missing,
    Bad,
    Stale,
    /// The signature is inside a body that does not parse (Mailgun).
    Unreadable,
}

pub(super) enum Parsed {
    Json(Value),
    Form(Vec<(String, String)>),
}

pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

pub(super) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

pub(super) fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

pub(super) fn fresh(ts: &str) -> bool {
    ts.trim()
        .parse::<i64>()
        .is_ok_and(|t| (now() - t).abs() <= 300)
}

pub(super) fn asymmetric_verdict(ok: bool, check_ts: bool, ts: &str) -> Verdict {
    if !ok {
        Verdict::Bad
    } else if check_ts && !fresh(ts) {
        Verdict::Stale
    } else {
        Verdict::Ok
    }
}

pub(super) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

pub(super) fn media_type(req: &Req) -> String {
    req.header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

impl Hook {
    pub(super) fn new(provider: &'static str, secret: &str, bugs: Bugs) -> Hook {
        Hook {
            provider,
            secret: secret.to_string(),
            public: None,
            bugs,
            seen: Mutex::new(HashSet::new()),
        }
    }

    /// The URL the provider called, as URL-signing schemes sign it: the
    /// public base when behind a tunnel, then the path and query.
    pub(super) fn signed_url(&self, req: &Req) -> String {
        let base = self
            .public
            .clone()
            .unwrap_or_else(|| format!("http://{}", req.local));
        let target = if self.bugs.drop_query {
            req.target.split('?').next().unwrap_or_default()
        } else {
            &req.target
        };
        format!("{base}{target}")
    }

    pub(super) fn accepts(&self, media: &str) -> bool {
        match self.provider {
            "twilio" => media == "application/x-www-form-urlencoded" || media == "application/json",
            "slack" | "mailgun" => {
                media == "application/json" || media == "application/x-www-form-urlencoded"
            }
            _ => media == "application/json",
        }
    }

    /// The bytes the HMAC is computed over: the raw body, or (the bug) the
    /// body parsed and written back compactly.
    pub(super) fn signed_body<'a>(&self, req: &'a Req) -> std::borrow::Cow<'a, [u8]> {
        if self.bugs.reserialized {
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(doc) => serde_json::to_vec(&doc).expect("serialize").into(),
                Err(_) => req.body.as_ref().into(),
            }
        } else {
            req.body.as_ref().into()
        }
    }

    /// The HMAC key of a `whsec_` secret: the base64 after the prefix,
    /// decoded; or (the bug) the whole text as it is.
    pub(super) fn whsec_key(&self) -> Vec<u8> {
        if self.bugs.whsec_as_is {
            return self.secret.as_bytes().to_vec();
        }
        B64.decode(self.secret.strip_prefix("whsec_").unwrap_or(&self.secret))
            .expect("a whsec_ secret")
    }

    pub(super) fn verify(&self, req: &Req) -> Verdict {
        let key = self.secret.as_bytes();
        let body = self.signed_body(req);
        let check_ts = !self.bugs.ignore_timestamp;
        match self.provider {
            "stripe" => {
                let Some(h) = req.header("stripe-signature") else {
                    return Verdict::Missing;
                };
                let mut ts = None;
                let mut sigs = Vec::new();
                for part in h.split(',') {
                    match part.trim().split_once('=') {
                        Some(("t", v)) => ts = Some(v.to_string()),
                        Some(("v1", v)) => sigs.extend(hex::decode(v).ok()),
                        _ => {}
                    }
                }
                let Some(ts) = ts else { return Verdict::Bad };
                let mac = hmac_sha256(key, &[ts.as_bytes(), b".", &body]);
                if !sigs.iter().any(|s| ct_eq(s, &mac)) {
                    Verdict::Bad
                } else if check_ts && !fresh(&ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            "github" => {
                let Some(h) = req.header("x-hub-signature-256") else {
                    return match req.header("x-hub-signature") {
                        Some(legacy) if self.bugs.sha1_fallback => {
                            let mac = hex::encode(hmac_sha1(key, &body));
                            match ct_eq(legacy.as_bytes(), format!("sha1={mac}").as_bytes()) {
                                true => Verdict::Ok,
                                false => Verdict::Bad,
                            }
                        }
                        _ => Verdict::Missing,
                    };
                };
                let given = h.strip_prefix("sha256=").and_then(|s| hex::decode(s).ok());
                match given {
                    Some(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "shopify" => {
                let Some(h) = req.header("x-shopify-hmac-sha256") else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[&body]);
                if self.bugs.case_insensitive_mac {
                    let (given, expected) =
                        (h.trim().to_lowercase(), B64.encode(mac).to_lowercase());
                    return match ct_eq(given.as_bytes(), expected.as_bytes()) {
                        true => Verdict::Ok,
                        false => Verdict::Bad,
                    };
                }
                if self.bugs.mac_hex {
                    return match ct_eq(h.trim().as_bytes(), hex::encode(mac).as_bytes()) {
                        true => Verdict::Ok,
                        false => Verdict::Bad,
                    };
                }
                match B64.decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &mac) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "slack" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-slack-signature"),
                    req.header("x-slack-request-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[b"v0:", ts.as_bytes(), b":", &body]);
                match sig.strip_prefix("v0=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &mac) => {
                        if check_ts && !fresh(ts) {
                            Verdict::Stale
                        } else {
                            Verdict::Ok
                        }
                    }
                    _ => Verdict::Bad,
                }
            }
            "twilio" => {
                let Some(h) = req.header("x-twilio-signature") else {
                    return Verdict::Missing;
                };
                // The full URL Twilio was given, then each parameter's name
                // and value, sorted; a JSON post: the URL alone, whose
                // bodySHA256 is the body's SHA-256.
                let mut signed = self.signed_url(req);
                let body_hash = req.target.split_once('?').and_then(|(_, q)| {
                    form_pairs(q.as_bytes())
                        .into_iter()
                        .find_map(|(k, v)| (k == "bodySHA256").then_some(v))
                });
                match body_hash.filter(|_| !self.bugs.twilio_form_only) {
                    Some(hash) => {
                        let actual = hex::encode(sha2::Sha256::digest(&req.body));
                        if !ct_eq(hash.as_bytes(), actual.as_bytes()) {
                            return Verdict::Bad;
                        }
                    }
                    None => {
                        let mut params = form_pairs(&req.body);
                        params.sort();
                        for (k, v) in params {
                            signed.push_str(&k);
                            signed.push_str(&v);
                        }
                    }
                }
                // A Webhooks Setting's shared key signs with HMAC-SHA256 and says so.
                let sha256 = !self.bugs.twilio_sha1_only
                    && req
                        .header("x-twilio-webhooks-signature-settings")
                        .is_some_and(|v| v.contains("algorithm=HMAC_SHA256"));
                let mac = if sha256 {
                    hmac_sha256(key, &[signed.as_bytes()])
                } else {
                    hmac_sha1(key, signed.as_bytes())
                };
                match B64.decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &mac) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "gitlab" => match req.header("x-gitlab-token") {
                None => Verdict::Missing,
                Some(t) if ct_eq(t.as_bytes(), key) => Verdict::Ok,
                Some(_) => Verdict::Bad,
            },
            "standard" => {
                let (Some(id), Some(ts), Some(sigs)) = (
                    req.header("webhook-id"),
                    req.header("webhook-timestamp"),
                    req.header("webhook-signature"),
                ) else {
                    return Verdict::Missing;
                };
                let key = self.whsec_key();
                let mac = hmac_sha256(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", &body]);
                let ok = sigs.split(' ').any(|s| {
                    s.strip_prefix("v1,")
                        .and_then(|b| B64.decode(b).ok())
                        .is_some_and(|g| ct_eq(&g, &mac))
                });
                if !ok {
                    Verdict::Bad
                } else if check_ts && !fresh(ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            other if ["clerk", "resend"].contains(&other) => {
                // Svix's headers, Standard Webhooks' scheme.
                let (Some(id), Some(ts), Some(sigs)) = (
                    req.header("svix-id"),
                    req.header("svix-timestamp"),
                    req.header("svix-signature"),
                ) else {
                    return Verdict::Missing;
                };
                let key = self.whsec_key();
                let mac = hmac_sha256(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", &body]);
                let ok = sigs.split(' ').any(|s| {
                    s.strip_prefix("v1,")
                        .and_then(|b| B64.decode(b).ok())
                        .is_some_and(|g| ct_eq(&g, &mac))
                });
                if !ok {
                    Verdict::Bad
                } else if check_ts && !fresh(ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // Unsigned: nothing to verify.
            "zapier" => Verdict::Ok,
            "mailgun" => {
                // A form post (a route's message) carries the three as fields;
                // a JSON webhook in its signature object.
                let form = (media_type(req) == "application/x-www-form-urlencoded"
                    && !self.bugs.mailgun_json_only)
                    .then(|| form_pairs(&req.body));
                let doc = match &form {
                    Some(_) => Value::Null,
                    None => match serde_json::from_slice::<Value>(&req.body) {
                        Ok(doc) => doc,
                        Err(_) => return Verdict::Unreadable,
                    },
                };
                let field = |k: &str| match &form {
                    Some(pairs) => pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
                    None => match &doc["signature"][k] {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    },
                };
                let (Some(ts), Some(token), Some(sig)) =
                    (field("timestamp"), field("token"), field("signature"))
                else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[ts.as_bytes(), token.as_bytes()]);
                if !hex::decode(&sig).is_ok_and(|g| ct_eq(&g, &mac)) {
                    Verdict::Bad
                } else if check_ts && !fresh(&ts) {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            "square" => {
                let Some(h) = req.header("x-square-hmacsha256-signature") else {
                    return Verdict::Missing;
                };
                let url = self.signed_url(req);
                match B64.decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &hmac_sha256(key, &[url.as_bytes(), &body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            "zoom" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-zm-signature"),
                    req.header("x-zm-request-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[b"v0:", ts.as_bytes(), b":", &body]);
                match sig.strip_prefix("v0=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &mac) => {
                        if check_ts && !fresh(ts) {
                            Verdict::Stale
                        } else {
                            Verdict::Ok
                        }
                    }
                    _ => Verdict::Bad,
                }
            }
            "twitch" => {
                let (Some(sig), Some(id), Some(ts)) = (
                    req.header("twitch-eventsub-message-signature"),
                    req.header("twitch-eventsub-message-id"),
                    req.header("twitch-eventsub-message-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[id.as_bytes(), ts.as_bytes(), &body]);
                let age =
                    time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
                        .map(|t| now() - t.unix_timestamp());
                match sig
                    .strip_prefix("sha256=")
                    .and_then(|s| hex::decode(s).ok())
                {
                    Some(g) if ct_eq(&g, &mac) => match age {
                        Ok(age) if !check_ts || age.abs() <= 600 => Verdict::Ok,
                        _ => Verdict::Stale,
                    },
                    _ => Verdict::Bad,
                }
            }
            "hubspot" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-hubspot-signature-v3"),
                    req.header("x-hubspot-request-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let uri = self.signed_url(req);
                let mac = hmac_sha256(
                    key,
                    &[req.method.as_bytes(), uri.as_bytes(), &body, ts.as_bytes()],
                );
                let fresh_ms = ts
                    .parse::<i64>()
                    .is_ok_and(|ms| (now() * 1000 - ms).abs() <= 300_000);
                match B64.decode(sig.trim()) {
                    Ok(g) if ct_eq(&g, &mac) => {
                        if check_ts && !fresh_ms {
                            Verdict::Stale
                        } else {
                            Verdict::Ok
                        }
                    }
                    _ => Verdict::Bad,
                }
            }
            "calendly" => {
                let Some(h) = req.header("calendly-webhook-signature") else {
                    return Verdict::Missing;
                };
                let mut ts = None;
                let mut sigs = Vec::new();
                for part in h.split(',') {
                    match part.trim().split_once('=') {
                        Some(("t", v)) => ts = Some(v.to_string()),
                        Some(("v1", v)) => sigs.extend(hex::decode(v).ok()),
                        _ => {}
                    }
                }
                let Some(ts) = ts else { return Verdict::Bad };
                let mac = hmac_sha256(key, &[ts.as_bytes(), b".", &body]);
                let within = ts.parse::<i64>().is_ok_and(|t| (now() - t).abs() <= 180);
                if !sigs.iter().any(|s| ct_eq(s, &mac)) {
                    Verdict::Bad
                } else if check_ts && !within {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // Ed25519 of `TS + body` with the application's public key,
            // checked with ring.
            "discord" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-signature-ed25519"),
                    req.header("x-signature-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let pk = hex::decode(public_key_for(self.provider)).expect("hex");
                let ok = hex::decode(sig.trim()).is_ok_and(|sig| {
                    ring_ok(
                        &ring::signature::ED25519,
                        &pk,
                        &[ts.as_bytes(), &body],
                        &sig,
                    )
                });
                asymmetric_verdict(ok, check_ts, ts)
            }
            // `v1a,` Ed25519 of `id.TS.body` with the whpk_ public key.
            "standard-v1a" => {
                let (Some(id), Some(ts), Some(sigs)) = (
                    req.header("webhook-id"),
                    req.header("webhook-timestamp"),
                    req.header("webhook-signature"),
                ) else {
                    return Verdict::Missing;
                };
                let pk = B64
                    .decode(&public_key_for(self.provider)["whpk_".len()..])
                    .expect("base64");
                let signed: [&[u8]; 5] = [id.as_bytes(), b".", ts.as_bytes(), b".", &body];
                let ok = sigs.split(' ').any(|s| {
                    s.strip_prefix("v1a,")
                        .and_then(|b| B64.decode(b).ok())
                        .is_some_and(|sig| ring_ok(&ring::signature::ED25519, &pk, &signed, &sig))
                });
                asymmetric_verdict(ok, check_ts, ts)
            }
            // ECDSA P-256 SHA-256 of `TS + body`, base64 DER, with the
            // verification key.
            "sendgrid" => {
                let (Some(sig), Some(ts)) = (
                    req.header("x-twilio-email-event-webhook-signature"),
                    req.header("x-twilio-email-event-webhook-timestamp"),
                ) else {
                    return Verdict::Missing;
                };
                let spki = B64.decode(public_key_for(self.provider)).expect("base64");
                let ok = B64.decode(sig.trim()).is_ok_and(|sig| {
                    ring_ok(
                        &ring::signature::ECDSA_P256_SHA256_ASN1,
                        p256_point(&spki),
                        &[ts.as_bytes(), &body],
                        &sig,
                    )
                });
                asymmetric_verdict(ok, check_ts, ts)
            }
            // `Paddle-Signature: ts=TS;h1=HEX[;h1=HEX]`: HMAC-SHA256 of
            // `TS:body`, within the SDKs' five seconds.
            "paddle" => {
                let Some(h) = req.header("paddle-signature") else {
                    return Verdict::Missing;
                };
                let mut ts = None;
                let mut sigs = Vec::new();
                for part in h.split(';') {
                    match part.trim().split_once('=') {
                        Some(("ts", v)) => ts = Some(v.to_string()),
                        Some(("h1", v)) => sigs.extend(hex::decode(v).ok()),
                        _ => {}
                    }
                }
                let Some(ts) = ts else { return Verdict::Bad };
                let mac = hmac_sha256(key, &[ts.as_bytes(), b":", &body]);
                let within = ts.parse::<i64>().is_ok_and(|t| (now() - t).abs() <= 5);
                if !sigs.iter().any(|s| ct_eq(s, &mac)) {
                    Verdict::Bad
                } else if check_ts && !within {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // The bare hex HMAC-SHA256 of the body.
            "sentry" => match req.header("sentry-hook-signature") {
                None => Verdict::Missing,
                Some(h) => match hex::decode(h.trim()) {
                    Ok(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                },
            },
            // Hex HMAC-SHA256 of the body; the signed body's
            // `webhookTimestamp` (Unix ms) must be within a minute.
            "linear" => {
                let Some(h) = req.header("linear-signature") else {
                    return Verdict::Missing;
                };
                if !hex::decode(h.trim()).is_ok_and(|g| ct_eq(&g, &hmac_sha256(key, &[&body]))) {
                    return Verdict::Bad;
                }
                let Ok(doc) = serde_json::from_slice::<Value>(&req.body) else {
                    return Verdict::Unreadable;
                };
                let within = doc["webhookTimestamp"]
                    .as_i64()
                    .is_some_and(|ms| (now() * 1000 - ms).abs() <= 60_000);
                if check_ts && !within {
                    Verdict::Stale
                } else {
                    Verdict::Ok
                }
            }
            // `X-Hub-Signature: sha256=HEX` of the body.
            "bitbucket" => {
                let Some(h) = req.header("x-hub-signature") else {
                    return Verdict::Missing;
                };
                match h.strip_prefix("sha256=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            // `X-PagerDuty-Signature: v1=HEX[,v1=HEX]`: any one may match.
            "pagerduty" => {
                let Some(h) = req.header("x-pagerduty-signature") else {
                    return Verdict::Missing;
                };
                let mac = hmac_sha256(key, &[&body]);
                let ok = h.split(',').any(|s| {
                    s.trim()
                        .strip_prefix("v1=")
                        .and_then(|s| hex::decode(s).ok())
                        .is_some_and(|g| ct_eq(&g, &mac))
                });
                if ok { Verdict::Ok } else { Verdict::Bad }
            }
            // `Typeform-Signature: sha256=BASE64` of the body.
            "typeform" => {
                let Some(h) = req.header("typeform-signature") else {
                    return Verdict::Missing;
                };
                match h.strip_prefix("sha256=").and_then(|s| B64.decode(s).ok()) {
                    Some(g) if ct_eq(&g, &hmac_sha256(key, &[&body])) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            // `X-Hub-Signature: sha1=HEX`, HMAC-SHA1 of the body.
            "intercom" => {
                let Some(h) = req.header("x-hub-signature") else {
                    return Verdict::Missing;
                };
                match h.strip_prefix("sha1=").and_then(|s| hex::decode(s).ok()) {
                    Some(g) if ct_eq(&g, &hmac_sha1(key, &body)) => Verdict::Ok,
                    _ => Verdict::Bad,
                }
            }
            other => panic!("no receiver for {other}"),
        }
    }

    pub(super) fn parse(&self, req: &Req) -> Option<Parsed> {
        if media_type(req) == "application/x-www-form-urlencoded" {
            let text = std::str::from_utf8(&req.body).ok()?;
            let pairs = form_pairs(text.as_bytes());
            let well_formed = !pairs.is_empty() && text.split('&').all(|p| p.contains('='));
            if self.provider == "twilio" && !pairs.iter().any(|(k, _)| k == "AccountSid") {
                return None;
            }
            well_formed.then_some(Parsed::Form(pairs))
        } else {
            serde_json::from_slice(&req.body).ok().map(Parsed::Json)
        }
    }

    /// What the provider says identifies the event, for deduplication.
    pub(super) fn event_id(&self, req: &Req, parsed: &Parsed) -> String {
        let from_header = |name: &str| req.header(name).map(str::to_string);
        let from_json = |key: &str| match parsed {
            Parsed::Json(v) => v.get(key).and_then(Value::as_str).map(str::to_string),
            Parsed::Form(_) => None,
        };
        let from_form = |key: &str| match parsed {
            Parsed::Form(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
            Parsed::Json(_) => None,
        };
        let id = match self.provider {
            "stripe" => from_json("id"),
            "github" => from_header("x-github-delivery"),
            "shopify" => from_header("x-shopify-webhook-id"),
            "slack" => from_json("event_id"),
            "twilio" => from_form("MessageSid").or_else(|| from_json("MessageSid")),
            "gitlab" => from_header("x-gitlab-event-uuid"),
            "standard" => from_header("webhook-id"),
            "clerk" | "resend" => from_header("svix-id"),
            "zapier" => from_json("id"),
            "mailgun" => match parsed {
                Parsed::Json(v) => v["event-data"]["id"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "square" => from_json("event_id"),
            "zoom" => from_header("x-zm-trackingid"),
            "twitch" => from_header("twitch-eventsub-message-id"),
            "hubspot" => match parsed {
                Parsed::Json(v) => Some(v[0]["eventId"].to_string()),
                Parsed::Form(_) => None,
            },
            "calendly" => match parsed {
                Parsed::Json(v) => v["payload"]["uri"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "standard-v1a" => from_header("webhook-id"),
            "discord" => from_json("id"),
            "sendgrid" => match parsed {
                Parsed::Json(v) => v[0]["sg_event_id"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "paddle" | "typeform" => from_json("event_id"),
            "sentry" => from_header("request-id"),
            "linear" => from_header("linear-delivery"),
            "bitbucket" => from_header("x-request-uuid"),
            "pagerduty" => match parsed {
                Parsed::Json(v) => v["event"]["id"].as_str().map(str::to_string),
                Parsed::Form(_) => None,
            },
            "intercom" => from_json("id"),
            _ => None,
        };
        id.unwrap_or_else(|| hex::encode(sha2::Sha256::digest(&req.body)))
    }

    pub(super) fn handle(&self, req: &Req) -> Reply {
        let b = &self.bugs;
        if let Some(s) = b.always {
            return Reply::Status(s);
        }
        // Mounted on its own path: anything else is not found.
        if !b.any_path && req.target.split('?').next() != Some(path_for(self.provider).as_str()) {
            return Reply::Status(404);
        }
        if req.method != "POST" {
            return Reply::Status(b.non_post.unwrap_or(405));
        }
        if b.needs_length && req.header("content-length").is_none() {
            return Reply::Status(411);
        }
        let exact = || req.header("content-type").unwrap_or_default().to_string();
        let media = if b.exact_content_type {
            exact()
        } else {
            media_type(req)
        };
        if !self.accepts(&media) {
            return Reply::Status(b.wrong_type.unwrap_or(415));
        }
        if let Some((limit, status)) = b.body_limit
            && req.body.len() > limit
        {
            return Reply::Status(status);
        }
        let cut;
        let req = match b.reads_first {
            Some(n) if req.body.len() > n => {
                cut = Req {
                    method: req.method.clone(),
                    target: req.target.clone(),
                    headers: req.headers.clone(),
                    body: req.body.slice(..n),
                    local: req.local,
                };
                &cut
            }
            _ => req,
        };
        if b.decodes_body_first && std::str::from_utf8(&req.body).is_err() {
            return Reply::Status(500);
        }
        if !b.no_signature_check {
            let verdict = match self.verify_with_bugs(req) {
                Ok(v) => v,
                Err(reply) => return reply,
            };
            match verdict {
                Verdict::Ok => {}
                Verdict::Missing if b.crash_on_missing_signature => return Reply::Crash,
                Verdict::Missing => return Reply::Status(401),
                Verdict::Bad => return Reply::Status(b.bad_signature.unwrap_or(401)),
                Verdict::Stale => return Reply::Status(400),
                Verdict::Unreadable => return Reply::Status(b.malformed.unwrap_or(400)),
            }
        }
        let Some(parsed) = self.parse(req) else {
            return Reply::Status(b.malformed.unwrap_or(400));
        };
        if let Some(reply) = self.handshake(req, &parsed) {
            return reply;
        }
        let id = self.event_id(req, &parsed);
        if !self.seen.lock().unwrap().insert(id) {
            return Reply::Status(b.duplicate.unwrap_or(200));
        }
        match b.slow {
            Some(wait) => Reply::After(wait, 200),
            None => Reply::Status(200),
        }
    }
}

/// The signature bugs, acting before or instead of a correct verify.
impl Hook {
    /// The verdict with the configured signature bugs; `Err` answers at once.
    pub(super) fn verify_with_bugs(&self, req: &Req) -> Result<Verdict, Reply> {
        let b = &self.bugs;
        if b.crash_on_malformed_signature && self.naive_parse_throws(req) {
            return Err(Reply::Status(500));
        }
        if b.prefix_compare && self.prefix_matches(req) {
            return Ok(Verdict::Ok);
        }
        if b.empty_secret_too
            && let Verdict::Ok = Hook::new(self.provider, "", Bugs::default()).verify(req)
        {
            return Ok(Verdict::Ok);
        }
        if b.body_alone {
            return Ok(self.verify_body_alone(req));
        }
        let verdict = if b.first_signature_only || b.last_signature_only {
            self.verify(&one_signature(req, b.last_signature_only))
        } else {
            self.verify(req)
        };
        if b.now_in_ms
            && matches!(verdict, Verdict::Ok | Verdict::Stale)
            && let Some(t) = signed_at(req)
        {
            let fresh = (now() * 1000 - t).abs() <= 300_000;
            return Ok(if fresh { Verdict::Ok } else { Verdict::Stale });
        }
        Ok(match verdict {
            Verdict::Stale if b.accept_future && signed_in_future(req) => Verdict::Ok,
            Verdict::Stale
                if b.window_in_ms
                    && signed_at(req).is_some_and(|t| (now() - t).abs() <= 300_000) =>
            {
                Verdict::Ok
            }
            v => v,
        })
    }

    /// The MACs in the signature header matched against the HMAC of the
    /// body alone, the timestamp left out.
    pub(super) fn verify_body_alone(&self, req: &Req) -> Verdict {
        let (header, key) = match self.provider {
            "stripe" => ("stripe-signature", self.secret.as_bytes().to_vec()),
            "slack" => ("x-slack-signature", self.secret.as_bytes().to_vec()),
            "standard" => ("webhook-signature", self.whsec_key()),
            "clerk" | "resend" => ("svix-signature", self.whsec_key()),
            other => panic!("no body-alone verify for {other}"),
        };
        let Some(h) = req.header(header) else {
            return Verdict::Missing;
        };
        let mac = hmac_sha256(&key, &[&req.body]);
        let given = h.split([',', ' ']).filter_map(|p| {
            // Each MAC: hex after `v1=` or `v0=` (Stripe, Slack), or base64
            // (Standard Webhooks, after its `v1,`).
            let after = p.split_once('=').map_or(p, |(_, v)| v);
            let hex = hex::decode(after).ok().filter(|g| g.len() == 32);
            hex.or_else(|| B64.decode(p).ok().filter(|g| g.len() == 32))
        });
        match given.into_iter().any(|g| ct_eq(&g, &mac)) {
            true => Verdict::Ok,
            false => Verdict::Bad,
        }
    }

    /// What a handler that indexes into `split` results and hex-decodes
    /// with a throwing decoder dies on: a present header that is garbage.
    pub(super) fn naive_parse_throws(&self, req: &Req) -> bool {
        let is_hex =
            |s: &str| s.len().is_multiple_of(2) && s.bytes().all(|c| c.is_ascii_hexdigit());
        match self.provider {
            "github" => req
                .header("x-hub-signature-256")
                .is_some_and(|h| !h.strip_prefix("sha256=").is_some_and(is_hex)),
            "stripe" => req.header("stripe-signature").is_some_and(|h| {
                let mut parts = h.split(',').map(|p| p.split_once('=').map(|(_, v)| v));
                let (t, v1) = (parts.next().flatten(), parts.next().flatten());
                !(t.is_some_and(|t| t.parse::<i64>().is_ok()) && v1.is_some_and(is_hex))
            }),
            other => panic!("no naive parser for {other}"),
        }
    }

    /// `expected.startsWith(given)`: true for the whole MAC, half of it,
    /// or nothing at all.
    pub(super) fn prefix_matches(&self, req: &Req) -> bool {
        let key = self.secret.as_bytes();
        match self.provider {
            "github" => req
                .header("x-hub-signature-256")
                .and_then(|h| h.strip_prefix("sha256="))
                .is_some_and(|given| {
                    hex::encode(hmac_sha256(key, &[&req.body])).starts_with(given)
                }),
            other => panic!("no prefix compare for {other}"),
        }
    }
}

/// The request with only one of its signatures, the first (`last`
/// false) or the last, as a handler that reads one sees it: Python's
/// `dict(p.split('=') for p in header.split(','))` keeps the last.
pub(super) fn one_signature(req: &Req, last: bool) -> Req {
    let mut headers = req.headers.clone();
    for name in ["stripe-signature", "webhook-signature", "svix-signature"] {
        let Some(v) = req.header(name) else {
            continue;
        };
        let first = if name == "stripe-signature" {
            let count = v.split(',').filter(|p| p.starts_with("v1=")).count();
            let keep = if last { count.saturating_sub(1) } else { 0 };
            let mut index = 0;
            v.split(',')
                .filter(|p| {
                    !p.starts_with("v1=") || {
                        index += 1;
                        index - 1 == keep
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        } else {
            let mut sigs = v.split(' ');
            let one = if last { sigs.next_back() } else { sigs.next() };
            one.unwrap_or_default().to_string()
        };
        headers.insert(
            hyper::header::HeaderName::from_static(name),
            first.parse().expect("a header value"),
        );
    }
    Req {
        method: req.method.clone(),
        target: req.target.clone(),
        headers,
        body: req.body.clone(),
        local: req.local,
    }
}

/// Whether the request's signed timestamp lies ahead of now.
pub(super) fn signed_in_future(req: &Req) -> bool {
    signed_at(req).is_some_and(|t| t > now())
}

/// The request's signed timestamp (Stripe, Slack, Standard Webhooks, Svix).
pub(super) fn signed_at(req: &Req) -> Option<i64> {
    let stripe_t = req.header("stripe-signature").and_then(|h| {
        h.split(',')
            .find_map(|p| p.strip_prefix("t="))
            .map(str::to_string)
    });
    let ts = stripe_t.or_else(|| {
        [
            "x-slack-request-timestamp",
            "webhook-timestamp",
            "svix-timestamp",
        ]
        .iter()
        .find_map(|n| req.header(n).map(str::to_string))
    });
    ts.and_then(|t| t.trim().parse::<i64>().ok())
}

impl Hook {
    /// The answer to the provider's probe, if this request is one.
    pub(super) fn handshake(&self, req: &Req, parsed: &Parsed) -> Option<Reply> {
        let Parsed::Json(doc) = parsed else {
            return None;
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let wrong = self.bugs.wrong_handshake;
        match self.provider {
            "slack" if doc["type"] == "url_verification" => Some(if wrong {
                Reply::Body(200, "application/json", req.body.to_vec())
            } else {
                Reply::Body(200, "text/plain", text(&doc["challenge"]).into_bytes())
            }),
            "zoom" if doc["event"] == "endpoint.url_validation" => {
                let plain = text(&doc["payload"]["plainToken"]);
                let mac = hmac_sha256(self.secret.as_bytes(), &[plain.as_bytes()]);
                let token = if wrong {
                    B64.encode(mac)
                } else {
                    hex::encode(mac)
                };
                let answer = serde_json::json!({"plainToken": plain, "encryptedToken": token});
                Some(Reply::Body(
                    200,
                    "application/json",
                    answer.to_string().into_bytes(),
                ))
            }
            "twitch"
                if req.header("twitch-eventsub-message-type")
                    == Some("webhook_callback_verification") =>
            {
                let challenge = text(&doc["challenge"]);
                Some(if wrong {
                    let wrapped = serde_json::json!({ "challenge": challenge });
                    Reply::Body(200, "application/json", wrapped.to_string().into_bytes())
                } else {
                    Reply::Body(200, "text/plain", challenge.into_bytes())
                })
            }
            // A PING is answered with a PONG; the bug: a generic "ok".
            "discord" if doc["type"] == 1 => Some(if wrong {
                Reply::Body(200, "text/plain", b"ok".to_vec())
            } else {
                Reply::Body(200, "application/json", br#"{"type":1}"#.to_vec())
            }),
            _ => None,
        }
    }
}

/// A receiver for `provider` with the given bugs, configured with `secret`.
pub(super) fn receiver_with_secret(provider: &'static str, secret: &str, bugs: Bugs) -> Server {
    let hook = Hook::new(provider, secret, bugs);
    Server::http(move |req| hook.handle(req))
}

/// A correct receiver behind a tunnel: URL-signing schemes are checked
/// against `public` (scheme and host) followed by the path and query.
pub(super) fn receiver_at(provider: &'static str, public: &str, bugs: Bugs) -> Server {
    let mut hook = Hook::new(provider, secret_for(provider), bugs);
    hook.public = Some(public.to_string());
    Server::http(move |req| hook.handle(req))
}

pub(super) fn receiver(provider: &'static str, bugs: Bugs) -> Server {
    receiver_with_secret(provider, secret_for(provider), bugs)
}
