//! One delivery shape of the battery: which event (or recorded delivery),
//! in which mode, signed for which URL and sent to which. Every case's
//! requests are made here, so the cases themselves only say what to alter.

use super::modes::{Mode, form_as_json};
use super::{Plan, Recorded};
use crate::forge::{Forge, forge};
use crate::provider::{Provider, SignContext, WebhookRequest, now};
use crate::secret::Secret;
use crate::tamper::Tamper;

/// The battery's deliveries in one shape.
pub struct Shape<'a> {
    pub plan: &'a Plan<'a>,
    /// The mode, for a provider with several; `None` for the others.
    pub mode: Option<&'a Mode>,
    pub event: String,
    /// The recorded delivery to build from instead of a sample event.
    pub recorded: Option<&'a Recorded>,
}

/// A signed delivery, with what it was signed with.
#[derive(Clone)]
pub struct Signed {
    pub request: WebhookRequest,
    pub ctx: SignContext,
    /// The URL it was signed for, before it is aimed at the endpoint.
    pub signed_url: String,
    pub target_url: String,
}

impl Shape<'_> {
    /// The valid delivery of this shape, or a faulty one.
    pub fn make(
        &self,
        tamper: Option<Tamper>,
        data: Option<Vec<u8>>,
    ) -> Result<WebhookRequest, String> {
        self.signed(&|u| u.to_string(), tamper, data).map(aimed)
    }

    /// Signed for the URL `edit` makes of the public one and aimed at
    /// what it makes of the endpoint's.
    pub fn make_at(
        &self,
        edit: &dyn Fn(&str) -> String,
        tamper: Option<Tamper>,
    ) -> Result<WebhookRequest, String> {
        self.signed(edit, tamper, None).map(aimed)
    }

    /// The valid delivery signed again with `secret`, as an endpoint keyed
    /// with it would accept; `None` when the scheme takes no such key (an
    /// empty Standard Webhooks secret, any key of an asymmetric scheme).
    pub fn signed_with(&self, secret: &Secret) -> Result<Option<WebhookRequest>, String> {
        if self.plan.provider.keygen().is_some() {
            return Ok(None);
        }
        let mut signed = self.signed(&|u| u.to_string(), None, None)?;
        let resigned = self
            .plan
            .provider
            .sign(&mut signed.request, secret, &signed.ctx);
        Ok(resigned.is_ok().then(|| aimed(signed)))
    }

    /// Whether the shape's body is a form.
    pub fn is_form(&self) -> Result<bool, String> {
        let req = self.make(None, None)?;
        Ok(req.form().is_some())
    }

    /// Signed but not yet aimed: the caller may add to it (a second signature).
    pub fn signed(
        &self,
        edit: &dyn Fn(&str) -> String,
        tamper: Option<Tamper>,
        data: Option<Vec<u8>>,
    ) -> Result<Signed, String> {
        let plan = self.plan;
        let signed_url = edit(plan.public_url.as_deref().unwrap_or(&plan.url));
        let target_url = edit(&plan.url);
        let as_json = self.mode.is_some_and(|m| m.as_json);
        let mut extra_headers = vec![];
        let data = match data {
            Some(d) => Some(d),
            // Twilio's JSON shape: the event's fields as one JSON object.
            None if as_json => {
                let form = self.forge(&signed_url, None, None, vec![])?.request.body;
                Some(form_as_json(&form))
            }
            None => None,
        };
        if as_json {
            extra_headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        // Set before signing: Twilio's settings header chooses the algorithm.
        for (name, value) in self.mode.map_or(&[][..], |m| m.headers) {
            extra_headers.push((name.to_string(), value.to_string()));
        }
        let forged = self.forge(&signed_url, tamper, data, extra_headers)?;
        Ok(Signed {
            request: forged.request,
            ctx: forged.ctx,
            signed_url,
            target_url,
        })
    }

    fn forge(
        &self,
        url: &str,
        tamper: Option<Tamper>,
        data: Option<Vec<u8>>,
        extra_headers: Vec<(String, String)>,
    ) -> Result<crate::forge::Forged, String> {
        let plan = self.plan;
        if let Some(rec) = self.recorded {
            return rec.forge(
                plan.provider,
                &plan.secret,
                url,
                tamper,
                data,
                extra_headers,
            );
        }
        let event = self
            .mode
            .and_then(|m| m.event)
            .map_or_else(|| self.event.clone(), str::to_string);
        forge(&Forge {
            provider: plan.provider,
            event,
            url: url.to_string(),
            secret: Some(plan.secret.clone()),
            data,
            base: None,
            sets: vec![],
            extra_headers,
            tamper,
            timestamp: now(),
        })
        .map_err(|e| e.to_string())
    }
}

