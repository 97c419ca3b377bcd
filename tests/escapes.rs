//! Issue 14, fault 6: what a sender wrote (its event type and id, header
//! values) and what an app answered reach a terminal escaped, in listen's
//! line, list, show (all its human views), verify, replay --dry-run and the
//! error lines; every JSON output keeps the exact text.

use serde_json::Value;

use crate::common::{Listen, Receiver, Run, hookcli, run};
use crate::deliver::{cli, delivery_id, post};

/// Sets the window title, erases the line, moves up and prints a fake one.
const HOSTILE_TYPE: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2K\u{1b}[1AFAKE LINE";
const HOSTILE_TYPE_SHOWN: &str = r"\x1b]0;PWNED\x07\x1b[2K\x1b[1AFAKE LINE";
const HOSTILE_ID: &str = "evt_\u{1b}[31mRED";
const HOSTILE_ID_SHOWN: &str = r"evt_\x1b[31mRED";
/// A C1 CSI and a right-to-left override, as UTF-8 in a header value.
const HOSTILE_HEADER: &str = "\u{9b}31m\u{202e}evil";
const HOSTILE_HEADER_SHOWN: &str = r"\u{9b}31m\u{202e}evil";
const APP_ANSWER: &[u8] = b"\x1b[2J\x1b]0;APP\x07 boom";
const SECRET_VAR: &str = "HOOKCLI_TEST_ESCAPE_SECRET";

fn body() -> Vec<u8> {
    serde_json::json!({ "id": HOSTILE_ID, "type": HOSTILE_TYPE, "object": "event" })
        .to_string()
        .into_bytes()
}

/// No byte that drives a terminal: C0 controls but newline and tab, DEL,
/// and the UTF-8 of C1 controls and bidi overrides.
fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let bad = text.chars().find(|c| {
        matches!(c, '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    });
    assert!(bad.is_none(), "{what} prints {bad:?} raw:\n{text}");
}

fn assert_shows(what: &str, out: &Run, needles: &[&str]) {
    assert_inert(&format!("{what} stdout"), &out.stdout);
    assert_inert(&format!("{what} stderr"), &out.stderr);
    for n in needles {
        assert!(
            out.stdout().contains(n) || out.stderr().contains(n),
            "{what} should show {n}\n{out}"
        );
    }
}

/// Waits (up to 10 s) until listen's stdout passes `done`.
fn wait_until(listen: &Listen, done: impl Fn(&str) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done(&listen.stdout()) {
        assert!(std::time::Instant::now() < deadline, "{}", listen.stdout());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn what_a_sender_wrote_reaches_the_terminal_escaped_and_json_exact() {
    let app = Receiver::start(|_| (500, APP_ANSWER.to_vec()));
    let store = tempfile::tempdir().unwrap();
    let dir = store.path();
    let mut listen = Listen::start(dir, &["--forward-to", &app.url()], &[]);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let answer = post(
            listen.addr(),
            "/hooks",
            &[
                ("Stripe-Signature", b"t=1700000000,v1=00"),
                ("X-Note", HOSTILE_HEADER.as_bytes()),
                ("Content-Type", b"application/json"),
            ],
            &body(),
        );
        assert_eq!(answer.status, 500, "the app's answer passes through");
        ids.push(delivery_id(&answer));
    }
    let id = ids[0].as_str();

    // listen's own line.
    wait_until(&listen, |out| out.matches(" stripe ").count() >= 2);
    assert_inert("listen's line", listen.stdout().as_bytes());
    assert!(
        listen.stdout().contains(HOSTILE_TYPE_SHOWN),
        "{}",
        listen.stdout()
    );

    assert_shows("list", &cli(dir, &["list"]), &[r"\x1b]0;PWNED"]);
    assert_shows(
        "show",
        &cli(dir, &["show", id]),
        &[
            HOSTILE_TYPE_SHOWN,
            HOSTILE_ID_SHOWN,
            HOSTILE_HEADER_SHOWN,
            r"\x1b[2J\x1b]0;APP\x07 boom",
        ],
    );
    assert_shows(
        "show --headers",
        &cli(dir, &["show", id, "--headers"]),
        &[HOSTILE_HEADER_SHOWN],
    );
    assert_shows(
        "replay --dry-run",
        &cli(dir, &["replay", id, "--dry-run"]),
        &[HOSTILE_HEADER_SHOWN],
    );
    let mut cmd = hookcli();
    cmd.env(SECRET_VAR, "whsec_escapetest0123456789")
        .args(["verify", id, "--secret-env", SECRET_VAR, "--store"])
        .arg(dir);
    assert_shows("verify", &run(&mut cmd), &[HOSTILE_TYPE_SHOWN]);
    // An ambiguous id: the error lists the candidates' event types.
    let ambiguous = cli(dir, &["show", &id[..4]]);
    ambiguous.assert_code(2);
    assert_shows("an error line", &ambiguous, &[HOSTILE_TYPE_SHOWN]);
    assert_eq!(ambiguous.stderr().lines().count(), 1, "{ambiguous}");

    // JSON keeps the exact text.
    let rows: Vec<Value> = cli(dir, &["list", "--json"])
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        rows.iter()
            .all(|r| r["event_type"] == HOSTILE_TYPE && r["event_id"] == HOSTILE_ID)
    );
    let doc: Value = serde_json::from_slice(&cli(dir, &["show", id, "--json"]).stdout).unwrap();
    assert_eq!(doc["event_type"], HOSTILE_TYPE);
    assert_eq!(doc["event_id"], HOSTILE_ID);
    let note = doc["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "X-Note")
        .expect("X-Note");
    assert_eq!(note[1], HOSTILE_HEADER);
    assert_eq!(
        doc["attempts"][0]["body"]["text"],
        String::from_utf8_lossy(APP_ANSWER).as_ref()
    );
    listen.kill();

    // listen --json: the exact type too.
    let json_store = tempfile::tempdir().unwrap();
    let listen = Listen::start(json_store.path(), &["--json"], &[]);
    post(
        listen.addr(),
        "/",
        &[("Stripe-Signature", b"t=1,v1=00")],
        &body(),
    );
    wait_until(&listen, |out| out.lines().count() >= 2);
    let line = listen
        .stdout()
        .lines()
        .nth(1)
        .map(str::to_string)
        .expect("a delivery line");
    let v: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(v["event_type"], HOSTILE_TYPE);
}
