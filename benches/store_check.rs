//! What the integrity check costs a writer's start (issue 14, fault 5):
//! `listen`, `relay --buffer`, `inspect` and `replay` run `PRAGMA
//! quick_check` on the store before they write to it (and listen before it
//! binds its port). This builds a store of N deliveries the way listen
//! writes them (3 KiB JSON bodies, a dozen headers, group commits through
//! the real `Writer`), then times, median of ROUNDS with a warm page cache:
//!
//! - `list`'s read: open read-only and read the newest 20 rows;
//! - a writer's open without the check (`open_write`);
//! - the same with the check (`open_write` + `check_integrity`), whole,
//!   and cut short by a 100 ms budget (the real one is `CHECK_BUDGET`);
//! - the whole `Writer::start` and stop.
//!
//! Knobs (environment): STORE_CHECK_N (deliveries, 100000),
//! STORE_CHECK_ROUNDS (5). Prints a table and writes
//! target/store_check.json. Run: `cargo bench --bench store_check`.

use std::time::{Duration, Instant};

use hookcli::provider::Headers;
use hookcli::store::{Delivery, Filter, Store, VerdictRecord, Writer, new_id, now_ms, query};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn body(i: usize) -> Vec<u8> {
    let pad = "x".repeat(3072 - 120);
    format!(r#"{{"id":"evt_{i:08}","type":"invoice.paid","data":{{"object":{{"pad":"{pad}"}}}}}}"#)
        .into_bytes()
}

fn delivery(i: usize) -> Delivery {
    let body = body(i);
    let headers: Headers = [
        ("Host", "127.0.0.1:8787".to_string()),
        (
            "User-Agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)".into(),
        ),
        ("Content-Type", "application/json; charset=utf-8".into()),
        ("Content-Length", body.len().to_string()),
        ("Accept", "*/*; q=0.5, application/xml".into()),
        ("Cache-Control", "no-cache".into()),
        ("Stripe-Signature", format!("t=1700000000,v1={:064x}", i)),
        ("X-Request-Id", format!("req_{i:016}")),
        ("Traceparent", format!("00-{i:032x}-{i:016x}-01")),
        ("Accept-Encoding", "gzip".into()),
    ]
    .into_iter()
    .collect();
    Delivery {
        id: new_id(),
        received_at: now_ms(),
        peer: Some("127.0.0.1:50000".into()),
        method: "POST".into(),
        target: "/webhooks".into(),
        http_version: "HTTP/1.1".into(),
        headers,
        body_sha256: hookcli::provider::crypto::sha256_hex(&body),
        body: body.into(),
        provider: Some("stripe".into()),
        event_type: Some("invoice.paid".into()),
        event_id: Some(format!("evt_{i:08}")),
        verdict: VerdictRecord::unknown(),
        source: "direct".into(),
        public_url: None,
        rejected: None,
    }
}

fn fill(store: &Store, n: usize) {
    let (writer, thread) = Writer::start(store).expect("start the writer");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut tasks = Vec::new();
        let per = n.div_ceil(64);
        for t in 0..64 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                for i in t * per..((t + 1) * per).min(n) {
                    writer.delivery(delivery(i)).await.expect("recorded");
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
    });
    drop(writer);
    thread.join();
}

fn median(rounds: u64, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn main() {
    let n = env_num("STORE_CHECK_N", 100_000) as usize;
    let rounds = env_num("STORE_CHECK_ROUNDS", 5).max(1);
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = Store::at(dir.path());
    let start = Instant::now();
    fill(&store, n);
    let size = std::fs::metadata(&store.path).map_or(0, |m| m.len());
    eprintln!(
        "store_check: {n} deliveries, {:.1} MiB, written in {:.1} s",
        size as f64 / 1048576.0,
        start.elapsed().as_secs_f64()
    );

    let list = median(rounds, || {
        let conn = store.open_read().expect("open_read");
        let rows = query::list(
            &conn,
            &Filter {
                limit: Some(20),
                ..Default::default()
            },
        )
        .expect("list");
        assert_eq!(rows.len(), 20.min(n));
    });
    let open = median(rounds, || drop(store.open_write().expect("open_write")));
    let checked = median(rounds, || {
        let conn = store.open_write().expect("open_write");
        store.check_integrity(&conn).expect("a sound store");
    });
    let budget = Duration::from_millis(100);
    let bounded = median(rounds, || {
        let conn = store.open_write().expect("open_write");
        store
            .check_integrity_within(&conn, budget)
            .expect("a sound store");
    });
    let writer = median(rounds, || {
        let (w, t) = Writer::start(&store).expect("Writer::start");
        drop(w);
        t.join();
    });
    let check = checked.saturating_sub(open);
    let mib = size as f64 / 1048576.0;
    println!("store_check: {n} deliveries, {mib:.1} MiB, median of {rounds}, warm cache");
    println!("  list's read (newest 20)        {:>9.3} ms", ms(list));
    println!("  open_write                     {:>9.3} ms", ms(open));
    println!("  open_write + quick_check       {:>9.3} ms", ms(checked));
    println!("  open_write + check, 100 ms cap {:>9.3} ms", ms(bounded));
    println!("  Writer::start + stop           {:>9.3} ms", ms(writer));
    println!(
        "  quick_check alone              {:>9.3} ms ({:.0} MiB/s)",
        ms(check),
        mib / check.as_secs_f64().max(1e-9)
    );
    let doc = serde_json::json!({
        "deliveries": n,
        "file_bytes": size,
        "rounds": rounds,
        "list_read_ms": ms(list),
        "open_write_ms": ms(open),
        "open_write_checked_ms": ms(checked),
        "writer_start_stop_ms": ms(writer),
        "open_write_checked_100ms_budget_ms": ms(bounded),
        "quick_check_ms": ms(check),
    });
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/store_check.json");
    let _ = std::fs::write(&out, format!("{doc:#}\n"));
}
