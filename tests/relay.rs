//! `hookcli relay` + `hookcli listen --relay` end to end (issue 6's
//! acceptance), on loopback only: the real binary as relay and as client,
//! an app of our own (a hyper server that answers 201 with its own headers and
//! body, slowly for `/slow...`), senders both `hookcli send` and hand-written
//! HTTP/1.1, and listen's store read back through `show --json` and SQLite.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{RawConn, RawResponse, Run, hookcli, request_head, run};

mod hardening;
mod postgres;
mod rolling;
mod team;

/// The relay's token, and the variable both sides read it from.
const TOKEN_VAR: &str = "HOOKCLI_TEST_RELAY_TOKEN";
const TOKEN: &str = "relay-token-7f3a9c2e5b1d8460-keep-out-of-logs";
/// The signing secret of the deliveries (Stripe's and Twilio's schemes).
const SECRET_VAR: &str = "HOOKCLI_TEST_RELAY_SECRET";
const SECRET: &str = "whsec_relaytest3f9a7c1e5b2d4680";
/// How long the app takes for a path under `/slow`.
const SLOW: Duration = Duration::from_secs(3);
/// The size of the app's answer for a path under `/big-answer`.
const BIG_ANSWER: usize = 2 << 20;

// ---------------------------------------------------------------------------
// A child process: first stdout line awaited, both pipes drained, killed on Drop

