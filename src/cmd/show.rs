//! `hookcli show`: the whole story of one delivery.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;

use crate::cli::ShowArgs;
use crate::output::shorten;
use crate::store::{Attempt, Delivery, portable, short_id};

pub fn run(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let store = super::store::store(&args.store);
    let (d, attempts) = super::store::load(&store, &args.id)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        writeln!(out, "{:#}", portable::document(&d, &attempts))?;
    } else if args.body {
        out.write_all(&d.body)?;
    } else if args.headers {
        for (n, v) in d.headers.iter() {
            out.write_all(n.as_bytes())?;
            out.write_all(b": ")?;
            out.write_all(v)?;
            out.write_all(b"\n")?;
        }
    } else if args.curl {
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
        d.id,
        short_id(&d.id).bold()
    )?;
    writeln!(
        out,
        "  received  {} from {} ({}, {})",
        portable::rfc3339_ms(d.received_at),
        d.peer.as_deref().unwrap_or("?"),
        d.http_version,
        d.source
    )?;
    writeln!(out, "  request   {} {}", d.method, d.target)?;
    if let Some(url) = &d.public_url {
        writeln!(out, "  public    {url}")?;
    }
    writeln!(
        out,
        "  event     {} {} {}",
        d.provider.as_deref().unwrap_or("-").cyan(),
        d.event_type.as_deref().unwrap_or("-"),
        d.event_id.as_deref().unwrap_or("").dimmed()
    )?;
    let verdict = d
        .verdict
        .explanation
        .clone()
        .unwrap_or_else(|| d.verdict.word.clone());
    let verdict = match d.verdict.word.as_str() {
        "valid" => verdict.green(),
        "invalid" => verdict.red(),
        _ => verdict.yellow(),
    };
    writeln!(out, "  verdict   {verdict}")?;
    if let Some(r) = &d.rejected {
        writeln!(out, "  rejected  {}", r.red())?;
    }
    writeln!(
        out,
        "  body      {} bytes, sha256 {}",
        d.body.len(),
        d.body_sha256
    )?;
    writeln!(out, "\n{}", "headers".bold())?;
    for (n, v) in d.headers.iter() {
        writeln!(out, "  {n}: {}", String::from_utf8_lossy(v))?;
    }
    writeln!(out, "\n{}", "body".bold())?;
    match std::str::from_utf8(&d.body) {
        Ok(text) => writeln!(out, "{}", text.trim_end())?,
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
            (Some(e), _) => e.red(),
            (None, Some(s)) if (200..300).contains(&s) => s.to_string().green(),
            (None, Some(s)) => s.to_string().red(),
            (None, None) => "-".normal(),
        };
        writeln!(
            out,
            "  {}. {} {}  {status}  {:.1} ms  {}",
            i + 1,
            a.kind.as_str(),
            a.target.as_deref().unwrap_or("(hookcli answered)"),
            a.duration_ms,
            portable::rfc3339_ms(a.started_at).dimmed()
        )?;
        if !a.body.is_empty() {
            writeln!(out, "     {}", shorten(&a.body, 300))?;
        }
    }
    Ok(())
}
