//! What each case sends: its requests in one delivery shape, made (and
//! signed) when the case's turn comes, or why it does not apply.

use super::shape::{Shape, Signed, aimed, sibling, with_query};
use super::{CaseName, Plan, large, noncanonical};
use crate::client::Framing;
use crate::provider::{Handshake, Headers, WebhookRequest};
use crate::secret::Secret;
use crate::tamper::{Tamper, signatures};

/// What building a case came to.
pub(super) enum Built {
    Send(Vec<Step>),
    Probe(Handshake, WebhookRequest),
    Skip(String),
    /// Sent once every other case is done.
    Later,
    /// Made and sent once every other case is done, before response-time:
    /// a large delivery, signed once padded, as it goes.
    Last,
}

/// One request of a case, sent after the one before was answered.
pub(super) enum Step {
    Send(WebhookRequest),
    /// Sent on a fresh connection with its body framed so.
    Framed(WebhookRequest, Framing),
    /// This delivery again, signed anew as it goes: a provider's retry.
    Retry(Signed),
}

/// The requests of one case in one shape.
pub(super) fn build(name: CaseName, shape: &Shape<'_>, is_form: bool) -> Result<Built, String> {
    let plan = shape.plan;
    let info = plan.provider.info();
    let make = |tamper, data| shape.make(tamper, data);
    let requests = match name {
        CaseName::Handshake => {
            let Some(h) = plan.provider.handshake() else {
                return Ok(Built::Skip(format!(
                    "{} sends no verification handshake before it delivers",
                    info.title
                )));
            };
            let probe = Shape {
                plan,
                mode: None,
                event: h.event.to_string(),
                recorded: None,
            };
            let req = probe.make(None, None)?;
            return Ok(Built::Probe(h, req));
        }
        CaseName::Valid => vec![make(None, None)?],
        CaseName::ValidNoncanonical => {
            let body = make(None, None)?.body;
            let odd = if is_form {
                noncanonical::form(&body)
            } else {
                noncanonical::json(&body)
            };
            vec![make(
                None,
                Some(odd.ok_or("the sample event cannot be re-encoded")?),
            )?]
        }
        CaseName::UrlQuery => vec![shape.make_at(&with_query, None)?],
        CaseName::SecretRotation => {
            let mut signed = shape.signed(&|u| u.to_string(), None, None)?;
            // The same delivery signed with the outgoing secret.
            let mut older = signed.request.clone();
            let outgoing = Tamper::BadSignature.signing_secret(plan.provider, &plan.secret);
            plan.provider
                .sign(&mut older, &outgoing, &signed.ctx)
                .map_err(|e| e.to_string())?;
            // Then the other order: a parser that keeps the last value of
            // a repeated key (a dict or map) reads only the outgoing one.
            let mut real_last = older.clone();
            let real_first = signed.request.clone();
            if !plan
                .provider
                .add_older_signature(&mut signed.request, &older)
                || !plan
                    .provider
                    .add_older_signature(&mut real_last, &real_first)
            {
                return Ok(Built::Skip(format!(
                    "{} sends one signature per delivery, so a secret rotation cannot show in one",
                    info.title
                )));
            }
            let reversed = Signed {
                request: real_last,
                ..signed.clone()
            };
            vec![aimed(signed), aimed(reversed)]
        }
        CaseName::MalformedSignature | CaseName::TruncatedSignature => {
            let rewrites = if name == CaseName::MalformedSignature {
                signatures::malformed()
            } else {
                signatures::truncated()
            };
            let mut requests = Vec::new();
            for rewrite in &rewrites {
                let mut req = make(None, None)?;
                if plan.provider.map_signature(&mut req, rewrite.as_ref()) {
                    requests.push(req);
                }
            }
            if name == CaseName::TruncatedSignature && !requests.is_empty() {
                requests.extend(case_swapped(shape)?);
            }
            if requests.is_empty() {
                return Ok(Built::Skip(format!(
                    "{} sends no signature value to alter",
                    info.title
                )));
            }
            requests
        }
        CaseName::Duplicate => {
            let signed = shape.signed(&|u| u.to_string(), None, None)?;
            return Ok(Built::Send(vec![
                Step::Send(aimed(signed.clone())),
                Step::Retry(signed),
            ]));
        }
        CaseName::BadSignature => {
            let mut requests = vec![make(Some(Tamper::BadSignature), None)?];
            // Keyed with nothing: what a secret list with an empty entry
            // (`a,b,` split on commas) or an unset variable accepts.
            requests.extend(shape.signed_with(&Secret::new(""))?);
            requests
        }
        CaseName::MissingSignature => {
            let mut requests = vec![make(Some(Tamper::MissingSignature), None)?];
            if let Some(legacy) = plan.provider.legacy_signature_header() {
                // The legacy signature alone, right: what a handler that
                // falls back to it accepts.
                let mut req = make(None, None)?;
                for h in info.signature_headers.iter().filter(|h| *h != legacy) {
                    req.headers.remove(h);
                }
                requests.push(req);
            }
            requests
        }
        CaseName::BodyModified => vec![make(Some(Tamper::BodyModified), None)?],
        CaseName::StaleTimestamp => vec![make(Some(Tamper::StaleTimestamp), None)?],
        CaseName::FutureTimestamp => vec![make(Some(Tamper::FutureTimestamp), None)?],
        CaseName::MalformedBody => {
            let body = make(None, None)?.body;
            let cut = body[..body.len() / 2].to_vec();
            // Then bytes that are not UTF-8: a handler that decodes the
            // body as text before verifying it crashes on them.
            let not_utf8 = [&cut[..], b"\xff\xfe\xfd"].concat();
            vec![make(None, Some(cut))?, make(None, Some(not_utf8))?]
        }
        CaseName::LargeBody => {
            if !is_form && !large::is_object(&make(None, None)?.body) {
                return Ok(Built::Skip(
                    "the sample event is no JSON object or form, so it has no field to pad".into(),
                ));
            }
            return Ok(Built::Last);
        }
        CaseName::WrongContentType => vec![make(Some(Tamper::WrongContentType), None)?],
        CaseName::WrongMethod => vec![WebhookRequest {
            method: "GET".into(),
            url: plan.url.clone(),
            headers: Headers::new(),
            body: bytes::Bytes::new(),
        }],
        CaseName::WrongPath => vec![shape.make_at(&sibling, None)?],
        CaseName::Transport => {
            if !plan.url.starts_with("http://") {
                return Ok(Built::Skip(
                    "the body's framing is exercised over plain http:// only (under TLS it is the TLS library's)".into(),
                ));
            }
            return Ok(Built::Send(vec![
                Step::Framed(make(None, None)?, Framing::Chunked),
                Step::Framed(make(None, None)?, Framing::ExpectContinue),
            ]));
        }
        CaseName::ResponseTime => return Ok(Built::Later),
    };
    Ok(Built::Send(requests.into_iter().map(Step::Send).collect()))
}

