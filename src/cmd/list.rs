//! `hookcli list`: recorded deliveries, newest first.

use std::io::Write;
use std::process::ExitCode;

use colored::Colorize;

use crate::cli::ListArgs;
use crate::output::one_line;
use crate::store::{self, Filter, StoreError, Summary, now_ms, portable::rfc3339_ms, short_id};

pub fn run(args: ListArgs) -> anyhow::Result<ExitCode> {
    let store = super::store::store(&args.store);
    if let Some(p) = &args.provider {
        // A name hookcli never records would silently match nothing.
        if !crate::provider::NAMES.contains(&p.to_ascii_lowercase().as_str()) {
            return Err(super::usage(format!(
                "--provider {p:?} is not a provider hookcli knows (known: {})",
                crate::provider::NAMES.join(", ")
            )));
        }
    }
    let filter = Filter {
        limit: Some(args.limit),
        provider: args.provider.clone(),
        event: args.event.clone(),
        failed: args.failed,
        since: args.since.map(|d| now_ms() - d.as_millis() as i64),
    };
    // The rows, how many the filter matches and how many are recorded at
    // all, so an empty or cut list can say why.
    let (rows, matching, recorded) = match store.open_read() {
        Ok(conn) => {
            let rows = store::query::list(&conn, &filter).map_err(store.sqlite_err())?;
            // Counted only when the list may be cut or is empty: a count
            // reads the whole table.
            let n = rows.len() as i64;
            let matching = if rows.len() < args.limit || args.json {
                n
            } else {
                store::query::count_matching(&conn, &filter).map_err(store.sqlite_err())?
            };
            let recorded = if rows.is_empty() && !args.json {
                store::query::count(&conn).map_err(store.sqlite_err())?
            } else {
                n
            };
            (rows, matching, recorded)
        }
        // Nothing recorded yet is an empty list, not an error.
        Err(StoreError::Missing { .. }) => (Vec::new(), 0, 0),
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        for r in &rows {
            writeln!(out, "{}", json(r))?;
        }
    } else if recorded == 0 {
        writeln!(out, "no deliveries recorded in {}", store.path.display())?;
    } else if rows.is_empty() {
        writeln!(out, "{}", empty(&args, matching, recorded))?;
    } else {
        writeln!(
            out,
            "{}",
            format!(
                "{:<8}  {:<19}  {:<7} {:<24} {:<9} {:<32} {:<9} {}",
                "ID", "RECEIVED (UTC)", "METHOD", "PATH", "PROVIDER", "EVENT", "VERDICT", "STATUS"
            )
            .dimmed()
        )?;
        for r in &rows {
            writeln!(out, "{}", human(r))?;
        }
    }
    out.flush()?;
    // On stderr, so `list | grep` and `--json` stay rows only.
    if !args.json && !rows.is_empty() && (rows.len() as i64) < matching {
        eprintln!("{} of {matching} \u{2014} `--limit` for more", rows.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// Why a list of a store with deliveries in it is empty.
fn empty(args: &ListArgs, matching: i64, recorded: i64) -> String {
    if matching > 0 {
        // Only `--limit 0` leaves out rows that match.
        return format!(
            "--limit 0 shows none of the {matching} matching deliveries ({recorded} recorded)"
        );
    }
    let what = if args.failed {
        "failed deliveries"
    } else {
        "deliveries"
    };
    let mut filters = Vec::new();
    if let Some(p) = &args.provider {
        filters.push(format!("from {p}"));
    }
    if let Some(e) = &args.event {
        filters.push(format!("of type {}", one_line(e)));
    }
    if let Some(d) = args.since {
        filters.push(format!("in the last {}", humantime::format_duration(d)));
    }
    let filters = filters.iter().map(|f| format!(" {f}")).collect::<String>();
    format!("no {what}{filters} ({recorded} recorded)")
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
        "{:<8}  {:<19}  {:<7} {:<24} {:<9} {:<32} {verdict} {st}",
        one_line(short_id(&r.id)).bold(),
        &time[..19].replace('T', " "),
        // OPTIONS and CONNECT fit; a longer token (any is a method) is cut.
        cut(&r.method, 7),
        cut(&r.target, 24),
        one_line(r.provider.as_deref().unwrap_or("-")),
        cut(r.event_type.as_deref().unwrap_or("-"), 32),
    )
}

fn json(r: &Summary) -> String {
    serde_json::to_string(&store::wire::Listed::from(r)).unwrap_or_default()
}
