//! `hookcli send`: forge a signed sample delivery and send it.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use colored::Colorize;

use crate::cli::{SendArgs, read_data};
use crate::fixture;
use crate::output::{body_json, headers_json, shorten};
use crate::provider::{KeyRole, WebhookRequest, now};
use crate::secret::Secret;
use crate::send::{self, Forge, Forged, Response};
use crate::tamper::Tamper;

use super::{check_key, exit, provider, require_secret, resolve_secret, usage};

pub fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    if !args.from.is_empty() {
        return super::send_from::run(args);
    }
    let name = args
        .provider
        .clone()
        .or_else(|| crate::config::active().provider.clone())
        .ok_or_else(|| usage("--provider is required (or set provider in hookcli.toml); `hookcli providers` lists them"))?;
    let provider = provider(&name, &args.hmac)?;
    let secret = resolve_secret(&args.secret)?;
    let secret = match (secret, args.tamper) {
        (None, Some(Tamper::MissingSignature)) => None,
        // Zapier signs nothing: no secret to ask for.
        (s, _) if !provider.signed() => s,
        (s, _) => {
            let s = require_secret(s, provider.as_ref())?;
            check_key(&s, provider.as_ref(), KeyRole::Sign)?;
            Some(s)
        }
    };
    let event = match &args.event {
        Some(e) => e.clone(),
        None => fixture::default_event(provider.name())
            .ok_or_else(|| {
                usage(format!(
                    "{} has no sample events; pass --data",
                    provider.name()
                ))
            })?
            .to_string(),
    };
    let data = match &args.data {
        Some(arg) => Some(read_data(arg).with_context(|| format!("cannot read --data {arg}"))?),
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

    let forged = send::forge(&Forge {
        provider: provider.as_ref(),
        event,
        url: args.url.clone(),
        secret: secret.clone(),
        data,
        sets: args.sets.clone(),
        extra_headers,
        tamper: args.tamper,
        timestamp: args.timestamp.unwrap_or_else(now),
    })
    .map_err(|e| usage(e.to_string()))?;

    if args.print {
        print_request(&forged.request)?;
        return Ok(ExitCode::SUCCESS);
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = args.tls.client(args.timeout)?;
    let response = runtime.block_on(send::deliver(&client, &forged.request, args.timeout))?;
    let ok = match args.expect_status {
        Some(code) => response.status == code,
        None => (200..300).contains(&response.status),
    };
    if args.json {
        writeln!(
            std::io::stdout(),
            "{}",
            render_json(provider.name(), &forged, &response, ok, secret.as_ref())
        )?;
    } else {
        render_human(provider.name(), &forged, &response, args.expect_status)?;
    }
    Ok(exit(ok))
}

/// The request exactly as it goes on the wire (HTTP/1.1 form).
fn print_request(req: &WebhookRequest) -> std::io::Result<()> {
    let url = reqwest::Url::parse(&req.url).ok();
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

fn render_human(
    provider: &str,
    forged: &Forged,
    resp: &Response,
    expect: Option<u16>,
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
    let good = match expect {
        Some(code) => resp.status == code,
        None => (200..300).contains(&resp.status),
    };
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
    if let Some(code) = expect.filter(|c| *c != resp.status) {
        eprintln!("hookcli: expected status {code}, got {}", resp.status);
    }
    Ok(())
}

fn render_json(
    provider: &str,
    forged: &Forged,
    resp: &Response,
    ok: bool,
    secret: Option<&Secret>,
) -> serde_json::Value {
    let req = &forged.request;
    // GitLab sends its token as a header: never echo a secret in JSON.
    let redacted = req.headers.iter().map(|(n, v)| match secret {
        Some(s) if contains(v, s.as_bytes()) => (n, b"(redacted)".as_slice()),
        _ => (n, v),
    });
    serde_json::json!({
        "type": "send",
        "ok": ok,
        "provider": provider,
        "event_type": forged.event,
        "event_id": forged.event_id,
        "request": {
            "method": req.method,
            "url": req.url,
            "headers": headers_json(redacted),
            "body_sha256": crate::provider::crypto::sha256_hex(&req.body),
            "body_size": req.body.len(),
        },
        "response": {
            "status": resp.status,
            "duration_ms": resp.elapsed.as_secs_f64() * 1000.0,
            "headers": headers_json(resp.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()))),
            "body": body_json(&resp.body),
        }
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
