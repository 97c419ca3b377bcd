//! Twilio: `X-Twilio-Signature`, HMAC-SHA1 (base64) keyed with the auth token
//! over the full public URL followed by each form parameter's name and value,
//! sorted by name. JSON bodies: the URL carries `bodySHA256=HEX` of the body
//! and only the URL is signed. No timestamp.

use super::crypto::{Algorithm, b64, b64_decode, ct_eq, hmac, sha256_hex};
use super::*;

pub struct Twilio;

const HEADER: &str = "X-Twilio-Signature";
const SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";

/// The string Twilio signs: the URL, then `name value` of each sorted,
/// de-duplicated parameter (the official SDKs sort names and values).
fn signed_string(url: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<&(String, String)> = params.iter().collect();
    pairs.sort();
    pairs.dedup();
    let mut s = String::from(url);
    for (k, v) in pairs {
        s.push_str(k);
        s.push_str(v);
    }
    s
}

fn compute(alg: Algorithm, secret: &Secret, url: &str, params: &[(String, String)]) -> Vec<u8> {
    hmac(
        alg,
        secret.as_bytes(),
        &[signed_string(url, params).as_bytes()],
    )
}

/// HMAC-SHA1 unless the request announces Twilio's HMAC-SHA256 mode in
/// `X-Twilio-Webhooks-Signature-Settings: key=…,algorithm=HMAC_SHA256`.
fn algorithm(req: &WebhookRequest) -> Algorithm {
    let sha256 = req.headers.get_str(SETTINGS_HEADER).is_some_and(|v| {
        v.split(',')
            .filter_map(|kv| kv.trim().split_once('='))
            .any(|(k, v)| {
                k.eq_ignore_ascii_case("algorithm") && v.eq_ignore_ascii_case("HMAC_SHA256")
            })
    });
    if sha256 {
        Algorithm::Sha256
    } else {
        Algorithm::Sha1
    }
}

