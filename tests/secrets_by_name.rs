//! Issue 14, fault 4: a header that carries a credential itself (GitLab's
//! `X-Gitlab-Token`, an `Authorization`, a `Proxy-Authorization`, a
//! `Cookie`) is redacted by name, always: a plain `listen` with no secret
//! writes it to no store file and no command or API shows it; a store
//! written before the fix shows it nowhere either; a relay's buffer keeps
//! none, and listen says why the buffered token could not be checked.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Listen, Run};
use crate::deliver::{cli, contains, delivery_id, post, store_bytes, token};
use crate::inspect::{Inspect, text};

const REDACTED: &str = "(redacted by hookcli)";
const GITLAB_BODY: &[u8] = br#"{"object_kind":"push","ref":"refs/heads/main"}"#;

/// The four credentials of one delivery.
struct Credentials {
    gitlab: String,
    bearer: String,
    proxy: String,
    cookie: String,
}

impl Credentials {
    fn new() -> Self {
        Credentials {
            gitlab: token("glpat-"),
            bearer: token("tok_"),
            proxy: token("proxy_"),
            cookie: token("sess_"),
        }
    }

    fn all(&self) -> [&str; 4] {
        [&self.gitlab, &self.bearer, &self.proxy, &self.cookie]
    }

    fn headers(&self) -> Vec<(String, Vec<u8>)> {
        vec![
            ("X-Gitlab-Event".into(), b"Push Hook".to_vec()),
            ("X-Gitlab-Token".into(), self.gitlab.clone().into_bytes()),
            (
                "Authorization".into(),
                format!("Bearer {}", self.bearer).into_bytes(),
            ),
            (
                "proxy-authorization".into(),
                format!("Basic {}", self.proxy).into_bytes(),
            ),
            (
                "Cookie".into(),
                format!("session={}", self.cookie).into_bytes(),
            ),
            ("Content-Type".into(), b"application/json".to_vec()),
        ]
    }

    fn assert_hidden(&self, what: &str, bytes: &[u8]) {
        for c in self.all() {
            assert!(!contains(bytes, c), "{what} holds the credential {c:?}");
        }
    }

    fn assert_run_hides(&self, what: &str, out: &Run) {
        self.assert_hidden(&format!("{what} (stdout)"), &out.stdout);
        self.assert_hidden(&format!("{what} (stderr)"), &out.stderr);
    }
}

fn send(listen: &Listen, creds: &Credentials) -> String {
    let headers = creds.headers();
    let refs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let answer = post(listen.addr(), "/hooks/gitlab", &refs, GITLAB_BODY);
    assert_eq!(answer.status, 200, "{answer:?}");
    delivery_id(&answer)
}

/// Every command and every inspector view of delivery `id` hides them.
fn assert_outputs_hide(store: &Path, id: &str, creds: &Credentials) {
    for args in [
        &["list"][..],
        &["list", "--json"][..],
        &["show", id][..],
        &["show", id, "--json"][..],
        &["show", id, "--headers"][..],
        &["show", id, "--curl"][..],
        &["replay", id, "--to", "http://127.0.0.1:9/", "--dry-run"][..],
    ] {
        let out = cli(store, args);
        out.assert_code(0);
        creds.assert_run_hides(&args.join(" "), &out);
    }
    let doc: Value = serde_json::from_slice(&cli(store, &["show", id, "--json"]).stdout)
        .expect("the portable document");
    let headers = doc["request"]["headers"].as_array().expect("headers");
    for name in [
        "x-gitlab-token",
        "authorization",
        "proxy-authorization",
        "cookie",
    ] {
        let value = headers
            .iter()
            .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .unwrap_or_else(|| panic!("{name} is kept, redacted: {doc:#}"));
        assert_eq!(value[1], REDACTED, "{name}");
    }
    // verify with the token as the secret: the verdict cannot be valid,
    // and nothing prints the token.
    let mut cmd = crate::common::hookcli();
    cmd.env("HOOKCLI_TEST_GITLAB_TOKEN", &creds.gitlab)
        .args([
            "verify",
            id,
            "--secret-env",
            "HOOKCLI_TEST_GITLAB_TOKEN",
            "--store",
        ])
        .arg(store);
    let out = crate::common::run(&mut cmd);
    assert!(matches!(out.code, Some(0 | 1)), "{out}");
    creds.assert_run_hides("verify", &out);

    let inspect = Inspect::start(store, &[], &[]);
    for path in [
        "/api/deliveries".to_string(),
        format!("/api/deliveries/{id}"),
        format!("/api/deliveries/{id}/curl"),
        format!("/api/deliveries/{id}/document"),
    ] {
        let r = inspect.get(&path);
        assert_eq!(r.status, 200, "GET {path}: {}", text(&r));
        creds.assert_hidden(&format!("the inspector's {path}"), &r.body);
    }
}

