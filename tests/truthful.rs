//! Issue 16, sections 5 and 7: output that tells the truth, and first contact.
//! - An empty `list` says whether anything is recorded; a cut one says how
//!   many it left out; an unknown provider is refused, in `list` and `--route`.
//! - `send --tamper` that the receiver accepts exits 1; `send` to a default
//!   URL where nothing listens says so; `send --from --provider` without
//!   `--resign` is refused.
//! - listen lines mark their time as UTC; `--help` shows no empty env value;
//!   `config --json` gives null for what is not set.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::common::{Listen, Receiver, hookcli, run};
use crate::deliver::{cli, post};

/// A store with `n` deliveries, each forwarded to an app that answered 200
/// (so none failed), and the listen's stdout.
fn recorded(n: usize) -> (tempfile::TempDir, String) {
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &["--forward-to", &app.url()], &[]);
    for i in 0..n {
        let answer = post(listen.addr(), "/", &[], format!("{{\"n\":{i}}}").as_bytes());
        assert_eq!(answer.status, 200);
    }
    let status = listen.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    let out = listen.stdout();
    (store, out)
}

fn stdout_of(store: &Path, args: &[&str]) -> String {
    let out = cli(store, args);
    out.assert_code(0);
    out.stdout()
}

#[test]
fn an_empty_list_says_how_many_are_recorded() {
    let (store, _) = recorded(3);
    let s = store.path();
    assert_eq!(
        stdout_of(s, &["list", "--failed"]).trim(),
        "no failed deliveries (3 recorded)"
    );
    assert_eq!(
        stdout_of(s, &["list", "--provider", "github"]).trim(),
        "no deliveries from github (3 recorded)"
    );
    assert_eq!(
        stdout_of(s, &["list", "--failed", "--event", "invoice.*"]).trim(),
        "no failed deliveries of type invoice.* (3 recorded)"
    );
    let none = stdout_of(s, &["list", "--limit", "0"]);
    assert!(
        none.contains("--limit 0 shows none of the 3 matching deliveries"),
        "{none}"
    );
    // A store with nothing in it still says so, naming it.
    let empty = tempfile::tempdir().unwrap();
    assert!(
        stdout_of(empty.path(), &["list", "--failed"]).starts_with("no deliveries recorded in")
    );
}

#[test]
fn a_cut_list_says_how_many_it_left_out() {
    let (store, _) = recorded(23);
    let out = cli(store.path(), &["list"]);
    out.assert_code(0);
    assert_eq!(
        out.stdout().lines().count(),
        21,
        "header and 20 rows\n{out}"
    );
    assert_eq!(out.stderr().trim(), "20 of 23 \u{2014} `--limit` for more");
    // Machine output and a list that holds everything stay quiet.
    let json = cli(store.path(), &["list", "--json"]);
    json.assert_code(0);
    assert_eq!(json.stdout().lines().count(), 20);
    assert!(json.stderr().is_empty(), "{json}");
    let all = cli(store.path(), &["list", "--limit", "23"]);
    all.assert_code(0);
    assert!(all.stderr().is_empty(), "{all}");
}

#[test]
fn an_unknown_provider_is_refused_naming_the_known_ones() {
    let store = tempfile::tempdir().unwrap();
    cli(store.path(), &["list", "--provider", "bogus"])
        .assert_error(2, &["bogus", "stripe", "github", "sendgrid"]);
    // A known one in another case still lists.
    cli(store.path(), &["list", "--provider", "GitHub"]).assert_code(0);
    for route in ["bogus=http://127.0.0.1:9/", "bogus:a.*=http://127.0.0.1:9/"] {
        let out = run(hookcli().args(["listen", "--port", "0", "--route", route]));
        out.assert_code(2);
        let err = out.stderr();
        assert!(
            err.contains("unknown provider \"bogus\"") && err.contains("stripe, github"),
            "{out}"
        );
    }
}

/// `send --provider github --tamper bad-signature` to an app answering `status`.
fn tamper_against(status: u16, extra: &[&str]) -> crate::common::Run {
    let app = Receiver::start(move |_| (status, b"answer".to_vec()));
    run(hookcli()
        .env("GH_SECRET", "s3cret-for-tamper")
        .args(["send", "--provider", "github", "--secret-env", "GH_SECRET"])
        .args(["--tamper", "bad-signature", "--url", &app.url()])
        .args(extra))
}

#[test]
fn a_receiver_accepting_a_tampered_delivery_fails_the_send() {
    let accepted = tamper_against(200, &[]);
    accepted.assert_code(1);
    assert!(
        accepted
            .stderr()
            .contains("the receiver accepted a delivery it must refuse"),
        "{accepted}"
    );
    // A refusal is what was wanted.
    tamper_against(401, &[]).assert_code(0);
    // An explicit --expect-status decides, either way.
    tamper_against(200, &["--expect-status", "200"]).assert_code(0);
    let other = tamper_against(401, &["--expect-status", "403"]);
    other.assert_code(1);
    assert!(
        other.stderr().contains("expected status 403, got 401"),
        "{other}"
    );
}

