//! `hookcli check` against receivers written here, on 127.0.0.1:0: one
//! correct receiver per provider (every applicable case passes), receivers
//! with the bugs real webhook handlers have (each caught by the right case),
//! the report formats, case selection, and transport faults.
//!
//! The receivers verify signatures with their own code (hmac, sha1, sha2,
//! base64, hex), never with hookcli's.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use sha2::Digest as _;

use crate::common::{Run, hookcli, run};

mod bugs;
mod from;
mod modes;
mod pacing;
mod receiver;
mod server;

use receiver::*;
use server::*;

use crate::send::{p256_point, public_key_for, ring_ok};

// ---------------------------------------------------------------------------
// Running check

const SECRET_VAR: &str = "HOOKCLI_CHECK_TEST_SECRET";

fn check(provider: &str, url: &str, args: &[&str]) -> Run {
    let mut cmd = hookcli();
    cmd.env(SECRET_VAR, secret_for(provider))
        .args(["check", "--provider", provider, "--url", url])
        .args(["--secret-env", SECRET_VAR])
        .args(args);
    run(&mut cmd)
}

/// `check --format json`, its exit status and report.
fn check_json(provider: &str, url: &str, args: &[&str]) -> (Run, Value) {
    let out = check(provider, url, &[&["--format", "json"], args].concat());
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check --format json printed no JSON ({e})\n{out}"));
    (out, report)
}

/// The case's row in the first delivery mode.
fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .expect("cases array")
        .iter()
        .find(|c| c["name"] == name && c["mode"].is_null())
        .unwrap_or_else(|| panic!("no case {name} in\n{report:#}"))
}

fn outcome<'a>(report: &'a Value, name: &str) -> &'a str {
    case(report, name)["outcome"].as_str().expect("outcome")
}

/// The cases of the first delivery mode, in order.
fn case_names(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .expect("cases array")
        .iter()
        .filter(|c| c["mode"].is_null())
        .map(|c| c["name"].as_str().expect("name").to_string())
        .collect()
}

/// Runs `f` on every item at once, each on its own thread.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| s.spawn(move || f(item)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Cases that do not apply to a provider's scheme (or its default event).
fn not_applicable(provider: &str) -> &'static [&'static str] {
    match provider {
        "github" | "shopify" => &["stale-timestamp"],
        "twilio" => &["stale-timestamp", "malformed-body"],
        "gitlab" => &["stale-timestamp", "body-modified"],
        "zapier" => &[
            "bad-signature",
            "missing-signature",
            "body-modified",
            "stale-timestamp",
        ],
        "mailgun" => &["body-modified"],
        "square" => &["stale-timestamp"],
        // Their events come as a JSON array: no object to pad.
        "hubspot" | "sendgrid" => &["large-body"],
        "sentry" | "bitbucket" | "pagerduty" | "typeform" | "intercom" => &["stale-timestamp"],
        _ => &[],
    }
}

/// Providers whose signature covers the URL called.
const URL_SIGNING: [&str; 3] = ["twilio", "square", "hubspot"];

/// Providers whose scheme carries several signatures while a secret is rolled.
const ROTATING: [&str; 8] = [
    "stripe",
    "standard",
    "svix",
    "clerk",
    "resend",
    "standard-v1a",
    "paddle",
    "pagerduty",
];

/// Every case that does not apply to a provider: [`not_applicable`] plus
/// the signature cases its scheme cannot express (a rotation with one
/// signature, a future timestamp without a timestamp).
fn skipped_for(provider: &str) -> Vec<&'static str> {
    let mut skips = not_applicable(provider).to_vec();
    if !URL_SIGNING.contains(&provider) {
        skips.push("url-query");
    }
    if !ROTATING.contains(&provider) {
        skips.push("secret-rotation");
    }
    if skips.contains(&"stale-timestamp") {
        skips.push("future-timestamp");
    }
    if provider == "zapier" {
        skips.extend(["malformed-signature", "truncated-signature"]);
    }
    skips
}

/// The cases check reports for a provider: the handshake only for those
/// that have one.
fn cases_for(provider: &str) -> Vec<&'static str> {
    let mut names = ALL_CASES.to_vec();
    if HANDSHAKES.contains(&provider) {
        names.insert(0, "handshake");
    }
    names
}

const ALL_CASES: [&str; 19] = [
    "valid",
    "valid-noncanonical",
    "url-query",
    "secret-rotation",
    "duplicate",
    "bad-signature",
    "malformed-signature",
    "truncated-signature",
    "missing-signature",
    "body-modified",
    "stale-timestamp",
    "future-timestamp",
    "malformed-body",
    "large-body",
    "wrong-content-type",
    "wrong-method",
    "wrong-path",
    "transport",
    "response-time",
];

// ---------------------------------------------------------------------------
// 1. A correct receiver per provider passes every applicable case

