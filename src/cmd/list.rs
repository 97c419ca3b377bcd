//! `hookcli list`: recorded deliveries, newest first.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;

use crate::cli::ListArgs;
use crate::output::one_line;
use crate::store::{self, Filter, StoreError, Summary, now_ms, portable::rfc3339_ms, short_id};

pub fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = super::store::store(&args.store);
    let filter = Filter {
        limit: Some(args.limit),
        provider: args.provider.clone(),
        event: args.event.clone(),
        failed: args.failed,
        since: args.since.map(|d| now_ms() - d.as_millis() as i64),
    };
    let rows = match store.open_read() {
        Ok(conn) => store::query::list(&conn, &filter).map_err(store.sqlite_err())?,
        // Nothing recorded yet is an empty list, not an error.
        Err(StoreError::Missing { .. }) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        for r in &rows {
            writeln!(out, "{}", json(r))?;
        }
    } else if rows.is_empty() {
        writeln!(out, "no deliveries recorded in {}", store.path.display())?;
    } else {
        writeln!(
            out,
            "{}",
            format!(
                "{:<8}  {:<19}  {:<6} {:<24} {:<9} {:<32} {:<9} {}",
                "ID", "RECEIVED (UTC)", "METHOD", "PATH", "PROVIDER", "EVENT", "VERDICT", "STATUS"
            )
            .dimmed()
        )?;
        for r in &rows {
            writeln!(out, "{}", human(r))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn status(r: &Summary) -> String {
    match (r.last_status, &r.last_error) {
        (_, Some(_)) => "error".into(),
        (Some(s), None) => s.to_string(),
        (None, None) => "-".into(),
    }
}

/// A column's text: escaped first (a sender wrote it), then cut to width.
fn cut(s: &str, n: usize) -> String {
    let s = one_line(s);
    if s.chars().count() <= n {
        s.into_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn human(r: &Summary) -> String {
    let time = rfc3339_ms(r.received_at);
    let verdict = match r.verdict.as_str() {
        "valid" => format!("{:<9}", "valid").green(),
        "invalid" => format!("{:<9}", "invalid").red(),
        other => format!("{:<9}", one_line(other)).yellow(),
    };
    let st = status(r);
    let st = if st.starts_with('2') {
        st.green()
    } else {
        st.red()
    };
    format!(
        "{:<8}  {:<19}  {:<6} {:<24} {:<9} {:<32} {verdict} {st}",
        one_line(short_id(&r.id)).bold(),
        &time[..19].replace('T', " "),
        one_line(&r.method),
        cut(&r.target, 24),
        one_line(r.provider.as_deref().unwrap_or("-")),
        cut(r.event_type.as_deref().unwrap_or("-"), 32),
    )
}

fn json(r: &Summary) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "received_at": rfc3339_ms(r.received_at),
        "method": r.method,
        "path": r.target,
        "provider": r.provider,
        "event_type": r.event_type,
        "event_id": r.event_id,
        "verdict": r.verdict,
        "last_status": r.last_status,
        "last_error": r.last_error,
        "attempts": r.attempts,
        "body_size": r.body_size,
    })
}
