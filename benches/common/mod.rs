//! What the load benchmarks share (`listen_load`, `relay_load`): the
//! release binary, the 3 KiB request, a bare hyper server, the keep-alive
//! HTTP/1.1 load generator, per-thread CPU accounting, and the child
//! processes (`hookcli listen`, `hookcli relay`) with a Drop guard.
//! Each bench uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const BODY_SIZE: usize = 3072;
pub const MIB: f64 = 1024.0 * 1024.0;

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------- the binary

/// The release binary; `bench` names the benchmark in messages.
pub fn hookcli_bin(bench: &str) -> PathBuf {
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
            "{bench}: {} is missing; run `cargo build --release` first",
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
                "{bench}: warning: {} is older than src/; run `cargo build --release` for current numbers",
                bin.display()
            );
        }
    }
    bin
}

pub fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
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

pub fn body_3kb() -> Vec<u8> {
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

/// A POST of `body` to `path` (which starts with `/`).
pub fn request_bytes(addr: SocketAddr, path: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\n\
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

pub async fn bare_handler(req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, Infallible> {
    // Read the body (any server must, to keep the connection), then 200.
    let _ = req.into_body().collect().await;
    Ok(Response::new(Empty::new()))
}

/// What the stand-in app answers, so a sender can tell its real answer from
/// one made up along the way.
pub const APP_STATUS: u16 = 200;
pub const APP_HEADER: &str = "x-bench-app";
pub const APP_HEADER_VALUE: &str = "the-real-app";
pub const APP_BODY: &[u8] = b"{\"received\":true,\"by\":\"bench-app\"}";

pub async fn app_handler(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let _ = req.into_body().collect().await;
    let mut resp = Response::new(Full::new(Bytes::from_static(APP_BODY)));
    *resp.status_mut() = hyper::StatusCode::from_u16(APP_STATUS).expect("status");
    resp.headers_mut().insert(
        APP_HEADER,
        hyper::header::HeaderValue::from_static(APP_HEADER_VALUE),
    );
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

/// A plain hyper HTTP/1.1 server on its own 2-thread runtime, answering an
/// empty 200.
pub fn start_bare() -> (SocketAddr, tokio::runtime::Runtime) {
    start_server(false)
}

/// The same server as an app: 200 with [`APP_HEADER`] and [`APP_BODY`].
pub fn start_app() -> (SocketAddr, tokio::runtime::Runtime) {
    start_server(true)
}

fn start_server(app: bool) -> (SocketAddr, tokio::runtime::Runtime) {
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
                let conn = hyper::server::conn::http1::Builder::new();
                let io = TokioIo::new(stream);
                let _ = if app {
                    conn.serve_connection(io, service_fn(app_handler)).await
                } else {
                    conn.serve_connection(io, service_fn(bare_handler)).await
                };
            });
        }
    });
    (addr, rt)
}

// ----------------------------------------------------- the load generator

#[derive(Default)]
pub struct ConnStats {
    pub lat_us: Vec<u32>,
    pub ok: u64,
    pub err: u64,
    pub ok_total: u64,
    pub err_total: u64,
    pub first_error: Option<String>,
}

/// The answer a sender must get: this status, this header, this body.
#[derive(Clone, Copy)]
pub struct Expect {
    pub status: u16,
    pub header: (&'static str, &'static str),
    pub body: &'static [u8],
}

impl Expect {
    /// The stand-in app's answer (see [`start_app`]).
    pub fn app() -> Self {
        Self {
            status: APP_STATUS,
            header: (APP_HEADER, APP_HEADER_VALUE),
            body: APP_BODY,
        }
    }
}

/// Where the load goes and what it must get back.
pub struct Target {
    pub addr: SocketAddr,
    pub path: String,
    /// None: any 2xx counts as answered.
    pub expect: Option<Expect>,
}