#[test]
fn listen_lines_mark_their_time_as_utc() {
    let (_store, out) = recorded(1);
    let line = out
        .lines()
        .find(|l| l.contains(" POST / "))
        .unwrap_or_else(|| panic!("no delivery line\n{out}"));
    let time = line.split(' ').next().unwrap_or_default();
    let digits: Vec<&str> = time.trim_end_matches('Z').split(':').collect();
    assert!(
        time.len() == 9
            && time.ends_with('Z')
            && digits.len() == 3
            && digits.iter().all(|d| d.len() == 2),
        "the line should open with HH:MM:SSZ: {line:?}"
    );
}

#[test]
fn help_shows_no_empty_env_value() {
    let mut cmd = hookcli();
    cmd.env_remove("HOOKCLI_STORE").args(["list", "--help"]);
    let out = run(&mut cmd);
    out.assert_code(0);
    // Joined into one line: clap wraps the bracket at the terminal width.
    let help = out
        .stdout()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(help.contains("[env: HOOKCLI_STORE]"), "{help}");
    assert!(!help.contains("HOOKCLI_STORE="), "{help}");
}

#[test]
fn config_json_gives_null_for_what_is_not_set() {
    let out = run(hookcli().args(["config", "--json"]));
    out.assert_code(0);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    for key in [
        "provider",
        "secret",
        "forward_to",
        "relay",
        "channel",
        "relay_token",
    ] {
        assert_eq!(doc["settings"][key]["value"], Value::Null, "{key}\n{out}");
    }
    assert!(doc["settings"]["store"]["value"].is_string(), "{out}");
}

#[test]
fn send_to_the_default_url_with_nothing_listening_says_what_to_do() {
    // The default URL follows hookcli.toml's port: a port free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hookcli.toml");
    std::fs::write(&config, format!("port = {port}\n")).unwrap();
    let out = run(hookcli()
        .env("HOOKCLI_CONFIG", &config)
        .env("GH_SECRET", "s3cret-for-default")
        .args(["send", "--provider", "github", "--secret-env", "GH_SECRET"]));
    let want = format!(
        "nothing is listening at 127.0.0.1:{port} (the default); start `hookcli listen` or pass --url"
    );
    out.assert_error(3, &[&want]);
}

#[test]
fn send_from_with_a_provider_but_no_resign_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("d.json");
    std::fs::write(&doc, "{}").unwrap();
    let out = run(hookcli().args(["send", "--from"]).arg(&doc).args([
        "--provider",
        "github",
        "--url",
        "http://127.0.0.1:9/",
    ]));
    out.assert_error(2, &["--provider github", "--resign"]);
}

#[test]
fn send_from_an_edited_document_offers_rehash_and_rehash_resign_signs_the_edit() {
    const SECRET: &str = "s3cret-for-rehash";
    let store = tempfile::tempdir().unwrap();
    let envs = [("GH_SECRET", SECRET)];
    let mut listen = Listen::start(store.path(), &["--secret-env", "GH_SECRET"], &envs);
    let send = |extra: &[&str]| {
        run(hookcli()
            .env("GH_SECRET", SECRET)
            .args(["send", "--url", listen.url()])
            .args(extra))
    };
    send(&["--provider", "github", "--secret-env", "GH_SECRET"]).assert_code(0);
    let id = wait_for_rows(store.path(), 1)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut doc: Value =
        serde_json::from_str(&stdout_of(store.path(), &["show", &id, "--json"])).unwrap();
    let edited = br#"{"action":"edited by hand",  "n": 1}"#;
    doc["request"]["body"] = serde_json::json!({ "text": std::str::from_utf8(edited).unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edited.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let file = file.to_str().unwrap();

    // Refused, with the way forward on a try: line.
    let refused = send(&["--from", file]);
    refused.assert_code(2);
    let want = format!(
        "hookcli: error: {file}: its body was edited after export (it no longer matches request.body_sha256)\n\
         try: hookcli send --from {file} --rehash --resign\n"
    );
    assert_eq!(refused.stderr(), want, "{refused}");
    // --rehash alone sends the edit under its old signature, and says so.
    let stale = send(&["--from", file, "--rehash"]);
    assert!(
        stale.stderr().contains("add --resign for a valid one"),
        "{stale}"
    );
    // With --resign the signature covers the edited body.
    send(&[
        "--from",
        file,
        "--rehash",
        "--resign",
        "--secret-env",
        "GH_SECRET",
    ])
    .assert_code(0);

    let rows = wait_for_rows(store.path(), 3);
    let status = listen.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    let verdicts: Vec<&str> = rows
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    // list is newest first: the re-signed edit, the stale one, the original.
    assert_eq!(verdicts, ["valid", "invalid", "valid"], "{rows:?}");
    for row in &rows[..2] {
        assert_eq!(row["body_size"], edited.len(), "{row}");
    }
}

/// `list --json` once it holds `n` deliveries (listen commits before it answers,
/// so this is immediate; the loop only spares a slow machine).
fn wait_for_rows(store: &Path, n: usize) -> Vec<Value> {
    for _ in 0..50 {
        let out = stdout_of(store, &["list", "--json"]);
        let rows: Vec<Value> = out
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if rows.len() >= n {
            return rows;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the store never held {n} deliveries");
}
