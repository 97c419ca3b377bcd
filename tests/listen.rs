//! `hookcli listen` end to end (issue 3's acceptance): the real binary on
//! 127.0.0.1:0 with its own store, driven by a hand-written HTTP/1.1 client
//! (so header case, order and duplicates are exactly as chosen here), checked
//! by reading the SQLite store directly and through `list`, `show`, `verify`.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{
    Listen, RawConn, RawResponse, Receiver, Run, hookcli, raw_request, request_head, run,
    run_within,
};

/// The environment variable listen, send and verify read the secret from.
const SECRET_VAR: &str = "HOOKCLI_TEST_LISTEN_SECRET";

/// The providers whose verdicts issue 3 lists.
const PROVIDERS: [&str; 7] = [
    "stripe", "github", "shopify", "slack", "twilio", "gitlab", "standard",
];

/// Deliveries in each load test, and how many are in flight at a time.
const LOAD: usize = 2_000;
const IN_FLIGHT: usize = 64;

// ---------------------------------------------------------------------------
// Helpers

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// splitmix64: deterministic bytes from a seed, so a delivery can be made
/// again from its number instead of being kept in memory.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    /// Seeded from the clock and the process: different on every run.
    fn fresh() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        Rng(t ^ (u64::from(std::process::id()) << 32))
    }
}

/// A secret no fixture and no other text could contain by chance, in the
/// `whsec_` + base64 shape every provider here accepts.
fn distinctive_secret() -> (String, Vec<u8>) {
    let mut raw = [0u8; 24];
    Rng::fresh().fill(&mut raw);
    (format!("whsec_{}", B64.encode(raw)), raw.to_vec())
}

fn header(name: &str, value: impl Into<Vec<u8>>) -> (String, Vec<u8>) {
    (name.to_string(), value.into())
}

/// Delivery number `seq` of a load: a random binary body of 0 to 64 KiB
/// (never valid UTF-8 when not empty), a duplicate header and a mixed-case
/// name, and a query string.
struct LoadDelivery {
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// Random bytes the load bodies are cut from (making 2,000 bodies byte by
/// byte, several times over, is slow in a debug build).
fn body_pool() -> &'static [u8] {
    static POOL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let mut pool = vec![0u8; 256 * 1024];
        Rng(0x00B0_D1E5).fill(&mut pool);
        pool
    })
}

impl LoadDelivery {
    fn new(seq: usize, host: SocketAddr) -> LoadDelivery {
        let mut rng = Rng((seq as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5EED);
        let len = if seq.is_multiple_of(97) {
            0
        } else {
            (rng.next() % (64 * 1024 + 1)) as usize
        };
        let pool = body_pool();
        let start = (rng.next() % (pool.len() - len + 1) as u64) as usize;
        let mut body = pool[start..start + len].to_vec();
        // Each body its own: the first bytes are its number.
        let tag = (seq as u64).to_le_bytes();
        let n = len.min(tag.len());
        body[..n].copy_from_slice(&tag[..n]);
        if len > 0 {
            body[0] = 0xff; // never UTF-8
        }
        if len > 2 {
            body[len / 2] = 0;
        }
        let headers = vec![
            header("Host", host.to_string()),
            header("User-Agent", "hookcli-listen-test"),
            header("Content-Type", "application/octet-stream"),
            header("X-Dup", "a"),
            header("X-MiXeD-CaSe", format!("MiXeD-{seq}")),
            header("X-Dup", "b"),
            header("X-Seq", seq.to_string()),
            header("Content-Length", len.to_string()),
        ];
        LoadDelivery {
            target: format!("/hooks/load/{seq}?seq={seq}&q=a%20b&q=c"),
            headers,
            body,
        }
    }
}

/// What the sender of one load delivery saw.
struct Sent {
    seq: usize,
    outcome: Result<RawResponse, String>,
}

impl Sent {
    /// The delivery id the answer names (header and JSON body must agree
    /// when both are there).
    fn id(&self) -> Option<String> {
        let r = self.outcome.as_ref().ok()?;
        r.header("x-hookcli-delivery").map(str::to_string)
    }

    fn status(&self) -> Option<u16> {
        self.outcome.as_ref().ok().map(|r| r.status)
    }
}

/// Sends deliveries 0..total to `addr`, `in_flight` at a time over
/// keep-alive connections; `answered` counts the 2xx answers as they come.
fn fire(addr: SocketAddr, total: usize, in_flight: usize, answered: Arc<AtomicUsize>) -> Vec<Sent> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("load runtime");
    runtime.block_on(async move {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..in_flight {
            let next = next.clone();
            let answered = answered.clone();
            tasks.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                let mut conn: Option<RawConn> = None;
                loop {
                    let seq = next.fetch_add(1, Ordering::SeqCst);
                    if seq >= total {
                        break;
                    }
                    if conn.is_none() {
                        conn = RawConn::connect(addr).await.ok();
                    }
                    let Some(c) = conn.as_mut() else {
                        sent.push(Sent {
                            seq,
                            outcome: Err("connection refused".into()),
                        });
                        continue;
                    };
                    let d = LoadDelivery::new(seq, addr);
                    let head = request_head("POST", &d.target, &d.headers);
                    let outcome =
                        match tokio::time::timeout(Duration::from_secs(30), c.send(&head, &d.body))
                            .await
                        {
                            Ok(Ok(r)) => Ok(r),
                            Ok(Err(e)) => Err(e.to_string()),
                            Err(_) => Err("no answer within 30 s".into()),
                        };
                    match &outcome {
                        Ok(r) if (200..300).contains(&r.status) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => {}
                    }
                    let close = match &outcome {
                        Ok(r) => r
                            .header("connection")
                            .is_some_and(|v| v.eq_ignore_ascii_case("close")),
                        Err(_) => true,
                    };
                    if close {
                        conn = None;
                    }
                    sent.push(Sent { seq, outcome });
                }
                sent
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("load task"));
        }
        all.sort_by_key(|s| s.seq);
        all
    })
}

/// One delivery row as the store holds it.
struct Row {
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body_sha256: String,
    body: Vec<u8>,
    verdict: String,
    rejected: Option<String>,
}

/// One attempt row.
struct AttemptRow {
    kind: String,
    status: Option<u16>,
    body: Vec<u8>,
    error: Option<String>,
}

struct StoreView {
    deliveries: HashMap<String, Row>,
    attempts: HashMap<String, Vec<AttemptRow>>,
}

/// Header JSON as stored: `[[name, value]]`, a value being text or
/// `{"base64": ...}`.
fn decode_headers(text: &str) -> Vec<(String, Vec<u8>)> {
    let list: Vec<Value> = serde_json::from_str(text).expect("headers column is a JSON array");
    list.iter()
        .map(|pair| {
            let name = pair[0].as_str().expect("header name").to_string();
            let value = match &pair[1] {
                Value::String(s) => s.clone().into_bytes(),
                Value::Object(o) => B64
                    .decode(o["base64"].as_str().expect("base64 value"))
                    .expect("base64"),
                other => panic!("unexpected header value {other}"),
            };
            (name, value)
        })
        .collect()
}

/// Reads the whole store with a read-only connection of its own.
fn read_store(dir: &Path) -> StoreView {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join("hookcli.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the store read-only");
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let mut deliveries = HashMap::new();
    let mut stmt = conn
        .prepare("SELECT id, target, headers, body, body_sha256, verdict, rejected FROM deliveries")
        .expect("deliveries table");
    let rows = stmt
        .query_map([], |r| {
            let body: Vec<u8> = r.get(3)?;
            Ok((
                r.get::<_, String>(0)?,
                Row {
                    target: r.get(1)?,
                    headers: decode_headers(&r.get::<_, String>(2)?),
                    body_sha256: r.get(4)?,
                    body,
                    verdict: r.get(5)?,
                    rejected: r.get(6)?,
                },
            ))
        })
        .unwrap();
    for row in rows {
        let (id, row) = row.unwrap();
        assert!(deliveries.insert(id, row).is_none(), "duplicate id");
    }
    let mut attempts: HashMap<String, Vec<AttemptRow>> = HashMap::new();
    let mut stmt = conn
        .prepare("SELECT delivery_id, kind, status, body, error FROM attempts ORDER BY seq")
        .expect("attempts table");
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                AttemptRow {
                    kind: r.get(1)?,
                    status: r.get::<_, Option<i64>>(2)?.map(|s| s as u16),
                    body: r.get(3)?,
                    error: r.get(4)?,
                },
            ))
        })
        .unwrap();
    for row in rows {
        let (id, a) = row.unwrap();
        attempts.entry(id).or_default().push(a);
    }
    StoreView {
        deliveries,
        attempts,
    }
}

/// `hookcli ARGS --store STORE`, run to the end.
fn cli(store: &Path, args: &[&str]) -> Run {
    let mut cmd = hookcli();
    cmd.args(args).arg("--store").arg(store);
    run(&mut cmd)
}

