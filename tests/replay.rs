//! `hookcli replay` and `hookcli send --from` end to end (issue 4): the real
//! binary, a real `hookcli listen` recording the deliveries, and real servers
//! on 127.0.0.1:0 whose signature checks are written here, from the
//! providers' documentation, independently of hookcli's own provider code.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::common::{ReceivedRequest, Receiver, Run, hookcli, run};

/// The environment variable every signing command reads its secret from.
const SECRET_VAR: &str = "HOOKCLI_REPLAY_TEST_SECRET";

/// Proxy settings that must not send loopback traffic elsewhere.
const PROXY_VARS: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// One secret that every provider used here accepts: Stripe, Slack and GitHub
/// key their HMAC with the whole string, Standard Webhooks with the base64
/// after `whsec_` (24 bytes, so no padding).
fn secret() -> String {
    format!("whsec_{}", B64.encode(b"hookcli-replay-test-key!"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("hookcli-replay-")
        .tempdir()
        .expect("create a temporary folder")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

// ---------------------------------------------------------------------------
// Running the binary

/// The isolated binary with the test secret in SECRET_VAR and no proxies.
fn hk_cmd(args: &[&str]) -> crate::common::Hookcli {
    let mut cmd = hookcli();
    cmd.env(SECRET_VAR, secret());
    for var in PROXY_VARS {
        cmd.env_remove(var);
    }
    cmd.args(args);
    cmd
}

/// Runs `hookcli ARGS...` to the end (at most a minute).
fn hk(args: &[&str]) -> Run {
    run(&mut hk_cmd(args))
}

/// Runs `hookcli ARGS...` to the end, but never longer than `limit`.
fn hk_within(args: &[&str], limit: Duration) -> Run {
    let out = hk_cmd(args).timeout(limit).output().expect("run hookcli");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// `hookcli list --json`, oldest first.
fn list(store: &str) -> Vec<Value> {
    let out = hk(&["list", "--store", store, "--json", "--limit", "20000"]);
    out.assert_code(0);
    let mut rows: Vec<Value> = out
        .stdout()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("list line {l:?}: {e}")))
        .collect();
    rows.reverse();
    rows
}

/// The id of the only delivery of `provider` in the store.
fn id_of(rows: &[Value], provider: &str) -> String {
    let ids: Vec<&str> = rows
        .iter()
        .filter(|r| r["provider"] == provider)
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 1, "one {provider} delivery expected: {rows:?}");
    ids[0].to_string()
}

/// `hookcli show ID --json`, parsed.
fn show(store: &str, id: &str) -> Value {
    let out = hk(&["show", id, "--store", store, "--json"]);
    out.assert_code(0);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("show --json: {e}\n{out}"))
}

/// The recorded request body of a portable document.
fn doc_body(doc: &Value) -> Vec<u8> {
    let body = &doc["request"]["body"];
    if let Some(t) = body["text"].as_str() {
        t.as_bytes().to_vec()
    } else if let Some(b) = body["base64"].as_str() {
        B64.decode(b).expect("body.base64 decodes")
    } else {
        panic!("a body with neither text nor base64: {body}")
    }
}

/// The summary object a `--json` replay ends with (its last stdout line).
fn json_summary(out: &Run) -> Value {
    let stdout = out.stdout();
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_else(|| panic!("no output\n{out}"));
    let v: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{last:?}: {e}"));
    assert_eq!(v["type"], "summary", "the last line is the summary\n{out}");
    v
}

