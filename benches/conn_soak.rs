//! Soak of the connection limits (issue 14, fault 2), on loopback, bounded
//! in count and time. Runs the release binary (see `common::hookcli_bin`:
//! `cargo bench --bench conn_soak` builds it).
//!
//! 1. listen with 2,000 idle sockets open still answers a real delivery
//!    within 100 ms (median and worst of CONN_SOAK_DELIVERIES sequential
//!    deliveries, against the same with no idle socket); then the same with
//!    `--max-connections 500`, where each newcomer evicts an idle socket.
//! 2. `--header-timeout 1s` fires for idle, lone-`P`, half-head, h2-preface
//!    and preface+SETTINGS connections, CONN_SOAK_EACH of each kind at once,
//!    on listen and on the relay: time from connect to close, min/median/max.
//!
//! Knobs: CONN_SOAK_IDLE (2000), CONN_SOAK_DELIVERIES (50), CONN_SOAK_EACH
//! (200), HOOKCLI_BIN. Writes target/conn_soak.json too.

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{Proc, env_num, hookcli_bin};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The preface, then an empty SETTINGS frame.
const PREFACE_SETTINGS: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";

fn main() {
    let bin = hookcli_bin("conn_soak");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let idle = env_num("CONN_SOAK_IDLE", 2000) as usize;
    let deliveries = env_num("CONN_SOAK_DELIVERIES", 50) as usize;
    let each = env_num("CONN_SOAK_EACH", 200) as usize;
    let mut report = serde_json::Map::new();
    let mut ok = true;

    println!("1. a real delivery beside {idle} idle sockets ({deliveries} sequential deliveries)");
    for (label, extra) in [
        ("default cap", &[][..]),
        ("--max-connections 500", &["--max-connections", "500"][..]),
    ] {
        let store = tempfile::tempdir().expect("temp store");
        let listen = Proc::start(&bin, store.path(), extra);
        let addr = listen.addr;
        let (alone, beside) = rt.block_on(async {
            let alone = latencies(addr, deliveries).await;
            let sockets = open_idle(addr, idle).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let beside = latencies(addr, deliveries).await;
            drop(sockets);
            (alone, beside)
        });
        let (rss, peak) = listen.rss();
        let _ = listen.stop();
        let (a50, amax) = (median(&alone), max(&alone));
        let (b50, bmax) = (median(&beside), max(&beside));
        println!(
            "   {label:<22} alone p50 {a50:.2} ms max {amax:.2} ms | beside {idle} idle p50 {b50:.2} ms max {bmax:.2} ms (p50 ratio {:.2}); listen RSS {} MiB, peak {} MiB",
            b50 / a50,
            rss >> 20,
            peak >> 20
        );
        ok &= bmax < 100.0;
        report.insert(
            label.into(),
            json!({ "idle": idle, "alone_p50_ms": a50, "alone_max_ms": amax,
                    "beside_p50_ms": b50, "beside_max_ms": bmax, "rss_mib": rss >> 20 }),
        );
    }

    println!("2. --header-timeout 1s, {each} connections of each kind at once (connect to close)");
    let kinds: [(&str, &[u8]); 5] = [
        ("idle", b""),
        ("lone P", b"P"),
        ("half head", b"POST /x HTTP/1.1\r\nHost: a\r\nX-Half: "),
        ("h2 preface", PREFACE),
        ("h2 preface+SETTINGS", PREFACE_SETTINGS),
    ];
    let store = tempfile::tempdir().expect("temp store");
    let listen = Proc::start(&bin, store.path(), &["--header-timeout", "1s"]);
    let token = "conn-soak-token-0123456789abcdef";
    let relay = Proc::start_relay(&bin, "CONN_SOAK_TOKEN", token, &["--header-timeout", "1s"]);
    for (who, addr) in [("listen", listen.addr), ("relay", relay.addr)] {
        for (kind, bytes) in kinds {
            let times = rt.block_on(closes(addr, bytes, each));
            let open = times.iter().filter(|t| t.is_none()).count();
            let mut closed: Vec<f64> = times.into_iter().flatten().collect();
            closed.sort_by(f64::total_cmp);
            let (lo, mid, hi) = (
                closed.first().copied().unwrap_or(f64::NAN),
                median(&closed),
                max(&closed),
            );
            println!(
                "   {who:<6} {kind:<20} closed {}/{each}: min {lo:.0} ms, median {mid:.0} ms, max {hi:.0} ms",
                closed.len()
            );
            ok &= open == 0 && hi < 2500.0;
            report.insert(
                format!("{who} {kind}"),
                json!({ "count": each, "still_open": open, "min_ms": lo, "median_ms": mid, "max_ms": hi }),
            );
        }
    }
    drop(relay);
    let _ = listen.stop();

    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/conn_soak.json");
    let _ = std::fs::write(
        &out,
        serde_json::to_vec_pretty(&Value::Object(report)).unwrap(),
    );
    if !ok {
        eprintln!("conn_soak: a bound did not hold (see above)");
        std::process::exit(1);
    }
}

/// `n` sequential deliveries, each on a fresh connection: milliseconds each.
async fn latencies(addr: SocketAddr, n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let body = format!("{{\"seq\":{i}}}");
        let req = format!(
            "POST /soak HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let started = Instant::now();
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer)).await;
        assert!(
            answer.starts_with(b"HTTP/1.1 200"),
            "delivery {i}: {:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(80)])
        );
        out.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    out
}

async fn open_idle(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(TcpStream::connect(addr).await.expect("connect"));
    }
    v
}

/// `n` connections sending `bytes`, at once: how long each stayed open (ms)
/// from its connect,
/// `None` if still open after 5 s.
async fn closes(addr: SocketAddr, bytes: &'static [u8], n: usize) -> Vec<Option<f64>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.ok()?;
                // From the connection, not the connect: a SYN retried under
                // 1,000 simultaneous connects is not the server's timer.
                let started = Instant::now();
                if !bytes.is_empty() {
                    s.write_all(bytes).await.ok()?;
                }
                let mut sink = [0u8; 1024];
                let read_to_end = async {
                    loop {
                        match s.read(&mut sink).await {
                            Ok(0) | Err(_) => break,
                            Ok(_) => {}
                        }
                    }
                };
                tokio::time::timeout(Duration::from_secs(5), read_to_end)
                    .await
                    .ok()?;
                Some(started.elapsed().as_secs_f64() * 1000.0)
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.ok().flatten());
    }
    out
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::max)
}
