//! Twitch EventSub over webhooks: `Twitch-Eventsub-Message-Signature:
//! sha256=HEX`, HMAC-SHA256 in hex of message id + timestamp + body, keyed
//! with the subscription's secret; the timestamp is RFC 3339 (nanoseconds)
//! and Twitch tells receivers to refuse messages older than ten minutes.
//! A new subscription first gets a `webhook_callback_verification`
//! message: the answer is the raw `challenge` string, 200, text/plain.

use super::crypto::{check_window, ct_eq, hmac_sha256};
use super::handshake::shown;
use super::*;

pub struct Twitch;

const SIG_HEADER: &str = "Twitch-Eventsub-Message-Signature";
const ID_HEADER: &str = "Twitch-Eventsub-Message-Id";
const TS_HEADER: &str = "Twitch-Eventsub-Message-Timestamp";
const TYPE_HEADER: &str = "Twitch-Eventsub-Message-Type";
const SUB_TYPE_HEADER: &str = "Twitch-Eventsub-Subscription-Type";
const SUB_VERSION_HEADER: &str = "Twitch-Eventsub-Subscription-Version";
/// Subscription types Twitch still delivers in a version older than their
/// newest (fixtures/twitch names these `TYPE@VERSION`).
const OLDER_VERSIONS: &[(&str, &str)] = &[
    ("automod.message.hold", "1"),
    ("automod.message.update", "1"),
    (
        "channel.channel_points_automatic_reward_redemption.add",
        "1",
    ),
    ("channel.hype_train.begin", "1"),
    ("channel.hype_train.end", "1"),
    ("channel.hype_train.progress", "1"),
    ("channel.moderate", "1"),
];
const TOLERANCE: u64 = 600;
const VERIFICATION: &str = "webhook_callback_verification";

fn signature(secret: &Secret, id: &str, ts: &str, body: &[u8]) -> String {
    let mac = hmac_sha256(secret.as_bytes(), &[id.as_bytes(), ts.as_bytes(), body]);
    format!("sha256={}", hex::encode(mac))
}

/// Twitch's timestamp: RFC 3339 in UTC with nanoseconds. The fraction is
/// drawn from the message id, so that one context gives one timestamp.
fn timestamp(secs: i64, id: &str) -> String {
    let nanos = id
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 1_000_000_000;
    crate::timefmt::rfc3339_nanos(secs, nanos as u32)
}

fn parse_rfc3339(value: &str) -> Result<i64, Failure> {
    time::OffsetDateTime::parse(value.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| Failure::malformed(TS_HEADER, format!("{value:?} is not an RFC 3339 time")))
}

fn judge(
    req: &WebhookRequest,
    _secret: &Secret,
    answer: &HandshakeAnswer<'_>,
) -> Result<(), String> {
    let challenge = json_str(req, "challenge").unwrap_or_default();
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "the verification got {}: Twitch needs 2xx with the challenge as the body, or the subscription fails",
            answer.status
        ));
    }
    if answer.body == challenge.as_bytes() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(answer.body);
    if text.trim() == challenge {
        return Err(
            "the challenge came back with whitespace around it: send exactly the challenge string"
                .into(),
        );
    }
    if text.contains(&challenge) {
        return Err(format!(
            "the challenge was wrapped ({:?}): Twitch wants the raw challenge string as the whole body, text/plain, not JSON",
            shown(answer.body)
        ));
    }
    Err(format!(
        "the body ({:?}) is not the challenge: answer the verification with exactly the `challenge` value, text/plain",
        shown(answer.body)
    ))
}