/// The valid delivery with each base64 MAC's letters' case swapped, as
/// a compare that lowercases both sides lets through; `None` unless every
/// signature value is base64 (a hex one decodes the same in either case).
fn case_swapped(shape: &Shape<'_>) -> Result<Option<WebhookRequest>, String> {
    let mut req = shape.make(None, None)?;
    let (present, swapped) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    shape.plan.provider.map_signature(&mut req, &|v| {
        present.set(present.get() + 1);
        signatures::case_swapped(v).map_or_else(
            || v.to_string(),
            |w| {
                swapped.set(swapped.get() + 1);
                w
            },
        )
    });
    Ok((present.get() > 0 && present == swapped).then_some(req))
}

pub(super) fn skip_reason(name: CaseName, plan: &Plan<'_>, is_form: bool) -> Option<String> {
    let info = plan.provider.info();
    let about_signatures = matches!(
        name,
        CaseName::SecretRotation
            | CaseName::UrlQuery
            | CaseName::BadSignature
            | CaseName::MalformedSignature
            | CaseName::TruncatedSignature
            | CaseName::MissingSignature
            | CaseName::BodyModified
            | CaseName::StaleTimestamp
            | CaseName::FutureTimestamp
    );
    match name {
        _ if about_signatures && !plan.provider.signed() => Some(format!(
            "{} does not sign its deliveries, so there is no signature to check: authenticate them with a shared token the sender adds (a header or query parameter)",
            info.title
        )),
        CaseName::UrlQuery if !plan.provider.signs_url() => Some(format!(
            "{} does not sign the URL, so its query string cannot break the signature",
            info.title
        )),
        CaseName::StaleTimestamp | CaseName::FutureTimestamp if !info.timestamped => Some(format!(
            "{} signs no timestamp, so a replayed delivery cannot be told from a new one",
            info.title
        )),
        CaseName::BodyModified if !info.signs_body => Some(format!(
            "{} does not sign the body: a modified body is undetectable by design",
            info.title
        )),
        CaseName::MalformedBody if is_form => Some(format!(
            "this {} event is form-encoded, not JSON",
            info.title
        )),
        _ => None,
    }
}
