//! A battery built from a delivery `listen` recorded (`check --from`): its
//! exact body and headers, given a fresh event id and re-signed with a
//! fresh timestamp for each case, every fault derived from it.

use crate::forge::Forged;
use crate::provider::{Provider, SignContext, WebhookRequest, now};
use crate::secret::Secret;
use crate::store::Delivery;
use crate::tamper::Tamper;

/// The delivery a battery is built from.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Method, headers and body as recorded; its URL is set per case.
    pub request: WebhookRequest,
    /// Its event type, for the report.
    pub event: String,
    /// Where it came from: the store id or the document's path.
    pub source: String,
}

/// Headers that belong to the connection it arrived on, not to the
/// delivery: the endpoint's own are written when it is sent.
const CONNECTION_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "expect",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
];

impl Recorded {
    pub fn new(d: &Delivery, source: String) -> Result<Recorded, String> {
        if let Some(why) = &d.rejected {
            return Err(format!(
                "{source}: listen refused this delivery ({why}); nothing to build a battery from"
            ));
        }
        let mut headers = d.headers.clone();
        for name in CONNECTION_HEADERS {
            headers.remove(name);
        }
        Ok(Recorded {
            request: WebhookRequest {
                method: d.method.clone(),
                url: String::new(),
                headers,
                body: d.body.clone(),
            },
            event: d
                .event_type
                .clone()
                .unwrap_or_else(|| "(recorded, type unknown)".into()),
            source,
        })
    }

    /// The recorded delivery for `url`, as the battery's `tamper` case
    /// has it: a fresh id, signed now (or shifted for the timestamp
    /// faults) with `secret` (another one for bad-signature).
    pub fn forge(
        &self,
        provider: &dyn Provider,
        secret: &Secret,
        url: &str,
        tamper: Option<Tamper>,
        data: Option<Vec<u8>>,
        extra_headers: Vec<(String, String)>,
    ) -> Result<Forged, String> {
        if let Some(t) = tamper
            && let Some(reason) = t.not_applicable(provider)
        {
            return Err(format!("{}: {reason}", t.name()));
        }
        let mut req = self.request.clone();
        req.url = url.to_string();
        if let Some(d) = data {
            req.body = d.into();
        }
        for (name, value) in extra_headers {
            req.headers.set(&name, value);
        }
        // Each case a delivery of its own, as the fixtures' cases are.
        crate::replay::renew_id(provider, &mut req);
        let mut ctx = SignContext {
            timestamp: now(),
            id: provider.event_id(&req).unwrap_or_else(|| provider.new_id()),
        };
        if let Some(t) = tamper {
            t.shift_timestamp(&mut ctx, provider.info().default_tolerance);
        }
        if provider.signed() {
            let key = tamper.map_or_else(|| secret.clone(), |t| t.signing_secret(provider, secret));
            provider
                .sign(&mut req, &key, &ctx)
                .map_err(|e| format!("cannot sign the recorded delivery: {e}"))?;
        }
        if let Some(t) = tamper {
            t.after_signing(provider, &mut req)
                .map_err(|e| e.to_string())?;
        }
        Ok(Forged {
            event_id: provider.event_id(&req),
            event: self.event.clone(),
            request: req,
            ctx,
        })
    }
}
