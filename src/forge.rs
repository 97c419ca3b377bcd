//! Forging a delivery: fixture, edits, signature, faults. Sending it is
//! the client's job ([`crate::client`]).

use crate::edit::SetEdit;
use crate::fixture;
use crate::provider::{Provider, SignContext, WebhookRequest};
use crate::secret::Secret;
use crate::tamper::Tamper;

/// Everything needed to forge one delivery, already checked.
pub struct Forge<'a> {
    pub provider: &'a dyn Provider,
    pub event: String,
    pub url: String,
    /// `None` only for the missing-signature fault, which needs no secret.
    pub secret: Option<Secret>,
    /// Replaces the fixture's payload, sent byte for byte.
    pub data: Option<Vec<u8>>,
    /// A partial document merged over the generated payload (`--base`).
    pub base: Option<serde_json::Value>,
    pub sets: Vec<SetEdit>,
    pub extra_headers: Vec<(String, String)>,
    pub tamper: Option<Tamper>,
    pub timestamp: i64,
}

/// Why a delivery could not be forged: the user's input is at fault.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    #[error("{0}")]
    Event(String),
    #[error("--set {path}: {reason}")]
    Set { path: String, reason: String },
    #[error("--set needs a JSON payload, and the --data given is not JSON")]
    SetOnNonJson,
    #[error("--tamper {tamper}: {reason}")]
    NotApplicable {
        tamper: &'static str,
        reason: String,
    },
    #[error("cannot sign: {0}")]
    Secret(String),
}

/// The forged request, with the event it carries.
#[derive(Debug)]
pub struct Forged {
    pub request: WebhookRequest,
    pub event: String,
    pub event_id: Option<String>,
    /// The timestamp and id it was signed with (check re-signs the same
    /// delivery with another secret for its secret-rotation case).
    pub ctx: SignContext,
}

/// Forges one delivery with ids of its own.
pub fn forge(f: &Forge<'_>) -> Result<Forged, ForgeError> {
    forge_in(f, &mut fixture::Session::new(f.provider.name()))
}

/// Forges one delivery of a series or flow: its ids come from `session`,
/// shared with the deliveries before and after it.
pub fn forge_in(f: &Forge<'_>, session: &mut fixture::Session) -> Result<Forged, ForgeError> {
    let provider = f.provider;
    if let Some(t) = f.tamper
        && let Some(reason) = t.not_applicable(provider)
    {
        return Err(ForgeError::NotApplicable {
            tamper: t.name(),
            reason,
        });
    }
    let fixture = fixture::find(provider.name(), &f.event).map_err(ForgeError::Event)?;
    let mut ctx = SignContext {
        timestamp: f.timestamp,
        id: provider.new_id(),
    };
    let rendered_ctx = ctx.clone();
    if let Some(t) = f.tamper {
        t.shift_timestamp(&mut ctx, provider.info().default_tolerance);
    }
    let mut rendered = fixture.render_in(&rendered_ctx, session);
    if let Some(base) = &f.base {
        rendered.merge(base);
    }
    let body = match &f.data {
        Some(data) if f.sets.is_empty() => data.clone(),
        Some(data) => {
            // Editing given data means re-encoding it; only then is it not byte for byte.
            let mut doc: serde_json::Value =
                serde_json::from_slice(data).map_err(|_| ForgeError::SetOnNonJson)?;
            for s in &f.sets {
                crate::edit::set_path(&mut doc, &s.path, s.value.clone()).map_err(|reason| {
                    ForgeError::Set {
                        path: s.path.clone(),
                        reason,
                    }
                })?;
            }
            fixture::encode_json(&doc, rendered.style)
        }
        None => {
            for s in &f.sets {
                rendered.apply(s).map_err(|reason| ForgeError::Set {
                    path: s.path.clone(),
                    reason,
                })?;
            }
            rendered.encode()
        }
    };

    let mut req = WebhookRequest::post(f.url.clone(), body);
    for (name, value) in provider.default_headers(&ctx) {
        req.headers.set(&name, value);
    }
    for (name, value) in &rendered.headers {
        req.headers.set(name, value.clone());
    }
    if fixture.content_type != "application/json" || !req.headers.contains("Content-Type") {
        // A form fixture's type wins over the provider's JSON default; a
        // provider's own JSON spelling (charset and all) is kept.
        let keep = req
            .headers
            .get_str("Content-Type")
            .is_some_and(|ct| ct.starts_with(&fixture.content_type));
        if !keep {
            req.headers
                .set("Content-Type", fixture.content_type.clone());
        }
    }
    for (name, value) in &f.extra_headers {
        req.headers.set(name, value.clone());
    }

    // An unsigned provider (Zapier) sends the request as it is.
    if provider.signed() {
        if let Some(real) = &f.secret {
            // A malformed secret is refused even when a fault signs with another one.
            provider
                .sign(&mut req.clone(), real, &ctx)
                .map_err(|e| ForgeError::Secret(e.to_string()))?;
        }
        let secret = match (f.tamper, f.secret.clone()) {
            (Some(t), Some(s)) => t.signing_secret(provider, &s),
            (_, Some(s)) => s,
            // Missing-signature needs no secret: sign with a throwaway one, then strip it.
            (Some(Tamper::MissingSignature), None) => provider
                .keygen()
                .map(|pair| pair.private)
                .unwrap_or_else(|| Secret::new("whsec_dGhyb3dhd2F5")),
            (_, None) => return Err(ForgeError::Secret("no secret".into())),
        };
        provider
            .sign(&mut req, &secret, &ctx)
            .map_err(|e| ForgeError::Secret(e.to_string()))?;
    }
    if let Some(t) = f.tamper {
        t.after_signing(provider, &mut req)
            .map_err(|e| ForgeError::Secret(e.to_string()))?;
    }
    let event_id = provider.event_id(&req);
    Ok(Forged {
        request: req,
        event: fixture.event,
        event_id,
        ctx,
    })
}

/// For unit tests: one provider's delivery forged plainly, and its keys.
#[cfg(test)]
pub mod sample {
    use super::{Forge, Forged, forge};
    use crate::provider::Provider;
    use crate::secret::Secret;

    /// The keys to sign and to verify `provider`'s deliveries with: its own
    /// pair for an asymmetric scheme, `shared` for both otherwise.
    pub fn keys(provider: &dyn Provider, shared: &Secret) -> (Secret, Secret) {
        match provider.keygen() {
            Some(pair) => (pair.private, Secret::new(pair.public)),
            None => (shared.clone(), shared.clone()),
        }
    }

    /// `event` forged for `https://example.com/hooks`, signed with `secret`
    /// at `timestamp`, nothing edited or tampered with.
    pub fn forged(provider: &dyn Provider, event: &str, secret: &Secret, timestamp: i64) -> Forged {
        forge(&Forge {
            provider,
            event: event.to_string(),
            url: "https://example.com/hooks".into(),
            secret: Some(secret.clone()),
            data: None,
            base: None,
            sets: vec![],
            extra_headers: vec![],
            tamper: None,
            timestamp,
        })
        .unwrap()
    }
}
