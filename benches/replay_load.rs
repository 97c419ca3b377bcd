//! Load benchmark of bulk replay (issue 4, "Performance"): `hookcli replay
//! --all --concurrency 32` against the bare hyper server, beside the plain
//! load generator sending the same requests to the same server with 32
//! keep-alive connections, in the same run.
//!
//! Runs the release binary like `listen_load` (see benches/common/mod.rs;
//! `cargo bench --bench replay_load` builds it first). First a store of N
//! deliveries is made the way a user makes one: `hookcli listen --respond
//! 200` is sent N POSTs of the shared 3 KiB Stripe-shaped JSON body (with its
//! Stripe-Signature and a few other headers) by the load generator, then
//! stopped. Then, in rounds, against one bare hyper server in this process:
//! the load generator sends the same request N times over 32 connections
//! (its rate: N / time), and `hookcli replay --all --to BARE --concurrency 32
//! --json --store DIR` replays all N deliveries (its rate: sent / wall clock
//! from spawn to exit; also the steady rate between its first and last
//! per-replay line, which leaves out start-up, selection and the final
//! commit). A short load generator run warms the server first (not counted);
//! the load generator runs once more after the last replay. CPU is split per
//! process and thread (the replay's threads sampled from /proc, its total
//! read at exit), and the cost of the store reads replay makes per delivery
//! is measured alone at the end, beside one scan of the same rows.
//!
//! Checked after each replay: exit 0, the summary says selected = sent =
//! 2xx = N, N per-replay lines, and the store holds N more attempts of kind
//! replay, all with the server's 200, the deliveries unchanged; at the end
//! `PRAGMA quick_check` is ok. Goal: the median replay wall-clock rate is at
//! least 30% of the median load generator rate (issue #15), every attempt recorded.
//! Prints a table and writes target/replay_load.json.
//!
//! The recorded signature's timestamp is now, so replays are within Stripe's
//! tolerance and print no staleness warning (a dead-letter replay a day later
//! prints one per delivery, on stderr); REPLAY_LOAD_STALE=1 records the old
//! fixed timestamp instead, to measure that case.
//!
//! Knobs (environment): REPLAY_LOAD_N (deliveries, 20000),
//! REPLAY_LOAD_ROUNDS (replay runs, 2), REPLAY_LOAD_CONNS (load generator
//! connections and replay --concurrency, 32), REPLAY_LOAD_THREADS (load
//! generator threads, 2), REPLAY_LOAD_LIMIT (seconds any one run may take,
//! 40), REPLAY_LOAD_STALE (0), HOOKCLI_BIN (binary).

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use common::{
    BODY_SIZE, ConnStats, CpuSnap, CpuSplit, Listen, Pids, body_3kb, env_num, hookcli_bin, ms,
    percentile, query_i64, read_response, request_bytes, round3, start_bare,
};

/// The path the deliveries are recorded under, and replayed to below `--to`.
const PATH: &str = "/hooks/stripe";
/// The signature timestamp in the shared request.
const OLD_TIMESTAMP: &str = "t=1700000000,";
/// How long listen gets to exit on SIGTERM.
const STOP_LIMIT: Duration = Duration::from_secs(5);
/// How often the replay child's CPU is sampled while it runs.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);
/// How long the reader of the replay's stdout waits between reads.
const READ_PAUSE: Duration = Duration::from_millis(1);