/// The store's database, opened read-only.
fn db(store: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        store.join("hookcli.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open hookcli.db")
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Waits up to `limit` for `cond`.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------
// A running `hookcli listen`, killed on Drop

struct Listening {
    child: Child,
    url: String,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Listening {
    /// `hookcli listen --port 0 --store STORE EXTRA...`; its URL from the
    /// banner. Stdout and stderr are drained as it runs, so it never blocks
    /// on a full pipe.
    fn start(store: &Path, extra: &[&str]) -> Listening {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hookcli"));
        cmd.env_remove("HOOKCLI_SECRET")
            .env_remove("HOOKCLI_STORE")
            .env_remove("NO_COLOR")
            .env(SECRET_VAR, secret())
            .args(["listen", "--port", "0", "--store"])
            .arg(store)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in PROXY_VARS {
            cmd.env_remove(var);
        }
        let mut child = cmd.spawn().expect("start hookcli listen");
        let out = child.stdout.take().expect("stdout pipe");
        let err = child.stderr.take().expect("stderr pipe");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let out_reader = std::thread::spawn(move || {
            let mut reader = BufReader::new(out);
            let mut first = Some(tx);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                if let Some(tx) = first.take() {
                    let _ = tx.send(String::from_utf8_lossy(&line).trim_end().to_string());
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let err_reader = {
            let stderr = stderr.clone();
            std::thread::spawn(move || {
                let mut pipe = err;
                let mut chunk = [0u8; 4096];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => stderr.lock().unwrap().extend_from_slice(&chunk[..n]),
                    }
                }
            })
        };
        let mut listening = Listening {
            child,
            url: String::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
            readers: vec![out_reader, err_reader],
        };
        let banner = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(b) => b,
            Err(_) => {
                listening.stop();
                panic!(
                    "hookcli listen printed no banner\n--- stderr ---\n{}",
                    String::from_utf8_lossy(&listening.stderr.lock().unwrap())
                );
            }
        };
        let url = banner
            .strip_prefix("hookcli listening on ")
            .unwrap_or_else(|| panic!("unexpected banner {banner:?}"))
            .to_string();
        let authority = url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("unexpected listen URL {url:?}"));
        listening.addr = authority.parse().expect("listen address");
        assert!(
            listening.addr.ip().is_loopback(),
            "listen stays on loopback"
        );
        listening.url = url;
        listening
    }

    /// `http://127.0.0.1:PORT/`
    fn url(&self) -> &str {
        &self.url
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---------------------------------------------------------------------------
// Clients

/// One request written by hand on a fresh connection: exactly these header
/// lines in this order (Host, Content-Length and `Connection: close` are
/// added first/last), then the body. Returns the status and response body.
fn raw_post(
    addr: SocketAddr,
    target: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).expect("connect to listen");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut req = format!("POST {target} HTTP/1.1\r\nHost: {addr}\r\n").into_bytes();
    for (name, value) in headers {
        req.extend_from_slice(name.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    req.extend_from_slice(body);
    stream.write_all(&req).expect("write the request");
    let mut resp = Vec::new();
    let _ = stream.read_to_end(&mut resp);
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut slots);
    let head_len = match parsed.parse(&resp) {
        Ok(httparse::Status::Complete(n)) => n,
        other => panic!(
            "bad response {other:?}: {:?}",
            String::from_utf8_lossy(&resp)
        ),
    };
    (parsed.code.unwrap_or(0), resp[head_len..].to_vec())
}

/// Sends `bodies[i]` to `urls[i]` (POST, JSON) with `concurrency` requests in
/// flight; returns each one's status (0: no answer), in the bodies' order.
fn load(urls: &[String], bodies: &[Vec<u8>], concurrency: usize) -> Vec<u16> {
    assert_eq!(urls.len(), bodies.len());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("loader runtime");
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("loader client");
    let jobs: Arc<Vec<(String, Vec<u8>)>> =
        Arc::new(urls.iter().cloned().zip(bodies.iter().cloned()).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let statuses = Arc::new(Mutex::new(vec![0u16; jobs.len()]));
    runtime.block_on(async {
        let mut workers = Vec::new();
        for _ in 0..concurrency.max(1) {
            let (client, jobs, next, statuses) =
                (client.clone(), jobs.clone(), next.clone(), statuses.clone());
            workers.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((url, body)) = jobs.get(i) else {
                        break;
                    };
                    let status = match client
                        .post(url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                    {
                        Ok(resp) => {
                            let s = resp.status().as_u16();
                            let _ = resp.bytes().await;
                            s
                        }
                        Err(_) => 0,
                    };
                    statuses.lock().unwrap()[i] = status;
                }
            }));
        }
        for w in workers {
            w.await.expect("loader worker");
        }
    });
    statuses.lock().unwrap().clone()
}

// ---------------------------------------------------------------------------
// Servers

/// One request exactly as it came off the wire: header names as written, in
/// order, duplicates kept.
#[derive(Clone, Debug)]
struct WireRequest {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// A hand-written HTTP/1.1 server (one request per connection, answered
/// `200 ok` and closed) that keeps the header list as sent, which a
/// `HeaderMap` would regroup.
struct WireReceiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<WireRequest>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl WireReceiver {
    fn start() -> WireReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (got, stop) = (got.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream
                        && let Some(req) = Self::serve_one(stream)
                    {
                        got.lock().unwrap().push(req);
                    }
                }
            })
        };
        WireReceiver {
            addr,
            got,
            stop,
            thread: Some(thread),
        }
    }

    fn serve_one(mut stream: TcpStream) -> Option<WireRequest> {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .ok()?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        let (mut req, head_len) = loop {
            let n = stream.read(&mut chunk).ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut slots = [httparse::EMPTY_HEADER; 128];
            let mut parsed = httparse::Request::new(&mut slots);
            if let Ok(httparse::Status::Complete(len)) = parsed.parse(&buf) {
                let req = WireRequest {
                    method: parsed.method?.to_string(),
                    target: parsed.path?.to_string(),
                    headers: parsed
                        .headers
                        .iter()
                        .map(|h| (h.name.to_string(), h.value.to_vec()))
                        .collect(),
                    body: Vec::new(),
                };
                break (req, len);
            }
        };
        let length: usize = req
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse().ok())
            .unwrap_or(0);
        let mut body = buf[head_len..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        req.body = body;
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        );
        let _ = stream.flush();
        Some(req)
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<WireRequest> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for WireReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A hyper HTTP/1.1 app on a given port (the one listen forwarded to while
/// it was closed), answering 200 and keeping (target, body) of each request.
/// What the app got: (target, body) of each request, in arrival order.
type AppHits = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

struct App {
    hits: AppHits,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl App {
    /// Binds 127.0.0.1:PORT, retrying for a few seconds.
    fn on_port(port: u16) -> App {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", port)) {
                Ok(l) => break l,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("cannot bind the app's port {port}: {e}"),
            }
        };
        listener.set_nonblocking(true).unwrap();
        let hits: AppHits = Arc::new(Mutex::new(Vec::new()));
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let thread = {
            let hits = hits.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("app runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    loop {
                        let stream = tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => match accepted {
                                Ok((s, _)) => s,
                                Err(_) => continue,
                            },
                        };
                        let hits = hits.clone();
                        let service = hyper::service::service_fn(
                            move |req: hyper::Request<hyper::body::Incoming>| {
                                let hits = hits.clone();
                                async move {
                                    use http_body_util::BodyExt;
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
                                    hits.lock().unwrap().push((target, body));
                                    Ok::<_, std::convert::Infallible>(hyper::Response::new(
                                        http_body_util::Full::new(hyper::body::Bytes::from(
                                            "app ok",
                                        )),
                                    ))
                                }
                            },
                        );
                        tokio::spawn(async move {
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        });
                    }
                });
            })
        };
        App {
            hits,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    fn hits(&self) -> Vec<(String, Vec<u8>)> {
        self.hits.lock().unwrap().clone()
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

// ---------------------------------------------------------------------------
// The independent verifier: the providers' documented schemes

const TOLERANCE: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac_ok(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.verify_slice(tag).is_ok()
}

fn fresh(ts: &str, now: i64) -> Result<(), String> {
    let ts: i64 = ts
        .trim()
        .parse()
        .map_err(|_| format!("timestamp {ts:?} is not a number"))?;
    if (now - ts).abs() > TOLERANCE {
        return Err(format!(
            "timestamp {ts} is {} s away from now, past {TOLERANCE} s",
            now - ts
        ));
    }
    Ok(())
}

/// Which provider signed the request, and whether its signature holds now.
fn verify(req: &ReceivedRequest, secret: &str, now: i64) -> Result<&'static str, String> {
    let body = req.body.as_slice();
    if let Some(header) = req.header("stripe-signature") {
        // https://docs.stripe.com/webhooks#verify-manually
        let mut ts = None;
        let mut sigs = Vec::new();
        for item in header.split(',') {
            match item.trim().split_once('=') {
                Some(("t", v)) => ts = Some(v.to_string()),
                Some(("v1", v)) => sigs.push(v.to_string()),
                _ => {}
            }
        }
        let ts = ts.ok_or("stripe: no t=")?;
        fresh(&ts, now)?;
        let ok = sigs.iter().any(|s| {
            hex::decode(s)
                .is_ok_and(|tag| mac_ok(secret.as_bytes(), &[ts.as_bytes(), b".", body], &tag))
        });
        return if ok {
            Ok("stripe")
        } else {
            Err("stripe: no v1 signature matches".into())
        };
    }
    if let Some(sig) = req.header("x-slack-signature") {
        // https://api.slack.com/authentication/verifying-requests-from-slack
        let ts = req
            .header("x-slack-request-timestamp")
            .ok_or("slack: no X-Slack-Request-Timestamp")?;
        fresh(ts, now)?;
        let tag = sig
            .strip_prefix("v0=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or("slack: malformed signature")?;
        return if mac_ok(
            secret.as_bytes(),
            &[b"v0:", ts.as_bytes(), b":", body],
            &tag,
        ) {
            Ok("slack")
        } else {
            Err("slack: signature mismatch".into())
        };
    }
    if let Some(sigs) = req.header("webhook-signature") {
        // https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
        let id = req.header("webhook-id").ok_or("standard: no webhook-id")?;
        let ts = req
            .header("webhook-timestamp")
            .ok_or("standard: no webhook-timestamp")?;
        fresh(ts, now)?;
        let key = secret
            .strip_prefix("whsec_")
            .and_then(|k| B64.decode(k).ok())
            .expect("the test secret is whsec_ base64");
        let ok = sigs.split(' ').any(|s| {
            s.strip_prefix("v1,")
                .and_then(|b| B64.decode(b).ok())
                .is_some_and(|tag| {
                    mac_ok(
                        &key,
                        &[id.as_bytes(), b".", ts.as_bytes(), b".", body],
                        &tag,
                    )
                })
        });
        return if ok {
            Ok("standard")
        } else {
            Err("standard: no v1 signature matches".into())
        };
    }
    if let Some(sig) = req.header("x-hub-signature-256") {
        // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
        let tag = sig
            .strip_prefix("sha256=")
            .and_then(|h| hex::decode(h).ok())
            .ok_or("github: malformed signature")?;
        return if mac_ok(secret.as_bytes(), &[body], &tag) {
            Ok("github")
        } else {
            Err("github: signature mismatch".into())
        };
    }
    Err("no signature header this verifier knows".into())
}

/// A receiver that answers 200 `verified PROVIDER` to a valid, fresh
/// signature and 401 with the reason to anything else.
fn verifier() -> Receiver {
    let secret = secret();
    Receiver::start(move |req| match verify(req, &secret, now()) {
        Ok(p) => (200, format!("verified {p}").into_bytes()),
        Err(why) => (401, why.into_bytes()),
    })
}

/// Records one forged delivery of each provider through a fresh listen,
/// signed at `timestamp`; returns provider -> id.
fn record(
    store: &Path,
    listen_args: &[&str],
    providers: &[&str],
    timestamp: i64,
) -> BTreeMap<String, String> {
    let listen = Listening::start(store, listen_args);
    let ts = timestamp.to_string();
    for p in providers {
        hk(&[
            "send",
            "-p",
            p,
            "--secret-env",
            SECRET_VAR,
            "--timestamp",
            &ts,
            "--url",
            listen.url(),
        ])
        .assert_code(0);
    }
    drop(listen);
    let rows = list(path_str(store));
    providers
        .iter()
        .map(|p| (p.to_string(), id_of(&rows, p)))
        .collect()
}

fn hop_by_hop(name: &str) -> bool {
    [
        "host",
        "content-length",
        "connection",
        "transfer-encoding",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(name))
}

// ---------------------------------------------------------------------------
// 1. Exact replay: the bytes and the header list

/// Captures a binary body with duplicate headers through listen (written by
/// hand, so the header lines are exactly these), replays it exactly to a wire
/// receiver, and compares the body hash and the header list.
fn exact_replay_case(sent_headers: &[(&str, &[u8])]) {
    let store = tempdir();
    let st = path_str(store.path());
    let listen = Listening::start(store.path(), &[]);

    // Not UTF-8, with bytes that look like HTTP framing inside.
    let mut body: Vec<u8> = (0..=255u8).rev().cycle().take(4096).collect();
    body.extend_from_slice(b"\r\n\r\n\x00\xff\xfe{\"not\":\"json\"");
    assert!(std::str::from_utf8(&body).is_err());
    let listen_addr = listen.addr;
    let (status, answer) = raw_post(listen_addr, "/hooks/bin?x=1&x=2", sent_headers, &body);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    drop(listen);

    let rows = list(st);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let id = rows[0]["id"].as_str().unwrap().to_string();
    let doc = show(st, &id);
    assert_eq!(
        doc_body(&doc),
        body,
        "listen recorded the body byte for byte"
    );
    assert_eq!(doc["request"]["body_sha256"], sha256_hex(&body));
    let stored: Vec<String> = doc["request"]["headers"]
        .as_array()
        .expect("request.headers")
        .iter()
        .map(|pair| {
            format!(
                "{}: {}",
                pair[0].as_str().unwrap(),
                pair[1].as_str().unwrap()
            )
        })
        .collect();
    let mut written = vec![format!("Host: {}", listen_addr)];
    written.extend(
        sent_headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v))),
    );
    written.push(format!("Content-Length: {}", body.len()));
    assert_eq!(
        stored, written,
        "listen recorded the header lines as written"
    );

    let echo = WireReceiver::start();
    let out = hk(&["replay", &id, "--to", &echo.url(), "--store", st]);
    out.assert_code(0);
    let got = echo.requests();
    assert_eq!(got.len(), 1, "one replay arrives\n{out}");
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.target, "/hooks/bin?x=1&x=2", "path and query kept");
    assert_eq!(
        sha256_hex(&r.body),
        sha256_hex(&body),
        "the body hash is reproduced"
    );
    assert_eq!(r.body, body);

    let want: Vec<(String, Vec<u8>)> = sent_headers
        .iter()
        .filter(|(n, _)| !hop_by_hop(n) && !n.eq_ignore_ascii_case("x-hop-private"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_vec()))
        .collect();
    let have: Vec<(String, Vec<u8>)> = r
        .headers
        .iter()
        .filter(|(n, _)| !hop_by_hop(n))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    let show = |l: &[(String, Vec<u8>)]| -> Vec<String> {
        l.iter()
            .map(|(n, v)| format!("{n}: {}", String::from_utf8_lossy(v)))
            .collect()
    };
    assert_eq!(
        show(&have),
        show(&want),
        "the header list, minus hop-by-hop (and what Connection named), in order with duplicates"
    );
}

