//! The prepare step: one recorded delivery made into the request that goes
//! out, exactly as it came, or re-signed with a fresh timestamp (and
//! optionally a fresh id), or edited and re-signed.

use crate::client::{is_hop_by_hop, join_url, leaves_base};
use crate::edit::SetEdit;
use crate::provider::{Provider, SignContext, WebhookRequest};
use crate::secret::Secret;
use crate::store::{Attempt, AttemptKind, Delivery};

/// Where a run's replays go and what is changed in them: the same for
/// every delivery of the run.
#[derive(Clone, Debug, Default)]
pub struct Edits {
    /// The base URL; the delivery's path is appended, as listen's `--url`
    /// does. None: the delivery's last forward target.
    pub to: Option<String>,
    /// A fresh event id (re-signed only).
    pub new_id: bool,
    pub sets: Vec<SetEdit>,
    /// A whole new body.
    pub data: Option<Vec<u8>>,
}

/// How one delivery is to be replayed.
pub struct Plan<'a> {
    pub edits: &'a Edits,
    /// Signs again with this scheme and secret.
    pub resign: Option<(&'a dyn Provider, &'a Secret)>,
    /// Unix seconds used for fresh signatures and the staleness warning.
    pub now: i64,
}

/// One request ready to go.
#[derive(Debug)]
pub struct Prepared {
    pub delivery_id: String,
    pub request: WebhookRequest,
    /// The request's URL parsed, once for its send and its line; None when
    /// it is no http(s) URL (sending it then says why).
    pub target: Option<url::Url>,
    pub resigned: bool,
    /// The fresh event id `--new-id` gave it.
    pub new_id: Option<String>,
    /// The body was changed by `--data` or `--set`.
    pub edited: bool,
    /// Re-signed: the headers sent, as they may be stored (a secret sent
    /// as a header value, GitLab's token, is redacted). None for an exact
    /// replay, which sends the recorded headers.
    pub stored_headers: Option<crate::provider::Headers>,
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("delivery {0} was never forwarded anywhere; pass --url URL")]
    NoTarget(String),
    /// A recorded path whose dot segments climb out of the URL given.
    #[error("its path {target} would leave {base}, the URL it is sent under")]
    LeavesBase { target: String, base: String },
    /// `OPTIONS *`: its target names the server it reached, no path to
    /// join to a URL (replayed, it would ask the app about `/app/*`).
    #[error(
        "delivery {0} was sent to {1:?}, which is no path: it asked the server it reached about itself, and there is nothing to replay it to"
    )]
    NotAPath(String, String),
    #[error("delivery {0} was refused at capture ({1}) and its body was not kept")]
    Rejected(String, String),
    #[error("an edited body must be signed again: pass --resign with --secret-env VAR")]
    EditWithoutSecret,
    #[error("--set {path} on delivery {id}: {reason}")]
    Set {
        id: String,
        path: String,
        reason: String,
    },
    #[error("--set on delivery {0}: the body is not JSON")]
    SetOnNonJson(String),
    #[error("cannot sign delivery {0}: {1}")]
    Sign(String, String),
    /// Re-signing, and the delivery's scheme is not known.
    #[error("its provider is unknown: pass --provider")]
    UnknownProvider,
    /// Re-signing, and no secret was given for the scheme: why, in the
    /// words of whoever was to give it.
    #[error("{0}")]
    NoSecret(String),
    #[error("cannot re-sign for {provider}: {failure}")]
    WrongKey {
        provider: String,
        failure: crate::provider::Failure,
    },
}

