//! Slack: `X-Slack-Signature: v0=HEX`, HMAC-SHA256 of `v0:TS:body` with the
//! app's signing secret, `X-Slack-Request-Timestamp: TS`; five minutes.

use super::v0::V0;
use super::*;

pub struct Slack;

const SIG_HEADER: &str = "X-Slack-Signature";
const SCHEME: V0 = V0 {
    signature: SIG_HEADER,
    timestamp: TS_HEADER,
};
const TS_HEADER: &str = "X-Slack-Request-Timestamp";

/// Judges the answer to `url_verification`: Slack accepts the challenge as
/// plain text, as JSON `{"challenge": …}`, or as a form `challenge=…`.
fn judge(
    req: &WebhookRequest,
    _secret: &Secret,
    answer: &HandshakeAnswer<'_>,
) -> Result<(), String> {
    let challenge = json_str(req, "challenge").unwrap_or_default();
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "url_verification got {}: Slack needs 200 with the challenge and will not save the Request URL",
            answer.status
        ));
    }
    let body = answer.body;
    if body == challenge.as_bytes() {
        return Ok(());
    }
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(body) {
        match doc.get("challenge").and_then(|c| c.as_str()) {
            Some(c)
                if c == challenge && doc.get("type").is_none() && doc.get("token").is_none() =>
            {
                return Ok(());
            }
            Some(c) if c == challenge => {
                return Err("the whole request was echoed back: answer only the challenge (plain text, or JSON {\"challenge\": …})".into());
            }
            _ => {}
        }
    }
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    if matches!(form.as_slice(), [(k, v)] if k == "challenge" && *v == challenge) {
        return Ok(());
    }
    Err(format!(
        "the answer ({:?}) is not the challenge: echo the `challenge` value as plain text, as JSON {{\"challenge\": …}}, or as a form",
        super::handshake::shown(body)
    ))
}

