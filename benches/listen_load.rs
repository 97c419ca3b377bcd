//! Load benchmark of `hookcli listen` against a bare hyper server, run side by
//! side on the same machine (issue 3, "Performance").
//!
//! Runs the release binary `target/release/hookcli`, found from
//! CARGO_MANIFEST_DIR (or CARGO_TARGET_DIR, or HOOKCLI_BIN); it builds
//! nothing itself. `cargo bench --bench listen_load` builds that binary
//! first: cargo builds a package's binaries for its benches, in the bench
//! profile, which inherits from release and writes to target/release (cargo
//! also sets CARGO_BIN_EXE_hookcli for benches, to that same file). Running
//! the bench executable directly needs `cargo build --release` first; the
//! bench warns when the binary is older than src/. A Rust load generator in this process
//! opens N keep-alive HTTP/1.1 connections on 127.0.0.1 and sends POSTs of
//! one fixed 3 KiB JSON body (a Stripe-shaped event) for a fixed time,
//! recording every request's latency.
//!
//! Runs, in order: bare @64, listen sink @64, listen forwarding to the bare
//! server @64, bare @16, listen sink @16; then `list` and `show` against a
//! store of 100,000 deliveries. Prints a table and writes the same as JSON
//! to target/listen_load.json.
//!
//! Knobs (environment): LISTEN_LOAD_SECS (measured seconds per run, 5),
//! LISTEN_LOAD_WARMUP (seconds, 1), LISTEN_LOAD_ROWS (100000),
//! LISTEN_LOAD_THREADS (load generator threads, 2), HOOKCLI_BIN (binary).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY_SIZE: usize = 3072;
const MIB: f64 = 1024.0 * 1024.0;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------- the binary

fn hookcli_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("HOOKCLI_BIN") {
        return PathBuf::from(p);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("target"));
    let bin = target.join("release").join("hookcli");
    if !bin.is_file() {
        eprintln!(
            "listen_load: {} is missing; run `cargo build --release` first",
            bin.display()
        );
        std::process::exit(2);
    }
    // A binary older than the sources measures old code: say so.
    let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
    let newest_src = newest_mtime(&manifest.join("src"));
    if let (Some(built), Some(src)) = (built, newest_src) {
        if src > built {
            eprintln!(
                "listen_load: warning: {} is older than src/; run `cargo build --release` for current numbers",
                bin.display()
            );
        }
    }
    bin
}

fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest_mtime(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        newest = newest.max(t);
    }
    newest
}

// ------------------------------------------------------------ the request

fn body_3kb() -> Vec<u8> {
    let lines: Vec<Value> = (0..12)
        .map(|i| {
            json!({
                "id": format!("il_1Nv{i:03}QxLkPz"),
                "amount": 2000 + i,
                "currency": "usd",
                "description": "caf\u{e9} line item",
                "period": { "start": 1_700_000_000, "end": 1_702_592_000 },
            })
        })
        .collect();
    let mut event = json!({
        "id": "evt_1NvXbE2eZvKYlo2CqN1x9V0a",
        "object": "event",
        "api_version": "2023-10-16",
        "created": 1_700_000_000,
        "type": "invoice.paid",
        "livemode": false,
        "data": { "object": { "id": "in_1NvXbD2eZvKYlo2C", "object": "invoice", "lines": lines } },
        "pad": "",
    });
    let len = serde_json::to_vec(&event).expect("json").len();
    assert!(len <= BODY_SIZE, "the event is already {len} bytes");
    event["pad"] = Value::String("x".repeat(BODY_SIZE - len));
    let body = serde_json::to_vec(&event).expect("json");
    assert_eq!(body.len(), BODY_SIZE);
    body
}

