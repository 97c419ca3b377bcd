//! GitHub's event catalogue (fixtures/github/, written by
//! scripts/catalogue/github.mjs) against Octokit's published JSON Schema of
//! every webhook payload, committed with its version and licence under
//! tests/data/github/: every fixture, rendered with fresh values as a send
//! renders it, validates against the definition of its event and action; every
//! event/action the schema defines has a fixture; the flows' steps validate and
//! agree with each other.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use hookcli::fixture::{self, Fixture, Payload, Rendered, Session, flow};
use hookcli::provider::SignContext;
use jsonschema::{Registry, Validator};
use serde_json::Value;

const SCHEMA: &str = include_str!("data/github/schema.json");
const PAIRS: &str = include_str!("data/github/pairs.json");
const BASE: &str = "urn:hookcli:octokit-webhooks-schemas";

/// The one contradiction in @octokit/webhooks-schemas 7.6.1:
/// `secret-scanning-location` says `additionalProperties: false` beside a
/// `oneOf` of its shapes and no `properties` of its own, so under draft-07 no
/// location that has any property validates (its own branches require `type`
/// and `details`). The schema is read without that one keyword;
/// `the_schema_correction_is_needed_and_only_there` shows it is needed.
const CORRECTIONS: [(&str, &str); 1] = [("secret-scanning-location", "additionalProperties")];

fn schema(corrected: bool) -> Value {
    let mut doc: Value = serde_json::from_str(SCHEMA).unwrap();
    if corrected {
        for (def, key) in CORRECTIONS {
            let removed = doc["definitions"][def].as_object_mut().unwrap().remove(key);
            assert!(
                removed.is_some(),
                "{def} no longer has {key}: drop the correction"
            );
        }
    }
    doc
}

static CORRECTED: LazyLock<Value> = LazyLock::new(|| schema(true));

/// The schema, as corrected and as published, as the one resource
/// definitions are referenced in.
static REGISTRIES: LazyLock<[Registry<'static>; 2]> = LazyLock::new(|| {
    [schema(true), schema(false)]
        .map(|doc| Registry::new().add(BASE, doc).unwrap().prepare().unwrap())
});

/// A validator for one definition (`pull_request$closed`, `push$event`),
/// formats checked, with the whole document as the resource it lives in.
fn validator(corrected: bool, def: &str) -> Validator {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .with_registry(&REGISTRIES[usize::from(!corrected)])
        .build(&serde_json::json!({ "$ref": format!("{BASE}#/definitions/{def}") }))
        .unwrap_or_else(|e| panic!("{def}: {e}"))
}

/// Validators by definition, built once per test run.
#[derive(Default)]
struct Validators {
    built: BTreeMap<String, Validator>,
}

impl Validators {
    fn errors(&mut self, def: &str, body: &Value) -> Vec<String> {
        self.built
            .entry(def.to_string())
            .or_insert_with(|| validator(true, def))
            .iter_errors(body)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .take(5)
            .collect()
    }
}

fn ctx(n: usize) -> SignContext {
    SignContext {
        timestamp: 1_764_000_000 + n as i64,
        id: format!("72d3162e-cc78-11e3-81ab-4c9367dc{n:04}"),
    }
}

/// A fixture rendered as one send renders it: fresh values, its own entities.
fn send(f: &Fixture, n: usize) -> Rendered {
    f.render(&ctx(n))
}

fn body(r: &Rendered) -> &Value {
    match &r.payload {
        Payload::Json(v) => v,
        Payload::Form(_) => panic!("GitHub sends JSON"),
    }
}

fn header<'a>(r: &'a Rendered, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The schema definition a delivery is described by: its `X-GitHub-Event`
/// and body `action` (`repository_dispatch`'s action is free: `$event`).
fn definition(r: &Rendered, defs: &Value) -> String {
    let event = header(r, "X-GitHub-Event").expect("X-GitHub-Event");
    match body(r)["action"].as_str() {
        Some(action) if defs.get(format!("{event}${action}")).is_some() => {
            format!("{event}${action}")
        }
        _ => format!("{event}$event"),
    }
}

/// Every event/action definition the schema's top-level `oneOf` names.
fn schema_pairs(doc: &Value) -> BTreeSet<String> {
    let name = |r: &Value| {
        r["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/definitions/")
            .to_string()
    };
    let mut out = BTreeSet::new();
    for top in doc["oneOf"].as_array().unwrap() {
        let top = name(top);
        match doc["definitions"][&top]["oneOf"].as_array() {
            Some(actions) if top.ends_with("_event") => out.extend(actions.iter().map(name)),
            _ => {
                out.insert(top);
            }
        }
    }
    out
}

