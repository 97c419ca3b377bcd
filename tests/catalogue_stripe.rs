//! Stripe's event catalogue against Stripe's own description of its
//! resources (tests/data/stripe/, written by scripts/catalogue/stripe.py):
//! every event's `data.object` validates against its resource's schema,
//! every documented event type has a fixture, and the flows chain real
//! events whose ids agree.

use std::collections::BTreeMap;

use hookcli::fixture::{self, Fixture, Payload, Session};
use hookcli::provider::SignContext;
use serde_json::{Map, Value, json};

use crate::common::hookcli;

const SCHEMAS: &str = include_str!("data/stripe/schemas.json");
const EVENTS: &str = include_str!("data/stripe/events.json");
const FLOWS: &str = include_str!("../fixtures/stripe/_flows.json");

fn ctx() -> SignContext {
    SignContext {
        timestamp: 1_764_000_000,
        id: "evt_test".into(),
    }
}

/// Event type -> the schema name of the resource it carries.
fn documented_events() -> BTreeMap<String, String> {
    let doc: Value = serde_json::from_str(EVENTS).expect("events.json parses");
    doc["events"]
        .as_object()
        .expect("events is an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("resource name").to_string()))
        .collect()
}

/// OpenAPI 3.0 schema -> JSON Schema: `nullable: true` becomes "or null",
/// `x-*` extensions are dropped. The schema data itself is left as Stripe's.
fn to_json_schema(node: &Value) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        if key == "nullable" || key.starts_with("x-") {
            continue;
        }
        let converted = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .expect("properties is an object")
                    .iter()
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                    .collect(),
            ),
            "items" | "additionalProperties" => to_json_schema(value),
            "anyOf" | "oneOf" | "allOf" => Value::Array(
                value
                    .as_array()
                    .expect("a list of schemas")
                    .iter()
                    .map(to_json_schema)
                    .collect(),
            ),
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        json!({"anyOf": [Value::Object(out), {"type": "null"}]})
    } else {
        Value::Object(out)
    }
}

struct Validators {
    components: Value,
    compiled: BTreeMap<String, jsonschema::Validator>,
}

impl Validators {
    fn new() -> Validators {
        let spec: Value = serde_json::from_str(SCHEMAS).expect("schemas.json parses");
        let schemas: Map<String, Value> = spec["components"]["schemas"]
            .as_object()
            .expect("components.schemas")
            .iter()
            .map(|(k, v)| (k.clone(), to_json_schema(v)))
            .collect();
        Validators {
            components: json!({ "schemas": schemas }),
            compiled: BTreeMap::new(),
        }
    }

    /// Every way `instance` breaks resource `name`'s schema.
    fn errors(&mut self, name: &str, instance: &Value) -> Vec<String> {
        let components = &self.components;
        let validator = self.compiled.entry(name.to_string()).or_insert_with(|| {
            // only the schemas this resource reaches: compiling stays quick
            let all = components["schemas"].as_object().expect("schemas");
            let mut used = Map::new();
            let mut todo = vec![name.to_string()];
            while let Some(next) = todo.pop() {
                if used.contains_key(&next) {
                    continue;
                }
                let schema = all.get(&next).unwrap_or_else(|| panic!("no schema {next}"));
                let text = schema.to_string();
                for part in text.split("\"#/components/schemas/").skip(1) {
                    todo.push(part.split('"').next().unwrap_or_default().to_string());
                }
                used.insert(next, schema.clone());
            }
            let root = json!({
                "$ref": format!("#/components/schemas/{name}"),
                "components": { "schemas": used },
            });
            jsonschema::validator_for(&root).expect("the schema compiles")
        });
        validator
            .iter_errors(instance)
            .map(|e| format!("{}: {}", e.instance_path(), e))
            .collect()
    }
}

fn rendered_body(f: &Fixture, session: &mut Session) -> Value {
    match f.render_in(&ctx(), session).payload {
        Payload::Json(doc) => doc,
        Payload::Form(_) => panic!("{}: Stripe sends JSON", f.event),
    }
}

