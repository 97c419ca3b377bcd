//! The catalogue as a user drives it: event globs and series, flows end
//! to end against a real receiver, `--base`, and `providers P [GLOB]`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{Receiver, hookcli, run};
use crate::send::{carried, json_body, receiver, send, tag, url_for};

/// A provider's flows as `providers P --json` lists them: name and steps.
fn flows(provider: &str) -> Vec<(String, Vec<String>)> {
    let out = run(hookcli().args(["providers", provider, "--json"]));
    out.assert_code(0);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["providers"][0]["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let steps = f["steps"].as_array().unwrap();
            (
                f["name"].as_str().unwrap().to_string(),
                steps
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// Every string in a document that starts with `prefix` (Stripe's id
/// prefixes: `cus_`, `sub_`…), wherever it stands.
fn ids_with(doc: &Value, prefix: &str, into: &mut BTreeSet<String>) {
    match doc {
        Value::String(s) if s.starts_with(prefix) => {
            into.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| ids_with(v, prefix, into)),
        Value::Object(map) => map.values().for_each(|v| ids_with(v, prefix, into)),
        _ => {}
    }
}

/// Sends every flow of a provider to the independent receiver: each step
/// arrives verified, in the flow's order, and the summary names each one.
fn run_flows(provider: &str) -> Vec<(String, Vec<Value>)> {
    let receiver = receiver();
    let all = flows(provider);
    assert!(!all.is_empty(), "{provider} has flows");
    let mut bodies = Vec::new();
    for (name, steps) in all {
        let t = tag();
        let out = send(
            provider,
            &url_for(&receiver, provider, &t),
            &["--flow", &name],
        );
        out.assert_code(0);
        let got: Vec<_> = receiver
            .hits()
            .into_iter()
            .filter(|h| h.request.query("run").as_deref() == Some(t.as_str()))
            .collect();
        assert_eq!(got.len(), steps.len(), "{provider} flow {name}");
        for (hit, step) in got.iter().zip(&steps) {
            assert_eq!(
                hit.status,
                200,
                "{provider} {name} {step}: {}",
                hit.answer()
            );
            let (event, _) = carried(provider, &hit.request);
            assert_eq!(&event, step, "{provider} flow {name}: steps in order");
        }
        assert!(
            out.stdout().contains(&format!(
                "flow {name}: {n} of {n} as expected",
                n = steps.len()
            )),
            "{out}"
        );
        bodies.push((name, got.iter().map(|h| json_body(&h.request)).collect()));
    }
    bodies
}

#[test]
fn stripe_flows_arrive_in_order_with_one_customer_throughout() {
    for (name, bodies) in run_flows("stripe") {
        for prefix in ["cus_", "sub_", "in_"] {
            let mut seen = BTreeSet::new();
            bodies.iter().for_each(|b| ids_with(b, prefix, &mut seen));
            assert!(seen.len() <= 1, "stripe flow {name}: {prefix} ids {seen:?}");
        }
        let mut events = BTreeSet::new();
        bodies
            .iter()
            .for_each(|b| ids_with(&b["id"], "evt_", &mut events));
        assert_eq!(events.len(), bodies.len(), "{name}: every event its own id");
    }
    let signup = run_flows("stripe")
        .into_iter()
        .find(|(n, _)| n == "subscription-signup")
        .expect("a subscription-signup flow");
    let mut customers = BTreeSet::new();
    signup
        .1
        .iter()
        .for_each(|b| ids_with(b, "cus_", &mut customers));
    assert_eq!(customers.len(), 1, "one customer signs up: {customers:?}");
}

#[test]
fn github_and_shopify_flows_keep_their_repository_and_order() {
    for (name, bodies) in run_flows("github") {
        let repos: BTreeSet<String> = bodies
            .iter()
            .map(|b| b["repository"]["id"].to_string())
            .collect();
        assert_eq!(
            repos.len(),
            1,
            "github flow {name}: one repository, got {repos:?}"
        );
    }
    for (name, bodies) in run_flows("shopify") {
        assert!(!bodies.is_empty(), "shopify flow {name}");
    }
}

#[test]
fn flow_alone_lists_the_flows_and_an_unknown_one_names_the_closest() {
    let out = run(hookcli().args(["send", "--provider", "stripe", "--flow"]));
    out.assert_code(0);
    assert!(out.stdout().contains("subscription-signup"), "{out}");
    assert!(out.stdout().contains("customer.created"), "{out}");
    let receiver = Receiver::start(|_| (200, vec![]));
    let url = receiver.url();
    let out = send("stripe", &url, &["--flow", "subscription-signon"]);
    out.assert_error(2, &["did you mean subscription-signup"]);
    assert_eq!(receiver.hit_count(), 0, "nothing sent");
}

/// A glob sends a series in name order; one refused event makes the exit 1,
/// and the summary says which.
#[test]
fn a_glob_sends_a_series_and_a_refusal_fails_the_run() {
    let receiver = Receiver::start(|req| {
        let doc: Value = serde_json::from_slice(&req.body).unwrap();
        match doc["type"].as_str() {
            Some("customer.subscription.deleted") => (500, b"boom".to_vec()),
            _ => (200, b"ok".to_vec()),
        }
    });
    let out = send(
        "stripe",
        &receiver.url(),
        &[
            "--event",
            "customer.subscription.*",
            "--event",
            "invoice.paid",
        ],
    );
    out.assert_code(1);
    let types: Vec<String> = receiver
        .requests()
        .iter()
        .map(|r| json_body(r)["type"].as_str().unwrap().to_string())
        .collect();
    assert!(types.len() > 2, "{types:?}");
    assert_eq!(types.last().map(String::as_str), Some("invoice.paid"));
    let globbed = &types[..types.len() - 1];
    assert!(
        globbed
            .iter()
            .all(|t| t.starts_with("customer.subscription."))
    );
    assert!(globbed.is_sorted(), "{globbed:?}");
    let stdout = out.stdout();
    assert!(
        stdout.contains(&format!(
            "series: {} of {} as expected",
            types.len() - 1,
            types.len()
        )),
        "{out}"
    );
    assert!(
        stdout.contains("customer.subscription.deleted  500"),
        "{out}"
    );
}

/// `--json` gives one line per step and a summary; `--expect-status` is
/// judged per step.
#[test]
fn flow_json_lines_and_expect_status() {
    let receiver = Receiver::start(|_| (202, b"queued".to_vec()));
    let out = send(
        "stripe",
        &receiver.url(),
        &["--flow", "refund", "--json", "--expect-status", "202"],
    );
    out.assert_code(0);
    let lines: Vec<Value> = out
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (summary, steps) = lines.split_last().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["flow"], "refund");
    assert_eq!(summary["sent"], steps.len());
    assert_eq!(summary["ok"], steps.len());
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["type"], "send");
        assert_eq!(s["step"], i + 1);
        assert_eq!(s["response"]["status"], 202);
    }
    let out = send(
        "stripe",
        &receiver.url(),
        &["--flow", "refund", "--expect-status", "200"],
    );
    out.assert_code(1);
}

