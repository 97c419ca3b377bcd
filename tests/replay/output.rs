//! Issue 16: replay's lines on a terminal, its dry run, and what `show` and
//! `replay` say each replay did.

use super::*;

fn receiver() -> Receiver {
    Receiver::start(|_| (200, b"ok".to_vec()))
}

/// What a terminal would still show of `raw` once every `\r` and
/// erase-line (`ESC [2K`) has done its work: the text after the last of
/// them on each row.
fn surviving_rows(raw: &str) -> Vec<String> {
    raw.split('\n')
        .map(|row| {
            let row = row.trim_end_matches('\r');
            let after_cr = row.rsplit('\r').next().unwrap_or("");
            after_cr.rsplit("\x1b[2K").next().unwrap_or("").to_string()
        })
        .collect()
}

#[test]
fn on_a_terminal_every_replay_line_survives_the_progress_bar() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["github", "stripe", "slack"], now());
    let app = receiver();
    let line = format!(
        "{} replay --all --to {} --store {st}",
        env!("CARGO_BIN_EXE_hookcli"),
        app.url()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env_remove("HOOKCLI_SECRET")
        .env_remove("HOOKCLI_STORE")
        .env("HOOKCLI_CONFIG", "")
        .stdin(Stdio::null());
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    let out = cmd.output().expect("run script");
    let raw = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(raw.contains("replayed 3 of 3"), "the summary\n{raw:?}");
    let rows = surviving_rows(&raw);
    for id in ids.values() {
        let short = &id[id.len() - 8..];
        assert!(
            rows.iter()
                .any(|r| r.contains(short) && r.contains("replay")),
            "the line of {short} survives the bar: {rows:#?}\n{raw:?}"
        );
    }
    // The rate is a whole number: `549/s`, never `549.1536/s`.
    let fractional = raw
        .split("/s")
        .any(|before| before.rsplit(' ').next().is_some_and(|n| n.contains('.')));
    assert!(!fractional, "a whole-number rate\n{raw:?}");
}

#[test]
fn identical_errors_collapse_into_one_line_with_a_count() {
    let store = tempdir();
    let st = path_str(store.path());
    record(store.path(), &[], &["github", "stripe", "slack"], now());
    // Never forwarded and no --to: the same reason three times.
    let out = hk(&["replay", "--all", "--store", st]);
    out.assert_code(1);
    let err = out.stderr();
    assert_eq!(
        err.matches("hookcli: skipped 0").count(),
        1,
        "one line for the reason\n{out}"
    );
    assert!(err.contains("×2 more"), "and its count\n{out}");
    assert!(err.contains("replayed 0 of 3 selected"), "{out}");
}

#[test]
fn dry_run_of_many_is_one_line_each_and_a_closing_total() {
    let store = tempdir();
    let st = path_str(store.path());
    record(store.path(), &[], &["github", "stripe", "slack"], now());
    let app = receiver();
    let out = hk(&[
        "replay",
        "--all",
        "--to",
        &app.url(),
        "--resign",
        "--secret-env",
        SECRET_VAR,
        "--dry-run",
        "--store",
        st,
    ]);
    out.assert_code(0).assert_hides(&secret());
    let lines: Vec<String> = out.stdout().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3, "one line per delivery, no headers\n{out}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("would send POST ") && l.contains(" bytes")),
        "method, target and size\n{out}"
    );
    let origin = app.url().trim_end_matches('/').to_string();
    assert!(
        out.stderr().contains(&format!("would send 3 to {origin}")),
        "a closing total\n{out}"
    );

    let nowhere = hk(&["replay", "--all", "--dry-run", "--store", st]);
    nowhere.assert_code(1);
    assert_eq!(
        nowhere.stderr().matches("hookcli: cannot replay 0").count(),
        1,
        "the same error once\n{nowhere}"
    );
    assert!(nowhere.stderr().contains("×2 more"), "{nowhere}");
}

#[test]
fn show_and_replay_say_what_each_replay_did() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["stripe"], now());
    let id = &ids["stripe"];
    let app = receiver();
    let to = app.url();
    let base = ["replay", id.as_str(), "--to", &to, "--store", st];
    let resign = ["--resign", "--secret-env", SECRET_VAR];
    hk(&base).assert_code(0);
    hk(&[&base[..], &resign[..]].concat()).assert_code(0);
    let renewed = hk(&[&base[..], &resign[..], &["--new-id"]].concat());
    renewed.assert_code(0);
    let text = renewed.stdout();
    let new_id = text
        .split("new id ")
        .nth(1)
        .and_then(|rest| rest.split([')', ',', ' ']).next())
        .unwrap_or_else(|| panic!("replay --new-id prints the new id\n{renewed}"))
        .to_string();
    assert!(new_id.starts_with("evt_"), "{renewed}");
    hk(&[&base[..], &resign[..], &["--set", "livemode=true"]].concat()).assert_code(0);

    let shown = hk(&["show", id, "--store", st]);
    shown.assert_code(0);
    let out = shown.stdout();
    for want in [
        "replay (exact)",
        "replay (re-signed)",
        &format!("replay (re-signed, new id {new_id})"),
        "replay (re-signed, edited)",
    ] {
        assert!(out.contains(want), "show says {want:?}\n{out}");
    }
}

#[test]
fn replay_set_keeps_the_recorded_layout() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["stripe"], now());
    let id = &ids["stripe"];
    let recorded = doc_body(&show(st, id));
    assert!(recorded.contains(&b'\n'), "Stripe's bodies are pretty");
    let app = receiver();
    hk(&[
        "replay",
        id,
        "--to",
        &app.url(),
        "--set",
        "livemode=true",
        "--resign",
        "--secret-env",
        SECRET_VAR,
        "--store",
        st,
    ])
    .assert_code(0);
    let sent = app.requests()[0].body.clone();
    let lines = |b: &[u8]| b.iter().filter(|c| **c == b'\n').count();
    assert_eq!(
        lines(&sent),
        lines(&recorded),
        "the same layout\n{}",
        String::from_utf8_lossy(&sent)
    );
    assert!(String::from_utf8_lossy(&sent).contains("\"livemode\": true"));
}
