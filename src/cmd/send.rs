//! `hookcli send`: forge a signed sample delivery and send it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use colored::Colorize;
use serde::Serialize;

use crate::cli::{SendArgs, read_data};
use crate::client::{DeliverError, Response};
use crate::fixture;
use crate::forge::{self, Forge, Forged};
use crate::output::{body_json, headers_json, shorten};
use crate::provider::{KeyRole, WebhookRequest, now};
use crate::secret::Secret;
use crate::tamper::Tamper;

use super::{check_key, exit, provider, require_secret, secrets, usage};

pub fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    if !args.from.is_empty() {
        return super::send_from::run(args);
    }
    let name = args
        .provider
        .clone()
        .ok_or_else(|| usage("--provider is required (or set provider in hookcli.toml); `hookcli providers` lists them"))?;
    let provider = provider(&name, &args.hmac)?;
    if args.flow.as_deref() == Some("") {
        return list_flows(provider.name());
    }
    let plan = plan(provider.name(), &args)?;
    let secrets = secrets(&args.secret, Some(provider.name()), &[], KeyRole::Sign)?;
    let secret = secrets.get(provider.name()).map(|f| f.secret.clone());
    let secret = match (secret, args.tamper) {
        (None, Some(Tamper::MissingSignature)) => None,
        // Zapier signs nothing: no secret to ask for.
        (s, _) if !provider.signed() => s,
        (_, _) => {
            let s = require_secret(&secrets, provider.as_ref())?;
            check_key(&s, provider.as_ref(), KeyRole::Sign)?;
            Some(s)
        }
    };
    let data = match &args.data {
        Some(arg) => Some(read_data(arg).with_context(|| format!("cannot read --data {arg}"))?),
        None => None,
    };
    let base = match &args.base {
        Some(path) => Some(read_base(path)?),
        None => None,
    };
    let extra_headers = args
        .headers
        .iter()
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| usage(format!("--header {h:?} is not `Name: value`")))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    // One session for the whole command: a flow's ids agree step to step.
    let mut session = fixture::Session::new(provider.name());
    let mut forge_step = |step: &Planned| {
        let timestamp = args.timestamp.unwrap_or_else(now);
        let ctx = crate::provider::SignContext {
            timestamp,
            id: String::new(),
        };
        let mut sets = match &step.step {
            Some(s) => s.edits(&mut session, &ctx),
            None => Vec::new(),
        };
        sets.extend(args.sets.iter().cloned());
        forge::forge_in(
            &Forge {
                provider: provider.as_ref(),
                event: step.event.clone(),
                url: args.url.clone(),
                secret: secret.clone(),
                data: data.clone(),
                base: base.clone(),
                sets,
                extra_headers: extra_headers.clone(),
                tamper: args.tamper,
                timestamp,
            },
            &mut session,
        )
        .map_err(|e| usage(e.to_string()))
    };

    if args.print {
        for (i, step) in plan.iter().enumerate() {
            if i > 0 {
                writeln!(std::io::stdout())?;
            }
            print_request(&forge_step(step)?.request)?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = args.tls.client()?;
    let series = plan.len() > 1 || args.flow.is_some();
    let mut outcomes = Vec::with_capacity(plan.len());
    for (i, step) in plan.iter().enumerate() {
        if i > 0 && !args.delay.is_zero() {
            std::thread::sleep(args.delay);
        }
        let forged = forge_step(step)?;
        let response = runtime
            .block_on(client.deliver(&forged.request, args.timeout))
            .map_err(|e| nothing_listening(&args.url, &args.default_url, e))
            .with_context(|| match series {
                true => format!("step {} of {} ({})", i + 1, plan.len(), step.event),
                false => String::new(),
            })?;
        let ok = as_expected(response.status, args.expect_status, args.tamper);
        if args.json {
            let mut line = render_json(provider.name(), &forged, &response, ok, secret.as_ref());
            if series {
                line.step = Some(Step {
                    step: i + 1,
                    flow: args.flow.as_deref(),
                });
            }
            writeln!(std::io::stdout(), "{}", serde_json::to_string(&line)?)?;
        } else {
            render_human(provider.name(), &forged, &response, ok)?;
            if let Some(code) = args.expect_status.filter(|c| *c != response.status) {
                eprintln!("hookcli: expected status {code}, got {}", response.status);
            } else if !ok && let Some(t) = args.tamper {
                eprintln!(
                    "hookcli: the receiver accepted a delivery it must refuse ({} got {})",
                    t.name(),
                    response.status
                );
            }
        }
        outcomes.push(Outcome {
            event: forged.event,
            status: response.status,
            ok,
            elapsed: response.elapsed,
        });
    }
    if series {
        render_summary(args.flow.as_deref(), &outcomes, args.json)?;
    }
    Ok(exit(outcomes.iter().all(|o| o.ok)))
}

/// A refused connection to the default URL means no `hookcli listen` runs
/// yet: say so, with the two ways forward, instead of a socket error.
fn nothing_listening(url: &str, default_url: &str, e: DeliverError) -> anyhow::Error {
    match e {
        DeliverError::Connect { .. } if url == default_url => {
            let at = default_url
                .trim_start_matches("http://")
                .trim_end_matches('/');
            anyhow::anyhow!(
                "nothing is listening at {at} (the default); start `hookcli listen` or pass --url"
            )
        }
        e => e.into(),
    }
}

/// One event to send, with the flow step (and its edits) it stands for.
struct Planned {
    event: String,
    step: Option<fixture::flow::Step>,
}

/// What was answered to one event of a series.
struct Outcome {
    event: String,
    status: u16,
    ok: bool,
    elapsed: std::time::Duration,
}

/// The events this command sends: a flow's steps, the `--event` names and
/// globs, or the provider's default event.
fn plan(provider: &str, args: &SendArgs) -> anyhow::Result<Vec<Planned>> {
    if let Some(name) = &args.flow {
        let flow = fixture::flow::find(provider, name).map_err(usage)?;
        return Ok(flow
            .steps
            .iter()
            .map(|s| Planned {
                event: s.event.clone(),
                step: Some(s.clone()),
            })
            .collect());
    }
    let events = match args.event.as_slice() {
        [] => vec![
            fixture::default_event(provider)
                .ok_or_else(|| usage(format!("{provider} has no sample events; pass --data")))?
                .to_string(),
        ],
        patterns => fixture::select::select(provider, patterns)
            .map_err(usage)?
            .into_iter()
            .map(|e| e.event.to_string())
            .collect(),
    };
    if events.len() > 1 && args.data.is_some() {
        return Err(usage(
            "--data replaces the payload of one event: give one --event",
        ));
    }
    Ok(events
        .into_iter()
        .map(|event| Planned { event, step: None })
        .collect())
}

fn read_base(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read --base {}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| usage(format!("--base {} is not JSON: {e}", path.display())))?;
    if !doc.is_object() {
        return Err(usage(format!(
            "--base {} must be a JSON object (the fields to put over the event)",
            path.display()
        )));
    }
    Ok(doc)
}

