//! One delivery in every JSON view: `list --json`, `show --json`, a
//! `listen --json` line and the inspector's API. They share one set of
//! field names (src/store/wire.rs), and each shape is pinned by an insta
//! snapshot with the volatile values (ids, times, ports) replaced.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Listen, Receiver, hookcli, raw_request, request_head, run};
use crate::inspect::{Inspect, tempdir};

pub const SECRET: &str = "json-views-secret";
pub const BODY: &str = r#"{"zen":"Keep it logically awesome.","hook_id":1}"#;

/// The fields every view has, under the same names.
const SHARED: &[&str] = &[
    "id",
    "short_id",
    "received_at",
    "method",
    "path",
    "provider",
    "event_type",
    "event_id",
    "verdict",
    "body_size",
];

/// The head of the GitHub `ping` delivery every view shows (body [`BODY`]).
pub fn github_ping_head() -> Vec<u8> {
    request_head(
        "POST",
        "/hooks/gh?attempt=1",
        &[
            ("Host".into(), b"hooks.example".to_vec()),
            ("Content-Type".into(), b"application/json".to_vec()),
            ("X-GitHub-Event".into(), b"ping".to_vec()),
            (
                "X-GitHub-Delivery".into(),
                b"72d3162e-cc78-11e3-81ab-4c9367dc0958".to_vec(),
            ),
            (
                "X-Hub-Signature-256".into(),
                github_signature(BODY.as_bytes()).into_bytes(),
            ),
            ("Content-Length".into(), BODY.len().to_string().into_bytes()),
        ],
    )
}

fn github_signature(body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    format!("sha256={}", hex(ring::hmac::sign(&key, body).as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Values that differ from run to run, replaced by what they stand for.
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match key.as_str() {
                    "id" | "short_id" | "received_at" | "started_at" | "duration_ms" | "peer"
                        if !value.is_null() =>
                    {
                        *value = Value::String(format!("[{key}]"));
                    }
                    _ => redact(value),
                }
            }
        }
        Value::Array(items) => {
            // A header pair whose value is a date or a host with a port.
            if let [Value::String(name), value] = items.as_mut_slice()
                && ["date", "host"].contains(&name.to_ascii_lowercase().as_str())
            {
                *value = Value::String(format!("[{}]", name.to_ascii_lowercase()));
                return;
            }
            items.iter_mut().for_each(redact);
        }
        Value::String(s) => {
            if let Some(at) = s.find("127.0.0.1:") {
                let end = s[at + 10..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(s.len(), |n| at + 10 + n);
                s.replace_range(at..end, "127.0.0.1:[port]");
            }
        }
        _ => {}
    }
}

fn redacted(mut v: Value) -> Value {
    redact(&mut v);
    v
}

/// The four views of one GitHub delivery that listen forwarded to an app.
struct Views {
    list: Value,
    show: Value,
    listen: Value,
    row: Value,
    detail: Value,
}

fn views() -> Views {
    let store = tempdir();
    let app = Receiver::start(|_| (202, b"queued".to_vec()));
    let listen = Listen::start(
        store.path(),
        &["--url", &app.url(), "--secret", SECRET, "--json"],
        &[],
    );
    let head = github_ping_head();
    let answer = raw_request(listen.addr(), &head, BODY.as_bytes()).unwrap();
    assert_eq!(answer.status, 202);
    let deadline = Instant::now() + Duration::from_secs(20);
    let line = loop {
        if let Some(l) = listen.stdout().lines().find(|l| l.contains("\"delivery\"")) {
            break l.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no delivery line: {}",
            listen.stdout()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(listen);
    let json = |args: &[&str]| -> Value {
        let out = run(hookcli().args(args).arg("--store").arg(store.path()));
        out.assert_code(0);
        serde_json::from_str(out.stdout().trim()).expect("one JSON document")
    };
    let list = json(&["list", "--json"]);
    let show = json(&["show", "last", "--json"]);
    let inspect = Inspect::start(store.path(), &[], &[]);
    let row = inspect.get_json("/api/deliveries")["deliveries"][0].clone();
    let id = list["id"].as_str().unwrap();
    let detail = inspect.get_json(&format!("/api/deliveries/{id}"));
    Views {
        list,
        show,
        listen: serde_json::from_str(&line).unwrap(),
        row,
        detail,
    }
}

#[test]
fn every_view_names_a_delivery_the_same_way() {
    let v = views();
    let word = |view: &Value| match &view["verdict"] {
        Value::Object(o) => o["verdict"].clone(),
        other => other.clone(),
    };
    for (name, view) in [
        ("show --json", &v.show),
        ("listen --json", &v.listen),
        ("the inspector's list", &v.row),
        ("the inspector's delivery", &v.detail),
    ] {
        for field in SHARED {
            let (a, b) = match *field {
                "verdict" => (word(&v.list), word(view)),
                f => (v.list[f].clone(), view[f].clone()),
            };
            assert_eq!(a, b, "{field} in list --json and {name}");
        }
    }
    assert_eq!(v.list["path"], "/hooks/gh?attempt=1");
    assert_eq!(word(&v.list), "valid");
    assert_eq!(v.list["short_id"].as_str().unwrap().len(), 8);

    readme_names_every_field_of(&v.show);

    insta::assert_json_snapshot!("list", redacted(v.list));
    insta::assert_json_snapshot!("show", redacted(v.show));
    insta::assert_json_snapshot!("listen_line", redacted(v.listen));
    insta::assert_json_snapshot!("inspector_row", redacted(v.row));
    insta::assert_json_snapshot!("inspector_detail", redacted(v.detail));
}

/// README's "The portable document" names every field `show --json` writes:
/// the document's, its request's and an attempt's (`sent` was left out).
fn readme_names_every_field_of(show: &Value) {
    let readme = include_str!("../README.md");
    let described = readme
        .split("`hookcli show ID --json` writes one self-describing JSON document:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("README describes the portable document");
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut fields = keys(show);
    fields.extend(keys(&show["request"]));
    fields.extend(keys(&show["attempts"][0]));
    assert!(fields.contains(&"sent".to_string()), "{show}");
    for f in fields {
        assert!(
            described.contains(&format!("\"{f}\"")),
            "README's portable document leaves out \"{f}\""
        );
    }
}
