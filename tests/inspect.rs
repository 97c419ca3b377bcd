//! `hookcli inspect` and `listen --inspect` (issue 9): the page's JSON API
//! served by the real binary over a store that a real `hookcli listen`
//! fills, replays checked by real receivers on 127.0.0.1:0 with a Stripe
//! signature check written here from Stripe's documentation, and the
//! security checks (token, origin, Host) exercised with raw requests.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::common::{Listen, RawResponse, Receiver, hookcli, raw_request, request_head, run};

/// The variable the signing commands read their secret from.
const SECRET_VAR: &str = "HOOKCLI_INSPECT_TEST_SECRET";
const SECRET: &str = "whsec_inspect_test_secret_0123456789";

pub fn tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("hookcli-inspect-")
        .tempdir()
        .expect("create a temporary folder")
}

/// The real `hookcli inspect --port 0` as a child process; its URL (with the
/// token) read from the first stdout line. Killed on Drop.
pub struct Inspect {
    child: Child,
    pub addr: SocketAddr,
    pub token: String,
    pub url: String,
}

impl Inspect {
    pub fn start(store: &Path, args: &[&str], envs: &[(&str, &str)]) -> Inspect {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookcli"));
        cmd.env_remove("HOOKCLI_SECRET")
            .env_remove("HOOKCLI_STORE")
            .env("HOOKCLI_CONFIG", "")
            .args(["inspect", "--port", "0", "--store"])
            .arg(store)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start hookcli inspect");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("inspect printed its URL");
        let url = first
            .strip_prefix("hookcli inspect on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_string();
        let (addr, token) = parse_url(&url);
        Inspect {
            child,
            addr,
            token,
            url,
        }
    }

    /// `GET path` with the token and a proper Host.
    pub fn get(&self, path: &str) -> RawResponse {
        call(self.addr, "GET", path, &self.headers(), b"")
    }

    pub fn get_json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert_eq!(r.status, 200, "GET {path}: {}", text(&r));
        serde_json::from_slice(&r.body).expect("JSON")
    }

    /// `POST /api/deliveries/ID/replay` as the page sends it.
    pub fn replay(&self, id: &str, payload: Value) -> RawResponse {
        let mut headers = self.headers();
        headers.push(("Origin".into(), format!("http://{}", self.addr)));
        headers.push(("Sec-Fetch-Site".into(), "same-origin".into()));
        headers.push(("Content-Type".into(), "application/json".into()));
        call(
            self.addr,
            "POST",
            &format!("/api/deliveries/{id}/replay"),
            &headers,
            payload.to_string().as_bytes(),
        )
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        vec![
            ("Host".into(), self.addr.to_string()),
            ("X-Hookcli-Token".into(), self.token.clone()),
        ]
    }
}

impl Drop for Inspect {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `http://ADDR/?token=T` into the address and the token.
pub fn parse_url(url: &str) -> (SocketAddr, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, query) = rest.split_once("/?token=").expect("a token in the URL");
    assert_eq!(query.len(), 64, "a 32-byte hex token");
    (authority.parse().expect("an address"), query.to_string())
}

/// One request on a fresh connection, headers exactly as given (plus
/// Content-Length and Connection: close).
pub fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> RawResponse {
    let mut all: Vec<(String, Vec<u8>)> = headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect();
    all.push(("Content-Length".into(), body.len().to_string().into_bytes()));
    all.push(("Connection".into(), b"close".to_vec()));
    raw_request(addr, &request_head(method, path, &all), body).expect("inspector answers")
}

pub fn text(r: &RawResponse) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// Stripe's check, from its documentation: `Stripe-Signature: t=TS,v1=HEX`
/// where HEX is HMAC-SHA256(secret, "TS." + body).
pub fn stripe_valid(signature: &str, body: &[u8], secret: &str) -> bool {
    let mut t = None;
    let mut sigs = Vec::new();
    for part in signature.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v.to_string()),
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    let want = hex::encode(mac.finalize().into_bytes());
    sigs.contains(&want)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A receiver answering 500 under /fail and 200 elsewhere, naming the path.