fn list_flows(provider: &str) -> anyhow::Result<ExitCode> {
    let flows = fixture::flow::flows(provider);
    let mut out = std::io::stdout().lock();
    if flows.is_empty() {
        writeln!(
            out,
            "{provider} has no flows; `hookcli providers` names the providers that do"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = flows.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in &flows {
        writeln!(out, "{:width$}  {}", f.name.bold(), f.description)?;
        writeln!(
            out,
            "{:width$}  {}",
            "",
            f.steps
                .iter()
                .map(|s| s.event.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
                .dimmed()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn render_summary(flow: Option<&str>, outcomes: &[Outcome], json: bool) -> std::io::Result<()> {
    let good = outcomes.iter().filter(|o| o.ok).count();
    let mut out = std::io::stdout().lock();
    if json {
        let line = SummaryLine {
            kind: "summary",
            flow,
            sent: outcomes.len(),
            ok: good,
            steps: outcomes
                .iter()
                .map(|o| StepLine {
                    event_type: &o.event,
                    status: o.status,
                    ok: o.ok,
                    duration_ms: o.elapsed.as_secs_f64() * 1000.0,
                })
                .collect(),
        };
        return writeln!(out, "{}", serde_json::to_string(&line)?);
    }
    let what = match flow {
        Some(name) => format!("flow {name}"),
        None => "series".to_string(),
    };
    let verdict = format!("{good} of {} as expected", outcomes.len());
    let verdict = if good == outcomes.len() {
        verdict.green().bold()
    } else {
        verdict.red().bold()
    };
    writeln!(out, "{what}: {verdict}")?;
    let width = outcomes.iter().map(|o| o.event.len()).max().unwrap_or(0);
    for (i, o) in outcomes.iter().enumerate() {
        let status = if o.ok {
            o.status.to_string().green()
        } else {
            o.status.to_string().red()
        };
        writeln!(
            out,
            "  {:>2}  {:width$}  {status}  {} ms",
            i + 1,
            o.event,
            o.elapsed.as_millis()
        )?;
    }
    Ok(())
}

/// The request exactly as it goes on the wire (HTTP/1.1 form).
fn print_request(req: &WebhookRequest) -> std::io::Result<()> {
    let url = url::Url::parse(&req.url).ok();
    let target = url
        .as_ref()
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        })
        .unwrap_or_else(|| req.url.clone());
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} {target} HTTP/1.1", req.method)?;
    if let Some(host) = url
        .as_ref()
        .and_then(|u| u.host_str().map(|h| (h.to_string(), u.port())))
    {
        match host.1 {
            Some(p) => writeln!(out, "Host: {}:{p}", host.0)?,
            None => writeln!(out, "Host: {}", host.0)?,
        }
    }
    for (name, value) in req.headers.iter() {
        out.write_all(name.as_bytes())?;
        out.write_all(b": ")?;
        out.write_all(value)?;
        out.write_all(b"\n")?;
    }
    writeln!(out, "Content-Length: {}", req.body.len())?;
    writeln!(out)?;
    out.write_all(&req.body)?;
    if !req.body.ends_with(b"\n") {
        writeln!(out)?;
    }
    out.flush()
}

/// Whether an answer is the one wanted: the `--expect-status` when given,
/// else a refusal (any non-2xx) for a tampered delivery, else a 2xx. A
/// receiver that accepts a forged or stale delivery is what `--tamper` tests for.
fn as_expected(status: u16, expect: Option<u16>, tamper: Option<Tamper>) -> bool {
    let accepted = (200..300).contains(&status);
    match (expect, tamper) {
        (Some(code), _) => status == code,
        (None, Some(_)) => !accepted,
        (None, None) => accepted,
    }
}

fn render_human(
    provider: &str,
    forged: &Forged,
    resp: &Response,
    good: bool,
) -> std::io::Result<()> {
    let req = &forged.request;
    writeln!(
        std::io::stdout(),
        "{} {} {}  {} {}  {}",
        "→".dimmed(),
        req.method.bold(),
        req.url,
        provider.cyan(),
        forged.event,
        forged.event_id.as_deref().unwrap_or("").dimmed()
    )?;
    let status = format!("{} {}", resp.status, resp.reason);
    let status = if good {
        status.green().bold()
    } else {
        status.red().bold()
    };
    writeln!(
        std::io::stdout(),
        "{} {status}  {} ms  {}",
        "←".dimmed(),
        resp.elapsed.as_millis(),
        shorten(&resp.body, 200)
    )?;
    Ok(())
}

/// One `send --json` line: what was sent and what came back.
#[derive(Serialize)]
struct SendLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    ok: bool,
    provider: &'a str,
    event_type: &'a str,
    event_id: Option<&'a str>,
    request: SentRequest<'a>,
    response: Answer,
    /// In a series (`--event` repeated, `--flow`): which step, of which flow.
    #[serde(flatten)]
    step: Option<Step<'a>>,
}

#[derive(Serialize)]
struct Step<'a> {
    step: usize,
    flow: Option<&'a str>,
}

#[derive(Serialize)]
struct SentRequest<'a> {
    method: &'a str,
    url: &'a str,
    headers: serde_json::Value,
    body_sha256: String,
    body_size: usize,
}