/// The request aimed at the endpoint: what the scheme added to the signed
/// URL (Twilio's `bodySHA256`) kept after the endpoint's own URL.
pub fn aimed(s: Signed) -> WebhookRequest {
    let mut req = s.request;
    if s.signed_url != s.target_url
        && let Some(added) = req.url.strip_prefix(&s.signed_url)
    {
        req.url = format!("{}{added}", s.target_url);
    }
    req
}

/// The same delivery signed again now, its id kept: a provider's retry
/// (Stripe signs one with a new `t=`, Svix and Paddle with a new
/// timestamp). A scheme that signs no timestamp sends the very same bytes.
pub fn retried(
    provider: &dyn Provider,
    secret: &Secret,
    mut s: Signed,
) -> Result<WebhookRequest, String> {
    if provider.info().timestamped {
        s.ctx.timestamp = now();
        provider
            .sign(&mut s.request, secret, &s.ctx)
            .map_err(|e| e.to_string())?;
    }
    Ok(aimed(s))
}

/// The URL with a query parameter more: a URL-signing scheme signs it too.
pub fn with_query(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}hookcli=query-string")
}

/// A sibling of the URL's path: its last segment replaced.
pub fn sibling(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return url.to_string();
    };
    let path = u.path().trim_end_matches('/');
    let parent = path.rsplit_once('/').map_or("", |(p, _)| p);
    u.set_path(&format!("{parent}/hookcli-wrong-path"));
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::sample;

    #[test]
    fn siblings_and_queries() {
        assert_eq!(
            sibling("http://127.0.0.1:9/webhooks/stripe?x=1"),
            "http://127.0.0.1:9/webhooks/hookcli-wrong-path?x=1"
        );
        assert_eq!(sibling("http://h/"), "http://h/hookcli-wrong-path");
        assert_eq!(with_query("http://h/a"), "http://h/a?hookcli=query-string");
        assert_eq!(
            with_query("http://h/a?b=1"),
            "http://h/a?b=1&hookcli=query-string"
        );
    }

    /// Each timestamped scheme's delivery signed long ago verifies again
    /// once retried, with the same event id.
    #[test]
    fn a_retry_is_signed_now_with_the_same_id() {
        let shared = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let mut retried_any = 0;
        for p in crate::provider::all() {
            let event = crate::fixture::default_event(p.name());
            let (Some(event), true) = (event, p.info().timestamped) else {
                continue;
            };
            let (secret, public) = sample::keys(p.as_ref(), &shared);
            let forged = sample::forged(p.as_ref(), event, &secret, 1_700_000_000);
            let url = forged.request.url.clone();
            let first = Signed {
                request: forged.request,
                ctx: forged.ctx,
                signed_url: url.clone(),
                target_url: url,
            };
            let opts = crate::provider::VerifyOptions::at(now());
            // Too old where the scheme has a window (Discord and SendGrid have none).
            let stale = !p.verify(&first.request, &public, &opts).is_valid();
            assert_eq!(stale, p.info().default_tolerance.is_some(), "{}", p.name());
            let again = retried(p.as_ref(), &secret, first.clone()).unwrap();
            let v = p.verify(&again, &public, &opts);
            assert!(v.is_valid(), "{}: {v:?}", p.name());
            assert_eq!(
                p.event_id(&again),
                p.event_id(&first.request),
                "{}",
                p.name()
            );
            retried_any += 1;
        }
        assert!(retried_any >= 10, "{retried_any}");
    }
}