/// `hookcli list --json --limit 100000`: one object per delivery.
fn list_json(store: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["list", "--json", "--limit", "100000"];
    args.extend_from_slice(extra);
    let out = cli(store, &args);
    out.assert_code(0);
    out.stdout()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `hookcli show ID --json`: the portable document.
fn show_json(store: &Path, id: &str) -> Value {
    let out = cli(store, &["show", id, "--json"]);
    out.assert_code(0);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"))
}

/// `hookcli send -p P --url URL --json [--tamper T] [--expect-status S]`
/// with the secret in SECRET_VAR: the run, the status and the delivery id.
fn send(provider: &str, url: &str, secret: &str, tamper: Option<&str>) -> (Run, u16, String) {
    send_event(provider, None, url, secret, tamper)
}

/// [`send`] of one event (`--event`), or of the provider's default one.
fn send_event(
    provider: &str,
    event: Option<&str>,
    url: &str,
    secret: &str,
    tamper: Option<&str>,
) -> (Run, u16, String) {
    let mut cmd = hookcli();
    cmd.env(SECRET_VAR, secret).args([
        "send",
        "-p",
        provider,
        "--url",
        url,
        "--secret-env",
        SECRET_VAR,
        "--json",
    ]);
    if let Some(t) = tamper {
        cmd.args(["--tamper", t]);
    }
    if let Some(e) = event {
        cmd.args(["--event", e]);
    }
    let out = run(&mut cmd);
    assert!(
        matches!(out.code, Some(0 | 1)),
        "send {provider} {tamper:?} failed\n{out}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let status = doc["response"]["status"].as_u64().expect("status") as u16;
    let id = doc["response"]["headers"]
        .as_array()
        .expect("response headers")
        .iter()
        .find(|h| h[0].as_str() == Some("x-hookcli-delivery"))
        .and_then(|h| h[1].as_str())
        .unwrap_or_else(|| panic!("no x-hookcli-delivery in the answer\n{out}"))
        .to_string();
    (out, status, id)
}

/// A listen told no provider, holding one secret for whatever it detects,
/// and its store.
fn listen_detecting(secret: &str) -> (tempfile::TempDir, Listen) {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &["--secret-env", SECRET_VAR],
        &[(SECRET_VAR, secret)],
    );
    (store, listen)
}

/// A local address that nothing listens on (bound by the OS, then released).
fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().unwrap();
    drop(l);
    addr
}

/// An app that reads each request whole, waits `delay`, then answers 200
/// `ok`; counts the requests it has read and keeps their raw bytes. Stops
/// accepting on Drop.
struct SlowApp {
    addr: SocketAddr,
    received: Arc<AtomicUsize>,
    raw: Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SlowApp {
    fn start(delay: Duration) -> SlowApp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(AtomicUsize::new(0));
        let raw = Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let received = received.clone();
            let raw = raw.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    let received = received.clone();
                    let raw = raw.clone();
                    std::thread::spawn(move || {
                        if let Some(request) = read_request(&mut stream) {
                            raw.lock().unwrap().push(request);
                            received.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(delay);
                            let _ = stream.write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                            );
                        }
                    });
                }
            })
        };
        SlowApp {
            addr,
            received,
            raw,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for SlowApp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request (head and Content-Length body) off a blocking stream.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(buf);
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A small request with the given extra headers, ready for `raw_request`.
fn simple_request(
    method: &str,
    target: &str,
    host: &str,
    extra: &[(String, Vec<u8>)],
    body: &[u8],
) -> Vec<u8> {
    let mut headers = vec![header("Host", host)];
    headers.extend_from_slice(extra);
    headers.push(header("Content-Length", body.len().to_string()));
    request_head(method, target, &headers)
}

/// Whether any of `needles` occurs in `hay`.
fn contains_any(hay: &[u8], needles: &[&[u8]]) -> Option<usize> {
    needles
        .iter()
        .position(|n| !n.is_empty() && hay.windows(n.len()).any(|w| w == *n))
}

/// Every file of the store folder (the database, its WAL and shared memory)
/// is free of every needle.
fn assert_store_files_hide(dir: &Path, needles: &[&[u8]], when: &str) {
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("store folder") {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).expect("read store file");
        seen += 1;
        if let Some(i) = contains_any(&bytes, needles) {
            panic!(
                "secret #{i} found in {} ({when}, {} bytes)",
                path.display(),
                bytes.len()
            );
        }
    }
    assert!(seen >= 1, "the store folder is empty ({when})");
}

// ---------------------------------------------------------------------------
// 1, 2: load, sink and forward

/// Checks one answered load delivery against the store: the body's hash, the
/// headers in order with duplicates and original case, the target.
fn check_stored(view: &StoreView, id: &str, seq: usize, host: SocketAddr) {
    let d = LoadDelivery::new(seq, host);
    let row = view
        .deliveries
        .get(id)
        .unwrap_or_else(|| panic!("answered delivery {seq} ({id}) is not in the store"));
    assert_eq!(
        row.body_sha256,
        sha256_hex(&d.body),
        "delivery {seq}: recorded body hash"
    );
    assert!(row.body == d.body, "delivery {seq}: stored body bytes");
    assert_eq!(
        row.headers, d.headers,
        "delivery {seq}: headers in order, duplicates kept, original case"
    );
    assert_eq!(row.target, d.target, "delivery {seq}: path and query");
    assert_eq!(row.rejected, None, "delivery {seq} was not rejected");
}

#[test]
fn sink_mode_load_records_every_answered_delivery_exactly() {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &[], &[]);
    let started = Instant::now();
    let sent = fire(listen.addr(), LOAD, IN_FLIGHT, Arc::default());
    eprintln!("sink load: {LOAD} deliveries in {:?}", started.elapsed());

    let mut answered = HashMap::new();
    for s in &sent {
        let r = s
            .outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("delivery {} got no answer: {e}", s.seq));
        assert_eq!(
            r.status,
            200,
            "delivery {}: {}",
            s.seq,
            String::from_utf8_lossy(&r.body)
        );
        let json: Value = serde_json::from_slice(&r.body).expect("the answer is JSON");
        let id = s.id().expect("x-hookcli-delivery header");
        assert_eq!(
            json["id"].as_str(),
            Some(id.as_str()),
            "the answer names the id"
        );
        assert!(answered.insert(id, s.seq).is_none(), "ids are unique");
    }
    assert_eq!(answered.len(), LOAD);

    // Read while listen still runs: the committed rows are there already.
    let view = read_store(store.path());
    assert_eq!(view.deliveries.len(), LOAD, "exactly one row per delivery");
    for (id, seq) in &answered {
        check_stored(&view, id, *seq, listen.addr());
        assert_eq!(view.deliveries[id].verdict, "unknown", "no provider here");
        let attempts = &view.attempts[id];
        assert_eq!(attempts.len(), 1, "delivery {seq}: one attempt");
        assert_eq!(attempts[0].kind, "respond");
        assert_eq!(attempts[0].status, Some(200));
    }
    assert_eq!(view.attempts.values().map(Vec::len).sum::<usize>(), LOAD);
}

/// Ctrl-C does not wait for senders still sending: a half-sent head is
/// closed and a half-sent body answered 503 with Retry-After at once, not
/// after --header-timeout or --body-timeout (a minute here); a delivery
/// answered before is kept, and nothing half-sent is recorded.
#[test]
fn a_stop_does_not_wait_for_half_sent_requests() {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(
        store.path(),
        &["--header-timeout", "60s", "--body-timeout", "60s"],
        &[],
    );
    let addr = listen.addr();
    let ask = |bytes: &[u8]| {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(bytes).unwrap();
        s
    };
    let mut whole = ask(b"POST /whole HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    let mut answer = [0u8; 12];
    whole.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 200");
    let mut head = ask(b"POST /head HTTP/1.1\r\nHost: x\r\n");
    let mut body = ask(b"POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"half\":");
    // Both are read as far as they go before the stop.
    std::thread::sleep(Duration::from_millis(300));

    let asked = Instant::now();
    let status = listen.terminate(Duration::from_secs(50));
    let took = asked.elapsed();
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        listen.stderr()
    );
    assert!(took < Duration::from_secs(10), "the stop took {took:?}");

    let mut cut = String::new();
    let _ = body.read_to_string(&mut cut);
    let lower = cut.to_ascii_lowercase();
    assert!(cut.starts_with("HTTP/1.1 503"), "{cut}");
    assert!(lower.contains("retry-after: 5"), "{cut}");
    assert!(lower.contains("stopping"), "{cut}");
    let mut closed = Vec::new();
    let _ = head.read_to_end(&mut closed);
    assert!(
        closed.is_empty(),
        "a half-sent head gets no answer: {closed:?}"
    );

    let view = read_store(store.path());
    let targets: Vec<&str> = view
        .deliveries
        .values()
        .map(|r| r.target.as_str())
        .collect();
    assert_eq!(targets, ["/whole"], "only the whole request is recorded");
}

/// Under a steady load the writer keeps its WAL near the limit: a small
/// test-only limit (`HOOKCLI_TEST_WAL_LIMIT_BYTES`) is crossed many times, the
/// `-wal` file, sampled throughout, never grows far past it, even with `list`
/// reading meanwhile, and every answered delivery is in the store.
#[test]
fn the_wal_stays_bounded_under_load() {
    const LIMIT: u64 = 2 * 1024 * 1024;
    const DELIVERIES: usize = 2_000;
    let store = tempfile::tempdir().unwrap();
    let limit = LIMIT.to_string();
    let listen = Listen::start(
        store.path(),
        &[],
        &[("HOOKCLI_TEST_WAL_LIMIT_BYTES", limit.as_str())],
    );
    let wal = store.path().join("hookcli.db-wal");
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (wal, done) = (wal.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut largest, mut samples) = (0, 0);
            while !done.load(Ordering::SeqCst) {
                let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
                largest = largest.max(size);
                samples += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            (largest, samples)
        })
    };
    let addr = listen.addr();
    let load = std::thread::spawn(move || fire(addr, DELIVERIES, 8, Arc::default()));
    // Readers while the writer runs: each holds a snapshot for a moment.
    while !load.is_finished() {
        cli(store.path(), &["list", "--json", "--limit", "50"]).assert_code(0);
    }
    let sent = load.join().expect("load thread");
    done.store(true, Ordering::SeqCst);
    let (largest, samples) = sampler.join().unwrap();
    let written: usize = (0..DELIVERIES)
        .map(|seq| LoadDelivery::new(seq, addr).body.len())
        .sum();
    eprintln!("wal: largest {largest} bytes in {samples} samples; {written} body bytes written");
    assert!(
        written as u64 > 20 * LIMIT,
        "the load must cross the limit many times"
    );
    assert!(
        largest <= 3 * LIMIT,
        "the WAL grew to {largest} bytes with a limit of {LIMIT}"
    );
    let view = read_store(store.path());
    for s in &sent {
        assert_eq!(s.status(), Some(200), "delivery {} answered", s.seq);
        check_stored(&view, &s.id().expect("id"), s.seq, addr);
    }
    assert_eq!(view.deliveries.len(), DELIVERIES);
}

