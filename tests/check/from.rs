//! `check --from` (issue 17 §2): the battery built from a delivery that
//! `listen` recorded (by id, from the store) or from a portable document
//! (a file, or a folder of them): its exact body and headers, re-signed
//! with a fresh timestamp, every fault derived from it.

use super::*;

use crate::common::Listen;

/// The committed document: a GitHub `pull_request.opened` captured by
/// `listen` (signed then with a secret the tests do not use).
fn document() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/check/github-pull-request-opened.json")
}

/// The headers and body of every request a receiver got.
type Kept = Arc<Mutex<Vec<(hyper::HeaderMap, Bytes)>>>;

/// A receiver that also keeps every request it got.
fn keeping(provider: &'static str, bugs: Bugs) -> (Server, Kept) {
    let hook = Hook::new(provider, secret_for(provider), bugs);
    let kept = Arc::new(Mutex::new(Vec::new()));
    let keep = kept.clone();
    let server = Server::http(move |req| {
        keep.lock()
            .unwrap()
            .push((req.headers.clone(), req.body.clone()));
        hook.handle(req)
    });
    (server, kept)
}

/// Every case of `report` passes, or is skipped as for `provider`'s scheme.
fn all_pass(provider: &str, report: &Value) {
    let skips = skipped_for(provider);
    for name in cases_for(provider) {
        let want = if skips.contains(&name) {
            "skip"
        } else {
            "pass"
        };
        assert_eq!(outcome(report, name), want, "{name}\n{report:#}");
    }
}

#[test]
fn from_a_committed_document_sends_its_body_and_headers_re_signed() {
    let doc: Value = serde_json::from_slice(&std::fs::read(document()).unwrap()).unwrap();
    let recorded_body = doc["request"]["body"]["text"]
        .as_str()
        .unwrap()
        .as_bytes()
        .to_vec();
    let (server, kept) = keeping("github", Bugs::default());
    let from = document().display().to_string();
    let (out, report) = check_json(
        "github",
        &server.url(&path_for("github")),
        &["--from", &from],
    );
    out.assert_code(0).assert_hides(secret_for("github"));
    assert_eq!(report["from"], from.as_str(), "{report:#}");
    assert_eq!(report["event"], "pull_request.opened", "{report:#}");
    all_pass("github", &report);
    let kept = kept.lock().unwrap();
    let valid = kept
        .iter()
        .find(|(_, body)| body.as_ref() == recorded_body.as_slice())
        .expect("the recorded body, byte for byte");
    let header = |name: &str| valid.0.get(name).and_then(|v| v.to_str().ok());
    // Its own headers went along; the signature is a fresh one.
    assert_eq!(header("x-github-hook-id"), Some("109948940"));
    assert_eq!(header("x-github-event"), Some("pull_request"));
    assert_ne!(
        header("x-hub-signature-256"),
        Some("sha256=02014296813a72050750be86c113690ff9f179382b12e3290419ffc0c50a8773")
    );
    assert_ne!(
        header("host"),
        Some("127.0.0.1:33529"),
        "the recorded Host is not sent"
    );
    // Each case is a delivery of its own: fresh delivery ids.
    let ids: HashSet<&str> = kept
        .iter()
        .filter_map(|(h, _)| h.get("x-github-delivery").and_then(|v| v.to_str().ok()))
        .collect();
    assert!(ids.len() > 10, "{ids:?}");
}

#[test]
fn from_a_document_the_faults_are_derived_from_it() {
    let (server, _) = keeping(
        "github",
        Bugs {
            no_signature_check: true,
            ..Bugs::default()
        },
    );
    let from = document().display().to_string();
    let (out, report) = check_json(
        "github",
        &server.url(&path_for("github")),
        &["--from", &from],
    );
    out.assert_code(1);
    for name in ["bad-signature", "missing-signature", "body-modified"] {
        assert_eq!(outcome(&report, name), "fail", "{name}\n{report:#}");
    }
    assert!(
        report["diagnosis"]
            .as_str()
            .unwrap_or_default()
            .contains("verifies no signatures")
    );
}