/// Duplicates, hop-by-hop headers and one that `Connection` names (dropped).
fn headers_with_duplicates() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("User-Agent", b"raw-client/1.0"),
        ("Accept", b"application/json, */*;q=0.5"),
        ("Content-Type", b"application/octet-stream"),
        ("X-Dup", b"a"),
        ("X-Dup", b"b"),
        ("X-Trace-Id", b"trace-42"),
        ("Connection", b"close, X-Hop-Private"),
        ("X-Hop-Private", b"only for this hop"),
        ("Te", b"trailers"),
    ]
}

#[test]
fn exact_replay_reproduces_a_binary_body_and_duplicate_headers() {
    exact_replay_case(&headers_with_duplicates());
}

#[test]
fn exact_replay_keeps_interleaved_duplicates_in_order() {
    let mut headers = headers_with_duplicates();
    headers.insert(4, ("X-Between", b"z"));
    exact_replay_case(&headers);
}

#[test]
fn exact_replay_adds_no_header_the_recording_lacks() {
    let mut headers = headers_with_duplicates();
    headers.retain(|(n, _)| *n != "Accept");
    exact_replay_case(&headers);
}

#[test]
fn exact_replay_to_https_keeps_the_header_lines_and_adds_nothing() {
    let store = tempdir();
    let st = path_str(store.path());
    let listen = Listening::start(store.path(), &[]);
    let sent: [(&str, &[u8]); 5] = [
        ("X-Dup", b"a"),
        ("x-between", b"z"),
        ("X-DUP", b"b"),
        ("stripe-Signature", b"t=1,v1=ab"),
        ("Content-Type", b"application/json"),
    ];
    let (status, _) = raw_post(listen.addr, "/hooks/tls?x=1&x=2", &sent, b"{}");
    assert_eq!(status, 200);
    drop(listen);
    let id = list(st)[0]["id"].as_str().unwrap().to_string();

    let app = crate::common::TlsApp::start();
    let certs = tempdir();
    let ca = app.ca_file(certs.path());
    let out = hk(&[
        "replay",
        &id,
        "--to",
        &app.url(),
        "--ca",
        path_str(&ca),
        "--store",
        st,
    ]);
    out.assert_code(0);
    let raw = app.raw();
    assert_eq!(raw.len(), 1, "one replay arrives\n{out}");
    let host = app.url().trim_start_matches("https://").to_string();
    let want = format!(
        "POST /hooks/tls?x=1&x=2 HTTP/1.1\r\nHost: {host}\r\nX-Dup: a\r\nx-between: z\r\n\
         X-DUP: b\r\nstripe-Signature: t=1,v1=ab\r\nContent-Type: application/json\r\n\
         Content-Length: 2\r\n\r\n{{}}"
    );
    assert_eq!(
        String::from_utf8_lossy(&raw[0]),
        want,
        "order, case and repeats kept; nothing added but Host and Content-Length"
    );
}