/// The URL with and without its default port: Twilio's SDKs accept either,
/// since Twilio's own signing is not consistent about it.
fn url_variants(url: &str) -> Vec<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return vec![url.to_string()];
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_end = authority.rfind(']').map(|i| i + 1).unwrap_or(0);
    let mut out = vec![url.to_string()];
    match authority[host_end..].rfind(':') {
        Some(i) => {
            let host = &authority[..host_end + i];
            out.push(format!("{scheme}://{host}{tail}"));
        }
        None => {
            let port = if scheme.eq_ignore_ascii_case("https") {
                443
            } else {
                80
            };
            out.push(format!("{scheme}://{authority}:{port}{tail}"));
        }
    }
    out
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl Provider for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn signs_url(&self) -> bool {
        true
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            name: "twilio",
            title: "Twilio",
            signature_headers: vec![HEADER.into()],
            scheme: "HMAC-SHA1 base64 of the full URL + sorted form params (JSON: bodySHA256 in the URL) in `X-Twilio-Signature`; HMAC-SHA256 when X-Twilio-Webhooks-Signature-Settings asks".into(),
            timestamped: false,
            signs_body: true,
            default_tolerance: None,
            delivery_timeout_secs: Some(15),
            secret_hint: "Console > Account > API keys & tokens > Auth Token (the primary one signs webhooks)",
            docs: "https://www.twilio.com/docs/usage/webhooks/webhooks-security",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            ("User-Agent".into(), "TwilioProxy/1.1".into()),
            ("Accept".into(), "*/*".into()),
            ("Cache-Control".into(), "max-age=259200".into()),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
        ]
    }

    fn sign(
        &self,
        req: &mut WebhookRequest,
        secret: &Secret,
        _ctx: &SignContext,
    ) -> Result<(), Failure> {
        let sig = match req.form() {
            Some(params) => compute(algorithm(req), secret, &req.url, &params),
            None => {
                // A JSON (or other) body: its hash goes into the URL, and the URL is signed.
                let hash = sha256_hex(&req.body);
                match query_param(&req.url, "bodySHA256") {
                    None => {
                        let sep = if req.url.contains('?') { '&' } else { '?' };
                        req.url = format!("{}{sep}bodySHA256={hash}", req.url);
                    }
                    // Re-signing an edited body: the URL must carry the new hash.
                    Some(old) if old != hash => {
                        req.url = req
                            .url
                            .replace(&format!("bodySHA256={old}"), &format!("bodySHA256={hash}"));
                    }
                    Some(_) => {}
                }
                compute(algorithm(req), secret, &req.url, &[])
            }
        };
        req.headers.set(HEADER, b64(&sig));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, _opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let value = required_header(req, HEADER)?;
            let given =
                b64_decode(value.trim()).ok_or_else(|| Failure::malformed(HEADER, "not base64"))?;
            let body_hash = query_param(&req.url, "bodySHA256");
            let params = match &body_hash {
                Some(_) => Vec::new(),
                None => req.form().unwrap_or_default(),
            };
            let matched = url_variants(&req.url)
                .iter()
                .any(|u| ct_eq(&given, &compute(algorithm(req), secret, u, &params)));
            if !matched {
                return Err(Failure::mismatch(HEADER));
            }
            match body_hash {
                Some(h)
                    if !ct_eq(
                        h.to_ascii_lowercase().as_bytes(),
                        sha256_hex(&req.body).as_bytes(),
                    ) =>
                {
                    Err(Failure::BodyHashMismatch {
                        what: "the URL's bodySHA256".into(),
                    })
                }
                Some(_) => Ok(Verdict::valid(
                    "signature of the URL matches and bodySHA256 matches the body",
                )),
                None => Ok(Verdict::valid(format!(
                    "signature of the URL and {} form parameters matches (Twilio signs no timestamp)",
                    params.len()
                ))),
            }
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn detect(&self, headers: &Headers) -> bool {
        headers.contains(HEADER)
    }

    /// Twilio posts callbacks without an event name; hookcli names each
    /// documented callback from the form fields that set it apart.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        classify(&Fields(req.form()?))
    }

    /// Twilio's `I-Twilio-Idempotency-Token` header, else the callback's own
    /// sid. A message's or a call's status callbacks share its sid, so theirs
    /// carries the status too (`SM…:delivered`), one id per callback.
    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        if let Some(token) = req.headers.get_str(IDEMPOTENCY_HEADER) {
            return Some(token.to_string());
        }
        let f = Fields(req.form()?);
        let with_status = |sid: &str, status: Option<&str>| match status {
            Some(s) if !s.is_empty() => format!("{sid}:{s}"),
            _ => sid.to_string(),
        };
        if let Some(sid) = f.get("TranscriptionSid") {
            return Some(sid.to_string());
        }
        if let Some(sid) = f.get("RecordingSid") {
            return Some(with_status(sid, f.get("RecordingStatus")));
        }
        if let Some(sid) = f.get("MessageSid").or_else(|| f.get("SmsSid")) {
            return Some(with_status(sid, f.get("MessageStatus")));
        }
        let call = f.get("CallSid")?;
        Some(if f.is_status_callback() {
            with_status(call, f.get("CallStatus"))
        } else {
            call.to_string()
        })
    }
}

const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

/// A callback's form fields.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A call's status callback (`StatusCallbackEvent`): Twilio marks
    /// every one with `CallbackSource=call-progress-events`.
    fn is_status_callback(&self) -> bool {
        self.get("CallbackSource") == Some("call-progress-events")
    }
}