/// Builds the request to replay one delivery. `forwarded_to` is the target
/// of its newest forward attempt, the fallback when there is no `--url`.
pub fn prepare(
    d: &Delivery,
    forwarded_to: Option<&str>,
    plan: &Plan<'_>,
) -> Result<Prepared, ReplayError> {
    if let Some(why) = &d.rejected {
        return Err(ReplayError::Rejected(d.id.clone(), why.clone()));
    }
    if !d.target.starts_with('/') {
        return Err(ReplayError::NotAPath(d.id.clone(), d.target.clone()));
    }
    let edits = plan.edits;
    let url = match (&edits.to, forwarded_to) {
        (Some(base), _) => {
            let url = join_url(base, "/", &d.target);
            if leaves_base(base, &d.target, &url) {
                return Err(ReplayError::LeavesBase {
                    target: d.target.clone(),
                    base: crate::secret::redact_url(base),
                });
            }
            url
        }
        (None, Some(target)) => target.to_string(),
        (None, None) => return Err(ReplayError::NoTarget(d.id.clone())),
    };
    // Copied without the hop-by-hop ones, rather than copied and pruned.
    let connection = d.headers.get_str("connection");
    let headers = d
        .headers
        .iter()
        .filter(|(n, _)| !is_hop_by_hop(n, connection))
        .collect();
    let mut req = WebhookRequest {
        method: d.method.clone(),
        url,
        headers,
        body: d.body.clone(),
    };
    let mut warnings = Vec::new();

    let edited = edits.data.is_some() || !edits.sets.is_empty();
    if let Some(data) = &edits.data {
        req.body = data.clone().into();
    }
    if !edits.sets.is_empty() {
        let mut doc: serde_json::Value = serde_json::from_slice(&req.body)
            .map_err(|_| ReplayError::SetOnNonJson(d.id.clone()))?;
        for s in &edits.sets {
            crate::edit::set_path(&mut doc, &s.path, s.value.clone()).map_err(|reason| {
                ReplayError::Set {
                    id: d.id.clone(),
                    path: s.path.clone(),
                    reason,
                }
            })?;
        }
        req.body = keep_layout(&req.body, &doc).into();
    }

    let Some((provider, secret)) = plan.resign else {
        if edited {
            return Err(ReplayError::EditWithoutSecret);
        }
        if edits.new_id {
            warnings.push("--new-id changes a signed id: it needs --resign".into());
        }
        if let Some(p) = d.provider.as_deref().and_then(crate::provider::by_name)
            && let Some(tol) = p.info().default_tolerance
        {
            // The signature's own time when the scheme carries one, else arrival.
            let signed = p.signed_at(&req).unwrap_or(d.received_at / 1000);
            let age = plan.now - signed;
            if age.unsigned_abs() > tol {
                warnings.push(format!(
                    "delivery {} was signed {age} s ago, outside {}'s {tol} s tolerance: the receiver will reject it unless you pass --resign",
                    d.id,
                    p.name()
                ));
            }
        }
        if req
            .headers
            .iter()
            .any(|(_, v)| v == crate::secret::REDACTED)
        {
            warnings.push(format!(
                "delivery {} carried its secret in a header, which was not stored: pass --resign with the secret",
                d.id
            ));
        }
        return Ok(Prepared {
            target: crate::client::target(&req.url).ok(),
            delivery_id: d.id.clone(),
            stored_headers: None,
            request: req,
            resigned: false,
            new_id: None,
            edited: false,
            warnings,
        });
    };

    let new_id = if edits.new_id {
        renew_id(provider, &mut req)
    } else {
        None
    };
    let ctx = SignContext {
        timestamp: plan.now,
        id: provider.event_id(&req).unwrap_or_else(|| provider.new_id()),
    };
    provider
        .sign(&mut req, secret, &ctx)
        .map_err(|e| ReplayError::Sign(d.id.clone(), e.to_string()))?;
    Ok(Prepared {
        target: crate::client::target(&req.url).ok(),
        delivery_id: d.id.clone(),
        stored_headers: Some(crate::secret::redact(&req.headers, Some(secret))),
        request: req,
        resigned: true,
        new_id,
        edited,
        warnings,
    })
}

/// Gives the event a fresh id where the provider keeps it: every header whose
/// value is the id, and its first occurrence as a JSON string in the body,
/// changed in place so that the rest of the bytes stay as they were.
/// Returns the new id, or `None` when the scheme carries no id.
pub fn renew_id(provider: &dyn Provider, req: &mut WebhookRequest) -> Option<String> {
    let old = provider.event_id(req)?;
    let new = provider.new_id();
    let names: Vec<String> = req
        .headers
        .iter()
        .filter(|(_, v)| *v == old.as_bytes())
        .map(|(n, _)| n.to_string())
        .collect();
    for n in names {
        req.headers.set(&n, new.clone());
    }
    let quoted = format!("\"{old}\"");
    if let Some(i) = find(&req.body, quoted.as_bytes()) {
        let mut body = req.body[..i].to_vec();
        body.extend_from_slice(format!("\"{new}\"").as_bytes());
        body.extend_from_slice(&req.body[i + quoted.len()..]);
        req.body = body.into();
    }
    Some(new)
}