// ---------------------------------------------------------------------------
// 2. Stale signatures: re-signed verifies, exact is rejected with a warning

fn stale_deliveries(listen_args: &[&str]) {
    let store = tempdir();
    let st = path_str(store.path());
    let providers = ["stripe", "slack", "standard"];
    let ids = record(store.path(), listen_args, &providers, now() - 600);
    let verifier = verifier();

    for p in providers {
        let id = &ids[p];
        let recorded = doc_body(&show(st, id));

        let exact = hk(&["replay", id, "--to", &verifier.url(), "--store", st]);
        exact.assert_code(1);
        let hits = verifier.hits();
        let last = hits.last().expect("the exact replay arrived");
        assert_eq!(last.status, 401, "{p}: exact is stale: {}", last.answer());
        assert!(
            last.answer().contains("timestamp"),
            "{p}: rejected for its timestamp, not its signature: {}",
            last.answer()
        );
        let warned = exact
            .stderr()
            .lines()
            .any(|l| l.contains("warning") && l.contains("--resign"));
        assert!(warned, "{p}: a warning naming --resign\n{exact}");

        let resigned = hk(&[
            "replay",
            id,
            "--to",
            &verifier.url(),
            "--resign",
            "--secret-env",
            SECRET_VAR,
            "--store",
            st,
        ]);
        resigned.assert_code(0).assert_hides(&secret());
        let hits = verifier.hits();
        let last = hits.last().unwrap();
        assert_eq!(
            last.status,
            200,
            "{p}: re-signed: {}\n{resigned}",
            last.answer()
        );
        assert_eq!(last.answer(), format!("verified {p}"));
        assert_eq!(last.request.body, recorded, "{p}: same body, re-signed");

        let attempts = show(st, id)["attempts"].clone();
        let replays: Vec<&Value> = attempts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "replay")
            .collect();
        assert_eq!(replays.len(), 2, "{p}: both replays recorded: {attempts}");
        assert_eq!(replays[0]["status"], 401);
        assert_eq!(replays[1]["status"], 200);
    }
    assert_eq!(verifier.hit_count(), 6);
}

