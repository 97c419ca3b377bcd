//! Issue 18's relay for a team, on one relay: a token per developer
//! (scoped to its channels, revocable while attached), `/metrics` as
//! Prometheus text whose counters match what was sent, JSON logs, and the
//! `--allow-from` list with and without a trusted proxy.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{App, Proc, Relay, TOKEN, attached, header, http, post, raw, runtime, seq_body};
use crate::common::{RawResponse, hookcli, request_head, run};

/// The variable a developer's listen reads its own token from.
const DEV_VAR: &str = "HOOKCLI_TEST_DEV_TOKEN";
const METRICS_VAR: &str = "HOOKCLI_TEST_METRICS_TOKEN";
const METRICS_TOKEN: &str = "metrics-token-5c2e9a7f1b3d4680";

/// `relay token add`: the token it printed once.
fn add_token(file: &Path, channel: &str, note: &str) -> String {
    let r = run(hookcli().args([
        "relay",
        "token",
        "add",
        "--tokens",
        file.to_str().unwrap(),
        "--channel",
        channel,
        "--note",
        note,
    ]));
    r.assert_code(0);
    let token = r.stdout().trim().to_string();
    assert!(token.starts_with("hkr_") && token.len() == 47, "{r}");
    token
}

/// `listen --relay` with a developer's token.
pub(super) fn dev_client(
    store: &Path,
    relay: &str,
    channel: &str,
    token: &str,
    extra: &[&str],
) -> Proc {
    let mut args = vec![
        "listen",
        "--port",
        "0",
        "--store",
        store.to_str().unwrap(),
        "--relay",
        relay,
        "--channel",
        channel,
        "--token-env",
        DEV_VAR,
    ];
    args.extend_from_slice(extra);
    Proc::spawn(&args, &[(DEV_VAR, token)])
}

#[test]
fn relay_token_attaches_only_to_its_channels_and_revocation_cuts_its_client_off() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.db");
    let alice = add_token(&file, "alice-*", "alice");
    let bob = add_token(&file, "bob-*", "bob");
    let relay = Relay::start(&["--tokens", file.to_str().unwrap()]);

    // Alice's token cannot take Bob's channel: the client stops and says why.
    let store = tempfile::tempdir().unwrap();
    let mut wrong = dev_client(store.path(), &relay.url, "bob-x", &alice, &[]);
    let status = wrong.wait_exit(Duration::from_secs(20));
    assert!(status.is_some_and(|s| !s.success()), "{}", wrong.dump());
    let err = wrong.stderr();
    assert!(
        err.contains("403") && err.contains("may attach only to channels matching 'alice-*'"),
        "{err}"
    );
    // The relay's reason in words, not its JSON wrapper.
    assert!(!err.contains("{\"error\""), "{err}");
    assert_eq!(relay.health().1["channels"], 0);

    // On her own channel it works, deliveries included; Bob's on his.
    let app = App::start("main");
    let alice_store = tempfile::tempdir().unwrap();
    let mut alice_listen = dev_client(
        alice_store.path(),
        &relay.url,
        "alice-dev",
        &alice,
        &["--forward-to", &app.url()],
    );
    assert!(
        alice_listen.wait_for("tunnel up", 1, Duration::from_secs(20)),
        "{}",
        alice_listen.dump()
    );
    let bob_store = tempfile::tempdir().unwrap();
    let bob_listen = dev_client(bob_store.path(), &relay.url, "bob-x", &bob, &[]);
    assert!(
        bob_listen.wait_for("tunnel up", 1, Duration::from_secs(20)),
        "{}",
        bob_listen.dump()
    );
    let a = runtime().block_on(post(&http(), &relay.at("alice-dev", "hook"), seq_body(1)));
    assert_eq!(a.status, 201, "{}", a.text());
    // The shared --token-env token still opens any channel (the simple mode).
    let shared_store = tempfile::tempdir().unwrap();
    let _shared = attached(shared_store.path(), &relay.url, "carol", &[]);
    assert!(relay.wait_channels(3, Duration::from_secs(10)));

    // Revoked while attached: cut off within 10 s, and refused on its retry.
    let listed =
        run(hookcli().args(["relay", "token", "list", "--tokens", file.to_str().unwrap()]));
    listed
        .assert_code(0)
        .assert_hides(&alice)
        .assert_hides(&bob);
    let alice_id = listed
        .stdout()
        .lines()
        .find(|l| l.contains("alice-*"))
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .expect("alice's row");
    let revoked_at = Instant::now();
    run(hookcli().args([
        "relay",
        "token",
        "revoke",
        &alice_id,
        "--tokens",
        file.to_str().unwrap(),
    ]))
    .assert_code(0);
    let status = alice_listen.wait_exit(Duration::from_secs(10));
    let took = revoked_at.elapsed();
    assert!(
        status.is_some_and(|s| !s.success()),
        "not cut off in 10 s\n{}",
        alice_listen.dump()
    );
    assert!(
        alice_listen.stderr().contains("was revoked"),
        "{}",
        alice_listen.dump()
    );
    eprintln!("relay revocation: client gone {took:?} after revoke");
    assert!(
        relay.wait_channels(2, Duration::from_secs(5)),
        "{}",
        relay.stderr()
    );
    // Bob's channel and the shared client are untouched.
    assert!(
        bob_listen.stdout().matches("tunnel up").count() == 1,
        "{}",
        bob_listen.dump()
    );
    let listed = run(hookcli().args([
        "relay",
        "token",
        "list",
        "--tokens",
        file.to_str().unwrap(),
        "--json",
    ]));
    let rows: Vec<Value> = listed
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .any(|r| r["channel"] == "alice-*" && r["revoked"].is_string())
    );
    assert!(
        rows.iter()
            .any(|r| r["channel"] == "bob-*" && r["revoked"].is_null())
    );
    for secret in [&alice, &bob, &TOKEN.to_string()] {
        assert!(
            !relay.stderr().contains(secret.as_str()),
            "a token leaked into the log"
        );
    }
    let raw_file = std::fs::read(&file).unwrap();
    assert!(!raw_file.windows(alice.len()).any(|w| w == alice.as_bytes()));
}

