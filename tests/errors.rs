//! Every error is one `hookcli: error: …` line (plus at most one `try: …`)
//! and no Rust internals reach it: a battery of failing runs, each stderr
//! scanned for structures, `Some(`, `Os {` and links to library docs.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::common::{Listen, Receiver, Run, hookcli, run_within};

/// The shape every failing run's stderr must have.
fn assert_one_plain_line(what: &str, out: &Run) {
    let stderr = out.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        !lines.is_empty() && lines[0].starts_with("hookcli: error: "),
        "{what}: no hookcli: error: line\n{out}"
    );
    assert!(
        lines.len() == 1 || (lines.len() == 2 && lines[1].starts_with("try: ")),
        "{what}: more than one line plus a try:\n{out}"
    );
    for leak in ["{", "Some(", "Os {", "docs.rs"] {
        assert!(!stderr.contains(leak), "{what}: {leak:?} leaks\n{out}");
    }
}

fn failing(args: &[&str], code: i32, needles: &[&str]) -> Run {
    let mut cmd = hookcli();
    cmd.args(args);
    let out = run_within(&mut cmd, Duration::from_secs(30));
    out.assert_code(code);
    assert_one_plain_line(&format!("{args:?}"), &out);
    for n in needles {
        assert!(out.stderr().contains(n), "{args:?}: wants {n:?}\n{out}");
    }
    out
}

#[test]
fn usage_errors_are_one_line_and_a_try() {
    failing(
        &["list", "--since", "1x"],
        2,
        &["invalid value \"1x\" for --since"],
    );
    failing(
        &["list", "--limit", "abc"],
        2,
        &["invalid value \"abc\" for --limit"],
    );
    failing(&["list", "--limit"], 2, &["--limit"]);
    failing(&["list", "--bogus"], 2, &["unknown option --bogus"]);
    failing(&["list", "extra"], 2, &["\"extra\""]);
    failing(&["show"], 2, &["missing"]);
    failing(&["nosuchcommand"], 2, &["unknown command"]);
    failing(&["--color", "mauve", "list"], 2, &["expected one of auto"]);
    failing(
        &["send", "--flow", "x", "--data", "y"],
        2,
        &["--flow cannot be used with --data"],
    );
    failing(
        &["send", "--provider", "nope", "--url", "http://127.0.0.1:9/"],
        2,
        &["nope"],
    );
    failing(&["check"], 2, &["missing --url"]);
}

#[test]
fn suggestions_point_at_what_was_meant() {
    let out = failing(&["listen", "--frwd"], 2, &["--frwd"]);
    assert!(
        out.stderr().contains("try: hookcli listen --forward-to\n"),
        "{out}"
    );
    let out = failing(&["version"], 2, &["\"version\""]);
    assert!(out.stderr().contains("try: hookcli --version\n"), "{out}");
    let out = failing(&["lst"], 2, &[]);
    assert!(out.stderr().contains("try: hookcli list\n"), "{out}");
    let out = failing(&["list", "--since", "-1h"], 2, &["--since=-1h"]);
    assert!(
        out.stderr().contains("try: hookcli list --since=-1h\n"),
        "{out}"
    );
    let out = failing(&["listen", "--inspect", "4041"], 2, &["--inspect=4041"]);
    assert!(
        out.stderr().contains("try: hookcli listen --inspect=4041"),
        "{out}"
    );
    // Help and version are clap's, as they were.
    let mut cmd = hookcli();
    let out = run_within(cmd.arg("--version"), Duration::from_secs(30));
    out.assert_code(0);
    assert!(out.stdout().starts_with("hookcli "), "{out}");
}

#[test]
fn runtime_errors_are_one_plain_line() {
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", l.local_addr().unwrap())
    };
    failing(
        &[
            "send",
            "--provider",
            "stripe",
            "--event",
            "nope.nope",
            "--url",
            &closed,
            "--secret",
            "s",
        ],
        2,
        &["nope.nope"],
    );
    failing(&["show", "999999"], 3, &[]);
    let out = failing(
        &[
            "send",
            "--provider",
            "stripe",
            "--url",
            &closed,
            "--secret",
            "s",
        ],
        3,
        &["connection refused"],
    );
    assert!(out.stderr().contains("nothing is listening"), "{out}");
    // Said once: "could not reach X: could not connect to X" was twice.
    let out = failing(
        &[
            "check",
            "--provider",
            "stripe",
            "--url",
            &closed,
            "--secret",
            "s",
        ],
        3,
        &["could not reach"],
    );
    assert_eq!(out.stderr().matches(&closed).count(), 1, "{out}");
    failing(
        &[
            "send",
            "--provider",
            "stripe",
            "--url",
            "http://nonexistent.invalid/",
            "--secret",
            "s",
        ],
        3,
        &["does not resolve"],
    );
    failing(
        &[
            "send",
            "--provider",
            "stripe",
            "--data",
            "@/nonexistent/file",
            "--url",
            &closed,
            "--secret",
            "s",
        ],
        3,
        &["/nonexistent/file"],
    );
}

