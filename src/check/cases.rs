//! Building each case's request(s), sending them all at once, and judging
//! what came back.

use std::time::Duration;

use tokio::task::JoinSet;

use super::{CaseName, CaseResult, DEFAULT_TIMEOUT_SECS, Outcome, Plan, Report, noncanonical};
use crate::client::{DeliverError, Response};
use crate::forge::{Forge, forge};
use crate::provider::{Handshake, HandshakeAnswer, Headers, WebhookRequest, now};
use crate::tamper::{Tamper, signatures};

/// What one request came to.
type Answer = Result<Response, DeliverError>;

/// A case ready to send: its requests in order (two for duplicate).
struct Ready {
    name: CaseName,
    requests: Vec<WebhookRequest>,
}

/// Runs the cases concurrently; every case's requests go in order.
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

    let mut set = JoinSet::new();
    for r in ready {
        let client = plan.client.clone();
        let timeout = plan.timeout;
        set.spawn(async move {
            let mut answers = Vec::new();
            for req in &r.requests {
                answers.push(client.deliver(req, timeout).await);
            }
            (r.name, answers)
        });
    }
    let mut answered = Vec::new();
    while let Some(joined) = set.join_next().await {
        if let Ok((name, answers)) = joined {
            progress(name);
            answered.push((name, answers));
        }
    }

    let unreachable = unreachable(&answered);
    let header = info.signature_headers.first().cloned().unwrap_or_default();
    let valid_time = answered
        .iter()
        .find(|(n, _)| *n == CaseName::Valid)
        .map(|(_, a)| &a[0]);
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
        results.push(response_time(
            valid_time,
            timeout_secs,
            plan.provider.name(),
            plan.timeout,
        ));
    }
    results.sort_by_key(|r| CaseName::ALL.iter().position(|c| *c == r.name));

    let mut notes = Vec::new();
    if let Ok(u) = url::Url::parse(&plan.url)
        && u.scheme() == "http"
        && !is_loopback(u.host_str().unwrap_or(""))
    {
        notes.push(format!(
            "{} is plain HTTP on a non-loopback host: {} delivers only to HTTPS URLs",
            plan.url, info.title
        ));
    }
    let summary = Report::tally(&results);
    Ok(Report {
        schema: "hookcli.check/1",
        provider: plan.provider.name().to_string(),
        url: plan.url.clone(),
        event,
        delivery_timeout_secs: timeout_secs,
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

/// Judges the answer to the provider's probe with the provider's judge.
fn judge_handshake(
    h: &Handshake,
    req: &WebhookRequest,
    plan: &Plan<'_>,
    answer: &Answer,
) -> CaseResult {
    let base = |got: String, outcome, duration_ms, hint| CaseResult {
        name: CaseName::Handshake,
        expected: h.expected.to_string(),
        got,
        outcome,
        duration_ms,
        hint,
    };
    match answer {
        Err(e) => base(
            transport(e),
            Outcome::Fail,
            None,
            Some(format!(
                "the {} probe got no answer: the provider will not enable the endpoint",
                h.event
            )),
        ),
        Ok(r) => {
            let content_type = r
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .and_then(|(_, v)| std::str::from_utf8(v).ok());
            let got = HandshakeAnswer {
                status: r.status,
                content_type,
                body: &r.body,
            };
            let ms = Some(r.elapsed.as_secs_f64() * 1000.0);
            match (h.judge)(req, &plan.secret, &got) {
                Ok(()) => base(r.status.to_string(), Outcome::Pass, ms, None),
                Err(hint) => base(r.status.to_string(), Outcome::Fail, ms, Some(hint)),
            }
        }
    }
}

fn skipped(name: CaseName, timeout: u64, reason: String) -> CaseResult {
    CaseResult {
        name,
        expected: name.expected(timeout),
        got: "-".into(),
        outcome: Outcome::Skip,
        duration_ms: None,
        hint: Some(reason),
    }
}

fn transport(e: &DeliverError) -> String {
    match e {
        DeliverError::Timeout { secs, .. } => format!("no answer in {secs:.0} s"),
        DeliverError::Connect { reason, .. } => format!("connection failed: {reason}"),
        DeliverError::BadUrl { reason, .. } => format!("bad URL: {reason}"),
        DeliverError::Other { reason, .. } => reason.clone(),
    }
}

fn judge(
    name: CaseName,
    answers: &[Answer],
    timeout: u64,
    header: &str,
    tolerance: Option<u64>,
    asymmetric: bool,
    rejects_future: bool,
) -> CaseResult {
    let duration_ms = answers
        .iter()
        .filter_map(|a| a.as_ref().ok())
        .map(|r| r.elapsed.as_secs_f64() * 1000.0)
        .reduce(f64::max);
    let got = answers
        .iter()
        .map(|a| match a {
            Ok(r) => r.status.to_string(),
            Err(e) => transport(e),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let result = |outcome, hint: Option<String>| CaseResult {
        name,
        expected: name.expected(timeout),
        got: got.clone(),
        outcome,
        duration_ms,
        hint,
    };
    // A request that got no answer fails its case, with the cause.
    if let Some(Err(e)) = answers.iter().find(|a| a.is_err()) {
        let hint = match e {
            DeliverError::Connect { .. } | DeliverError::Other { .. }
                if name == CaseName::MalformedSignature =>
            {
                format!(
                    "a malformed signature header makes the handler crash ({}): parse defensively and answer 401",
                    transport(e)
                )
            }
            DeliverError::Timeout { .. } => format!(
                "the endpoint did not answer in time ({}); answer first, work later",
                transport(e)
            ),
            _ => format!(
                "the endpoint dropped or refused the connection ({}): it may have crashed on this request",
                transport(e)
            ),
        };
        return result(Outcome::Fail, Some(hint));
    }
    let statuses: Vec<u16> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().map(|r| r.status))
        .collect();
    let s = *statuses.last().unwrap_or(&0);
    let ok = |s: u16| (200..300).contains(&s);
    let client_err = (400..500).contains(&s);
    let server_err = s >= 500;
    use CaseName as C;
    use Outcome::{Fail, Pass, Warn};
    // Cases of several deliveries, each to be refused: the worst answer counts.
    let worst = |each: &dyn Fn(u16) -> (Outcome, Option<String>)| {
        statuses
            .iter()
            .map(|s| each(*s))
            .max_by_key(|(o, _)| severity(*o))
            .unwrap_or((Outcome::Fail, None))
    };
    let minutes = crate::tamper::timestamp_shift_secs(tolerance) / 60;
    let (outcome, hint): (Outcome, Option<String>) = match name {
        C::Valid => match s {
            _ if ok(s) => (Pass, None),
            401 | 403 => (Fail, Some("a correctly signed delivery was refused: the app's secret differs from the one given here, or it verifies a parsed and re-serialized body instead of the raw bytes".into())),
            400 | 422 => (Fail, Some("a valid delivery was refused as malformed: check the body parser and the content type it expects".into())),
            404 | 405 => (Fail, Some("wrong route or method: the endpoint must accept POST at this URL".into())),
            415 => (Fail, Some("the content type the provider sends is refused: accept it".into())),
            _ if server_err => (Fail, Some("the handler failed on a valid delivery: see the app's logs".into())),
            _ => (Fail, Some(format!("a valid delivery got {s}; providers count anything but 2xx as a failure and retry"))),
        },
        C::ValidNoncanonical => match s {
            _ if ok(s) => (Pass, None),
            _ => (Fail, Some("the same event in other bytes (spacing, \\u escapes, key order) was refused: the signature is checked on re-serialized data, not the raw body; verify over the exact bytes received".into())),
        },
        C::SecretRotation => match s {
            _ if ok(s) => (Pass, None),
            _ if server_err => (Fail, Some(format!("several signatures in {header} make the handler fail with {s}: parse each one and accept the delivery if any matches"))),
            _ => (Fail, Some(format!("checks only one of the signatures in {header} (the outgoing secret's came first): while a secret is rolled the provider sends several; accept the delivery if any matches"))),
        },
        C::Duplicate => match statuses.as_slice() {
            [a, b] if ok(*a) && ok(*b) => (Pass, None),
            [a, _] if !ok(*a) => (Fail, Some(format!("the first delivery already got {a}: fix the valid case first"))),
            _ => (Fail, Some("a repeated delivery was refused: providers retry, so dedupe on the event id and answer 2xx to a duplicate".into())),
        },
        C::BadSignature | C::BodyModified => match s {
            401 | 403 => (Pass, None),
            _ if client_err => (Warn, Some(format!("refused with {s}; 401 or 403 says the signature is the problem"))),
            _ if ok(s) && name == C::BadSignature => (Fail, Some(if asymmetric {
                format!("accepts forged deliveries: verify the signature in {header} over the raw body with the provider's public key")
            } else {
                format!("accepts forged deliveries: verify the HMAC in {header} over the raw body and compare in constant time")
            })),
            _ if ok(s) => (Fail, Some("accepts a body that does not match its signature: verify the signature over the body actually received".into())),
            _ => (Fail, Some(format!("a bad signature makes the handler fail with {s}: answer 401 instead"))),
        },
        C::MalformedSignature => worst(&|s| match s {
            400 | 401 | 403 => (Pass, None),
            _ if (400..500).contains(&s) => (Warn, Some(format!("refused with {s}; 401 says the signature is the problem"))),
            _ if ok(s) => (Fail, Some(format!("accepts a delivery whose {header} is garbage: verify it and refuse what does not parse"))),
            _ => (Fail, Some(format!("a malformed signature header makes the handler fail with {s}: parse defensively and answer 401"))),
        }),
        C::TruncatedSignature => worst(&|s| match s {
            401 | 403 => (Pass, None),
            _ if (400..500).contains(&s) => (Warn, Some(format!("refused with {s}; 401 or 403 says the signature is the problem"))),
            _ if ok(s) => (Fail, Some("accepts a truncated signature (half the MAC, or none): compare the whole MAC, in constant time".into())),
            _ => (Fail, Some(format!("a truncated signature makes the handler fail with {s} (a length mismatch in the compare?): check the length and answer 401"))),
        }),
        C::MissingSignature => match s {
            400 | 401 | 403 => (Pass, None),
            _ if client_err => (Warn, Some(format!("refused with {s}; 400, 401 or 403 says what is wrong"))),
            _ if ok(s) => (Fail, Some(format!("accepts unsigned requests: a missing {header} must be refused"))),
            _ => (Fail, Some(format!("a missing signature header makes the handler fail with {s} (reading an absent header?): answer 401"))),
        },
        C::StaleTimestamp => match s {
            _ if client_err => (Pass, None),
            // The provider documents no window (Discord, SendGrid), so its
            // own SDK accepts this: worth saying, not worth failing CI over.
            _ if ok(s) && tolerance.is_none() => (Warn, Some(format!("accepts a delivery signed {minutes} minutes ago: the provider sets no window, but rejecting old timestamps (say over 5 minutes) stops replayed deliveries"))),
            _ if ok(s) => (Fail, Some(format!("accepts a delivery signed {minutes} minutes ago: replay attacks work; reject timestamps older than {} s", tolerance.unwrap_or(300)))),
            _ => (Fail, Some(format!("an old timestamp makes the handler fail with {s}: answer 400 or 401"))),
        },
        C::FutureTimestamp => match s {
            _ if client_err => (Pass, None),
            _ if ok(s) && rejects_future => (Fail, Some(format!("accepts a delivery signed {minutes} minutes in the future: the provider's own check refuses timestamps more than {} s off either way; compare the absolute difference", tolerance.unwrap_or(300)))),
            // Stripe's Node, Python and Ruby SDKs, among others, check only
            // for old timestamps (stripe-php compares the absolute difference).
            _ if ok(s) => (Warn, Some(format!("accepts a delivery signed {minutes} minutes in the future: the provider's SDK checks only for old timestamps, but a future one stays replayable for longer; compare the absolute difference"))),
            _ => (Fail, Some(format!("a future timestamp makes the handler fail with {s}: answer 400 or 401"))),
        },
        C::MalformedBody => match s {
            400 => (Pass, None),
            _ if client_err => (Warn, Some(format!("refused with {s}; 400 Bad Request says the body is malformed"))),
            _ if ok(s) => (Warn, Some("a body that is not JSON was acknowledged: the app cannot have processed it; answer 400".into())),
            _ => (Fail, Some(format!("a signed but malformed body makes the handler fail with {s}: parse defensively and answer 400"))),
        },
        C::WrongContentType => match s {
            415 => (Pass, None),
            _ if client_err || ok(s) => (Warn, Some(format!("text/plain got {s}; 415 Unsupported Media Type tells a sender what is wrong"))),
            _ => (Fail, Some(format!("an unexpected content type makes the handler fail with {s}: answer 415"))),
        },
        C::WrongMethod => match s {
            404 | 405 => (Pass, None),
            _ if ok(s) => (Warn, Some("a GET was answered 2xx: only POST should be".into())),
            _ if client_err => (Warn, Some(format!("a GET got {s}; 405 Method Not Allowed says what is wrong"))),
            _ => (Fail, Some(format!("a GET makes the handler fail with {s}: answer 405 to anything but POST"))),
        },
        C::ResponseTime | C::Handshake => (Pass, None),
    };
    result(outcome, hint)
}

/// How bad an outcome is, for the worst of several answers.
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Skip => 0,
        Outcome::Pass => 1,
        Outcome::Warn => 2,
        Outcome::Fail => 3,
    }
}

fn response_time(
    valid: Option<&Answer>,
    timeout: u64,
    provider: &str,
    limit: Duration,
) -> CaseResult {
    let name = CaseName::ResponseTime;
    let base = |got: String, outcome, duration_ms, hint| CaseResult {
        name,
        expected: name.expected(timeout),
        got,
        outcome,
        duration_ms,
        hint,
    };
    match valid {
        None => base(
            "-".into(),
            Outcome::Skip,
            None,
            Some("it is measured on the valid case, which did not run".into()),
        ),
        Some(Err(DeliverError::Timeout { .. })) => base(
            format!("no answer in {:.0} s", limit.as_secs_f64()),
            Outcome::Fail,
            None,
            Some(format!(
                "{provider} gives up after {timeout} s and retries: answer 2xx first, then process the event in the background"
            )),
        ),
        Some(Err(e)) => base(
            transport(e),
            Outcome::Fail,
            None,
            Some("the valid delivery got no answer".into()),
        ),
        Some(Ok(r)) => {
            let secs = r.elapsed.as_secs_f64();
            let got = format!("{secs:.2} s");
            let ms = Some(secs * 1000.0);
            if secs < timeout as f64 / 2.0 {
                base(got, Outcome::Pass, ms, None)
            } else if secs < timeout as f64 {
                base(
                    got,
                    Outcome::Warn,
                    ms,
                    Some(format!(
                        "close to {provider}'s {timeout} s timeout: acknowledge first, then do the work in the background"
                    )),
                )
            } else {
                base(
                    got,
                    Outcome::Fail,
                    ms,
                    Some(format!(
                        "{provider} gives up after {timeout} s and retries: answer 2xx first, then process the event in the background"
                    )),
                )
            }
        }
    }
}