#[test]
fn forward_mode_load_passes_everything_through_and_records_it() {
    let app = Receiver::start(|req| {
        let seq = req.header("x-seq").unwrap_or("?").to_string();
        (
            201,
            format!("app took {seq}: {} bytes", req.body.len()).into_bytes(),
        )
    });
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &["--forward-to", &app.url()], &[]);
    let started = Instant::now();
    let sent = fire(listen.addr(), LOAD, IN_FLIGHT, Arc::default());
    eprintln!("forward load: {LOAD} deliveries in {:?}", started.elapsed());

    let mut answered = HashMap::new();
    for s in &sent {
        let r = s
            .outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("delivery {} got no answer: {e}", s.seq));
        let d = LoadDelivery::new(s.seq, listen.addr());
        assert_eq!(r.status, 201, "delivery {}: the app's status", s.seq);
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            format!("app took {}: {} bytes", s.seq, d.body.len()),
            "the app's body goes back to the sender"
        );
        let id = s.id().expect("x-hookcli-delivery header");
        assert!(answered.insert(id, s.seq).is_none(), "ids are unique");
    }
    assert_eq!(answered.len(), LOAD);

    // What the app got: the exact body, the query, the repeated header.
    let hits = app.requests();
    assert_eq!(hits.len(), LOAD, "the app got each delivery once");
    for req in &hits {
        let seq: usize = req.header("x-seq").expect("x-seq").parse().unwrap();
        let d = LoadDelivery::new(seq, listen.addr());
        assert_eq!(req.method, "POST");
        assert_eq!(req.target, d.target, "delivery {seq}: path and query");
        assert!(
            req.body == d.body,
            "delivery {seq}: the app got the exact body"
        );
        let dups: Vec<&[u8]> = req
            .headers
            .iter()
            .filter(|(n, _)| n == "x-dup")
            .map(|(_, v)| v.as_slice())
            .collect();
        assert_eq!(dups, [b"a", b"b"], "delivery {seq}: repeated header");
        assert_eq!(
            req.header("x-mixed-case"),
            Some(format!("MiXeD-{seq}").as_str())
        );
    }

    let view = read_store(store.path());
    assert_eq!(view.deliveries.len(), LOAD, "exactly one row per delivery");
    for (id, seq) in &answered {
        check_stored(&view, id, *seq, listen.addr());
        let d = LoadDelivery::new(*seq, listen.addr());
        let attempts = &view.attempts[id];
        assert_eq!(attempts.len(), 1, "delivery {seq}: one attempt");
        let a = &attempts[0];
        assert_eq!(a.kind, "forward");
        assert_eq!(a.status, Some(201));
        assert_eq!(a.error, None);
        assert_eq!(
            String::from_utf8_lossy(&a.body),
            format!("app took {seq}: {} bytes", d.body.len()),
            "the app's answer is recorded"
        );
    }
}

/// Under load the printer gathers lines for a moment and writes them
/// together: every answered delivery still gets exactly one line.
#[test]
fn a_burst_of_deliveries_prints_one_line_for_each() {
    const BURST: usize = 500;
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &[], &[]);
    let sent = fire(listen.addr(), BURST, IN_FLIGHT, Arc::default());
    let ids: HashSet<String> = sent.iter().map(|s| s.id().expect("an answer")).collect();
    assert_eq!(ids.len(), BURST);
    // A line names its delivery by the id's last 8 characters, second.
    let printed = |out: &str| -> Vec<String> {
        out.lines()
            .filter_map(|l| l.split(' ').nth(1))
            .filter(|short| short.len() == 8 && ids.iter().any(|id| id.ends_with(short)))
            .map(str::to_string)
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut lines = printed(&listen.stdout());
    while lines.len() < BURST && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        lines = printed(&listen.stdout());
    }
    assert_eq!(lines.len(), BURST, "one line per delivery");
    let distinct: HashSet<&String> = lines.iter().collect();
    assert_eq!(distinct.len(), BURST, "no line twice");
}

// ---------------------------------------------------------------------------
// 3: SIGKILL in the middle of a load

#[test]
fn sigkill_mid_load_loses_nothing_that_was_answered() {
    sigkill_mid_load(&[]);
}

/// The same with a WAL limit small enough (`HOOKCLI_TEST_WAL_LIMIT_BYTES`)
/// that the kill comes while the writer and the checkpoint thread fold the
/// WAL in at its bound, again and again.
#[test]
fn sigkill_mid_load_while_the_wal_folds_at_its_bound_loses_nothing() {
    sigkill_mid_load(&[("HOOKCLI_TEST_WAL_LIMIT_BYTES", "131072")]);
}