#[test]
fn from_a_listen_capture_by_id() {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &["--respond", "200"], &[]);
    let sent = run(hookcli()
        .args([
            "send",
            "--provider",
            "stripe",
            "--event",
            "invoice.paid",
            "--url",
        ])
        .arg(format!("{}webhooks/stripe", listen.url()))
        .args(["--secret", "whsec_capturedWithAnotherSecret"]));
    sent.assert_code(0);
    let listed = run(hookcli()
        .args(["list", "--json", "--store"])
        .arg(store.path()));
    let id = listed
        .stdout()
        .lines()
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
        .and_then(|v| v["id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("an id in\n{listed}"));
    let (server, _) = keeping("stripe", Bugs::default());
    let url = server.url(&path_for("stripe"));
    let store_arg = store.path().display().to_string();
    // By id, and by `last`; the provider comes from the recording.
    for key in [id.as_str(), "last"] {
        let out = run(hookcli()
            .env(SECRET_VAR, secret_for("stripe"))
            .args(["check", "--url", &url, "--secret-env", SECRET_VAR, "--json"])
            .args(["--from", key, "--store", &store_arg]));
        out.assert_code(0).assert_hides(secret_for("stripe"));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["from"], id.as_str(), "{report:#}");
        assert_eq!(report["provider"], "stripe");
        assert_eq!(report["event"], "invoice.paid", "{report:#}");
        all_pass("stripe", &report);
    }
    let out = run(hookcli()
        .env(SECRET_VAR, secret_for("stripe"))
        .args(["check", "--url", &url, "--secret-env", SECRET_VAR])
        .args(["--from", "zzzz9999", "--store", &store_arg]));
    out.assert_error(2, &["zzzz9999"]);
}

#[test]
fn from_a_folder_runs_a_battery_per_document() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.json", "b.json"] {
        std::fs::copy(document(), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), "not a document").unwrap();
    let server = receiver("github", Bugs::default());
    let url = server.url(&path_for("github"));
    let folder = dir.path().display().to_string();
    let out = check("github", &url, &["--from", &folder, "--format", "json"]);
    out.assert_code(0);
    let reports: Vec<Value> = out
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one report a line"))
        .collect();
    assert_eq!(reports.len(), 2, "{out}");
    for (report, name) in reports.iter().zip(["a.json", "b.json"]) {
        assert!(
            report["from"].as_str().unwrap().ends_with(name),
            "{report:#}"
        );
        all_pass("github", report);
    }
    let human = check("github", &url, &["--from", &folder]);
    human.assert_code(0);
    assert_eq!(
        human
            .stdout()
            .matches("built from the recorded delivery")
            .count(),
        2
    );
    let junit = check("github", &url, &["--from", &folder, "--format", "junit"]);
    assert_eq!(junit.stdout().matches("<testsuite ").count(), 2, "{junit}");
}

#[test]
fn from_does_not_take_an_event_or_a_mode() {
    let from = document().display().to_string();
    for extra in [["--event", "push"], ["--mode", "json"]] {
        let out = check(
            "github",
            "http://127.0.0.1:9/webhooks/github",
            &[&["--from", from.as_str()], &extra[..]].concat(),
        );
        out.assert_code(2);
    }
}

#[test]
fn from_a_missing_folder_is_named_as_a_path_not_as_a_store_id() {
    let out = check(
        "stripe",
        "http://127.0.0.1:9/webhooks",
        &["--from", "no-such-folder/webhooks/"],
    );
    out.assert_error(
        3,
        &[
            "cannot read --from no-such-folder/webhooks/",
            "no such file or folder",
        ],
    );
    assert!(!out.stderr().contains("no delivery"), "{}", out.stderr());
}
