//! One glob language for event patterns: `listen --route PROVIDER:GLOB=URL`
//! (matched in Rust) picks exactly the deliveries that `list --event GLOB`
//! and `replay --all --event GLOB` (matched by SQLite's GLOB) select.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{Listen, Receiver, hookcli, run};

const SECRET: &str = "whsec_glob_agree_secret_0123456789";

const EVENTS: &[&str] = &[
    "invoice.paid",
    "invoice.payment_failed",
    "charge.refunded",
    "charge.succeeded",
    "charge.captured",
    "customer.created",
];

/// The event types in the bodies an app received.
fn events_seen(app: &Receiver) -> BTreeSet<String> {
    app.requests()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).expect("JSON body");
            body["type"].as_str().expect("type").to_string()
        })
        .collect()
}

#[test]
fn route_globs_select_what_list_and_replay_event_select() {
    let store = tempfile::tempdir().unwrap();
    let question = Receiver::start(|_| (200, vec![]));
    let class = Receiver::start(|_| (200, vec![]));
    let rest = Receiver::start(|_| (200, vec![]));
    let patterns = [("invoice.pai?", &question), ("charge.[rs]*", &class)];
    let mut args = Vec::new();
    for (glob, app) in patterns {
        args.push("--route".to_string());
        args.push(format!("stripe:{glob}={}", app.url()));
    }
    args.extend(["--forward-to".to_string(), rest.url()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let listen = Listen::start(store.path(), &args, &[]);
    for event in EVENTS {
        run(hookcli()
            .args(["send", "--provider", "stripe", "--event", event])
            .args(["--secret", SECRET, "--url", listen.url()]))
        .assert_code(0);
    }
    assert_eq!(
        events_seen(&question),
        BTreeSet::from(["invoice.paid".to_string()]),
        "`?` is exactly one character"
    );
    assert_eq!(
        events_seen(&class),
        BTreeSet::from([
            "charge.refunded".to_string(),
            "charge.succeeded".to_string()
        ]),
    );
    assert_eq!(events_seen(&rest).len(), 3);

    for (glob, app) in patterns {
        let listed = run(hookcli()
            .args(["list", "--json", "--event", glob, "--store"])
            .arg(store.path()));
        listed.assert_code(0);
        let listed: BTreeSet<String> = listed
            .stdout()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                v["event_type"].as_str().expect("event_type").to_string()
            })
            .collect();
        assert_eq!(listed, events_seen(app), "list --event {glob:?}");

        let target = Receiver::start(|_| (200, vec![]));
        run(hookcli()
            .args(["replay", "--all", "--event", glob, "--to"])
            .arg(target.url())
            .arg("--store")
            .arg(store.path()))
        .assert_code(0);
        assert_eq!(
            events_seen(&target),
            events_seen(app),
            "replay --event {glob:?}"
        );
    }
}