#[test]
fn correct_receivers_pass_every_applicable_case_for_every_provider() {
    let results = par_map(PROVIDERS.to_vec(), |provider| {
        let server = receiver(provider, Bugs::default());
        let url = server.url(&path_for(provider));
        let (out, report) = check_json(provider, &url, &[]);
        (provider, out, report)
    });
    for (provider, out, report) in results {
        out.assert_code(0).assert_hides(secret_for(provider));
        assert_eq!(report["provider"], provider);
        let expected = cases_for(provider);
        assert_eq!(
            case_names(&report),
            expected,
            "{provider}: every case, in order"
        );
        let skips = skipped_for(provider);
        for name in expected.iter().copied() {
            let c = case(&report, name);
            let want = if skips.contains(&name) {
                "skip"
            } else {
                "pass"
            };
            assert_eq!(
                c["outcome"], want,
                "{provider}: case {name} should {want}\n{report:#}"
            );
            if want == "skip" {
                assert!(
                    c["hint"].as_str().is_some_and(|h| !h.is_empty()),
                    "{provider}: a skip says why\n{report:#}"
                );
            }
        }
        // The further delivery modes' rows all pass.
        let rows = report["cases"].as_array().unwrap();
        for row in rows.iter().filter(|c| !c["mode"].is_null()) {
            assert_eq!(row["outcome"], "pass", "{provider}\n{row:#}");
        }
        let summary = &report["summary"];
        assert_eq!(summary["failed"], 0, "{provider}\n{report:#}");
        assert_eq!(summary["warned"], 0, "{provider}\n{report:#}");
        assert_eq!(summary["skipped"], skips.len(), "{provider}\n{report:#}");
        assert_eq!(
            summary["passed"],
            rows.len() - skips.len(),
            "{provider}\n{report:#}"
        );
    }
}