#[test]
fn credentials_reach_no_store_file_and_no_output_when_listen_has_no_secret() {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &[], &[]);
    let creds = Credentials::new();
    let id = send(&listen, &creds);

    creds.assert_hidden(
        "the store's files while listen runs",
        &store_bytes(store.path()),
    );
    assert_outputs_hide(store.path(), &id, &creds);

    let status = listen.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    creds.assert_hidden(
        "the store's files after listen stopped",
        &store_bytes(store.path()),
    );
    creds.assert_hidden("listen's stdout", listen.stdout().as_bytes());
    creds.assert_hidden("listen's stderr", listen.stderr().as_bytes());
}

/// A store written before the fix holds a token in clear: no output shows
/// it (an exact replay needs --resign, which the warning names).
#[test]
fn a_token_an_older_store_holds_is_shown_by_no_output() {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &[], &[]);
    let creds = Credentials::new();
    let id = send(&listen, &creds);
    // Generous: on a loaded 2-core machine this stop once took over 10 s.
    let status = listen.terminate(Duration::from_secs(30));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        listen.stderr()
    );

    // What an older hookcli wrote: the headers as received.
    let conn = rusqlite::Connection::open(store.path().join("hookcli.db")).unwrap();
    let headers: Vec<Value> = creds
        .headers()
        .into_iter()
        .map(|(n, v)| serde_json::json!([n, String::from_utf8(v).unwrap()]))
        .collect();
    let changed = conn
        .execute(
            "UPDATE deliveries SET headers = ?1 WHERE id = ?2",
            rusqlite::params![Value::from(headers).to_string(), id],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    assert!(
        contains(&store_bytes(store.path()), &creds.gitlab),
        "set up in clear"
    );

    assert_outputs_hide(store.path(), &id, &creds);
    let out = cli(
        store.path(),
        &["replay", &id, "--to", "http://127.0.0.1:9/", "--dry-run"],
    );
    assert!(
        out.stdout().contains("--resign"),
        "the warning names --resign\n{out}"
    );
}

/// `hookcli relay ARGS` (its token in the environment), once its banner is
/// out; killed on Drop.
struct Relay {
    child: Child,
    url: String,
}

const RELAY_TOKEN_VAR: &str = "HOOKCLI_TEST_REDACT_RELAY_TOKEN";
const RELAY_TOKEN: &str = "relay-token-redaction-test-0123456789abcdef";

impl Relay {
    fn start(buffer: &Path) -> Relay {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hookcli"))
            .env_remove("HOOKCLI_SECRET")
            .env_remove("HOOKCLI_STORE")
            .env("HOOKCLI_CONFIG", "")
            .env(RELAY_TOKEN_VAR, RELAY_TOKEN)
            .args([
                "relay",
                "--token-env",
                RELAY_TOKEN_VAR,
                "--bind",
                "127.0.0.1:0",
                "--buffer",
            ])
            .arg(buffer)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start hookcli relay");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let first = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a relay banner");
        let url = first
            .strip_prefix("hookcli relay listening on ")
            .unwrap_or_else(|| panic!("unexpected relay banner {first:?}"))
            .to_string();
        Relay { child, url }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_relay_buffer_keeps_no_credential_and_listen_says_why_it_cannot_check() {
    let buffer = tempfile::tempdir().unwrap();
    let relay = Relay::start(buffer.path());
    let addr: std::net::SocketAddr = relay
        .url
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("unexpected relay URL {}", relay.url));
    let creds = Credentials::new();
    let headers = creds.headers();
    let refs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let answer = post(addr, "/dev/hooks/gitlab", &refs, GITLAB_BODY);
    assert_eq!(answer.status, 202, "buffered: {answer:?}");
    creds.assert_hidden("the relay's buffer", &store_bytes(buffer.path()));

    // A client with the token as its secret takes the buffered delivery.
    let store = tempfile::tempdir().unwrap();
    let client = Listen::start(
        store.path(),
        &[
            "--relay",
            &relay.url,
            "--channel",
            "dev",
            "--token-env",
            RELAY_TOKEN_VAR,
            "--secret-env",
            "HOOKCLI_TEST_GITLAB_TOKEN",
        ],
        &[
            (RELAY_TOKEN_VAR, RELAY_TOKEN),
            ("HOOKCLI_TEST_GITLAB_TOKEN", &creds.gitlab),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let row = loop {
        let out = cli(store.path(), &["list", "--json"]);
        if let Some(line) = out.stdout().lines().next() {
            break serde_json::from_str::<Value>(line).expect("a JSON row");
        }
        assert!(
            Instant::now() < deadline,
            "the buffered delivery never arrived\n{}",
            client.stdout()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(row["provider"], "gitlab", "{row}");
    // Not valid (there is nothing to check), and saying why.
    assert_eq!(row["verdict"], "invalid", "{row}");
    let id = row["id"].as_str().expect("id");
    let doc: Value =
        serde_json::from_slice(&cli(store.path(), &["show", id, "--json"]).stdout).unwrap();
    let why = doc["verdict"]["explanation"].as_str().unwrap_or_default();
    assert!(why.contains("redaction mark"), "{doc:#}");
    creds.assert_hidden("the client's store", &store_bytes(store.path()));
    creds.assert_hidden(
        "the relay's buffer after the hand-over",
        &store_bytes(buffer.path()),
    );
}
