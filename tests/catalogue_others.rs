//! The event catalogues of the "other" providers (everyone but Stripe,
//! GitHub, Shopify, GitLab, Slack and Twitch): every event of each
//! provider's documented list has a fixture, so dropping one fails.
//!
//! The lists are derived by scripts/catalogue/others.py from each provider's
//! own description (SDK typings, OpenAPI spec, docs) and committed, with
//! their source and version, in tests/data/others/events.json.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{hookcli, run};

const PROVIDERS: [&str; 20] = [
    "bitbucket",
    "calendly",
    "clerk",
    "discord",
    "hubspot",
    "intercom",
    "linear",
    "mailgun",
    "paddle",
    "pagerduty",
    "resend",
    "sendgrid",
    "sentry",
    "square",
    "standard",
    "standard-v1a",
    "twilio",
    "typeform",
    "zapier",
    "zoom",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lists() -> BTreeMap<String, Value> {
    let path = root().join("tests/data/others/events.json");
    let text = std::fs::read_to_string(&path).expect("tests/data/others/events.json");
    serde_json::from_str(&text).expect("events.json is JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().expect("a string").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The fixtures of a provider, as files: event name -> document.
fn fixtures(provider: &str) -> BTreeMap<String, Value> {
    let dir: &Path = &root().join("fixtures").join(provider);
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("fixture folder") {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.starts_with('_') {
            continue;
        }
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{provider}/{name}: {e}"));
        let event = doc["event"].as_str().expect("event").to_string();
        assert!(
            out.insert(event.clone(), doc).is_none(),
            "{provider}: two files for {event}"
        );
    }
    out
}

#[test]
fn the_lists_name_every_other_provider_with_source_and_version() {
    let lists = lists();
    let names: BTreeSet<&str> = lists.keys().map(String::as_str).collect();
    assert_eq!(names, PROVIDERS.into_iter().collect::<BTreeSet<_>>());
    for (provider, list) in &lists {
        for field in ["source", "version"] {
            let v = list[field].as_str().unwrap_or_default();
            assert!(!v.is_empty(), "{provider}: no {field}");
        }
        assert!(
            !strings(&list["events"]).is_empty(),
            "{provider}: empty list"
        );
    }
}

#[test]
fn every_documented_event_has_a_fixture() {
    let mut total = 0;
    for (provider, list) in lists() {
        let have = fixtures(&provider);
        let documented = strings(&list["events"]);
        let pending = list["pending"].as_object().cloned().unwrap_or_default();
        let mut wanted = BTreeSet::new();
        for event in &documented {
            if let Some(reason) = pending.get(event) {
                assert!(
                    reason.as_str().is_some_and(|r| !r.is_empty()),
                    "{provider} {event}: pending without a reason"
                );
                continue;
            }
            let fixture = list["fixture_for"][event.as_str()]
                .as_str()
                .unwrap_or(event)
                .to_string();
            assert!(
                have.contains_key(&fixture),
                "{provider}: the documented event {event} has no fixture {fixture}"
            );
            wanted.insert(fixture);
        }
        assert!(
            have.len() >= wanted.len(),
            "{provider}: {} fixtures for {} documented events",
            have.len(),
            wanted.len()
        );
        for (event, doc) in &have {
            let source = doc["source"].as_str().unwrap_or_default();
            assert!(!source.is_empty(), "{provider} {event}: no source");
            assert!(
                doc["description"]
                    .as_str()
                    .is_some_and(|d| d.ends_with('.') || d.ends_with(')')),
                "{provider} {event}: the description is not a sentence"
            );
        }
        total += have.len();
    }
    assert!(total >= 920, "only {total} events in the other catalogues");
}

/// Related ids agree: every `{@entity}` a fixture uses is defined in its
/// provider's `_entities.json`.
#[test]
fn entities_used_are_defined() {
    for provider in PROVIDERS {
        let path = root()
            .join("fixtures")
            .join(provider)
            .join("_entities.json");
        let defined: BTreeSet<String> = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<BTreeMap<String, Value>>(&text)
                .expect("_entities.json")
                .into_keys()
                .collect(),
            Err(_) => BTreeSet::new(),
        };
        for (event, doc) in fixtures(provider) {
            let mut templates: Vec<&str> = Vec::new();
            for section in ["fresh", "headers"] {
                if let Some(map) = doc[section].as_object() {
                    templates.extend(map.values().filter_map(Value::as_str));
                }
            }
            for t in templates {
                for part in t.split("{@").skip(1) {
                    let name = part.split('}').next().unwrap_or_default();
                    assert!(
                        defined.contains(name),
                        "{provider} {event}: entity {name} is not in _entities.json"
                    );
                }
            }
        }
    }
}

/// What the binary embeds is what the files say: `providers --json` lists
/// every fixture of these providers.
#[test]
fn the_binary_lists_every_fixture() {
    let out = run(hookcli().args(["providers", "--json"]));
    out.assert_code(0);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("providers --json is JSON");
    let listed: BTreeMap<String, BTreeSet<String>> = doc["providers"]
        .as_array()
        .expect(".providers")
        .iter()
        .map(|p| {
            let events = p["events"]
                .as_array()
                .expect(".events")
                .iter()
                .map(|e| e["name"].as_str().expect(".name").to_string())
                .collect();
            (p["name"].as_str().expect(".name").to_string(), events)
        })
        .collect();
    for provider in PROVIDERS {
        let files: BTreeSet<String> = fixtures(provider).into_keys().collect();
        assert_eq!(listed.get(provider), Some(&files), "{provider}");
    }
}

/// Twilio's callbacks are named apart now (`sms.status.delivered`...), and
/// the names it had before still send: `sms.status` picks the delivered
/// status callback, its primary.
#[test]
fn twilio_names_from_before_still_send() {
    let cases = [
        ("sms.incoming", "SmsStatus=received"),
        ("sms.status", "MessageStatus=delivered"),
        ("voice.call", "Direction=inbound"),
        ("voice.status", "CallStatus=completed"),
    ];
    for (event, needle) in cases {
        let out = run(hookcli()
            .args(["send", "--provider", "twilio", "--event", event, "--print"])
            .args(["--secret", "twilio-auth-token"]));
        out.assert_code(0);
        assert!(out.stdout().contains(needle), "{event}: {out}");
    }
}