/// The shared request to `addr`; with `fresh`, its Stripe signature
/// timestamp is now (the same length: ten digits).
fn request(addr: SocketAddr, fresh: bool) -> Vec<u8> {
    let req = request_bytes(addr, PATH, &body_3kb());
    if !fresh {
        return req;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let at = req
        .windows(OLD_TIMESTAMP.len())
        .position(|w| w == OLD_TIMESTAMP.as_bytes())
        .expect("the shared request carries t=1700000000");
    let mut out = req[..at].to_vec();
    out.extend_from_slice(format!("t={now},").as_bytes());
    assert_eq!(out.len(), at + OLD_TIMESTAMP.len(), "a ten-digit timestamp");
    out.extend_from_slice(&req[at + OLD_TIMESTAMP.len()..]);
    out
}

// ------------------------------------------- the load generator, N requests

/// What sending a fixed number of requests came to.
struct Fixed {
    requests: u64,
    secs: f64,
    ok: u64,
    err: u64,
    p50_us: u32,
    p99_us: u32,
    max_us: u32,
    first_error: Option<String>,
    cpu: CpuSplit,
}

impl Fixed {
    fn rps(&self) -> f64 {
        self.ok as f64 / self.secs.max(1e-9)
    }
}

/// One keep-alive connection taking tickets until `n` are gone.
async fn counted_connection(
    addr: SocketAddr,
    req: Arc<Vec<u8>>,
    tickets: Arc<AtomicU64>,
    n: u64,
    deadline: Instant,
) -> ConnStats {
    let mut st = ConnStats {
        lat_us: Vec::with_capacity((n / 16) as usize),
        ..Default::default()
    };
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut stream: Option<TcpStream> = None;
    while tickets.fetch_add(1, Ordering::Relaxed) < n {
        let t0 = Instant::now();
        if t0 >= deadline {
            st.err += 1;
            st.first_error
                .get_or_insert_with(|| "the run's time limit passed".into());
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
                    st.err += 1;
                    st.first_error
                        .get_or_insert_with(|| format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let outcome = match s.write_all(&req).await {
            Ok(()) => read_response(s, &mut buf, None).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok((status, _)) if (200..300).contains(&status) => {
                st.ok += 1;
                st.lat_us
                    .push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
            }
            Ok((status, _)) => {
                st.err += 1;
                st.first_error
                    .get_or_insert_with(|| format!("status {status}"));
            }
            Err(e) => {
                st.err += 1;
                st.first_error.get_or_insert_with(|| format!("io: {e}"));
                stream = None;
            }
        }
    }
    st
}

/// `conns` connections sending `req` to `addr`, `n` times in all; CPU of
/// this process (and of `pids`) sampled over the run.
fn run_fixed(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    req: &[u8],
    conns: usize,
    n: u64,
    limit: Duration,
    pids: Pids,
) -> Fixed {
    let req = Arc::new(req.to_vec());
    let tickets = Arc::new(AtomicU64::new(0));
    let before = CpuSnap::take_pids(&pids);
    let start = Instant::now();
    let deadline = start + limit;
    let stats = rt.block_on(async {
        let tasks: Vec<_> = (0..conns)
            .map(|_| {
                tokio::spawn(counted_connection(
                    addr,
                    req.clone(),
                    tickets.clone(),
                    n,
                    deadline,
                ))
            })
            .collect();
        let mut all = Vec::with_capacity(conns);
        for t in tasks {
            all.push(t.await.expect("connection task"));
        }
        all
    });
    let elapsed = start.elapsed();
    let after = CpuSnap::take_pids(&pids);
    let mut lat = Vec::with_capacity(n as usize);
    let (mut ok, mut err, mut first_error) = (0, 0, None);
    for s in stats {
        lat.extend_from_slice(&s.lat_us);
        ok += s.ok;
        err += s.err;
        first_error = first_error.or(s.first_error);
    }
    lat.sort_unstable();
    Fixed {
        requests: n,
        secs: elapsed.as_secs_f64(),
        ok,
        err,
        p50_us: percentile(&lat, 0.50),
        p99_us: percentile(&lat, 0.99),
        max_us: lat.last().copied().unwrap_or(0),
        first_error,
        cpu: CpuSplit::between(&before, &after, elapsed),
    }
}

// ------------------------------------------------------- the replay child

/// A child that is killed if the bench lets go of it (a panic, a time limit).
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// What the replay's stdout said, with when.
#[derive(Default)]
struct Lines {
    replays: u64,
    /// Per-replay lines whose status is 200.
    replays_200: u64,
    first: Option<Instant>,
    last: Option<Instant>,
    summary: Option<Value>,
    other: Vec<String>,
}

impl Lines {
    fn take(&mut self, line: &[u8], now: Instant) {
        if line.starts_with(b"{\"type\":\"replay\"") {
            self.replays += 1;
            self.replays_200 += u64::from(
                line.windows(STATUS_200.len())
                    .any(|w| w == STATUS_200.as_bytes()),
            );
            self.first.get_or_insert(now);
            self.last = Some(now);
        } else if line.windows(9).any(|w| w == b"\"summary\"") {
            self.summary = serde_json::from_slice(line).ok();
        } else if self.other.len() < 5 {
            self.other
                .push(String::from_utf8_lossy(line).trim().to_string());
        }
    }
}

const STATUS_200: &str = "\"status\":200,";

/// What one `hookcli replay` run came to.
struct Replay {
    exit: Option<i32>,
    wall_secs: f64,
    /// Spawn to the first per-replay line: start-up, selection, first answer.
    startup_secs: f64,
    /// The last per-replay line to exit: the last commits, the summary.
    tail_secs: f64,
    lines: Lines,
    stderr_lines: u64,
    stderr_first: Vec<String>,
    /// Replay attempts in the store before and after.
    attempts_before: i64,
    attempts_after: i64,
    attempts_200_after: i64,
    deliveries_after: i64,
    /// CPU while it ran: this process (the bare server) and the machine.
    cpu: CpuSplit,
    /// The child's cores over its run, per thread group (sampled).
    threads: BTreeMap<String, f64>,
    /// The child's user+system CPU seconds, read from /proc at its exit
    /// (exact; the per-thread split is sampled).
    child_cpu_secs: Option<f64>,
    timed_out: bool,
}

impl Replay {
    /// Cores the child used over its run: exact when read at its exit.
    fn cores(&self) -> f64 {
        self.child_cpu_secs.map_or_else(
            || self.threads.values().sum(),
            |s| s / self.wall_secs.max(1e-9),
        )
    }

    /// Busy cores of other processes on the machine.
    fn other(&self) -> f64 {
        (self.cpu.other - self.cores()).max(0.0)
    }

    fn sent(&self) -> u64 {
        self.summary_u64("sent")
    }

    fn summary_u64(&self, key: &str) -> u64 {
        self.lines
            .summary
            .as_ref()
            .and_then(|s| s.get(key))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    fn summary_f64(&self, key: &str) -> Option<f64> {
        self.lines
            .summary
            .as_ref()
            .and_then(|s| s.get(key))
            .and_then(Value::as_f64)
    }

    fn wall_rps(&self) -> f64 {
        self.sent() as f64 / self.wall_secs.max(1e-9)
    }

    /// Between the first and last per-replay line.
    fn steady_rps(&self) -> f64 {
        match (self.lines.first, self.lines.last) {
            (Some(a), Some(b)) if b > a && self.lines.replays > 1 => {
                (self.lines.replays - 1) as f64 / (b - a).as_secs_f64()
            }
            _ => 0.0,
        }
    }

    /// Every delivery replayed, answered 200, printed and recorded.
    fn verified(&self, n: u64) -> bool {
        let n_i = n as i64;
        !self.timed_out
            && self.exit == Some(0)
            && self.summary_u64("selected") == n
            && self.sent() == n
            && self.summary_u64("ok_2xx") == n
            && self.lines.replays == n
            && self.lines.replays_200 == n
            && self.attempts_after - self.attempts_before == n_i
            && self.attempts_200_after == self.attempts_after
            && self.deliveries_after == n_i
    }
}

/// On-CPU nanoseconds of each thread of a process, kept after the thread
/// is gone (its last sample), with the thread's group name.
#[derive(Default)]
struct TidCpu(BTreeMap<String, (String, u64)>);

impl TidCpu {
    fn sample(&mut self, pid: u32) {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return;
        };
        for task in dir.flatten() {
            let p = task.path();
            let Some(ns) = std::fs::read_to_string(p.join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            else {
                continue;
            };
            // Read each time: a new thread names itself only once it runs.
            let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
            let comm = comm.trim();
            let group = if comm.starts_with("tokio-") {
                "runtime workers"
            } else if comm.starts_with("hookcli-store-w") {
                "store writer"
            } else if comm.starts_with("hookcli-store-c") {
                "store checkpoint"
            } else if comm == "hookcli" {
                "main"
            } else {
                comm
            };
            let tid = task.file_name().to_string_lossy().into_owned();
            let e = self.0.entry(tid).or_default();
            if e.0 != group {
                e.0 = group.to_string();
            }
            e.1 = e.1.max(ns);
        }
    }

    /// Cores per group over `secs`.
    fn cores(&self, secs: f64) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (group, ns) in self.0.values() {
            *out.entry(group.clone()).or_insert(0.0) += *ns as f64 / 1e9 / secs.max(1e-9);
        }
        out
    }
}

/// The child's utime + stime in seconds, from /proc/PID/stat, when it has
/// exited but is not yet reaped (a zombie's counts include all its threads).
fn zombie_cpu_secs(pid: u32) -> Option<(bool, f64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: split after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    let zombie = f.first()? == &"Z";
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((zombie, (utime + stime) / 100.0))
}

fn run_replay(bin: &Path, store: &Path, to: &str, conns: usize, limit: Duration) -> Replay {
    let db = store.join("hookcli.db");
    let attempts_before = query_i64(&db, "SELECT count(*) FROM attempts WHERE kind = 'replay'");
    let conc = conns.to_string();
    let mut cmd = Command::new(bin);
    cmd.args([
        "replay",
        "--all",
        "--to",
        to,
        "--concurrency",
        &conc,
        "--json",
    ])
    .arg("--store")
    .arg(store)
    .env_remove("HOOKCLI_STORE")
    .env("HOOKCLI_CONFIG", "")
    .env("NO_COLOR", "1")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = Guard(
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display())),
    );
    let pid = child.0.id();
    let stdout = child.0.stdout.take().expect("stdout");
    let stderr = child.0.stderr.take().expect("stderr");
    // Readers on their own threads: light (a prefix test per line), so the
    // child's printing never blocks and this process takes little CPU.
    let out_reader = std::thread::spawn(move || {
        let mut lines = Lines::default();
        let mut stdout = stdout;
        let mut buf = vec![0u8; 1 << 18];
        let mut pending: Vec<u8> = Vec::with_capacity(1 << 18);
        loop {
            let n = match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // Lines that came together are stamped together.
            let now = Instant::now();
            pending.extend_from_slice(&buf[..n]);
            let mut start = 0;
            while let Some(nl) = pending[start..].iter().position(|&b| b == b'\n') {
                lines.take(&pending[start..start + nl], now);
                start += nl + 1;
            }
            pending.drain(..start);
            // Read in chunks: one wake-up per line would take CPU from the
            // child on a small machine (a pipe holds 64 KiB, ~100 lines).
            std::thread::sleep(READ_PAUSE);
        }
        if !pending.is_empty() {
            let rest = std::mem::take(&mut pending);
            lines.take(&rest, Instant::now());
        }
        lines
    });
    let err_reader = std::thread::spawn(move || {
        let (mut count, mut first) = (0u64, Vec::new());
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            count += 1;
            if first.len() < 3 {
                first.push(line);
            }
        }
        (count, first)
    });
    let before = CpuSnap::take_pids(&Pids::default());
    let mut tids = TidCpu::default();
    let mut last_at = Instant::now();
    let mut child_cpu_secs = None;
    let mut timed_out = false;
    let exit = loop {
        match zombie_cpu_secs(pid) {
            Some((true, secs)) => child_cpu_secs = Some(secs),
            Some((false, _)) if last_at.elapsed() >= SAMPLE_EVERY => {
                tids.sample(pid);
                last_at = Instant::now();
            }
            _ => {}
        }
        match child.0.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) => {}
            Err(e) => panic!("waiting for replay: {e}"),
        }
        if start.elapsed() > limit {
            eprintln!("replay_load: replay took over {limit:?}; killing it");
            timed_out = true;
            let _ = child.0.kill();
            break child.0.wait().ok().and_then(|s| s.code());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let end = Instant::now();
    let after = CpuSnap::take_pids(&Pids::default());
    let lines = out_reader.join().expect("stdout reader");
    let (stderr_lines, stderr_first) = err_reader.join().expect("stderr reader");
    let wall = end - start;
    let cpu = CpuSplit::between(&before, &after, wall);
    Replay {
        exit,
        wall_secs: wall.as_secs_f64(),
        startup_secs: lines.first.map_or(0.0, |f| (f - start).as_secs_f64()),
        tail_secs: lines.last.map_or(0.0, |l| (end - l).as_secs_f64()),
        lines,
        stderr_lines,
        stderr_first,
        attempts_before,
        attempts_after: query_i64(&db, "SELECT count(*) FROM attempts WHERE kind = 'replay'"),
        attempts_200_after: query_i64(
            &db,
            "SELECT count(*) FROM attempts WHERE kind = 'replay' AND status = 200 AND error IS NULL",
        ),
        deliveries_after: query_i64(&db, "SELECT count(*) FROM deliveries"),
        cpu,
        threads: tids.cores(wall.as_secs_f64()),
        child_cpu_secs,
        timed_out,
    }
}