/// `--delay` spaces the steps out (a lower bound only: sleeping is never shorter).
#[test]
fn delay_spaces_the_steps() {
    let receiver = Receiver::start(|_| (200, vec![]));
    let started = std::time::Instant::now();
    let out = send(
        "stripe",
        &receiver.url(),
        &["--flow", "refund", "--delay", "150ms"],
    );
    out.assert_code(0);
    let steps = receiver.hit_count();
    assert!(steps >= 2);
    assert!(started.elapsed() >= std::time::Duration::from_millis(150 * (steps as u64 - 1)));
}

/// `--base` puts the user's fields over the generated event; everything it
/// does not name stays as generated, and the result still verifies.
#[test]
fn base_merges_over_the_generated_event_and_still_verifies() {
    let receiver = receiver();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    std::fs::write(
        &base,
        br#"{"data": {"object": {"amount_paid": 4242, "metadata": {"plan": "team"}}}}"#,
    )
    .unwrap();
    let t = tag();
    let out = send(
        "stripe",
        &url_for(&receiver, "stripe", &t),
        &[
            "--event",
            "invoice.paid",
            "--base",
            base.to_str().unwrap(),
            "--set",
            "data.object.currency=eur",
        ],
    );
    out.assert_code(0);
    let hit = receiver.hits().pop().unwrap();
    assert_eq!(hit.status, 200, "{}", hit.answer());
    let doc = json_body(&hit.request);
    let invoice = &doc["data"]["object"];
    assert_eq!(invoice["amount_paid"], 4242);
    assert_eq!(invoice["metadata"]["plan"], "team");
    assert_eq!(invoice["currency"], "eur", "--set wins last");
    assert_eq!(invoice["object"], "invoice", "the rest stays generated");
    assert!(invoice["customer"].as_str().unwrap().starts_with("cus_"));

    std::fs::write(&base, b"[1]").unwrap();
    let out = send(
        "stripe",
        &receiver.url(),
        &["--base", base.to_str().unwrap()],
    );
    out.assert_error(2, &["must be a JSON object"]);
}

#[test]
fn providers_lists_one_providers_events_and_filters_them() {
    let out = run(hookcli().args(["providers", "stripe", "charge.*"]));
    out.assert_code(0);
    let stdout = out.stdout();
    assert!(stdout.contains("charge.refunded"), "{out}");
    assert!(!stdout.contains("invoice.paid"), "{out}");
    let out = run(hookcli().args(["providers", "stripe"]));
    assert!(out.stdout().contains("subscription-signup"), "{out}");
    let out = run(hookcli().args(["providers", "stripe", "nvoice.*"]));
    out.assert_error(2, &["no event matching"]);
    let out = run(hookcli().args(["providers"]));
    assert!(
        out.stdout().contains("hookcli providers stripe lists them"),
        "{out}"
    );
}

/// `--event EVENT` alone picks the event's primary action.
#[test]
fn an_event_without_its_action_picks_the_primary_one() {
    let receiver = Receiver::start(|_| (200, vec![]));
    let out = send("github", &receiver.url(), &["--event", "pull_request"]);
    out.assert_code(0);
    let req = receiver.requests().pop().unwrap();
    assert_eq!(req.header("x-github-event"), Some("pull_request"));
    assert_eq!(json_body(&req)["action"], "opened");
}
