//! Mailgun: HMAC-SHA256 hex of `timestamp + token`, keyed with the webhook
//! signing key, sent beside them in one of two shapes:
//! - JSON (today's webhooks): `{"signature":{"token":…,"timestamp":…,
//!   "signature":HEX},"event-data":{…}}`;
//! - a form (Routes forwarding a received message, and legacy webhooks):
//!   `timestamp`, `token` and `signature` among the form's fields, urlencoded,
//!   or multipart when the message has attachments.
//!
//! The content type tells them apart. The signature does not cover the
//! rest of the body: a modified body is not detectable. hookcli holds the
//! timestamp to five minutes (Mailgun advises a window without giving
//! one); the token cache Mailgun also advises needs state across
//! deliveries and is left to the receiver.

use std::ops::Range;

use serde_json::Value;

use super::crypto::{Alphabet, check_window, ct_eq, hmac_sha256, random_string};
use super::form_multipart;
use super::form_text::{remove_field, set_field};
use super::json_text::{insert_first, splice, value_range};
use super::*;

pub struct Mailgun;

const FIELD: &str = "signature";
const TOLERANCE: u64 = 300;

/// The signature fields as Mailgun sends them (timestamp as text or number).
#[derive(serde::Deserialize, Default)]
struct Signed {
    token: Option<Value>,
    timestamp: Option<Value>,
    signature: Option<Value>,
    #[serde(rename = "parent-signature")]
    parent: Option<Value>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn signature(secret: &Secret, timestamp: &str, token: &str) -> String {
    hex::encode(hmac_sha256(
        secret.as_bytes(),
        &[timestamp.as_bytes(), token.as_bytes()],
    ))
}

/// Where the signature object is in a JSON body, and what it holds.
fn signed_part(body: &[u8]) -> Option<(Range<usize>, Signed)> {
    let range = value_range(body, &[FIELD])?;
    let parsed = serde_json::from_slice(&body[range.clone()]).ok()?;
    Some((range, parsed))
}

/// The boundary of a multipart form post.
fn multipart(req: &WebhookRequest) -> Option<String> {
    form_multipart::boundary(req.headers.get_str("content-type")?)
}

/// A form post's text fields, urlencoded or multipart; `None` for JSON.
fn form(req: &WebhookRequest) -> Option<Vec<(String, String)>> {
    match multipart(req) {
        Some(b) => form_multipart::text_fields(&req.body, &b),
        None => req.form(),
    }
}

/// Whether the content type names a form, urlencoded or multipart (the
/// body is not parsed: it may hold megabytes of attachments).
fn is_form(req: &WebhookRequest) -> bool {
    req.is_form() || multipart(req).is_some()
}

fn form_field(req: &WebhookRequest, name: &str) -> Option<String> {
    form(req)?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The signature fields of either shape; `None` when there are none.
fn read(req: &WebhookRequest) -> Option<Signed> {
    let Some(form) = form(req) else {
        return signed_part(&req.body).map(|(_, s)| s);
    };
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| Value::String(v.clone()))
    };
    let s = Signed {
        token: get("token"),
        timestamp: get("timestamp"),
        signature: get(FIELD),
        parent: get("parent-signature"),
    };
    (s.token.is_some() || s.timestamp.is_some() || s.signature.is_some()).then_some(s)
}

/// How a field is named in the verdict: inside the JSON object, or the form's own.
fn path(req: &WebhookRequest, name: &str) -> String {
    if is_form(req) {
        name.to_string()
    } else {
        format!("{FIELD}.{name}")
    }
}

/// The signature object's text, written in Mailgun's member order.
fn object(token: &str, timestamp: &str, sig: Option<&str>) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    match sig {
        Some(sig) => format!(
            "{{\"token\":{},\"timestamp\":{},\"signature\":{}}}",
            q(token),
            q(timestamp),
            q(sig)
        ),
        None => format!("{{\"token\":{},\"timestamp\":{}}}", q(token), q(timestamp)),
    }
}