fn sigkill_mid_load(envs: &[(&str, &str)]) {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &[], envs);
    let addr = listen.addr();
    let answered = Arc::new(AtomicUsize::new(0));
    let load = {
        let answered = answered.clone();
        std::thread::spawn(move || fire(addr, LOAD, IN_FLIGHT, answered))
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < 300 {
        assert!(
            Instant::now() < deadline,
            "300 answers did not come in 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    listen.kill(); // SIGKILL
    let at_kill = answered.load(Ordering::SeqCst);
    let sent = load.join().expect("load thread");
    let ok: Vec<(String, usize)> = sent
        .iter()
        .filter(|s| s.status() == Some(200))
        .map(|s| (s.id().expect("id"), s.seq))
        .collect();
    eprintln!(
        "killed after {at_kill} answers; {} answered in all of {LOAD}",
        ok.len()
    );
    assert!(ok.len() >= 300);
    assert!(
        ok.len() < LOAD,
        "the kill came after the whole load: nothing was tested"
    );

    // The store opens cleanly with hookcli itself...
    let listed = list_json(store.path(), &[]);
    let listed: HashSet<&str> = listed.iter().map(|d| d["id"].as_str().unwrap()).collect();
    for (id, seq) in &ok {
        assert!(
            listed.contains(id.as_str()),
            "delivery {seq} ({id}) was answered but `list` does not have it"
        );
    }
    cli(store.path(), &["show", "last", "--json"]).assert_code(0);
    // ...and is intact, with every answered delivery whole.
    let conn = rusqlite::Connection::open_with_flags(
        store.path().join("hookcli.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let view = read_store(store.path());
    for (id, seq) in &ok {
        check_stored(&view, id, *seq, addr);
    }
}

/// Forward mode records a delivery and its forward attempt in one commit,
/// after the app answered and before the sender is answered: a SIGKILL
/// mid-load leaves every answered delivery whole with its attempt, and no
/// delivery without one (the forwards in flight were never committed).
#[test]
fn sigkill_mid_forward_load_keeps_each_delivery_with_its_attempt() {
    // A slow app keeps many forwards in flight when the kill comes.
    let app = SlowApp::start(Duration::from_millis(30));
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &["--forward-to", &app.url()], &[]);
    let addr = listen.addr();
    let answered = Arc::new(AtomicUsize::new(0));
    let load = {
        let answered = answered.clone();
        std::thread::spawn(move || fire(addr, LOAD, IN_FLIGHT, answered))
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < 300 {
        assert!(
            Instant::now() < deadline,
            "300 answers did not come in 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    listen.kill(); // SIGKILL
    let sent = load.join().expect("load thread");
    let ok: Vec<(String, usize)> = sent
        .iter()
        .filter(|s| s.status() == Some(200))
        .map(|s| (s.id().expect("id"), s.seq))
        .collect();
    eprintln!(
        "killed with {} forwarded at the app; {} answered of {LOAD}",
        app.received.load(Ordering::SeqCst),
        ok.len()
    );
    assert!(ok.len() >= 300);
    assert!(
        ok.len() < LOAD,
        "the kill came after the whole load: nothing was tested"
    );

    let view = read_store(store.path());
    for (id, seq) in &ok {
        check_stored(&view, id, *seq, addr);
        let attempts = view
            .attempts
            .get(id)
            .unwrap_or_else(|| panic!("answered delivery {seq} ({id}) has no attempt"));
        assert_eq!(attempts.len(), 1, "delivery {seq}: one attempt");
        assert_eq!(attempts[0].kind, "forward");
        assert_eq!(attempts[0].status, Some(200));
        assert_eq!(attempts[0].body, b"ok", "the app's answer is recorded");
    }
    // Nothing half-recorded: no delivery was committed before its forward.
    let bare: Vec<&String> = view
        .deliveries
        .keys()
        .filter(|id| view.attempts.get(*id).is_none_or(|a| a.len() != 1))
        .collect();
    assert!(
        bare.is_empty(),
        "{} of {} stored deliveries lack their one forward attempt",
        bare.len(),
        view.deliveries.len()
    );
}

// ---------------------------------------------------------------------------
// 4: verdicts, and --enforce

#[test]
fn verdicts_of_every_provider_and_enforce_answers_401() {
    let (secret, _) = distinctive_secret();
    for provider in PROVIDERS {
        let store = tempfile::tempdir().unwrap();
        let listen = Listen::start(
            store.path(),
            &[
                "--provider",
                provider,
                "--secret-env",
                SECRET_VAR,
                "--enforce",
            ],
            &[(SECRET_VAR, &secret)],
        );
        let url = format!("{}hooks/{provider}?via=test", listen.url());
        let (_, valid_status, valid) = send(provider, &url, &secret, None);
        let (_, bad_status, bad) = send(provider, &url, &secret, Some("bad-signature"));
        let (_, missing_status, missing) = send(provider, &url, &secret, Some("missing-signature"));
        assert_eq!(valid_status, 200, "{provider}: a valid delivery passes");
        assert_eq!(
            bad_status, 401,
            "{provider}: --enforce refuses a bad signature"
        );
        assert_eq!(
            missing_status, 401,
            "{provider}: --enforce refuses no signature"
        );

        let listed: HashMap<String, Value> = list_json(store.path(), &[])
            .into_iter()
            .map(|d| (d["id"].as_str().unwrap().to_string(), d))
            .collect();
        assert_eq!(listed.len(), 3, "{provider}: all three are recorded");
        for (id, verdict, cause, status) in [
            (&valid, "valid", None, 200),
            (&bad, "invalid", Some("mismatch"), 401),
            (&missing, "invalid", Some("missing_header"), 401),
        ] {
            let row = &listed[id];
            assert_eq!(
                row["verdict"], verdict,
                "{provider} {cause:?}: list verdict"
            );
            assert_eq!(row["provider"], provider);
            assert_eq!(row["last_status"], status);
            let doc = show_json(store.path(), id);
            assert_eq!(
                doc["verdict"]["verdict"], verdict,
                "{provider}: show verdict"
            );
            assert_eq!(
                doc["verdict"]["cause"].as_str(),
                cause,
                "{provider}: the cause of the verdict"
            );
            assert_eq!(doc["attempts"][0]["kind"], "respond");
            assert_eq!(doc["attempts"][0]["status"], status);
        }
    }
}

#[test]
fn twilio_is_checked_against_the_public_url() {
    let (secret, _) = distinctive_secret();
    // A --public-url other than the one the sender signed: invalid, and said why.
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &[
            "--provider",
            "twilio",
            "--secret-env",
            SECRET_VAR,
            "--public-url",
            "https://hooks.example.test/",
        ],
        &[(SECRET_VAR, &secret)],
    );
    let (_, status, id) = send("twilio", &format!("{}sms", listen.url()), &secret, None);
    assert_eq!(status, 200);
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["verdict"]["verdict"], "invalid");
    assert_eq!(doc["verdict"]["cause"], "mismatch");
    assert_eq!(
        doc["request"]["public_url"],
        "https://hooks.example.test/sms"
    );
    drop(listen);

    // --public-url equal to the URL the sender used: valid.
    let store = tempfile::tempdir().unwrap();
    let addr = closed_port();
    let public = format!("http://{addr}/");
    let port = addr.port().to_string();
    let listen = Listen::start(
        store.path(),
        &[
            "--port",
            &port,
            "--provider",
            "twilio",
            "--secret-env",
            SECRET_VAR,
            "--public-url",
            &public,
        ],
        &[(SECRET_VAR, &secret)],
    );
    assert_eq!(listen.url(), public);
    let (_, status, id) = send("twilio", &format!("{public}sms?x=1"), &secret, None);
    assert_eq!(status, 200);
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["verdict"]["verdict"], "valid", "{doc:#}");
    assert_eq!(doc["request"]["public_url"], format!("{public}sms?x=1"));
}

/// The providers added with the handshake case, detected from their own
/// headers by a listen that was told no provider: each one's verdict, the
/// provider it is recorded under, and its event.
#[test]
fn new_providers_are_detected_and_verified_without_being_named() {
    let (secret, _) = distinctive_secret();
    let (store, listen) = listen_detecting(&secret);
    // (provider, recorded as, verdict, event)
    let cases = [
        ("zapier", "zapier", "unsigned", "lead.created"),
        ("mailgun", "mailgun", "valid", "delivered"),
        ("square", "square", "valid", "payment.created"),
        ("zoom", "zoom", "valid", "meeting.started"),
        ("twitch", "twitch", "valid", "channel.follow"),
        ("hubspot", "hubspot", "valid", "contact.creation"),
        ("calendly", "calendly", "valid", "invitee.created"),
        // Clerk and Resend send Svix's headers: recorded as svix.
        ("clerk", "svix", "valid", "user.created"),
        ("resend", "svix", "valid", "email.delivered"),
    ];
    for (provider, recorded, verdict, event) in cases {
        let url = format!("{}hooks/{provider}", listen.url());
        let (_, status, id) = send(provider, &url, &secret, None);
        assert_eq!(status, 200, "{provider}");
        let doc = show_json(store.path(), &id);
        assert_eq!(doc["provider"], recorded, "{provider}: {doc:#}");
        assert_eq!(doc["verdict"]["verdict"], verdict, "{provider}: {doc:#}");
        assert_eq!(doc["event_type"], event, "{provider}: {doc:#}");
        if verdict == "unsigned" {
            // Nothing to fail: verify says so and exits 0, with no secret.
            let store = store.path().to_str().unwrap();
            let out = run(hookcli().args(["verify", &id, "--store", store]));
            out.assert_code(0);
            assert!(out.stdout().contains("unsigned"), "{out}");
        }
    }
    // A bad signature is told apart, inside the body for Mailgun.
    for (provider, cause) in [
        ("mailgun", "mismatch"),
        ("twitch", "mismatch"),
        ("calendly", "mismatch"),
    ] {
        let url = format!("{}hooks/{provider}", listen.url());
        let (_, _, id) = send(provider, &url, &secret, Some("bad-signature"));
        let doc = show_json(store.path(), &id);
        assert_eq!(doc["verdict"]["cause"], cause, "{provider}: {doc:#}");
    }
    let url = format!("{}hooks/mailgun", listen.url());
    let (_, _, id) = send("mailgun", &url, &secret, Some("missing-signature"));
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["verdict"]["cause"], "missing_field", "{doc:#}");
}

/// A Mailgun route's form post (the signature among the form's fields, not
/// in a JSON object), recorded by a listen told no provider: valid, its
/// event `inbound`; a bad or missing signature is told apart by field.
#[test]
fn a_mailgun_form_post_is_recorded_valid() {
    let (secret, _) = distinctive_secret();
    let (store, listen) = listen_detecting(&secret);
    let url = format!("{}hooks/mailgun-route", listen.url());
    let (_, status, id) = send_event("mailgun", Some("inbound"), &url, &secret, None);
    assert_eq!(status, 200);
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["provider"], "mailgun", "{doc:#}");
    assert_eq!(doc["verdict"]["verdict"], "valid", "{doc:#}");
    assert_eq!(doc["event_type"], "inbound", "{doc:#}");
    let content_type = doc["request"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| {
            h[0].as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("content-type"))
        })
        .and_then(|h| h[1].as_str())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/x-www-form-urlencoded", "{doc:#}");
    for (tamper, cause, field) in [
        ("bad-signature", "mismatch", "signature"),
        ("missing-signature", "missing_field", "signature"),
    ] {
        let (_, _, id) = send_event("mailgun", Some("inbound"), &url, &secret, Some(tamper));
        let doc = show_json(store.path(), &id);
        assert_eq!(doc["verdict"]["cause"], cause, "{tamper}: {doc:#}");
        assert!(
            doc["verdict"].to_string().contains(field),
            "{tamper}: {doc:#}"
        );
    }
}

/// A Mailgun route's post for a message with an attachment is multipart:
/// signed as Mailgun signs (HMAC-SHA256 hex of timestamp + token, computed
/// here), recorded valid by a listen told no provider, the attachment's
/// raw bytes kept; a signature that does not match is recorded a mismatch.
#[test]
fn a_mailgun_multipart_route_post_is_recorded_valid() {
    use hmac::{KeyInit, Mac};
    let (secret, _) = distinctive_secret();
    let (store, listen) = listen_detecting(&secret);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let token = "5b7c1e9f0a2d4c6e8f1a3b5d7c9e0f2a4b6c8d0e1f3a5b7c9d";
    let post = |sig: &str| {
        let b = "------hookcliRoute5f3a";
        let part = |name: &str, value: &str| {
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .into_bytes()
        };
        let mut body = part("recipient", "support@mg.example.com");
        body.extend(part("subject", "Invoice caf\u{e9}"));
        body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"attachment-1\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes());
        body.extend_from_slice(b"\x00\xff\xfe\r\n\r\n--not-ours\r\n");
        body.extend(part("timestamp", &now));
        body.extend(part("token", token));
        body.extend(part("signature", sig));
        body.extend(format!("--{b}--\r\n").into_bytes());
        let headers = [
            header("Host", listen.addr().to_string()),
            header("User-Agent", "mailgun/treq-23.11.0"),
            header("Content-Type", format!("multipart/form-data; boundary={b}")),
            header("Content-Length", body.len().to_string()),
        ];
        let head = crate::common::request_head("POST", "/hooks/mailgun-route", &headers);
        let r = raw_request(listen.addr(), &head, &body).expect("post");
        assert_eq!(r.status, 200);
        let id = r
            .header("x-hookcli-delivery")
            .expect("delivery id")
            .to_string();
        (id, body)
    };
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{now}{token}").as_bytes());
    let sig = hex::encode(mac.finalize().into_bytes());

    let (id, body) = post(&sig);
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["provider"], "mailgun", "{doc:#}");
    assert_eq!(doc["verdict"]["verdict"], "valid", "{doc:#}");
    assert_eq!(doc["event_type"], "inbound", "{doc:#}");
    assert_eq!(
        doc["request"]["body_sha256"],
        hex::encode(Sha256::digest(&body)),
        "{doc:#}"
    );

    let (id, _) = post(&sig.replace(&sig[..4], "0000"));
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["verdict"]["cause"], "mismatch", "{doc:#}");
}

