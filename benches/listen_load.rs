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

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use serde_json::json;

use common::{
    BODY_SIZE, Listen, Load, MIB, count_rows, env_num, hookcli_bin, ms, round3, run_load,
    start_bare,
};

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

fn main() {
    let secs = env_num("LISTEN_LOAD_SECS", 5);
    let warm = env_num("LISTEN_LOAD_WARMUP", 1);
    let rows_wanted = env_num("LISTEN_LOAD_ROWS", 100_000) as usize;
    let threads = env_num("LISTEN_LOAD_THREADS", 2) as usize;
    let dur = Duration::from_secs(secs);
    let warmup = Duration::from_secs(warm);
    let bin = hookcli_bin("listen_load");
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
            ">= 30% (issue 15), all committed".into(),
            sink_ratio >= 0.3 && all_committed,
        ),
        (
            "forward rps / bare rps @64".into(),
            format!(
                "{:.1}% ({:.0} / {:.0})",
                fwd_ratio * 100.0,
                fwd64.load.rps,
                bare64.load.rps
            ),
            ">= 20% (issue 15)".into(),
            fwd_ratio >= 0.2 && fwd64.load.err_total == 0,
        ),
        (
            "p99 added by listen @16".into(),
            format!(
                "{added_p99_ms:.3} ms ({:.3} - {:.3}); p50 +{added_p50_ms:.3} ms",
                ms(sink16.load.p99_us),
                ms(bare16.load.p99_us)
            ),
            "<= 2 ms".into(),
            added_p99_ms <= 2.0,
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
