//! Custom HMAC: for senders with their own scheme. The header, its value
//! prefix, the digest, the encoding, the signed-string template and an
//! optional timestamp header are all settings.

use super::crypto::{Algorithm, b64, b64_decode, check_window, ct_eq, hmac, parse_timestamp};
use super::*;

/// How the signature bytes are written in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Hex,
    Base64,
}

/// The settings of a custom HMAC scheme.
#[derive(Clone, Debug)]
pub struct HmacConfig {
    pub header: String,
    pub prefix: String,
    pub algorithm: Algorithm,
    pub encoding: Encoding,
    /// The signed string: `{body}`, `{timestamp}`, `{method}` and `{url}` are replaced.
    pub template: String,
    pub timestamp_header: Option<String>,
}

impl Default for HmacConfig {
    fn default() -> Self {
        Self {
            header: "X-Signature".into(),
            prefix: String::new(),
            algorithm: Algorithm::Sha256,
            encoding: Encoding::Hex,
            template: "{body}".into(),
            timestamp_header: None,
        }
    }
}

impl HmacConfig {
    /// Checks that the template only uses what the request provides.
    pub fn validate(&self) -> Result<(), String> {
        if self.template.contains("{timestamp}") && self.timestamp_header.is_none() {
            return Err("the HMAC template uses {timestamp}, so --hmac-timestamp-header must name the header that carries it".into());
        }
        let mut rest = self.template.as_str();
        while let Some(start) = rest.find('{') {
            let end = rest[start..]
                .find('}')
                .ok_or("the HMAC template has a `{` without a closing `}`")?;
            let name = &rest[start + 1..start + end];
            if !["body", "timestamp", "method", "url"].contains(&name) {
                return Err(format!(
                    "the HMAC template names {{{name}}}; it knows {{body}}, {{timestamp}}, {{method}} and {{url}}"
                ));
            }
            rest = &rest[start + end + 1..];
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct CustomHmac {
    pub config: HmacConfig,
}

impl CustomHmac {
    pub fn new(config: HmacConfig) -> Self {
        Self { config }
    }

    /// The MAC over the template with the request's values filled in.
    fn compute(&self, secret: &Secret, req: &WebhookRequest, timestamp: &str) -> Vec<u8> {
        let mut parts: Vec<&[u8]> = Vec::new();
        let mut rest = self.config.template.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            parts.push(&rest.as_bytes()[..start]);
            parts.push(match &rest[start + 1..start + len] {
                "body" => &req.body,
                "timestamp" => timestamp.as_bytes(),
                "method" => req.method.as_bytes(),
                "url" => req.url.as_bytes(),
                other => other.as_bytes(),
            });
            rest = &rest[start + len + 1..];
        }
        parts.push(rest.as_bytes());
        hmac(self.config.algorithm, secret.as_bytes(), &parts)
    }

    fn encode(&self, mac: &[u8]) -> String {
        match self.config.encoding {
            Encoding::Hex => hex::encode(mac),
            Encoding::Base64 => b64(mac),
        }
    }
}

impl Provider for CustomHmac {
    fn name(&self) -> &'static str {
        "hmac"
    }

    fn info(&self) -> ProviderInfo {
        let c = &self.config;
        ProviderInfo {
            name: "hmac",
            title: "Custom HMAC",
            signature_headers: vec![c.header.clone()],
            scheme: format!(
                "HMAC-{} {} of `{}` in `{}: {}SIG`",
                format!("{:?}", c.algorithm).to_uppercase(),
                format!("{:?}", c.encoding).to_lowercase(),
                c.template,
                c.header,
                c.prefix
            ),
            timestamped: c.timestamp_header.is_some(),
            signs_body: c.template.contains("{body}"),
            default_tolerance: c.timestamp_header.as_ref().map(|_| 300),
            delivery_timeout_secs: Some(10),
            secret_hint: "whatever the sender calls its signing secret",
            docs: "hookcli send --help (the --hmac-* flags)",
        }
    }

    fn default_headers(&self, _ctx: &SignContext) -> Vec<(String, String)> {
        vec![
            (
                "User-Agent".into(),
                concat!("hookcli/", env!("CARGO_PKG_VERSION")).into(),
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
        let ts = ctx.timestamp.to_string();
        if let Some(h) = &self.config.timestamp_header {
            req.headers.set(h, ts.clone());
        }
        let sig = self.encode(&self.compute(secret, req, &ts));
        req.headers
            .set(&self.config.header, format!("{}{sig}", self.config.prefix));
        Ok(())
    }

    fn verify(&self, req: &WebhookRequest, secret: &Secret, opts: &VerifyOptions) -> Verdict {
        let run = || -> Result<Verdict, Failure> {
            let c = &self.config;
            let (ts_text, ts) = match &c.timestamp_header {
                Some(h) => {
                    let text = required_header(req, h)?.trim();
                    (text, Some(parse_timestamp(h, text)?))
                }
                None => ("", None),
            };
            let value = required_header(req, &c.header)?.trim();
            let encoded = value.strip_prefix(c.prefix.as_str()).ok_or_else(|| {
                Failure::malformed(&c.header, format!("does not start with {:?}", c.prefix))
            })?;
            let given = match c.encoding {
                Encoding::Hex => hex::decode(encoded).ok(),
                Encoding::Base64 => b64_decode(encoded),
            }
            .ok_or_else(|| {
                Failure::malformed(
                    &c.header,
                    format!("signature is not {:?}", c.encoding).to_lowercase(),
                )
            })?;
            if !ct_eq(&given, &self.compute(secret, req, ts_text)) {
                return Err(Failure::mismatch(&c.header));
            }
            if let Some(ts) = ts {
                check_window(ts, opts.now, self.tolerance(opts).unwrap_or(300))?;
            }
            Ok(Verdict::valid(format!("{} signature matches", c.header)))
        };
        run().unwrap_or_else(Verdict::from)
    }

    fn signed_at(&self, req: &WebhookRequest) -> Option<i64> {
        req.headers
            .get_str(self.config.timestamp_header.as_deref()?)?
            .trim()
            .parse()
            .ok()
    }

    /// A custom scheme cannot be recognised from headers alone.
    fn detect(&self, _headers: &Headers) -> bool {
        false
    }

    fn event_type(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "type").or_else(|| json_str(req, "event"))
    }

    fn event_id(&self, req: &WebhookRequest) -> Option<String> {
        json_str(req, "id")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom() -> CustomHmac {
        CustomHmac::new(HmacConfig {
            header: "X-Acme-Signature".into(),
            prefix: "sha512=".into(),
            algorithm: Algorithm::Sha512,
            encoding: Encoding::Base64,
            template: "{timestamp}.{body}".into(),
            timestamp_header: Some("X-Acme-Timestamp".into()),
        })
    }

    #[test]
    fn follows_its_settings() {
        let p = custom();
        let secret = Secret::new("k");
        let ctx = SignContext {
            timestamp: 1000,
            id: "x".into(),
        };
        let mut req = WebhookRequest::post("http://x/", b"{}".to_vec());
        p.sign(&mut req, &secret, &ctx).unwrap();
        // Independent: base64 HMAC-SHA512 of "1000.{}".
        let want = b64(&hmac(Algorithm::Sha512, b"k", &[b"1000.{}"]));
        assert_eq!(
            req.headers.get_str("x-acme-signature"),
            Some(format!("sha512={want}").as_str())
        );
        assert_eq!(req.headers.get_str("x-acme-timestamp"), Some("1000"));
        assert!(p.verify(&req, &secret, &VerifyOptions::at(1000)).is_valid());
        assert_eq!(
            p.verify(&req, &secret, &VerifyOptions::at(1400)),
            Failure::Stale {
                age: 400,
                tolerance: 300
            }
            .into()
        );
        assert_eq!(
            p.verify(&req, &Secret::new("j"), &VerifyOptions::at(1000)),
            Failure::mismatch("X-Acme-Signature").into()
        );
        let mut bad = req.clone();
        bad.headers.set("X-Acme-Signature", want.clone());
        assert!(matches!(
            p.verify(&bad, &secret, &VerifyOptions::at(1000)),
            Verdict::Invalid {
                failure: Failure::MalformedHeader { .. }
            }
        ));
    }

    #[test]
    fn defaults_are_hex_sha256_of_the_body() {
        let p = CustomHmac::default();
        let mut req = WebhookRequest::post("http://x/", b"abc".to_vec());
        p.sign(
            &mut req,
            &Secret::new("k"),
            &SignContext {
                timestamp: 0,
                id: "x".into(),
            },
        )
        .unwrap();
        let want = hex::encode(hmac(Algorithm::Sha256, b"k", &[b"abc"]));
        assert_eq!(req.headers.get_str("X-Signature"), Some(want.as_str()));
    }

    #[test]
    fn template_is_checked() {
        let mut c = HmacConfig {
            template: "{timestamp}.{body}".into(),
            ..Default::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .contains("--hmac-timestamp-header")
        );
        c.template = "{nonce}.{body}".into();
        assert!(c.validate().unwrap_err().contains("{nonce}"));
    }
}