#[test]
fn stale_deliveries_recorded_by_a_verifying_listen_replay_resigned_and_warn_exact() {
    stale_deliveries(&["--secret-env", SECRET_VAR]);
}

#[test]
fn stale_deliveries_recorded_without_a_secret_still_warn_on_exact_replay() {
    stale_deliveries(&[]);
}

// ---------------------------------------------------------------------------
// 3. Dead-letter drain

#[test]
fn failed_deliveries_drain_once_the_app_is_up() {
    let store = tempdir();
    let st = path_str(store.path());
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").expect("bind a probe");
        probe.local_addr().unwrap().port()
    };
    let listen = Listening::start(
        store.path(),
        &[
            "--forward-to",
            &format!("http://127.0.0.1:{port}/app"),
            "--forward-timeout",
            "5s",
        ],
    );
    let n = 50;
    let urls: Vec<String> = (0..n)
        .map(|i| format!("{}hook?n={i}", listen.url()))
        .collect();
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| format!(r#"{{"n":{i}}}"#).into_bytes())
        .collect();
    let statuses = load(&urls, &bodies, 8);
    assert!(
        statuses.iter().all(|s| *s == 502),
        "the app is down: every delivery gets 502: {statuses:?}"
    );
    assert_eq!(list(st).len(), n);
    let failed = hk(&[
        "list", "--store", st, "--failed", "--json", "--limit", "1000",
    ]);
    assert_eq!(failed.assert_code(0).stdout().lines().count(), n);

    let app = App::on_port(port);
    let out = hk(&["replay", "--failed", "--store", st]);
    out.assert_code(0);
    assert!(
        out.stderr()
            .contains(&format!("replayed {n} of {n} selected: {n} 2xx")),
        "the summary counts {n} 2xx\n{out}"
    );
    let hits = app.hits();
    assert_eq!(hits.len(), n, "the app got every one\n{out}");
    let mut targets: Vec<String> = hits.iter().map(|(t, _)| t.clone()).collect();
    targets.sort();
    let mut want: Vec<String> = (0..n).map(|i| format!("/app/hook?n={i}")).collect();
    want.sort();
    assert_eq!(targets, want, "to the original forward target");
    for (target, body) in &hits {
        let i: usize = target.rsplit('=').next().unwrap().parse().unwrap();
        assert_eq!(body, &bodies[i]);
    }

    let again = hk(&["replay", "--failed", "--json", "--store", st]);
    again.assert_code(0);
    let s = json_summary(&again);
    assert_eq!(s["selected"], 0, "nothing is left to drain\n{again}");
    assert_eq!(s["sent"], 0);
    assert_eq!(app.hits().len(), n);
    assert!(list(st).iter().all(|r| r["last_status"] == 200));
    drop(listen);
}

// ---------------------------------------------------------------------------
// 4. Ten thousand, 32 at a time