#[test]
fn human_report_of_a_correct_receiver_is_a_table_and_a_summary_line() {
    let server = receiver("slack", Bugs::default());
    let out = check("slack", &server.url("/webhooks/slack"), &[]);
    out.assert_code(0).assert_hides(secret_for("slack"));
    let stdout = out.stdout();
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour off a terminal\n{out}"
    );
    assert!(stdout.contains("delivery timeout 3 s"), "{out}");
    for header in ["CASE", "EXPECTED", "GOT", "VERDICT", "TIME", "HINT"] {
        assert!(stdout.contains(header), "table header {header}\n{out}");
    }
    let skips = skipped_for("slack");
    for name in cases_for("slack") {
        let verdict = if skips.contains(&name) {
            "skip"
        } else {
            "pass"
        };
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(name) && l.contains(verdict)),
            "a {verdict} row for {name}\n{out}"
        );
    }
    // Slack's handshake makes twenty; it sends one signature, so no
    // rotation, and signs no URL. Interactivity and slash commands add six
    // signature cases each.
    assert_eq!(
        stdout.lines().last(),
        Some("30 passed, 0 warned, 0 failed, 2 skipped"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------
// 2. Receivers with realistic bugs, each caught by the right case

/// Runs check against a receiver with `bugs` and asserts that `case` fails,
/// with a hint, and check exits 1. `valid_passes`: the bug leaves valid
/// deliveries alone. Returns the report.
fn caught(
    provider: &'static str,
    server: &Server,
    name: &str,
    valid_passes: bool,
    args: &[&str],
) -> Value {
    let (out, report) = check_json(provider, &server.url(&path_for(provider)), args);
    out.assert_code(1).assert_hides(secret_for(provider));
    let c = case(&report, name);
    assert_eq!(c["outcome"], "fail", "{name} should fail\n{report:#}");
    assert!(
        c["hint"].as_str().is_some_and(|h| !h.is_empty()),
        "a failure carries a hint\n{report:#}"
    );
    assert!(report["summary"]["failed"].as_u64() >= Some(1));
    if valid_passes {
        assert_eq!(outcome(&report, "valid"), "pass", "{report:#}");
    }
    assert!(report["unreachable"].is_null(), "{report:#}");
    report
}

#[test]
fn bug_accepting_any_signature_fails_bad_signature() {
    let bugs = Bugs {
        no_signature_check: true,
        ..Bugs::default()
    };
    let server = receiver("stripe", bugs);
    let report = caught("stripe", &server, "bad-signature", true, &[]);
    let c = case(&report, "bad-signature");
    // Another secret's signature, then an empty secret's.
    assert_eq!(c["got"], "200, 200");
    assert!(
        c["hint"].as_str().unwrap().contains("Stripe-Signature"),
        "{report:#}"
    );
    // The same hole shows in its siblings.
    assert_eq!(outcome(&report, "missing-signature"), "fail");
    assert_eq!(outcome(&report, "body-modified"), "fail");
}

/// Every signed provider added with the handshake case: a receiver that
/// never checks the signature is failed.
#[test]
fn receivers_accepting_any_signature_fail_for_every_new_signed_provider() {
    let providers = [
        "mailgun", "square", "zoom", "twitch", "hubspot", "calendly", "clerk", "resend",
    ];
    let results = par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            no_signature_check: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "bad-signature", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        // Another secret's forgery, and an empty secret's where the scheme has one.
        let got = case(&report, "bad-signature")["got"].as_str().unwrap();
        assert!(got.split(", ").all(|s| s == "200"), "{provider}: {got}");
        assert_eq!(
            outcome(&report, "missing-signature"),
            "fail",
            "{provider}\n{report:#}"
        );
    }
}

/// The HMAC providers added last (Paddle, Sentry, Linear, Bitbucket,
/// PagerDuty, Typeform, Intercom): a receiver that never checks the
/// signature is failed on bad-signature, and its siblings.
#[test]
fn receivers_accepting_any_signature_fail_for_the_last_hmac_providers() {
    let results = par_map(LAST_HMAC.to_vec(), |provider| {
        let bugs = Bugs {
            no_signature_check: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "bad-signature", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        let got = case(&report, "bad-signature")["got"].as_str().unwrap();
        assert!(got.split(", ").all(|s| s == "200"), "{provider}: {got}");
        for name in ["missing-signature", "body-modified"] {
            assert_eq!(outcome(&report, name), "fail", "{provider}\n{report:#}");
        }
    }
}

/// Paddle (five seconds, `ts=` in the header) and Linear (a minute,
/// `webhookTimestamp` in the signed body): a receiver that verifies the
/// signature but not the time accepts a replay, and stale-timestamp fails.
#[test]
fn receivers_ignoring_the_timestamp_fail_stale_timestamp_for_paddle_and_linear() {
    let results = par_map(vec!["paddle", "linear"], |provider| {
        let bugs = Bugs {
            ignore_timestamp: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "stale-timestamp", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        assert_eq!(
            case(&report, "stale-timestamp")["got"],
            "200",
            "{provider}\n{report:#}"
        );
        assert_eq!(
            report["summary"]["failed"], 1,
            "only that case: {provider}\n{report:#}"
        );
    }
}

/// The same receivers, configured with another secret, refuse check's
/// deliveries: they verify with the key, not just the header's shape.
#[test]
fn receivers_with_another_secret_fail_valid_for_the_last_hmac_providers() {
    par_map(LAST_HMAC.to_vec(), |provider| {
        let server = receiver_with_secret(provider, "another-endpoint-secret", Bugs::default());
        let report = caught(provider, &server, "valid", false, &[]);
        assert_eq!(
            case(&report, "valid")["got"],
            "401",
            "{provider}\n{report:#}"
        );
    });
}

/// The HMAC providers added after the handshakes and the asymmetric schemes.
const LAST_HMAC: [&str; 7] = [
    "paddle",
    "sentry",
    "linear",
    "bitbucket",
    "pagerduty",
    "typeform",
    "intercom",
];

#[test]
fn zapier_skips_the_signature_cases_saying_why_and_needs_no_secret() {
    let server = receiver("zapier", Bugs::default());
    let mut cmd = hookcli();
    cmd.args(["check", "--provider", "zapier", "--url"])
        .arg(server.url(&path_for("zapier")))
        .args(["--format", "json"]);
    let out = run(&mut cmd);
    out.assert_code(0);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    for name in not_applicable("zapier") {
        let c = case(&report, name);
        assert_eq!(c["outcome"], "skip", "{report:#}");
        assert!(
            c["hint"].as_str().unwrap().contains("does not sign"),
            "{report:#}"
        );
    }
    assert_eq!(outcome(&report, "valid"), "pass");
    assert_eq!(outcome(&report, "wrong-content-type"), "pass");
}

/// Slack, Zoom and Twitch probe an endpoint first; a handler that answers
/// the probe wrongly fails the handshake case with a hint saying what the
/// provider wants, while its deliveries still pass.
#[test]
fn wrong_answers_to_the_handshake_fail_it_with_a_hint() {
    let results = par_map(HANDSHAKES.to_vec(), |provider| {
        let bugs = Bugs {
            wrong_handshake: true,
            ..Bugs::default()
        };
        let server = receiver(provider, bugs);
        let report = caught(provider, &server, "handshake", true, &[]);
        (provider, report)
    });
    for (provider, report) in results {
        let c = case(&report, "handshake");
        assert_eq!(c["got"], "200", "{report:#}");
        let hint = c["hint"].as_str().unwrap();
        let says = match provider {
            "slack" => "echoed",
            "zoom" => "encryptedToken is wrong",
            "twitch" => "not JSON",
            "discord" => "PONG",
            other => panic!("{other}"),
        };
        assert!(hint.contains(says), "{provider}: {hint}");
        assert_eq!(report["summary"]["failed"], 1, "{report:#}");
    }
}

#[test]
fn handshake_is_left_out_for_providers_without_one_unless_asked() {
    let server = receiver("stripe", Bugs::default());
    let url = server.url(&path_for("stripe"));
    let (out, report) = check_json("stripe", &url, &[]);
    out.assert_code(0);
    assert!(!case_names(&report).contains(&"handshake".to_string()));
    let sent = server.requests().len();
    let (out, report) = check_json("stripe", &url, &["--case", "handshake"]);
    out.assert_code(0);
    let c = case(&report, "handshake");
    assert_eq!(c["outcome"], "skip");
    assert!(
        c["hint"]
            .as_str()
            .unwrap()
            .contains("no verification handshake"),
        "{report:#}"
    );
    assert_eq!(server.requests().len(), sent, "nothing was sent for a skip");
}

/// The asymmetric schemes: a receiver that never checks the signature (or
/// the timestamp) is failed, with a hint about the public key.
#[test]
fn asymmetric_receivers_that_skip_the_check_are_failed() {
    par_map(ASYMMETRIC.to_vec(), |provider| {
        let server = receiver(
            provider,
            Bugs {
                no_signature_check: true,
                ..Bugs::default()
            },
        );
        let report = caught(provider, &server, "bad-signature", true, &[]);
        let hint = case(&report, "bad-signature")["hint"].as_str().unwrap();
        assert!(hint.contains("public key"), "{provider}: {report:#}");
        assert_eq!(outcome(&report, "missing-signature"), "fail");
        assert_eq!(outcome(&report, "body-modified"), "fail");

        let server = receiver(
            provider,
            Bugs {
                ignore_timestamp: true,
                ..Bugs::default()
            },
        );
        // Discord and SendGrid set no window: accepting it is a warning.
        if provider == "standard-v1a" {
            let report = caught(provider, &server, "stale-timestamp", true, &[]);
            // Standard Webhooks refuses a timestamp too far ahead as well.
            assert_eq!(outcome(&report, "future-timestamp"), "fail", "{report:#}");
            assert_eq!(report["summary"]["failed"], 2, "{provider}\n{report:#}");
        } else {
            let (out, report) = check_json(provider, &server.url(&path_for(provider)), &[]);
            out.assert_code(0);
            assert_eq!(outcome(&report, "stale-timestamp"), "warn", "{report:#}");
            assert_eq!(outcome(&report, "future-timestamp"), "warn", "{report:#}");
            assert_eq!(report["summary"]["failed"], 0, "{provider}\n{report:#}");
        }
    });
}

/// check signs, so it takes the private key: the public one is a usage error.
#[test]
fn check_with_a_public_key_is_a_usage_error() {
    let server = receiver("discord", Bugs::default());
    let public = public_key_for("discord");
    let out = run(hookcli()
        .env(SECRET_VAR, public)
        .args(["check", "--provider", "discord", "--url"])
        .arg(server.url(&path_for("discord")))
        .args(["--secret-env", SECRET_VAR]));
    out.assert_error(2, &["discord", "private key"])
        .assert_hides(public);
    assert!(server.requests().is_empty(), "nothing is sent");
}

#[test]
fn bug_ignoring_timestamps_fails_stale_timestamp() {
    let bugs = Bugs {
        ignore_timestamp: true,
        ..Bugs::default()
    };
    let server = receiver("slack", bugs);
    let report = caught("slack", &server, "stale-timestamp", true, &[]);
    assert_eq!(case(&report, "stale-timestamp")["got"], "200");
    // A future one gets through too: a warning for Slack (Bolt for
    // JavaScript accepts it), a failure for Standard Webhooks (below).
    assert_eq!(outcome(&report, "future-timestamp"), "warn", "{report:#}");
    // Only that case, in each of Slack's three delivery modes.
    assert_eq!(report["summary"]["failed"], 3, "{report:#}");
    for c in report["cases"].as_array().unwrap() {
        if c["outcome"] == "fail" {
            assert_eq!(c["name"], "stale-timestamp", "{report:#}");
        }
    }
}

#[test]
fn bug_verifying_reserialized_json_fails_valid_noncanonical() {
    // GitHub's body is compact JSON, so re-serializing it gives back the same
    // bytes and valid passes: only the unusual-but-valid bytes show the bug.
    let bugs = Bugs {
        reserialized: true,
        ..Bugs::default()
    };
    let server = receiver("github", bugs);
    let report = caught("github", &server, "valid-noncanonical", true, &[]);
    assert_eq!(case(&report, "valid-noncanonical")["got"], "401");
    assert!(
        case(&report, "valid-noncanonical")["hint"]
            .as_str()
            .unwrap()
            .contains("re-serialized"),
        "{report:#}"
    );
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_500_on_a_bad_signature_fails_bad_signature() {
    let bugs = Bugs {
        bad_signature: Some(500),
        ..Bugs::default()
    };
    let server = receiver("shopify", bugs);
    let report = caught("shopify", &server, "bad-signature", true, &[]);
    assert_eq!(case(&report, "bad-signature")["got"], "500, 500");
    assert_eq!(outcome(&report, "missing-signature"), "pass", "{report:#}");
}

#[test]
fn bug_200_on_a_bad_signature_fails_bad_signature() {
    let bugs = Bugs {
        bad_signature: Some(200),
        ..Bugs::default()
    };
    let server = receiver("standard", bugs);
    let report = caught("standard", &server, "bad-signature", true, &[]);
    assert_eq!(case(&report, "bad-signature")["got"], "200");
    assert_eq!(outcome(&report, "missing-signature"), "pass", "{report:#}");
}

#[test]
fn bug_500_on_a_duplicate_fails_duplicate() {
    let bugs = Bugs {
        duplicate: Some(500),
        ..Bugs::default()
    };
    let server = receiver("gitlab", bugs);
    let report = caught("gitlab", &server, "duplicate", true, &[]);
    assert_eq!(case(&report, "duplicate")["got"], "200, 500");
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_answering_after_12_s_fails_response_time() {
    // GitHub gives up after 10 s; --timeout lets the 12 s answer arrive.
    let bugs = Bugs {
        slow: Some(Duration::from_secs(12)),
        ..Bugs::default()
    };
    let server = receiver("github", bugs);
    let report = caught(
        "github",
        &server,
        "response-time",
        true,
        &[
            "--timeout",
            "15s",
            "--concurrency",
            "16",
            "--skip",
            "transport",
        ],
    );
    let c = case(&report, "response-time");
    let got = c["got"].as_str().unwrap();
    let secs: f64 = got.trim_end_matches(" s").parse().expect("got in seconds");
    assert!((12.0..15.0).contains(&secs), "{report:#}");
    assert!(c["duration_ms"].as_f64().unwrap() >= 12_000.0, "{report:#}");
    assert!(c["hint"].as_str().unwrap().contains("10 s"), "{report:#}");
    assert_eq!(report["delivery_timeout_secs"], 10);
}

#[test]
fn bug_slow_slack_handler_fails_response_time_within_the_default_timeout() {
    // Slack allows 3 s; check waits 3 + 2 s by default, so a 3.5 s answer
    // arrives, and is too late.
    let bugs = Bugs {
        slow: Some(Duration::from_millis(3500)),
        ..Bugs::default()
    };
    let server = receiver("slack", bugs);
    let report = caught(
        "slack",
        &server,
        "response-time",
        true,
        &["--concurrency", "16", "--skip", "transport"],
    );
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_500_on_malformed_json_fails_malformed_body() {
    let bugs = Bugs {
        malformed: Some(500),
        ..Bugs::default()
    };
    let server = receiver("stripe", bugs);
    let report = caught("stripe", &server, "malformed-body", true, &[]);
    assert_eq!(case(&report, "malformed-body")["got"], "500, 500");
    let hint = case(&report, "malformed-body")["hint"].as_str().unwrap();
    assert!(hint.contains("parse defensively"), "{hint}");
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_wrong_secret_fails_valid() {
    let server = receiver_with_secret(
        "twilio",
        "the-auth-token-of-another-account",
        Bugs::default(),
    );
    let report = caught("twilio", &server, "valid", false, &[]);
    let c = case(&report, "valid");
    assert_eq!(c["got"], "401");
    assert!(
        c["hint"].as_str().unwrap().contains("secret"),
        "the hint names the secret\n{report:#}"
    );
}

#[test]
fn bug_401_to_everything_fails_valid() {
    let bugs = Bugs {
        always: Some(401),
        ..Bugs::default()
    };
    let server = receiver("shopify", bugs);
    let report = caught("shopify", &server, "valid", false, &[]);
    assert_eq!(case(&report, "valid")["got"], "401");
    assert_eq!(outcome(&report, "duplicate"), "fail");
}

#[test]
fn bug_crash_on_a_missing_signature_header_fails_missing_signature() {
    let bugs = Bugs {
        crash_on_missing_signature: true,
        ..Bugs::default()
    };
    let server = receiver("standard", bugs);
    let report = caught("standard", &server, "missing-signature", true, &[]);
    let c = case(&report, "missing-signature");
    let got = c["got"].as_str().unwrap();
    assert!(
        got.parse::<u16>().is_err(),
        "a dropped connection has no status\n{report:#}"
    );
    assert!(
        c["hint"].as_str().unwrap().contains("crashed"),
        "{report:#}"
    );
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
}

#[test]
fn bug_get_answered_500_fails_wrong_method() {
    let bugs = Bugs {
        non_post: Some(500),
        ..Bugs::default()
    };
    let server = receiver("github", bugs);
    let report = caught("github", &server, "wrong-method", true, &[]);
    assert_eq!(case(&report, "wrong-method")["got"], "500");
    assert_eq!(report["summary"]["failed"], 1, "only that case\n{report:#}");
    assert!(
        server.requests().iter().any(|(m, _)| m == "GET"),
        "the GET reached the receiver"
    );
}

// ---------------------------------------------------------------------------
// 3. Report formats

/// A GitHub receiver with one fail (500 on malformed JSON) and one warn
/// (400 instead of 415); stale-timestamp is skipped for GitHub.
/// The receiver with `bugs` is caught by `name` alone: check exits 1,
/// `name` fails with a hint containing `hint`, every other case passes or
/// is skipped as for a correct receiver.
fn caught_alone(provider: &'static str, bugs: Bugs, name: &str, hint: &str) -> Value {
    let server = receiver(provider, bugs);
    let report = caught(provider, &server, name, true, &[]);
    let h = case(&report, name)["hint"].as_str().unwrap();
    assert!(
        h.contains(hint),
        "{provider}: {name} hint {h:?}\n{report:#}"
    );
    let skips = skipped_for(provider);
    for c in cases_for(provider).into_iter().filter(|c| *c != name) {
        let want = if skips.contains(&c) { "skip" } else { "pass" };
        assert_eq!(outcome(&report, c), want, "{provider}: {c}\n{report:#}");
    }
    report
}

#[test]
fn bug_checking_only_the_first_signature_fails_secret_rotation() {
    let providers = ["stripe", "standard", "clerk", "resend", "standard-v1a"];
    let reports = par_map(providers.to_vec(), |provider| {
        let bugs = Bugs {
            first_signature_only: true,
            ..Bugs::default()
        };
        let hint = "accept the delivery if any matches";
        (
            provider,
            caught_alone(provider, bugs, "secret-rotation", hint),
        )
    });
    for (provider, report) in reports {
        let c = case(&report, "secret-rotation");
        // Refused with the outgoing secret's signature first only.
        assert_eq!(c["got"], "401, 200", "{provider}\n{report:#}");
        assert_eq!(c["expected"], "2xx, 2xx");
        assert!(
            c["hint"]
                .as_str()
                .unwrap()
                .contains("checks only the first")
        );
    }
}

#[test]
fn bug_crashing_on_a_malformed_signature_header_fails_malformed_signature() {
    let reports = par_map(vec!["github", "stripe"], |provider| {
        let bugs = Bugs {
            crash_on_malformed_signature: true,
            ..Bugs::default()
        };
        let hint = "parse defensively and answer 401";
        (
            provider,
            caught_alone(provider, bugs, "malformed-signature", hint),
        )
    });
    for (provider, report) in reports {
        let got = case(&report, "malformed-signature")["got"]
            .as_str()
            .unwrap();
        assert!(got.contains("500"), "{provider}: {got}\n{report:#}");
    }
}

#[test]
fn bug_comparing_a_prefix_of_the_mac_fails_truncated_signature() {
    let bugs = Bugs {
        prefix_compare: true,
        ..Bugs::default()
    };
    let hint = "compare the whole MAC, in constant time";
    let report = caught_alone("github", bugs, "truncated-signature", hint);
    // Both the half MAC and the empty one got through.
    assert_eq!(case(&report, "truncated-signature")["got"], "200, 200");
}

#[test]
fn bug_accepting_future_timestamps_fails_where_the_provider_refuses_them() {
    let bugs = Bugs {
        accept_future: true,
        ..Bugs::default()
    };
    let reports = par_map(vec!["standard", "clerk", "standard-v1a"], |provider| {
        let hint = "compare the absolute difference";
        (
            provider,
            caught_alone(provider, bugs.clone(), "future-timestamp", hint),
        )
    });
    for (provider, report) in reports {
        assert_eq!(
            case(&report, "future-timestamp")["got"],
            "200",
            "{provider}"
        );
        // Old timestamps are still refused.
        assert_eq!(outcome(&report, "stale-timestamp"), "pass", "{provider}");
    }
}

#[test]
fn accepting_future_timestamps_only_warns_where_the_sdk_accepts_them() {
    // Stripe's SDKs (and Slack's Bolt for JavaScript) reject only old
    // timestamps: a warning, fatal with --strict.
    for provider in ["stripe", "slack"] {
        accepting_future_only_warns(provider);
    }
}

fn accepting_future_only_warns(provider: &'static str) {
    let server = receiver(
        provider,
        Bugs {
            accept_future: true,
            ..Bugs::default()
        },
    );
    let url = server.url(&path_for(provider));
    let runs = par_map(vec![false, true], |strict| {
        let args: &[&str] = if strict { &["--strict"] } else { &[] };
        (strict, check_json(provider, &url, args))
    });
    for (strict, (out, report)) in runs {
        out.assert_code(if strict { 1 } else { 0 });
        let c = case(&report, "future-timestamp");
        assert_eq!(c["outcome"], "warn", "{report:#}");
        assert!(
            c["hint"]
                .as_str()
                .unwrap()
                .contains("only for old timestamps"),
            "{report:#}"
        );
        // Once per delivery mode: Slack has three.
        let modes = report["modes"].as_array().unwrap().len().max(1);
        assert_eq!(report["summary"]["warned"], modes, "{report:#}");
        assert_eq!(report["summary"]["failed"], 0, "{report:#}");
    }
}

fn mixed_github() -> Server {
    receiver(
        "github",
        Bugs {
            malformed: Some(500),
            wrong_type: Some(400),
            ..Bugs::default()
        },
    )
}

fn attr(tag: &str, name: &str) -> Option<u64> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &tag[start..];
    rest[..rest.find('"')?].parse().ok()
}

/// The element's opening tag `<NAME ...>`.
fn opening_tag<'a>(xml: &'a str, name: &str) -> &'a str {
    let start = xml
        .find(&format!("<{name} "))
        .unwrap_or_else(|| panic!("no <{name}> in\n{xml}"));
    let end = start + xml[start..].find('>').expect("tag end");
    &xml[start..=end]
}

#[test]
fn junit_output_file_parses_back_with_the_right_counts() {
    let server = mixed_github();
    let url = server.url("/webhooks/github");
    let dir = tempfile::tempdir().expect("temp dir");
    let results = par_map(vec![false, true], |strict| {
        let file = dir.path().join(format!("check-{strict}.xml"));
        let file_arg = file.to_str().unwrap().to_string();
        let mut args = vec!["--format", "junit", "--output", &file_arg];
        if strict {
            args.push("--strict");
        }
        let out = check("github", &url, &args);
        let xml = std::fs::read_to_string(&file).expect("the JUnit file was written");
        (strict, out, xml)
    });
    for (strict, out, xml) in results {
        out.assert_code(1).assert_hides(secret_for("github"));
        assert!(!xml.contains(secret_for("github")), "{xml}");
        // stdout is the summary line, not the XML.
        assert_eq!(
            out.stdout().trim_end(),
            "13 passed, 1 warned, 1 failed, 4 skipped",
            "{out}"
        );
        assert!(xml.trim_start().starts_with("<?xml"), "{xml}");
        let failures: u64 = if strict { 2 } else { 1 };
        assert_eq!(xml.matches("<testcase ").count(), 19, "{xml}");
        assert_eq!(xml.matches("<failure").count() as u64, failures, "{xml}");
        assert_eq!(xml.matches("<skipped").count(), 4, "{xml}");
        for tag in [
            opening_tag(&xml, "testsuites"),
            opening_tag(&xml, "testsuite"),
        ] {
            assert_eq!(attr(tag, "tests"), Some(19), "{tag}");
            assert_eq!(attr(tag, "failures"), Some(failures), "{tag}");
            assert_eq!(attr(tag, "errors"), Some(0), "{tag}");
        }
        assert_eq!(
            attr(opening_tag(&xml, "testsuite"), "skipped"),
            Some(4),
            "{xml}"
        );
        for name in ALL_CASES {
            assert!(
                xml.contains(&format!("name=\"{name}\"")),
                "a testcase for {name}\n{xml}"
            );
        }
        // The failure is the malformed-body testcase and carries the hint.
        let malformed = &xml[xml.find("name=\"malformed-body\"").unwrap()..];
        let malformed = &malformed[..malformed.find("</testcase>").unwrap()];
        assert!(malformed.contains("<failure"), "{malformed}");
        assert!(malformed.contains("parse defensively"), "{malformed}");
        let warned = &xml[xml.find("name=\"wrong-content-type\"").unwrap()..];
        let warned = &warned[..warned.find("</testcase>").unwrap_or(warned.len())];
        assert_eq!(warned.contains("<failure"), strict, "{warned}");
        assert!(warned.contains("415"), "the warn's hint is kept\n{warned}");
    }
}

#[test]
fn json_report_matches_the_documented_schema() {
    let server = mixed_github();
    let url = server.url("/webhooks/github");
    let (out, report) = check_json("github", &url, &[]);
    out.assert_code(1).assert_hides(secret_for("github"));
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&report),
        [
            "cases",
            "delivery_timeout_secs",
            "diagnosis",
            "event",
            "from",
            "modes",
            "notes",
            "provider",
            "public_url",
            "schema",
            "summary",
            "unreachable",
            "url"
        ],
        "{report:#}"
    );
    assert_eq!(report["schema"], "hookcli.check/1");
    assert_eq!(report["provider"], "github");
    assert_eq!(report["url"], url);
    assert_eq!(report["event"], "push");
    assert_eq!(report["delivery_timeout_secs"], 10);
    assert_eq!(report["notes"], serde_json::json!([]), "loopback: no note");
    assert!(report["unreachable"].is_null());
    let mut tally = [0u64; 4];
    for c in report["cases"].as_array().unwrap() {
        assert_eq!(
            keys(c),
            [
                "duration_ms",
                "expected",
                "got",
                "hint",
                "mode",
                "name",
                "outcome"
            ],
            "{c:#}"
        );
        assert!(c["name"].is_string() && c["expected"].is_string() && c["got"].is_string());
        let o = c["outcome"].as_str().unwrap();
        let i = ["pass", "warn", "fail", "skip"]
            .iter()
            .position(|w| *w == o)
            .unwrap_or_else(|| panic!("outcome {o:?}"));
        tally[i] += 1;
        assert!(
            c["duration_ms"].is_null() || c["duration_ms"].is_f64() || c["duration_ms"].is_u64()
        );
        assert!(c["hint"].is_null() || c["hint"].is_string());
        if o == "pass" {
            assert!(c["hint"].is_null(), "{c:#}");
        } else {
            assert!(c["hint"].is_string(), "a non-pass has a hint: {c:#}");
        }
        if o == "skip" {
            assert!(c["duration_ms"].is_null());
        } else {
            assert!(c["duration_ms"].as_f64().is_some(), "{c:#}");
        }
    }
    let summary = &report["summary"];
    assert_eq!(keys(summary), ["failed", "passed", "skipped", "warned"]);
    assert_eq!(
        [
            &summary["passed"],
            &summary["warned"],
            &summary["failed"],
            &summary["skipped"]
        ]
        .map(|v| v.as_u64().unwrap()),
        tally
    );
    assert_eq!(tally, [13, 1, 1, 4], "{report:#}");
    assert_eq!(case(&report, "wrong-content-type")["outcome"], "warn");
    assert_eq!(case(&report, "wrong-content-type")["expected"], "415");
    assert_eq!(case(&report, "stale-timestamp")["got"], "-");
}

// ---------------------------------------------------------------------------
// 4. --strict, --case, --skip

#[test]
fn strict_turns_a_warn_into_exit_1() {
    let server = receiver(
        "shopify",
        Bugs {
            wrong_type: Some(400),
            ..Bugs::default()
        },
    );
    let url = server.url("/webhooks/shopify");
    let runs = par_map(vec![false, true], |strict| {
        (
            strict,
            check("shopify", &url, if strict { &["--strict"] } else { &[] }),
        )
    });
    for (strict, out) in runs {
        out.assert_code(if strict { 1 } else { 0 })
            .assert_hides(secret_for("shopify"));
        let stdout = out.stdout();
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("wrong-content-type") && l.contains("warn")),
            "{out}"
        );
        assert_eq!(
            stdout.lines().last(),
            Some("14 passed, 1 warned, 0 failed, 4 skipped"),
            "{out}"
        );
    }
}

#[test]
fn case_runs_only_the_named_cases() {
    let server = receiver("stripe", Bugs::default());
    let (out, report) = check_json(
        "stripe",
        &server.url("/webhooks/stripe"),
        &["--case", "valid", "--case", "duplicate"],
    );
    out.assert_code(0);
    assert_eq!(case_names(&report), ["valid", "duplicate"], "{report:#}");
    assert_eq!(report["summary"]["passed"], 2);
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        3,
        "valid once, duplicate twice: {requests:?}"
    );
    assert!(requests.iter().all(|(m, _)| m == "POST"));
}

#[test]
fn skip_leaves_a_case_out() {
    // This receiver would fail wrong-method; skipping it leaves a clean run.
    let server = receiver(
        "slack",
        Bugs {
            non_post: Some(500),
            ..Bugs::default()
        },
    );
    let (out, report) = check_json(
        "slack",
        &server.url("/webhooks/slack"),
        &["--skip", "wrong-method"],
    );
    out.assert_code(0);
    let names = case_names(&report);
    assert_eq!(names.len(), cases_for("slack").len() - 1, "{report:#}");
    assert!(!names.iter().any(|n| n == "wrong-method"), "{report:#}");
    assert!(
        server.requests().iter().all(|(m, _)| m == "POST"),
        "no GET was sent: {:?}",
        server.requests()
    );
}

// ---------------------------------------------------------------------------
// 5. Transport faults: the cause, no panic

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().unwrap().port()
}