fn request_bytes(addr: SocketAddr, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST /hooks/stripe HTTP/1.1\r\n\
         Host: {addr}\r\n\
         User-Agent: Stripe/1.0 (+https://stripe.com/docs/webhooks)\r\n\
         Accept: */*; q=0.5, application/xml\r\n\
         Cache-Control: no-cache\r\n\
         Content-Type: application/json; charset=utf-8\r\n\
         Stripe-Signature: t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

// ------------------------------------------------------ the bare server

async fn bare_handler(req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, Infallible> {
    // Read the body (any server must, to keep the connection), then 200.
    let _ = req.into_body().collect().await;
    Ok(Response::new(Empty::new()))
}

/// A plain hyper HTTP/1.1 server on its own 2-thread runtime.
fn start_bare() -> (SocketAddr, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bare-srv")
        .enable_all()
        .build()
        .expect("bare runtime");
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind bare");
    std_listener.set_nonblocking(true).expect("nonblocking");
    let addr = std_listener.local_addr().expect("addr");
    rt.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(bare_handler))
                    .await;
            });
        }
    });
    (addr, rt)
}

// ----------------------------------------------------- the load generator

#[derive(Default)]
struct ConnStats {
    lat_us: Vec<u32>,
    ok: u64,
    err: u64,
    ok_total: u64,
    err_total: u64,
    first_error: Option<String>,
}

/// Reads one response (Content-Length framed; no pipelining, so nothing
/// follows it). Returns the status.
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    buf.clear();
    loop {
        if !buf.is_empty() {
            let parsed = {
                let mut headers = [httparse::EMPTY_HEADER; 32];
                let mut resp = httparse::Response::new(&mut headers);
                match resp.parse(buf) {
                    Ok(httparse::Status::Complete(head)) => {
                        let mut cl = 0usize;
                        for h in resp.headers.iter() {
                            if h.name.eq_ignore_ascii_case("content-length") {
                                cl = std::str::from_utf8(h.value)
                                    .ok()
                                    .and_then(|v| v.trim().parse().ok())
                                    .ok_or_else(|| std::io::Error::other("bad content-length"))?;
                            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                                return Err(std::io::Error::other(
                                    "chunked responses are not supported by this load generator",
                                ));
                            }
                        }
                        Some((resp.code.unwrap_or(0), head + cl))
                    }
                    Ok(httparse::Status::Partial) => None,
                    Err(e) => return Err(std::io::Error::other(e)),
                }
            };
            if let Some((status, total)) = parsed {
                while buf.len() < total {
                    if s.read_buf(buf).await? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
                return Ok(status);
            }
        }
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(8192);
        }
        if s.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

async fn one_connection(
    addr: SocketAddr,
    req: Arc<Vec<u8>>,
    warm_end: Instant,
    end: Instant,
) -> ConnStats {
    let mut st = ConnStats {
        lat_us: Vec::with_capacity(64 * 1024),
        ..Default::default()
    };
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut stream: Option<TcpStream> = None;
    loop {
        let t0 = Instant::now();
        if t0 >= end {
            break;
        }
        let s = match &mut stream {
            Some(s) => s,
            None => match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream.insert(s)
                }
                Err(e) => {
                    st.err_total += 1;
                    st.first_error
                        .get_or_insert_with(|| format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let outcome = match s.write_all(&req).await {
            Ok(()) => read_response(s, &mut buf).await,
            Err(e) => Err(e),
        };
        let measured = t0 >= warm_end;
        match outcome {
            Ok(status) if (200..300).contains(&status) => {
                st.ok_total += 1;
                if measured {
                    st.ok += 1;
                    st.lat_us
                        .push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                }
            }
            Ok(status) => {
                st.err_total += 1;
                st.err += u64::from(measured);
                st.first_error
                    .get_or_insert_with(|| format!("status {status}"));
            }
            Err(e) => {
                st.err_total += 1;
                st.err += u64::from(measured);
                st.first_error.get_or_insert_with(|| format!("io: {e}"));
                stream = None;
            }
        }
    }
    st
}

struct Load {
    rps: f64,
    p50_us: u32,
    p99_us: u32,
    p999_us: u32,
    max_us: u32,
    ok: u64,
    err: u64,
    ok_total: u64,
    err_total: u64,
    first_error: Option<String>,
    cpu: CpuSplit,
}

fn percentile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn run_load(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    conns: usize,
    warmup: Duration,
    dur: Duration,
    listen_pid: Option<u32>,
) -> Load {
    let req = Arc::new(request_bytes(addr, &body_3kb()));
    let start = Instant::now();
    let warm_end = start + warmup;
    let end = warm_end + dur;
    let stats = rt.block_on(async move {
        let tasks: Vec<_> = (0..conns)
            .map(|_| tokio::spawn(one_connection(addr, req.clone(), warm_end, end)))
            .collect();
        // Sample CPU over the measured window only.
        tokio::time::sleep_until(warm_end.into()).await;
        let before = CpuSnap::take(listen_pid);
        tokio::time::sleep_until(end.into()).await;
        let after = CpuSnap::take(listen_pid);
        let mut all = Vec::with_capacity(conns);
        for t in tasks {
            all.push(t.await.expect("connection task"));
        }
        (all, before, after)
    });
    let (stats, before, after) = stats;
    let mut lat: Vec<u32> = Vec::new();
    let (mut ok, mut err, mut ok_total, mut err_total) = (0, 0, 0, 0);
    let mut first_error = None;
    for s in stats {
        lat.extend_from_slice(&s.lat_us);
        ok += s.ok;
        err += s.err;
        ok_total += s.ok_total;
        err_total += s.err_total;
        if first_error.is_none() {
            first_error = s.first_error;
        }
    }
    lat.sort_unstable();
    Load {
        rps: ok as f64 / dur.as_secs_f64(),
        p50_us: percentile(&lat, 0.50),
        p99_us: percentile(&lat, 0.99),
        p999_us: percentile(&lat, 0.999),
        max_us: lat.last().copied().unwrap_or(0),
        ok,
        err,
        ok_total,
        err_total,
        first_error,
        cpu: CpuSplit::between(&before, &after, dur),
    }
}

// --------------------------------------------------------------- CPU use

/// On-CPU nanoseconds per thread group (from /proc/.../task/*/schedstat),
/// and the machine's busy time (from /proc/stat).
struct CpuSnap {
    own: BTreeMap<String, u64>,
    listen: BTreeMap<String, u64>,
    machine_busy_ticks: u64,
    machine_total_ticks: u64,
}

fn tasks_cpu(pid: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in dir.flatten() {
        let p = task.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        let ns = std::fs::read_to_string(p.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
        let name = comm.trim();
        let group = if name.starts_with("tokio-") {
            "runtime workers"
        } else if name.starts_with("hookcli-store") {
            "store writer"
        } else if name.starts_with("loadgen") {
            "loadgen"
        } else if name.starts_with("bare-srv") {
            "bare server"
        } else if name == "hookcli" {
            "main"
        } else {
            name
        };
        *out.entry(group.to_string()).or_insert(0) += ns;
    }
    out
}

impl CpuSnap {
    fn take(listen_pid: Option<u32>) -> Self {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        let total: u64 = ticks.iter().take(8).sum();
        let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
        Self {
            own: tasks_cpu("self"),
            listen: listen_pid.map_or_else(BTreeMap::new, |p| tasks_cpu(&p.to_string())),
            machine_busy_ticks: total - idle,
            machine_total_ticks: total,
        }
    }
}

/// Cores used over the measured window, per component.
#[derive(Default)]
struct CpuSplit {
    loadgen: f64,
    bare: f64,
    listen: f64,
    listen_groups: BTreeMap<String, f64>,
    machine_busy: f64,
    machine_cores: f64,
    /// Busy time not accounted for by this bench and listen: other users.
    other: f64,
}

impl CpuSplit {
    fn between(a: &CpuSnap, b: &CpuSnap, dur: Duration) -> Self {
        let secs = dur.as_secs_f64();
        let cores = |before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>, key: &str| {
            let x = after.get(key).copied().unwrap_or(0);
            let y = before.get(key).copied().unwrap_or(0);
            x.saturating_sub(y) as f64 / 1e9 / secs
        };
        let listen_groups: BTreeMap<String, f64> = b
            .listen
            .keys()
            .map(|k| (k.clone(), cores(&a.listen, &b.listen, k)))
            .filter(|(_, v)| *v > 0.0005)
            .collect();
        let own_total: f64 = b.own.keys().map(|k| cores(&a.own, &b.own, k)).sum();
        let listen = listen_groups.values().fold(0.0, |a, b| a + b);
        let total_ticks = (b.machine_total_ticks - a.machine_total_ticks) as f64;
        let busy_ticks = (b.machine_busy_ticks - a.machine_busy_ticks) as f64;
        // /proc/stat counts all cores together: ticks/s = cores * USER_HZ.
        let machine_cores = total_ticks / secs / 100.0;
        let machine_busy = busy_ticks / secs / 100.0;
        Self {
            loadgen: cores(&a.own, &b.own, "loadgen"),
            bare: cores(&a.own, &b.own, "bare server"),
            listen,
            listen_groups,
            machine_busy,
            machine_cores,
            other: (machine_busy - own_total - listen).max(0.0),
        }
    }

    fn json(&self) -> Value {
        json!({
            "loadgen_cores": round3(self.loadgen),
            "bare_server_cores": round3(self.bare),
            "listen_cores": round3(self.listen),
            "listen_threads_cores": self.listen_groups.iter().map(|(k, v)| (k.clone(), json!(round3(*v)))).collect::<serde_json::Map<_, _>>(),
            "machine_busy_cores": round3(self.machine_busy),
            "machine_cores": round3(self.machine_cores),
            "other_processes_cores": round3(self.other),
        })
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

// ------------------------------------------------------- listen, the child

struct Listen {
    child: Child,
    addr: SocketAddr,
    drain: Option<std::thread::JoinHandle<()>>,
}

impl Listen {
    fn start(bin: &Path, store: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(bin)
            .args(["listen", "--port", "0", "--bind", "127.0.0.1", "--store"])
            .arg(store)
            .args(extra)
            .env_remove("HOOKCLI_STORE")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let mut first = String::new();
        reader.read_line(&mut first).expect("read the banner");
        let url = first
            .trim()
            .strip_prefix("hookcli listening on http://")
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("unexpected first line from listen: {first:?}")
            });
        let addr: SocketAddr = url
            .split('/')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        // Drain the per-delivery lines so listen's printer never blocks.
        let drain = std::thread::spawn(move || {
            let mut sink = [0u8; 1 << 16];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        });
        Self {
            child,
            addr,
            drain: Some(drain),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// VmRSS and VmHWM in bytes.
    fn rss(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map_or(0, |kb| kb * 1024)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// SIGTERM (graceful: finish, commit, exit 0), SIGKILL after 10 s.
    fn stop(mut self) -> Option<i32> {
        let code = self.stop_inner();
        if let Some(d) = self.drain.take() {
            let _ = d.join();
        }
        code
    }

    fn stop_inner(&mut self) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("listen_load: listen did not stop on SIGTERM in 10 s; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Listen {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn count_rows(db: &Path, table: &str) -> i64 {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(5)).ok();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("count {table} in {}: {e}", db.display()))
}

// ------------------------------------------------------ a 100,000-row store

/// One real row of a table, by column name (without `seq`).
fn one_row(conn: &Connection, sql: &str, key: &str) -> Vec<(String, rusqlite::types::Value)> {
    let mut stmt = conn.prepare(sql).expect("prepare");
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    stmt.query_row([key], |r| {
        Ok(names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_str() != "seq")
            .map(|(i, n)| {
                (
                    n.clone(),
                    r.get::<_, rusqlite::types::Value>(i).expect("value"),
                )
            })
            .collect())
    })
    .expect("a real row")
}

fn insert_sql(table: &str, cols: &[(String, rusqlite::types::Value)]) -> String {
    let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        marks.join(", ")
    )
}

struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Fills `dir` (schema made by listen itself) with `rows` copies of a real
/// delivery and its attempt taken from `source`, one second apart, with
/// fresh time-sortable ids. Returns the ids.
fn build_store(bin: &Path, dir: &Path, source_db: &Path, rows: usize) -> Vec<String> {
    Listen::start(bin, dir, &["--respond", "200"]).stop();
    let db = dir.join("hookcli.db");
    let src = Connection::open_with_flags(source_db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the sink store");
    let id: String = src
        .query_row(
            "SELECT id FROM deliveries ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a delivery");
    let delivery = one_row(&src, "SELECT * FROM deliveries WHERE id = ?1", &id);
    let attempt = one_row(&src, "SELECT * FROM attempts WHERE delivery_id = ?1", &id);
    drop(src);

    let mut conn = Connection::open(&db).expect("open the new store");
    conn.pragma_update(None, "synchronous", "OFF").ok();
    let tx = conn.transaction().expect("tx");
    let mut ids = Vec::with_capacity(rows);
    {
        let mut ins_d = tx.prepare(&insert_sql("deliveries", &delivery)).expect("d");
        let mut ins_a = tx.prepare(&insert_sql("attempts", &attempt)).expect("a");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as u64;
        let first_ms = now_ms - rows as u64 * 1000;
        let mut rng = SplitMix(0x5eed);
        let mut d = delivery.clone();
        let mut a = attempt.clone();
        use rusqlite::types::Value as V;
        for i in 0..rows {
            let ms = first_ms + i as u64 * 1000 + rng.next() % 1000;
            let random =
                (u128::from(rng.next()) << 64 | u128::from(rng.next())) & ((1u128 << 80) - 1);
            let id = ulid::Ulid::from_parts(ms, random)
                .to_string()
                .to_ascii_lowercase();
            for (name, v) in d.iter_mut() {
                match name.as_str() {
                    "id" => *v = V::Text(id.clone()),
                    "received_at" => *v = V::Integer(ms as i64),
                    "peer" => *v = V::Text(format!("127.0.0.1:{}", 10_000 + i % 50_000)),
                    _ => {}
                }
            }
            for (name, v) in a.iter_mut() {
                match name.as_str() {
                    "delivery_id" => *v = V::Text(id.clone()),
                    "started_at" => *v = V::Integer(ms as i64),
                    _ => {}
                }
            }
            ins_d
                .execute(rusqlite::params_from_iter(d.iter().map(|(_, v)| v)))
                .expect("insert delivery");
            ins_a
                .execute(rusqlite::params_from_iter(a.iter().map(|(_, v)| v)))
                .expect("insert attempt");
            ids.push(id);
        }
    }
    tx.commit().expect("commit");
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE").ok();
    ids
}

/// Wall time of a whole `hookcli` process, median/min/max of `n` runs.
fn time_cmd(bin: &Path, args: &[&str], n: usize) -> (f64, f64, f64) {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let out = Command::new(bin)
            .args(args)
            .env_remove("HOOKCLI_STORE")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run hookcli");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(
            out.status.success(),
            "hookcli {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort_by(|a, b| a.total_cmp(b));
    (times[n / 2], times[0], times[n - 1])
}

// ----------------------------------------------------------------- report

struct Row {
    name: String,
    conns: usize,
    load: Load,
    rss: Option<(u64, u64)>,
    committed: Option<(i64, u64)>,
}

fn ms(us: u32) -> f64 {
    us as f64 / 1000.0
}

fn main() {
    let secs = env_num("LISTEN_LOAD_SECS", 5);
    let warm = env_num("LISTEN_LOAD_WARMUP", 1);
    let rows_wanted = env_num("LISTEN_LOAD_ROWS", 100_000) as usize;
    let threads = env_num("LISTEN_LOAD_THREADS", 2) as usize;
    let dur = Duration::from_secs(secs);
    let warmup = Duration::from_secs(warm);
    let bin = hookcli_bin();
    let started = Instant::now();
    println!(
        "listen_load: {}, {} s + {} s warm-up per run, {} B bodies, load generator on {} threads, {} cores",
        bin.display(),
        secs,
        warm,
        BODY_SIZE,
        threads,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );

    let (bare_addr, _bare_rt) = start_bare();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("loadgen")
        .enable_all()
        .build()
        .expect("loadgen runtime");

    let mut rows: Vec<Row> = Vec::new();
    let progress = |r: &Row| {
        eprintln!(
            "  {:<28} {:>9.0} rps  p50 {:>7.3} ms  p99 {:>7.3} ms  errors {}  cpu: loadgen {:.2} bare {:.2} listen {:.2} other {:.2}",
            r.name,
            r.load.rps,
            ms(r.load.p50_us),
            ms(r.load.p99_us),
            r.load.err_total,
            r.load.cpu.loadgen,
            r.load.cpu.bare,
            r.load.cpu.listen,
            r.load.cpu.other
        );
        if let Some(e) = &r.load.first_error {
            eprintln!("    first error: {e}");
        }
    };

    // 1. bare @64
    let load = run_load(&rt, bare_addr, 64, warmup, dur, None);
    rows.push(Row {
        name: "bare".into(),
        conns: 64,
        load,
        rss: None,
        committed: None,
    });
    progress(rows.last().expect("row"));

    // 2. listen sink @64 (its store feeds the list/show store later)
    let sink_dir = tempfile::tempdir().expect("tempdir");
    let mut idle_rss = Vec::new();
    {
        let l = Listen::start(&bin, sink_dir.path(), &["--respond", "200"]);
        std::thread::sleep(Duration::from_millis(300));
        idle_rss.push(l.rss().0);
        let load = run_load(&rt, l.addr, 64, warmup, dur, Some(l.pid()));
        let rss = l.rss();
        let stored = count_rows(&sink_dir.path().join("hookcli.db"), "deliveries");
        let answered = load.ok_total;
        let code = l.stop();
        assert_eq!(code, Some(0), "listen did not exit cleanly");
        rows.push(Row {
            name: "listen sink".into(),
            conns: 64,
            load,
            rss: Some(rss),
            committed: Some((stored, answered)),
        });
        progress(rows.last().expect("row"));
    }

    // 3. listen forwarding to the bare server @64
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let to = format!("http://{bare_addr}/");
        let l = Listen::start(&bin, dir.path(), &["--forward-to", &to]);
        std::thread::sleep(Duration::from_millis(300));
        idle_rss.push(l.rss().0);
        let load = run_load(&rt, l.addr, 64, warmup, dur, Some(l.pid()));
        let rss = l.rss();
        let stored = count_rows(&dir.path().join("hookcli.db"), "deliveries");
        let answered = load.ok_total;
        l.stop();
        rows.push(Row {
            name: "listen forward -> bare".into(),
            conns: 64,
            load,
            rss: Some(rss),
            committed: Some((stored, answered)),
        });
        progress(rows.last().expect("row"));
    }

    // 4. bare @16, 5. listen sink @16
    let load = run_load(&rt, bare_addr, 16, warmup, dur, None);
    rows.push(Row {
        name: "bare".into(),
        conns: 16,
        load,
        rss: None,
        committed: None,
    });
    progress(rows.last().expect("row"));
    {
        let dir = tempfile::tempdir().expect("tempdir");
        let l = Listen::start(&bin, dir.path(), &["--respond", "200"]);
        std::thread::sleep(Duration::from_millis(300));
        idle_rss.push(l.rss().0);
        let load = run_load(&rt, l.addr, 16, warmup, dur, Some(l.pid()));
        let rss = l.rss();
        let stored = count_rows(&dir.path().join("hookcli.db"), "deliveries");
        let answered = load.ok_total;
        l.stop();
        rows.push(Row {
            name: "listen sink".into(),
            conns: 16,
            load,
            rss: Some(rss),
            committed: Some((stored, answered)),
        });
        progress(rows.last().expect("row"));
    }
    drop(rt);

    // 6. list and show among 100,000 deliveries
    let big = tempfile::tempdir().expect("tempdir");
    let t = Instant::now();
    let ids = build_store(
        &bin,
        big.path(),
        &sink_dir.path().join("hookcli.db"),
        rows_wanted,
    );
    let build_s = t.elapsed().as_secs_f64();
    let total = count_rows(&big.path().join("hookcli.db"), "deliveries");
    let db_mib =
        std::fs::metadata(big.path().join("hookcli.db")).map_or(0, |m| m.len()) as f64 / MIB;
    eprintln!("  store of {total} deliveries ({db_mib:.0} MiB) built in {build_s:.1} s");
    let store = big.path().to_str().expect("utf-8 path").to_string();
    let target = &ids[ids.len() / 2];
    let short = &target[target.len() - 8..];
    // The shortest leading prefix (8+ characters) that names only the target.
    let prefix_len = (8..=26)
        .find(|&n| ids.iter().filter(|i| i.starts_with(&target[..n])).count() == 1)
        .expect("a unique prefix");
    let prefix = &target[..prefix_len];
    let runs = 5;
    let version = time_cmd(&bin, &["--version"], runs);
    let list = time_cmd(&bin, &["list", "--store", &store, "--limit", "20"], runs);
    let show_short = time_cmd(&bin, &["show", short, "--store", &store], runs);
    let show_prefix = time_cmd(&bin, &["show", prefix, "--store", &store], runs);
    drop(big);
    drop(sink_dir);

    // ------------------------------------------------------------ verdicts
    let find = |name: &str, conns: usize| {
        rows.iter()
            .find(|r| r.name == name && r.conns == conns)
            .expect("run")
    };
    let bare64 = find("bare", 64);
    let sink64 = find("listen sink", 64);
    let fwd64 = find("listen forward -> bare", 64);
    let bare16 = find("bare", 16);
    let sink16 = find("listen sink", 16);
    let sink_ratio = sink64.load.rps / bare64.load.rps;
    let fwd_ratio = fwd64.load.rps / bare64.load.rps;
    let all_committed = [sink64, sink16]
        .iter()
        .all(|r| r.committed.is_some_and(|(s, a)| s >= a as i64) && r.load.err_total == 0);
    let added_p99_ms = ms(sink16.load.p99_us) - ms(bare16.load.p99_us);
    let added_p50_ms = ms(sink16.load.p50_us) - ms(bare16.load.p50_us);
    let peak = rows
        .iter()
        .filter_map(|r| r.rss.map(|x| x.1))
        .max()
        .unwrap_or(0) as f64
        / MIB;
    let idle = idle_rss.iter().copied().max().unwrap_or(0) as f64 / MIB;

    let goals: Vec<(String, String, String, bool)> = vec![
        (
            "sink rps / bare rps @64".into(),
            format!(
                "{:.1}% ({:.0} / {:.0}), committed {}",
                sink_ratio * 100.0,
                sink64.load.rps,
                bare64.load.rps,
                if all_committed { "all" } else { "NOT all" }
            ),
            ">= 50%, all committed".into(),
            sink_ratio >= 0.5 && all_committed,
        ),
        (
            "forward rps / bare rps @64".into(),
            format!(
                "{:.1}% ({:.0} / {:.0})",
                fwd_ratio * 100.0,
                fwd64.load.rps,
                bare64.load.rps
            ),
            ">= 35%".into(),
            fwd_ratio >= 0.35 && fwd64.load.err_total == 0,
        ),
        (
            "p99 added by listen @16".into(),
            format!(
                "{added_p99_ms:.3} ms ({:.3} - {:.3}); p50 +{added_p50_ms:.3} ms",
                ms(sink16.load.p99_us),
                ms(bare16.load.p99_us)
            ),
            "< 2 ms".into(),
            added_p99_ms < 2.0,
        ),
        (
            "peak RSS under load (VmHWM)".into(),
            format!("{peak:.1} MiB"),
            "< 40 MiB".into(),
            peak < 40.0,
        ),
        (
            "idle RSS (VmRSS)".into(),
            format!("{idle:.1} MiB"),
            "< 15 MiB".into(),
            idle < 15.0,
        ),
        (
            format!("list --limit 20 of {total}"),
            format!("{:.1} ms (min {:.1}, max {:.1})", list.0, list.1, list.2),
            "< 50 ms".into(),
            list.0 < 50.0,
        ),
        (
            format!("show <short id {short}>"),
            format!(
                "{:.1} ms (min {:.1}, max {:.1})",
                show_short.0, show_short.1, show_short.2
            ),
            "< 20 ms".into(),
            show_short.0 < 20.0,
        ),
        (
            format!("show <prefix {prefix}>"),
            format!(
                "{:.1} ms (min {:.1}, max {:.1})",
                show_prefix.0, show_prefix.1, show_prefix.2
            ),
            "< 20 ms".into(),
            show_prefix.0 < 20.0,
        ),
    ];

    // ------------------------------------------------------------- printing
    println!();
    println!(
        "{:<24} {:>5} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7} {:>9}  cpu cores: loadgen/bare/listen/other",
        "run", "conns", "rps", "p50 ms", "p99 ms", "p99.9", "vs bare", "errors", "RSS MiB",
    );
    for r in &rows {
        let bare = if r.conns == 64 { bare64 } else { bare16 };
        println!(
            "{:<24} {:>5} {:>9.0} {:>8.3} {:>8.3} {:>8.3} {:>6.1}% {:>7} {:>9}  {:.2}/{:.2}/{:.2}/{:.2}",
            r.name,
            r.conns,
            r.load.rps,
            ms(r.load.p50_us),
            ms(r.load.p99_us),
            ms(r.load.p999_us),
            r.load.rps / bare.load.rps * 100.0,
            r.load.err_total,
            r.rss
                .map_or("-".into(), |(_, hwm)| format!("{:.1}", hwm as f64 / MIB)),
            r.load.cpu.loadgen,
            r.load.cpu.bare,
            r.load.cpu.listen,
            r.load.cpu.other,
        );
    }
    println!();
    println!("listen threads (cores used) and CPU per delivery:");
    for r in rows.iter().filter(|r| r.rss.is_some()) {
        let per = |cores: f64| cores * 1e6 / r.load.rps.max(1.0);
        let groups: Vec<String> = r
            .load
            .cpu
            .listen_groups
            .iter()
            .map(|(k, v)| format!("{k} {v:.2}"))
            .collect();
        println!(
            "  {:<24} @{:<3} {}; listen {:.1} us/req, loadgen {:.1} us/req; committed {}",
            r.name,
            r.conns,
            groups.join(", "),
            per(r.load.cpu.listen),
            per(r.load.cpu.loadgen),
            r.committed.map_or("-".into(), |(s, a)| format!(
                "{s} rows >= {a} answered: {}",
                s >= a as i64
            )),
        );
    }
    for r in rows.iter().filter(|r| r.rss.is_none()) {
        println!(
            "  {:<24} @{:<3} bare server {:.1} us/req, loadgen {:.1} us/req",
            r.name,
            r.conns,
            r.load.cpu.bare * 1e6 / r.load.rps.max(1.0),
            r.load.cpu.loadgen * 1e6 / r.load.rps.max(1.0),
        );
    }
    println!(
        "process start (`hookcli --version`): {:.1} ms median; store built in {build_s:.1} s, {db_mib:.0} MiB",
        version.0
    );
    println!();
    println!("{:<34} {:<52} {:<22} met", "goal", "measured", "target");
    for (name, measured, target, met) in &goals {
        println!(
            "{:<34} {:<52} {:<22} {}",
            name,
            measured,
            target,
            if *met { "yes" } else { "NO" }
        );
    }
    let busiest_other = rows.iter().map(|r| r.load.cpu.other).fold(0.0, f64::max);
    if busiest_other > 0.25 {
        println!(
            "\nnote: other processes used up to {busiest_other:.2} cores during these runs; \
             the machine was shared, so absolute numbers are low and ratios noisy (run again)"
        );
    }

    let report = json!({
        "binary": bin,
        "seconds": secs,
        "warmup_seconds": warm,
        "body_bytes": BODY_SIZE,
        "loadgen_threads": threads,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "runs": rows.iter().map(|r| {
            let bare = if r.conns == 64 { bare64 } else { bare16 };
            json!({
                "name": r.name,
                "connections": r.conns,
                "rps": r.load.rps.round(),
                "p50_ms": ms(r.load.p50_us),
                "p99_ms": ms(r.load.p99_us),
                "p999_ms": ms(r.load.p999_us),
                "max_ms": ms(r.load.max_us),
                "ratio_to_bare": round3(r.load.rps / bare.load.rps),
                "ok": r.load.ok,
                "errors": r.load.err,
                "answered_total": r.load.ok_total,
                "errors_total": r.load.err_total,
                "first_error": r.load.first_error,
                "rss_bytes": r.rss.map(|x| x.0),
                "peak_rss_bytes": r.rss.map(|x| x.1),
                "stored_deliveries": r.committed.map(|x| x.0),
                "cpu": r.load.cpu.json(),
            })
        }).collect::<Vec<_>>(),
        "idle_rss_bytes": idle_rss,
        "store_rows": total,
        "store_mib": round3(db_mib),
        "version_ms": round3(version.0),
        "list_ms": { "median": round3(list.0), "min": round3(list.1), "max": round3(list.2) },
        "show_short_id_ms": { "key": short, "median": round3(show_short.0), "min": round3(show_short.1), "max": round3(show_short.2) },
        "show_prefix_ms": { "key": prefix, "median": round3(show_prefix.0), "min": round3(show_prefix.1), "max": round3(show_prefix.2) },
        "goals": goals.iter().map(|(n, m, t, ok)| json!({ "goal": n, "measured": m, "target": t, "met": ok })).collect::<Vec<_>>(),
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("listen_load.json");
    match std::fs::write(&out, format!("{report:#}\n")) {
        Ok(()) => println!(
            "\nwritten to {} (in {:.0} s)",
            out.display(),
            started.elapsed().as_secs_f64()
        ),
        Err(e) => eprintln!("listen_load: cannot write {}: {e}", out.display()),
    }
}