#[test]
fn ten_thousand_replays_at_concurrency_32_are_all_recorded() {
    let n = 10_000;
    let store = tempdir();
    let st = path_str(store.path());
    let started = Instant::now();
    let listen = Listening::start(store.path(), &[]);
    let urls: Vec<String> = (0..n)
        .map(|i| format!("{}bulk/{}", listen.url(), i % 7))
        .collect();
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| format!(r#"{{"type":"bulk.test","n":{i}}}"#).into_bytes())
        .collect();
    let statuses = load(&urls, &bodies, 32);
    assert!(statuses.iter().all(|s| *s == 200), "every capture answered");
    drop(listen);
    let captured = started.elapsed();

    let receiver = Receiver::start(|_| (204, Vec::new()));
    let replay_start = Instant::now();
    let out = hk_within(
        &[
            "replay",
            "--all",
            "--concurrency",
            "32",
            "--to",
            &receiver.url(),
            "--json",
            "--store",
            st,
        ],
        Duration::from_secs(120),
    );
    let replayed = replay_start.elapsed();
    out.assert_code(0);
    eprintln!(
        "10,000 deliveries: captured in {:.1} s, replayed in {:.1} s",
        captured.as_secs_f64(),
        replayed.as_secs_f64()
    );

    let s = json_summary(&out);
    assert_eq!(s["selected"], n, "{s}");
    assert_eq!(s["sent"], n, "{s}");
    assert_eq!(s["ok_2xx"], n, "{s}");
    assert_eq!(s["other_status"], 0, "{s}");
    assert_eq!(s["errors"], 0, "{s}");
    assert_eq!(s["skipped"], 0, "{s}");
    assert!(s["p50_ms"].as_f64().is_some() && s["p99_ms"].as_f64() >= s["p50_ms"].as_f64());
    let lines = out.stdout().lines().filter(|l| !l.is_empty()).count();
    assert_eq!(lines, n + 1, "one line per replay, then the summary");

    assert_eq!(receiver.hit_count(), n);
    let mut seen: Vec<Vec<u8>> = receiver.requests().into_iter().map(|r| r.body).collect();
    seen.sort();
    let mut want = bodies.clone();
    want.sort();
    assert!(seen == want, "each body exactly once");

    let conn = db(store.path());
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM attempts WHERE kind = 'replay'"),
        n as i64
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(DISTINCT delivery_id) FROM attempts WHERE kind = 'replay' AND status = 204"
        ),
        n as i64,
        "one replay attempt per delivery"
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM deliveries"), n as i64);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);

    let rows = list(st);
    assert_eq!(rows.len(), n, "the store lists whole");
    assert!(
        rows.iter()
            .all(|r| r["attempts"] == 2 && r["last_status"] == 204),
        "each delivery: its capture, then its replay"
    );
}

// ---------------------------------------------------------------------------
// 5. Concurrency 1 keeps the order

#[test]
fn concurrency_one_keeps_the_capture_order() {
    let store = tempdir();
    let st = path_str(store.path());
    let listen = Listening::start(store.path(), &[]);
    let n = 30;
    let urls: Vec<String> = (0..n).map(|_| listen.url().to_string()).collect();
    let bodies: Vec<Vec<u8>> = (0..n)
        .map(|i| format!(r#"{{"seq":{i},"pad":"{}"}}"#, "x".repeat((i * 37) % 300)).into_bytes())
        .collect();
    assert!(load(&urls, &bodies, 1).iter().all(|s| *s == 200));
    drop(listen);

    // Slow answers for some: a replay that did not wait would overtake.
    let receiver = Receiver::start(|req| {
        if req.body.len() % 3 == 0 {
            std::thread::sleep(Duration::from_millis(15));
        }
        (200, b"ok".to_vec())
    });
    let out = hk(&[
        "replay",
        "--all",
        "--concurrency",
        "1",
        "--to",
        &receiver.url(),
        "--store",
        st,
    ]);
    out.assert_code(0);
    let seen: Vec<Vec<u8>> = receiver.requests().into_iter().map(|r| r.body).collect();
    assert!(
        seen == bodies,
        "the receiver sees the capture order: {:?}",
        seen.iter()
            .map(|b| String::from_utf8_lossy(&b[..b.len().min(12)]).into_owned())
            .collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------
// 6. Edit, then replay

#[test]
fn an_edited_body_is_resigned_and_unsigned_edits_are_refused() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["stripe"], now());
    let id = &ids["stripe"];
    let before = show(st, id);
    let verifier = verifier();

    let refused = hk(&[
        "replay",
        id,
        "--to",
        &verifier.url(),
        "--set",
        "data.object.amount=5000",
        "--store",
        st,
    ]);
    refused.assert_error(2, &["--resign"]);
    assert_eq!(verifier.hit_count(), 0, "nothing sent without --resign");

    let out = hk(&[
        "replay",
        id,
        "--to",
        &verifier.url(),
        "--set",
        "data.object.amount=5000",
        "--resign",
        "--secret-env",
        SECRET_VAR,
        "--store",
        st,
    ]);
    out.assert_code(0);
    let hits = verifier.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].status, 200, "{}", hits[0].answer());
    let sent: Value = serde_json::from_slice(&hits[0].request.body).unwrap();
    assert_eq!(sent["data"]["object"]["amount"], 5000);
    let original: Value = serde_json::from_slice(&doc_body(&before)).unwrap();
    assert_ne!(original["data"]["object"]["amount"], 5000);
    let mut expected = original.clone();
    expected["data"]["object"]["amount"] = 5000.into();
    assert_eq!(sent, expected, "only the amount changed");

    let after = show(st, id);
    assert_eq!(
        after["request"], before["request"],
        "the recorded request is never modified"
    );
    let replays: Vec<Value> = after["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "replay")
        .cloned()
        .collect();
    assert_eq!(replays.len(), 1, "{after}");
    assert_eq!(replays[0]["status"], 200);
}

#[test]
fn an_edited_replay_attempt_records_the_body_actually_sent() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["stripe"], now());
    let id = &ids["stripe"];
    let verifier = verifier();
    hk(&[
        "replay",
        id,
        "--to",
        &verifier.url(),
        "--set",
        "data.object.amount=5000",
        "--resign",
        "--secret-env",
        SECRET_VAR,
        "--store",
        st,
    ])
    .assert_code(0);
    let sent = verifier.requests()[0].body.clone();
    let sent_sha = sha256_hex(&sent);
    let sent_text = String::from_utf8(sent).unwrap();
    let doc = show(st, id);
    let replay = doc["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "replay")
        .cloned()
        .expect("a replay attempt");
    let text = replay.to_string();
    // The verifier answered `verified stripe`, not an echo: the sent body (or
    // its hash) can only be here if the attempt recorded it.
    let escaped = Value::from(sent_text).to_string();
    assert!(
        text.contains(&sent_sha) || text.contains(escaped.trim_matches('"')),
        "the attempt records the body sent (sha256 {sent_sha}): {replay:#}"
    );
}

