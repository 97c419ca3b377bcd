//! `hookcli show`: the whole story of one delivery.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;

use crate::cli::ShowArgs;
use crate::output::{block, one_line, one_line_bytes, shorten};
use crate::store::{Attempt, AttemptKind, Delivery, portable, short_id};

pub fn run(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let store = super::store::store(&args.store);
    let (d, attempts) = super::store::load(&store, &args.id)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        writeln!(out, "{:#}", portable::document(&d, &attempts))?;
    } else if args.body {
        out.write_all(&d.body)?;
    } else if args.headers {
        // One `Name: value` a line, as the sender wrote them; a control
        // character in a value cannot drive the terminal.
        for (n, v) in d.headers.iter() {
            writeln!(out, "{}: {}", one_line(n), one_line_bytes(v))?;
        }
    } else if args.curl {
        if let Some(why) = crate::curl::refusal(&d) {
            return Err(super::usage(why));
        }
        writeln!(out, "{}", crate::curl::command(&d))?;
    } else {
        human(&mut out, &d, &attempts)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn human(out: &mut impl Write, d: &Delivery, attempts: &[Attempt]) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {}  (short id {})",
        "delivery".bold(),
        one_line(&d.id),
        one_line(short_id(&d.id)).bold()
    )?;
    writeln!(
        out,
        "  received  {} from {} ({}, {})",
        portable::rfc3339_ms(d.received_at),
        one_line(d.peer.as_deref().unwrap_or("?")),
        one_line(&d.http_version),
        one_line(&d.source)
    )?;
    writeln!(
        out,
        "  request   {} {}",
        one_line(&d.method),
        one_line(&d.target)
    )?;
    if let Some(url) = &d.public_url {
        writeln!(out, "  public    {}", one_line(url))?;
    }
    writeln!(
        out,
        "  event     {} {} {}",
        one_line(d.provider.as_deref().unwrap_or("-")).cyan(),
        one_line(d.event_type.as_deref().unwrap_or("-")),
        one_line(d.event_id.as_deref().unwrap_or("")).dimmed()
    )?;
    let verdict = one_line(d.verdict.explanation.as_deref().unwrap_or(&d.verdict.word));
    let verdict = match d.verdict.word.as_str() {
        "valid" => verdict.green(),
        "invalid" => verdict.red(),
        _ => verdict.yellow(),
    };
    writeln!(out, "  verdict   {verdict}")?;
    if let Some(r) = &d.rejected {
        writeln!(out, "  rejected  {}", one_line(r).red())?;
    }
    writeln!(
        out,
        "  body      {} bytes, sha256 {}",
        d.body.len(),
        one_line(&d.body_sha256)
    )?;
    writeln!(out, "\n{}", "headers".bold())?;
    for (n, v) in d.headers.iter() {
        writeln!(out, "  {}: {}", one_line(n), one_line_bytes(v))?;
    }
    writeln!(out, "\n{}", "body".bold())?;
    match std::str::from_utf8(&d.body) {
        Ok(text) => writeln!(out, "{}", block(text.trim_end()))?,
        Err(_) => writeln!(
            out,
            "  ({} bytes, not UTF-8: `hookcli show {} --body` writes them raw)",
            d.body.len(),
            short_id(&d.id)
        )?,
    }
    writeln!(out, "\n{} ({})", "attempts".bold(), attempts.len())?;
    for (i, a) in attempts.iter().enumerate() {
        let status = match (&a.error, a.status) {
            (Some(e), _) => one_line(e).red(),
            (None, Some(s)) if (200..300).contains(&s) => s.to_string().green(),
            (None, Some(s)) => s.to_string().red(),
            (None, None) => "-".normal(),
        };
        writeln!(
            out,
            "  {}. {}{} {}  {status}  {:.1} ms  {}",
            i + 1,
            a.kind.as_str(),
            replay_mode(d, a).map_or(String::new(), |m| format!(" ({m})")),
            // The app's credentials and query stay out of what is shown.
            a.target
                .as_deref()
                .map_or("(hookcli answered)".into(), crate::secret::redact_url),
            a.duration_ms,
            portable::rfc3339_ms(a.started_at).dimmed()
        )?;
        if !a.body.is_empty() {
            writeln!(out, "     {}", shorten(&a.body, 300))?;
        }
    }
    Ok(())
}

/// What a replay did to the recorded request, worked out from what it sent:
/// nothing (exact), re-signed, a new id (named), edited.
fn replay_mode(d: &Delivery, a: &Attempt) -> Option<String> {
    if a.kind != AttemptKind::Replay {
        return None;
    }
    let Some(sent) = &a.sent else {
        return Some("exact".into());
    };
    let mut parts = vec!["re-signed".to_string()];
    let mut body = sent.body.clone();
    let provider = d.provider.as_deref().and_then(crate::provider::by_name);
    let sent_id = provider.as_ref().and_then(|p| {
        p.event_id(&crate::provider::WebhookRequest {
            method: d.method.clone(),
            url: String::new(),
            headers: sent.headers.clone(),
            body: sent.body.clone().into(),
        })
    });
    let old_id = provider.as_ref().and_then(|p| {
        p.event_id(&crate::provider::WebhookRequest {
            method: d.method.clone(),
            url: String::new(),
            headers: d.headers.clone(),
            body: d.body.clone(),
        })
    });
    if let (Some(new), Some(old)) = (&sent_id, &old_id)
        && new != old
    {
        parts.push(format!("new id {}", one_line(new)));
        // The id put back, what is left differs only if the body was edited.
        if let Ok(text) = std::str::from_utf8(&sent.body) {
            body = text
                .replacen(&format!("\"{new}\""), &format!("\"{old}\""), 1)
                .into_bytes();
        }
    }
    if body != d.body {
        parts.push("edited".into());
    }
    Some(parts.join(", "))
}