fn app() -> Receiver {
    Receiver::start(|r| {
        let status = if r.target.starts_with("/fail") {
            500
        } else {
            200
        };
        (status, format!("app saw {}", r.target).into_bytes())
    })
}

/// A store with three deliveries recorded by a real listen forwarding to
/// `app`: a Stripe event with a valid signature (200), a GitHub push to
/// /fail signed with another secret (invalid, 500), and an unsigned body
/// holding a `<script>` (unknown provider, 200).
struct Seeded {
    store: TempDir,
    app: Receiver,
    stripe_body: Vec<u8>,
}

const SCRIPT_BODY: &str = "<script>alert('owned')</script><img src=x onerror=alert(2)>";

fn seed() -> Seeded {
    let store = tempdir();
    let app = app();
    let listen = Listen::start(
        store.path(),
        &[
            "--forward-to",
            &app.url(),
            "--secret-env",
            SECRET_VAR,
            "--json",
        ],
        &[(SECRET_VAR, SECRET)],
    );
    let url = listen.url().to_string();
    let stripe = run(hookcli()
        .args(["send", "--provider", "stripe", "--event", "invoice.paid"])
        .args(["--secret-env", SECRET_VAR, "--url", &url, "--json"])
        .env(SECRET_VAR, SECRET));
    stripe.assert_code(0);
    run(hookcli()
        .args(["send", "--provider", "github", "--event", "push"])
        .args(["--secret", "another-secret", "--url"])
        .arg(format!("{url}fail/gh")))
    .assert_code(1);
    let head = request_head(
        "POST",
        "/plain?x=1",
        &[
            ("Host".into(), listen.addr().to_string().into_bytes()),
            ("Content-Type".into(), b"text/html".to_vec()),
            (
                "Content-Length".into(),
                SCRIPT_BODY.len().to_string().into_bytes(),
            ),
        ],
    );
    let r = raw_request(listen.addr(), &head, SCRIPT_BODY.as_bytes()).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(app.hit_count(), 3);
    let stripe_body = app.requests()[0].body.clone();
    drop(listen);
    Seeded {
        store,
        app,
        stripe_body,
    }
}