#[test]
fn every_stripe_event_carries_its_resource_as_the_schema_says() {
    let mut validators = Validators::new();
    let mut failures = Vec::new();
    for (event, resource) in documented_events() {
        let f = fixture::find("stripe", &event).unwrap_or_else(|e| panic!("{e}"));
        let body = rendered_body(&f, &mut Session::new("stripe"));
        assert_eq!(body["type"], event.as_str());
        assert_eq!(body["object"], "event");
        assert_eq!(body["livemode"], false);
        assert!(body["id"].as_str().is_some_and(|id| id.starts_with("evt_")));
        assert!(body["api_version"].is_string());
        assert!(body["request"].is_object());
        let text = body.to_string();
        assert!(
            !text.contains("{@"),
            "{event}: an entity was left unexpanded"
        );
        if event.ends_with(".updated") {
            assert!(
                body["data"]["previous_attributes"].is_object(),
                "{event}: previous_attributes"
            );
        }
        for error in validators.errors(&resource, &body["data"]["object"]) {
            failures.push(format!("{event} ({resource}) {error}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} schema violations:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

#[test]
fn every_documented_stripe_event_has_a_fixture() {
    let documented = documented_events();
    assert!(documented.len() >= 250, "the event list shrank");
    let known: Vec<String> = fixture::for_provider("stripe")
        .into_iter()
        .map(|f| f.event)
        .collect();
    let missing: Vec<&String> = documented.keys().filter(|e| !known.contains(e)).collect();
    assert!(missing.is_empty(), "no fixture for {missing:?}");
    assert!(known.len() >= documented.len());
}

#[test]
fn related_ids_agree_within_one_send() {
    let f = fixture::find("stripe", "invoice.paid").unwrap();
    let body = rendered_body(&f, &mut Session::new("stripe"));
    let invoice = &body["data"]["object"];
    let line = &invoice["lines"]["data"][0];
    assert_eq!(line["invoice"], invoice["id"]);
    assert_eq!(
        line["parent"]["subscription_item_details"]["subscription"],
        invoice["parent"]["subscription_details"]["subscription"]
    );
    assert!(invoice["customer"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["amount_paid"], invoice["amount_due"]);
    // fresh at every send
    let again = rendered_body(&f, &mut Session::new("stripe"));
    assert_ne!(again["data"]["object"]["id"], invoice["id"]);
}

#[test]
fn common_stripe_events_read_like_what_happened() {
    let mut session = Session::new("stripe");
    let mut object = |event: &str| {
        let f = fixture::find("stripe", event).unwrap();
        rendered_body(&f, &mut session)["data"]["object"].clone()
    };
    let pi = object("payment_intent.payment_failed");
    assert_eq!(pi["status"], "requires_payment_method");
    assert_eq!(pi["last_payment_error"]["code"], "card_declined");
    assert_eq!(object("payment_intent.succeeded")["status"], "succeeded");
    let charge = object("charge.refunded");
    assert_eq!(charge["refunded"], true);
    assert_eq!(charge["amount_refunded"], charge["amount"]);
    assert_eq!(object("charge.failed")["status"], "failed");
    assert_eq!(
        object("customer.subscription.deleted")["status"],
        "canceled"
    );
    assert_eq!(object("invoice.payment_failed")["status"], "open");
    assert_eq!(object("invoice.voided")["status"], "void");
    let session_obj = object("checkout.session.completed");
    assert_eq!(session_obj["status"], "complete");
    assert_eq!(session_obj["payment_status"], "paid");
    // one session: the refund names the charge that was refunded
    assert_eq!(object("refund.created")["charge"], charge["id"]);
}

/// The value each `{@entity}` took in this flow, read back from rendered steps.
fn entity_values(steps: &[(Fixture, Value)]) -> BTreeMap<String, Value> {
    let mut values = BTreeMap::new();
    for (f, body) in steps {
        for (path, template) in &f.fresh {
            let t = template.as_str().unwrap_or_default();
            if let Some(name) = t.strip_prefix("{@").and_then(|r| r.strip_suffix('}'))
                && !name.contains('{')
                && let Some(v) = hookcli::edit::get_path(body, path)
            {
                values.insert(name.to_string(), v.clone());
            }
        }
    }
    values
}

#[test]
fn stripe_flows_chain_real_events_with_agreeing_ids() {
    let flows: Value = serde_json::from_str(FLOWS).expect("_flows.json parses");
    let flows = flows["flows"].as_array().expect("flows");
    let names: Vec<&str> = flows.iter().map(|f| f["name"].as_str().unwrap()).collect();
    for want in [
        "checkout-payment",
        "subscription-signup",
        "renewal-failed",
        "refund",
        "dispute",
    ] {
        assert!(names.contains(&want), "flow {want}");
    }
    let documented = documented_events();
    let mut validators = Validators::new();
    for flow in flows {
        let mut session = Session::new("stripe");
        let mut steps = Vec::new();
        for step in flow["steps"].as_array().unwrap() {
            let event = step["event"].as_str().unwrap();
            let f = fixture::find("stripe", event).unwrap();
            let body = rendered_body(&f, &mut session);
            steps.push((f, body, step.get("set").cloned()));
        }
        let plain: Vec<(Fixture, Value)> = steps
            .iter()
            .map(|(f, b, _)| (f.clone(), b.clone()))
            .collect();
        let entities = entity_values(&plain);
        let mut customers = Vec::new();
        for (f, mut body, set) in steps {
            for (path, value) in set.iter().flat_map(|s| s.as_object().unwrap()) {
                // `{@name}` in a set value is the flow's entity
                let value = match value
                    .as_str()
                    .and_then(|s| s.strip_prefix("{@").and_then(|r| r.strip_suffix('}')))
                {
                    Some(name) => entities
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| panic!("{}: entity {name}", flow["name"])),
                    None => value.clone(),
                };
                hookcli::edit::set_path(&mut body, path, value)
                    .unwrap_or_else(|e| panic!("{} {}: {path}: {e}", flow["name"], f.event));
            }
            let object = &body["data"]["object"];
            let errors = validators.errors(&documented[&f.event], object);
            assert!(
                errors.is_empty(),
                "{} {}: {errors:?}",
                flow["name"],
                f.event
            );
            if let Some(c) = object["customer"].as_str() {
                customers.push(c.to_string());
            }
            if object["object"] == "customer" {
                customers.push(object["id"].as_str().unwrap().to_string());
            }
        }
        customers.dedup();
        assert!(
            customers.len() <= 1,
            "{}: one customer across the flow, got {customers:?}",
            flow["name"]
        );
    }
}

#[test]
fn the_binary_forges_signed_stripe_events_from_the_catalogue() {
    for event in [
        "invoice.payment_failed",
        "customer.subscription.updated",
        "treasury.received_credit.created",
    ] {
        let out = hookcli()
            .args([
                "send",
                "--provider",
                "stripe",
                "--event",
                event,
                "--print",
                "--secret",
                "whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=",
                "--url",
                "http://127.0.0.1:9/hook",
            ])
            .output()
            .expect("run hookcli");
        assert!(out.status.success(), "{event}: {out:?}");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        assert!(text.contains("Stripe-Signature: t="), "{event}: {text}");
        let body = text
            .split_once("\r\n\r\n")
            .or(text.split_once("\n\n"))
            .unwrap()
            .1;
        let doc: Value = serde_json::from_str(body).expect("a JSON body");
        assert_eq!(doc["type"], event);
        let mut validators = Validators::new();
        let errors = validators.errors(&documented_events()[event], &doc["data"]["object"]);
        assert!(errors.is_empty(), "{event}: {errors:?}");
    }
}