#[test]
fn every_github_fixture_validates_against_octokit_schema() {
    let doc = &*CORRECTED;
    let mut validators = Validators::default();
    let fixtures = fixture::for_provider("github");
    assert!(fixtures.len() >= 200, "{} fixtures", fixtures.len());
    let mut failures = Vec::new();
    for (n, f) in fixtures.iter().enumerate() {
        // Twice: fresh values differ between sends, and each must validate.
        for round in 0..2 {
            let r = send(f, n * 2 + round);
            let def = definition(&r, &doc["definitions"]);
            let errors = validators.errors(&def, body(&r));
            if !errors.is_empty() {
                failures.push(format!("{} ({def}): {}", f.event, errors.join("; ")));
                break;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures do not validate:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_event_and_action_of_the_schema_has_a_fixture() {
    let doc = &*CORRECTED;
    let listed: Value = serde_json::from_str(PAIRS).unwrap();
    let listed: BTreeSet<String> = listed["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    // The generator's list is the schema's, whole.
    assert_eq!(listed, schema_pairs(doc));
    assert!(listed.len() >= 220, "{} pairs", listed.len());

    let fixtures = fixture::for_provider("github");
    let covered: BTreeSet<String> = fixtures
        .iter()
        .map(|f| definition(&send(f, 0), &doc["definitions"]))
        .collect();
    let missing: Vec<&String> = listed.difference(&covered).collect();
    // No exclusions: every pair has its fixture.
    assert!(missing.is_empty(), "no fixture for {missing:?}");
    assert_eq!(fixtures.len(), listed.len(), "one fixture per pair");
}

#[test]
fn the_schema_correction_is_needed_and_only_there() {
    let location = fixture::find("github", "secret_scanning_alert_location.created").unwrap();
    let r = send(&location, 1);
    let errors: Vec<String> = validator(false, "secret_scanning_alert_location$created")
        .iter_errors(body(&r))
        .map(|e| e.instance_path().to_string())
        .collect();
    assert!(
        !errors.is_empty(),
        "the schema as published accepts it now: drop the correction"
    );
    assert!(errors.iter().all(|p| p == "/location"), "{errors:?}");
}

#[test]
fn github_headers_name_the_event_and_the_hook() {
    for f in fixture::for_provider("github") {
        let r = send(&f, 2);
        let event = header(&r, "X-GitHub-Event").unwrap();
        assert!(
            f.event == event || f.event.starts_with(&format!("{event}.")),
            "{}",
            f.event
        );
        let hook = header(&r, "X-GitHub-Hook-ID").unwrap();
        assert!(hook.parse::<u64>().is_ok(), "{}: {hook}", f.event);
        let target = header(&r, "X-GitHub-Hook-Installation-Target-ID").unwrap();
        let kind = header(&r, "X-GitHub-Hook-Installation-Target-Type").unwrap();
        let b = body(&r);
        match kind {
            "repository" => assert_eq!(target, b["repository"]["id"].to_string(), "{}", f.event),
            "organization" => {
                assert_eq!(target, b["organization"]["id"].to_string(), "{}", f.event)
            }
            "integration" | "marketplace::listing" | "sponsors_listing" => {
                assert!(target.parse::<u64>().is_ok(), "{}", f.event)
            }
            other => panic!("{}: target type {other}", f.event),
        }
        // The provider adds these itself.
        assert!(header(&r, "X-GitHub-Delivery").is_none(), "{}", f.event);
        assert!(header(&r, "User-Agent").is_none(), "{}", f.event);
    }
}

#[test]
fn the_former_github_events_still_resolve() {
    let cases = [
        ("push", "push"),
        ("ping", "ping"),
        ("pull_request", "pull_request.opened"),
        ("issues", "issues.opened"),
        ("release", "release.published"),
        ("workflow_run", "workflow_run.completed"),
        ("check_run", "check_run.completed"),
        ("pull_request.closed", "pull_request.closed"),
    ];
    for (asked, got) in cases {
        assert_eq!(fixture::find("github", asked).unwrap().event, got);
    }
    assert_eq!(fixture::default_event("github"), Some("push"));
    // Every event with actions marks exactly one of them primary.
    let mut primaries: BTreeMap<String, usize> = BTreeMap::new();
    for f in fixture::for_provider("github") {
        if let Some((event, _)) = f.event.split_once('.') {
            *primaries.entry(event.to_string()).or_default() += usize::from(f.primary);
        }
    }
    for (event, n) in primaries {
        assert_eq!(n, 1, "{event} has {n} primary actions");
    }
}

/// One flow's bodies, rendered as `send --flow` renders them: one session
/// for every step, then the step's edits (which may name its entities).
fn render_flow(name: &str, all: &[Fixture]) -> Vec<(String, Value)> {
    let flow = flow::find("github", name).unwrap();
    let mut session = Session::new("github");
    let mut out = Vec::new();
    for (n, step) in flow.steps.iter().enumerate() {
        let f = all.iter().find(|f| f.event == step.event).unwrap();
        let mut r = f.render_in(&ctx(n), &mut session);
        for edit in step.edits(&mut session, &ctx(n)) {
            r.apply(&edit).unwrap();
        }
        out.push((step.event.clone(), body(&r).clone()));
    }
    out
}

#[test]
fn github_flows_validate_and_agree() {
    let mut validators = Validators::default();
    let all = fixture::for_provider("github");
    let names: Vec<String> = flow::flows("github").into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["pull-request", "push-ci", "issue"]);
    for name in &names {
        for (event, b) in render_flow(name, &all) {
            let (e, a) = event.split_once('.').unwrap_or((&event, "event"));
            let errors = validators.errors(&format!("{e}${a}"), &b);
            assert!(errors.is_empty(), "{name}: {event}: {errors:?}");
        }
    }

    let same = |steps: &[(String, Value)], what: &str, f: &dyn Fn(&Value) -> Option<Value>| {
        let seen: BTreeSet<String> = steps
            .iter()
            .filter_map(|(_, b)| f(b))
            .map(|v| v.to_string())
            .collect();
        assert_eq!(seen.len(), 1, "{what}: {seen:?}");
    };
    let at = |b: &Value, p: &str| b.pointer(p).filter(|v| !v.is_null()).cloned();

    let pr = render_flow("pull-request", &all);
    let order: Vec<&str> = pr.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        order,
        [
            "pull_request.opened",
            "pull_request.synchronize",
            "pull_request_review.submitted",
            "pull_request.closed"
        ]
    );
    same(&pr, "repository", &|b| at(b, "/repository/id"));
    same(&pr, "pull request number", &|b| {
        at(b, "/pull_request/number")
    });
    same(&pr, "pull request id", &|b| at(b, "/pull_request/id"));
    // The second push moves the head: opened saw the commit before it.
    let head = |i: usize| pr[i].1["pull_request"]["head"]["sha"].clone();
    assert_eq!(pr[1].1["before"], head(0));
    assert_eq!(pr[1].1["after"], head(1));
    assert_ne!(head(0), head(1));
    assert_eq!(pr[2].1["review"]["commit_id"], head(1));
    assert_eq!(head(3), head(1));
    assert_eq!(pr[3].1["pull_request"]["merged"], true);

    let ci = render_flow("push-ci", &all);
    same(&ci, "repository", &|b| at(b, "/repository/id"));
    same(&ci, "head commit", &|b| {
        at(b, "/after")
            .or_else(|| at(b, "/check_suite/head_sha"))
            .or_else(|| at(b, "/check_run/head_sha"))
            .or_else(|| at(b, "/workflow_run/head_sha"))
    });
    same(&ci, "check suite", &|b| {
        at(b, "/check_suite/id")
            .or_else(|| at(b, "/check_run/check_suite/id"))
            .or_else(|| at(b, "/workflow_run/check_suite_id"))
    });
    same(&ci, "check run", &|b| at(b, "/check_run/id"));
    same(&ci, "workflow run", &|b| at(b, "/workflow_run/id"));
    same(&ci, "branch", &|b| {
        at(b, "/ref")
            .and_then(|r| Some(Value::from(r.as_str()?.strip_prefix("refs/heads/")?)))
            .or_else(|| at(b, "/check_suite/head_branch"))
            .or_else(|| at(b, "/check_run/check_suite/head_branch"))
            .or_else(|| at(b, "/workflow_run/head_branch"))
    });

    let issue = render_flow("issue", &all);
    same(&issue, "repository", &|b| at(b, "/repository/id"));
    same(&issue, "issue number", &|b| at(b, "/issue/number"));
    same(&issue, "issue id", &|b| at(b, "/issue/id"));
    assert_eq!(issue.last().unwrap().1["issue"]["state"], "closed");
}