fn ids(list: &Value) -> Vec<String> {
    list["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lists_newest_first_and_filters() {
    let s = seed();
    let inspect = Inspect::start(s.store.path(), &[], &[]);
    let all = inspect.get_json("/api/deliveries");
    let rows = all["deliveries"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{all:#}");
    // Newest first: the plain one, the GitHub one, the Stripe one.
    assert_eq!(rows[0]["target"], "/plain?x=1");
    assert_eq!(rows[1]["provider"], "github");
    assert_eq!(rows[2]["provider"], "stripe");
    assert_eq!(rows[2]["event_type"], "invoice.paid");
    assert_eq!(rows[2]["verdict"], "valid");
    assert_eq!(rows[2]["last_status"], 200);
    assert!(rows[2]["duration_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(rows[1]["verdict"], "invalid");
    assert_eq!(rows[1]["last_status"], 500);
    assert_eq!(rows[0]["verdict"], "unknown");
    assert!(all["cursor"].as_str().unwrap().contains('.'));

    let pick = |query: &str| ids(&inspect.get_json(&format!("/api/deliveries?{query}")));
    let [plain, github, stripe] = [0, 1, 2].map(|i| rows[i]["id"].as_str().unwrap().to_string());
    assert_eq!(pick("provider=stripe"), [stripe.as_str()]);
    assert_eq!(pick("event=inv*"), [stripe.as_str()]);
    assert_eq!(pick("event=push"), [github.as_str()]);
    assert_eq!(pick("status=5xx"), [github.as_str()]);
    assert_eq!(pick("status=500"), [github.as_str()]);
    assert_eq!(pick("status=failed"), [github.as_str()]);
    assert_eq!(pick("status=2xx"), [plain.as_str(), stripe.as_str()]);
    assert_eq!(pick("verdict=valid"), [stripe.as_str()]);
    assert_eq!(pick("verdict=invalid&status=2xx"), Vec::<String>::new());
    // Text: in the body bytes, the path, the id.
    assert_eq!(pick("q=%3Cscript%3E"), [plain.as_str()]);
    assert_eq!(pick("q=fail%2Fgh"), [github.as_str()]);
    assert_eq!(pick(&format!("q={}", &stripe[20..])), [stripe.as_str()]);
    assert_eq!(pick("limit=1"), [plain.as_str()]);
    let bad = inspect.get("/api/deliveries?status=great");
    assert_eq!(bad.status, 400, "{}", text(&bad));
}

#[test]
fn detail_tells_the_whole_story() {
    let s = seed();
    let inspect = Inspect::start(s.store.path(), &[], &[]);
    let list = inspect.get_json("/api/deliveries?provider=stripe");
    let id = ids(&list)[0].clone();
    let d = inspect.get_json(&format!("/api/deliveries/{id}"));
    // The same headers, in the same order, as the portable document (`show --json`).
    let shown = run(hookcli()
        .args(["show", &id, "--json", "--store"])
        .arg(s.store.path()));
    let doc: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(d["headers"], doc["request"]["headers"]);
    let names: Vec<&str> = d["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Stripe-Signature"), "{names:?}");
    assert_eq!(
        d["body"]["text"].as_str().unwrap().as_bytes(),
        &s.stripe_body[..]
    );
    assert_eq!(d["body"]["size"], s.stripe_body.len());
    assert_eq!(d["body"]["sha256"], sha256_hex(&s.stripe_body));
    assert!(
        d["body"]["json"]
            .as_str()
            .unwrap()
            .contains("\"type\": \"invoice.paid\"")
    );
    assert_eq!(d["verdict"]["verdict"], "valid");
    assert!(!d["verdict"]["explanation"].as_str().unwrap().is_empty());
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["kind"], "forward");
    assert_eq!(attempts[0]["status"], 200);
    assert_eq!(attempts[0]["body"]["text"], "app saw /");
    assert!(
        attempts[0]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "content-type")
    );
    // The invalid one explains itself.
    let gh = ids(&inspect.get_json("/api/deliveries?provider=github"))[0].clone();
    let d = inspect.get_json(&format!("/api/deliveries/{gh}"));
    assert_eq!(d["verdict"]["verdict"], "invalid");
    assert!(d["verdict"]["cause"].is_string(), "{:#}", d["verdict"]);

    // The curl command and the portable document, for the copy buttons.
    let curl = inspect.get(&format!("/api/deliveries/{id}/curl"));
    assert_eq!(
        curl.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert!(
        text(&curl).starts_with("curl -sS -X POST"),
        "{}",
        text(&curl)
    );
    assert!(text(&curl).contains("Stripe-Signature: t="));
    let portable = inspect.get_json(&format!("/api/deliveries/{id}/document"));
    assert_eq!(portable, doc);
    // A short id works as in `show`; an unknown one is a 404.
    let short = &id[id.len() - 8..];
    assert_eq!(
        inspect.get_json(&format!("/api/deliveries/{short}"))["id"],
        id
    );
    assert_eq!(inspect.get("/api/deliveries/zzzzzzzz").status, 404);
}

#[test]
fn a_script_body_is_served_as_data() {
    let s = seed();
    let inspect = Inspect::start(s.store.path(), &[], &[]);
    let id = ids(&inspect.get_json("/api/deliveries?q=script"))[0].clone();
    let r = inspect.get(&format!("/api/deliveries/{id}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    let d: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(d["body"]["text"], SCRIPT_BODY);
    assert!(d["body"].get("json").is_none());

    // The page: no inline script, and its script writes text, never markup.
    let page = inspect.get("/");
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = text(&page);
    assert!(html.contains("<script src=\"/app.js\" defer></script>"));
    assert_eq!(html.matches("<script").count(), 1, "no inline script");
    let js = text(&inspect.get("/app.js"));
    assert!(js.contains("textContent"));
    assert!(!js.contains("innerHTML") && !js.contains("insertAdjacentHTML"));
}

/// A replay from the page to an HTTPS app with its own certificate: refused
/// (the certificate named) without trust, delivered with `inspect
/// --insecure` or `--ca FILE`, as `replay` does.
#[test]
fn replays_to_a_self_signed_https_app_with_insecure_or_ca() {
    let s = seed();
    let app = crate::common::TlsApp::start();
    let dir = tempdir();
    let ca = app.ca_file(dir.path());
    let id = {
        let inspect = Inspect::start(s.store.path(), &[], &[]);
        let id = ids(&inspect.get_json("/api/deliveries?provider=stripe"))[0].clone();
        let r = inspect.replay(&id, json!({ "mode": "exact", "to": app.url() }));
        assert!(
            text(&r).contains("certificate"),
            "{} {}",
            r.status,
            text(&r)
        );
        id
    };
    assert!(app.raw().is_empty(), "nothing reached the app untrusted");
    for trust in [vec!["--insecure"], vec!["--ca", ca.to_str().unwrap()]] {
        let inspect = Inspect::start(s.store.path(), &trust, &[]);
        let r = inspect.replay(&id, json!({ "mode": "exact", "to": app.url() }));
        assert_eq!(r.status, 200, "{trust:?}: {}", text(&r));
        let answer: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(answer["attempt"]["status"], 200, "{trust:?}: {answer}");
    }
    assert_eq!(app.raw().len(), 2, "both trusted replays arrived");
}

#[test]
fn replays_exactly_and_re_signed_and_records_them() {
    let s = seed();
    let inspect = Inspect::start(
        s.store.path(),
        &["--secret-env", SECRET_VAR],
        &[(SECRET_VAR, SECRET)],
    );
    let id = ids(&inspect.get_json("/api/deliveries?provider=stripe"))[0].clone();
    let original = s.app.requests()[0].clone();

    // Exact, to where it was forwarded: the same bytes and signature.
    let r = inspect.replay(&id, json!({ "mode": "exact" }));
    assert_eq!(r.status, 200, "{}", text(&r));
    let answer: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(answer["resigned"], false);
    assert_eq!(answer["attempt"]["status"], 200);
    assert_eq!(answer["attempt"]["kind"], "replay");
    let got = s.app.requests()[3].clone();
    assert_eq!(got.body, original.body);
    assert_eq!(got.target, "/");
    assert_eq!(
        got.header("stripe-signature"),
        original.header("stripe-signature")
    );

    // Re-signed, to another URL: a fresh signature that Stripe's check accepts.
    let other = Receiver::start(|_| (202, b"other".to_vec()));
    let r = inspect.replay(&id, json!({ "mode": "resign", "to": other.url() }));
    assert_eq!(r.status, 200, "{}", text(&r));
    let answer: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(answer["resigned"], true);
    assert_eq!(answer["attempt"]["status"], 202);
    assert!(
        answer["url"].as_str().unwrap().starts_with(&other.url()),
        "{answer}"
    );
    let got = other.requests()[0].clone();
    assert_eq!(got.body, original.body);
    let sig = got.header("stripe-signature").unwrap();
    assert!(stripe_valid(sig, &got.body, SECRET), "{sig}");
    assert!(!stripe_valid(sig, &got.body, "whsec_other"));

    // Both recorded, as `hookcli replay` records them; the new attempts show at once.
    let d = inspect.get_json(&format!("/api/deliveries/{id}"));
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[1]["kind"], "replay");
    assert!(attempts[1]["sent"].is_null(), "exact: nothing differs");
    assert_eq!(attempts[2]["status"], 202);
    assert_eq!(
        attempts[2]["sent"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "Stripe-Signature")
            .unwrap()[1],
        sig
    );
    let shown = run(hookcli()
        .args(["show", &id, "--json", "--store"])
        .arg(s.store.path()));
    let doc: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(doc["attempts"].as_array().unwrap().len(), 3);

    // The secret is never part of an answer.
    for path in [
        "/api/info",
        &format!("/api/deliveries/{id}"),
        "/api/deliveries",
    ] {
        assert!(!text(&inspect.get(path)).contains(SECRET), "{path}");
    }
    assert_eq!(
        inspect.get_json("/api/info")["resign"]["secret_from"],
        SECRET_VAR
    );
}

#[test]
fn an_edited_body_is_sent_re_signed() {
    let s = seed();
    let id = {
        let inspect = Inspect::start(s.store.path(), &[], &[]);
        let id = ids(&inspect.get_json("/api/deliveries?provider=stripe"))[0].clone();
        // Without a secret an edit cannot be signed: refused, nothing sent.
        let r = inspect.replay(&id, json!({ "body": "{\"edited\":true}" }));
        assert_eq!(r.status, 400);
        assert!(text(&r).contains("--secret-env"), "{}", text(&r));
        let r = inspect.replay(&id, json!({ "mode": "resign" }));
        assert_eq!(r.status, 400);
        assert_eq!(s.app.hit_count(), 3);
        id
    };
    let inspect = Inspect::start(
        s.store.path(),
        &["--secret-env", SECRET_VAR],
        &[(SECRET_VAR, SECRET)],
    );
    let edited =
        "{\n  \"id\": \"evt_edited\",\n  \"type\": \"invoice.paid\",\n  \"amount\": 5000\n}";
    let r = inspect.replay(&id, json!({ "mode": "exact", "body": edited }));
    assert_eq!(r.status, 200, "{}", text(&r));
    let answer: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(answer["resigned"], true, "an edit is always re-signed");
    let got = s.app.requests()[3].clone();
    assert_eq!(got.body, edited.as_bytes(), "the edited bytes, as typed");
    assert!(stripe_valid(
        got.header("stripe-signature").unwrap(),
        &got.body,
        SECRET
    ));
    let d = inspect.get_json(&format!("/api/deliveries/{id}"));
    let last = d["attempts"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["sent"]["body"]["text"], edited);
    // The recorded request is untouched: a replay adds an attempt only.
    assert_eq!(
        d["body"]["text"].as_str().unwrap().as_bytes(),
        &s.stripe_body[..]
    );
    // A body with an unknown field in the request is refused, not guessed at.
    let r = inspect.replay(&id, json!({ "mode": "exact", "secret": "x" }));
    assert_eq!(r.status, 400);
    assert_eq!(s.app.hit_count(), 4);
}

#[test]
fn refuses_requests_without_the_token() {
    let s = seed();
    let inspect = Inspect::start(s.store.path(), &[], &[]);
    let id = ids(&inspect.get_json("/api/deliveries"))[0].clone();
    let host = vec![("Host".to_string(), inspect.addr.to_string())];
    let r = call(inspect.addr, "GET", "/api/deliveries", &host, b"");
    assert_eq!(r.status, 401);
    let mut wrong = host.clone();
    wrong.push(("X-Hookcli-Token".into(), "0".repeat(64)));
    assert_eq!(
        call(inspect.addr, "GET", "/api/deliveries", &wrong, b"").status,
        403
    );
    // A replay without the token, otherwise as the page sends it.
    let mut page = host.clone();
    page.push(("Origin".into(), format!("http://{}", inspect.addr)));
    page.push(("Content-Type".into(), "application/json".into()));
    let path = format!("/api/deliveries/{id}/replay");
    let body = br#"{"mode":"exact"}"#;
    assert_eq!(call(inspect.addr, "POST", &path, &page, body).status, 401);
    wrong.extend(page[1..].iter().cloned());
    assert_eq!(call(inspect.addr, "POST", &path, &wrong, body).status, 403);
    assert_eq!(s.app.hit_count(), 3, "nothing was replayed");
    // The page itself holds no data and needs no token.
    assert_eq!(call(inspect.addr, "GET", "/", &host, b"").status, 200);
    // The token changes at every launch.
    let again = Inspect::start(s.store.path(), &[], &[]);
    assert_ne!(again.token, inspect.token);
}

#[test]
fn another_origin_cannot_replay() {
    let s = seed();
    let inspect = Inspect::start(s.store.path(), &[], &[]);
    let id = ids(&inspect.get_json("/api/deliveries"))[0].clone();
    let path = format!("/api/deliveries/{id}/replay");
    let body = br#"{"mode":"exact"}"#;
    let with = |extra: &[(&str, &str)]| {
        let mut h = inspect.headers();
        h.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        call(inspect.addr, "POST", &path, &h, body)
    };
    // What a page on another site can send: its Origin, cross-site metadata.
    let r = with(&[
        ("Origin", "http://evil.example"),
        ("Content-Type", "application/json"),
    ]);
    assert_eq!(r.status, 403, "{}", text(&r));
    let r = with(&[
        ("Sec-Fetch-Site", "cross-site"),
        ("Content-Type", "application/json"),
    ]);
    assert_eq!(r.status, 403);
    let r = with(&[("Origin", "null"), ("Content-Type", "application/json")]);
    assert_eq!(r.status, 403);
    // A plain form post (no preflight) cannot carry JSON.
    let origin = format!("http://{}", inspect.addr);
    let r = with(&[
        ("Origin", &origin),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ]);
    assert_eq!(r.status, 415);
    // A preflight gets no CORS permission, and no answer ever carries one.
    let mut pre = inspect.headers();
    pre.push(("Origin".into(), "http://evil.example".into()));
    pre.push(("Access-Control-Request-Method".into(), "POST".into()));
    let r = call(inspect.addr, "OPTIONS", &path, &pre, b"");
    assert_ne!(r.status, 200);
    assert_ne!(r.status, 204);
    for r in [r, inspect.get("/api/deliveries"), inspect.get("/")] {
        assert!(
            r.headers
                .iter()
                .all(|(n, _)| !n.to_ascii_lowercase().starts_with("access-control-")),
            "{:?}",
            r.headers
        );
    }
    assert_eq!(s.app.hit_count(), 3, "nothing was replayed");
    // The same request from the page's own origin goes through.
    let r = with(&[
        ("Origin", &origin),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/json"),
    ]);
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(s.app.hit_count(), 4);
}

#[test]
fn the_host_must_name_the_inspector() {
    let store = tempdir();
    let inspect = Inspect::start(store.path(), &[], &[]);
    let port = inspect.addr.port();
    let with_host = |host: &str, path: &str| {
        let h = vec![
            ("Host".to_string(), host.to_string()),
            ("X-Hookcli-Token".to_string(), inspect.token.clone()),
        ];
        call(inspect.addr, "GET", path, &h, b"").status
    };
    // DNS rebinding: a name of the attacker's that resolves to 127.0.0.1.
    assert_eq!(with_host(&format!("rebind.example:{port}"), "/"), 421);
    assert_eq!(
        with_host(&format!("rebind.example:{port}"), "/api/deliveries"),
        421
    );
    assert_eq!(with_host("127.0.0.1:1", "/api/deliveries"), 421);
    assert_eq!(
        with_host(&format!("127.0.0.1:{port}"), "/api/deliveries"),
        200
    );
    assert_eq!(
        with_host(&format!("localhost:{port}"), "/api/deliveries"),
        200
    );
    let none = call(
        inspect.addr,
        "GET",
        "/",
        &[("X-Hookcli-Token".into(), inspect.token.clone())],
        b"",
    );
    assert_eq!(none.status, 421);
    // An empty store is a page with nothing in it yet.
    assert_eq!(inspect.get_json("/api/deliveries")["deliveries"], json!([]));
}

/// `hookcli send` of a GitHub delivery to `url`, which must succeed.
fn send_github(url: &str) {
    run(hookcli().args([
        "send",
        "--provider",
        "github",
        "--secret",
        "x",
        "--url",
        url,
    ]))
    .assert_code(0);
}

/// listen's inspector replays with listen's trust: with `--insecure`, a
/// delivery forwarded to an HTTPS app with its own certificate can be
/// replayed from the page to it too.
#[test]
fn listen_s_inspector_replays_with_listen_s_trust() {
    let store = tempdir();
    let app = crate::common::TlsApp::start();
    let mut listen = Listen::start(
        store.path(),
        &["--inspect=0", "--json", "--insecure", "--url", &app.url()],
        &[],
    );
    let banner: Value =
        serde_json::from_str(listen.stdout().lines().next().unwrap()).expect("JSON banner");
    let (addr, token) = parse_url(banner["inspect"].as_str().expect("inspect URL"));
    send_github(listen.url());
    assert_eq!(app.raw().len(), 1, "forwarded over TLS");
    let headers = vec![
        ("Host".to_string(), addr.to_string()),
        ("X-Hookcli-Token".to_string(), token),
        ("Origin".to_string(), format!("http://{addr}")),
        ("Sec-Fetch-Site".to_string(), "same-origin".to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    let list = call(addr, "GET", "/api/deliveries", &headers, b"");
    let id = ids(&serde_json::from_slice(&list.body).unwrap())[0].clone();
    let r = call(
        addr,
        "POST",
        &format!("/api/deliveries/{id}/replay"),
        &headers,
        json!({ "mode": "exact" }).to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(app.raw().len(), 2, "replayed over TLS");
    let _ = listen.terminate(Duration::from_secs(10));
}

#[test]
fn listen_serves_the_inspector_and_it_sees_new_deliveries_at_once() {
    let store = tempdir();
    let mut listen = Listen::start(store.path(), &["--inspect=0", "--json"], &[]);
    let banner: Value =
        serde_json::from_str(listen.stdout().lines().next().unwrap()).expect("JSON banner");
    let (addr, token) = parse_url(banner["inspect"].as_str().expect("inspect URL"));
    assert!(addr.ip().is_loopback());
    let headers = vec![
        ("Host".to_string(), addr.to_string()),
        ("X-Hookcli-Token".to_string(), token),
    ];
    let get = |path: &str| -> Value {
        let r = call(addr, "GET", path, &headers, b"");
        assert_eq!(r.status, 200, "{}", text(&r));
        serde_json::from_slice(&r.body).unwrap()
    };
    let cursor = get("/api/deliveries")["cursor"]
        .as_str()
        .unwrap()
        .to_string();
    // A request for changes waits; a delivery recorded meanwhile ends the wait.
    let waiting = {
        let (headers, cursor) = (headers.clone(), cursor.clone());
        std::thread::spawn(move || {
            let start = std::time::Instant::now();
            let r = call(
                addr,
                "GET",
                &format!("/api/changes?cursor={cursor}"),
                &headers,
                b"",
            );
            (r, start.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    send_github(listen.url());
    let (r, waited) = waiting.join().unwrap();
    let changed: Value = serde_json::from_slice(&r.body).unwrap();
    assert_ne!(changed["cursor"], cursor.as_str());
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    let list = get("/api/deliveries");
    assert_eq!(list["deliveries"][0]["provider"], "github");
    assert_eq!(list["cursor"], changed["cursor"]);
    // listen stops cleanly with its inspector.
    let status = listen.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}

#[test]
fn bad_launches_are_one_line_errors() {
    let store = tempdir();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    run(hookcli()
        .args(["inspect", "--port", &port, "--store"])
        .arg(store.path()))
    .assert_error(3, &["already in use", "--port"]);
    run(hookcli()
        .args([
            "inspect",
            "--port",
            "0",
            "--secret-env",
            "HOOKCLI_INSPECT_UNSET",
        ])
        .env_remove("HOOKCLI_INSPECT_UNSET"))
    .assert_error(2, &["HOOKCLI_INSPECT_UNSET", "not set"]);
    run(hookcli().args(["inspect", "--port", "0", "--provider", "stripe"]))
        .assert_error(2, &["--secret-env"]);
}

/// Issue 14, fault 8: SIGTERM while a client holds a request half-sent. The
/// stuck connection held a store handle, so the exit waited forever; now
/// nothing is in flight, so it need not even wait out the 30 s grace.
#[test]
fn inspect_exits_on_sigterm_while_a_client_holds_a_half_sent_request() {
    use std::io::Write;
    for half in ["head", "body"] {
        let store = tempdir();
        let mut inspect = Inspect::start(store.path(), &[], &[]);
        let mut conn = std::net::TcpStream::connect(inspect.addr).unwrap();
        let mut headers = inspect.headers();
        let sent: Vec<u8> = if half == "head" {
            format!("GET /api/info HTTP/1.1\r\nHost: {}\r\n", inspect.addr).into_bytes()
        } else {
            headers.push(("Origin".into(), format!("http://{}", inspect.addr)));
            headers.push(("Sec-Fetch-Site".into(), "same-origin".into()));
            headers.push(("Content-Type".into(), "application/json".into()));
            headers.push(("Content-Length".into(), "1000".into()));
            let mut req = b"POST /api/deliveries/01abc/replay HTTP/1.1\r\n".to_vec();
            for (n, v) in &headers {
                req.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
            }
            req.extend_from_slice(b"\r\n{\"body\":");
            req
        };
        conn.write_all(&sent).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let started = std::time::Instant::now();
        let killed = Command::new("kill")
            .args(["-TERM", &inspect.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let mut status = None;
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(s) = inspect.child.try_wait().unwrap() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            status.is_some_and(|s| s.success()),
            "inspect with a half-sent {half} still ran {:?} after SIGTERM ({status:?})",
            started.elapsed()
        );
        eprintln!(
            "half-sent {half}: exited {:?} after SIGTERM",
            started.elapsed()
        );
        drop(conn);
    }
}

/// A delivery refused at capture kept no body: neither `show --curl` nor
/// the page's copy button gives a command (both gave one sending an empty
/// body, another request than the one that came).
#[test]
fn a_delivery_refused_at_capture_has_no_curl_command() {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &["--max-body", "1KiB"], &[]);
    let addr = listen.addr();
    let head = request_head(
        "POST",
        "/big",
        &[
            ("Host".into(), addr.to_string().into_bytes()),
            ("Content-Length".into(), b"5000".to_vec()),
        ],
    );
    let r = raw_request(addr, &head, b"").expect("an answer");
    assert_eq!(r.status, 413);
    let id = r.header("x-hookcli-delivery").expect("an id").to_string();
    let shown = run(hookcli()
        .args(["show", &id, "--curl", "--store"])
        .arg(store.path()));
    shown.assert_error(2, &["refused at capture", "no curl command"]);
    let inspect = Inspect::start(store.path(), &[], &[]);
    let curl = inspect.get(&format!("/api/deliveries/{id}/curl"));
    assert_eq!(curl.status, 400, "{}", text(&curl));
    assert!(text(&curl).contains("no curl command sends it again"));
}

/// `--open` where the desktop's opener finds no browser (`xdg-open` starts,
/// then exits 3): the failure is said, not swallowed, and the page still serves.
#[cfg(target_os = "linux")]
#[test]
fn open_says_so_when_no_browser_opened() {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempdir();
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        "#!/bin/sh\nprintf '%s' \"$1\" > \"$0.url\"\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = tempdir();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_hookcli"))
        .env_remove("HOOKCLI_STORE")
        .env("HOOKCLI_CONFIG", "")
        .env("PATH", path)
        .args(["inspect", "--port", "0", "--open", "--store"])
        .arg(store.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start hookcli inspect");
    let seen = crate::common::collect(&mut child);
    let stderr = || String::from_utf8_lossy(&seen.stderr.lock().unwrap()).into_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !stderr().contains('\n') && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let warning = stderr();
    assert!(
        warning.starts_with("hookcli: warning: could not open a browser (xdg-open exit status: 3)")
            && warning.trim_end().ends_with("open the URL above"),
        "inspect --open said nothing, or not this, when the opener failed: {warning:?}"
    );
    let opened = std::fs::read_to_string(bin.path().join("xdg-open.url")).unwrap();
    assert!(
        opened.contains("/?token="),
        "the opener got the page's URL: {opened}"
    );
}