/// Reads one response (Content-Length framed; no pipelining, so nothing
/// follows it). Returns the status, and with `expect`, why the answer is not
/// the expected one (None when it is).
pub async fn read_response(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
    expect: Option<&Expect>,
) -> std::io::Result<(u16, Option<String>)> {
    buf.clear();
    loop {
        if !buf.is_empty() {
            let parsed = {
                let mut headers = [httparse::EMPTY_HEADER; 32];
                let mut resp = httparse::Response::new(&mut headers);
                match resp.parse(buf) {
                    Ok(httparse::Status::Complete(head)) => {
                        let mut cl = 0usize;
                        let mut header_ok = false;
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
                            } else if let Some(e) = expect {
                                header_ok |= h.name.eq_ignore_ascii_case(e.header.0)
                                    && h.value == e.header.1.as_bytes();
                            }
                        }
                        Some((resp.code.unwrap_or(0), head, head + cl, header_ok))
                    }
                    Ok(httparse::Status::Partial) => None,
                    Err(e) => return Err(std::io::Error::other(e)),
                }
            };
            if let Some((status, head, total, header_ok)) = parsed {
                while buf.len() < total {
                    if s.read_buf(buf).await? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                }
                let wrong = expect.and_then(|e| {
                    if status != e.status {
                        Some(format!(
                            "status {status}, not the app's {}: {}",
                            e.status,
                            String::from_utf8_lossy(&buf[head..total])
                        ))
                    } else if !header_ok {
                        Some(format!("the app's header {} is missing", e.header.0))
                    } else if &buf[head..total] != e.body {
                        Some(format!(
                            "body {:?} is not the app's",
                            String::from_utf8_lossy(&buf[head..total])
                        ))
                    } else {
                        None
                    }
                });
                return Ok((status, wrong));
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

pub async fn one_connection(
    addr: SocketAddr,
    req: Arc<Vec<u8>>,
    expect: Option<Expect>,
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
            Ok(()) => read_response(s, &mut buf, expect.as_ref()).await,
            Err(e) => Err(e),
        };
        let measured = t0 >= warm_end;
        match outcome {
            Ok((status, None)) if expect.is_some() || (200..300).contains(&status) => {
                st.ok_total += 1;
                if measured {
                    st.ok += 1;
                    st.lat_us
                        .push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                }
            }
            Ok((status, wrong)) => {
                st.err_total += 1;
                st.err += u64::from(measured);
                st.first_error
                    .get_or_insert_with(|| wrong.unwrap_or_else(|| format!("status {status}")));
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

pub struct Load {
    pub rps: f64,
    pub p50_us: u32,
    pub p99_us: u32,
    pub p999_us: u32,
    pub max_us: u32,
    pub ok: u64,
    pub err: u64,
    pub ok_total: u64,
    pub err_total: u64,
    pub first_error: Option<String>,
    pub cpu: CpuSplit,
}

pub fn percentile(sorted: &[u32], q: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// POSTs to `/hooks/stripe` at `addr`, any 2xx counting as answered; CPU of
/// `listen_pid` sampled.
pub fn run_load(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    conns: usize,
    warmup: Duration,
    dur: Duration,
    listen_pid: Option<u32>,
) -> Load {
    let target = Target {
        addr,
        path: "/hooks/stripe".into(),
        expect: None,
    };
    let pids = Pids {
        listen: listen_pid,
        ..Pids::default()
    };
    run_load_to(rt, &target, conns, warmup, dur, pids)
}

/// The hookcli processes whose CPU use a run samples.
#[derive(Clone, Default)]
pub struct Pids {
    pub listen: Option<u32>,
    /// Every relay instance; their threads count together.
    pub relay: Vec<u32>,
    /// The PostgreSQL server (its postmaster): it and its children count as `pg`.
    pub postgres: Option<u32>,
}

/// `conns` keep-alive connections POSTing the 3 KiB body to `target` for
/// `warmup` (not measured) and then `dur`.
pub fn run_load_to(
    rt: &tokio::runtime::Runtime,
    target: &Target,
    conns: usize,
    warmup: Duration,
    dur: Duration,
    pids: Pids,
) -> Load {
    let addr = target.addr;
    let expect = target.expect;
    let req = Arc::new(request_bytes(addr, &target.path, &body_3kb()));
    let start = Instant::now();
    let warm_end = start + warmup;
    let end = warm_end + dur;
    let stats = rt.block_on(async move {
        let tasks: Vec<_> = (0..conns)
            .map(|_| tokio::spawn(one_connection(addr, req.clone(), expect, warm_end, end)))
            .collect();
        // Sample CPU over the measured window only.
        tokio::time::sleep_until(warm_end.into()).await;
        let before = CpuSnap::take_pids(&pids);
        tokio::time::sleep_until(end.into()).await;
        let after = CpuSnap::take_pids(&pids);
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
pub struct CpuSnap {
    own: BTreeMap<String, u64>,
    listen: BTreeMap<String, u64>,
    relay: BTreeMap<String, u64>,
    pg_ns: BTreeMap<u32, u64>,
    machine_busy_ticks: u64,
    machine_total_ticks: u64,
}

pub fn tasks_cpu(pid: &str) -> BTreeMap<String, u64> {
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

/// On-CPU nanoseconds of process `root` and each of its children
/// (PostgreSQL's backends are children of its postmaster), by process id.
fn tree_cpu_ns(root: u32) -> BTreeMap<u32, u64> {
    let own = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
    };
    let parent = |pid: u32| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse::<u32>()
            .ok()
    };
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return BTreeMap::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid == root || parent(*pid) == Some(root))
        .filter_map(|pid| Some((pid, own(pid)?)))
        .collect()
}

impl CpuSnap {
    pub fn take(listen_pid: Option<u32>) -> Self {
        Self::take_pids(&Pids {
            listen: listen_pid,
            ..Pids::default()
        })
    }

    pub fn take_pids(pids: &Pids) -> Self {
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
            listen: pids
                .listen
                .map_or_else(BTreeMap::new, |p| tasks_cpu(&p.to_string())),
            relay: pids.relay.iter().fold(BTreeMap::new(), |mut all, p| {
                for (group, ns) in tasks_cpu(&p.to_string()) {
                    *all.entry(group).or_insert(0) += ns;
                }
                all
            }),
            pg_ns: pids.postgres.map(tree_cpu_ns).unwrap_or_default(),
            machine_busy_ticks: total - idle,
            machine_total_ticks: total,
        }
    }
}

/// Cores used over the measured window, per component.
#[derive(Default)]
pub struct CpuSplit {
    pub loadgen: f64,
    pub bare: f64,
    pub listen: f64,
    pub listen_groups: BTreeMap<String, f64>,
    /// `hookcli relay`, when there is one.
    pub relay: f64,
    pub relay_groups: BTreeMap<String, f64>,
    /// The PostgreSQL server, when there is one.
    pub pg: f64,
    pub machine_busy: f64,
    pub machine_cores: f64,
    /// Busy time not accounted for by this bench, listen and relay: other users.
    pub other: f64,
}

impl CpuSplit {
    pub fn between(a: &CpuSnap, b: &CpuSnap, dur: Duration) -> Self {
        let secs = dur.as_secs_f64();
        let cores = |before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>, key: &str| {
            let x = after.get(key).copied().unwrap_or(0);
            let y = before.get(key).copied().unwrap_or(0);
            x.saturating_sub(y) as f64 / 1e9 / secs
        };
        let groups = |before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>| {
            after
                .keys()
                .map(|k| (k.clone(), cores(before, after, k)))
                .filter(|(_, v)| *v > 0.0005)
                .collect::<BTreeMap<String, f64>>()
        };
        let listen_groups = groups(&a.listen, &b.listen);
        let relay_groups = groups(&a.relay, &b.relay);
        let own_total: f64 = b.own.keys().map(|k| cores(&a.own, &b.own, k)).sum();
        let listen = listen_groups.values().fold(0.0, |a, b| a + b);
        let relay = relay_groups.values().fold(0.0, |a, b| a + b);
        // Processes that ran through the whole window (the relays open their
        // connections before it): one that ended took its count along.
        let pg = b
            .pg_ns
            .iter()
            .filter_map(|(pid, after)| Some(after.saturating_sub(*a.pg_ns.get(pid)?)))
            .sum::<u64>() as f64
            / 1e9
            / secs;
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
            relay,
            relay_groups,
            pg,
            machine_busy,
            machine_cores,
            other: (machine_busy - own_total - listen - relay - pg).max(0.0),
        }
    }

    pub fn json(&self) -> Value {
        let threads = |g: &BTreeMap<String, f64>| {
            g.iter()
                .map(|(k, v)| (k.clone(), json!(round3(*v))))
                .collect::<serde_json::Map<_, _>>()
        };
        let mut out = json!({
            "loadgen_cores": round3(self.loadgen),
            "bare_server_cores": round3(self.bare),
            "listen_cores": round3(self.listen),
            "listen_threads_cores": threads(&self.listen_groups),
            "machine_busy_cores": round3(self.machine_busy),
            "machine_cores": round3(self.machine_cores),
            "other_processes_cores": round3(self.other),
        });
        if !self.relay_groups.is_empty() {
            out["relay_cores"] = json!(round3(self.relay));
            out["relay_threads_cores"] = Value::Object(threads(&self.relay_groups));
        }
        if self.pg > 0.0 {
            out["postgres_cores"] = json!(round3(self.pg));
        }
        out
    }
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

// ------------------------------------------- listen and relay, the children

/// A `hookcli` child process: `listen` or `relay`. Dropping it kills it.
pub struct Proc {
    pub child: Child,
    /// The address from its banner.
    pub addr: SocketAddr,
    pub drain: Option<std::thread::JoinHandle<()>>,
    what: &'static str,
}

/// `hookcli listen`.
pub type Listen = Proc;

/// How long a child may take to print its banner or bring its tunnel up.
const START_LIMIT: Duration = Duration::from_secs(15);

impl Proc {
    /// `hookcli listen --port 0 --bind 127.0.0.1 --store STORE EXTRA...`.
    pub fn start(bin: &Path, store: &Path, extra: &[&str]) -> Self {
        Self::start_listen(bin, store, extra, &[], false)
    }

    /// `listen` with environment `envs`; with `tunnel`, returns only once
    /// listen says `tunnel up:` (it needs `--relay` in `extra`).
    pub fn start_listen(
        bin: &Path,
        store: &Path,
        extra: &[&str],
        envs: &[(&str, &str)],
        tunnel: bool,
    ) -> Self {
        let mut args: Vec<std::ffi::OsString> = ["listen", "--port", "0", "--bind", "127.0.0.1"]
            .iter()
            .map(Into::into)
            .collect();
        args.push("--store".into());
        args.push(store.into());
        args.extend(extra.iter().map(Into::into));
        Self::spawn(
            bin,
            "listen",
            &args,
            envs,
            "hookcli listening on http://",
            tunnel.then_some("tunnel up:"),
        )
    }

    /// `hookcli relay --bind 127.0.0.1:0 --token-env VAR`, with VAR=token.
    pub fn start_relay(bin: &Path, token_var: &str, token: &str, extra: &[&str]) -> Self {
        let mut args: Vec<std::ffi::OsString> =
            ["relay", "--bind", "127.0.0.1:0", "--token-env", token_var]
                .iter()
                .map(Into::into)
                .collect();
        args.extend(extra.iter().map(Into::into));
        Self::spawn(
            bin,
            "relay",
            &args,
            &[(token_var, token)],
            "hookcli relay listening on http://",
            None,
        )
    }

    fn spawn(
        bin: &Path,
        what: &'static str,
        args: &[std::ffi::OsString],
        envs: &[(&str, &str)],
        banner: &str,
        wait_for: Option<&str>,
    ) -> Self {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_remove("HOOKCLI_STORE")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        // The banner and the wait run on the drain thread, so a child that
        // hangs cannot hang the bench: the wait here is bounded.
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let waiting = wait_for.is_some();
        let wait_for = wait_for.map(str::to_string);
        let drain = std::thread::spawn(move || {
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() || tx.send(line.clone()).is_err() {
                return;
            }
            if let Some(prefix) = wait_for {
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line.trim_start().starts_with(&prefix) => {
                            let _ = tx.send(line.clone());
                            break;
                        }
                        Ok(_) => {}
                    }
                }
            }
            drop(tx);
            // Drain the per-delivery lines so the child's printer never blocks.
            let mut sink = [0u8; 1 << 16];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        });
        let mut me = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            drain: Some(drain),
            what,
        };
        let deadline = Instant::now() + START_LIMIT;
        let next = |what: &str| {
            rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("{what}: nothing within {START_LIMIT:?}"))
        };
        let first = next(&format!("the banner of {what}"));
        let url = first
            .trim()
            .strip_prefix(banner)
            .unwrap_or_else(|| panic!("unexpected first line from {what}: {first:?}"));
        me.addr = url
            .split('/')
            .next()
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {first:?}"));
        if waiting {
            next(&format!("{what}'s tunnel"));
        }
        me
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// VmRSS and VmHWM in bytes.
    pub fn rss(&self) -> (u64, u64) {
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
    pub fn stop(self) -> Option<i32> {
        self.stop_within(Duration::from_secs(10))
    }

    /// SIGTERM, SIGKILL after `limit`; the exit code, None when killed.
    pub fn stop_within(mut self, limit: Duration) -> Option<i32> {
        let code = self.stop_inner(limit);
        if let Some(d) = self.drain.take() {
            let _ = d.join();
        }
        code
    }

    fn stop_inner(&mut self, limit: Duration) -> Option<i32> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!(
            "{} did not stop on SIGTERM in {limit:?}; killing it",
            self.what
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn count_rows(db: &Path, table: &str) -> i64 {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(5)).ok();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("count {table} in {}: {e}", db.display()))
}

/// One number from a store: `SELECT count(*) ...` and the like.
pub fn query_i64(db: &Path, sql: &str) -> i64 {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(5)).ok();
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql} in {}: {e}", db.display()))
}

pub fn ms(us: u32) -> f64 {
    us as f64 / 1000.0
}
