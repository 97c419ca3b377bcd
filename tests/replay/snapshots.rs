//! Replay's output pinned by insta snapshots: its human lines and summary,
//! its `--json` lines, and both forms of a dry run. Two copies of one fixed
//! GitHub delivery are recorded by a real listen and replayed to a real
//! receiver; values that change from run to run (ids, times, durations,
//! ports) are replaced by what they stand for.

use crate::common::{Listen, raw_request, request_head};

use super::*;

const BODY: &str = r#"{"zen":"Design for failure.","hook_id":7}"#;

/// A store holding the same GitHub ping twice, as listen recorded it.
fn two_pings() -> TempDir {
    let store = tempdir();
    let listen = Listen::start(store.path(), &["--respond", "200"], &[]);
    let head = request_head(
        "POST",
        "/hooks/gh?attempt=1",
        &[
            ("Host".into(), b"hooks.example".to_vec()),
            ("Content-Type".into(), b"application/json".to_vec()),
            ("X-GitHub-Event".into(), b"ping".to_vec()),
            (
                "X-GitHub-Delivery".into(),
                b"72d3162e-cc78-11e3-81ab-4c9367dc0958".to_vec(),
            ),
            ("X-Dup".into(), b"a".to_vec()),
            ("X-Dup".into(), b"b".to_vec()),
            ("Content-Length".into(), BODY.len().to_string().into_bytes()),
        ],
    );
    for _ in 0..2 {
        let answer = raw_request(listen.addr(), &head, BODY.as_bytes()).unwrap();
        assert_eq!(answer.status, 200);
    }
    drop(listen);
    store
}

/// A JSON line with its run-to-run values replaced, as the other JSON
/// views' snapshots have them, and a summary's latencies too.
fn redact(v: &mut Value) {
    crate::json_views::redact(v);
    for key in ["p50_ms", "p99_ms"] {
        if let Some(ms) = v.get_mut(key).filter(|ms| !ms.is_null()) {
            *ms = Value::String(format!("[{key}]"));
        }
    }
}

/// Text with its ports, clock times, ids and durations replaced.
fn redact_text(text: &str) -> String {
    let mut out = String::new();
    let words: Vec<&str> = text.split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let next = words.get(i + 1).copied().unwrap_or("");
        let clock = word.len() == 9 && word.ends_with('Z') && word.as_bytes()[2] == b':';
        let number = word.trim_end_matches(',').parse::<f64>().is_ok();
        let bare = word.trim_end_matches([':', ',', ';']);
        let ulid = bare.len() == 26 && bare.bytes().all(|b| b.is_ascii_alphanumeric());
        if clock {
            out.push_str("[time]");
        } else if ulid {
            out.push_str(&word.replacen(bare, "[id]", 1));
        } else if number && next.starts_with("ms") {
            out.push_str("[ms]");
        } else if let Some(at) = word.find("127.0.0.1:") {
            let rest = &word[at + 10..];
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            out.push_str(&format!(
                "{}127.0.0.1:[port]{}",
                &word[..at],
                &rest[digits..]
            ));
        } else {
            out.push_str(word);
        }
    }
    out
}

/// Each human line with its short id (the second word) replaced too.
fn redact_lines(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut words: Vec<String> = redact_text(line).split(' ').map(String::from).collect();
            if words.first().is_some_and(|w| w == "[time]") && words.len() > 1 {
                words[1] = "[short_id]".into();
            }
            words.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn json_lines(out: &Run) -> Vec<Value> {
    out.stdout()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}"));
            redact(&mut v);
            v
        })
        .collect()
}

#[test]
fn replay_lines_and_summary() {
    let store = two_pings();
    let st = path_str(store.path());
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let to = app.url();

    let json = hk(&[
        "replay",
        "--all",
        "--to",
        &to,
        "--concurrency",
        "1",
        "--json",
        "--store",
        st,
    ]);
    json.assert_code(0);
    assert!(json.stdout().starts_with("{\"type\":\"replay\""), "{json}");
    insta::assert_json_snapshot!("replay_json", json_lines(&json));

    let human = hk(&["replay", "--all", "--to", &to, "--store", st]);
    human.assert_code(0);
    insta::assert_snapshot!(
        "replay_human",
        format!(
            "stdout:\n{}\nstderr:\n{}",
            redact_lines(&human.stdout()),
            redact_lines(&human.stderr())
        )
    );
}

#[test]
fn dry_run_lines() {
    let store = two_pings();
    let st = path_str(store.path());
    let to = "http://127.0.0.1:9/app";

    let json = hk(&[
        "replay",
        "--all",
        "--to",
        to,
        "--dry-run",
        "--json",
        "--store",
        st,
    ]);
    json.assert_code(0);
    insta::assert_json_snapshot!("dry_run_json", json_lines(&json));

    let one = hk(&["replay", "last", "--to", to, "--dry-run", "--store", st]);
    one.assert_code(0);
    let all = hk(&["replay", "--all", "--dry-run", "--store", st]);
    all.assert_code(1);
    insta::assert_snapshot!(
        "dry_run_human",
        format!(
            "one, stdout:\n{}\none, stderr:\n{}\nnowhere, stderr:\n{}",
            redact_lines(&one.stdout()),
            redact_lines(&one.stderr()),
            redact_lines(&all.stderr())
        )
    );
}
