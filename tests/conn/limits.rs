//! The connection cap under a low descriptor limit, and the budget for
//! bodies in flight.

use std::io::Write;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::*;

#[test]
fn idle_sockets_past_a_low_descriptor_limit_do_not_block_a_delivery() {
    let store = tempfile::tempdir().unwrap();
    // The default header timeout (10 s): the idle sockets are not timed out
    // before the delivery comes; the cap must make room for it.
    let (listen, addr) = Server::listen(store.path(), &[], Some(256));
    let idle: Vec<_> = (0..300).map(|_| open_with(addr, b"")).collect();
    std::thread::sleep(Duration::from_millis(300));

    let started = Instant::now();
    let mut s = open_with(
        addr,
        format!("POST /real HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\n\r\n{{}}").as_bytes(),
    );
    let answer = read_answer(&mut s, Duration::from_secs(8));
    let took = started.elapsed();
    assert!(
        answer.as_ref().is_some_and(|a| a.status == 200),
        "a delivery behind 300 idle sockets got no 200 within {took:?} (ulimit -n 256)\n{}",
        listen.stderr()
    );
    assert!(
        took < Duration::from_secs(3),
        "answered only after {took:?}"
    );
    drop(idle);
    assert_eq!(list(store.path()).len(), 1);
}

/// A cap the descriptor limit cannot honour is served anyway, with the
/// command saying so once on stderr (the warning comes from `cmd`, not
/// from the connection code).
#[test]
fn a_max_connections_above_the_descriptor_limit_is_warned_about() {
    let store = tempfile::tempdir().unwrap();
    let (listen, _addr) = Server::listen(store.path(), &["--max-connections", "5000"], Some(256));
    // stderr is collected by a thread: give it a moment to catch up.
    let started = Instant::now();
    while !listen.stderr().contains("warning") && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let stderr = listen.stderr();
    assert_eq!(
        stderr
            .matches(
                "hookcli: warning: --max-connections 5000 is above what the descriptor limit allows"
            )
            .count(),
        1,
        "{stderr}"
    );
    let (quiet, _addr) = Server::listen(store.path(), &["--max-connections", "50"], Some(256));
    assert!(!quiet.stderr().contains("warning"), "{}", quiet.stderr());
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn bodies_past_the_budget_get_503_and_every_accepted_one_is_kept() {
    let store = tempfile::tempdir().unwrap();
    let (listen, addr) = Server::listen(
        store.path(),
        &["--max-body", "4MiB", "--body-budget", "8MiB"],
        None,
    );
    const LEN: usize = 3 << 20;
    let bodies: Vec<Vec<u8>> = (0..2u8).map(|i| vec![b'a' + i; LEN]).collect();
    // Two 3 MiB bodies in flight: a head and the first KiB each.
    let mut held: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let mut s = open_with(
                addr,
                format!("POST /held{i} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {LEN}\r\n\r\n")
                    .as_bytes(),
            );
            s.write_all(&body[..1024]).unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));

    // A third does not fit: 503 at once, its body not waited for.
    let started = Instant::now();
    let mut third = open_with(
        addr,
        format!("POST /third HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {LEN}\r\n\r\n").as_bytes(),
    );
    let answer = read_answer(&mut third, Duration::from_secs(5)).expect("an answer");
    assert_eq!(answer.status, 503, "{}", answer.head);
    assert!(answer.header("retry-after").is_some(), "{}", answer.head);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(closed_within(&mut third, Instant::now(), Duration::from_secs(2)).is_some());
    // A small one still fits.
    assert_eq!(post(addr, "/small", b"{}").status, 200);

    // The held ones finish and are kept whole.
    let mut ids = Vec::new();
    for (s, body) in held.iter_mut().zip(&bodies) {
        s.write_all(&body[1024..]).unwrap();
        let answer = read_answer(s, Duration::from_secs(30)).expect("an answer");
        assert_eq!(answer.status, 200, "{}", answer.head);
        ids.push(answer.header("x-hookcli-delivery").expect("an id"));
    }
    let listed = list(store.path());
    assert_eq!(listed.len(), 3, "{}", listen.stderr());
    assert!(listed.iter().all(|d| d["path"] != "/third"));
    for (id, body) in ids.iter().zip(&bodies) {
        let doc = show(store.path(), id);
        assert_eq!(doc["request"]["body_sha256"], sha256_hex(body));
    }
    assert!(
        listen.stderr().contains("--body-budget"),
        "{}",
        listen.stderr()
    );
}

