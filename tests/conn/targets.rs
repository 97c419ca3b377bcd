//! Request targets that are no path: `OPTIONS *` (asterisk-form) and
//! `host:port` (authority-form), as recorded, answered, shown and replayed.

use std::time::Duration;

use super::*;
use crate::common::Receiver;

/// `head` on a fresh connection to `addr`: the answer, and its delivery id.
fn answered(addr: SocketAddr, head: &str) -> (Answer, String) {
    let mut s = open_with(addr, head.replace("{host}", &addr.to_string()).as_bytes());
    let answer = read_answer(&mut s, Duration::from_secs(10)).expect("an answer");
    let id = answer.header("x-hookcli-delivery").expect("an id");
    (answer, id)
}

/// `OPTIONS *` asks about the server the sender reached, listen: it is
/// answered and recorded there, never forwarded (it reached the app as
/// `OPTIONS /app/*`); `show --curl` sends `*` as curl's request target (it
/// printed `http://host*`), and a replay says there is no path to send to.
#[test]
fn options_asterisk_is_answered_by_listen_shown_as_valid_curl_and_not_replayed() {
    let app = Receiver::start(|_| (204, Vec::new()));
    let base = format!("{}/app", app.url());
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &["--forward-to", &base], None);
    let (answer, id) = answered(addr, "OPTIONS * HTTP/1.1\r\nHost: {host}\r\n\r\n");
    assert_eq!(answer.status, 200, "{}", answer.head);
    let doc = show(store.path(), &id);
    assert_eq!(doc["request"]["target"], "*");
    assert_eq!(doc["attempts"][0]["kind"], "respond", "{doc}");

    // OPTIONS fits the list's method column: the path stands under PATH.
    let mut cmd = hookcli();
    cmd.args(["list", "--store"]).arg(store.path());
    let listed = run(&mut cmd).stdout();
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(
        lines[0].find("PATH"),
        lines[1].find(" * ").map(|i| i + 1),
        "{listed}"
    );

    let mut cmd = hookcli();
    cmd.args(["show", &id, "--curl", "--store"])
        .arg(store.path());
    let curl = run(&mut cmd);
    curl.assert_code(0);
    let line = curl.stdout();
    assert!(
        line.starts_with(&format!(
            "curl -sS -X OPTIONS 'http://{addr}/' --request-target '*' "
        )),
        "{line}"
    );

    let mut cmd = hookcli();
    cmd.args(["replay", &id, "--to", &base, "--store"])
        .arg(store.path());
    let replay = run(&mut cmd);
    replay.assert_error(2, &["which is no path", "nothing to replay it to"]);
    assert_eq!(app.hit_count(), 0, "nothing reaches the app");
}

/// `*` is for OPTIONS alone and `host:port` for CONNECT alone: any other
/// method with them is refused with 400 and kept, the target as sent.
#[test]
fn a_target_that_is_no_path_with_another_method_is_400_and_kept() {
    let app = Receiver::start(|_| (200, Vec::new()));
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &["--forward-to", &app.url()], None);
    for (method, target) in [("GET", "*"), ("POST", "app.example:443")] {
        let head =
            format!("{method} {target} HTTP/1.1\r\nHost: {{host}}\r\nContent-Length: 2\r\n\r\nhi");
        let (answer, id) = answered(addr, &head);
        assert_eq!(answer.status, 400, "{method} {target}: {}", answer.head);
        let doc = show(store.path(), &id);
        assert_eq!(doc["request"]["target"], target);
        assert_eq!(doc["request"]["method"], method);
    }
    assert_eq!(app.hit_count(), 0, "nothing reaches the app");
}

/// An absolute-form target (`POST http://host/path`, as a proxy client
/// sends) is recorded and forwarded by its path, below the forward base,
/// with its head as sent: its header names fell back to lowercase, the
/// captured target not matching hyper's path.
#[test]
fn an_absolute_form_target_is_recorded_and_forwarded_by_its_path_with_its_head() {
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let base = format!("{}/app", app.url());
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &["--forward-to", &base], None);
    let head = "POST http://evil.example/in/x?q=1 HTTP/1.1\r\nHost: {host}\r\nX-Mixed-Case: K\r\nContent-Length: 2\r\n\r\nhi";
    let (answer, id) = answered(addr, head);
    assert_eq!(answer.status, 200, "{}", answer.head);
    let doc = show(store.path(), &id);
    assert_eq!(doc["request"]["target"], "/in/x?q=1");
    assert_eq!(doc["request"]["headers"][1][0], "X-Mixed-Case", "{doc}");
    let sent = &app.requests()[0];
    assert_eq!(sent.target, "/app/in/x?q=1");
    assert_eq!(sent.header("x-mixed-case"), Some("K"));
}

/// A target holding what URL parsing percent-encodes (`{id}`, UTF-8, `'`)
/// reaches the app as the sender wrote it, forwarded and replayed alike: it
/// went as `/app/in/%7Bid%7D/caf%C3%A9?q=%27a%27`, another path to the app.
#[test]
fn a_target_reaches_the_app_byte_for_byte_forwarded_and_replayed() {
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let base = format!("{}/app", app.url());
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &["--forward-to", &base], None);
    let target = "/in/{id}/caf\u{e9}?q='a'&r=%41";
    let head = format!("POST {target} HTTP/1.1\r\nHost: {{host}}\r\nContent-Length: 2\r\n\r\nhi");
    let (answer, id) = answered(addr, &head);
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert_eq!(show(store.path(), &id)["request"]["target"], target);
    let mut cmd = hookcli();
    cmd.args(["replay", &id, "--to", &base, "--store"])
        .arg(store.path());
    run(&mut cmd).assert_code(0);
    let sent: Vec<String> = app.requests().iter().map(|r| r.target.clone()).collect();
    assert_eq!(sent, [format!("/app{target}"), format!("/app{target}")]);
}

/// At the relay a target that is no path names no channel: CONNECT is
/// refused as at listen (405, never a 2xx that says a tunnel is open),
/// `OPTIONS *` is answered about the relay itself, and `*` with another
/// method is 400; all were 404, "deliveries go to /<channel>/<path>".
#[test]
fn the_relay_answers_targets_that_are_no_path_as_listen_does() {
    let (_relay, addr) = Server::relay(&[]);
    for (head, status) in [
        (
            "CONNECT app.example:443 HTTP/1.1\r\nHost: app.example:443\r\n\r\n",
            405,
        ),
        ("OPTIONS * HTTP/1.1\r\nHost: {host}\r\n\r\n", 200),
        ("GET * HTTP/1.1\r\nHost: {host}\r\n\r\n", 400),
    ] {
        let mut s = open_with(addr, head.replace("{host}", &addr.to_string()).as_bytes());
        let answer = read_answer(&mut s, Duration::from_secs(10)).expect("an answer");
        assert_eq!(answer.status, status, "{head}: {}", answer.head);
    }
}
