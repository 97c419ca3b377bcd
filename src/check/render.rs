//! The check report as a table for people, JSON, and JUnit XML for CI.

use colored::Colorize;

use super::{CaseResult, Outcome, Report};

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

/// The table and the summary line.
pub fn human(r: &Report) -> String {
    let mut out = format!(
        "hookcli check {} {} ({} event {}, delivery timeout {} s)\n",
        r.provider, r.url, r.provider, r.event, r.delivery_timeout_secs
    );
    out.push_str(&notes(r));
    out.push_str(&format!(
        "{}\n",
        format!(
            "{:<20} {:<12} {:<22} {:<7} {:>9}  {}",
            "CASE", "EXPECTED", "GOT", "VERDICT", "TIME", "HINT"
        )
        .dimmed()
    ));
    for c in &r.cases {
        let time = c.duration_ms.map_or("-".into(), |ms| format!("{ms:.0} ms"));
        out.push_str(&format!(
            "{:<20} {:<12} {:<22} {:<7} {:>9}  {}\n",
            c.name.as_str(),
            c.expected,
            cut(&c.got, 22),
            word(c.outcome),
            time,
            c.hint.as_deref().unwrap_or("")
        ));
    }
    out.push_str(&summary_line(r));
    out
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

/// The documented JSON document (`schema: hookcli.check/1`).
pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("the report serializes")
}

/// JUnit XML: one testcase per case; fail as a failure carrying the hint,
/// skip as skipped, warn as a pass with the hint in system-out (a failure
/// under `--strict`).
pub fn junit(r: &Report, strict: bool) -> String {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let mut report = JReport::new("hookcli check");
    let mut suite = TestSuite::new(format!("hookcli check {} {}", r.provider, r.url));
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
        let mut case = TestCase::new(c.name.as_str(), status);
        case.set_classname(format!("hookcli.check.{}", r.provider));
        if let Some(ms) = c.duration_ms {
            case.set_time(std::time::Duration::from_secs_f64(ms / 1000.0));
        }
        if c.outcome == Outcome::Warn && !strict {
            case.set_system_out(format!("warning: {}", c.hint.as_deref().unwrap_or("")));
        }
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report.to_string().unwrap_or_default()
}

fn failure_message(c: &CaseResult) -> String {
    format!(
        "expected {}, got {}: {}",
        c.expected,
        c.got,
        c.hint.as_deref().unwrap_or("")
    )
}
