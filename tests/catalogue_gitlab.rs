//! GitLab's catalogue: every webhook event type of GitLab's "Webhook events"
//! page (tests/data/gitlab/events.json, derived from it by
//! scripts/catalogue/gitlab.py) has a fixture, forged by the real binary with
//! the headers GitLab sends and a body shaped like the page's example; every
//! payload example with a name of its own (`object_kind`, else `event_name`:
//! each member, project and subgroup variant) has its own fixture.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::catalogue_shopify::{listed_events, split_printed};
use crate::common::{hookcli, run};

const SECRET_VAR: &str = "HOOKCLI_TEST_GITLAB_SECRET";
const SECRET: &str = "gitlab-secret-token-Zq8Lr2";

fn data() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/gitlab/events.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_documented_event_type_has_a_fixture() {
    let data = data();
    let types = data["event_types"].as_array().unwrap();
    // 15 for project and group webhooks, 3 for group webhooks only.
    assert!(types.len() >= 18, "{} event types", types.len());
    let listed: BTreeSet<String> = listed_events("gitlab").into_iter().collect();
    for t in types {
        let events = strings(&t["events"]);
        assert!(!events.is_empty(), "{} has no example", t["name"]);
        for e in events {
            assert!(listed.contains(&e), "{}: no fixture {e}", t["name"]);
        }
    }
    let events = strings(&data["events"]);
    // 16 object kinds, 5 member, 2 project and 2 subgroup event names.
    assert!(events.len() >= 25, "{} events", events.len());
    assert!(listed.len() >= events.len());
    for e in &events {
        assert!(listed.contains(e), "no fixture {e}");
    }
    for e in ["push", "merge_request", "pipeline"] {
        assert!(listed.contains(e), "{e}");
    }
}

#[test]
fn every_documented_variant_has_its_own_fixture_unless_it_shares_a_name() {
    let data = data();
    let examples = data["examples"].as_array().unwrap();
    // 28 on the page (+ the work item derived from the issue).
    assert!(examples.len() >= 29, "{} examples", examples.len());
    let events: BTreeSet<String> = strings(&data["events"]).into_iter().collect();
    let listed: BTreeSet<String> = listed_events("gitlab").into_iter().collect();
    let name = |e: &Value| e["event"].as_str().unwrap().to_string();
    let carried: Vec<String> = examples
        .iter()
        .filter(|e| e["fixture"] == true)
        .map(name)
        .collect();
    // One fixture per name, and every name is carried by one example.
    assert_eq!(carried.len(), events.len(), "{carried:?}");
    assert_eq!(carried.iter().cloned().collect::<BTreeSet<_>>(), events);
    let mut shared = BTreeSet::new();
    for e in examples {
        let event = name(e);
        assert!(listed.contains(&event), "no fixture {event}");
        if e["fixture"] != true {
            // Only a variant whose name another example already carries.
            assert!(carried.contains(&event), "{event} {}", e["variant"]);
            shared.insert(event);
        }
    }
    // The comment examples (commit, merge request, issue, snippet) are all
    // `note`; the project and group access token examples both `access_token`.
    assert_eq!(
        shared.into_iter().collect::<Vec<_>>(),
        ["access_token", "note"]
    );
    // The group-only hooks: every example of the section is its own event.
    for t in data["event_types"].as_array().unwrap() {
        if t["webhooks"] != "group" {
            continue;
        }
        let section: Vec<&Value> = examples
            .iter()
            // The section's heading is the type's link anchor.
            .filter(|e| {
                e["section"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .replace(' ', "-")
                    == t["anchor"]
            })
            .collect();
        assert!(
            section.len() >= 2,
            "{}: {} examples",
            t["name"],
            section.len()
        );
        assert_eq!(strings(&t["events"]).len(), section.len(), "{}", t["name"]);
        assert!(
            section.iter().all(|e| e["fixture"] == true),
            "{}",
            t["name"]
        );
    }
}

#[test]
fn every_event_forges_with_gitlab_headers_and_the_documented_shape() {
    let data = data();
    let mut failures = Vec::new();
    for example in data["examples"].as_array().unwrap() {
        if example["fixture"] != true {
            continue;
        }
        let event = example["event"].as_str().unwrap();
        let mut cmd = hookcli();
        cmd.args(["send", "--provider", "gitlab", "--event", event, "--print"])
            .args([
                "--url",
                "http://127.0.0.1:9/hooks",
                "--secret-env",
                SECRET_VAR,
            ])
            .env(SECRET_VAR, SECRET);
        let out = run(&mut cmd);
        if out.code != Some(0) {
            failures.push(format!("{event}: {}", out.stderr()));
            continue;
        }
        let (headers, body) = split_printed(&out.stdout);
        let header = |n: &str| headers.get(n).cloned().unwrap_or_default();
        if header("x-gitlab-event") != example["header"].as_str().unwrap() {
            failures.push(format!(
                "{event}: X-Gitlab-Event {:?}",
                header("x-gitlab-event")
            ));
        }
        for h in [
            "x-gitlab-event-uuid",
            "x-gitlab-webhook-uuid",
            "x-gitlab-instance",
        ] {
            if header(h).is_empty() {
                failures.push(format!("{event}: no {h}"));
            }
        }
        if header("x-gitlab-token") != SECRET {
            failures.push(format!("{event}: X-Gitlab-Token"));
        }
        let doc: Value = serde_json::from_slice(&body).unwrap();
        for key in strings(&example["keys"]) {
            if doc.get(&key).is_none() {
                failures.push(format!("{event}: the documented field {key} is missing"));
            }
        }
        // What hookcli reads back as the event: object_kind, else
        // event_name, else the header.
        let name = doc["object_kind"]
            .as_str()
            .or_else(|| doc["event_name"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| header("x-gitlab-event"));
        if name != event {
            failures.push(format!("{event}: reads back as {name}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