/// The last HMAC providers, detected from their own headers by a listen told
/// no provider (Bitbucket and Intercom share GitHub's X-Hub-Signature name,
/// so the other headers must tell them apart): verdict, provider, event;
/// a bad signature is recorded as a mismatch under the same provider.
#[test]
fn last_hmac_providers_are_detected_and_verified_without_being_named() {
    let (secret, _) = distinctive_secret();
    let (store, listen) = listen_detecting(&secret);
    let cases = [
        ("paddle", "transaction.completed"),
        ("sentry", "issue.created"),
        ("linear", "Issue.create"),
        ("bitbucket", "repo:push"),
        ("pagerduty", "incident.triggered"),
        ("typeform", "form_response"),
        ("intercom", "conversation.user.created"),
    ];
    for (provider, event) in cases {
        let url = format!("{}hooks/{provider}", listen.url());
        let (_, status, id) = send(provider, &url, &secret, None);
        assert_eq!(status, 200, "{provider}");
        let doc = show_json(store.path(), &id);
        assert_eq!(doc["provider"], provider, "{provider}: {doc:#}");
        assert_eq!(doc["verdict"]["verdict"], "valid", "{provider}: {doc:#}");
        assert_eq!(doc["event_type"], event, "{provider}: {doc:#}");

        let (_, _, id) = send(provider, &url, &secret, Some("bad-signature"));
        let doc = show_json(store.path(), &id);
        assert_eq!(doc["provider"], provider, "{provider}: {doc:#}");
        assert_eq!(doc["verdict"]["cause"], "mismatch", "{provider}: {doc:#}");
    }
}

/// Square and HubSpot sign the URL they post to, as Twilio does: listen
/// checks them against --public-url when given, else the URL rebuilt from
/// the Host header.
#[test]
fn square_and_hubspot_are_checked_against_the_public_url() {
    let (secret, _) = distinctive_secret();
    for provider in ["square", "hubspot"] {
        let store = tempfile::tempdir().unwrap();
        let listen = Listen::start(
            store.path(),
            &[
                "--provider",
                provider,
                "--secret-env",
                SECRET_VAR,
                "--public-url",
                "https://hooks.example.test/",
            ],
            &[(SECRET_VAR, &secret)],
        );
        let (_, _, id) = send(provider, &format!("{}in", listen.url()), &secret, None);
        let doc = show_json(store.path(), &id);
        assert_eq!(doc["verdict"]["verdict"], "invalid", "{provider}: {doc:#}");
        assert_eq!(doc["verdict"]["cause"], "mismatch", "{provider}");
        drop(listen);

        // No --public-url: the URL rebuilt from Host is the one signed.
        let store = tempfile::tempdir().unwrap();
        let listen = Listen::start(
            store.path(),
            &["--provider", provider, "--secret-env", SECRET_VAR],
            &[(SECRET_VAR, &secret)],
        );
        let (_, _, id) = send(provider, &format!("{}in?a=1", listen.url()), &secret, None);
        let doc = show_json(store.path(), &id);
        assert_eq!(doc["verdict"]["verdict"], "valid", "{provider}: {doc:#}");
    }
}

#[test]
fn enforce_without_provider_refuses_unsigned_deliveries() {
    let (secret, _) = distinctive_secret();
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &["--secret-env", SECRET_VAR, "--enforce"],
        &[(SECRET_VAR, &secret)],
    );
    for provider in PROVIDERS {
        let url = format!("{}hooks/{provider}", listen.url());
        let (_, status, id) = send(provider, &url, &secret, Some("missing-signature"));
        let doc = show_json(store.path(), &id);
        assert_eq!(
            status, 401,
            "{provider}: an unsigned delivery passed --enforce (verdict {})",
            doc["verdict"]
        );
    }
}

// ---------------------------------------------------------------------------
// 5, 6: limits

#[test]
fn oversized_bodies_get_413_and_are_recorded_with_their_headers() {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &["--max-body", "1KiB"], &[]);
    let host = listen.addr().to_string();
    let extra = [
        header("X-MiXeD-CaSe", "big"),
        header("X-Dup", "a"),
        header("X-Dup", "b"),
    ];

    // At the limit: accepted.
    let body = vec![b'x'; 1024];
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/fits", &host, &extra, &body),
        &body,
    )
    .unwrap();
    assert_eq!(r.status, 200, "a body of exactly --max-body is accepted");

    // Over it, with a Content-Length.
    let mut big = vec![0u8; 4096];
    Rng::fresh().fill(&mut big);
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/big?len=4096", &host, &extra, &big),
        &big,
    )
    .unwrap();
    assert_eq!(r.status, 413);
    let declared = r.header("x-hookcli-delivery").expect("id").to_string();

    // Over it, chunked (no Content-Length).
    let mut headers = vec![header("Host", host.clone())];
    headers.extend_from_slice(&extra);
    headers.push(header("Transfer-Encoding", "chunked"));
    let mut chunked = Vec::new();
    for part in big.chunks(1000) {
        chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let r = raw_request(
        listen.addr(),
        &request_head("POST", "/big-chunked", &headers),
        &chunked,
    )
    .unwrap();
    assert_eq!(r.status, 413, "a chunked body over --max-body");
    let streamed = r.header("x-hookcli-delivery").expect("id").to_string();

    let view = read_store(store.path());
    assert_eq!(view.deliveries.len(), 3);
    for (id, target, te) in [
        (&declared, "/big?len=4096", "Content-Length"),
        (&streamed, "/big-chunked", "Transfer-Encoding"),
    ] {
        let row = &view.deliveries[id];
        let why = row.rejected.as_deref().expect("recorded as rejected");
        assert!(why.contains("max-body"), "{why}");
        assert_eq!(row.target, target);
        let names: Vec<&str> = row.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Host", "X-MiXeD-CaSe", "X-Dup", "X-Dup", te]);
        assert!(row.body.is_empty(), "the refused body is not kept");
        let a = &view.attempts[id];
        assert_eq!(
            (a.len(), a[0].kind.as_str(), a[0].status),
            (1, "respond", Some(413))
        );
        let doc = show_json(store.path(), id);
        assert!(doc["rejected"].as_str().unwrap().contains("max-body"));
    }
}

#[test]
fn a_slow_header_sender_is_cut_off_and_others_are_still_served() {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &["--header-timeout", "1s"], &[]);
    let mut slow = TcpStream::connect(listen.addr()).unwrap();
    slow.write_all(b"POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        .unwrap();
    let started = Instant::now();

    // Others are served meanwhile.
    let body = b"{\"fast\":true}";
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/fast", &listen.addr().to_string(), &[], body),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 200);

    slow.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    let closed = loop {
        match slow.read(&mut chunk) {
            Ok(0) => break true,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset) => break true,
            Err(_) => break false,
        }
    };
    let after = started.elapsed();
    assert!(
        closed,
        "the slow connection was not closed within {after:?}"
    );
    assert!(
        after < Duration::from_secs(4),
        "cut off only after {after:?} (--header-timeout 1s)"
    );
    assert!(
        got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
        "unexpected answer to a half head: {}",
        String::from_utf8_lossy(&got)
    );

    // And after it.
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/after", &listen.addr().to_string(), &[], body),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 200);
    let targets: Vec<String> = list_json(store.path(), &[])
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        targets,
        ["/after", "/fast"],
        "the half request is not a delivery"
    );
}

// ---------------------------------------------------------------------------
// 7: the app down or slow

#[test]
fn app_down_is_502_and_the_delivery_is_kept_as_failed() {
    let store = tempfile::tempdir().unwrap();
    let down = format!("http://{}", closed_port());
    let listen = Listen::start(store.path(), &["--forward-to", &down], &[]);
    let body = b"{\"id\":\"evt_down\"}";
    let r = raw_request(
        listen.addr(),
        &simple_request(
            "POST",
            "/hooks/down?x=1",
            &listen.addr().to_string(),
            &[],
            body,
        ),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 502);
    let id = r.header("x-hookcli-delivery").expect("id").to_string();
    let answer: Value = serde_json::from_slice(&r.body).expect("JSON answer");
    assert!(
        answer["error"].as_str().unwrap().contains("unreachable"),
        "{answer}"
    );

    let failed = list_json(store.path(), &["--failed"]);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["id"], id.as_str());
    let doc = show_json(store.path(), &id);
    let attempt = &doc["attempts"][0];
    assert_eq!(attempt["kind"], "forward");
    assert_eq!(attempt["status"], Value::Null);
    let error = attempt["error"].as_str().expect("the attempt's error");
    assert!(
        error.contains("unreachable") && error.contains(&down),
        "{error}"
    );
    assert_eq!(doc["request"]["body_sha256"], sha256_hex(body));
}

/// A CONNECT (a proxy client, a scanner) is refused with 405 and kept: a
/// 200 told the client its tunnel was open. Its record holds the target it
/// named (it read `/`) and its head as sent.
#[test]
fn a_connect_request_is_refused_with_405_and_kept() {
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &[], &[]);
    let head = request_head(
        "CONNECT",
        "evil.example:443",
        &[header("Host", "evil.example:443")],
    );
    let r = raw_request(listen.addr(), &head, b"").expect("an answer");
    assert_eq!(r.status, 405, "{}", String::from_utf8_lossy(&r.body));
    let id = r.header("x-hookcli-delivery").expect("id").to_string();
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["attempts"][0]["status"], 405, "{doc}");
    assert_eq!(doc["request"]["target"], "evil.example:443", "{doc}");
    assert_eq!(doc["request"]["headers"][0][0], "Host", "{doc}");
}

/// One delivery forwarded to an app that answers every request with
/// `answer`, written by hand: listen's answer to the sender, and the
/// forward attempt it recorded.
fn forward_to_app_answering(answer: &'static [u8]) -> (RawResponse, serde_json::Value) {
    let app = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app_url = format!("http://{}", app.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in app.incoming() {
            let Ok(mut stream) = stream else { return };
            if read_request(&mut stream).is_some() {
                let _ = stream.write_all(answer);
            }
        }
    });
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &["--forward-to", &app_url], &[]);
    let body = b"{\"id\":\"evt_app\"}";
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/hooks/x", &listen.addr().to_string(), &[], body),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 502, "{}", String::from_utf8_lossy(&r.body));
    let id = r.header("x-hookcli-delivery").expect("id").to_string();
    let attempt = show_json(store.path(), &id)["attempts"][0].clone();
    assert_eq!(attempt["kind"], "forward");
    (r, attempt)
}

