//! Running the battery: each case built as its turn comes and sent, a few
//! at a time, and what came back handed to the judges.

use futures_util::StreamExt;

use super::build::{Built, Step, build, skip_reason};
use super::judge::{judge, judge_handshake, response_time, skipped};
use super::modes::{self, Mode};
use super::send::{Sent, send, send_framed};
use super::shape::{Shape, retried};
use super::{CaseName, DEFAULT_TIMEOUT_SECS, Outcome, Plan, Report, diagnosis, large, refused};
use crate::client::DeliverError;
use crate::provider::{Handshake, WebhookRequest};

/// A case in one shape, waiting for its turn: built only then.
struct Queued<'s, 'a> {
    name: CaseName,
    mode: Option<&'static str>,
    shape: &'s Shape<'a>,
    is_form: bool,
    /// In the first shape, whose skips are reported.
    primary: bool,
}

/// What a case's turn came to.
enum Ran {
    /// Its answers, and for the handshake the probe sent, to judge them by.
    Sent(Sent, Option<(Handshake, WebhookRequest)>),
    Skipped {
        name: CaseName,
        why: String,
        primary: bool,
    },
    Later,
    Last,
}

/// The signature cases run again in each further delivery mode.
const PER_MODE: [CaseName; 6] = [
    CaseName::Valid,
    CaseName::BadSignature,
    CaseName::MissingSignature,
    CaseName::BodyModified,
    CaseName::StaleTimestamp,
    CaseName::FutureTimestamp,
];

/// Runs the cases, `plan.concurrency` at a time; every case's requests go in order.
pub async fn run(plan: &Plan<'_>, progress: impl Fn(CaseName)) -> Result<Report, String> {
    let info = plan.provider.info();
    let timeout_secs = info.delivery_timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS);
    let event = plan
        .recorded
        .as_ref()
        .map(|r| r.event.clone())
        .or_else(|| plan.event.clone())
        .or_else(|| crate::fixture::default_event(plan.provider.name()).map(str::to_string))
        .ok_or_else(|| {
            format!(
                "{} has no sample events; pass --event",
                plan.provider.name()
            )
        })?;
    let all_modes = modes::modes(plan.provider.name());
    let chosen: Vec<&Mode> = match &plan.mode {
        Some(m) => all_modes.iter().filter(|x| x.name == m).collect(),
        // A shape run on request only stays out of the usual battery.
        None => all_modes.iter().filter(|x| !x.on_request).collect(),
    };
    let shapes: Vec<Shape<'_>> = match chosen.as_slice() {
        // A recorded delivery has the one shape it was recorded in.
        _ if plan.recorded.is_some() => vec![Shape {
            plan,
            mode: None,
            event: event.clone(),
            recorded: plan.recorded.as_ref(),
        }],
        [] => vec![Shape {
            plan,
            mode: None,
            event: event.clone(),
            recorded: None,
        }],
        many => many
            .iter()
            .map(|m| Shape {
                plan,
                mode: Some(*m),
                event: event.clone(),
                recorded: None,
            })
            .collect(),
    };

    let mut queue = Vec::new();
    let mut results = Vec::new();
    for (i, shape) in shapes.iter().enumerate() {
        let primary = i == 0;
        // The first shape's rows carry no mode: the report reads as before.
        let mode = shape.mode.filter(|_| !primary).map(|m| m.name);
        let is_form = shape.is_form()?;
        for name in CaseName::ALL.into_iter().filter(|c| plan.cases.contains(c)) {
            if !primary && !PER_MODE.contains(&name) {
                continue;
            }
            match skip_reason(name, plan, is_form) {
                // A further mode leaves out what does not apply rather
                // than repeating the first mode's skips.
                Some(why) if primary => results.push(skipped(name, timeout_secs, why)),
                Some(_) => {}
                None => queue.push(Queued {
                    name,
                    mode,
                    shape,
                    is_form,
                    primary,
                }),
            }
        }
    }

    let progress = &progress;
    let ran: Vec<Result<Ran, String>> = futures_util::stream::iter(queue)
        .map(|q| async move {
            let ran = take_turn(q, plan).await;
            if let Ok(Ran::Sent(sent, _)) = &ran {
                progress(sent.name);
            }
            ran
        })
        .buffer_unordered(plan.concurrency.max(1))
        .collect()
        .await;
    let mut answered = Vec::new();
    // The probe and how to judge its answer, for the handshake case.
    let mut probe = None;
    let (mut later, mut last) = (false, false);
    for r in ran {
        match r? {
            Ran::Sent(sent, sent_probe) => {
                probe = probe.or(sent_probe);
                answered.push(sent);
            }
            Ran::Skipped { name, why, primary } => {
                if primary {
                    results.push(skipped(name, timeout_secs, why));
                }
            }
            Ran::Later => later = true,
            Ran::Last => last = true,
        }
    }

    let unreachable = unreachable(&answered);
    let header = info.signature_headers.first().cloned().unwrap_or_default();
    let asymmetric = plan.provider.keygen().is_some();
    let primary_valid_passed = answered.iter().any(|s| {
        s.name == CaseName::Valid
            && s.mode.is_none()
            && s.answers
                .iter()
                .all(|a| a.as_ref().is_ok_and(|r| (200..300).contains(&r.status)))
    });
    let judged = |name, answers: &[_]| {
        judge(
            name,
            answers,
            timeout_secs,
            &header,
            info.default_tolerance,
            asymmetric,
            plan.provider.rejects_future_timestamps(),
        )
    };
    for sent in &answered {
        if let (CaseName::Handshake, Some((h, req))) = (sent.name, &probe) {
            results.push(judge_handshake(h, req, plan, &sent.answers[0]));
            continue;
        }
        let mut result = judged(sent.name, &sent.answers);
        // A shape run on request alone: its refusal has its own cause.
        if let ([only], None, CaseName::Valid, Outcome::Fail) =
            (chosen.as_slice(), sent.mode, sent.name, result.outcome)
            && only.on_request
        {
            result.hint = Some(only.refused.to_string());
        }
        if let Some(m) = sent.mode {
            result.mode = Some(m.to_string());
            // Refused in this mode only: the mode is the cause.
            if sent.name == CaseName::Valid
                && result.outcome == Outcome::Fail
                && primary_valid_passed
                && let Some(mode) = all_modes.iter().find(|x| x.name == m)
            {
                result.hint = Some(mode.refused.to_string());
            }
        }
        results.push(result);
    }
    // A correctly signed delivery refused as a bad signature: find out why.
    let refusal = results.iter_mut().find(|r| {
        r.name == CaseName::Valid
            && r.mode.is_none()
            && r.outcome == Outcome::Fail
            && matches!(r.got.as_str(), "400" | "401" | "403")
    });
    let mut cause = None;
    if let (Some(valid), false) = (refusal, asymmetric)
        && let Some(why) = refused::why(&shapes[0]).await?
    {
        valid.hint = Some(format!("a correctly signed delivery was refused: {why}"));
        cause = Some(why);
    }
    if last {
        let shape = &shapes[0];
        let body = shape.make(None, None)?.body;
        let padded = large::padded(&body, shape.is_form()?).ok_or("no field to pad")?;
        let answer = send(plan, &shape.make(None, Some(padded))?).await;
        progress(CaseName::LargeBody);
        results.push(judged(CaseName::LargeBody, &[answer]));
    }
    if later {
        // Timed alone, once every other case is done: an idle endpoint's
        // time, not one spent queueing behind the rest of the battery.
        let idle = send(plan, &shapes[0].make(None, None)?).await;
        progress(CaseName::ResponseTime);
        results.push(response_time(
            &idle,
            timeout_secs,
            plan.provider.name(),
            plan.timeout,
        ));
    }
    let mode_rank = |m: &Option<String>| {
        m.as_ref().map_or(0, |m| {
            1 + all_modes.iter().position(|x| x.name == m).unwrap_or(0)
        })
    };
    results.sort_by_key(|r| {
        (
            CaseName::ALL.iter().position(|c| *c == r.name),
            mode_rank(&r.mode),
        )
    });

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
    let diagnosis = match cause {
        Some(why) => Some(format!(
            "correctly signed deliveries are refused, one signed another way is accepted: {why}"
        )),
        None => unreachable
            .is_none()
            .then(|| diagnosis::diagnose(&answered, plan.provider.signed()))
            .flatten(),
    };
    let summary = Report::tally(&results);
    Ok(Report {
        schema: "hookcli.check/1",
        provider: plan.provider.name().to_string(),
        url: plan.url.clone(),
        from: plan.recorded.as_ref().map(|r| r.source.clone()),
        public_url: plan.public_url.clone(),
        // A single mode chosen with an event of its own reports that event.
        event: shapes[0]
            .mode
            .and_then(|m| m.event)
            .map_or(event, str::to_string),
        modes: shapes
            .iter()
            .filter_map(|s| s.mode.map(|m| m.name.to_string()))
            .collect(),
        delivery_timeout_secs: timeout_secs,
        diagnosis,
        notes,
        cases: results,
        summary,
        unreachable,
    })
}