/// Writes the signature fields into the body (no signature: left out),
/// every other byte kept: the JSON object replaced or put first, the form's
/// fields replaced in place or appended.
fn write(
    req: &mut WebhookRequest,
    token: &str,
    timestamp: &str,
    sig: Option<&str>,
) -> Result<(), Failure> {
    if let Some(b) = multipart(req) {
        let unreadable = || Failure::malformed_field(FIELD, "the multipart body cannot be read");
        let body =
            form_multipart::set_field(&req.body, &b, "token", token).ok_or_else(unreadable)?;
        let body =
            form_multipart::set_field(&body, &b, "timestamp", timestamp).ok_or_else(unreadable)?;
        req.body = match sig {
            Some(sig) => form_multipart::set_field(&body, &b, FIELD, sig),
            None => form_multipart::remove_field(&body, &b, FIELD),
        }
        .ok_or_else(unreadable)?
        .into();
        return Ok(());
    }
    if req.is_form() {
        let body = set_field(&req.body, "token", token);
        let body = set_field(&body, "timestamp", timestamp);
        req.body = match sig {
            Some(sig) => set_field(&body, FIELD, sig),
            None => remove_field(&body, FIELD),
        }
        .into();
        return Ok(());
    }
    let new = object(token, timestamp, sig);
    req.body = match signed_part(&req.body) {
        Some((range, _)) => splice(&req.body, range, new.as_bytes()),
        None => insert_first(&req.body, FIELD, &new).ok_or_else(|| {
            Failure::malformed_field(FIELD, "the body is not a JSON object to put it in")
        })?,
    }
    .into();
    Ok(())
}