#[test]
fn a_damaged_store_is_one_plain_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hookcli.db"), vec![b'x'; 8192]).unwrap();
    let store = dir.path().to_str().unwrap();
    failing(&["list", "--store", store], 3, &[]);
    failing(&["show", "last", "--store", store], 3, &[]);
}

/// A TLS server on 127.0.0.1:0 with a fresh self-signed certificate; after
/// the handshake it reads the request and drops the connection without a
/// close_notify. Returns its URL and the certificate's PEM.
fn rude_tls_server() -> (String, String) {
    let (config, pem) = crate::common::self_signed_tls();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let _ = tls.set_timeout();
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf);
                let _ = tls.flush();
                // Dropped: the TCP connection closes, no close_notify.
            });
        }
    });
    (url, pem)
}

trait Timeout {
    fn set_timeout(&mut self) -> std::io::Result<()>;
}

impl Timeout for rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream> {
    fn set_timeout(&mut self) -> std::io::Result<()> {
        self.sock.set_read_timeout(Some(Duration::from_secs(10)))
    }
}

#[test]
fn tls_failures_are_plain_words_with_the_fix() {
    let (url, pem) = rude_tls_server();
    let out = failing(
        &[
            "send",
            "--provider",
            "stripe",
            "--url",
            &url,
            "--secret",
            "s",
        ],
        3,
        &["certificate", "--ca FILE"],
    );
    assert!(!out.stderr().contains("UnknownIssuer"), "{out}");
    // Trusted, but the server hangs up without ending TLS.
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let out = failing(
        &[
            "send",
            "--provider",
            "stripe",
            "--url",
            &url,
            "--secret",
            "s",
            "--ca",
            ca.to_str().unwrap(),
        ],
        3,
        &["closed the connection"],
    );
    assert!(!out.stderr().contains("close_notify"), "{out}");
}

#[test]
fn listen_banner_names_a_route_as_written() {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(
        store.path(),
        &["--route", "stripe:invoice.*=http://127.0.0.1:9/billing"],
        &[],
    );
    // The banner's later lines may still be on their way.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !listen.stdout().contains(" -> ") && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let banner = listen.stdout();
    listen.kill();
    assert!(
        banner.contains("route    stripe:invoice.* -> http://127.0.0.1:9/billing"),
        "{banner}"
    );
    assert!(!banner.contains("ProviderEvent"), "{banner}");
}

#[test]
fn an_enforced_refusal_says_invalid_once() {
    let store = tempfile::tempdir().unwrap();
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let mut listen = Listen::start(
        store.path(),
        &[
            "--provider",
            "stripe",
            "--secret",
            "whsec_x",
            "--enforce",
            "--forward-to",
            &app.url(),
        ],
        &[],
    );
    let mut tcp = std::net::TcpStream::connect(listen.addr()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = "{}";
    write!(
        tcp,
        "POST / HTTP/1.1\r\nHost: x\r\nStripe-Signature: t=1,v1=00\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    listen.kill();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("signature invalid: "), "{answer}");
    assert!(!answer.contains("invalid: invalid"), "{answer}");
}

fn discord_keys() -> (String, String) {
    let mut cmd = hookcli();
    let out = run_within(
        cmd.args(["keygen", "--provider", "discord", "--json"]),
        Duration::from_secs(30),
    );
    out.assert_code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout()).unwrap();
    (
        v["private"].as_str().unwrap().into(),
        v["public"].as_str().unwrap().into(),
    )
}

#[test]
fn a_wrong_ed25519_key_is_not_called_a_test_or_live_secret() {
    let (_, public) = discord_keys();
    let (other_private, _) = discord_keys();
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(
        store.path(),
        &["--provider", "discord", "--secret", &public],
        &[],
    );
    let mut cmd = hookcli();
    cmd.args([
        "send",
        "--provider",
        "discord",
        "--url",
        listen.url(),
        "--secret",
        &other_private,
    ]);
    run_within(&mut cmd, Duration::from_secs(30)).assert_code(0);
    listen.kill();
    let mut cmd = hookcli();
    cmd.args(["verify", "last", "--store", store.path().to_str().unwrap()])
        .args(["--provider", "discord", "--secret", &public]);
    let out = run_within(&mut cmd, Duration::from_secs(30));
    out.assert_code(1);
    assert!(out.stdout().contains("likely a wrong key"), "{out}");
    assert!(!out.stdout().contains("test and live"), "{out}");
}

/// A variable `--secret-env` names that the shell never set: the error says
/// to export it, and where that provider shows the secret.
#[test]
fn an_unset_secret_variable_says_how_to_set_it() {
    failing(
        &[
            "send",
            "--provider",
            "slack",
            "--secret-env",
            "UNSET_SLACK_X",
            "--print",
        ],
        2,
        &[
            "UNSET_SLACK_X (named by --secret-env) is not set",
            "export UNSET_SLACK_X=",
            "slack's: ",
            "Signing Secret",
        ],
    );
    failing(
        &["listen", "--port", "0", "--secret-env", "github=UNSET_GH_X"],
        2,
        &[
            "export UNSET_GH_X=",
            "github's: ",
            "Webhooks > your hook > Secret",
        ],
    );
}
