//! Building each case's request(s), sending them a few at a time, and
//! handing what came back to the judges.

use futures_util::StreamExt;

use super::judge::{judge, judge_handshake, response_time, skipped};
use super::send::{Answer, send};
use super::{CaseName, DEFAULT_TIMEOUT_SECS, Plan, Report, diagnosis, noncanonical};
use crate::provider::{Handshake, Headers, WebhookRequest, now};
use crate::send::{DeliverError, Forge, forge};
use crate::tamper::{Tamper, signatures};

/// A case ready to send: its requests in order (two for duplicate).
struct Ready {
    name: CaseName,
    requests: Vec<WebhookRequest>,
}

/// Runs the cases, `plan.concurrency` at a time; every case's requests go in order.
pub async fn run(plan: &Plan<'_>, progress: impl Fn(CaseName)) -> Result<Report, String> {
    let info = plan.provider.info();
    let timeout_secs = info.delivery_timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
    let event = plan
        .event
        .clone()
        .or_else(|| crate::fixture::default_event(plan.provider.name()).map(str::to_string))
        .ok_or_else(|| {
            format!(
                "{} has no sample events; pass --event",
                plan.provider.name()
            )
        })?;
    let fixture = crate::fixture::find(plan.provider.name(), &event)?;
    let is_form = fixture
        .content_type
        .starts_with("application/x-www-form-urlencoded");

    let base = |tamper: Option<Tamper>, data: Option<Vec<u8>>| Forge {
        provider: plan.provider,
        event: event.clone(),
        url: plan.url.clone(),
        secret: Some(plan.secret.clone()),
        data,
        base: None,
        sets: vec![],
        extra_headers: vec![],
        tamper,
        timestamp: now(),
    };
    let make = |tamper: Option<Tamper>, data: Option<Vec<u8>>| {
        forge(&base(tamper, data))
            .map(|f| f.request)
            .map_err(|e| e.to_string())
    };

    let mut ready = Vec::new();
    let mut results = Vec::new();
    // The probe and how to judge its answer, for the handshake case.
    let mut probe: Option<(Handshake, WebhookRequest)> = None;
    for name in CaseName::ALL.into_iter().filter(|c| plan.cases.contains(c)) {
        if let Some(reason) = skip_reason(name, plan, is_form) {
            results.push(skipped(name, timeout_secs, reason));
            continue;
        }
        let requests = match name {
            CaseName::Handshake => {
                let Some(h) = plan.provider.handshake() else {
                    continue;
                };
                let req = forge(&Forge {
                    event: h.event.to_string(),
                    ..base(None, None)
                })
                .map(|f| f.request)
                .map_err(|e| e.to_string())?;
                probe = Some((h, req.clone()));
                vec![req]
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
            CaseName::SecretRotation => {
                let forged = forge(&base(None, None)).map_err(|e| e.to_string())?;
                let mut req = forged.request;
                // The same delivery signed with the outgoing secret.
                let mut older = req.clone();
                let outgoing = Tamper::BadSignature.signing_secret(plan.provider, &plan.secret);
                plan.provider
                    .sign(&mut older, &outgoing, &forged.ctx)
                    .map_err(|e| e.to_string())?;
                if !plan.provider.add_older_signature(&mut req, &older) {
                    results.push(skipped(
                        name,
                        timeout_secs,
                        format!(
                            "{} sends one signature per delivery, so a secret rotation cannot show in one",
                            info.title
                        ),
                    ));
                    continue;
                }
                vec![req]
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
                if requests.is_empty() {
                    results.push(skipped(
                        name,
                        timeout_secs,
                        format!("{} sends no signature value to alter", info.title),
                    ));
                    continue;
                }
                requests
            }
            CaseName::Duplicate => {
                let r = make(None, None)?;
                vec![r.clone(), r]
            }
            CaseName::BadSignature => vec![make(Some(Tamper::BadSignature), None)?],
            CaseName::MissingSignature => vec![make(Some(Tamper::MissingSignature), None)?],
            CaseName::BodyModified => vec![make(Some(Tamper::BodyModified), None)?],
            CaseName::StaleTimestamp => vec![make(Some(Tamper::StaleTimestamp), None)?],
            CaseName::FutureTimestamp => vec![make(Some(Tamper::FutureTimestamp), None)?],
            CaseName::MalformedBody => {
                let body = make(None, None)?.body;
                let cut = body[..body.len() / 2].to_vec();
                vec![make(None, Some(cut))?]
            }
            CaseName::WrongContentType => vec![make(Some(Tamper::WrongContentType), None)?],
            CaseName::WrongMethod => vec![WebhookRequest {
                method: "GET".into(),
                url: plan.url.clone(),
                headers: Headers::new(),
                body: Vec::new(),
            }],
            // Judged from the valid case's time.
            CaseName::ResponseTime => continue,
        };
        ready.push(Ready { name, requests });
    }

    let progress = &progress;
    let answered: Vec<(CaseName, Vec<Answer>)> = futures_util::stream::iter(ready)
        .map(|r| async move {
            let mut answers = Vec::new();
            for req in &r.requests {
                answers.push(send(plan, req).await);
            }
            progress(r.name);
            (r.name, answers)
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;

    let unreachable = unreachable(&answered);
    let header = info.signature_headers.first().cloned().unwrap_or_default();
    let asymmetric = plan.provider.keygen().is_some();
    for (name, answers) in &answered {
        if let (CaseName::Handshake, Some((h, req))) = (name, &probe) {
            results.push(judge_handshake(h, req, plan, &answers[0]));
            continue;
        }
        results.push(judge(
            *name,
            answers,
            timeout_secs,
            &header,
            info.default_tolerance,
            asymmetric,
            plan.provider.rejects_future_timestamps(),
        ));
    }
    if plan.cases.contains(&CaseName::ResponseTime) {
        // Timed alone, once every other case is done: an idle endpoint's
        // time, not one spent queueing behind the rest of the battery.
        let idle = send(plan, &make(None, None)?).await;
        progress(CaseName::ResponseTime);
        results.push(response_time(
            &idle,
            timeout_secs,
            plan.provider.name(),
            plan.timeout,
        ));
    }
    results.sort_by_key(|r| CaseName::ALL.iter().position(|c| *c == r.name));

    let mut notes = Vec::new();
    if let Ok(u) = reqwest::Url::parse(&plan.url)
        && u.scheme() == "http"
        && !is_loopback(u.host_str().unwrap_or(""))
    {
        notes.push(format!(
            "{} is plain HTTP on a non-loopback host: {} delivers only to HTTPS URLs",
            plan.url, info.title
        ));
    }
    let diagnosis = unreachable
        .is_none()
        .then(|| diagnosis::diagnose(&answered, plan.provider.signed()))
        .flatten();
    let summary = Report::tally(&results);
    Ok(Report {
        schema: "hookcli.check/1",
        provider: plan.provider.name().to_string(),
        url: plan.url.clone(),
        event,
        delivery_timeout_secs: timeout_secs,
        diagnosis,
        notes,
        cases: results,
        summary,
        unreachable,
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// When no case got through at all, the endpoint is unreachable: why.
fn unreachable(answered: &[(CaseName, Vec<Answer>)]) -> Option<String> {
    let mut reasons = answered.iter().flat_map(|(_, a)| a).map(|a| match a {
        // The caller says "could not reach URL": the reason alone follows.
        Err(DeliverError::Connect { reason, .. }) => Some(reason.clone()),
        Err(e @ DeliverError::BadUrl { .. }) => Some(e.to_string()),
        _ => None,
    });
    let first = reasons.next()??;
    reasons.all(|r| r.is_some()).then_some(first)
}

fn skip_reason(name: CaseName, plan: &Plan<'_>, is_form: bool) -> Option<String> {
    let info = plan.provider.info();
    let about_signatures = matches!(
        name,
        CaseName::SecretRotation
            | CaseName::BadSignature
            | CaseName::MalformedSignature
            | CaseName::TruncatedSignature
            | CaseName::MissingSignature
            | CaseName::BodyModified
            | CaseName::StaleTimestamp
            | CaseName::FutureTimestamp
    );
    match name {
        CaseName::Handshake if plan.provider.handshake().is_none() => Some(format!(
            "{} sends no verification handshake before it delivers",
            info.title
        )),
        _ if about_signatures && !plan.provider.signed() => Some(format!(
            "{} does not sign its deliveries, so there is no signature to check: authenticate them with a shared token the sender adds (a header or query parameter)",
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
