//! Issue 14, fault 7: what listen answers a sender (who may be on the
//! internet, through the relay) says only what went wrong, in general
//! terms: never the app's URL, its credentials or query, nor the store's
//! path or SQLite's words. The local line and the recorded attempt keep
//! the detail, the URL's userinfo and query redacted in the line.

use std::net::TcpListener;

use serde_json::Value;

use crate::common::{Listen, RawResponse};
use crate::deliver::{cli, contains, delivery_id, post};

const USER: &str = "admin";
const PASSWORD: &str = "hunter2";
const KEY: &str = "SECRETKEY";

fn error_of(r: &RawResponse) -> String {
    let v: Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&r.body)));
    v["error"].as_str().expect("an error").to_string()
}

fn assert_tells_nothing(r: &RawResponse, also: &[&str]) {
    let fixed = [USER, PASSWORD, KEY, "127.0.0.1", "base", "hookcli.db"];
    for needle in fixed.iter().chain(also) {
        assert!(
            !contains(&r.body, needle),
            "the sender was told {needle:?}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
}

fn app_url(port: u16) -> String {
    format!("http://{USER}:{PASSWORD}@127.0.0.1:{port}/base?apikey={KEY}")
}

#[test]
fn the_sender_learns_nothing_of_the_app_that_failed() {
    // Nothing listens here: 502.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    // This one takes the connection and never answers: 504.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();

    let store = tempfile::tempdir().unwrap();
    let unreachable = Listen::start(store.path(), &["--forward-to", &app_url(closed_port)], &[]);
    let r = post(unreachable.addr(), "/x", &[], b"{}");
    assert_eq!(r.status, 502);
    assert_eq!(error_of(&r), "the app is unreachable");
    assert_tells_nothing(&r, &[&closed_port.to_string()]);
    let id = delivery_id(&r);

    // A path that would climb out of the app's base path: 400.
    let r = post(unreachable.addr(), "/%2e%2e/outside", &[], b"{}");
    assert_eq!(r.status, 400);
    assert_tells_nothing(&r, &[&closed_port.to_string()]);

    // The record keeps the detail; the line has it with the URL redacted.
    let doc: Value =
        serde_json::from_slice(&cli(store.path(), &["show", &id, "--json"]).stdout).unwrap();
    let attempt = &doc["attempts"][0];
    let error = attempt["error"].as_str().expect("the attempt's error");
    assert!(
        error.contains("unreachable") && error.contains(&closed_port.to_string()),
        "{error}"
    );
    assert!(!error.contains(PASSWORD) && !error.contains(KEY), "{error}");
    let full = format!("http://{USER}:{PASSWORD}@127.0.0.1:{closed_port}/base/x?apikey={KEY}");
    assert_eq!(
        attempt["target"].as_str(),
        Some(full.as_str()),
        "replay needs it whole"
    );
    let line = unreachable.stdout();
    assert!(
        line.contains("unreachable") && line.contains("***"),
        "{line}"
    );
    assert!(line.contains("leave the forward target"), "{line}");
    for needle in [PASSWORD, KEY] {
        assert!(
            !line.contains(needle),
            "listen's output holds {needle}\n{line}"
        );
    }
    drop(unreachable);

    let slow_store = tempfile::tempdir().unwrap();
    let slow = Listen::start(
        slow_store.path(),
        &[
            "--forward-to",
            &app_url(silent_port),
            "--forward-timeout",
            "1s",
        ],
        &[],
    );
    let r = post(slow.addr(), "/x", &[], b"{}");
    assert_eq!(r.status, 504);
    assert_eq!(error_of(&r), "the app did not answer in time");
    assert_tells_nothing(&r, &[&silent_port.to_string()]);
    drop(silent);
}

/// A store that cannot take the delivery (here another process holds its
/// write lock past the 5 s wait): the sender gets a 500 and a general
/// reason; listen's stderr has the store's path and SQLite's words, with
/// no "Invalid parameter name" in front; the next delivery is kept.
#[test]
fn a_store_failure_tells_the_sender_only_that_it_was_not_recorded() {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &[], &[]);
    assert_eq!(post(listen.addr(), "/", &[], b"{}").status, 200);

    let lock = rusqlite::Connection::open(store.path().join("hookcli.db")).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let r = post(listen.addr(), "/", &[], b"{}");
    assert_eq!(r.status, 500);
    assert_eq!(error_of(&r), "could not record the delivery");
    assert_tells_nothing(&r, &[store.path().to_str().unwrap(), "locked"]);
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);

    // Written before the answer, maybe in pieces; read off the pipe by a thread.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !listen.stderr().ends_with('\n') && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let stderr = listen.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line\n{stderr}");
    assert!(
        lines[0].starts_with("hookcli: error: could not record a delivery: "),
        "{stderr}"
    );
    assert!(
        lines[0].contains("hookcli.db") && lines[0].contains("locked"),
        "{stderr}"
    );
    assert!(!lines[0].contains("Invalid parameter name"), "{stderr}");

    assert_eq!(post(listen.addr(), "/", &[], b"{}").status, 200);
}