// ---------------------------------------------------------------------------
// Prometheus text

/// One sample line of the exposition format.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

/// `{a="x",b="y"}` and what follows it.
fn parse_labels(text: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = text.strip_prefix('{').ok_or("no {")?;
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((labels, after));
        }
        let (name, after) = rest.split_once("=\"").ok_or("label without =\"")?;
        if !valid_name(name) || name.contains(':') {
            return Err(format!("bad label name {name:?}"));
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().ok_or("unterminated label value")? {
                (i, '"') => break i,
                (_, '\\') => match chars.next().ok_or("dangling escape")?.1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    c => return Err(format!("bad escape \\{c}")),
                },
                (_, c) => value.push(c),
            }
        };
        if labels.insert(name.to_string(), value).is_some() {
            return Err(format!("label {name} twice"));
        }
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// Every line is a HELP, a TYPE, a comment or a sample of a declared
/// family; histograms are cumulative and end at +Inf = _count. Panics
/// naming the first line that is not.
fn parse_exposition(text: &str) -> Vec<Sample> {
    assert!(text.ends_with('\n'), "the text must end with a newline");
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let fail = |why: String| -> ! { panic!("line {}: {why}: {line:?}\n{text}", n + 1) };
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.trim_start().splitn(3, ' ').collect();
            match words.first() {
                Some(&"HELP") if words.len() >= 2 && valid_name(words[1]) => {}
                Some(&"TYPE") if words.len() == 3 && valid_name(words[1]) => {
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&words[2])
                    {
                        fail(format!("unknown type {}", words[2]));
                    }
                    if types
                        .insert(words[1].to_string(), words[2].to_string())
                        .is_some()
                    {
                        fail("TYPE twice".into());
                    }
                }
                Some(&"HELP") | Some(&"TYPE") => fail("malformed HELP/TYPE".into()),
                _ => {}
            }
            continue;
        }
        if line.is_empty() {
            fail("empty line".into());
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| fail("no value".into()));
        let name = &line[..name_end];
        if !valid_name(name) {
            fail("bad metric name".into());
        }
        let (labels, rest) = if line[name_end..].starts_with('{') {
            parse_labels(&line[name_end..]).unwrap_or_else(|e| fail(e))
        } else {
            (BTreeMap::new(), &line[name_end..])
        };
        let fields: Vec<&str> = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| fail("no space before the value".into()))
            .split(' ')
            .collect();
        let value = match fields.as_slice() {
            [v] => parse_value(v),
            [v, ts] if ts.parse::<i64>().is_ok() => parse_value(v),
            _ => None,
        }
        .unwrap_or_else(|| fail("bad value".into()));
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        match types.get(family).map(String::as_str) {
            None => fail("sample of a family with no TYPE before it".into()),
            Some("counter") if value < 0.0 => fail("negative counter".into()),
            Some("histogram") if name.ends_with("_bucket") && !labels.contains_key("le") => {
                fail("bucket without le".into())
            }
            _ => {}
        }
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    for (family, kind) in &types {
        if kind != "histogram" {
            continue;
        }
        let buckets: Vec<&Sample> = samples
            .iter()
            .filter(|s| s.name == format!("{family}_bucket"))
            .collect();
        assert!(
            buckets.windows(2).all(|w| w[0].value <= w[1].value),
            "{family} is not cumulative"
        );
        let inf = buckets.last().expect("buckets");
        assert_eq!(inf.labels["le"], "+Inf");
        let count = samples
            .iter()
            .find(|s| s.name == format!("{family}_count"))
            .expect("_count");
        assert_eq!(inf.value, count.value, "{family}: +Inf bucket != _count");
    }
    samples
}