// ---------------------------------------------------------------------------
// 7. A fresh id, nothing else changed

#[test]
fn new_id_changes_only_the_event_id() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["stripe"], now() - 600);
    let id = &ids["stripe"];
    let doc = show(st, id);
    let original = doc_body(&doc);
    let old_id = serde_json::from_slice::<Value>(&original).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(doc["event_id"], old_id.as_str());

    let verifier = verifier();
    let out = hk(&[
        "replay",
        id,
        "--to",
        &verifier.url(),
        "--resign",
        "--new-id",
        "--secret-env",
        SECRET_VAR,
        "--store",
        st,
    ]);
    out.assert_code(0);
    let hits = verifier.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].status,
        200,
        "the signature verifies: {}",
        hits[0].answer()
    );
    let body = &hits[0].request.body;
    let new_id = serde_json::from_slice::<Value>(body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_id, old_id, "a fresh id");
    assert!(new_id.starts_with("evt_"), "{new_id}");
    let expected = String::from_utf8(original).unwrap().replacen(
        &format!("\"{old_id}\""),
        &format!("\"{new_id}\""),
        1,
    );
    assert!(
        body == expected.as_bytes(),
        "only the id differs in the bytes:\n{}\n---\n{expected}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(
        show(st, id)["request"],
        doc["request"],
        "the record is kept"
    );
}

// ---------------------------------------------------------------------------
// 8. Dry run

#[test]
fn dry_run_sends_nothing_and_names_the_target() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["github", "stripe"], now());
    let receiver = Receiver::start(|_| (200, b"ok".to_vec()));
    let conn = db(store.path());
    let attempts_before = count(&conn, "SELECT COUNT(*) FROM attempts");

    let to = format!("{}/dry", receiver.url());
    let out = hk(&[
        "replay",
        &ids["github"],
        "--to",
        &to,
        "--dry-run",
        "--store",
        st,
    ]);
    out.assert_code(0);
    assert!(out.stdout().contains(&to), "prints the target URL\n{out}");

    let all = hk(&[
        "replay",
        "--all",
        "--to",
        &to,
        "--resign",
        "--secret-env",
        SECRET_VAR,
        "--dry-run",
        "--store",
        st,
    ]);
    all.assert_code(0).assert_hides(&secret());
    assert_eq!(
        all.stdout().matches(&to).count(),
        2,
        "both deliveries, with where they would go\n{all}"
    );

    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.hit_count(), 0, "a dry run sends nothing");
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM attempts"),
        attempts_before,
        "and records nothing"
    );
}

// ---------------------------------------------------------------------------
// 9. Record once, replay in CI

#[test]
fn exported_deliveries_resend_resigned_from_a_folder() {
    let store = tempdir();
    let st = path_str(store.path());
    let providers = ["stripe", "github", "standard"];
    let ids = record(store.path(), &[], &providers, now() - 600);
    let exported = tempdir();
    let mut recorded = Vec::new();
    for (i, p) in providers.iter().enumerate() {
        let out = hk(&["show", &ids[*p], "--store", st, "--json"]);
        out.assert_code(0);
        let doc: Value = serde_json::from_slice(&out.stdout).expect("a JSON document");
        assert_eq!(doc["schema"], "hookcli.delivery/1");
        recorded.push(doc_body(&doc));
        std::fs::write(
            exported.path().join(format!("{i:02}-{p}.json")),
            &out.stdout,
        )
        .unwrap();
    }
    let dir = path_str(exported.path());

    let verifier = verifier();
    let out = hk(&[
        "send",
        "--from",
        dir,
        "--url",
        &verifier.url(),
        "--resign",
        "--secret-env",
        SECRET_VAR,
    ]);
    out.assert_code(0).assert_hides(&secret());
    let hits = verifier.hits();
    assert_eq!(hits.len(), 3, "{out}");
    for (i, hit) in hits.iter().enumerate() {
        assert_eq!(hit.status, 200, "{}: {}\n{out}", providers[i], hit.answer());
        assert_eq!(
            hit.answer(),
            format!("verified {}", providers[i]),
            "name order"
        );
        assert_eq!(hit.request.body, recorded[i]);
    }

    // Not re-signed, the stale Stripe and Standard signatures are refused.
    let exact = hk(&["send", "--from", dir, "--url", &verifier.url()]);
    exact.assert_code(1);

    let expect = hk(&[
        "send",
        "--from",
        dir,
        "--url",
        &verifier.url(),
        "--resign",
        "--secret-env",
        SECRET_VAR,
        "--expect-status",
        "500",
    ]);
    expect.assert_code(1);

    // Unknown schema, corrupt JSON: a usage error naming the file, nothing sent.
    let bad = tempdir();
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(exported.path().join("00-stripe.json")).unwrap())
            .unwrap();
    doc["schema"] = "hookcli.delivery/9".into();
    let future = bad.path().join("future-schema.json");
    std::fs::write(&future, doc.to_string()).unwrap();
    let corrupt = bad.path().join("corrupt.json");
    std::fs::write(&corrupt, br#"{"schema":"hookcli.delivery/1","id":"01ab"#).unwrap();

    let sent_before = verifier.hit_count();
    for (file, name, also) in [
        (&future, "future-schema.json", "hookcli.delivery/9"),
        (&corrupt, "corrupt.json", "JSON"),
    ] {
        let out = hk(&[
            "send",
            "--from",
            path_str(file),
            "--url",
            &verifier.url(),
            "--resign",
            "--secret-env",
            SECRET_VAR,
        ]);
        out.assert_error(2, &[name, also]);
    }
    // A folder holding a good document and a corrupt one sends nothing.
    std::fs::copy(
        exported.path().join("00-stripe.json"),
        bad.path().join("00-good.json"),
    )
    .unwrap();
    std::fs::remove_file(&future).unwrap();
    let out = hk(&[
        "send",
        "--from",
        path_str(bad.path()),
        "--url",
        &verifier.url(),
        "--resign",
        "--secret-env",
        SECRET_VAR,
    ]);
    out.assert_error(2, &["corrupt.json"]);
    assert_eq!(verifier.hit_count(), sent_before, "nothing was sent");
}