#[test]
fn unreachable_url_exits_3_with_one_line_naming_the_cause() {
    let url = format!("http://127.0.0.1:{}/webhooks/stripe", closed_port());
    let out = check("stripe", &url, &[]);
    out.assert_error(3, &["could not reach", &url])
        .assert_hides(secret_for("stripe"));
    assert!(
        out.stderr().to_lowercase().contains("refused"),
        "the cause is named\n{out}"
    );
    assert!(
        !out.stdout().contains("CASE"),
        "no table of identical failures for a down endpoint\n{out}"
    );
}

#[test]
fn connection_reset_on_every_request_fails_the_cases_with_the_cause() {
    let server = Server::resetting();
    let (out, report) = check_json("github", &server.url("/webhooks/github"), &[]);
    out.assert_code(1).assert_hides(secret_for("github"));
    for c in report["cases"].as_array().unwrap() {
        if c["outcome"] == "skip" {
            continue;
        }
        assert_eq!(c["outcome"], "fail", "{report:#}");
        let got = c["got"].as_str().unwrap().to_lowercase();
        assert!(
            got.contains("reset") || got.contains("closed"),
            "the cause is in got\n{report:#}"
        );
    }
}

#[test]
fn connection_reset_on_every_request_fails_every_case_without_a_panic() {
    let server = Server::resetting();
    let (out, report) = check_json("github", &server.url("/webhooks/github"), &[]);
    out.assert_code(1).assert_hides(secret_for("github"));
    for c in report["cases"].as_array().unwrap() {
        if skipped_for("github").contains(&c["name"].as_str().unwrap()) {
            assert_eq!(c["outcome"], "skip");
            continue;
        }
        assert_eq!(c["outcome"], "fail", "{report:#}");
        let got = c["got"].as_str().unwrap();
        assert!(got.parse::<u16>().is_err() && !got.is_empty(), "{report:#}");
        assert!(c["hint"].is_string(), "{report:#}");
    }
}

