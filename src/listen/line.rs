//! One line per delivery on stdout, through a printer thread so that
//! writing to a slow terminal never holds up a delivery.

use std::io::Write;
use std::sync::mpsc;

use colored::Colorize;
use serde_json::json;

use crate::store::{Delivery, portable::rfc3339_ms, short_id};

/// What one delivery came to, for its line.
pub struct LineInfo<'a> {
    pub delivery: &'a Delivery,
    /// `forward`, `respond` or `reject`.
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub status: Option<u16>,
    pub error: Option<&'a str>,
    pub duration_ms: f64,
}

pub fn human(l: &LineInfo<'_>) -> String {
    let d = l.delivery;
    let time = rfc3339_ms(d.received_at);
    let time = &time[11..19];
    let verdict = match d.verdict.word.as_str() {
        "valid" => "valid".green(),
        "invalid" => format!("invalid ({})", d.verdict.cause.as_deref().unwrap_or("?")).red(),
        other => other.yellow(),
    };
    let outcome = match (l.status, l.error) {
        (_, Some(err)) => format!("{} {err}", l.action).red(),
        (Some(s), None) if (200..300).contains(&s) => format!("{} {s}", l.action).green(),
        (Some(s), None) => format!("{} {s}", l.action).red(),
        (None, None) => l.action.normal(),
    };
    let via = if d.source == "relay" {
        " via relay".dimmed().to_string()
    } else {
        String::new()
    };
    let rejected = d
        .rejected
        .as_deref()
        .map(|r| format!("  {}", r.red()))
        .unwrap_or_default();
    format!(
        "{} {} {} {} {} {} {} {} {:.1} ms{via}{rejected}",
        time.dimmed(),
        short_id(&d.id).bold(),
        d.method,
        d.target,
        d.provider.as_deref().unwrap_or("-").cyan(),
        d.event_type.as_deref().unwrap_or("-"),
        verdict,
        outcome,
        l.duration_ms
    )
}

pub fn json_line(l: &LineInfo<'_>) -> String {
    let d = l.delivery;
    json!({
        "type": "delivery",
        "id": d.id,
        "received_at": rfc3339_ms(d.received_at),
        "method": d.method,
        "path": d.target,
        "provider": d.provider,
        "event_type": d.event_type,
        "event_id": d.event_id,
        "verdict": d.verdict.word,
        "verdict_cause": d.verdict.cause,
        "body_size": d.body.len(),
        "body_sha256": d.body_sha256,
        "action": l.action,
        "target": l.target,
        "status": l.status,
        "error": l.error,
        "duration_ms": l.duration_ms,
        "rejected": d.rejected,
    })
    .to_string()
}

/// A printer thread: lines in, written and flushed whenever it catches up.
#[derive(Clone)]
pub struct Printer(mpsc::Sender<String>);

impl Printer {
    pub fn start() -> (Printer, std::thread::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel::<String>();
        let handle = std::thread::spawn(move || {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            while let Ok(line) = rx.recv() {
                let mut ok = writeln!(out, "{line}").is_ok();
                while let Ok(more) = rx.try_recv() {
                    ok &= writeln!(out, "{more}").is_ok();
                }
                // A closed stdout (`| head`) must not stop the deliveries.
                if !ok || out.flush().is_err() {
                    while rx.recv().is_ok() {}
                    return;
                }
            }
        });
        (Printer(tx), handle)
    }

    pub fn print(&self, line: String) {
        let _ = self.0.send(line);
    }
}
