//! The check report as a table for people, JSON, and JUnit XML for CI.

use colored::Colorize;

use super::{CaseResult, Outcome, Report, duration_text};

fn word(o: Outcome) -> colored::ColoredString {
    match o {
        Outcome::Pass => "pass".green(),
        Outcome::Warn => "warn".yellow(),
        Outcome::Fail => "fail".red().bold(),
        Outcome::Skip => "skip".dimmed(),
    }
}

/// The setup notes, one `note:` line each.
pub fn notes(r: &Report) -> String {
    r.notes
        .iter()
        .map(|n| format!("{} {n}\n", "note:".yellow()))
        .collect()
}

/// The table and the summary line. A hint that several rows share is
/// written once under the table, with its count.
pub fn human(r: &Report) -> String {
    let mut out = format!(
        "hookcli check {} {} ({} event {}, delivery timeout {} s)\n",
        r.provider, r.url, r.provider, r.event, r.delivery_timeout_secs
    );
    if let Some(from) = &r.from {
        out.push_str(&format!("built from the recorded delivery {from}\n"));
    }
    if !r.modes.is_empty() {
        out.push_str(&format!(
            "delivery modes: {} (the signature cases run in each)\n",
            r.modes.join(", ")
        ));
    }
    if let Some(p) = &r.public_url {
        out.push_str(&format!("signed for {p}\n"));
    }
    if let Some(d) = &r.diagnosis {
        out.push_str(&format!("{} {d}\n", "diagnosis:".red().bold()));
    }
    out.push_str(&notes(r));
    let shared = shared_hints(&r.cases);
    let rows: Vec<[String; 5]> = r
        .cases
        .iter()
        .map(|c| {
            let hint = c.hint.as_deref().unwrap_or("");
            let hint = match shared.iter().position(|(h, _)| h == hint) {
                Some(i) => format!("see hint {} below", i + 1),
                None => hint.to_string(),
            };
            [
                label(c),
                c.expected.clone(),
                cut(&c.got, GOT_WIDTH),
                c.duration_ms.map_or("-".into(), duration_text),
                hint,
            ]
        })
        .collect();
    // Each column as wide as its widest cell, so a long row (the
    // handshake's expected answer) does not push the rest out of line.
    let width = |i: usize, title: &str| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .chain([title.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let (w_case, w_exp, w_got, w_time) = (
        width(0, "CASE"),
        width(1, "EXPECTED"),
        width(2, "GOT"),
        width(3, "TIME"),
    );
    let line = |case: &str, exp: &str, got: &str, verdict: &str, time: &str, hint: &str| {
        format!("{case:<w_case$} {exp:<w_exp$} {got:<w_got$} {verdict} {time:>w_time$}  {hint}")
            .trim_end()
            .to_string()
    };
    out.push_str(&format!(
        "{}\n",
        line("CASE", "EXPECTED", "GOT", "VERDICT", "TIME", "HINT").dimmed()
    ));
    for (c, row) in r.cases.iter().zip(&rows) {
        // Padded by hand (every verdict is four letters): the colour codes
        // would count toward a width.
        let verdict = format!("{}   ", word(c.outcome));
        out.push_str(&line(&row[0], &row[1], &row[2], &verdict, &row[3], &row[4]));
        out.push('\n');
    }
    for (i, (hint, count)) in shared.iter().enumerate() {
        out.push_str(&format!("hint {} ({count} cases): {hint}\n", i + 1));
    }
    out.push_str(&summary_line(r));
    out
}

/// The case's name, with its mode for a mode after the first.
fn label(c: &CaseResult) -> String {
    match &c.mode {
        Some(m) => format!("{} ({m})", c.name.as_str()),
        None => c.name.as_str().to_string(),
    }
}

/// The widest GOT cell; longer answers are cut with an ellipsis.
const GOT_WIDTH: usize = 24;

/// Hints that more than one case carries, in order of first appearance,
/// each with how many cases carry it.
fn shared_hints(cases: &[CaseResult]) -> Vec<(String, usize)> {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for h in cases.iter().filter_map(|c| c.hint.as_deref()) {
        match counted.iter_mut().find(|(seen, _)| seen == h) {
            Some((_, n)) => *n += 1,
            None => counted.push((h.to_string(), 1)),
        }
    }
    counted.retain(|(_, n)| *n > 1);
    counted
}

pub fn summary_line(r: &Report) -> String {
    let s = &r.summary;
    let line = format!(
        "{} passed, {} warned, {} failed, {} skipped",
        s.passed, s.warned, s.failed, s.skipped
    );
    if s.failed > 0 {
        format!("{}\n", line.red().bold())
    } else if s.warned > 0 {
        format!("{}\n", line.yellow())
    } else {
        format!("{}\n", line.green())
    }
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The documented JSON document (`schema: hookcli.check/1`); several
/// reports (`--from` a folder) as JSON Lines, one report a line.
pub fn json(reports: &[Report]) -> String {
    match reports {
        [one] => serde_json::to_string_pretty(one).expect("the report serializes"),
        many => many
            .iter()
            .map(|r| serde_json::to_string(r).expect("the report serializes") + "\n")
            .collect(),
    }
}

/// JUnit XML: one testcase per case; fail as a failure carrying the hint,
/// skip as skipped, warn as a pass with the hint in system-out (a failure
/// under `--strict`).
pub fn junit(reports: &[Report], strict: bool) -> String {
    let mut report = quick_junit::Report::new("hookcli check");
    for r in reports {
        report.add_test_suite(suite(r, strict));
    }
    report.to_string().unwrap_or_default()
}

/// One report as a test suite, named after the recorded delivery it was
/// built from, if any.
fn suite(r: &Report, strict: bool) -> quick_junit::TestSuite {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
    let name = match &r.from {
        Some(from) => format!("hookcli check {} {} from {from}", r.provider, r.url),
        None => format!("hookcli check {} {}", r.provider, r.url),
    };
    let mut suite = TestSuite::new(name);
    for c in &r.cases {
        let status = match (c.outcome, strict) {
            (Outcome::Pass, _) | (Outcome::Warn, false) => TestCaseStatus::success(),
            (Outcome::Skip, _) => {
                let mut s = TestCaseStatus::skipped();
                if let Some(h) = &c.hint {
                    s.set_message(h.as_str());
                }
                s
            }
            (Outcome::Fail, _) | (Outcome::Warn, true) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(failure_message(c));
                s.set_type(format!("{:?}", c.outcome).to_lowercase());
                s
            }
        };
        let mut case = TestCase::new(label(c), status);
        case.set_classname(format!("hookcli.check.{}", r.provider));
        if let Some(ms) = c.duration_ms {
            case.set_time(std::time::Duration::from_secs_f64(ms / 1000.0));
        }
        if c.outcome == Outcome::Warn && !strict {
            case.set_system_out(format!("warning: {}", c.hint.as_deref().unwrap_or("")));
        }
        suite.add_test_case(case);
    }
    suite
}

fn failure_message(c: &CaseResult) -> String {
    format!(
        "expected {}, got {}: {}",
        c.expected,
        c.got,
        c.hint.as_deref().unwrap_or("")
    )
}