#[test]
fn a_receiver_that_never_answers_fails_with_no_answer() {
    let server = Server::http(|_| Reply::Hang);
    let started = Instant::now();
    let (out, report) = check_json(
        "shopify",
        &server.url("/webhooks/shopify"),
        &["--timeout", "1s", "--concurrency", "16"],
    );
    out.assert_code(1).assert_hides(secret_for("shopify"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the timeout is honoured"
    );
    for name in ["valid", "bad-signature", "wrong-method", "response-time"] {
        let c = case(&report, name);
        assert_eq!(c["outcome"], "fail", "{report:#}");
        assert!(
            c["got"].as_str().unwrap().contains("no answer"),
            "{report:#}"
        );
    }
    assert!(
        case(&report, "valid")["hint"]
            .as_str()
            .unwrap()
            .contains("did not answer in time"),
        "{report:#}"
    );
}

#[test]
fn https_to_a_plain_http_receiver_is_a_clear_error() {
    let server = receiver("stripe", Bugs::default());
    let url = format!("https://{}/webhooks/stripe", server.addr);
    let out = check("stripe", &url, &[]);
    out.assert_error(3, &["could not reach", &url])
        .assert_hides(secret_for("stripe"));
    let stderr = out.stderr().to_lowercase();
    assert!(
        [
            "tls",
            "ssl",
            "handshake",
            "corrupt",
            "certificate",
            "invalidcontenttype"
        ]
        .iter()
        .any(|w| stderr.contains(w)),
        "the TLS cause is named\n{out}"
    );
}

// ---------------------------------------------------------------------------
// 6. No secret in any report

#[test]
fn no_secret_in_human_json_or_junit_reports() {
    // Receivers that make check write hints everywhere: forged deliveries
    // accepted, a crash, a wrong secret; plus GitLab, whose secret travels
    // in a header.
    let setups: Vec<(&'static str, Bugs, Option<&str>)> = vec![
        (
            "stripe",
            Bugs {
                no_signature_check: true,
                ..Bugs::default()
            },
            None,
        ),
        ("gitlab", Bugs::default(), Some("another-token")),
        (
            "standard",
            Bugs {
                crash_on_missing_signature: true,
                ..Bugs::default()
            },
            None,
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    par_map(setups, |(provider, bugs, other_secret)| {
        let secret = secret_for(provider);
        let server = receiver_with_secret(provider, other_secret.unwrap_or(secret), bugs);
        let url = server.url(&path_for(provider));
        for format in ["human", "json", "junit"] {
            let file = dir.path().join(format!("{provider}-{format}.out"));
            let file_arg = file.to_str().unwrap().to_string();
            let out = check(provider, &url, &["--format", format]);
            out.assert_code(1).assert_hides(secret);
            let out = check(provider, &url, &["--format", format, "--output", &file_arg]);
            out.assert_code(1).assert_hides(secret);
            let written = std::fs::read_to_string(&file).expect("report file");
            assert!(
                !written.contains(secret),
                "{provider} {format}: the secret leaked into the file\n{written}"
            );
        }
    });
}

// ---------------------------------------------------------------------------
// 7. Plain HTTP to a host that is not loopback gets a note

#[test]
fn plain_http_to_a_non_loopback_host_gets_a_note() {
    // 0.0.0.0 is not a loopback address, yet on Linux connecting to it reaches
    // this machine: the note is shown without any traffic leaving loopback.
    let server = receiver("stripe", Bugs::default());
    let url = format!("http://0.0.0.0:{}/webhooks/stripe", server.addr.port());
    let closed = format!("http://0.0.0.0:{}/webhooks/stripe", closed_port());
    let loopback = server.url("/webhooks/stripe");
    let runs = par_map(vec![url.clone(), closed.clone(), loopback.clone()], |u| {
        (u.clone(), check("stripe", &u, &[]))
    });
    for (u, out) in runs {
        let note = out
            .stdout()
            .lines()
            .find(|l| l.starts_with("note:"))
            .map(str::to_string);
        if u == loopback {
            out.assert_code(0);
            assert_eq!(note, None, "no note for loopback\n{out}");
            continue;
        }
        if u == closed {
            out.assert_error(3, &["could not reach"]);
        } else {
            out.assert_code(0);
        }
        let note = note.unwrap_or_else(|| panic!("a note for {u}\n{out}"));
        assert!(
            note.contains(&u) && note.contains("HTTPS"),
            "the note names the URL and HTTPS\n{out}"
        );
    }
}