#[test]
fn the_relay_answers_503_past_its_body_budget() {
    let (_relay, addr) = Server::relay(&["--max-body", "1MiB", "--body-budget", "1MiB"]);
    let mut held = open_with(
        addr,
        format!("POST /dev/a HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1048576\r\n\r\nxx")
            .as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let answer = post(addr, "/dev/b", b"{}");
    assert_eq!(answer.status, 503);
    assert!(
        String::from_utf8_lossy(&answer.body).contains("bodies in flight"),
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    held.write_all(&vec![b'x'; (1 << 20) - 2]).unwrap();
    // No client is attached: the usual 503, for the channel this time.
    let answer = read_answer(&mut held, Duration::from_secs(10)).expect("an answer");
    assert!(String::from_utf8_lossy(&answer.body).contains("no client"));
}

/// Peak resident memory of a process, from /proc (Linux).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[test]
#[cfg(target_os = "linux")]
fn eight_concurrent_20_mib_posts_keep_listen_s_memory_bounded() {
    let store = tempfile::tempdir().unwrap();
    let (listen, addr) = Server::listen(store.path(), &[], None);
    const LEN: usize = 20 << 20;
    let body = Arc::new(vec![b'z'; LEN]);
    let senders: Vec<_> = (0..8)
        .map(|i| {
            let body = body.clone();
            std::thread::spawn(move || {
                let mut s = open_with(
                    addr,
                    format!(
                        "POST /big{i} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {LEN}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                // A refused body is not read: the write may fail midway.
                let _ = s.write_all(&body);
                read_answer(&mut s, Duration::from_secs(60))
            })
        })
        .collect();
    let answers: Vec<_> = senders
        .into_iter()
        .map(|t| t.join().unwrap().expect("an answer"))
        .collect();
    let peak = peak_rss_kib(listen.pid()).expect("VmHWM");
    let accepted: Vec<String> = answers
        .iter()
        .filter(|a| a.status == 200)
        .map(|a| a.header("x-hookcli-delivery").expect("an id"))
        .collect();
    assert!(
        answers.iter().all(|a| a.status == 200 || a.status == 503),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert!(!accepted.is_empty());
    // 160 MiB of bodies arrived at once; at most 64 MiB of them were taken.
    assert!(
        peak < 200 * 1024,
        "listen peaked at {} MiB resident",
        peak / 1024
    );
    let listed = list(store.path());
    assert_eq!(listed.len(), accepted.len(), "every 200 is kept, no 503 is");
    for d in &listed {
        assert_eq!(d["body_size"], LEN);
    }
}

/// A client that pipelines small requests as fast as it can and never reads
/// an answer: each head listen read ahead kept a copy of the rest of its
/// read, so a 2 s flood grew listen past 500 MB.
#[test]
#[cfg(target_os = "linux")]
fn a_pipelined_flood_that_reads_no_answer_keeps_listen_s_memory_bounded() {
    let store = tempfile::tempdir().unwrap();
    let (listen, addr) = Server::listen(store.path(), &[], None);
    let one = format!(
        "POST /p HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100\r\n\r\n{}",
        "p".repeat(100)
    );
    let burst = one.repeat(500).into_bytes();
    let mut s = open_with(addr, b"");
    s.set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let until = Instant::now() + Duration::from_secs(2);
    let mut sent = 0usize;
    while Instant::now() < until {
        match s.write(&burst) {
            Ok(n) => sent += n,
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let peak = peak_rss_kib(listen.pid()).expect("VmHWM");
    drop(s);
    eprintln!(
        "{} requests sent, listen peaked at {} MiB",
        sent / one.len(),
        peak / 1024
    );
    assert!(sent > 2 << 20, "only {sent} bytes went out");
    assert!(
        peak < 100 * 1024,
        "listen peaked at {} MiB resident after {} pipelined requests",
        peak / 1024,
        sent / one.len()
    );
}
