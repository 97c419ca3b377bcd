//! Shopify's catalogue: every webhook topic of the Admin API version in
//! tests/data/shopify/topics.json is a fixture, the real binary forges each
//! with the headers Shopify sends, and each body validates against the JSON
//! Schema inferred from Shopify's own example of that topic
//! (tests/data/shopify/schemas-*.json). The fixtures' ids agree along the
//! flows in fixtures/shopify/_flows.json.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::common::{hookcli, run};

const SECRET_VAR: &str = "HOOKCLI_TEST_SHOPIFY_SECRET";
const SECRET: &str = "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";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn topics() -> (String, Vec<String>) {
    let data = read_json(&root().join("tests/data/shopify/topics.json"));
    let version = data["api_version"].as_str().unwrap().to_string();
    let topics = data["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    (version, topics)
}

/// The events `hookcli providers --json` lists for a provider.
pub(crate) fn listed_events(provider: &str) -> Vec<String> {
    let out = run(hookcli().args(["providers", "--json"]));
    out.assert_code(0);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == provider)
        .unwrap_or_else(|| panic!("no provider {provider}"))["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// `hookcli send --print` output: header lines, a blank line, the body.
pub(crate) fn split_printed(printed: &[u8]) -> (BTreeMap<String, String>, Vec<u8>) {
    let split = printed
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("a blank line after the headers");
    let head = std::str::from_utf8(&printed[..split]).unwrap();
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    let length: usize = headers["content-length"].parse().unwrap();
    let body = printed[split + 2..split + 2 + length].to_vec();
    (headers, body)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[test]
fn every_topic_of_the_api_version_is_a_fixture() {
    let (version, topics) = topics();
    assert!(topics.len() >= 200, "{} topics", topics.len());
    let listed: BTreeSet<String> = listed_events("shopify").into_iter().collect();
    let missing: Vec<&String> = topics.iter().filter(|t| !listed.contains(*t)).collect();
    assert!(
        missing.is_empty(),
        "topics of API {version} without a fixture: {missing:?}"
    );
    assert!(listed.len() >= topics.len());
    // The fixtures written before the catalogue still exist.
    for t in [
        "orders/create",
        "orders/paid",
        "products/update",
        "app/uninstalled",
    ] {
        assert!(listed.contains(t), "{t}");
    }
}

#[test]
fn every_topic_forges_with_shopify_headers_and_validates_against_its_schema() {
    let (version, topics) = topics();
    let schemas = read_json(&root().join(format!("tests/data/shopify/schemas-{version}.json")));
    let failures: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<&[String]> = topics.chunks(topics.len().div_ceil(4)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let schemas = &schemas;
                let version = &version;
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for topic in chunk {
                        if let Err(e) = forge_and_check(topic, version, schemas) {
                            failures.push(format!("{topic}: {e}"));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn forge_and_check(topic: &str, version: &str, schemas: &Value) -> Result<(), String> {
    let mut cmd = hookcli();
    cmd.args(["send", "--provider", "shopify", "--event", topic, "--print"])
        .args([
            "--url",
            "http://127.0.0.1:9/hooks",
            "--secret-env",
            SECRET_VAR,
        ])
        .env(SECRET_VAR, SECRET);
    let out = run(&mut cmd);
    if out.code != Some(0) {
        return Err(format!("send failed: {}", out.stderr()));
    }
    let (headers, body) = split_printed(&out.stdout);
    let header = |name: &str| headers.get(name).map(String::as_str).unwrap_or_default();
    if header("x-shopify-topic") != topic {
        return Err(format!("X-Shopify-Topic {:?}", header("x-shopify-topic")));
    }
    if header("x-shopify-api-version") != version {
        return Err(format!(
            "X-Shopify-API-Version {:?}",
            header("x-shopify-api-version")
        ));
    }
    if !header("x-shopify-shop-domain").ends_with(".myshopify.com") {
        return Err("X-Shopify-Shop-Domain".into());
    }
    for id in ["x-shopify-webhook-id", "x-shopify-event-id"] {
        if !is_uuid(header(id)) {
            return Err(format!("{id} {:?} is not a UUID", header(id)));
        }
    }
    let triggered = header("x-shopify-triggered-at");
    if triggered.len() < 20 || !triggered.ends_with('Z') || &triggered[10..11] != "T" {
        return Err(format!("X-Shopify-Triggered-At {triggered:?}"));
    }
    // Shopify's scheme, computed here: base64 of HMAC-SHA256 over the body.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&body);
    if header("x-shopify-hmac-sha256") != B64.encode(mac.finalize().into_bytes()) {
        return Err("X-Shopify-Hmac-Sha256 does not match the body".into());
    }
    let doc: Value = serde_json::from_slice(&body).map_err(|e| format!("body: {e}"))?;
    let schema = &schemas["schemas"][topic];
    if !schema.is_object() {
        return Err("no schema".into());
    }
    let validator = jsonschema::validator_for(schema).map_err(|e| format!("schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .take(3)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The entity names a fixture's fresh templates use at each path.
fn entity_paths(fixture: &Value) -> BTreeMap<String, String> {
    fixture["fresh"]
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(path, t)| {
            let t = t.as_str()?;
            let start = t.find("{@")?;
            let end = start + t[start..].find('}')?;
            Some((path.clone(), t[start + 2..end].to_string()))
        })
        .collect()
}

fn fixture(topic: &str) -> Value {
    read_json(&root().join(format!("fixtures/shopify/{}.json", topic.replace('/', "_"))))
}

#[test]
fn flows_name_existing_topics_and_share_their_ids() {
    let flows = read_json(&root().join("fixtures/shopify/_flows.json"));
    let entities = read_json(&root().join("fixtures/shopify/_entities.json"));
    let (_, topics) = topics();
    let names: Vec<&str> = flows["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["order", "app-uninstall"]);
    for flow in flows["flows"].as_array().unwrap() {
        for step in flow["steps"].as_array().unwrap() {
            let event = step["event"].as_str().unwrap();
            assert!(topics.iter().any(|t| t == event), "{event}");
        }
    }
    // Every entity a fixture uses is defined.
    for topic in &topics {
        for name in entity_paths(&fixture(topic)).values() {
            assert!(entities.get(name).is_some(), "{topic}: entity {name}");
        }
    }
    // The order flow: one order, one customer, the same line items throughout.
    let create = entity_paths(&fixture("orders/create"));
    let paid = entity_paths(&fixture("orders/paid"));
    let fulfilled = entity_paths(&fixture("orders/fulfilled"));
    let shipped = entity_paths(&fixture("fulfillments/create"));
    assert_eq!(create["id"], "order");
    assert_eq!(create["customer.id"], "customer");
    for other in [&paid, &fulfilled] {
        assert_eq!(other["id"], "order");
        assert_eq!(other["customer.id"], "customer");
        for (path, name) in create.iter().filter(|(p, _)| p.starts_with("line_items.")) {
            assert_eq!(other.get(path), Some(name), "{path}");
        }
    }
    assert_eq!(shipped["order_id"], "order");
    let lines: Vec<&String> = shipped
        .iter()
        .filter(|(p, _)| p.starts_with("line_items.") && p.ends_with(".id"))
        .map(|(_, n)| n)
        .collect();
    assert!(!lines.is_empty());
    for name in lines {
        assert!(
            create.values().any(|n| n == name),
            "fulfilled line item {name} is not one of the order's"
        );
    }
    // The uninstall flow: the shop erased is the shop that uninstalled.
    assert_eq!(entity_paths(&fixture("app/uninstalled"))["id"], "shop");
    assert_eq!(entity_paths(&fixture("shop/redact"))["shop_id"], "shop");
}