impl Provider for Slack {
    fn name(&self) -> &'static str {
        "slack"
    }

    fn tolerance(&self, opts: &VerifyOptions) -> Option<u64> {
        opts.tolerance.or(Some(300))
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "slack",
            title: "Slack",
            signature_headers: vec![SIG_HEADER.into()],
            scheme: "HMAC-SHA256 hex of `v0:TS:body` in `X-Slack-Signature: v0=SIG`, TS in X-Slack-Request-Timestamp".into(),
            timestamped: true,
            signs_body: true,
            default_tolerance: Some(300),
            delivery_timeout_secs: Some(3),
            secret_hint: "api.slack.com/apps > your app > Basic Information > App Credentials > Signing Secret",
            docs: "https://api.slack.com/authentication/verifying-requests-from-slack",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            (
                "User-Agent".into(),
                "Slackbot 1.0 (+https://api.slack.com/robots)".into(),
            ),
            ("Accept".into(), "application/json,*/*".into()),
            ("Accept-Encoding".into(), "gzip,deflate".into()),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        SCHEME.sign(req, secret, ctx);
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let tolerance = self.tolerance(opts).unwrap_or(300);
        SCHEME.verify(req, secret, opts.now, tolerance)
    }

    // Slack's documented check compares the absolute difference, but Bolt
    // for JavaScript checks only for old timestamps: a receiver built on it
    // is not failed for accepting a future one (check warns).

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        SCHEME.signed_at(req)
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(SIG_HEADER)
    }

    /// Events API callbacks name the inner event; forms name the interaction.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        if let Some(form) = req.form() {
            let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            if field("command").is_some() {
                return Some("slash_command".into());
            }
            let payload: serde_json::Value = serde_json::from_str(&field("payload")?).ok()?;
            return payload.get("type")?.as_str().map(str::to_string);
        }
        match json_str(req, "type")?.as_str() {
            // Message subtypes (bot_message, message_changed, ...) are
            // events of their own: `message.SUBTYPE`.
            "event_callback" => {
                let kind = json_str(req, "event.type")?;
                match json_str(req, "event.subtype") {
                    Some(sub) if kind == "message" => Some(format!("message.{sub}")),
                    _ => Some(kind),
                }
            }
            other => Some(other.to_string()),
        }
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        // url_verification carries no id; its challenge is unique per request.
        if let Some(id) = json_str(req, "event_id").or_else(|| json_str(req, "challenge")) {
            return Some(id);
        }
        // app_rate_limited: one per team and minute.
        if json_str(req, "type").as_deref() == Some("app_rate_limited") {
            return Some(format!(
                "{}:{}",
                json_str(req, "team_id")?,
                json_str(req, "minute_rate_limited")?
            ));
        }
        if let Some(trigger) = req.form_field("trigger_id") {
            return Some(trigger);
        }
        let payload: serde_json::Value = serde_json::from_str(&req.form_field("payload")?).ok()?;
        // view_closed, dialog_submission and the options requests carry no
        // trigger_id: the action's time, else the view and its hash, else
        // the request's timestamp.
        let at = |p: &str| {
            payload
                .pointer(p)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        at("/trigger_id")
            .or_else(|| at("/action_ts"))
            .or_else(|| Some(format!("{}:{}", at("/view/id")?, at("/view/hash")?)))
            .or_else(|| req.headers.get_str(TS_HEADER).map(str::to_string))
    }

    fn handshake(&self) -> Option<Handshake> {
        Some(Handshake {
            event: "url_verification",
            expected: "200, the challenge",
            judge,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example in Slack's "Verifying requests from Slack".
    #[test]
    fn slacks_published_example() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let mut req = WebhookRequest::post("http://x/", body.as_bytes().to_vec());
        req.headers
            .append("Content-Type", "application/x-www-form-urlencoded");
        req.headers.append(TS_HEADER, "1531420618");
        req.headers.append(
            SIG_HEADER,
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        );
        let secret = Secret::new("8f742231b10e8888abcd99yyyzzz85a5");
        let v = Slack.verify(&req, &secret, &VerifyOptions::at(1531420618 + 10));
        assert!(v.is_valid(), "{v:?}");
        assert_eq!(Slack.event_type(&req).as_deref(), Some("slash_command"));
        assert_eq!(
            Slack.event_id(&req).as_deref(),
            Some("398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
        );
    }

    #[test]
    fn every_cause() {
        let secret = Secret::new("slack-secret");
        let ctx = SignContext {
            timestamp: 1000,
            id: "x".into(),
        };
        let mut req = WebhookRequest::post(
            "http://x/",
            br#"{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}"#
                .to_vec(),
        );
        Slack.sign(&mut req, &secret, &ctx).unwrap();
        assert!(
            Slack
                .verify(&req, &secret, &VerifyOptions::at(1000))
                .is_valid()
        );
        assert_eq!(Slack.event_type(&req).as_deref(), Some("app_mention"));
        assert_eq!(Slack.event_id(&req).as_deref(), Some("Ev1"));
        assert_eq!(
            Slack.verify(&req, &Secret::new("no"), &VerifyOptions::at(1000)),
            Failure::mismatch(SIG_HEADER).into()
        );
        assert_eq!(
            Slack.verify(&req, &secret, &VerifyOptions::at(1301)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        assert_eq!(
            Slack.verify(&req, &secret, &VerifyOptions::at(600)),
            Failure::Future {
                ahead: 400,
                tolerance: 300
            }
            .into()
        );
        let mut bad = req.clone();
        bad.headers.set(TS_HEADER, "yesterday");
        assert!(matches!(
            Slack.verify(&bad, &secret, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
        bad.headers.remove(TS_HEADER);
        assert_eq!(
            Slack.verify(&bad, &secret, &VerifyOptions::at(1000)),
            Failure::missing(TS_HEADER).into()
        );
        let mut nosig = req.clone();
        nosig.headers.remove(SIG_HEADER);
        assert_eq!(
            Slack.verify(&nosig, &secret, &VerifyOptions::at(1000)),
            Failure::missing(SIG_HEADER).into()
        );
        nosig.headers.set(SIG_HEADER, "v1=00");
        assert!(matches!(
            Slack.verify(&nosig, &secret, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn names_block_actions() {
        let mut req = WebhookRequest::post(
            "http://x/",
            b"payload=%7B%22type%22%3A%22block_actions%22%2C%22trigger_id%22%3A%2213345.7.c%22%7D"
                .to_vec(),
        );
        req.headers
            .append("content-type", "application/x-www-form-urlencoded");
        assert_eq!(Slack.event_type(&req).as_deref(), Some("block_actions"));
        assert_eq!(Slack.event_id(&req).as_deref(), Some("13345.7.c"));
    }

    #[test]
    fn handshake_judge_takes_the_three_answers_slack_does() {
        let mut req = WebhookRequest::post(
            "https://example.com/slack",
            br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#.to_vec(),
        );
        req.headers.append("Content-Type", "application/json");
        let judge = Slack.handshake().unwrap().judge;
        let s = Secret::new("x");
        let answer = |status, body: &[u8]| {
            judge(
                &req,
                &s,
                &HandshakeAnswer {
                    status,
                    content_type: None,
                    body,
                },
            )
        };
        let c = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";
        assert_eq!(answer(200, c.as_bytes()), Ok(()));
        assert_eq!(
            answer(200, format!(r#"{{"challenge":"{c}"}}"#).as_bytes()),
            Ok(())
        );
        assert_eq!(answer(200, format!("challenge={c}").as_bytes()), Ok(()));
        assert!(answer(200, &req.body).unwrap_err().contains("echoed"));
        assert!(
            answer(200, b"ok")
                .unwrap_err()
                .contains("not the challenge")
        );
        assert!(answer(401, c.as_bytes()).unwrap_err().contains("401"));
    }
}