/// Builds a case and sends its requests in order. Built now, as its turn
/// comes, not with the rest at the start: behind a slow endpoint's answers
/// a case signed then would arrive older than the provider allows (Paddle:
/// 5 s), and a correct endpoint would refuse it.
async fn take_turn(q: Queued<'_, '_>, plan: &Plan<'_>) -> Result<Ran, String> {
    let (steps, probe) = match build(q.name, q.shape, q.is_form)? {
        Built::Send(steps) => (steps, None),
        Built::Probe(h, req) => (vec![Step::Send(req.clone())], Some((h, req))),
        Built::Skip(why) => {
            return Ok(Ran::Skipped {
                name: q.name,
                why,
                primary: q.primary,
            });
        }
        Built::Later => return Ok(Ran::Later),
        Built::Last => return Ok(Ran::Last),
    };
    let mut answers = Vec::new();
    for step in steps {
        answers.push(match step {
            Step::Send(req) => send(plan, &req).await,
            Step::Framed(req, framing) => send_framed(plan, &req, framing).await,
            Step::Retry(signed) => send(plan, &retried(plan.provider, &plan.secret, signed)?).await,
        });
    }
    let sent = Sent {
        name: q.name,
        mode: q.mode,
        answers,
    };
    Ok(Ran::Sent(sent, probe))
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
fn unreachable(answered: &[Sent]) -> Option<String> {
    let mut reasons = answered.iter().flat_map(|s| &s.answers).map(|a| match a {
        // The caller says "could not reach URL": the reason alone follows.
        Err(DeliverError::Connect { reason, .. }) => Some(reason.clone()),
        Err(e @ DeliverError::BadUrl { .. }) => Some(e.to_string()),
        _ => None,
    });
    let first = reasons.next()??;
    reasons.all(|r| r.is_some()).then_some(first)
}