#[test]
fn an_app_answering_a_huge_chunk_size_is_502_with_the_attempt_kept() {
    let (_, attempt) = forward_to_app_answering(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc",
    );
    let error = attempt["error"].as_str().expect("the attempt's error");
    assert!(error.contains("over 25 MiB"), "{error}");
}

/// An app that answers a webhook POST with `101 Switching Protocols`: the
/// sender asked for no upgrade, and a proxy in front of listen may take a 101
/// for a tunnel. The sender gets 502; the app's answer is kept as it came.
#[test]
fn an_app_answering_101_is_502_to_the_sender_with_the_attempt_kept() {
    let (r, attempt) = forward_to_app_answering(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
    );
    assert_eq!(r.header("upgrade"), None);
    assert_eq!(attempt["status"], 101, "{attempt}");
    let error = attempt["error"].as_str().expect("the attempt's error");
    assert!(error.contains("not a final status"), "{error}");
}

#[test]
fn app_slower_than_forward_timeout_is_504() {
    let app = SlowApp::start(Duration::from_secs(3));
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &["--forward-to", &app.url(), "--forward-timeout", "1s"],
        &[],
    );
    let body = b"{\"slow\":true}";
    let started = Instant::now();
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/hooks/slow", &listen.addr().to_string(), &[], body),
        body,
    )
    .unwrap();
    let took = started.elapsed();
    assert_eq!(r.status, 504);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2900),
        "answered after {took:?} with --forward-timeout 1s"
    );
    assert_eq!(app.received.load(Ordering::SeqCst), 1, "the app got it");
    let id = r.header("x-hookcli-delivery").expect("id").to_string();
    let failed = list_json(store.path(), &["--failed"]);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["id"], id.as_str());
    let doc = show_json(store.path(), &id);
    let error = doc["attempts"][0]["error"].as_str().expect("error");
    assert!(error.contains("did not answer"), "{error}");
}

// ---------------------------------------------------------------------------
// 8: start-up errors

#[test]
fn a_port_in_use_is_one_clear_error_exit_3() {
    let first_store = tempfile::tempdir().unwrap();
    let first = Listen::start(first_store.path(), &[], &[]);
    let port = first.addr().port().to_string();
    let other_store = tempfile::tempdir().unwrap();
    let mut cmd = hookcli();
    cmd.args(["listen", "--port", &port, "--store"])
        .arg(other_store.path());
    run_within(&mut cmd, Duration::from_secs(15)).assert_error(3, &["in use", &port]);
    // The first one is unharmed.
    let body = b"still here";
    let r = raw_request(
        first.addr(),
        &simple_request("POST", "/", &first.addr().to_string(), &[], body),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn a_store_that_is_not_hookcli_s_is_refused_and_left_untouched() {
    let mut garbage = b"this is not a database\0".to_vec();
    let mut noise = vec![0u8; 4000];
    Rng::fresh().fill(&mut noise);
    garbage.extend_from_slice(&noise);

    let foreign = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
        drop(conn);
        std::fs::read(&path).unwrap()
    };

    for (what, bytes) in [("garbage", garbage), ("another SQLite database", foreign)] {
        let store = tempfile::tempdir().unwrap();
        let db = store.path().join("hookcli.db");
        std::fs::write(&db, &bytes).unwrap();
        let mut cmd = hookcli();
        cmd.args(["listen", "--port", "0", "--store"])
            .arg(store.path());
        run_within(&mut cmd, Duration::from_secs(15))
            .assert_error(3, &["not a hookcli store", "hookcli.db"]);
        cli(store.path(), &["list"]).assert_error(3, &["not a hookcli store"]);
        cli(store.path(), &["show", "last"]).assert_error(3, &["not a hookcli store"]);
        assert_eq!(
            std::fs::read(&db).unwrap(),
            bytes,
            "{what}: the file is untouched"
        );
        let files: Vec<_> = std::fs::read_dir(store.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(files, ["hookcli.db"], "{what}: nothing added beside it");
    }
}

/// A real store damaged in the middle (a disk error, a bad copy): every
/// command that reads it says the file is damaged and what to do, exit 3,
/// no panic, and the file is left as it was.
#[test]
fn a_damaged_store_is_named_as_damaged_and_left_untouched() {
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &[], &[]);
    let addr = listen.addr();
    for i in 0..60 {
        let body = format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(3000)).into_bytes();
        let head = simple_request("POST", "/", &addr.to_string(), &[], &body);
        raw_request(addr, &head, &body).expect("an answer");
    }
    // A clean stop folds the WAL into the file, which is then damaged.
    let status = listen.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    let db = store.path().join("hookcli.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 8192] {
        *b = 0xde;
    }
    std::fs::write(&db, &bytes).unwrap();
    for args in [
        &["list", "--limit", "100"][..],
        &[
            "replay",
            "--all",
            "--to",
            "http://127.0.0.1:9/",
            "--dry-run",
        ][..],
    ] {
        cli(store.path(), args).assert_error(3, &["hookcli.db is damaged", ".recover"]);
    }
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "the file is untouched");
}

// ---------------------------------------------------------------------------
// 9: no secret anywhere

#[test]
fn no_secret_reaches_the_store_or_any_output() {
    let (secret, raw_key) = distinctive_secret();
    let b64_part = secret.trim_start_matches("whsec_").to_string();
    let gitlab_token = {
        let mut raw = [0u8; 16];
        Rng::fresh().fill(&mut raw);
        format!("glpat-{}", hex::encode(raw))
    };

    // Every provider detected from its headers, one secret for all (GitLab's
    // token is then this secret too, carried in a header).
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(
        store.path(),
        &["--secret-env", SECRET_VAR],
        &[(SECRET_VAR, &secret)],
    );
    // GitLab alone, with a token of GitLab's shape, JSON lines.
    let gl_store = tempfile::tempdir().unwrap();
    let mut gl_listen = Listen::start(
        gl_store.path(),
        &["--provider", "gitlab", "--secret-env", SECRET_VAR, "--json"],
        &[(SECRET_VAR, &gitlab_token)],
    );

    let mut ids = Vec::new();
    for provider in PROVIDERS {
        let url = format!("{}hooks/{provider}", listen.url());
        let (out, status, valid) = send(provider, &url, &secret, None);
        out.assert_hides(&secret);
        assert_eq!(status, 200);
        let (_, _, bad) = send(provider, &url, &secret, Some("bad-signature"));
        let (_, _, missing) = send(provider, &url, &secret, Some("missing-signature"));
        let verdict = |id: &str| show_json(store.path(), id)["verdict"].clone();
        assert_eq!(
            verdict(&valid)["verdict"],
            "valid",
            "{provider}: detected and valid"
        );
        let v = verdict(&bad);
        assert_eq!(
            (v["verdict"].as_str(), v["cause"].as_str()),
            (Some("invalid"), Some("mismatch"))
        );
        assert_ne!(verdict(&missing)["verdict"], "valid");
        ids.extend([valid, bad, missing]);
    }
    let mut gl_ids = Vec::new();
    for tamper in [None, Some("bad-signature"), Some("missing-signature")] {
        let (out, _, id) = send("gitlab", gl_listen.url(), &gitlab_token, tamper);
        out.assert_hides(&gitlab_token);
        gl_ids.push(id);
    }
    assert_eq!(
        show_json(gl_store.path(), &gl_ids[0])["verdict"]["verdict"],
        "valid"
    );

    let needles: [&[u8]; 3] = [secret.as_bytes(), b64_part.as_bytes(), &raw_key];
    let gl_needles: [&[u8]; 1] = [gitlab_token.as_bytes()];
    assert_store_files_hide(store.path(), &needles, "while listen runs");
    assert_store_files_hide(gl_store.path(), &gl_needles, "while listen runs");

    // Every way of reading the store back.
    for (dir, ids, secret, env_secret) in [
        (store.path(), &ids, secret.as_str(), secret.as_str()),
        (
            gl_store.path(),
            &gl_ids,
            gitlab_token.as_str(),
            gitlab_token.as_str(),
        ),
    ] {
        for args in [&["list"][..], &["list", "--json"][..]] {
            cli(dir, args)
                .assert_code(0)
                .assert_hides(secret)
                .assert_hides(&b64_part);
        }
        for id in ids {
            for view in ["--json", "--headers", "--curl", "--body"] {
                cli(dir, &["show", id, view])
                    .assert_code(0)
                    .assert_hides(secret)
                    .assert_hides(&b64_part);
            }
            cli(dir, &["show", id]).assert_code(0).assert_hides(secret);
            for json in [false, true] {
                let mut cmd = hookcli();
                cmd.env(SECRET_VAR, env_secret)
                    .args(["verify", id, "--secret-env", SECRET_VAR, "--store"])
                    .arg(dir);
                if json {
                    cmd.arg("--json");
                }
                let out = run(&mut cmd);
                // 2: an unsigned delivery whose provider was not recognised.
                assert!(matches!(out.code, Some(0..=2)), "{out}");
                out.assert_hides(secret).assert_hides(&b64_part);
            }
        }
    }

    // Stopped: the WAL folded into the database, which is still clean.
    assert!(
        listen
            .terminate(Duration::from_secs(10))
            .is_some_and(|s| s.success())
    );
    assert!(
        gl_listen
            .terminate(Duration::from_secs(10))
            .is_some_and(|s| s.success())
    );
    assert_store_files_hide(store.path(), &needles, "after listen stopped");
    assert_store_files_hide(gl_store.path(), &gl_needles, "after listen stopped");
    for (l, s) in [
        (&listen, secret.as_str()),
        (&gl_listen, gitlab_token.as_str()),
    ] {
        assert!(!l.stdout().is_empty());
        assert!(
            !l.stdout().contains(s) && !l.stderr().contains(s) && !l.stdout().contains(&b64_part),
            "the secret leaked into listen's output\n{}\n{}",
            l.stdout(),
            l.stderr()
        );
    }
}