// ------------------------------------------------ what replay's reads cost

/// The columns `store::query::get` reads (src/store/query.rs).
const GET_COLUMNS: &str = "id, received_at, peer, method, target, http_version, headers, body, \
     body_sha256, provider, event_type, event_id, verdict, verdict_cause, verdict_reason, source, \
     public_url, rejected";

/// Microseconds per delivery, on one connection and one thread: (the point
/// lookups replay makes for each delivery: the delivery, compiled afresh as
/// `query_row` does, then all its attempts; one statement stepping through
/// every delivery in order instead).
fn read_cost(db: &Path) -> (f64, f64) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the store");
    let ids: Vec<String> = {
        let mut st = conn
            .prepare("SELECT id FROM deliveries ORDER BY seq")
            .expect("ids");
        st.query_map([], |r| r.get(0))
            .expect("ids")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    let n = ids.len().max(1) as f64;
    let get_sql = format!("SELECT {GET_COLUMNS} FROM deliveries WHERE id = ?1");
    let attempts_sql = "SELECT delivery_id, kind, target, started_at, status, headers, body, \
         duration_ms, error, sent_headers, sent_body FROM attempts WHERE delivery_id = ?1 ORDER BY seq";
    let mut bytes = 0usize;
    let t = Instant::now();
    for id in &ids {
        let (headers, body): (String, Vec<u8>) = conn
            .query_row(&get_sql, [id], |r| Ok((r.get(6)?, r.get(7)?)))
            .expect("get");
        bytes += headers.len() + body.len();
        let mut st = conn.prepare_cached(attempts_sql).expect("attempts");
        let rows = st
            .query_map([id], |r| {
                Ok((
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                ))
            })
            .expect("attempts");
        for row in rows {
            let (_, h, b) = row.expect("attempt");
            bytes += h.len() + b.len();
        }
    }
    let point = t.elapsed().as_secs_f64() * 1e6 / n;
    let t = Instant::now();
    let mut st = conn
        .prepare(&format!(
            "SELECT {GET_COLUMNS} FROM deliveries ORDER BY seq"
        ))
        .expect("scan");
    let mut rows = st.query([]).expect("scan");
    while let Some(r) = rows.next().expect("row") {
        let headers: String = r.get(6).expect("headers");
        let body: Vec<u8> = r.get(7).expect("body");
        bytes += headers.len() + body.len();
    }
    let scan = t.elapsed().as_secs_f64() * 1e6 / n;
    std::hint::black_box(bytes);
    (point, scan)
}