/// The parser is a real check: each of these is refused.
#[test]
fn relay_metrics_parser_refuses_malformed_exposition_text() {
    let ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"q\\\"\"} 1\n";
    assert_eq!(parse_exposition(ok)[0].labels["x"], "q\"");
    for bad in [
        "a_total 1\n",                                // no TYPE
        "# TYPE a_total counter\na_total 1",          // no final newline
        "# TYPE a_total counter\na_total{x=\"1} 1\n", // unterminated label
        "# TYPE a_total counter\na_total one\n",      // not a number
        "# TYPE a_total counter\na-total 1\n",        // bad name
        "# TYPE a_total thing\na_total 1\n",          // unknown type
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
    ] {
        let caught = std::panic::catch_unwind(|| parse_exposition(bad));
        assert!(caught.is_err(), "accepted {bad:?}");
    }
}

/// The value of the one sample named `name` with these labels (0 if none).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

fn get(addr: std::net::SocketAddr, path: &str, auth: Option<&str>) -> RawResponse {
    let mut headers = vec![header("Host", addr.to_string())];
    if let Some(token) = auth {
        headers.push(header("Authorization", format!("Bearer {token}")));
    }
    raw(addr, &request_head("GET", path, &headers), b"")
}

#[test]
fn relay_metrics_are_prometheus_text_counting_what_was_sent_and_logs_are_json_lines() {
    let app = App::start("main");
    let buffer = tempfile::tempdir().unwrap();
    let relay = Relay::start_env(
        &[
            "--buffer",
            buffer.path().to_str().unwrap(),
            "--timeout",
            "1s",
            "--metrics-token-env",
            METRICS_VAR,
            "--metrics-bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ],
        &[(METRICS_VAR, METRICS_TOKEN)],
    );
    let metrics_addr = relay.metrics_addr();

    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    assert!(relay.wait_channels(1, Duration::from_secs(10)));
    let secret_body = "body-must-not-be-logged-71c3";
    let statuses = runtime().block_on(async {
        let client = http();
        let mut statuses = Vec::new();
        for i in 0..4 {
            statuses.push(
                post(
                    &client,
                    &relay.at("dev", &format!("hook/{i}?sig=query-secret")),
                    secret_body.into(),
                )
                .await
                .status,
            );
        }
        for i in 0..3 {
            statuses.push(
                post(&client, &relay.at("later", "hook"), seq_body(i))
                    .await
                    .status,
            );
        }
        // The app takes 3 s over /slow; the relay waits 1 s.
        statuses.push(
            post(&client, &relay.at("dev", "slow"), seq_body(9))
                .await
                .status,
        );
        statuses
    });
    assert_eq!(statuses, [201, 201, 201, 201, 202, 202, 202, 504]);

    // The public port wants the metrics token.
    assert_eq!(get(relay.addr, "/metrics", None).status, 401);
    assert_eq!(
        get(relay.addr, "/metrics", Some("wrong-token-0000000000")).status,
        401
    );
    let page = get(relay.addr, "/metrics", Some(METRICS_TOKEN));
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain; version=0.0.4"))
    );
    let own = get(metrics_addr, "/metrics", None);
    assert_eq!(own.status, 200);
    assert_eq!(get(metrics_addr, "/dev/hook", None).status, 404);
    for page in [page, own] {
        let text = String::from_utf8(page.body.clone()).expect("UTF-8");
        let s = parse_exposition(&text);
        let deliveries = "hookcli_relay_deliveries_total";
        assert_eq!(
            value(
                &s,
                deliveries,
                &[("channel", "dev"), ("outcome", "answered")]
            ),
            4.0,
            "{text}"
        );
        assert_eq!(
            value(
                &s,
                deliveries,
                &[("channel", "later"), ("outcome", "buffered")]
            ),
            3.0,
            "{text}"
        );
        assert_eq!(
            value(&s, deliveries, &[("channel", "dev"), ("outcome", "504")]),
            1.0,
            "{text}"
        );
        assert_eq!(value(&s, deliveries, &[]), 8.0, "{text}");
        assert_eq!(
            value(&s, "hookcli_relay_forward_seconds_count", &[]),
            4.0,
            "{text}"
        );
        assert_eq!(
            value(&s, "hookcli_relay_attached_clients", &[]),
            1.0,
            "{text}"
        );
        assert_eq!(
            value(
                &s,
                "hookcli_relay_buffered_deliveries",
                &[("channel", "later")]
            ),
            3.0,
            "{text}"
        );
        assert_eq!(
            value(&s, "hookcli_relay_forbidden_total", &[]),
            0.0,
            "{text}"
        );
    }

    // One JSON line per delivery, with no body, query or token.
    let log = relay.stderr();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let delivered: Vec<&Value> = lines.iter().filter(|l| l["type"] == "delivery").collect();
    assert_eq!(delivered.len(), 8, "{log}");
    let outcomes: HashSet<String> = delivered
        .iter()
        .map(|l| l["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outcomes,
        HashSet::from(["answered".into(), "buffered".into(), "504".into()])
    );
    assert!(
        delivered
            .iter()
            .all(|l| l["sender"] == "127.0.0.1" && l["time"].is_string())
    );
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "note" && l["message"].as_str().unwrap().contains("attached"))
    );
    for secret in [secret_body, "query-secret", TOKEN, METRICS_TOKEN] {
        assert!(!log.contains(secret), "{secret} leaked into the log\n{log}");
    }
}

