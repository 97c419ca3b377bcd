//! Every output format pinned by an insta snapshot: the human text and the
//! JSON of list, show, verify, providers, check (table, JSON, JUnit), send,
//! listen (banner and lines), the inspector's API views, `config`, and an
//! error line. Values that differ from run to run (ids, times, ports,
//! durations, temporary paths) are replaced by what they stand for, the
//! same way tests/json_views.rs does for the delivery views.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Listen, Receiver, hookcli, raw_request, run};
use crate::inspect::{Inspect, tempdir};
use crate::json_views::{BODY, SECRET, github_ping_head};

/// Patterns of values that change between runs.
const FILTERS: &[(&str, &str)] = &[
    (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
    (r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?", "[time]"),
    (r"\b\d\d:\d\d:\d\dZ", "[time]"),
    // check's TIME column is as wide as its widest cell.
    (r"VERDICT +TIME", "VERDICT [TIME]"),
    (
        r"(?m)^(response-time +< [\d.]+ s) +\d+(\.\d+)? m?s +",
        "$1 [ms] ",
    ),
    (
        r"(?m)\b(pass|warn|fail|skip) +(\d+(\.\d+)? m?s|-)( |$)",
        "$1 [time]$4",
    ),
    (r#""got": "\d+(\.\d+)? m?s""#, r#""got": "[ms]""#),
    (r" *\b\d+(\.\d+)? ms\b", " [ms]"),
    (r#""duration_ms": \d+(\.\d+)?"#, r#""duration_ms": "[ms]""#),
    (r"token=[A-Za-z0-9_-]+", "token=[token]"),
    (r#"time="[^"]*""#, r#"time="[s]""#),
    (r#"timestamp="[^"]*""#, r#"timestamp="[time]""#),
];

/// `text` with the run's own values (its store, its delivery id) named,
/// then snapshotted with [`FILTERS`] applied.
macro_rules! snapshot {
    ($name:expr, $text:expr, $known:expr) => {{
        let mut text: String = $text;
        for (value, name) in $known {
            text = text.replace(value.as_str(), name);
        }
        let mut settings = insta::Settings::clone_current();
        for (pattern, name) in FILTERS {
            settings.add_filter(pattern, *name);
        }
        settings.bind(|| insta::assert_snapshot!($name, text));
    }};
}

/// A store holding the GitHub `ping` that json_views uses, forwarded by a
/// human (not `--json`) listen to an app answering 202; what listen
/// printed; and the run's values to name in snapshots.
struct Seeded {
    store: tempfile::TempDir,
    listen_stdout: String,
    known: Vec<(String, &'static str)>,
}

fn seeded() -> Seeded {
    let store = tempdir();
    let app = Receiver::start(|_| (202, b"queued".to_vec()));
    let listen = Listen::start(
        store.path(),
        &["--url", &app.url(), "--secret", SECRET],
        &[],
    );
    let answer = raw_request(listen.addr(), &github_ping_head(), BODY.as_bytes()).unwrap();
    assert_eq!(answer.status, 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !listen.stdout().contains(" ping ") {
        assert!(Instant::now() < deadline, "no line: {}", listen.stdout());
        std::thread::sleep(Duration::from_millis(20));
    }
    let listen_stdout = listen.stdout();
    drop(listen);
    let list = cli(store.path(), &["list", "--json"]);
    let list: Value = serde_json::from_str(list.trim()).unwrap();
    let id = list["id"].as_str().unwrap().to_string();
    let short = id[id.len() - 8..].to_string();
    let known = vec![
        (store.path().display().to_string(), "[store]"),
        (id, "[id]"),
        (short, "[short_id]"),
    ];
    Seeded {
        store,
        listen_stdout,
        known,
    }
}

/// hookcli's stdout for `args` over `store`, which must exit 0.
fn cli(store: &Path, args: &[&str]) -> String {
    let out = run(hookcli().args(args).arg("--store").arg(store));
    out.assert_code(0);
    out.stdout()
}

/// Pretty JSON, one document or each line of JSON Lines.
fn pretty(text: &str) -> String {
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            serde_json::to_string_pretty(&v).unwrap() + "\n"
        })
        .collect()
}

#[test]
fn listen_list_show_and_verify() {
    let s = seeded();
    snapshot!("listen_human", s.listen_stdout.clone(), &s.known);
    snapshot!("list_human", cli(s.store.path(), &["list"]), &s.known);
    snapshot!(
        "show_human",
        cli(s.store.path(), &["show", "last"]),
        &s.known
    );
    snapshot!(
        "show_headers",
        cli(s.store.path(), &["show", "last", "--headers"]),
        &s.known
    );
    for (name, json) in [("verify_human", false), ("verify_json", true)] {
        let mut cmd = hookcli();
        cmd.args(["verify", "last", "--secret", SECRET, "--store"])
            .arg(s.store.path());
        if json {
            cmd.arg("--json");
        }
        let out = run(&mut cmd);
        out.assert_code(0);
        let text = if json {
            pretty(&out.stdout())
        } else {
            out.stdout()
        };
        snapshot!(name, text, &s.known);
    }
}

#[test]
fn listen_json_banner() {
    let store = tempdir();
    let listen = Listen::start(
        store.path(),
        &[
            "--url",
            "http://127.0.0.1:9/app",
            "--secret",
            SECRET,
            "--json",
        ],
        &[],
    );
    let banner = listen.stdout().lines().next().unwrap().to_string();
    drop(listen);
    let known = [(store.path().display().to_string(), "[store]")];
    snapshot!("listen_json_banner", pretty(&banner), &known);
}

/// listen's banner in each of its forms: routes, enforce levels, a
/// provider's own secret, the inspector; answering itself.
#[test]
fn listen_banners() {
    let store = tempdir();
    let known = [(store.path().display().to_string(), "[store]")];
    let cases: [(&str, &[&str]); 2] = [
        (
            "routes",
            &[
                "--route",
                "stripe:invoice.*=http://user:pw@127.0.0.1:9/billing?key=k",
                "--route",
                "/gh=http://127.0.0.1:9/gh",
                "--enforce=strict",
                "--secret-env",
                "stripe=SNAPSHOT_STRIPE_SECRET",
                "--inspect=0",
            ],
        ),
        (
            "respond",
            &[
                "--respond",
                "204",
                "--provider",
                "github",
                "--enforce",
                "--secret",
                SECRET,
            ],
        ),
    ];
    for (name, args) in cases {
        for json in [false, true] {
            let mut args = args.to_vec();
            if json {
                args.push("--json");
            }
            let envs = [("SNAPSHOT_STRIPE_SECRET", "whsec_snapshot")];
            let listen = Listen::start(store.path(), &args, &envs);
            // The banner is whole once the store line (or the JSON line) is out.
            let deadline = Instant::now() + Duration::from_secs(20);
            while !(json || listen.stdout().contains("  store ")) {
                assert!(Instant::now() < deadline, "{}", listen.stdout());
                std::thread::sleep(Duration::from_millis(20));
            }
            let banner = match json {
                true => pretty(listen.stdout().lines().next().unwrap()),
                false => listen.stdout(),
            };
            let kind = if json { "json" } else { "human" };
            snapshot!(format!("listen_banner_{name}_{kind}"), banner, &known);
        }
    }
}

#[test]
fn the_inspector_api() {
    let s = seeded();
    let inspect = Inspect::start(s.store.path(), &[], &[]);
    let list = inspect.get_json("/api/deliveries");
    let cursor = list["cursor"].as_str().unwrap().to_string();
    let changes = inspect.get_json(&format!("/api/changes?cursor=x{cursor}"));
    let info = inspect.get_json("/api/info");
    let mut known = s.known.clone();
    known.push((env!("CARGO_PKG_VERSION").to_string(), "[version]"));
    for (name, mut doc) in [
        ("inspect_list", list),
        ("inspect_changes", changes),
        ("inspect_info", info),
    ] {
        // A short counter: named in the document, not in its text.
        if let Some(c) = doc.get_mut("cursor") {
            assert_eq!(c.as_str(), Some(cursor.as_str()));
            *c = "[cursor]".into();
        }
        snapshot!(name, serde_json::to_string_pretty(&doc).unwrap(), &known);
    }
}

#[test]
fn providers() {
    let out = |args: &[&str]| {
        let out = run(hookcli().args(args));
        out.assert_code(0);
        out.stdout()
    };
    let none: [(String, &str); 0] = [];
    snapshot!("providers_human", out(&["providers"]), &none);
    snapshot!("providers_one_human", out(&["providers", "zapier"]), &none);
    snapshot!(
        "providers_one_json",
        pretty(&out(&["providers", "zapier", "--json"])),
        &none
    );
}

/// check against an app that answers 200 to everything: the signature
/// cases fail, the rest pass, the same way on every run.
#[test]
fn check_table_json_and_junit() {
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let url = format!("{}/gh", app.url());
    let check = |format: &str| {
        let out = run(hookcli()
            .env("SNAPSHOT_SECRET", SECRET)
            .args(["check", "--provider", "github", "--url", &url])
            .args(["--secret-env", "SNAPSHOT_SECRET", "--format", format]));
        out.assert_code(1);
        out.stdout()
    };
    let none: [(String, &str); 0] = [];
    snapshot!("check_human", check("human"), &none);
    snapshot!("check_json", check("json"), &none);
    snapshot!("check_junit", check("junit"), &none);
}

/// `hookcli send --provider github ARGS` to an app answering 202, plain
/// then `--json`, and the values of the forged requests that change from
/// run to run, named.
fn send_both(args: &[&str]) -> (String, String, Vec<(String, &'static str)>) {
    let app = Receiver::start(|_| (202, b"queued".to_vec()));
    let url = format!("{}/gh", app.url());
    let send = |json: bool| {
        let mut cmd = hookcli();
        cmd.args(["send", "--provider", "github", "--url", &url])
            .args(["--secret", SECRET])
            .args(args);
        if json {
            cmd.arg("--json");
        }
        let out = run(&mut cmd);
        out.assert_code(0);
        out.stdout()
    };
    let (human, json) = (send(false), send(true));
    let known = app
        .requests()
        .iter()
        .flat_map(|r| {
            [
                r.header("x-github-delivery")
                    .map(|v| (v.to_string(), "[event_id]")),
                // GitHub's hook runner names a random build.
                r.header("user-agent")
                    .map(|v| (v.to_string(), "[user_agent]")),
            ]
        })
        .flatten()
        .collect();
    (human, json, known)
}

/// send with a fixed body.
#[test]
fn send_human_and_json() {
    let (human, json, known) = send_both(&["--event", "ping", "--data", BODY]);
    let json = redact_date(serde_json::from_str(json.trim()).unwrap());
    snapshot!("send_human", human, &known);
    snapshot!(
        "send_json",
        serde_json::to_string_pretty(&json).unwrap(),
        &known
    );
}

/// The app's `date` header, which changes every second.
fn redact_date(mut v: Value) -> Value {
    if let Some(headers) = v["response"]["headers"].as_array_mut() {
        for pair in headers {
            if pair[0] == "date" {
                pair[1] = "[date]".into();
            }
        }
    }
    v
}

#[test]
fn config_show_human_and_json() {
    let dir = tempdir();
    let file = dir.path().join("hookcli.toml");
    std::fs::write(
        &file,
        "store = \"/srv/hooks\"\nprovider = \"github\"\nport = 9911\n[secrets]\ngithub = \"SNAPSHOT_GH_SECRET\"\n",
    )
    .unwrap();
    let config = |json: bool| {
        let mut cmd = hookcli();
        cmd.env("HOOKCLI_CONFIG", &file)
            .env_remove("HOOKCLI_STORE")
            .env("SNAPSHOT_GH_SECRET", "never-shown")
            // The platform config folder it looked in, under the test's own.
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
            .arg("config");
        if json {
            cmd.arg("--json");
        }
        let out = run(&mut cmd);
        out.assert_code(0);
        out.stdout()
    };
    let known = [(dir.path().display().to_string(), "[dir]")];
    snapshot!("config_human", config(false), &known);
    snapshot!("config_json", pretty(&config(true)), &known);
}

#[test]
fn an_error_is_one_line() {
    let store = tempdir();
    let out = run(hookcli()
        .args(["show", "zzzz", "--store"])
        .arg(store.path()));
    out.assert_code(3);
    let known = [(store.path().display().to_string(), "[store]")];
    snapshot!("error_no_store", out.stderr(), &known);
    let out = run(hookcli().args(["list", "--provider", "nope"]));
    out.assert_code(2);
    let none: [(String, &str); 0] = [];
    snapshot!("error_usage", out.stderr(), &none);
}

/// A series (`--event` twice): each line says its step, then a summary.
#[test]
fn send_series_summary() {
    let (human, json, known) = send_both(&["--event", "ping", "--event", "push"]);
    let lines: Vec<Value> = json
        .lines()
        .map(|l| redact_push(redact_date(serde_json::from_str(l).unwrap())))
        .collect();
    snapshot!("send_series_human", human, &known);
    snapshot!(
        "send_series_json",
        serde_json::to_string_pretty(&lines).unwrap(),
        &known
    );
}

/// GitHub's `push` sample carries the time it was forged: its hash and
/// signatures change with it.
fn redact_push(mut v: Value) -> Value {
    if v["request"]["body_sha256"].is_string() {
        v["request"]["body_sha256"] = "[sha256]".into();
    }
    if let Some(headers) = v["request"]["headers"].as_array_mut() {
        for pair in headers {
            if pair[0]
                .as_str()
                .is_some_and(|n| n.starts_with("X-Hub-Signature"))
            {
                pair[1] = "[signature]".into();
            }
        }
    }
    v
}