impl Provider for Mailgun {
    fn name(&self) -> &'static str {
        "mailgun"
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "mailgun",
            title: "Mailgun",
            signature_headers: vec!["signature.signature (in the body)".into()],
            scheme: "HMAC-SHA256 hex of `timestamp + token`, all three in the JSON body's `signature` object (webhooks) or among the form's fields (routes, legacy webhooks); the rest of the body is not signed".into(),
            timestamped: true,
            signs_body: false,
            default_tolerance: Some(TOLERANCE),
            delivery_timeout_secs: None,
            secret_hint: "Mailgun > Sending > Webhooks > HTTP webhook signing key",
            docs: "https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "mailgun/treq-23.11.0".into()),
            ("Content-Type".into(), "application/json".into()),
        ]
    }

    /// Writes fresh signature fields into the body, in place of the ones
    /// there: the rest stays byte for byte.
    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        ctx: &SignContext,
    ) -> Result<(), Failure> {
        let ts = ctx.timestamp.to_string();
        let token = read(req)
            .and_then(|s| s.token.as_ref().and_then(text))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| random_string(Alphabet::Hex, 50));
        let sig = signature(secret, &ts, &token);
        write(req, &token, &ts, Some(&sig))
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let s = read(req).ok_or_else(|| Failure::missing_field(FIELD))?;
            let field = |v: &Option<Value>, name: &str| -> Result<String, Failure> {
                let path = path(req, name);
                let v = v.as_ref().ok_or_else(|| Failure::missing_field(&path))?;
                text(v).ok_or_else(|| Failure::malformed_field(&path, "not a string"))
            };
            let token = field(&s.token, "token")?;
            let ts_text = field(&s.timestamp, "timestamp")?;
            let given = field(&s.signature, FIELD)?;
            let ts: i64 = ts_text.trim().parse().map_err(|_| {
                Failure::malformed_field(&path(req, "timestamp"), "not a whole number of seconds")
            })?;
            let expected = signature(secret, &ts_text, &token);
            let parent = s.parent.as_ref().and_then(text);
            let matched = if ct_eq(given.to_ascii_lowercase().as_bytes(), expected.as_bytes()) {
                "signature"
            } else if parent
                .is_some_and(|p| ct_eq(p.to_ascii_lowercase().as_bytes(), expected.as_bytes()))
            {
                "parent-signature"
            } else {
                return Err(Failure::mismatch(&path(req, FIELD)));
            };
            check_window(ts, opts.now, self.tolerance(opts).unwrap_or(TOLERANCE))?;
            let rest = if is_form(req) {
                "the other form fields"
            } else {
                "event-data"
            };
            Ok(Verdict::valid(format!(
                "{matched} matches timestamp + token, timestamp {} s old ({rest} not signed; cache tokens to refuse replays)",
                opts.now - ts
            )))
        };
        run().unwrap_or_else(Verdict::from)
    }

    /// Leaves the timestamp and token, takes the signature out.
    fn strip_signature(&self, req: &mut WebhookRequest) {
        if let Some(s) = read(req) {
            let token = s.token.as_ref().and_then(text).unwrap_or_default();
            let ts = s.timestamp.as_ref().and_then(text).unwrap_or_default();
            let _ = write(req, &token, &ts, None);
        }
    }

    /// The signature is a field of the body: rewritten there, the rest of
    /// the body byte for byte.
    fn map_signature(&self, req: &mut WebhookRequest, f: &dyn Fn(&str) -> String) -> bool {
        let Some(s) = read(req) else {
            return false;
        };
        let Some(sig) = s.signature.as_ref().and_then(text) else {
            return false;
        };
        let token = s.token.as_ref().and_then(text).unwrap_or_default();
        let ts = s.timestamp.as_ref().and_then(text).unwrap_or_default();
        write(req, &token, &ts, Some(&f(&sig))).is_ok()
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        read(req)?.timestamp.as_ref().and_then(text)?.parse().ok()
    }

    /// No signature header to go by: Mailgun's client names itself
    /// `mailgun/…` in User-Agent (observed, not documented).
    fn detect(&self, headers: &Headers) -> bool {
        headers
            .get_str("user-agent")
            .is_some_and(|ua| ua.to_ascii_lowercase().starts_with("mailgun/"))
    }

    /// `delivered`, `failed`, `opened`… (the body's `event-data.event`, or a
    /// legacy form's `event`); a form without one is a message a route
    /// forwarded: `inbound`.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        if is_form(req) {
            form_field(req, "event").or_else(|| Some("inbound".into()))
        } else {
            json_str(req, "event-data.event")
        }
    }

    /// `event-data.id`; for a form, the message's Message-Id (a field of
    /// legacy webhooks, a header in a route's `message-headers`).
    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        if !is_form(req) {
            return json_str(req, "event-data.id");
        }
        form_field(req, "Message-Id").or_else(|| {
            let headers: Vec<(String, String)> =
                serde_json::from_str(&form_field(req, "message-headers")?).ok()?;
            headers
                .into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("message-id"))
                .map(|(_, v)| v)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "key-7f3c9a1e5b2d4f6a8c0e1b3d5f7a9c2e";

    fn signed(body: &str, ts: i64) -> WebhookRequest {
        let mut req = WebhookRequest::post("https://example.com/mg", body.as_bytes().to_vec());
        let ctx = SignContext {
            timestamp: ts,
            id: "x".into(),
        };
        Mailgun.sign(&mut req, &Secret::new(KEY), &ctx).unwrap();
        req
    }

    /// The shape of Mailgun's "Securing Webhooks" example, with a signature
    /// computed here from its timestamp and token: Mailgun's page masks its
    /// signature, so there is no published value to pin.
    #[test]
    fn documented_shape_verifies_and_signature_is_timestamp_plus_token() {
        let token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
        let ts = "1770920772";
        let sig = signature(&Secret::new(KEY), ts, token);
        // Independently: HMAC-SHA256 over the concatenation, hex.
        use ::hmac::{KeyInit, Mac};
        let mut mac = ::hmac::Hmac::<sha2::Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
        mac.update(format!("{ts}{token}").as_bytes());
        assert_eq!(sig, hex::encode(mac.finalize().into_bytes()));
        let body = format!(
            r#"{{"signature": {{"token": "{token}", "timestamp": "{ts}", "signature": "{sig}"}}, "event-data": {{"event": "delivered", "id": "CPgfbmQMTCKtHW6uIWtuVe"}}}}"#
        );
        let req = WebhookRequest::post("https://example.com/mg", body.into_bytes());
        let v = Mailgun.verify(&req, &Secret::new(KEY), &VerifyOptions::at(1_770_920_800));
        assert!(v.is_valid(), "{v:?}");
        assert_eq!(Mailgun.event_type(&req).as_deref(), Some("delivered"));
        assert_eq!(
            Mailgun.event_id(&req).as_deref(),
            Some("CPgfbmQMTCKtHW6uIWtuVe")
        );
    }

    #[test]
    fn signing_substitutes_the_signature_object_only() {
        let body = "{\n  \"signature\": {\"token\": \"tok\", \"timestamp\": \"1\", \"signature\": \"\"},\n  \"event-data\": {\"event\": \"opened\",  \"id\": \"e1\"}\n}";
        let req = signed(body, 1000);
        let text = String::from_utf8(req.body.to_vec()).unwrap();
        let sig = signature(&Secret::new(KEY), "1000", "tok");
        assert_eq!(
            text,
            format!(
                "{{\n  \"signature\": {{\"token\":\"tok\",\"timestamp\":\"1000\",\"signature\":\"{sig}\"}},\n  \"event-data\": {{\"event\": \"opened\",  \"id\": \"e1\"}}\n}}"
            )
        );
        // No signature object yet: one goes in first, with a fresh token.
        let bare = signed(r#"{"event-data":{"event":"opened"}}"#, 1000);
        assert!(bare.body.starts_with(br#"{"signature":{"token":""#));
        assert!(
            bare.body
                .ends_with(br#"},"event-data":{"event":"opened"}}"#)
        );
        assert!(
            Mailgun
                .verify(&bare, &Secret::new(KEY), &VerifyOptions::at(1000))
                .is_valid()
        );
        let mut not_object = WebhookRequest::post("https://e.com/", b"[1]".to_vec());
        assert!(matches!(
            Mailgun.sign(
                &mut not_object,
                &Secret::new(KEY),
                &SignContext {
                    timestamp: 1,
                    id: String::new()
                }
            ),
            Err(Failure::MalformedField { .. })
        ));
    }

    #[test]
    fn round_trip_and_every_cause() {
        let s = Secret::new(KEY);
        let req = signed(
            r#"{"signature":{"token":"abc","timestamp":"0","signature":""},"event-data":{"event":"delivered","id":"x1"}}"#,
            1000,
        );
        assert!(
            Mailgun
                .verify(&req, &s, &VerifyOptions::at(1010))
                .is_valid()
        );
        assert_eq!(Mailgun.signed_at(&req), Some(1000));
        assert_eq!(
            Mailgun.verify(&req, &Secret::new("key-other"), &VerifyOptions::at(1000)),
            Failure::mismatch("signature.signature").into()
        );
        // event-data is not signed: changing it keeps the signature valid.
        let mut modified = req.clone();
        modified.body = String::from_utf8(req.body.to_vec())
            .unwrap()
            .replace("x1", "x2")
            .into();
        assert!(
            Mailgun
                .verify(&modified, &s, &VerifyOptions::at(1000))
                .is_valid()
        );
        assert_eq!(
            Mailgun.verify(&req, &s, &VerifyOptions::at(1301)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        assert!(matches!(
            Mailgun.verify(&req, &s, &VerifyOptions::at(600)),
            Verdict::Invalid {
                failure: Failure::Future { .. }
            }
        ));
        let mut missing = req.clone();
        Mailgun.strip_signature(&mut missing);
        assert_eq!(
            Mailgun.verify(&missing, &s, &VerifyOptions::at(1000)),
            Failure::missing_field("signature.signature").into()
        );
        assert!(
            missing
                .body
                .ends_with(br#","event-data":{"event":"delivered","id":"x1"}}"#)
        );
        let none = WebhookRequest::post("https://e.com/", br#"{"event-data":{}}"#.to_vec());
        assert_eq!(
            Mailgun.verify(&none, &s, &VerifyOptions::at(1000)),
            Failure::missing_field("signature").into()
        );
        let bad_ts = WebhookRequest::post(
            "https://e.com/",
            br#"{"signature":{"token":"t","timestamp":"soon","signature":"00"}}"#.to_vec(),
        );
        assert!(matches!(
            Mailgun.verify(&bad_ts, &s, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedField { .. }
            }
        ));
    }

    #[test]
    fn a_subaccount_parent_signature_is_accepted() {
        let s = Secret::new(KEY);
        let sig = signature(&s, "1000", "tok");
        let body = format!(
            r#"{{"signature":{{"token":"tok","timestamp":"1000","signature":"{}","parent-signature":"{sig}"}}}}"#,
            "0".repeat(64)
        );
        let req = WebhookRequest::post("https://e.com/", body.into_bytes());
        let v = Mailgun.verify(&req, &s, &VerifyOptions::at(1000));
        assert!(v.explain().contains("parent-signature"), "{v:?}");
    }

    /// `req`, an inbound form signed at 1000 for message `<m1@x>`, verifies
    /// at 1010 and reads as such.
    fn assert_inbound_form_verifies(req: &WebhookRequest, s: &Secret) {
        let v = Mailgun.verify(req, s, &VerifyOptions::at(1010));
        assert!(v.is_valid(), "{v:?}");
        assert!(v.explain().contains("form fields"), "{v:?}");
        assert_eq!(Mailgun.event_type(req).as_deref(), Some("inbound"));
        assert_eq!(Mailgun.event_id(req).as_deref(), Some("<m1@x>"));
        assert_eq!(Mailgun.signed_at(req), Some(1000));
    }

    fn form(body: &str) -> WebhookRequest {
        let mut req = WebhookRequest::post("https://example.com/mg", body.as_bytes().to_vec());
        req.headers
            .append("Content-Type", "application/x-www-form-urlencoded");
        req
    }

    /// A route's form post: the three fields among the form's own, the
    /// signature computed here as in the JSON test.
    #[test]
    fn a_form_post_signs_and_verifies_with_the_same_three_fields() {
        let s = Secret::new(KEY);
        let token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
        let sig = signature(&s, "1000", token);
        let body = format!(
            "recipient=support%40mg.example.com&body-plain=Hi+there&timestamp=1000&token={token}&signature={sig}&message-headers=%5B%5B%22Message-Id%22%2C+%22%3Cm1%40x%3E%22%5D%5D"
        );
        let req = form(&body);
        assert_inbound_form_verifies(&req, &s);
        // The same fields read as JSON would not be found: the content type decides.
        let mut as_json = req.clone();
        as_json.headers.set("Content-Type", "application/json");
        assert_eq!(
            Mailgun.verify(&as_json, &s, &VerifyOptions::at(1010)),
            Failure::missing_field("signature").into()
        );

        // Signing rewrites the three fields in place, every other byte kept.
        let mut resigned = req.clone();
        let ctx = SignContext {
            timestamp: 2000,
            id: String::new(),
        };
        Mailgun.sign(&mut resigned, &s, &ctx).unwrap();
        let new_sig = signature(&s, "2000", token);
        assert_eq!(
            resigned.body,
            body.replace("timestamp=1000", "timestamp=2000")
                .replace(&sig, &new_sig)
                .into_bytes()
        );
        assert_eq!(
            Mailgun.verify(
                &resigned,
                &Secret::new("key-other"),
                &VerifyOptions::at(2000)
            ),
            Failure::mismatch("signature").into()
        );
        assert_eq!(
            Mailgun.verify(&resigned, &s, &VerifyOptions::at(2301)),
            Failure::Stale {
                age: 301,
                tolerance: 300
            }
            .into()
        );
        // A form without the fields gets all three, appended.
        let mut bare = form("event=delivered&recipient=a%40b.c");
        Mailgun.sign(&mut bare, &s, &ctx).unwrap();
        assert!(
            bare.body
                .starts_with(b"event=delivered&recipient=a%40b.c&token=")
        );
        assert!(
            Mailgun
                .verify(&bare, &s, &VerifyOptions::at(2000))
                .is_valid()
        );
        assert_eq!(Mailgun.event_type(&bare).as_deref(), Some("delivered"));

        stripped_and_halved_fail(&resigned, &s, "&signature=");
    }

    /// A route's post for a message with an attachment is multipart: the
    /// same three fields among its parts, an attachment of raw bytes kept.
    #[test]
    fn a_multipart_route_post_signs_and_verifies_with_the_same_three_fields() {
        let s = Secret::new(KEY);
        let b = "a7f2c9e1b3d5";
        let token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123";
        let sig = signature(&s, "1000", token);
        let part = |name: &str, value: &str| {
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        let mut body = Vec::new();
        body.extend(part("recipient", "support@mg.example.com").bytes());
        body.extend(part("message-headers", r#"[["Message-Id", "<m1@x>"]]"#).bytes());
        body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"attachment-1\"; filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").bytes());
        body.extend_from_slice(b"%PDF\xff\xfe\x00\r\n--a7f2c9e1b3d5 not a delimiter\r\n");
        body.extend(part("timestamp", "1000").bytes());
        body.extend(part("token", token).bytes());
        body.extend(part("signature", &sig).bytes());
        body.extend(format!("--{b}--\r\n").bytes());
        let mut req = WebhookRequest::post("https://example.com/mg", body.clone());
        req.headers.append(
            "Content-Type",
            format!("multipart/form-data; boundary={b}").as_str(),
        );
        assert_inbound_form_verifies(&req, &s);

        // Re-signed in place: only the timestamp and the signature change.
        let mut resigned = req.clone();
        let ctx = SignContext {
            timestamp: 2000,
            id: String::new(),
        };
        Mailgun.sign(&mut resigned, &s, &ctx).unwrap();
        let new_sig = signature(&s, "2000", token);
        let expected = String::from_utf8_lossy(&body)
            .replace("\r\n\r\n1000\r\n", "\r\n\r\n2000\r\n")
            .replace(&sig, &new_sig);
        assert_eq!(String::from_utf8_lossy(&resigned.body), expected);
        assert!(
            resigned.body.windows(4).any(|w| w == b"\xff\xfe\x00\r"),
            "attachment bytes kept"
        );
        assert!(
            Mailgun
                .verify(&resigned, &s, &VerifyOptions::at(2000))
                .is_valid()
        );
        assert_eq!(
            Mailgun.verify(
                &resigned,
                &Secret::new("key-other"),
                &VerifyOptions::at(2000)
            ),
            Failure::mismatch("signature").into()
        );

        stripped_and_halved_fail(&resigned, &s, "name=\"signature\"");
    }

    /// A signed form without its signature field (`field` no longer in the
    /// body) is missing one; with half of it, a mismatch.
    fn stripped_and_halved_fail(signed: &WebhookRequest, s: &Secret, field: &str) {
        let mut missing = signed.clone();
        Mailgun.strip_signature(&mut missing);
        assert!(!String::from_utf8_lossy(&missing.body).contains(field));
        assert_eq!(
            Mailgun.verify(&missing, s, &VerifyOptions::at(2000)),
            Failure::missing_field("signature").into()
        );
        let mut halved = signed.clone();
        assert!(Mailgun.map_signature(&mut halved, &|sig| sig[..32].to_string()));
        assert_eq!(
            Mailgun.verify(&halved, s, &VerifyOptions::at(2000)),
            Failure::mismatch("signature").into()
        );
    }

    #[test]
    fn detects_by_user_agent() {
        let mut h = Headers::new();
        h.append("User-Agent", "mailgun/treq-23.11.0");
        assert!(Mailgun.detect(&h));
        assert!(!Mailgun.detect(&Headers::new()));
    }
}