/// `send --from` a folder that is not there yet (the README's
/// `tests/webhooks/` before the first export): one line naming it, no OS jargon.
#[test]
fn send_from_a_missing_folder_names_it() {
    let dir = tempdir();
    let missing = dir.path().join("tests/webhooks/");
    let out = hk(&[
        "send",
        "--from",
        path_str(&missing),
        "--url",
        "http://127.0.0.1:9/",
        "--resign",
        "--secret-env",
        SECRET_VAR,
    ]);
    out.assert_error(
        3,
        &["cannot read --from", "webhooks", "no such file or folder"],
    );
    assert!(!out.stderr().contains("os error"), "{out}");
}

/// A sender picks the path listen records. Replayed to `--to BASE`, its dot
/// segments (plain or percent-encoded) must not take the request out from
/// under BASE's path, as listen's `--forward-to` already refuses.
#[test]
fn replay_to_a_base_never_leaves_it_by_a_recorded_dot_segment() {
    let store = tempdir();
    let st = path_str(store.path());
    let mut listen = Listening::start(store.path(), &[]);
    for target in [
        "/hooks/../../admin",
        "/hooks/%2e%2e/%2E%2E/admin",
        "/hooks/a/../b",
    ] {
        let head = crate::common::request_head(
            "POST",
            target,
            &[
                ("Host".into(), listen.addr.to_string().into_bytes()),
                ("Content-Length".into(), b"2".to_vec()),
            ],
        );
        let answer = crate::common::raw_request(listen.addr, &head, b"{}").expect("an answer");
        assert_eq!(answer.status, 200, "{target} is recorded");
    }
    listen.stop();
    let app = Receiver::start(|_| (204, Vec::new()));
    let base = format!("{}/app", app.url());
    let out = hk(&["replay", "--all", "--store", st, "--to", &base]);
    let targets: Vec<String> = app.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/app/hooks/b"], "{out}");
    assert_eq!(out.code, Some(1), "{out}");
    let err = out.stderr();
    assert_eq!(
        err.matches(&format!("would leave {base}")).count(),
        2,
        "{out}"
    );
    assert!(err.contains("/hooks/../../admin"), "{out}");
}

// ---------------------------------------------------------------------------
// 10. Usage errors

#[test]
fn unknown_ids_and_no_selection_are_usage_errors() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(store.path(), &[], &["github"], now());
    let receiver = Receiver::start(|_| (200, b"ok".to_vec()));

    let out = hk(&[
        "replay",
        "zzzzzzzzzz",
        "--to",
        &receiver.url(),
        "--store",
        st,
    ]);
    out.assert_error(2, &["zzzzzzzzzz"]);

    // Fewer than 4 characters name nothing, even with one delivery stored.
    for short in ["", "0", "01m"] {
        hk(&["show", short, "--store", st]).assert_error(2, &["too short"]);
    }

    let out = hk(&["replay", "--to", &receiver.url(), "--store", st]);
    out.assert_error(2, &["--failed", "--all"]);

    // Never forwarded and no --url: nowhere to send it.
    let out = hk(&["replay", &ids["github"], "--store", st]);
    out.assert_error(2, &["pass --url URL"]);

    assert!(!wait_for(Duration::from_millis(200), || receiver
        .hit_count()
        > 0));
}

/// GitLab's "signature" is the secret itself: a re-signed replay sends it,
/// and the attempt records what was sent, with that value redacted. The
/// secret is in no output, no exported document and nowhere in the file.
#[test]
fn a_resigned_gitlab_replay_stores_no_secret() {
    let store = tempdir();
    let st = path_str(store.path());
    let ids = record(
        store.path(),
        &["--secret-env", SECRET_VAR],
        &["gitlab"],
        now(),
    );
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let out = hk(&[
        "replay",
        &ids["gitlab"],
        "--resign",
        "--secret-env",
        SECRET_VAR,
        "--to",
        &app.url(),
        "--store",
        st,
        "--json",
    ]);
    out.assert_code(0).assert_hides(&secret());
    let sent = &app.requests()[0];
    assert_eq!(sent.header("x-gitlab-token"), Some(secret().as_str()));
    let doc = hk(&["show", &ids["gitlab"], "--json", "--store", st]);
    doc.assert_code(0).assert_hides(&secret());
    assert!(doc.stdout().contains("(redacted by hookcli)"), "{doc}");
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(store.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let needle = secret().into_bytes();
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
        "the secret is in the store's files"
    );
}

// ---------------------------------------------------------------------------
// Issue 16: what replay and show print

mod output;
mod snapshots;