impl Provider for Twitch {
    fn name(&self) -> &'static str {
        "twitch"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "twitch",
            title: "Twitch",
            signature_headers: vec![SIG_HEADER.into()],
            scheme: "HMAC-SHA256 hex of message id + timestamp + body in `Twitch-Eventsub-Message-Signature: sha256=SIG`; webhook_callback_verification challenge".into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(TOLERANCE),
            delivery_timeout_secs: None,
            secret_hint: "the `secret` your app passed in transport.secret when it created the EventSub subscription",
            docs: "https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "Go-http-client/1.1".into()),
            ("Content-Type".into(), "application/json".into()),
            ("Twitch-Eventsub-Message-Retry".into(), "0".into()),
            (TYPE_HEADER.into(), "notification".into()),
            (SUB_VERSION_HEADER.into(), "1".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        let ts = timestamp(ctx.timestamp, &ctx.id);
        let sig = signature(secret, &ctx.id, &ts, &req.body);
        req.headers.set(ID_HEADER, ctx.id.clone());
        req.headers.set(TS_HEADER, ts);
        req.headers.set(SIG_HEADER, sig);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let given = required_header(req, SIG_HEADER)?.trim();
            let id = required_header(req, ID_HEADER)?;
            let ts_text = required_header(req, TS_HEADER)?;
            let ts = parse_rfc3339(ts_text)?;
            if !given.starts_with("sha256=") {
                return Err(Failure::malformed(
                    SIG_HEADER,
                    "does not start with \"sha256=\"",
                ));
            }
            let expected = signature(secret, id, ts_text, &req.body);
            if !ct_eq(given.as_bytes(), expected.as_bytes()) {
                return Err(Failure::mismatch(SIG_HEADER));
            }
            check_window(ts, opts.now, self.tolerance(opts).unwrap_or(TOLERANCE))?;
            Ok(Verdict::valid(format!(
                "sha256 signature matches, timestamp {} s old (dedupe on {ID_HEADER})",
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        parse_rfc3339(req.headers.get_str(TS_HEADER)?).ok()
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(SIG_HEADER)
    }

    /// The subscription type (`channel.follow`) for a notification, else the
    /// message type (`webhook_callback_verification`, `revocation`). A type
    /// delivered in an older version than the newest one is `TYPE@VERSION`
    /// (`channel.hype_train.begin@1`).
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        match req.headers.get_str(TYPE_HEADER) {
            Some(kind) if kind != "notification" => Some(kind.to_string()),
            _ => {
                let kind = req
                    .headers
                    .get_str(SUB_TYPE_HEADER)
                    .map(str::to_string)
                    .or_else(|| json_str(req, "subscription.type"))?;
                let version = req
                    .headers
                    .get_str(SUB_VERSION_HEADER)
                    .map(str::to_string)
                    .or_else(|| json_str(req, "subscription.version"));
                match version {
                    Some(v) if OLDER_VERSIONS.contains(&(kind.as_str(), v.as_str())) => {
                        Some(format!("{kind}@{v}"))
                    }
                    _ => Some(kind),
                }
            }
        }
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers.get_str(ID_HEADER).map(str::to_string)
    }

    fn handshake(&self) -> Option<Handshake> {
        Some(Handshake {
            event: VERIFICATION,
            expected: "2xx, the raw challenge",
            judge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "twitch-eventsub-secret-0123456789";

    fn signed(body: &[u8], ts: i64, kind: &str) -> WebhookRequest {
        let ctx = SignContext {
            timestamp: ts,
            id: "befa7b53-d79d-478f-86b9-120f112b044e".into(),
        };
        signed_for_test(
            &Twitch,
            body,
            SECRET,
            &ctx,
            &[(TYPE_HEADER, kind), (SUB_TYPE_HEADER, "channel.follow")],
        )
    }

    /// Twitch's docs give the recipe (id + timestamp + body, `sha256=` hex)
    /// and the example headers' shapes but no signed vector: the message
    /// is checked against an HMAC computed here, with the docs' message id
    /// and timestamp.
    #[test]
    fn documented_message() {
        use ::hmac::{KeyInit, Mac};
        let body = r#"{"subscription":{"type":"channel.follow"},"event":{}}"#;
        let mut req = WebhookRequest::post("https://example.com/twitch", body.as_bytes().to_vec());
        req.headers
            .set(ID_HEADER, "befa7b53-d79d-478f-86b9-120f112b044e");
        req.headers.set(TS_HEADER, "2019-11-16T10:11:12.634234626Z");
        let mut m = ::hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        m.update(
            format!("befa7b53-d79d-478f-86b9-120f112b044e2019-11-16T10:11:12.634234626Z{body}")
                .as_bytes(),
        );
        req.headers.set(
            SIG_HEADER,
            format!("sha256={}", hex::encode(m.finalize().into_bytes())),
        );
        let v = Twitch.verify(
            &req,
            &Secret::new(SECRET),
            &VerifyOptions::at(1_573_899_072 + 60),
        );
        assert!(v.is_valid(), "{v:?}");
        assert_eq!(Twitch.signed_at(&req), Some(1_573_899_072));
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(SECRET);
        let req = signed(b"{}", 1_700_000_000, "notification");
        assert!(
            req.headers
                .get_str(TS_HEADER)
                .unwrap()
                .starts_with("2023-11-14T22:13:20."),
            "{:?}",
            req.headers.get_str(TS_HEADER)
        );
        let at = |t| VerifyOptions::at(t);
        assert!(Twitch.verify(&req, &s, &at(1_700_000_599)).is_valid());
        assert_eq!(
            Twitch.verify(&req, &s, &at(1_700_000_601)),
            Failure::Stale {
                age: 601,
                tolerance: 600
            }
            .into()
        );
        assert_eq!(
            Twitch.verify(&req, &Secret::new("other"), &at(1_700_000_000)),
            Failure::mismatch(SIG_HEADER).into()
        );
        let mut other_id = req.clone();
        other_id.headers.set(ID_HEADER, "another");
        assert_eq!(
            Twitch.verify(&other_id, &s, &at(1_700_000_000)),
            Failure::mismatch(SIG_HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = b"{ }".to_vec().into();
        assert_eq!(
            Twitch.verify(&modified, &s, &at(1_700_000_000)),
            Failure::mismatch(SIG_HEADER).into()
        );
        let mut missing = req.clone();
        Twitch.strip_signature(&mut missing);
        assert_eq!(
            Twitch.verify(&missing, &s, &at(1_700_000_000)),
            Failure::missing(SIG_HEADER).into()
        );
        let mut bad_ts = req.clone();
        bad_ts.headers.set(TS_HEADER, "1700000000");
        assert!(matches!(
            Twitch.verify(&bad_ts, &s, &at(1_700_000_000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn detects_and_names_messages() {
        let note = signed(b"{}", 1, "notification");
        assert!(Twitch.detect(&note.headers));
        assert!(!Twitch.detect(&Headers::new()));
        assert_eq!(Twitch.event_type(&note).as_deref(), Some("channel.follow"));
        assert_eq!(
            Twitch.event_id(&note).as_deref(),
            Some("befa7b53-d79d-478f-86b9-120f112b044e")
        );
        let probe = signed(br#"{"challenge":"abc"}"#, 1, VERIFICATION);
        assert_eq!(Twitch.event_type(&probe).as_deref(), Some(VERIFICATION));
    }

    #[test]
    fn handshake_judge() {
        let req = signed(
            br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{}}"#,
            1,
            VERIFICATION,
        );
        let judge = Twitch.handshake().unwrap().judge;
        let s = Secret::new(SECRET);
        let answer = |status, body: &[u8]| {
            judge(
                &req,
                &s,
                &HandshakeAnswer {
                    status,
                    content_type: Some("text/plain"),
                    body,
                },
            )
        };
        assert_eq!(answer(200, b"pogchamp-kappa-360noscope-vohiyo"), Ok(()));
        assert!(
            answer(200, br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo"}"#)
                .unwrap_err()
                .contains("not JSON")
        );
        assert!(
            answer(200, b"pogchamp-kappa-360noscope-vohiyo\n")
                .unwrap_err()
                .contains("whitespace")
        );
        assert!(
            answer(200, b"ok")
                .unwrap_err()
                .contains("not the challenge")
        );
        assert!(
            answer(403, b"pogchamp-kappa-360noscope-vohiyo")
                .unwrap_err()
                .contains("403")
        );
    }
}