/// Re-encodes an edited document the way the recorded body was laid out
/// (pretty or compact, and its trailing newline), as `send --set` does.
fn keep_layout(recorded: &[u8], doc: &serde_json::Value) -> Vec<u8> {
    let text = recorded.trim_ascii();
    let style = if text.len() > 2 && text.contains(&b'\n') {
        crate::fixture::Style::Pretty
    } else {
        crate::fixture::Style::Compact
    };
    let mut body = crate::fixture::encode_json(doc, style);
    if recorded.ends_with(b"\n") {
        body.push(b'\n');
    }
    body
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The attempt a replay adds to its delivery: the answer is moved in, not
/// copied.
pub fn attempt(
    p: &Prepared,
    started_at: i64,
    result: Result<crate::client::Response, crate::client::DeliverError>,
) -> Attempt {
    let mut a = Attempt {
        delivery_id: p.delivery_id.clone(),
        kind: AttemptKind::Replay,
        target: Some(p.request.url.clone()),
        started_at,
        status: None,
        headers: Default::default(),
        body: Vec::new(),
        duration_ms: 0.0,
        error: None,
        // Re-signed or edited: keep what actually went out.
        sent: p.stored_headers.as_ref().map(|headers| crate::store::Sent {
            headers: headers.clone(),
            body: p.request.body.to_vec(),
        }),
    };
    match result {
        Ok(r) => {
            a.status = Some(r.status);
            a.headers = r.headers.into_iter().collect();
            a.body = r.body;
            a.duration_ms = r.elapsed.as_secs_f64() * 1000.0;
        }
        Err(e) => a.error = Some(e.to_string()),
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::VerdictRecord;

    fn delivery(provider: &str, received_at_s: i64) -> Delivery {
        let body = br#"{"id":"evt_old","type":"invoice.paid","n":1}"#.to_vec();
        Delivery {
            id: "01d".into(),
            received_at: received_at_s * 1000,
            peer: None,
            method: "POST".into(),
            target: "/hooks?x=1".into(),
            http_version: "HTTP/1.1".into(),
            headers: vec![
                ("Host", b"127.0.0.1:8787".to_vec()),
                ("Stripe-Signature", b"t=10000,v1=00".to_vec()),
                ("X-Dup", b"a".to_vec()),
                ("X-Dup", b"b".to_vec()),
                ("Content-Length", b"40".to_vec()),
            ]
            .into_iter()
            .collect(),
            body_sha256: crate::provider::crypto::sha256_hex(&body),
            body: body.into(),
            provider: Some(provider.into()),
            event_type: None,
            event_id: None,
            verdict: VerdictRecord::unknown(),
            source: "direct".into(),
            public_url: None,
            rejected: None,
        }
    }

    fn edits() -> Edits {
        Edits {
            to: Some("http://app:3000/".into()),
            ..Edits::default()
        }
    }

    fn plan(edits: &Edits) -> Plan<'_> {
        Plan {
            edits,
            resign: None,
            now: 10_000,
        }
    }

    #[test]
    fn exact_replay_keeps_bytes_and_drops_hop_by_hop() {
        let d = delivery("stripe", 10_000);
        let p = prepare(&d, None, &plan(&edits())).unwrap();
        assert_eq!(p.request.url, "http://app:3000/hooks?x=1");
        assert_eq!(p.request.body, d.body);
        let names: Vec<&str> = p.request.headers.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Stripe-Signature", "X-Dup", "X-Dup"]);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn warns_when_the_signature_is_too_old_and_resign_fixes_it() {
        let mut d = delivery("stripe", 10_000);
        d.headers.set("Stripe-Signature", "t=9400,v1=00");
        let p = prepare(&d, None, &plan(&edits())).unwrap();
        assert!(p.warnings[0].contains("--resign"), "{:?}", p.warnings);

        let stripe = crate::provider::by_name("stripe").unwrap();
        let secret = Secret::new("whsec_x");
        let renew = Edits {
            new_id: true,
            ..edits()
        };
        let mut pl = plan(&renew);
        pl.resign = Some((stripe.as_ref(), &secret));
        let p = prepare(&d, None, &pl).unwrap();
        assert!(p.resigned && p.warnings.is_empty());
        let v = stripe.verify(
            &p.request,
            &secret,
            &crate::provider::VerifyOptions::at(10_000),
        );
        assert!(v.is_valid(), "{v:?}");
        let body = String::from_utf8(p.request.body.to_vec()).unwrap();
        assert!(
            !body.contains("evt_old") && body.contains("\"type\":\"invoice.paid\",\"n\":1"),
            "{body}"
        );
    }

    #[test]
    fn edits_need_a_secret_and_targets_need_a_place() {
        let d = delivery("stripe", 10_000);
        let set = Edits {
            sets: vec!["n=2".parse().unwrap()],
            ..edits()
        };
        assert!(matches!(
            prepare(&d, None, &plan(&set)),
            Err(ReplayError::EditWithoutSecret)
        ));
        let nowhere = Edits::default();
        assert!(matches!(
            prepare(&d, None, &plan(&nowhere)),
            Err(ReplayError::NoTarget(_))
        ));
        let p = prepare(&d, Some("http://was/here"), &plan(&nowhere)).unwrap();
        assert_eq!(p.request.url, "http://was/here");
        let mut rejected = d.clone();
        rejected.rejected = Some("too big".into());
        assert!(matches!(
            prepare(&rejected, None, &plan(&edits())),
            Err(ReplayError::Rejected(..))
        ));
    }
}