/// The callback's name:
/// - messages: `sms.status.<MessageStatus>` for a status callback
///   (`sms.status.delivered`...); an incoming message is
///   `whatsapp.incoming` (a `whatsapp:` sender), `mms.incoming` (NumMedia
///   above 0) or `sms.incoming`;
/// - calls: `voice.transcription` (TranscriptionSid), `voice.recording`
///   (RecordingSid or RecordingUrl), `voice.status.<CallStatus>` for a status callback
///   (`in-progress` is the `answered` event), `voice.gather.speech`
///   (SpeechResult) and `voice.gather.digits` (Digits) after `<Gather>`,
///   and `voice.call` for the voice webhook itself.
fn classify(f: &Fields) -> Option<String> {
    if let Some(status) = f.get("MessageStatus") {
        return Some(format!("sms.status.{status}"));
    }
    let incoming = f.has("Body") || f.get("SmsStatus") == Some("received");
    if incoming && !f.has("CallSid") {
        let sender = f.get("From").unwrap_or_default();
        let media = f
            .get("NumMedia")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .unwrap_or(0);
        return Some(
            if sender.starts_with("whatsapp:") {
                "whatsapp.incoming"
            } else if media > 0 {
                "mms.incoming"
            } else {
                "sms.incoming"
            }
            .into(),
        );
    }
    if f.has("TranscriptionSid") {
        return Some("voice.transcription".into());
    }
    if f.has("RecordingSid") || f.has("RecordingUrl") {
        return Some("voice.recording".into());
    }
    if f.is_status_callback() {
        return Some(match f.get("CallStatus") {
            Some("in-progress") => "voice.status.answered".into(),
            Some(status) if !status.is_empty() => format!("voice.status.{status}"),
            _ => "voice.status".into(),
        });
    }
    if f.has("SpeechResult") {
        return Some("voice.gather.speech".into());
    }
    if f.has("Digits") {
        return Some("voice.gather.digits".into());
    }
    f.has("CallSid").then(|| "voice.call".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(url: &str, body: &str) -> WebhookRequest {
        let mut req = WebhookRequest::post(url, body.as_bytes().to_vec());
        req.headers
            .append("Content-Type", "application/x-www-form-urlencoded");
        req
    }

    /// The example of Twilio's security docs and SDK tests.
    #[test]
    fn twilios_published_form_example() {
        let body = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
        let req = form("https://mycompany.com/myapp.php?foo=1&bar=2", body);
        let sig = b64(&compute(
            Algorithm::Sha1,
            &Secret::new("12345"),
            &req.url,
            &req.form().unwrap(),
        ));
        assert_eq!(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    }

    #[test]
    fn round_trip_form_and_port_variants() {
        let secret = Secret::new("auth-token");
        let ctx = SignContext {
            timestamp: 0,
            id: "x".into(),
        };
        let mut req = form(
            "https://example.com/sms?x=1",
            "To=%2B1&Body=hi&From=%2B2&MessageSid=SM1",
        );
        Twilio.sign(&mut req, &secret, &ctx).unwrap();
        let at = VerifyOptions::at(0);
        assert!(Twilio.verify(&req, &secret, &at).is_valid());
        let mut with_port = req.clone();
        with_port.url = "https://example.com:443/sms?x=1".into();
        assert!(Twilio.verify(&with_port, &secret, &at).is_valid());
        let mut other_url = req.clone();
        other_url.url = "https://example.com/other?x=1".into();
        assert_eq!(
            Twilio.verify(&other_url, &secret, &at),
            Failure::mismatch(HEADER).into()
        );
        let mut modified = req.clone();
        modified.body = b"To=%2B1&Body=hi!&From=%2B2&MessageSid=SM1".to_vec().into();
        assert_eq!(
            Twilio.verify(&modified, &secret, &at),
            Failure::mismatch(HEADER).into()
        );
        assert_eq!(Twilio.event_type(&req).as_deref(), Some("sms.incoming"));
        assert_eq!(Twilio.event_id(&req).as_deref(), Some("SM1"));
    }

    /// Each documented callback by the fields Twilio sends with it.
    #[test]
    fn names_each_callback_by_its_fields() {
        let cases = [
            (
                "MessageSid=SM1&SmsStatus=received&Body=hi&NumMedia=0&From=%2B1",
                "sms.incoming",
                "SM1",
            ),
            (
                "MessageSid=MM1&SmsStatus=received&Body=&NumMedia=1&From=%2B1",
                "mms.incoming",
                "MM1",
            ),
            (
                "MessageSid=SM1&SmsStatus=received&Body=hi&NumMedia=0&From=whatsapp%3A%2B1",
                "whatsapp.incoming",
                "SM1",
            ),
            (
                "MessageSid=SM1&SmsStatus=sent&MessageStatus=sent",
                "sms.status.sent",
                "SM1:sent",
            ),
            (
                "MessageSid=SM1&SmsStatus=delivered&MessageStatus=delivered",
                "sms.status.delivered",
                "SM1:delivered",
            ),
            (
                "MessageSid=SM1&MessageStatus=read&From=whatsapp%3A%2B1",
                "sms.status.read",
                "SM1:read",
            ),
            (
                "CallSid=CA1&CallStatus=ringing&Direction=inbound",
                "voice.call",
                "CA1",
            ),
            (
                "CallSid=CA1&CallStatus=in-progress&CallbackSource=call-progress-events",
                "voice.status.answered",
                "CA1:in-progress",
            ),
            (
                "CallSid=CA1&CallStatus=no-answer&CallbackSource=call-progress-events",
                "voice.status.no-answer",
                "CA1:no-answer",
            ),
            (
                "CallSid=CA1&RecordingSid=RE1&RecordingStatus=completed",
                "voice.recording",
                "RE1:completed",
            ),
            (
                "CallSid=CA1&RecordingSid=RE1&TranscriptionSid=TR1&TranscriptionStatus=completed",
                "voice.transcription",
                "TR1",
            ),
            (
                "CallSid=CA1&CallStatus=in-progress&Digits=2",
                "voice.gather.digits",
                "CA1",
            ),
            (
                "CallSid=CA1&CallStatus=in-progress&SpeechResult=sales&Confidence=0.9",
                "voice.gather.speech",
                "CA1",
            ),
        ];
        for (body, event, id) in cases {
            let mut req = form("https://example.com/t", body);
            assert_eq!(Twilio.event_type(&req).as_deref(), Some(event), "{body}");
            assert_eq!(Twilio.event_id(&req).as_deref(), Some(id), "{body}");
            req.headers.set(IDEMPOTENCY_HEADER, "token-1");
            assert_eq!(Twilio.event_id(&req).as_deref(), Some("token-1"), "{body}");
        }
        assert_eq!(Twilio.event_type(&form("https://e.com/", "a=1")), None);
    }

    #[test]
    fn json_bodies_sign_the_url_with_body_hash() {
        let secret = Secret::new("auth-token");
        let ctx = SignContext {
            timestamp: 0,
            id: "x".into(),
        };
        let mut req = WebhookRequest::post("https://example.com/hook", br#"{"a":1}"#.to_vec());
        req.headers.append("Content-Type", "application/json");
        Twilio.sign(&mut req, &secret, &ctx).unwrap();
        assert_eq!(
            req.url,
            format!(
                "https://example.com/hook?bodySHA256={}",
                sha256_hex(br#"{"a":1}"#)
            )
        );
        assert!(
            Twilio
                .verify(&req, &secret, &VerifyOptions::at(0))
                .is_valid()
        );
        let mut modified = req.clone();
        modified.body = br#"{"a":2}"#.to_vec().into();
        assert!(matches!(
            Twilio.verify(&modified, &secret, &VerifyOptions::at(0)),
            Verdict::Invalid {
                failure: Failure::BodyHashMismatch { .. }
            }
        ));
    }

    #[test]
    fn missing_and_malformed() {
        let req = form("https://e.com/", "a=1");
        let s = Secret::new("t");
        assert_eq!(
            Twilio.verify(&req, &s, &VerifyOptions::at(0)),
            Failure::missing(HEADER).into()
        );
        let mut bad = req.clone();
        bad.headers.set(HEADER, "***");
        assert!(matches!(
            Twilio.verify(&bad, &s, &VerifyOptions::at(0)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }
}