#[derive(Serialize)]
struct Answer {
    status: u16,
    duration_ms: f64,
    headers: serde_json::Value,
    body: serde_json::Value,
}

/// The `--json` line after a series.
#[derive(Serialize)]
struct SummaryLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    flow: Option<&'a str>,
    sent: usize,
    ok: usize,
    steps: Vec<StepLine<'a>>,
}

#[derive(Serialize)]
struct StepLine<'a> {
    event_type: &'a str,
    status: u16,
    ok: bool,
    duration_ms: f64,
}

fn render_json<'a>(
    provider: &'a str,
    forged: &'a Forged,
    resp: &Response,
    ok: bool,
    secret: Option<&Secret>,
) -> SendLine<'a> {
    let req = &forged.request;
    // GitLab sends its token as a header: never echo a secret in JSON.
    let redacted = req.headers.iter().map(|(n, v)| match secret {
        Some(s) if contains(v, s.as_bytes()) => (n, b"(redacted)".as_slice()),
        _ => (n, v),
    });
    SendLine {
        kind: "send",
        ok,
        provider,
        event_type: &forged.event,
        event_id: forged.event_id.as_deref(),
        request: SentRequest {
            method: &req.method,
            url: &req.url,
            headers: headers_json(redacted),
            body_sha256: crate::provider::crypto::sha256_hex(&req.body),
            body_size: req.body.len(),
        },
        response: Answer {
            status: resp.status,
            duration_ms: resp.elapsed.as_secs_f64() * 1000.0,
            headers: headers_json(resp.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()))),
            body: body_json(&resp.body),
        },
        step: None,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