// ---------------------------------------------------------------------------
// 10: list, show and verify against a running listen

/// Whether curl is installed to run `show --curl`'s command; without it
/// the caller skips, and under CI=true (where .ci/run installs it) fails.
fn curl_here() -> bool {
    let here = std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !here {
        crate::common::skip_unless_ci("curl is not installed: `show --curl` not run");
    }
    here
}

#[test]
fn list_show_and_verify_work_while_listen_runs() {
    let app = Receiver::start(|_| (200, b"replayed".to_vec()));
    let app_host = app.url().trim_start_matches("http://").to_string();
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &[], &[]);

    // A binary delivery whose Host names the receiver, so `show --curl`
    // (which rebuilds the URL from Host) sends it there.
    let mut body = b"\xff\xfe binary \x00 with NUL, 'quotes' and \"more\"\n".to_vec();
    let mut noise = vec![0u8; 3000];
    Rng::fresh().fill(&mut noise);
    body.extend_from_slice(&noise);
    body.extend_from_slice(b"\n");
    let target = "/hooks/curl?x=1&y=%20z&x=2";
    let extra = [
        header("Content-Type", "application/octet-stream"),
        header("X-Dup", "a"),
        header("X-MiXeD-CaSe", "Value With Spaces"),
        header("X-Dup", "b"),
        header("X-Quote", "it's \"quoted\""),
    ];
    let r = raw_request(
        listen.addr(),
        &simple_request("PUT", target, &app_host, &extra, &body),
        &body,
    )
    .unwrap();
    assert_eq!(r.status, 200);
    let binary = r.header("x-hookcli-delivery").unwrap().to_string();

    // Two signed ones, valid and tampered.
    let (secret, _) = distinctive_secret();
    let url = format!("{}gh", listen.url());
    let (_, _, valid) = send("github", &url, &secret, None);
    let (_, _, bad) = send("github", &url, &secret, Some("bad-signature"));

    // list, newest first.
    let listed = list_json(store.path(), &[]);
    let listed_ids: Vec<&str> = listed.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(listed_ids, [bad.as_str(), valid.as_str(), binary.as_str()]);
    for key in [
        "id",
        "received_at",
        "method",
        "path",
        "provider",
        "event_type",
        "event_id",
        "verdict",
        "last_status",
    ] {
        assert!(listed[2].get(key).is_some(), "list --json lacks {key}");
    }
    assert_eq!(listed[2]["method"], "PUT");
    assert_eq!(listed[2]["path"], target);
    assert_eq!(listed[0]["provider"], "github");
    assert_eq!(listed[0]["event_type"], "push");
    let table = cli(store.path(), &["list"]);
    table.assert_code(0);
    assert!(table.stdout().contains(&binary[binary.len() - 8..]));

    // show by full id, unique prefix, short id, `last`.
    let ids = [binary.clone(), valid.clone(), bad.clone()];
    let unique = |id: &str| {
        (4..=id.len())
            .map(|n| &id[..n])
            .find(|p| ids.iter().filter(|other| other.starts_with(p)).count() == 1)
            .unwrap()
            .to_string()
    };
    for id in &ids {
        for key in [id.clone(), unique(id), id[id.len() - 8..].to_string()] {
            let doc = show_json(store.path(), &key);
            assert_eq!(doc["id"], id.as_str(), "show {key}");
        }
    }
    assert_eq!(show_json(store.path(), "last")["id"], bad.as_str());

    // Ambiguous prefix: the candidates are listed.
    let common: String = binary
        .chars()
        .zip(bad.chars())
        .zip(valid.chars())
        .take_while(|((a, b), c)| a == b && b == c)
        .map(|((a, _), _)| a)
        .collect();
    assert!(common.len() >= 4, "ids of the same second share a prefix");
    let out = cli(store.path(), &["show", &common[..4]]);
    out.assert_error(2, &[&binary, &valid, &bad]);
    // Unknown.
    cli(store.path(), &["show", "zzzzzzzz"]).assert_error(2, &["zzzzzzzz", "no delivery"]);

    // --body: the raw bytes.
    let out = cli(store.path(), &["show", &binary, "--body"]);
    out.assert_code(0);
    assert_eq!(out.stdout, body, "show --body writes the exact bytes");

    // --headers: as received.
    let out = cli(store.path(), &["show", &binary, "--headers"]);
    out.assert_code(0);
    let mut expected = format!("Host: {app_host}\n").into_bytes();
    for (n, v) in &extra {
        expected.extend_from_slice(format!("{n}: ").as_bytes());
        expected.extend_from_slice(v);
        expected.push(b'\n');
    }
    expected.extend_from_slice(format!("Content-Length: {}\n", body.len()).as_bytes());
    assert_eq!(out.stdout(), String::from_utf8(expected).unwrap());

    // --curl: the same request again, to the receiver.
    if curl_here() {
        let out = cli(store.path(), &["show", &binary, "--curl"]);
        out.assert_code(0);
        let curl = std::process::Command::new("sh")
            .args(["-c", out.stdout().trim_end()])
            .output()
            .expect("run sh");
        assert!(
            curl.status.success(),
            "the curl command failed: {}\n{}",
            String::from_utf8_lossy(&curl.stderr),
            out.stdout()
        );
        assert_eq!(curl.stdout, b"replayed");
        let got = app.requests();
        assert_eq!(got.len(), 1);
        let got = &got[0];
        assert_eq!(got.method, "PUT");
        assert_eq!(got.target, target);
        assert_eq!(got.body, body, "curl sent the exact body");
        let dups: Vec<&[u8]> = got
            .headers
            .iter()
            .filter(|(n, _)| n == "x-dup")
            .map(|(_, v)| v.as_slice())
            .collect();
        assert_eq!(dups, [b"a", b"b"]);
        assert_eq!(got.header("x-mixed-case"), Some("Value With Spaces"));
        assert_eq!(got.header("x-quote"), Some("it's \"quoted\""));
        assert_eq!(got.header("content-type"), Some("application/octet-stream"));
    }

    // verify: 0 for the valid one, 1 with an explanation for the tampered.
    let verify = |id: &str| {
        let mut cmd = hookcli();
        cmd.env(SECRET_VAR, &secret)
            .args(["verify", id, "--secret-env", SECRET_VAR, "--store"])
            .arg(store.path());
        run(&mut cmd)
    };
    let ok = verify(&valid);
    ok.assert_code(0);
    assert!(ok.stdout().contains("valid"), "{ok}");
    let no = verify(&bad);
    no.assert_code(1);
    assert!(
        no.stdout().contains("invalid: no signature in") && no.stdout().contains("secret"),
        "verify explains the failure\n{no}"
    );
    assert!(listen.stderr().is_empty(), "{}", listen.stderr());
}

/// `show --curl` sends what came and nothing curl would add of its own: no
/// Accept or User-Agent the sender did not send, no form Content-Type for a
/// body that came without one, and no `Content-Length: 0` for a request
/// that came without a body (curl added all of these).
#[test]
fn show_curl_adds_no_header_the_sender_did_not_send() {
    if !curl_here() {
        return;
    }
    let app = Receiver::start(|_| (200, Vec::new()));
    let host = app
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &[], &[]);
    let cases: [(&str, &[u8]); 4] = [
        (
            "GET /ping?x=1 HTTP/1.1\r\nHost: {host}\r\nX-Thing: a\r\n\r\n",
            b"",
        ),
        (
            "DELETE /item HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n",
            b"",
        ),
        (
            "POST /form HTTP/1.1\r\nHost: {host}\r\nContent-Length: 7\r\n\r\n",
            b"a=1&b=2",
        ),
        (
            "POST /hooks HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Stripe/1.0\r\nAccept: */*; q=0.5\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
            b"{}",
        ),
    ];
    for (head, body) in cases {
        let head = head.replace("{host}", &host);
        let r = raw_request(listen.addr(), head.as_bytes(), body).unwrap();
        assert_eq!(r.status, 200, "{head}");
        let id = r.header("x-hookcli-delivery").unwrap().to_string();
        let out = cli(store.path(), &["show", &id, "--curl"]);
        out.assert_code(0);
        let curl = std::process::Command::new("sh")
            .args(["-c", out.stdout().trim_end()])
            .output()
            .expect("run sh");
        assert!(curl.status.success(), "{}", out.stdout());
        let got = app.requests().pop().expect("the curl request");
        let mut sent: Vec<(String, Vec<u8>)> = head
            .trim_end()
            .lines()
            .skip(1)
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_ascii_lowercase(), v.as_bytes().to_vec())
            })
            .collect();
        let mut received = got.headers.clone();
        sent.sort();
        received.sort();
        assert_eq!(received, sent, "{}", out.stdout());
        assert_eq!(got.body, body);
        assert_eq!(head.split(' ').next(), Some(got.method.as_str()));
    }
}

// ---------------------------------------------------------------------------
// 11: SIGTERM