// ---------------------------------------------------------------------------
// Who may deliver

/// A POST to `/dev/hook` with these extra headers; the status.
fn deliver_from(relay: &Relay, forwarded_for: Option<&str>) -> u16 {
    let mut headers = vec![
        header("Host", relay.addr.to_string()),
        header("Content-Length", "2"),
    ];
    if let Some(xff) = forwarded_for {
        headers.push(header("X-Forwarded-For", xff));
    }
    raw(
        relay.addr,
        &request_head("POST", "/dev/hook", &headers),
        b"{}",
    )
    .status
}

/// The relay's count of 403s, and of deliveries it let through (503s here: no client).
fn counts(relay: &Relay) -> (f64, f64) {
    let page = get(relay.addr, "/metrics", Some(METRICS_TOKEN));
    let s = parse_exposition(&String::from_utf8(page.body).unwrap());
    (
        value(&s, "hookcli_relay_forbidden_total", &[]),
        value(
            &s,
            "hookcli_relay_deliveries_total",
            &[("channel", "dev"), ("outcome", "503")],
        ),
    )
}

#[test]
fn relay_allow_from_refuses_others_403_and_counts_them_with_and_without_a_trusted_proxy() {
    let metrics = [(METRICS_VAR, METRICS_TOKEN)];
    let flags = ["--metrics-token-env", METRICS_VAR];

    // Loopback allowed: deliveries pass (503: no client attached).
    let open = Relay::start_env(
        &[&flags[..], &["--allow-from", "127.0.0.0/8"]].concat(),
        &metrics,
    );
    assert_eq!(deliver_from(&open, None), 503);
    assert_eq!(counts(&open), (0.0, 1.0));

    // Not in the list: 403, and X-Forwarded-For from an untrusted peer changes nothing.
    let closed = Relay::start_env(
        &[
            &flags[..],
            &[
                "--allow-from",
                "192.0.2.0/24",
                "--allow-from",
                "2001:db8::/32",
            ],
        ]
        .concat(),
        &metrics,
    );
    assert_eq!(deliver_from(&closed, None), 403);
    assert_eq!(deliver_from(&closed, Some("192.0.2.5")), 403);
    assert_eq!(counts(&closed), (2.0, 0.0));
    // Clients still attach (their token is their check), and health answers.
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(store.path(), &closed.url, "dev", &[]);
    assert_eq!(closed.health().0.status, 200);

    // Behind a trusted proxy (the test, on loopback): the rightmost hop
    // that is not the proxy is the sender.
    let proxied = Relay::start_env(
        &[
            &flags[..],
            &[
                "--allow-from",
                "192.0.2.0/24",
                "--trusted-proxy",
                "127.0.0.1",
            ],
        ]
        .concat(),
        &metrics,
    );
    assert_eq!(deliver_from(&proxied, Some("192.0.2.5")), 503);
    assert_eq!(deliver_from(&proxied, Some("198.51.100.7, 192.0.2.5")), 503);
    assert_eq!(deliver_from(&proxied, Some("198.51.100.7")), 403);
    assert_eq!(deliver_from(&proxied, Some("192.0.2.5, 198.51.100.7")), 403);
    assert_eq!(deliver_from(&proxied, Some("192.0.2.5, 127.0.0.1")), 503);
    assert_eq!(deliver_from(&proxied, Some("not-an-address")), 403);
    assert_eq!(deliver_from(&proxied, None), 403);
    assert_eq!(counts(&proxied), (4.0, 3.0));

    // A bad range is one clear line at start.
    let r = run(hookcli()
        .args(["relay", "--token-env", "X", "--allow-from", "10.0.0.0/40"])
        .env("X", TOKEN));
    r.assert_code(2);
    assert!(r.stderr().contains("prefix length must be 0-32"), "{r}");
}