struct Proc {
    child: Child,
    first: String,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Proc {
    /// `hookcli ARGS` with `envs` in an environment without any hookcli
    /// variable; returns once the first stdout line is out (panics after 20 s).
    fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Proc {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookcli"));
        for var in [
            "HOOKCLI_SECRET",
            "HOOKCLI_STORE",
            "HOOKCLI_RELAY_TOKEN",
            "NO_COLOR",
        ] {
            cmd.env_remove(var);
        }
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start hookcli");
        let crate::common::Collected {
            stdout,
            stderr,
            first_line: first_rx,
            readers,
        } = crate::common::collect(&mut child);
        let first = first_rx.recv_timeout(Duration::from_secs(20));
        let mut proc = Proc {
            child,
            first: String::new(),
            stdout,
            stderr,
            readers,
        };
        match first {
            Ok(line) => proc.first = line,
            Err(_) => {
                let status = proc.wait_exit(Duration::from_secs(2));
                panic!(
                    "hookcli {args:?} printed nothing (exit {status:?})\n--- stderr ---\n{}",
                    proc.stderr()
                );
            }
        }
        proc
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Both outputs, for failure messages.
    fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}",
            self.stdout(),
            self.stderr()
        )
    }

    /// Waits until stdout holds `needle` at least `times` times.
    fn wait_for(&self, needle: &str, times: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.stdout().matches(needle).count() >= times {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `limit` for the exit, then for both pipes to be drained.
    fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                for r in self.readers.drain(..) {
                    let _ = r.join();
                }
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, and reap it.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}

// ---------------------------------------------------------------------------
// The relay and its clients

struct Relay {
    proc: Proc,
    /// `http://127.0.0.1:PORT` (or https), from the banner's first line.
    url: String,
    addr: SocketAddr,
}

impl Relay {
    /// `hookcli relay --token-env VAR --bind 127.0.0.1:0 EXTRA...` (no
    /// `--bind 127.0.0.1:0` when EXTRA has a --bind).
    fn start(extra: &[&str]) -> Relay {
        Relay::start_env(extra, &[])
    }

    /// As [`Relay::start`], with more variables in its environment.
    fn start_env(extra: &[&str], envs: &[(&str, &str)]) -> Relay {
        let mut args = vec!["relay", "--token-env", TOKEN_VAR];
        if !extra.contains(&"--bind") {
            args.extend(["--bind", "127.0.0.1:0"]);
        }
        args.extend_from_slice(extra);
        let mut all = vec![(TOKEN_VAR, TOKEN)];
        all.extend_from_slice(envs);
        let proc = Proc::spawn(&args, &all);
        let url = proc
            .first
            .strip_prefix("hookcli relay listening on ")
            .unwrap_or_else(|| panic!("unexpected relay banner {:?}", proc.first))
            .to_string();
        let addr: SocketAddr = url
            .split("://")
            .nth(1)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected relay URL {url:?}"));
        assert!(addr.ip().is_loopback(), "the relay must stay on loopback");
        Relay { proc, url, addr }
    }

    /// The address of `--metrics-bind 127.0.0.1:0`, from the banner.
    fn metrics_addr(&self) -> SocketAddr {
        assert!(
            self.proc
                .wait_for("metrics at http://", 1, Duration::from_secs(5))
        );
        self.proc
            .stdout()
            .lines()
            .find_map(|l| l.trim().strip_prefix("metrics at http://"))
            .and_then(|a| a.strip_suffix("/metrics"))
            .and_then(|a| a.parse().ok())
            .expect("the metrics address in the banner")
    }

    /// `RELAY/CHANNEL/REST`.
    fn at(&self, channel: &str, rest: &str) -> String {
        format!("{}/{channel}/{rest}", self.url)
    }

    fn stderr(&self) -> String {
        self.proc.stderr()
    }

    /// `GET /healthz` over plain HTTP: the status and the JSON body.
    fn health(&self) -> (RawResponse, Value) {
        let head = request_head("GET", "/healthz", &[header("Host", self.addr.to_string())]);
        let resp = raw(self.addr, &head, b"");
        let doc = serde_json::from_slice(&resp.body)
            .unwrap_or_else(|e| panic!("healthz is not JSON ({e}): {:?}", resp.body));
        (resp, doc)
    }

    /// Waits until `/healthz` counts `n` attached channels.
    fn wait_channels(&self, n: u64, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.health().1["channels"].as_u64() == Some(n) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `hookcli listen --port 0 --store STORE --relay RELAY --channel CHANNEL
/// --token-env VAR EXTRA...`, with the token and the signing secret in its
/// environment; returns once the banner is out, not waiting for the tunnel.
fn client(store: &Path, relay: &str, channel: &str, extra: &[&str]) -> Proc {
    let store = store.to_str().expect("UTF-8 temp path");
    let mut args = vec![
        "listen",
        "--port",
        "0",
        "--store",
        store,
        "--relay",
        relay,
        "--channel",
        channel,
        "--token-env",
        TOKEN_VAR,
    ];
    args.extend_from_slice(extra);
    let proc = Proc::spawn(&args, &[(TOKEN_VAR, TOKEN), (SECRET_VAR, SECRET)]);
    assert!(
        proc.first
            .starts_with("hookcli listening on http://127.0.0.1:")
            || proc.first.starts_with('{'),
        "unexpected listen banner {:?}",
        proc.first
    );
    proc
}

/// A client, once its tunnel is up.
fn attached(store: &Path, relay: &str, channel: &str, extra: &[&str]) -> Proc {
    let proc = client(store, relay, channel, extra);
    assert!(
        proc.wait_for("tunnel up", 1, Duration::from_secs(20)),
        "the tunnel did not come up\n{}",
        proc.dump()
    );
    proc
}

// ---------------------------------------------------------------------------
// The app behind listen

/// One request as the app got it (header names lowercase: listen forwards
/// with reqwest; the original case is checked in listen's record).
#[derive(Clone, Debug)]
struct AppRequest {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl AppRequest {
    fn values(&self, name: &str) -> Vec<Vec<u8>> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn header(&self, name: &str) -> Option<String> {
        self.values(name)
            .first()
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// The `seq` field of a JSON body.
    fn seq(&self) -> u64 {
        let doc: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body));
        doc["seq"].as_u64().expect("seq")
    }
}

/// The app's answer to every request: 201, its name in `x-app`, a duplicated
/// header, its own content type and a body that is not UTF-8. Paths under
/// `/slow` take [`SLOW`]; paths under `/big-answer` get [`BIG_ANSWER`] bytes;
/// paths under `/echo` get their own body back and their path in
/// `x-app-target`, so each answer can be told from the others.
fn app_body(name: &str) -> Vec<u8> {
    let mut body = format!("answer from app {name}: ").into_bytes();
    body.extend_from_slice(&[0xff, 0x00, 0xfe, b'\r', b'\n', 0x80]);
    body
}

struct App {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<AppRequest>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl App {
    fn start(name: &'static str) -> App {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the app");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("app address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread = {
            let requests = requests.clone();
            std::thread::spawn(move || serve_app(listener, name, requests, rx))
        };
        App {
            addr,
            requests,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/`.
    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn requests(&self) -> Vec<AppRequest> {
        self.requests.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// Waits until the app got at least `n` requests.
    fn wait_count(&self, n: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.count() >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_app(
    listener: TcpListener,
    name: &'static str,
    requests: Arc<Mutex<Vec<AppRequest>>>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    use http_body_util::{BodyExt, Full};
    use hyper::body::{Bytes, Incoming};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("app runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        loop {
            let stream = tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((s, _)) => s,
                    Err(_) => continue,
                },
            };
            let requests = requests.clone();
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let requests = requests.clone();
                async move {
                    let (parts, body) = req.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes().to_vec())
                        .unwrap_or_default();
                    let target = parts
                        .uri
                        .path_and_query()
                        .map_or("/".to_string(), |pq| pq.as_str().to_string());
                    let slow = target.starts_with("/slow");
                    let big = target.starts_with("/big-answer");
                    let echo = target
                        .starts_with("/echo")
                        .then(|| (target.clone(), body.clone()));
                    requests.lock().unwrap().push(AppRequest {
                        method: parts.method.to_string(),
                        target,
                        headers: parts
                            .headers
                            .iter()
                            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
                            .collect(),
                        body,
                    });
                    if slow {
                        tokio::time::sleep(SLOW).await;
                    }
                    let mut response = hyper::Response::builder()
                        .status(201)
                        .header("x-app", name)
                        .header("x-app-dup", "a")
                        .header("x-app-dup", "b")
                        .header("content-type", "text/x-app");
                    let body = match echo {
                        Some((target, body)) => {
                            response = response.header("x-app-target", target);
                            body
                        }
                        None if big => vec![b'z'; BIG_ANSWER],
                        None => app_body(name),
                    };
                    let response = response
                        .body(Full::new(Bytes::from(body)))
                        .expect("response");
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}

// ---------------------------------------------------------------------------
// Senders and readers

fn header(name: &str, value: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
    (name.to_string(), value.into())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("test runtime")
}

/// One request on a fresh connection, exactly as written.
fn raw(addr: SocketAddr, head: &[u8], body: &[u8]) -> RawResponse {
    crate::common::raw_request(addr, head, body)
        .unwrap_or_else(|e| panic!("request to {addr} failed: {e}"))
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

/// What a sender got back.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    /// When it came, from the sender's start.
    elapsed: Duration,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn post(client: &reqwest::Client, url: &str, body: Vec<u8>) -> Answer {
    let start = Instant::now();
    let resp = client
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url} failed: {e:?}"));
    answer(resp, start).await
}

/// What `resp` brought back, read whole; `start` is when it was sent.
async fn answer(resp: reqwest::Response, start: Instant) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let body = resp.bytes().await.expect("answer body").to_vec();
    Answer {
        status,
        headers,
        body,
        elapsed: start.elapsed(),
    }
}

/// A JSON body with a sequence number.
fn seq_body(seq: usize) -> Vec<u8> {
    format!(r#"{{"seq":{seq},"pad":"relay test delivery"}}"#).into_bytes()
}

/// Asserts the app's answer came back unchanged.
/// Posts `hook/<i>` (seq `i`) for each `i` of `range`, all at once; their
/// answers in that order.
fn post_at_once(relay: &Relay, channel: &str, range: std::ops::Range<usize>) -> Vec<Answer> {
    runtime().block_on(async {
        let client = http();
        let tasks: Vec<_> = range
            .map(|i| {
                let (client, target) = (client.clone(), relay.at(channel, &format!("hook/{i}")));
                tokio::spawn(async move { post(&client, &target, seq_body(i)).await })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        answers
    })
}

pub(super) fn assert_app_answer(
    status: u16,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
    app: &str,
) {
    let values = |name: &str| -> Vec<Vec<u8>> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect()
    };
    assert_eq!(status, 201, "the app's status");
    assert_eq!(values("x-app"), [app.as_bytes().to_vec()], "x-app");
    assert_eq!(
        values("x-app-dup"),
        [b"a".to_vec(), b"b".to_vec()],
        "duplicate headers in order"
    );
    assert_eq!(
        values("content-type"),
        [b"text/x-app".to_vec()],
        "the app's content type"
    );
    assert_eq!(body, app_body(app), "the app's body byte for byte");
    assert_eq!(
        values("x-hookcli-delivery").len(),
        1,
        "listen names the delivery"
    );
}

/// A Stripe-Signature header for `body`, signed now with [`SECRET`].
fn stripe_signature(body: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A portable body or header value: `"text"`, `{"text": ..}` or `{"base64": ..}`.
fn bytes_of(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.clone().into_bytes(),
        Value::Object(o) => {
            if let Some(t) = o.get("text").and_then(Value::as_str) {
                t.as_bytes().to_vec()
            } else {
                B64.decode(o["base64"].as_str().expect("text or base64"))
                    .expect("base64")
            }
        }
        other => panic!("not a body: {other}"),
    }
}

/// `[[name, value]]` as pairs.
fn pairs(v: &Value) -> Vec<(String, Vec<u8>)> {
    v.as_array()
        .expect("header list")
        .iter()
        .map(|p| (p[0].as_str().expect("name").to_string(), bytes_of(&p[1])))
        .collect()
}

/// `hookcli show ID --json --store STORE`.
fn show_json(store: &Path, id: &str) -> Value {
    let mut cmd = hookcli();
    cmd.args(["show", id, "--json", "--store"]).arg(store);
    let out = run(&mut cmd);
    out.assert_code(0);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"))
}

/// Every delivery in a store, oldest first: (source, public_url, body).
fn store_rows(store: &Path) -> Vec<(String, Option<String>, Vec<u8>)> {
    let conn = rusqlite::Connection::open_with_flags(
        store.join("hookcli.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the store read-only");
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let mut stmt = conn
        .prepare("SELECT source, public_url, body FROM deliveries ORDER BY seq")
        .expect("deliveries table");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// `hookcli send -p PROVIDER --url URL --secret-env VAR --json`: the run and its document.
fn send(provider: &str, url: &str) -> (Run, Value) {
    let mut cmd = hookcli();
    cmd.env(SECRET_VAR, SECRET).args([
        "send",
        "-p",
        provider,
        "--url",
        url,
        "--secret-env",
        SECRET_VAR,
        "--json",
    ]);
    let out = run(&mut cmd);
    out.assert_code(0);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    (out, doc)
}

/// A loopback port nothing listens on (bound by the OS, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().unwrap().port()
}

fn exactly_one_error_line(p: &Proc) -> String {
    let stderr = p.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one stderr line expected\n{}", p.dump());
    assert!(
        lines[0].starts_with("hookcli: error: "),
        "the error line must start with `hookcli: error: `\n{}",
        p.dump()
    );
    assert!(!stderr.contains("panicked"), "{}", p.dump());
    lines[0].to_string()
}

/// Threads of `pid` serving connections (tokio's workers; the relay starts
/// no blocking thread without --tokens, --buffer or a metrics scrape).
fn serving_threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("the relay's threads")
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|c| c.starts_with("tokio-rt-worker"))
        })
        .count()
}

/// `--threads` (env `HOOKCLI_RELAY_THREADS`): one thread serves by default,
/// as many as asked otherwise, and a relay on several still passes
/// deliveries; 0 is refused in one line.
#[test]
fn relay_serves_connections_on_one_thread_unless_told_more() {
    let one = Relay::start(&[]);
    assert_eq!(serving_threads(one.proc.child.id()), 1);
    let three = Relay::start_env(&[], &[("HOOKCLI_RELAY_THREADS", "3")]);
    assert_eq!(serving_threads(three.proc.child.id()), 3);
    let four = Relay::start(&["--threads", "4"]);
    assert_eq!(serving_threads(four.proc.child.id()), 4);
    let app = App::start("main");
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &four.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    let answers = post_at_once(&four, "dev", 0..32);
    for a in &answers {
        assert_app_answer(a.status, &a.headers, &a.body, "main");
    }
    assert_eq!(app.count(), 32);
    let out = hookcli()
        .args(["relay", "--threads", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--threads"), "{stderr}");
}

// ---------------------------------------------------------------------------
// 1. Provider -> relay -> listen -> app -> back

#[test]
fn relay_round_trip_gives_the_sender_the_app_s_exact_answer_and_a_complete_record() {
    let app = App::start("main");
    let relay = Relay::start(&[]);
    let store = tempfile::tempdir().unwrap();
    let listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &[
            "--forward-to",
            &app.url(),
            "--provider",
            "stripe",
            "--secret-env",
            SECRET_VAR,
        ],
    );
    assert!(
        listen
            .stdout()
            .contains(&format!("tunnel up: deliveries to {}/dev/", relay.url)),
        "{}",
        listen.dump()
    );

    // hookcli send, signed, to RELAY/dev/hook?q=1.
    let public = relay.at("dev", "hook?q=1");
    let (out, doc) = send("stripe", &public);
    let resp = &doc["response"];
    let resp_headers = pairs(&resp["headers"]);
    assert_app_answer(
        resp["status"].as_u64().unwrap() as u16,
        &resp_headers,
        &bytes_of(&resp["body"]),
        "main",
    );
    let id = resp_headers
        .iter()
        .find(|(n, _)| n == "x-hookcli-delivery")
        .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
        .unwrap_or_else(|| panic!("no delivery id\n{out}"));
    let sent_headers = pairs(&doc["request"]["headers"]);

    let got = app.requests();
    assert_eq!(got.len(), 1, "{got:?}");
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/hook?q=1", "path below the channel, query kept");
    assert_eq!(
        sha256_hex(&r.body),
        doc["request"]["body_sha256"].as_str().unwrap(),
        "the app got the exact body"
    );
    for (name, value) in &sent_headers {
        assert_eq!(
            r.values(name).as_slice(),
            std::slice::from_ref(value),
            "header {name} reached the app unchanged"
        );
    }

    let rec = show_json(store.path(), &id);
    assert_eq!(rec["source"], "relay", "{rec:#}");
    assert_eq!(rec["request"]["public_url"], public.as_str());
    assert_eq!(rec["request"]["target"], "/hook?q=1");
    assert_eq!(rec["request"]["method"], "POST");
    assert_eq!(rec["provider"], "stripe");
    assert_eq!(rec["event_type"], doc["event_type"]);
    assert_eq!(rec["verdict"]["verdict"], "valid", "{rec:#}");
    assert_eq!(rec["request"]["body_sha256"], doc["request"]["body_sha256"]);
    let rec_headers = pairs(&rec["request"]["headers"]);
    for h in &sent_headers {
        assert!(rec_headers.contains(h), "{h:?} recorded as sent");
    }
    let attempts = rec["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{rec:#}");
    assert_eq!(attempts[0]["kind"], "forward");
    assert_eq!(attempts[0]["status"], 201);
    assert_eq!(
        attempts[0]["target"].as_str(),
        Some(format!("{}hook?q=1", app.url()).as_str())
    );
    assert_eq!(bytes_of(&attempts[0]["body"]), app_body("main"));

    // A raw client: odd header case, duplicates, a non-UTF-8 header value and body.
    let body: Vec<u8> = b"\x00\xff\xfe not utf-8 \xc3\x28 \r\n\x80 end".to_vec();
    let signature = stripe_signature(&body);
    let target = "/dev/raw/path?q=1&q=2&e=%FF";
    let headers = vec![
        header("Host", relay.addr.to_string()),
        header("X-Odd-CASE", "MiXeD vAlUe"),
        header("x-dup", "one"),
        header("X-Dup", "two"),
        header("X-BIN", b"caf\xe9".to_vec()),
        header("Content-Type", "application/octet-stream"),
        header("Stripe-Signature", signature.clone()),
        header("Content-Length", body.len().to_string()),
    ];
    let head = request_head("POST", target, &headers);
    let resp = runtime().block_on(async {
        let mut conn = RawConn::connect(relay.addr).await.expect("connect");
        conn.send(&head, &body).await.expect("raw delivery")
    });
    assert_app_answer(resp.status, &resp.headers, &resp.body, "main");
    let id = resp.header("x-hookcli-delivery").unwrap().to_string();

    let got = app.requests();
    assert_eq!(got.len(), 2);
    let r = &got[1];
    assert_eq!(r.target, "/raw/path?q=1&q=2&e=%FF");
    assert_eq!(r.body, body, "the app got the exact bytes");
    assert_eq!(r.values("x-odd-case"), [b"MiXeD vAlUe".to_vec()]);
    assert_eq!(
        r.values("x-dup"),
        [b"one".to_vec(), b"two".to_vec()],
        "duplicates in order"
    );
    assert_eq!(r.values("x-bin"), [b"caf\xe9".to_vec()]);
    assert_eq!(r.header("stripe-signature"), Some(signature.clone()));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/octet-stream")
    );

    let rec = show_json(store.path(), &id);
    assert_eq!(rec["source"], "relay");
    assert_eq!(
        rec["request"]["public_url"],
        format!("{}{target}", relay.url).as_str()
    );
    assert_eq!(rec["request"]["target"], "/raw/path?q=1&q=2&e=%FF");
    assert_eq!(rec["verdict"]["verdict"], "valid", "{rec:#}");
    assert_eq!(bytes_of(&rec["request"]["body"]), body);
    assert_eq!(rec["request"]["body_sha256"], sha256_hex(&body).as_str());
    let rec_headers = pairs(&rec["request"]["headers"]);
    let expected: Vec<(String, Vec<u8>)> = headers
        .iter()
        .filter(|(n, _)| n != "Host" && n != "Content-Length")
        .cloned()
        .collect();
    let kept: Vec<(String, Vec<u8>)> = rec_headers
        .iter()
        .filter(|(n, _)| n != "Host" && n != "Content-Length")
        .cloned()
        .collect();
    assert_eq!(
        kept, expected,
        "headers recorded in order, original case, duplicates and bytes kept"
    );

    // The SQLite store agrees: two deliveries, both via the relay.
    let rows = store_rows(store.path());
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(source, _, _)| source == "relay"));
    assert_eq!(
        rows[1].1.as_deref(),
        Some(format!("{}{target}", relay.url).as_str())
    );
    assert_eq!(rows[1].2, body);
    assert!(!relay.stderr().contains(TOKEN) && !listen.dump().contains(TOKEN));
}

#[test]
fn relay_twilio_delivery_signed_over_the_public_url_verifies_in_listen() {
    let relay = Relay::start(&[]);
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "tw",
        &["--provider", "twilio", "--secret-env", SECRET_VAR],
    );
    let public = relay.at("tw", "sms?From=%2B15551234567");
    let (out, doc) = send("twilio", &public);
    assert_eq!(doc["response"]["status"], 200, "{out}");
    let id = pairs(&doc["response"]["headers"])
        .into_iter()
        .find(|(n, _)| n == "x-hookcli-delivery")
        .map(|(_, v)| String::from_utf8(v).unwrap())
        .unwrap_or_else(|| panic!("no delivery id\n{out}"));
    let rec = show_json(store.path(), &id);
    assert_eq!(rec["source"], "relay");
    assert_eq!(rec["provider"], "twilio");
    assert_eq!(rec["request"]["public_url"], public.as_str());
    assert_eq!(rec["verdict"]["verdict"], "valid", "{rec:#}");
}

// ---------------------------------------------------------------------------
// 2. Tokens, channels, takeover

#[test]
fn relay_refuses_a_wrong_or_missing_token_and_never_logs_it() {
    let relay = Relay::start(&[]);
    let wrong = "wrong-token-000011112222333344445555";
    let store = tempfile::tempdir().unwrap();
    let store_arg = store.path().to_str().unwrap();
    let mut listen = Proc::spawn(
        &[
            "listen",
            "--port",
            "0",
            "--store",
            store_arg,
            "--relay",
            &relay.url,
            "--channel",
            "dev",
            "--token-env",
            "HOOKCLI_TEST_WRONG_TOKEN",
        ],
        &[("HOOKCLI_TEST_WRONG_TOKEN", wrong)],
    );
    let status = listen
        .wait_exit(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("listen kept running with a wrong token\n{}", listen.dump()));
    assert_eq!(status.code(), Some(3), "{}", listen.dump());
    let line = exactly_one_error_line(&listen);
    eprintln!("relay wrong token: {line}");
    assert!(
        line.contains("refused") && line.contains(&relay.url) && line.contains("401"),
        "{line}"
    );
    assert!(!listen.stdout().contains("tunnel up"), "{}", listen.dump());
    assert!(!listen.dump().contains(wrong) && !listen.dump().contains(TOKEN));

    // Hand-made upgrades: a wrong token, and none at all.
    for auth in [Some(format!("Bearer {wrong}")), None] {
        let mut headers = vec![
            header("Host", relay.addr.to_string()),
            header("Connection", "Upgrade"),
            header("Upgrade", "websocket"),
            header("Sec-WebSocket-Version", "13"),
            header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        if let Some(a) = &auth {
            headers.push(header("Authorization", a.clone()));
        }
        let head = request_head("GET", "/_hookcli/connect?channel=dev", &headers);
        let resp = raw(relay.addr, &head, b"");
        assert_eq!(resp.status, 401, "{auth:?}");
    }
    assert!(relay.wait_channels(0, Duration::from_secs(1)));
    let log = relay.stderr();
    assert_eq!(
        log.matches("refused").count(),
        3,
        "each refusal is logged\n{log}"
    );
    assert!(log.contains("wrong or missing token"), "{log}");
    assert!(
        !log.contains(wrong) && !log.contains(TOKEN),
        "the relay logged a token\n{log}"
    );

    // No token at all: a usage error, before anything is dialled.
    let mut cmd = hookcli();
    cmd.env_remove("HOOKCLI_RELAY_TOKEN").args([
        "listen",
        "--port",
        "0",
        "--relay",
        &relay.url,
        "--channel",
        "dev",
    ]);
    run(&mut cmd).assert_error(2, &["token"]);
    // The relay itself needs a token, and a long one.
    let mut cmd = hookcli();
    cmd.env_remove("HOOKCLI_RELAY_TOKEN")
        .args(["relay", "--bind", "127.0.0.1:0"]);
    run(&mut cmd).assert_error(2, &["token"]);
    let mut cmd = hookcli();
    cmd.env_remove("HOOKCLI_RELAY_TOKEN")
        .env("HOOKCLI_TEST_SHORT", "short-token")
        .args([
            "relay",
            "--bind",
            "127.0.0.1:0",
            "--token-env",
            "HOOKCLI_TEST_SHORT",
        ]);
    run(&mut cmd)
        .assert_error(2, &["16"])
        .assert_hides("short-token");
}

#[test]
fn relay_channels_are_isolated() {
    let (app_a, app_b) = (App::start("A"), App::start("B"));
    let relay = Relay::start(&[]);
    let (store_a, store_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let _a = attached(
        store_a.path(),
        &relay.url,
        "alpha",
        &["--forward-to", &app_a.url()],
    );
    let b = attached(
        store_b.path(),
        &relay.url,
        "beta",
        &["--forward-to", &app_b.url(), "--json"],
    );
    // JSON mode says so in a line of its own.
    let tunnel: Vec<Value> = b
        .stdout()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "tunnel")
        .collect();
    assert!(
        tunnel
            .first()
            .and_then(|v| v["message"].as_str())
            .is_some_and(|m| m.starts_with("tunnel up")),
        "{}",
        b.dump()
    );
    assert!(relay.wait_channels(2, Duration::from_secs(5)));

    let answers = runtime().block_on(async {
        let client = http();
        let mut tasks = Vec::new();
        for i in 0..12 {
            let channel = if i % 2 == 0 { "alpha" } else { "beta" };
            let url = relay.at(channel, &format!("hook/{i}"));
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                (i, channel, post(&client, &url, seq_body(i)).await)
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    for (i, channel, a) in &answers {
        let app = if *channel == "alpha" { "A" } else { "B" };
        assert_app_answer(a.status, &a.headers, &a.body, app);
        assert_eq!(a.header("x-app").as_deref(), Some(app), "delivery {i}");
    }
    let seqs = |app: &App| {
        let mut s: Vec<u64> = app.requests().iter().map(AppRequest::seq).collect();
        s.sort();
        s
    };
    assert_eq!(seqs(&app_a), [0, 2, 4, 6, 8, 10], "A got only alpha's");
    assert_eq!(seqs(&app_b), [1, 3, 5, 7, 9, 11], "B got only beta's");
    for app in [&app_a, &app_b] {
        for r in app.requests() {
            assert_eq!(r.target, format!("/hook/{}", r.seq()));
        }
    }
    assert_eq!(store_rows(store_a.path()).len(), 6);
    assert_eq!(store_rows(store_b.path()).len(), 6);

    // A channel nobody attached to reaches neither.
    let a = runtime().block_on(post(&http(), &relay.at("gamma", "x"), seq_body(99)));
    assert_eq!(a.status, 503);
    assert_eq!(app_a.count() + app_b.count(), 12);
}

/// A second client on a channel takes it over: the relay gives the channel
/// to the newest client at once (it logs `takes over from`) and tells the
/// older one, which stops with an error saying so instead of taking it back.
#[test]
fn relay_second_client_on_a_channel_takes_it_over() {
    let (app1, app2) = (App::start("1"), App::start("2"));
    let relay = Relay::start(&[]);
    let (s1, s2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = attached(s1.path(), &relay.url, "dev", &["--forward-to", &app1.url()]);
    let a = runtime().block_on(post(&http(), &relay.at("dev", "x"), seq_body(0)));
    assert_eq!(a.header("x-app").as_deref(), Some("1"));
    let _second = attached(s2.path(), &relay.url, "dev", &["--forward-to", &app2.url()]);
    let mut first = first;
    let status = first.wait_exit(Duration::from_secs(5));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(3),
        "the first client stops\n{}",
        first.dump()
    );
    assert!(
        first
            .dump()
            .contains("another client took over channel dev"),
        "the first client is told why\n{}",
        first.dump()
    );
    assert!(
        relay.stderr().contains("takes over from"),
        "{}",
        relay.stderr()
    );
    assert_eq!(relay.health().1["channels"], 1);
}

/// Takeover is stable: the displaced client does not grab the channel back.
#[test]
fn relay_takeover_is_stable_the_newest_client_keeps_the_channel() {
    let (app1, app2) = (App::start("1"), App::start("2"));
    let relay = Relay::start(&[]);
    let (s1, s2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = attached(s1.path(), &relay.url, "dev", &["--forward-to", &app1.url()]);
    let _second = attached(s2.path(), &relay.url, "dev", &["--forward-to", &app2.url()]);
    std::thread::sleep(Duration::from_secs(2));
    let log = relay.stderr();
    assert_eq!(
        log.matches("takes over from").count(),
        1,
        "one takeover, not a tug of war\n{log}"
    );
    assert_eq!(
        first.stdout().matches("tunnel up").count(),
        1,
        "the displaced client stays off the channel\n{}",
        first.dump()
    );
    let answers = runtime().block_on(async {
        let client = http();
        let mut out = Vec::new();
        for i in 0..10 {
            out.push(post(&client, &relay.at("dev", "x"), seq_body(i)).await);
        }
        out
    });
    for a in &answers {
        assert_eq!(a.header("x-app").as_deref(), Some("2"), "{a:?}");
    }
    assert_eq!(app1.count(), 0);
}

// ---------------------------------------------------------------------------
// 3. Twenty in flight, one slow

#[test]
fn relay_twenty_deliveries_in_flight_one_slow_does_not_hold_up_the_rest() {
    let app = App::start("main");
    let relay = Relay::start(&[]);
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );

    let (slow, fast) = runtime().block_on(async {
        let client = http();
        let start = Instant::now();
        let slow = {
            let (client, url) = (client.clone(), relay.at("dev", "slow"));
            tokio::spawn(async move {
                let a = post(&client, &url, seq_body(0)).await;
                (a, start.elapsed())
            })
        };
        // The slow one is at the app before the others set off.
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.count() == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(app.count(), 1, "the slow delivery did not reach the app");
        let mut tasks = Vec::new();
        for i in 1..20 {
            let (client, url) = (client.clone(), relay.at("dev", &format!("fast/{i}")));
            tasks.push(tokio::spawn(async move {
                let a = post(&client, &url, seq_body(i)).await;
                (a, start.elapsed())
            }));
        }
        let mut fast = Vec::new();
        for t in tasks {
            fast.push(t.await.unwrap());
        }
        (slow.await.unwrap(), fast)
    });
    let (slow, slow_done) = slow;
    assert_app_answer(slow.status, &slow.headers, &slow.body, "main");
    assert!(slow_done >= SLOW, "{slow_done:?}");
    let last_fast = fast.iter().map(|(_, t)| *t).max().unwrap();
    for (a, _) in &fast {
        assert_app_answer(a.status, &a.headers, &a.body, "main");
    }
    assert!(
        last_fast + Duration::from_secs(1) < slow_done,
        "the 19 others finished at {last_fast:?}, the slow one at {slow_done:?}"
    );
    eprintln!("relay in flight: 19 fast done by {last_fast:?}, slow at {slow_done:?}");
    assert_eq!(app.count(), 20);
    // All of it over the one connection of the one client.
    assert_eq!(relay.stderr().matches("attached").count(), 1);
    assert_eq!(relay.health().1["channels"], 1);
    assert_eq!(store_rows(store.path()).len(), 20);
}

// ---------------------------------------------------------------------------
// 4. No client: 503, or the buffer

#[test]
fn relay_without_a_client_or_buffer_answers_503_with_retry_after() {
    let relay = Relay::start(&[]);
    let a = runtime().block_on(post(&http(), &relay.at("dev", "hook"), seq_body(0)));
    assert_eq!(a.status, 503, "{}", a.text());
    let retry = a.header("retry-after").expect("Retry-After");
    assert!(
        retry.trim().parse::<u64>().is_ok_and(|s| s > 0),
        "Retry-After {retry:?}"
    );
    let doc: Value = serde_json::from_slice(&a.body).expect("a JSON error");
    assert!(doc["error"].as_str().unwrap().contains("dev"), "{doc}");
}

#[test]
fn relay_buffer_keeps_deliveries_for_a_killed_client_and_delivers_them_in_order() {
    let app = App::start("main");
    let buffer = tempfile::tempdir().unwrap();
    let relay = Relay::start(&["--buffer", buffer.path().to_str().unwrap()]);
    let store = tempfile::tempdir().unwrap();
    let mut listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    assert!(relay.wait_channels(1, Duration::from_secs(5)));
    listen.kill();
    assert!(
        relay.wait_channels(0, Duration::from_secs(10)),
        "the relay did not notice the client died"
    );

    let answers = runtime().block_on(async {
        let client = http();
        let mut out = Vec::new();
        for i in 0..100 {
            out.push(post(&client, &relay.at("dev", &format!("hook/{i}")), seq_body(i)).await);
        }
        out
    });
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a.status, 202, "delivery {i}: {}", a.text());
        let doc: Value = serde_json::from_slice(&a.body).expect("JSON");
        assert_eq!(doc["buffered"], true);
    }
    assert_eq!(app.count(), 0);

    let started = Instant::now();
    let listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    assert!(
        app.wait_count(100, Duration::from_secs(30)),
        "{} of 100 reached the app\n{}\n--- relay ---\n{}",
        app.count(),
        listen.dump(),
        relay.stderr()
    );
    eprintln!("relay buffer: 100 drained in {:?}", started.elapsed());
    std::thread::sleep(Duration::from_millis(200));
    let got = app.requests();
    let seqs: Vec<u64> = got.iter().map(AppRequest::seq).collect();
    assert_eq!(seqs, (0..100).collect::<Vec<u64>>(), "in order, each once");
    for r in &got {
        assert_eq!(r.target, format!("/hook/{}", r.seq()));
    }
    // Recorded by listen as relayed, with the URL the sender used.
    let rows = store_rows(store.path());
    assert_eq!(rows.len(), 100);
    for (i, (source, public, body)) in rows.iter().enumerate() {
        assert_eq!(source, "relay");
        assert_eq!(
            public.as_deref(),
            Some(relay.at("dev", &format!("hook/{i}")).as_str())
        );
        assert_eq!(body, &seq_body(i));
    }
    // And after the drain, a delivery gets the app's real answer again.
    let a = runtime().block_on(post(&http(), &relay.at("dev", "after"), seq_body(100)));
    assert_app_answer(a.status, &a.headers, &a.body, "main");
}

#[test]
fn relay_killed_with_sigkill_after_answering_202_loses_nothing() {
    let app = App::start("main");
    let buffer = tempfile::tempdir().unwrap();
    let buffer_arg = buffer.path().to_str().unwrap();
    let mut relay = Relay::start(&["--buffer", buffer_arg]);
    let statuses = runtime().block_on(async {
        let client = http();
        let mut tasks = Vec::new();
        // Eight senders at a time, so answers race the group commit.
        for lane in 0..8 {
            let (client, base) = (client.clone(), relay.at("dev", "hook"));
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                let mut i = lane;
                while i < 100 {
                    out.push((i, post(&client, &base, seq_body(i)).await.status));
                    i += 8;
                }
                out
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    relay.proc.kill();
    assert_eq!(statuses.len(), 100);
    assert!(
        statuses.iter().all(|(_, s)| *s == 202),
        "every delivery was answered 202: {statuses:?}"
    );

    let relay = Relay::start(&["--buffer", buffer_arg]);
    let store = tempfile::tempdir().unwrap();
    let listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    assert!(
        app.wait_count(100, Duration::from_secs(30)),
        "{} of 100 reached the app\n{}\n--- relay ---\n{}",
        app.count(),
        listen.dump(),
        relay.stderr()
    );
    std::thread::sleep(Duration::from_millis(200));
    let mut seqs: Vec<u64> = app.requests().iter().map(AppRequest::seq).collect();
    assert_eq!(seqs.len(), 100, "no duplicates");
    seqs.sort();
    assert_eq!(seqs, (0..100).collect::<Vec<u64>>(), "none lost");
}

// ---------------------------------------------------------------------------
// 5. A client that drops mid-delivery, or answers too late

#[test]
fn relay_client_dropping_mid_delivery_is_502() {
    let app = App::start("main");
    let relay = Relay::start(&[]);
    let store = tempfile::tempdir().unwrap();
    let mut listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    let a = runtime().block_on(async {
        let (client, url) = (http(), relay.at("dev", "slow"));
        let pending = tokio::spawn(async move { post(&client, &url, seq_body(0)).await });
        let deadline = Instant::now() + Duration::from_secs(10);
        while app.count() == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(app.count(), 1, "the delivery did not reach the app");
        listen.kill();
        pending.await.unwrap()
    });
    assert_eq!(a.status, 502, "{}", a.text());
    assert!(a.elapsed < SLOW, "502 at once, not after the app: {a:?}");
    let doc: Value = serde_json::from_slice(&a.body).expect("JSON");
    assert!(
        doc["error"].as_str().unwrap().contains("disconnected"),
        "{doc}"
    );
}

#[test]
fn relay_client_answering_after_timeout_is_504() {
    let app = App::start("main");
    let relay = Relay::start(&["--timeout", "1s"]);
    let store = tempfile::tempdir().unwrap();
    let listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url(), "--forward-timeout", "10s"],
    );
    let rt = runtime();
    let a = rt.block_on(post(&http(), &relay.at("dev", "slow"), seq_body(0)));
    assert_eq!(a.status, 504, "{}", a.text());
    assert!(
        a.elapsed >= Duration::from_millis(900) && a.elapsed < Duration::from_millis(2500),
        "504 after --timeout 1s: {:?}",
        a.elapsed
    );
    // The late answer arrives and is dropped; the tunnel carries on.
    std::thread::sleep(SLOW);
    let a = rt.block_on(post(&http(), &relay.at("dev", "fast"), seq_body(1)));
    assert_app_answer(a.status, &a.headers, &a.body, "main");
    assert_eq!(listen.stdout().matches("tunnel up").count(), 1);
}

// ---------------------------------------------------------------------------
// 6. TLS

/// The vocabulary every server and client command shares: the relay takes
/// `--bind HOST` with `--port`, and listen's `--ca` trusts the relay's
/// certificate as the old `--relay-ca` did.
#[test]
fn relay_takes_port_and_listen_trusts_it_with_ca() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("self-signed certificate");
    let cert = dir.path().join("cert.pem");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&cert, key.cert.pem()).unwrap();
    std::fs::write(&key_file, key.signing_key.serialize_pem()).unwrap();
    let relay = Relay::start(&[
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key_file.to_str().unwrap(),
    ]);
    assert_ne!(relay.addr.port(), 8788, "--port 0 picks a free port");
    let app = App::start("ca");
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "voc",
        &["--ca", cert.to_str().unwrap(), "--url", &app.url()],
    );
}

#[test]
fn relay_tls_client_refuses_an_unknown_certificate_unless_given_relay_ca() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("self-signed certificate");
    let cert_pem = key.cert.pem();
    let cert = dir.path().join("cert.pem");
    let key_file = dir.path().join("key.pem");
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key_file, key.signing_key.serialize_pem()).unwrap();

    let app = App::start("tls");
    let relay = Relay::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key_file.to_str().unwrap(),
    ]);
    assert!(relay.url.starts_with("https://127.0.0.1:"), "{}", relay.url);

    // No --relay-ca: the certificate is unknown, and listen gives up.
    let store = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut refused = client(
        store.path(),
        &relay.url,
        "sec",
        &["--max-offline", "2s", "--forward-to", &app.url()],
    );
    let status = refused
        .wait_exit(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("listen kept trying\n{}", refused.dump()));
    assert_eq!(status.code(), Some(3), "{}", refused.dump());
    assert!(started.elapsed() >= Duration::from_secs(2));
    let line = exactly_one_error_line(&refused);
    eprintln!("relay tls without --relay-ca: {line}");
    assert!(
        line.contains("certificate") && line.contains("--max-offline"),
        "{line}"
    );
    assert!(!refused.stdout().contains("tunnel up"));

    // With --relay-ca it attaches, and an HTTPS delivery reaches the app.
    let store = tempfile::tempdir().unwrap();
    let ca = cert.to_str().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "sec",
        &["--relay-ca", ca, "--forward-to", &app.url()],
    );
    let https = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .tls_certs_only([reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let body = b"{\"over\":\"tls\"}".to_vec();
    let url = relay.at("sec", "hook?t=1");
    let a = runtime().block_on(post(&https, &url, body.clone()));
    assert_app_answer(a.status, &a.headers, &a.body, "tls");
    let got = app.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, body);
    assert_eq!(got[0].target, "/hook?t=1");
    let rows = store_rows(store.path());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.as_deref(), Some(url.as_str()), "the https URL");

    // `send` to the same HTTPS endpoint: refused without trust, delivered
    // with --ca or --insecure.
    let send = |extra: &[&str]| {
        let mut cmd = crate::common::hookcli();
        cmd.args([
            "send",
            "--provider",
            "github",
            "--secret",
            "s",
            "--url",
            &url,
        ])
        .args(extra);
        crate::common::run(&mut cmd)
    };
    send(&[]).assert_error(3, &["certificate"]);
    send(&["--ca", ca]).assert_code(0);
    send(&["--insecure"]).assert_code(0);
    assert_eq!(app.requests().len(), 3, "the two trusted sends arrived");
}

// ---------------------------------------------------------------------------
// 7. Offline, reconnect

#[test]
fn relay_max_offline_exits_non_zero_when_nothing_listens() {
    let relay = format!("http://127.0.0.1:{}", closed_port());
    let store = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut listen = client(store.path(), &relay, "dev", &["--max-offline", "2s"]);
    let status = listen
        .wait_exit(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("listen kept trying\n{}", listen.dump()));
    let took = started.elapsed();
    assert_eq!(status.code(), Some(3), "{}", listen.dump());
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(8),
        "gave up after {took:?}"
    );
    let line = exactly_one_error_line(&listen);
    assert!(
        line.contains("could not reach the relay")
            && line.contains(&relay)
            && line.contains("--max-offline"),
        "{line}"
    );
    assert!(listen.stdout().contains("tunnel down"), "{}", listen.dump());
    eprintln!("relay max-offline 2s: exited after {took:?}");
}

#[test]
fn relay_plain_http_to_a_non_loopback_relay_warns() {
    // 0.0.0.0 reaches this host on Linux; a closed port fails fast.
    let relay = format!("http://0.0.0.0:{}", closed_port());
    let store = tempfile::tempdir().unwrap();
    let mut listen = client(store.path(), &relay, "dev", &["--max-offline", "1s"]);
    let status = listen
        .wait_exit(Duration::from_secs(15))
        .unwrap_or_else(|| panic!("listen kept trying\n{}", listen.dump()));
    assert_eq!(status.code(), Some(3), "{}", listen.dump());
    let stderr = listen.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "a warning, then the error\n{stderr}");
    assert!(
        lines[0].starts_with("hookcli: warning: ") && lines[0].contains("plain HTTP"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

/// A relay that takes the TCP connection but never answers the upgrade (a
/// black hole, a stuck proxy): `--max-offline 2s` still means about 2 s.
#[test]
fn relay_max_offline_holds_when_the_relay_never_answers() {
    // Bound and never accepted: the kernel completes the handshake, nobody answers.
    let hole = TcpListener::bind("127.0.0.1:0").expect("bind");
    let relay = format!("http://{}", hole.local_addr().unwrap());
    let store = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut listen = client(store.path(), &relay, "dev", &["--max-offline", "2s"]);
    let status = listen.wait_exit(Duration::from_secs(8));
    assert!(
        status.is_some(),
        "still running {:?} after the start with --max-offline 2s\n{}",
        started.elapsed(),
        listen.dump()
    );
    assert_ne!(status.unwrap().code(), Some(0));
}

#[test]
fn relay_restarted_on_the_same_port_gets_its_client_back() {
    let app = App::start("main");
    let mut relay = Relay::start(&[]);
    let bind = relay.addr.to_string();
    let store = tempfile::tempdir().unwrap();
    let listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    let rt = runtime();
    let a = rt.block_on(post(&http(), &relay.at("dev", "before"), seq_body(0)));
    assert_app_answer(a.status, &a.headers, &a.body, "main");

    relay.proc.kill();
    assert!(
        listen.wait_for("tunnel down", 1, Duration::from_secs(10)),
        "{}",
        listen.dump()
    );
    std::thread::sleep(Duration::from_millis(500));
    let relay = Relay::start(&["--bind", &bind]);
    let started = Instant::now();
    assert!(
        listen.wait_for("tunnel up", 2, Duration::from_secs(20)),
        "the client did not come back\n{}",
        listen.dump()
    );
    eprintln!("relay restart: client back after {:?}", started.elapsed());
    assert!(relay.wait_channels(1, Duration::from_secs(5)));
    let a = rt.block_on(post(&http(), &relay.at("dev", "after"), seq_body(1)));
    assert_app_answer(a.status, &a.headers, &a.body, "main");
    let seqs: Vec<u64> = app.requests().iter().map(AppRequest::seq).collect();
    assert_eq!(seqs, [0, 1]);
}

// ---------------------------------------------------------------------------
// 8. Health and limits

#[test]
fn relay_healthz_and_max_body() {
    let app = App::start("main");
    let relay = Relay::start(&["--max-body", "1KiB"]);
    let (resp, doc) = relay.health();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["channels"], 0, "{doc}");

    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    assert_eq!(relay.health().1["channels"], 1);
    let rt = runtime();
    let client = http();
    let over = rt.block_on(post(&client, &relay.at("dev", "big"), vec![b'x'; 1025]));
    assert_eq!(over.status, 413, "{}", over.text());
    let far_over = rt.block_on(post(&client, &relay.at("dev", "big"), vec![b'x'; 8192]));
    assert_eq!(far_over.status, 413, "{}", far_over.text());
    let at = rt.block_on(post(&client, &relay.at("dev", "fits"), vec![b'y'; 1024]));
    assert_app_answer(at.status, &at.headers, &at.body, "main");
    let got = app.requests();
    assert_eq!(got.len(), 1, "nothing over the limit reached the app");
    assert_eq!(got[0].body.len(), 1024);
}

// ---------------------------------------------------------------------------
// Sizes across the tunnel, and the buffer after a failed hand-over

/// The relay accepts up to 25 MiB by default, so a 20 MB body must cross.
#[test]
fn relay_a_20_mb_body_within_max_body_crosses_the_tunnel() {
    let app = App::start("main");
    let relay = Relay::start(&[]);
    let store = tempfile::tempdir().unwrap();
    let listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    let body = vec![b'y'; 20_000_000];
    let a = runtime().block_on(post(&http(), &relay.at("dev", "large"), body.clone()));
    assert_eq!(a.status, 201, "{}\n{}", a.text(), listen.dump());
    assert_app_answer(a.status, &a.headers, &a.body, "main");
    assert_eq!(app.requests()[0].body.len(), body.len());
    assert_eq!(
        listen.stdout().matches("tunnel up").count(),
        1,
        "the tunnel stayed up\n{}",
        listen.dump()
    );
}

/// `--max-body` caps requests; the app's answer is not a request, and one
/// large answer must not take down the tunnel (and every delivery on it).
#[test]
fn relay_an_app_answer_over_max_body_does_not_drop_the_tunnel() {
    let app = App::start("main");
    let relay = Relay::start(&["--max-body", "1KiB"]);
    let store = tempfile::tempdir().unwrap();
    let listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    let a = runtime().block_on(post(&http(), &relay.at("dev", "big-answer"), seq_body(0)));
    assert_eq!(a.status, 201, "{}\n{}", a.text(), listen.dump());
    assert_eq!(a.body.len(), BIG_ANSWER);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        listen.stdout().matches("tunnel up").count(),
        1,
        "the tunnel stayed up\n{}",
        listen.dump()
    );
}

/// A relayed delivery is handled "exactly as a local one": over listen's own
/// --max-body it gets 413 and is recorded without its body.
#[test]
fn relay_listen_max_body_applies_to_relayed_deliveries() {
    let relay = Relay::start(&[]);
    let store = tempfile::tempdir().unwrap();
    let listen = attached(store.path(), &relay.url, "dev", &["--max-body", "1KiB"]);
    let rt = runtime();
    let local = listen
        .first
        .strip_prefix("hookcli listening on ")
        .unwrap()
        .to_string();
    let direct = rt.block_on(post(&http(), &format!("{local}x"), vec![b'x'; 4096]));
    assert_eq!(direct.status, 413, "direct: {}", direct.text());
    let relayed = rt.block_on(post(&http(), &relay.at("dev", "x"), vec![b'x'; 4096]));
    assert_eq!(relayed.status, 413, "relayed: {}", relayed.text());
    let rows = store_rows(store.path());
    assert_eq!(rows.len(), 2);
    assert!(rows[1].2.is_empty(), "recorded without its body");
}

/// A buffered delivery whose hand-over fails (here: the app is slower than
/// the relay's --timeout, so 504) must not stall the rest of the buffer while
/// the client stays attached, nor let newer deliveries overtake it.
#[test]
fn relay_buffer_drain_survives_a_timed_out_hand_over() {
    let app = App::start("main");
    let buffer = tempfile::tempdir().unwrap();
    let relay = Relay::start(&[
        "--buffer",
        buffer.path().to_str().unwrap(),
        "--timeout",
        "1s",
    ]);
    let store = tempfile::tempdir().unwrap();
    let mut listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url(), "--forward-timeout", "10s"],
    );
    listen.kill();
    assert!(relay.wait_channels(0, Duration::from_secs(10)));
    let rt = runtime();
    let client = http();
    for (i, path) in ["slow", "next/1", "next/2"].iter().enumerate() {
        let a = rt.block_on(post(&client, &relay.at("dev", path), seq_body(i)));
        assert_eq!(a.status, 202);
    }
    let _listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url(), "--forward-timeout", "10s"],
    );
    // The slow one times out at the relay after 1 s; the other two follow.
    let arrived = |app: &App| -> Vec<u64> { app.requests().iter().map(AppRequest::seq).collect() };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !(arrived(&app).contains(&1) && arrived(&app).contains(&2)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let seen = arrived(&app);
    assert!(
        seen.contains(&1) && seen.contains(&2),
        "the buffer stalled behind the timed-out delivery: the app saw {seen:?}\n--- relay ---\n{}",
        relay.stderr()
    );
    let a = rt.block_on(post(&client, &relay.at("dev", "later"), seq_body(3)));
    assert!(matches!(a.status, 201 | 202), "{}", a.text());
    assert!(app.wait_count(seen.len() + 1, Duration::from_secs(10)));
    let seen = arrived(&app);
    let first = |n: u64| seen.iter().position(|s| *s == n).unwrap();
    assert!(
        first(2) < first(3),
        "a new delivery overtook the buffer: {seen:?}"
    );
}

/// The README's own lines: the token exported as HOOKCLI_RELAY_TOKEN and
/// named again with --token-env, on both sides.
#[test]
fn token_exported_and_named_with_token_env_as_the_readme_does() {
    const VAR: &str = "HOOKCLI_RELAY_TOKEN";
    let relay = Proc::spawn(
        &["relay", "--token-env", VAR, "--bind", "127.0.0.1:0"],
        &[(VAR, TOKEN)],
    );
    let url = relay
        .first
        .strip_prefix("hookcli relay listening on ")
        .unwrap_or_else(|| panic!("relay did not start: {}", relay.dump()))
        .to_string();
    let store = tempfile::tempdir().unwrap();
    let listen = Proc::spawn(
        &[
            "listen",
            "--port",
            "0",
            "--store",
            store.path().to_str().unwrap(),
            "--relay",
            &url,
            "--channel",
            "dev",
            "--token-env",
            VAR,
        ],
        &[(VAR, TOKEN)],
    );
    assert!(
        listen.wait_for("tunnel up", 1, Duration::from_secs(20)),
        "the tunnel did not come up\n{}",
        listen.dump()
    );
}