#[test]
fn sigterm_finishes_deliveries_in_flight_and_exits_0() {
    // Deliveries held by a slow app when SIGTERM comes still get their answer.
    let app = SlowApp::start(Duration::from_millis(1500));
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &["--forward-to", &app.url()], &[]);
    let addr = listen.addr();
    let senders: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let body = format!("{{\"n\":{i}}}").into_bytes();
                raw_request(
                    addr,
                    &simple_request("POST", &format!("/t/{i}"), &addr.to_string(), &[], &body),
                    &body,
                )
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.received.load(Ordering::SeqCst) < 4 {
        assert!(
            Instant::now() < deadline,
            "the app did not get the 4 deliveries"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = listen.terminate(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.code() == Some(0)),
        "exit {status:?}\n{}",
        listen.stderr()
    );
    let mut ids = Vec::new();
    for s in senders {
        let r = s
            .join()
            .unwrap()
            .expect("an answer, not a dropped connection");
        assert_eq!((r.status, r.body.as_slice()), (200, b"ok".as_slice()));
        ids.push(r.header("x-hookcli-delivery").unwrap().to_string());
    }
    let view = read_store(store.path());
    for id in &ids {
        let a = &view.attempts[id];
        assert_eq!(
            (a.len(), a[0].kind.as_str(), a[0].status),
            (1, "forward", Some(200))
        );
    }

    // Under load: everything answered is in the store.
    let store = tempfile::tempdir().unwrap();
    let mut listen = Listen::start(store.path(), &[], &[]);
    let addr = listen.addr();
    let answered = Arc::new(AtomicUsize::new(0));
    let load = {
        let answered = answered.clone();
        std::thread::spawn(move || fire(addr, 600, 16, answered))
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while answered.load(Ordering::SeqCst) < 100 {
        assert!(
            Instant::now() < deadline,
            "100 answers did not come in 30 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let started = Instant::now();
    let status = listen.terminate(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.code() == Some(0)),
        "exit {status:?} after {:?}\n{}",
        started.elapsed(),
        listen.stderr()
    );
    eprintln!("SIGTERM under load: exited in {:?}", started.elapsed());
    let sent = load.join().unwrap();
    let view = read_store(store.path());
    let mut n = 0;
    for s in sent.iter().filter(|s| s.status() == Some(200)) {
        check_stored(&view, &s.id().unwrap(), s.seq, addr);
        n += 1;
    }
    assert!(n >= 100);
    let files: Vec<_> = std::fs::read_dir(store.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !files.iter().any(|f| f.ends_with("-wal")
            && std::fs::metadata(store.path().join(f)).is_ok_and(|m| m.len() > 0)),
        "the WAL is folded back on exit: {files:?}"
    );
}

// ---------------------------------------------------------------------------
// 12: query strings and repeated headers

#[test]
fn query_strings_and_repeated_headers_reach_the_app_unchanged() {
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &[
            "--path",
            "/hooks",
            "--forward-to",
            &format!("{}/app?key=k", app.url()),
        ],
        &[],
    );
    let query = "a=1&a=2&b=%20z&c=caf%C3%A9&empty=&flag&list=x,y;z&path=/p/q?r&at=@:!$*()+";
    let extra = [
        header("X-Dup", "a"),
        header("X-Other", "1"),
        header("X-Dup", "b"),
        header("X-List", "x, y"),
        header("X-Dup", "c"),
    ];
    let body = b"{}";
    let r = raw_request(
        listen.addr(),
        &simple_request(
            "POST",
            &format!("/hooks/gh/push?{query}"),
            &listen.addr().to_string(),
            &extra,
            body,
        ),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 200);
    let got = app.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].target, format!("/app/gh/push?key=k&{query}"));
    let dups: Vec<&[u8]> = got[0]
        .headers
        .iter()
        .filter(|(n, _)| n == "x-dup")
        .map(|(_, v)| v.as_slice())
        .collect();
    assert_eq!(dups, [b"a", b"b", b"c"], "repeated header, in order");
    assert_eq!(got[0].header("x-list"), Some("x, y"));
    assert_eq!(got[0].header("x-other"), Some("1"));

    // Outside --path: 404, not a delivery.
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/elsewhere", &listen.addr().to_string(), &[], body),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(app.hit_count(), 1);
}

/// Paths and queries reach the app under the target's path; dot segments
/// that would climb out of it (plain or percent-encoded) are refused.
#[test]
fn forwarded_targets_stay_under_the_forward_path() {
    let app = Receiver::start(|_| (200, b"ok".to_vec()));
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(
        store.path(),
        &["--forward-to", &format!("{}/base", app.url())],
        &[],
    );
    let body = b"{}";
    let send = |target: &str| {
        raw_request(
            listen.addr(),
            &simple_request("POST", target, &listen.addr().to_string(), &[], body),
            body,
        )
        .unwrap()
    };
    let r = send("/q/r?name=it&x=1&x=2");
    assert_eq!(r.status, 200);
    assert_eq!(
        app.requests().last().unwrap().target,
        "/base/q/r?name=it&x=1&x=2"
    );
    let hits = app.requests().len();
    for target in ["/%2e%2e/outside", "/../outside", "/a/../../outside"] {
        let r = send(target);
        assert_eq!(r.status, 400, "{target} must be refused");
    }
    assert_eq!(
        app.requests().len(),
        hits,
        "nothing that climbs out reaches the app"
    );
}

#[test]
fn interleaved_repeated_headers_reach_the_app_in_order() {
    let app = SlowApp::start(Duration::ZERO);
    let store = tempfile::tempdir().unwrap();
    let listen = Listen::start(store.path(), &["--forward-to", &app.url()], &[]);
    let extra = [
        header("X-Dup", "a"),
        header("X-Between", "z"),
        header("X-Dup", "b"),
    ];
    let body = b"{}";
    let r = raw_request(
        listen.addr(),
        &simple_request("POST", "/i", &listen.addr().to_string(), &extra, body),
        body,
    )
    .unwrap();
    assert_eq!(r.status, 200);
    let raw = app.raw.lock().unwrap()[0].clone();
    let head = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    let order: Vec<&str> = head
        .lines()
        .filter(|l| l.starts_with("x-dup:") || l.starts_with("x-between:"))
        .collect();
    assert_eq!(order, ["x-dup: a", "x-between: z", "x-dup: b"], "{head}");
}

/// listen forwarding to an `https://` app whose certificate is `ca`.
fn forwarding_over_tls(store: &Path, url: &str, ca: &Path) -> Listen {
    Listen::start(
        store,
        &["--forward-to", url, "--forward-ca", ca.to_str().unwrap()],
        &[],
    )
}

/// A POST of `body` to `target` at `listen`, with `extra` headers.
fn post_to(listen: &Listen, target: &str, extra: &[(String, Vec<u8>)], body: &[u8]) -> RawResponse {
    let host = listen.addr().to_string();
    raw_request(
        listen.addr(),
        &simple_request("POST", target, &host, extra, body),
        body,
    )
    .unwrap()
}

/// An HTTPS app that speaks HTTP/2 alone (its handshake refuses
/// http/1.1) is forwarded to, and replayed to, over HTTP/2: the body byte
/// for byte, the path and query as sent, and its real answer back to the
/// sender and into the attempt.
#[test]
fn an_https_app_that_speaks_only_http2_is_forwarded_and_replayed_to() {
    let app = crate::common::H2App::start();
    let certs = tempfile::tempdir().unwrap();
    let ca = app.ca_file(certs.path());
    let store = tempfile::tempdir().unwrap();
    let listen = forwarding_over_tls(store.path(), &app.url(), &ca);
    let extra = [
        header("Stripe-Signature", "t=1,v1=ab"),
        header("X-Dup", "a"),
        header("Content-Type", "application/json"),
        header("X-DUP", "b"),
    ];
    let body = b"{\"k\": \"caf\xc3\xa9\"} \xff\n";
    let mut id = String::new();
    for _ in 0..2 {
        let r = post_to(&listen, "/i?x=1&y=%20", &extra, body);
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.body, b"made", "the app's answer");
        assert_eq!(r.header("x-app"), Some("h2"));
        id = r.header("x-hookcli-delivery").unwrap().to_string();
    }
    // The refused http/1.1 handshake, then one HTTP/2 connection for both.
    assert_eq!(app.accepted(), 2);
    let seen = app.requests();
    assert_eq!(seen.len(), 2);
    let (method, target, headers, got) = &seen[0];
    assert_eq!((method.as_str(), target.as_str()), ("POST", "/i?x=1&y=%20"));
    assert_eq!(got, body);
    // Names in lowercase, as HTTP/2 has them; a repeated name's values
    // together, in their order.
    let sent: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    assert_eq!(
        sent,
        [
            ("stripe-signature", &b"t=1,v1=ab"[..]),
            ("x-dup", b"a"),
            ("x-dup", b"b"),
            ("content-type", b"application/json"),
            ("content-length", body.len().to_string().as_bytes()),
        ]
    );
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["attempts"][0]["status"], 201, "{doc}");

    let out = cli(
        store.path(),
        &[
            "replay",
            &id,
            "--to",
            &app.url(),
            "--ca",
            ca.to_str().unwrap(),
        ],
    );
    out.assert_code(0);
    let seen = app.requests();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].1, "/i?x=1&y=%20");
    assert_eq!(&seen[2].3, body);
    let doc = show_json(store.path(), &id);
    assert_eq!(doc["attempts"][1]["status"], 201, "{doc}");
}

#[test]
fn an_https_app_gets_the_header_lines_as_they_came_and_nothing_added() {
    let app = crate::common::TlsApp::start();
    let certs = tempfile::tempdir().unwrap();
    let ca = app.ca_file(certs.path());
    let store = tempfile::tempdir().unwrap();
    let listen = forwarding_over_tls(store.path(), &app.url(), &ca);
    let extra = [
        header("X-Dup", "a"),
        header("x-between", "z"),
        header("X-DUP", "b"),
        header("stripe-Signature", "t=1,v1=ab"),
    ];
    let body = b"{}";
    let r = post_to(&listen, "/i?x=1&x=2", &extra, body);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.body, b"ok", "the app's answer");
    let raw = app.raw();
    assert_eq!(raw.len(), 1);
    let host = app.url().trim_start_matches("https://").to_string();
    let want = format!(
        "POST /i?x=1&x=2 HTTP/1.1\r\nHost: {host}\r\nX-Dup: a\r\nx-between: z\r\nX-DUP: b\r\n\
         stripe-Signature: t=1,v1=ab\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    assert_eq!(
        String::from_utf8_lossy(&raw[0]),
        want,
        "order, case and repeats kept; nothing added but Host and Content-Length"
    );
}