// ------------------------------------------------------------------- main

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn groups(g: &BTreeMap<String, f64>) -> String {
    g.iter()
        .map(|(k, v)| format!("{k} {v:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    let n = env_num("REPLAY_LOAD_N", 20_000);
    let rounds = env_num("REPLAY_LOAD_ROUNDS", 2).max(1) as usize;
    let conns = env_num("REPLAY_LOAD_CONNS", 32) as usize;
    let threads = env_num("REPLAY_LOAD_THREADS", 2) as usize;
    let limit = Duration::from_secs(env_num("REPLAY_LOAD_LIMIT", 40));
    let stale = env_num("REPLAY_LOAD_STALE", 0) != 0;
    let bin = hookcli_bin("replay_load");
    let started = Instant::now();
    let cores = std::thread::available_parallelism().map_or(0, |x| x.get());
    println!(
        "replay_load: {}, {n} deliveries of {BODY_SIZE} B, {conns} connections / --concurrency {conns}, \
         {rounds} replay rounds, load generator on {threads} threads, {cores} cores, signatures {}",
        bin.display(),
        if stale { "stale (warned)" } else { "fresh" },
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("loadgen")
        .enable_all()
        .build()
        .expect("loadgen runtime");

    // ---------------------------------------------------------- the store
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path();
    let db = store.join("hookcli.db");
    let listen = Listen::start_listen(
        &bin,
        store,
        &["--respond", "200"],
        &[("HOOKCLI_CONFIG", "")],
        false,
    );
    let fill = run_fixed(
        &rt,
        listen.addr,
        &request(listen.addr, !stale),
        conns,
        n,
        limit,
        Pids {
            listen: Some(listen.pid()),
            ..Pids::default()
        },
    );
    let listen_exit = listen.stop_within(STOP_LIMIT);
    let recorded = query_i64(&db, "SELECT count(*) FROM deliveries");
    let db_mib = std::fs::metadata(&db).map_or(0.0, |m| m.len() as f64 / common::MIB);
    eprintln!(
        "  store: {recorded} deliveries recorded by listen in {:.2} s ({:.0}/s), {db_mib:.1} MiB; listen exit {listen_exit:?}",
        fill.secs,
        fill.rps()
    );
    if fill.ok != n || recorded != n as i64 {
        eprintln!(
            "replay_load: listen recorded {recorded} of {n} (answered {}, errors {}, first error {:?}); stopping",
            fill.ok, fill.err, fill.first_error
        );
        std::process::exit(1);
    }

    // ------------------------------------------ load generator and replay
    let (bare, _bare_rt) = start_bare();
    let to = format!("http://{bare}/");
    let req = request(bare, !stale);
    let loadgen = |label: &str| {
        let f = run_fixed(&rt, bare, &req, conns, n, limit, Pids::default());
        eprintln!(
            "  {label:<12} {:>8.0} rps  {:.3} s  p50 {:.3} ms  p99 {:.3} ms  errors {}  cpu: loadgen {:.2} bare {:.2} other {:.2}",
            f.rps(),
            f.secs,
            ms(f.p50_us),
            ms(f.p99_us),
            f.err,
            f.cpu.loadgen,
            f.cpu.bare,
            f.cpu.other
        );
        if let Some(e) = &f.first_error {
            eprintln!("    first error: {e}");
        }
        f
    };
    // A short warm-up of the server and the load generator, not counted.
    let _ = run_fixed(&rt, bare, &req, conns, n / 4, limit, Pids::default());
    let mut loads = vec![loadgen("loadgen #1")];
    let mut replays = Vec::new();
    for i in 0..rounds {
        let r = run_replay(&bin, store, &to, conns, limit);
        eprintln!(
            "  replay #{:<4} {:>8.0} rps  {:.3} s wall (steady {:.0} rps; start-up {:.3} s, tail {:.3} s)  \
             p50 {:.3} ms  p99 {:.3} ms  exit {:?}  cpu: replay {:.2} bare {:.2} other {:.2} [{}]",
            i + 1,
            r.wall_rps(),
            r.wall_secs,
            r.steady_rps(),
            r.startup_secs,
            r.tail_secs,
            r.summary_f64("p50_ms").unwrap_or(0.0),
            r.summary_f64("p99_ms").unwrap_or(0.0),
            r.exit,
            r.cores(),
            r.cpu.bare,
            r.other(),
            groups(&r.threads),
        );
        if !r.verified(n) {
            eprintln!(
                "    NOT verified: summary {:?}, {} replay lines ({} with 200), attempts {} -> {} ({} with 200), deliveries {}, other stdout {:?}, stderr {:?}",
                r.lines.summary.as_ref().map(Value::to_string),
                r.lines.replays,
                r.lines.replays_200,
                r.attempts_before,
                r.attempts_after,
                r.attempts_200_after,
                r.deliveries_after,
                r.lines.other,
                r.stderr_first,
            );
        }
        replays.push(r);
        loads.push(loadgen(&format!("loadgen #{}", i + 2)));
    }
    let (read_point_us, read_scan_us) = read_cost(&db);
    eprintln!(
        "  reads: {read_point_us:.1} us per delivery as replay reads it (point lookups), \
         {read_scan_us:.1} us in one scan"
    );
    let quick_check = {
        let conn =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open the store");
        conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| e.to_string())
    };

    // ------------------------------------------------------------ verdicts
    let load_rps = median(loads.iter().map(Fixed::rps).collect());
    let replay_rps = median(replays.iter().map(Replay::wall_rps).collect());
    let steady_rps = median(replays.iter().map(Replay::steady_rps).collect());
    let ratio = replay_rps / load_rps.max(1.0);
    let steady_ratio = steady_rps / load_rps.max(1.0);
    let loads_clean = loads.iter().all(|l| l.ok == n && l.err == 0);
    let all_verified = replays.iter().all(|r| r.verified(n)) && quick_check == "ok";
    let goal_met = ratio >= 0.3 && all_verified;

    // ------------------------------------------------------------ printing
    println!();
    println!(
        "{:<14} {:>7} {:>8} {:>8} {:>8} {:>8} {:>9} {:>6} {:>17}  cpu cores: bench/bare/replay/other",
        "run", "sent", "secs", "rps", "p50 ms", "p99 ms", "vs load", "errors", "recorded/sent",
    );
    let mut order: Vec<(&str, usize)> = Vec::new();
    for i in 0..rounds {
        order.push(("loadgen", i));
        order.push(("replay", i));
    }
    order.push(("loadgen", rounds));
    for (what, i) in order {
        if what == "loadgen" {
            let l = &loads[i];
            println!(
                "{:<14} {:>7} {:>8.3} {:>8.0} {:>8.3} {:>8.3} {:>8.1}% {:>6} {:>17}  {:.2}/{:.2}/-/{:.2}",
                format!("loadgen #{}", i + 1),
                l.ok,
                l.secs,
                l.rps(),
                ms(l.p50_us),
                ms(l.p99_us),
                l.rps() / load_rps.max(1.0) * 100.0,
                l.err,
                "-",
                l.cpu.loadgen,
                l.cpu.bare,
                l.cpu.other,
            );
        } else {
            let r = &replays[i];
            let errors =
                r.summary_u64("other_status") + r.summary_u64("errors") + r.summary_u64("skipped");
            println!(
                "{:<14} {:>7} {:>8.3} {:>8.0} {:>8.3} {:>8.3} {:>8.1}% {:>6} {:>17}  -/{:.2}/{:.2}/{:.2}",
                format!("replay #{}", i + 1),
                r.sent(),
                r.wall_secs,
                r.wall_rps(),
                r.summary_f64("p50_ms").unwrap_or(0.0),
                r.summary_f64("p99_ms").unwrap_or(0.0),
                r.wall_rps() / load_rps.max(1.0) * 100.0,
                errors,
                format!(
                    "{}/{}{}",
                    r.attempts_after - r.attempts_before,
                    r.sent(),
                    if r.verified(n) { "" } else { " NO" }
                ),
                r.cpu.bare,
                r.cores(),
                r.other(),
            );
            println!(
                "{:<14} {:>7} {:>8.3} {:>8.0}   (first to last replay line; start-up {:.3} s, tail {:.3} s)",
                "  steady",
                r.lines.replays.saturating_sub(1),
                r.wall_secs - r.startup_secs - r.tail_secs,
                r.steady_rps(),
                r.startup_secs,
                r.tail_secs,
            );
        }
    }
    println!();
    println!("CPU per request (us of one core):");
    for (i, l) in loads.iter().enumerate() {
        let per = |c: f64| c * 1e6 / l.rps().max(1.0);
        println!(
            "  loadgen #{}: load generator {:.1}, bare server {:.1}",
            i + 1,
            per(l.cpu.loadgen),
            per(l.cpu.bare)
        );
    }
    for (i, r) in replays.iter().enumerate() {
        // Over the whole run, start-up and the last commit included.
        let per = |c: f64| c * 1e6 / r.wall_rps().max(1.0);
        let split = r
            .threads
            .iter()
            .map(|(k, v)| format!("{k} {:.1}", per(*v)))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "  replay #{}: hookcli replay {:.1} [{split}], bare server {:.1}",
            i + 1,
            per(r.cores()),
            per(r.cpu.bare),
        );
    }
    println!();
    println!(
        "replay / load generator @{conns}: {:.1}% ({replay_rps:.0} / {load_rps:.0} rps, medians, wall clock); \
         steady {:.1}% ({steady_rps:.0} rps); goal >= 30% with every attempt recorded: {}",
        ratio * 100.0,
        steady_ratio * 100.0,
        if goal_met { "met" } else { "NOT met" }
    );
    println!(
        "every replay answered 200, printed and recorded as a replay attempt ({} rounds x {n}), \
         deliveries unchanged, quick_check {quick_check}: {}",
        rounds,
        if all_verified { "yes" } else { "NO" }
    );
    if !loads_clean {
        println!("warning: a load generator run had errors or fell short of {n} answers");
    }
    println!(
        "replay's reads of the store: {read_point_us:.1} us per delivery as it makes them (the delivery \
         by id through a statement compiled each time, then all its attempts), {read_scan_us:.1} us in \
         one scan of the selection (one thread, uncontended; replay makes the first under one mutex \
         shared by all its tasks)"
    );
    let stderr_total: u64 = replays.iter().map(|r| r.stderr_lines).sum();
    if stderr_total > 0 {
        println!(
            "note: replay wrote {stderr_total} lines on stderr, e.g. {:?}",
            replays.iter().flat_map(|r| r.stderr_first.iter()).next()
        );
    }
    let busiest_other = loads
        .iter()
        .map(|l| l.cpu.other)
        .chain(replays.iter().map(Replay::other))
        .fold(0.0, f64::max);
    if busiest_other > 0.25 {
        println!(
            "note: other processes used up to {busiest_other:.2} cores during these runs; \
             the machine was shared, so absolute numbers are low and ratios noisy (run again)"
        );
    }

    let report = json!({
        "binary": bin,
        "deliveries": n,
        "body_bytes": BODY_SIZE,
        "connections": conns,
        "loadgen_threads": threads,
        "cores": cores,
        "stale_signatures": stale,
        "store": {
            "listen_fill_seconds": round3(fill.secs),
            "listen_fill_rps": fill.rps().round(),
            "deliveries": recorded,
            "db_mib": round3(db_mib),
            "listen_exit": listen_exit,
        },
        "loadgen": loads.iter().map(|l| json!({
            "requests": l.requests,
            "ok": l.ok,
            "errors": l.err,
            "first_error": l.first_error,
            "seconds": round3(l.secs),
            "rps": l.rps().round(),
            "p50_ms": ms(l.p50_us),
            "p99_ms": ms(l.p99_us),
            "max_ms": ms(l.max_us),
            "cpu": l.cpu.json(),
        })).collect::<Vec<_>>(),
        "replay": replays.iter().map(|r| json!({
            "exit": r.exit,
            "timed_out": r.timed_out,
            "wall_seconds": round3(r.wall_secs),
            "wall_rps": r.wall_rps().round(),
            "steady_rps": r.steady_rps().round(),
            "startup_seconds": round3(r.startup_secs),
            "tail_seconds": round3(r.tail_secs),
            "summary": r.lines.summary,
            "replay_lines": r.lines.replays,
            "replay_lines_200": r.lines.replays_200,
            "stderr_lines": r.stderr_lines,
            "attempts_recorded": r.attempts_after - r.attempts_before,
            "attempts_replay_total": r.attempts_after,
            "attempts_replay_200_total": r.attempts_200_after,
            "deliveries_after": r.deliveries_after,
            "verified": r.verified(n),
            "child_cpu_seconds": r.child_cpu_secs.map(round3),
            "cpu": {
                "replay_cores": round3(r.cores()),
                "replay_threads_cores": r.threads.iter()
                    .map(|(k, v)| (k.clone(), json!(round3(*v))))
                    .collect::<serde_json::Map<_, _>>(),
                "bare_server_cores": round3(r.cpu.bare),
                "machine_busy_cores": round3(r.cpu.machine_busy),
                "other_processes_cores": round3(r.other()),
            },
        })).collect::<Vec<_>>(),
        "loadgen_rps_median": load_rps.round(),
        "replay_rps_median": replay_rps.round(),
        "replay_steady_rps_median": steady_rps.round(),
        "replay_over_loadgen": round3(ratio),
        "replay_steady_over_loadgen": round3(steady_ratio),
        "store_reads_us_per_delivery": {
            "point_lookups_as_replay": round3(read_point_us),
            "one_scan": round3(read_scan_us),
        },
        "quick_check": quick_check,
        "all_verified": all_verified,
        "goal": {
            "target": "replay --concurrency 32 rate (wall clock) >= 30% of the load generator's @32, every attempt recorded",
            "met": goal_met,
        },
    });
    let out = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("replay_load.json");
    match std::fs::write(&out, format!("{report:#}\n")) {
        Ok(()) => println!(
            "\nwritten to {} (in {:.0} s)",
            out.display(),
            started.elapsed().as_secs_f64()
        ),
        Err(e) => eprintln!("replay_load: cannot write {}: {e}", out.display()),
    }
}
