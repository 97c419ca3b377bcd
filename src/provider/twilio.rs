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

    /// Twilio has no event names; hookcli names the two callbacks it knows.
    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        let form = req.form()?;
        let has = |k: &str| form.iter().any(|(n, _)| n == k);
        if has("Body") {
            Some("sms.incoming".into())
        } else if has("MessageStatus") {
            Some("sms.status".into())
        } else if has("CallSid") {
            Some("voice.call".into())
        } else {
            None
        }
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        req.headers
            .get_str("I-Twilio-Idempotency-Token")
            .map(str::to_string)
            .or_else(|| req.form_field("MessageSid"))
            .or_else(|| req.form_field("CallSid"))
    }
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
        modified.body = b"To=%2B1&Body=hi!&From=%2B2&MessageSid=SM1".to_vec();
        assert_eq!(
            Twilio.verify(&modified, &secret, &at),
            Failure::mismatch(HEADER).into()
        );
        assert_eq!(Twilio.event_type(&req).as_deref(), Some("sms.incoming"));
        assert_eq!(Twilio.event_id(&req).as_deref(), Some("SM1"));
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
        modified.body = br#"{"a":2}"#.to_vec();
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
