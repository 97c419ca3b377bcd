//! Issue 18 §1: relay instances sharing their buffer and tokens in a real
//! PostgreSQL (started by the test, see common::postgres): the buffer
//! survives a SIGKILLed instance and drains, in order, on another; tokens
//! are scoped and revoked across instances; a database that goes away gets
//! senders 503 with Retry-After, never 2xx, until it is back; and a wrong
//! URL, refused credentials or no server at all are one line each, without
//! the password.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::team::dev_client;
use super::{
    App, AppRequest, Relay, attached, header, http, post, post_at_once, raw, runtime, seq_body,
};
use crate::common::postgres::{PASSWORD, Postgres};
use crate::common::{hookcli, request_head, run};

/// `RELAY_ARGS --database-url URL --buffer`.
fn instance(url: &str) -> Relay {
    Relay::start(&["--database-url", url, "--buffer"])
}

/// `GET /metrics` from an instance started with `--metrics-bind 127.0.0.1:0`.
fn scrape(relay: &Relay) -> String {
    let addr = relay.metrics_addr();
    let head = request_head("GET", "/metrics", &[header("Host", addr.to_string())]);
    let resp = raw(addr, &head, b"");
    assert_eq!(resp.status, 200);
    String::from_utf8(resp.body).expect("UTF-8 metrics")
}

/// Posts `n` deliveries (`hook/<i>`, seq `i`) one after another; their answers.
fn post_all(relay: &Relay, channel: &str, range: std::ops::Range<usize>) -> Vec<super::Answer> {
    runtime().block_on(async {
        let client = http();
        let mut out = Vec::new();
        for i in range {
            out.push(
                post(
                    &client,
                    &relay.at(channel, &format!("hook/{i}")),
                    seq_body(i),
                )
                .await,
            );
        }
        out
    })
}

#[test]
fn relay_on_postgres_keeps_the_buffer_of_a_sigkilled_instance_for_another_in_order() {
    let Some(pg) = Postgres::shared() else { return };
    let url = pg.database();
    let app = App::start("main");
    let mut a = instance(&url);
    let b = Relay::start(&[
        "--database-url",
        &url,
        "--buffer",
        "--metrics-bind",
        "127.0.0.1:0",
    ]);
    for (i, answer) in post_all(&a, "dev", 0..200).iter().enumerate() {
        assert_eq!(answer.status, 202, "delivery {i}: {}", answer.text());
        let doc: Value = serde_json::from_slice(&answer.body).expect("JSON");
        assert_eq!(doc["buffered"], true);
    }
    assert_eq!(
        pg.psql(&db_name(&url), "SELECT count(*) FROM relay_buffer")
            .trim(),
        "200"
    );
    // B counts what A buffered: the depth is read from the database.
    let page = scrape(&b);
    assert!(
        page.contains("hookcli_relay_buffered_deliveries{channel=\"dev\"} 200\n"),
        "{page}"
    );
    assert!(page.contains("hookcli_relay_database_up 1\n"), "{page}");
    let rtt: f64 = page
        .lines()
        .find_map(|l| l.strip_prefix("hookcli_relay_database_rtt_seconds "))
        .and_then(|v| v.parse().ok())
        .expect("a round-trip sample");
    assert!(rtt > 0.0 && rtt < 1.0, "{rtt}");
    a.proc.kill();

    let store = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let listen = attached(store.path(), &b.url, "dev", &["--forward-to", &app.url()]);
    assert!(
        app.wait_count(200, Duration::from_secs(60)),
        "{} of 200 reached the app\n{}\n--- relay B ---\n{}",
        app.count(),
        listen.dump(),
        b.stderr()
    );
    eprintln!("postgres buffer: 200 drained in {:?}", started.elapsed());
    std::thread::sleep(Duration::from_millis(300));
    let seqs: Vec<u64> = app.requests().iter().map(AppRequest::seq).collect();
    assert_eq!(seqs, (0..200).collect::<Vec<u64>>(), "in order, each once");
    assert_eq!(
        pg.psql(&db_name(&url), "SELECT count(*) FROM relay_buffer")
            .trim(),
        "0"
    );
    // Drained, the channel answers live again: the app's own answer.
    let live = post_all(&b, "dev", 200..201);
    assert_eq!(live[0].status, 201, "{}", live[0].text());
}

#[test]
fn relay_on_postgres_wakes_the_instance_holding_the_client_for_a_delivery_buffered_elsewhere() {
    let Some(pg) = Postgres::shared() else { return };
    let url = pg.database();
    let app = App::start("main");
    let a = instance(&url);
    let b = instance(&url);
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(store.path(), &b.url, "dev", &["--forward-to", &app.url()]);
    assert!(b.wait_channels(1, Duration::from_secs(5)));
    let answers = post_all(&a, "dev", 0..20);
    assert!(answers.iter().all(|x| x.status == 202 || x.status == 201));
    assert!(
        app.wait_count(20, Duration::from_secs(20)),
        "{} of 20 reached the app\n--- relay B ---\n{}",
        app.count(),
        b.stderr()
    );
    let seqs: Vec<u64> = app.requests().iter().map(AppRequest::seq).collect();
    assert_eq!(seqs, (0..20).collect::<Vec<u64>>());
}

#[test]
fn relay_on_postgres_answers_503_while_the_database_is_down_and_recovers_by_itself() {
    let Some(pg) = Postgres::start() else { return };
    let url = pg.database();
    let relay = instance(&url);
    assert_eq!(post_all(&relay, "dev", 0..1)[0].status, 202);
    pg.stop();
    let down = post_all(&relay, "dev", 1..3);
    for d in &down {
        assert_eq!(d.status, 503, "{}", d.text());
        let retry = d.header("retry-after").expect("Retry-After");
        assert!(
            retry.trim().parse::<u64>().is_ok_and(|s| s > 0),
            "{retry:?}"
        );
    }
    assert!(!relay.stderr().contains(PASSWORD), "{}", relay.stderr());
    pg.start_again();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        let s = post_all(&relay, "dev", 3..4)[0].status;
        if s == 202 || Instant::now() > deadline {
            break s;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(status, 202, "{}", relay.stderr());
    // What was kept before the outage is still there, and reaches a client.
    let app = App::start("main");
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "dev",
        &["--forward-to", &app.url()],
    );
    assert!(
        app.wait_count(2, Duration::from_secs(20)),
        "{}",
        relay.stderr()
    );
    let seqs: Vec<u64> = app.requests().iter().map(AppRequest::seq).collect();
    assert_eq!(seqs[0], 0);
    assert!(!relay.stderr().contains(PASSWORD));
}

#[test]
fn relay_database_url_faults_are_one_line_without_the_password() {
    let secret = "hunter2-do-not-print";
    // Not a postgres:// URL.
    run(hookcli().args([
        "relay",
        "--database-url",
        &format!("mysql://u:{secret}@h/d"),
    ]))
    .assert_error(3, &["--database-url", "postgres://"])
    .assert_hides(secret);
    // Nobody listening.
    let closed = super::closed_port();
    run(hookcli().args([
        "relay",
        "--database-url",
        &format!("postgres://u:{secret}@127.0.0.1:{closed}/d"),
    ]))
    .assert_error(
        3,
        &["cannot reach the database", "postgres://u:***@127.0.0.1"],
    )
    .assert_hides(secret);
    // `--buffer` takes a folder only without a database.
    run(hookcli().args(["relay", "--token", "x".repeat(20).as_str(), "--buffer"]))
        .assert_error(2, &["--buffer needs a folder", "--database-url"]);
    run(hookcli().args([
        "relay",
        "--buffer",
        "/tmp/x",
        "--database-url",
        &format!("postgres://u:{secret}@127.0.0.1:{closed}/d"),
    ]))
    .assert_error(2, &["--buffer takes no folder"])
    .assert_hides(secret);
    // Refused credentials, from a real server.
    let Some(pg) = Postgres::shared() else { return };
    let wrong = format!(
        "postgres://postgres:{secret}@127.0.0.1:{}/postgres",
        pg.port
    );
    run(hookcli().args(["relay", "--database-url", &wrong]))
        .assert_error(3, &["refused the credentials", "postgres://postgres:***@"])
        .assert_hides(secret);
    run(hookcli().args(["relay", "token", "list", "--database-url", &wrong]))
        .assert_error(3, &["refused the credentials"])
        .assert_hides(secret);
}

/// Two instances without a buffer on a fresh database, the client
/// (forwarding to `app`) attached to B and its lease taken: every delivery
/// posted to A is routed, and answered by the app or fails loudly.
pub(super) struct Routed {
    pub(super) url: String,
    pub(super) app: App,
    pub(super) a: Relay,
    pub(super) b: Relay,
    _listen: super::Proc,
    _store: tempfile::TempDir,
}

pub(super) fn routed(pg: &Postgres) -> Routed {
    routed_with(pg, &[], &[])
}

/// [`routed`], both instances started with `relay_args` too and the client
/// with `listen_args`.
fn routed_with(pg: &Postgres, relay_args: &[&str], listen_args: &[&str]) -> Routed {
    let url = pg.database();
    let app = App::start("main");
    let args = [&["--database-url", url.as_str()], relay_args].concat();
    let a = Relay::start(&args);
    let b = Relay::start(&args);
    let store = tempfile::tempdir().unwrap();
    let app_url = app.url();
    let forward = [&["--forward-to", app_url.as_str()], listen_args].concat();
    let listen = attached(store.path(), &b.url, "dev", &forward);
    assert!(b.wait_channels(1, Duration::from_secs(5)));
    assert!(
        a.wait_channels(0, Duration::from_secs(1)),
        "the client is on B only"
    );
    wait_lease(pg, &url, "dev");
    Routed {
        url,
        app,
        a,
        b,
        _listen: listen,
        _store: store,
    }
}

/// A body that is not UTF-8, numbered.
fn binary_body(i: usize) -> Vec<u8> {
    let mut body = format!("{i:04}:").into_bytes();
    body.extend_from_slice(&[0xff, 0x00, 0xfe, b'\r', b'\n', 0x80, (i % 256) as u8]);
    body
}

#[test]
fn relay_on_postgres_routes_deliveries_to_the_instance_holding_the_client_byte_exact() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { url, app, a, b, .. } = &routed(pg);

    let started = Instant::now();
    let answers = runtime().block_on(async {
        let client = http();
        let mut tasks = Vec::new();
        let mut answers = Vec::new();
        for i in 0..200 {
            let (client, target) = (client.clone(), a.at("dev", &format!("hook/{i}")));
            tasks.push(tokio::spawn(async move {
                let resp = client
                    .post(&target)
                    .header("content-type", "application/octet-stream")
                    .header("x-repeated", "one")
                    .header("x-repeated", "two")
                    .body(binary_body(i))
                    .send()
                    .await
                    .expect("POST");
                let got = super::answer(resp, std::time::Instant::now()).await;
                (got.status, got.headers, got.body)
            }));
            if tasks.len() % 16 == 0 {
                // 16 senders at a time.
                for t in tasks.drain(..) {
                    answers.push(t.await.unwrap());
                }
            }
        }
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        answers
    });
    eprintln!("routed across instances: 200 in {:?}", started.elapsed());
    for (status, headers, body) in &answers {
        if *status != 201 {
            panic!(
                "{status} {}\n--- relay A ---\n{}--- relay B ---\n{}",
                String::from_utf8_lossy(body),
                a.stderr(),
                b.stderr()
            );
        }
        super::assert_app_answer(*status, headers, body, "main");
    }
    let got = app.requests();
    assert_eq!(got.len(), 200, "each once");
    let mut seen: Vec<Vec<u8>> = got.iter().map(|r| r.body.clone()).collect();
    seen.sort();
    let mut sent: Vec<Vec<u8>> = (0..200).map(binary_body).collect();
    sent.sort();
    assert_eq!(seen, sent, "bodies byte for byte");
    for r in &got {
        assert_eq!(r.values("x-repeated"), [b"one".to_vec(), b"two".to_vec()]);
    }
    assert_eq!(
        pg.psql(&db_name(url), "SELECT count(*) FROM relay_routed")
            .trim(),
        "0"
    );
}

/// Every byte value, `n` bytes of it.
fn all_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 256) as u8).collect()
}

/// Deliveries and answers ride in a NOTIFY payload when they fit (under
/// 7,000 bytes encoded) and in a `relay_routed` row when they do not: a
/// delivery just under, one far over PostgreSQL's 8,000-byte limit, and a
/// small one whose answer is 2 MiB all arrive byte for byte.
#[test]
fn relay_on_postgres_routes_deliveries_and_answers_too_big_for_a_notify_payload_through_a_row() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { url, app, a, b, .. } = &routed(pg);
    let sizes = [4_000, 64 << 10];
    let (answers, big) = runtime().block_on(async {
        let client = http();
        let mut out = Vec::new();
        for (i, n) in sizes.iter().enumerate() {
            let resp = client
                .post(a.at("dev", &format!("hook/{i}")))
                .header("x-repeated", "one")
                .header("x-repeated", "two")
                .body(all_bytes(*n))
                .send()
                .await
                .expect("POST");
            let got = super::answer(resp, std::time::Instant::now()).await;
            out.push((got.status, got.headers, got.body));
        }
        let big = post(&client, &a.at("dev", "big-answer"), seq_body(9)).await;
        (out, big)
    });
    for (status, headers, body) in &answers {
        super::assert_app_answer(*status, headers, body, "main");
    }
    assert_eq!(big.status, 201, "{}", b.stderr());
    assert_eq!(big.body, vec![b'z'; super::BIG_ANSWER], "the 2 MiB answer");
    let got = app.requests();
    let routed: Vec<&AppRequest> = got.iter().filter(|r| r.target.contains("hook/")).collect();
    assert_eq!(routed.len(), sizes.len(), "each once");
    for (r, n) in routed.iter().zip(sizes) {
        assert_eq!(r.body, all_bytes(n), "{n} bytes byte for byte");
        assert_eq!(r.values("x-repeated"), [b"one".to_vec(), b"two".to_vec()]);
    }
    assert_eq!(
        pg.psql(&db_name(url), "SELECT count(*) FROM relay_routed")
            .trim(),
        "0"
    );
}

/// A body of `n` bytes that no other delivery of the test has.
fn numbered_bytes(i: usize, n: usize) -> Vec<u8> {
    let mut body = format!("{i:04}:").into_bytes();
    body.extend((0..n).map(|k| ((k * 7 + i * 13) % 256) as u8));
    body
}

/// Routed deliveries' notifications go out in batches (many per
/// transaction, deliveries one way and answers the other): 96 sent at once,
/// of sizes both sides of the payload limit, each get their own answer back
/// (the app echoes each body and path), byte for byte.
#[test]
fn relay_on_postgres_gives_each_of_many_concurrent_routed_deliveries_its_own_answer_byte_exact() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { url, app, a, b, .. } = &routed(pg);
    let bodies: Vec<Vec<u8>> = (0..96).map(|i| numbered_bytes(i, i * 61 % 6_000)).collect();
    let answers = runtime().block_on(async {
        let client = http();
        let tasks: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let (client, body) = (client.clone(), body.clone());
                let target = a.at("dev", &format!("echo/{i}"));
                tokio::spawn(async move { post(&client, &target, body).await })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        answers
    });
    for (i, (answer, body)) in answers.iter().zip(&bodies).enumerate() {
        assert_eq!(answer.status, 201, "{i}: {}\n{}", answer.text(), b.stderr());
        let target: Vec<&[u8]> = answer
            .headers
            .iter()
            .filter(|(n, _)| n == "x-app-target")
            .map(|(_, v)| v.as_slice())
            .collect();
        assert_eq!(
            target,
            [format!("/echo/{i}").as_bytes()],
            "{i}: its own answer"
        );
        assert_eq!(&answer.body, body, "{i}: its own body back, byte for byte");
    }
    assert_eq!(app.count(), bodies.len(), "each once");
    assert_eq!(
        pg.psql(&db_name(url), "SELECT count(*) FROM relay_routed")
            .trim(),
        "0"
    );
}

/// The last statement of a connection that sends the routing notifications.
const SENDING: &str = "SELECT pg_notify(t, p)%";
/// The last statement of a listening connection that has sent nothing.
const LISTENING: &str = "LISTEN %";

/// The process ids of the relays' connections to `url`'s database whose
/// last statement is like `pattern`.
fn relay_backends(pg: &Postgres, url: &str, pattern: &str) -> Vec<String> {
    pg.psql(
        &db_name(url),
        &format!(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name LIKE 'hookcli relay %' AND query LIKE '{pattern}'"
        ),
    )
    .split_whitespace()
    .map(str::to_string)
    .collect()
}

/// Routing notifications go out on each instance's listening connection
/// (src/relay/pg/notify.rs): PostgreSQL wakes every listener at a commit
/// but the committing one, so a delivery no longer wakes its sender's own
/// listener. One connection per instance sent them all, and no listening
/// connection was left with its `LISTEN` as its last statement.
#[test]
fn relay_on_postgres_sends_routing_notifications_on_each_instances_listening_connection() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { url, a, b, .. } = &routed(pg);
    let answers = post_at_once(a, "dev", 0..48);
    for answer in &answers {
        assert_eq!(answer.status, 201, "{}\n{}", answer.text(), b.stderr());
    }
    assert_eq!(
        relay_backends(pg, url, SENDING).len(),
        2,
        "A's deliveries and B's answers, each on one connection"
    );
    assert_eq!(
        relay_backends(pg, url, LISTENING).len(),
        0,
        "the senders listen"
    );
}

/// After the database restarts, routing works again by itself: each
/// instance listens again and sends its notifications on its new listening
/// connection, none left on the one that closed.
#[test]
fn relay_on_postgres_routes_again_on_new_connections_after_the_database_restarts() {
    let Some(pg) = Postgres::start() else { return };
    let Routed { url, a, b, .. } = &routed(&pg);
    let route = |range: std::ops::Range<usize>| post_all(a, "dev", range);
    assert!(route(0..2).iter().all(|r| r.status == 201));
    pg.stop();
    for r in route(2..4) {
        assert!(r.status >= 500, "{} {}", r.status, r.text());
    }
    pg.start_again();
    let deadline = Instant::now() + Duration::from_secs(30);
    while route(4..5)[0].status != 201 {
        assert!(Instant::now() < deadline, "{}\n{}", a.stderr(), b.stderr());
        std::thread::sleep(Duration::from_millis(200));
    }
    // Both directions again, several at once.
    let answers = post_at_once(a, "dev", 10..42);
    assert!(answers.iter().all(|r| r.status == 201), "{}", b.stderr());
    // The connections opened while the instances did not listen are closed
    // once they do: only the two listening ones sent the burst.
    let deadline = Instant::now() + Duration::from_secs(5);
    let sending = || relay_backends(&pg, url, SENDING).len();
    while sending() != 2 {
        assert!(Instant::now() < deadline, "{} sending", sending());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        relay_backends(&pg, url, LISTENING).len(),
        0,
        "the new listening connections send"
    );
}

/// Resumes stopped processes however the test ends.
struct Stopped(Vec<String>);

impl Drop for Stopped {
    fn drop(&mut self) {
        for pid in &self.0 {
            let _ = std::process::Command::new("kill")
                .args(["-CONT", pid])
                .status();
        }
    }
}

/// A connection that stops answering (as one gone half-open does) holds a
/// routed delivery 5 s at most: the sender gets 503 with Retry-After, not a
/// wait until TCP gives up; and routing carries on once it answers again.
#[test]
fn relay_on_postgres_answers_503_when_its_notifications_stall_and_carries_on() {
    let Some(pg) = Postgres::start() else { return };
    let Routed { url, a, b, .. } = &routed(&pg);
    let route = |range: std::ops::Range<usize>| post_all(a, "dev", range);
    assert!(route(0..2).iter().all(|r| r.status == 201));
    // The two connections the instances send on (and listen on).
    let pids = relay_backends(&pg, url, SENDING);
    assert_eq!(pids.len(), 2, "{pids:?}");
    let stopped = Stopped(pids);
    for pid in &stopped.0 {
        assert!(
            std::process::Command::new("kill")
                .args(["-STOP", pid])
                .status()
                .unwrap()
                .success()
        );
    }
    let started = Instant::now();
    let stalled = &route(2..3)[0];
    let took = started.elapsed();
    assert_eq!(stalled.status, 503, "{}", stalled.text());
    assert!(stalled.header("retry-after").is_some());
    assert!(took < Duration::from_secs(9), "{took:?}");
    drop(stopped);
    let deadline = Instant::now() + Duration::from_secs(30);
    while route(3..4)[0].status != 201 {
        assert!(Instant::now() < deadline, "{}\n{}", a.stderr(), b.stderr());
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Mostly printable bodies ride in the payload as text, any other byte
/// escaped (src/relay/pg/text.rs): the escape character itself, text that
/// looks like an escape, odd whitespace, NUL, and bytes that are not UTF-8
/// arrive byte for byte and come back so in the app's echo.
#[test]
fn relay_on_postgres_routes_text_bodies_with_odd_bytes_byte_exact_both_ways() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { app, a, b, .. } = &routed(pg);
    let mut json = br#"{"note":"~ ~7e ~~ tab\there","pad":""#.to_vec();
    json.extend(std::iter::repeat_n(b'x', 3_000));
    json.extend_from_slice(b"\"}  \r\n\r\n");
    let bodies: Vec<Vec<u8>> = vec![
        json,
        b"tab\tvt\x0bff\x0c cr\r lf\n nul\x00 trailing   ".to_vec(),
        b"caf\xc3\xa9, latin-1 caf\xe9, lone \xff\xfe\x80 ~".to_vec(),
        b"~".to_vec(),
    ];
    let answers = runtime().block_on(async {
        let client = http();
        let mut answers = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            answers.push(post(&client, &a.at("dev", &format!("echo/{i}")), body.clone()).await);
        }
        answers
    });
    for (i, (answer, body)) in answers.iter().zip(&bodies).enumerate() {
        assert_eq!(answer.status, 201, "{i}: {}\n{}", answer.text(), b.stderr());
        assert_eq!(&answer.body, body, "{i}: the echo byte for byte");
    }
    let got: Vec<Vec<u8>> = app.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(got, bodies, "each once, in order, byte for byte");
}

/// A routed delivery whose client does not answer within the relays'
/// --timeout gets 504 from the instance it was sent to, as on one relay;
/// the route carries on meanwhile.
#[test]
fn relay_on_postgres_routed_delivery_the_client_answers_too_late_is_504() {
    let Some(pg) = Postgres::shared() else { return };
    let Routed { app, a, b, .. } =
        &routed_with(pg, &["--timeout", "1s"], &["--forward-timeout", "10s"]);
    let rt = runtime();
    let late = rt.block_on(post(&http(), &a.at("dev", "slow"), seq_body(0)));
    assert_eq!(late.status, 504, "{}\n{}", late.text(), b.stderr());
    assert!(
        late.elapsed >= Duration::from_millis(900) && late.elapsed < Duration::from_millis(2500),
        "504 after --timeout 1s: {:?}",
        late.elapsed
    );
    assert_eq!(app.count(), 1, "the slow delivery reached the app");
    // While the app still works on it, the next one is routed and answered.
    let next = rt.block_on(post(&http(), &a.at("dev", "fast"), seq_body(1)));
    super::assert_app_answer(next.status, &next.headers, &next.body, "main");
}

#[test]
fn relay_on_postgres_answers_502_when_the_instance_holding_the_client_dies_mid_delivery() {
    let Some(pg) = Postgres::shared() else { return };
    let url = pg.database();
    let app = App::start("main");
    let a = instance(&url);
    let mut b = instance(&url);
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(store.path(), &b.url, "dev", &["--forward-to", &app.url()]);
    assert!(b.wait_channels(1, Duration::from_secs(5)));
    wait_lease(pg, &url, "dev");
    // Once B's look at the (empty) backlog is over, deliveries go live.
    let deadline = Instant::now() + Duration::from_secs(10);
    while post_all(&a, "dev", 0..1)[0].status != 201 {
        assert!(Instant::now() < deadline, "{}", b.stderr());
    }
    let before = app.count();
    let target = a.at("dev", "slow/1");
    let in_flight =
        std::thread::spawn(move || runtime().block_on(post(&http(), &target, seq_body(1))));
    assert!(
        app.wait_count(before + 1, Duration::from_secs(10)),
        "the delivery reached the app"
    );
    let killed = Instant::now();
    b.proc.kill();
    let answer = in_flight.join().unwrap();
    assert_eq!(answer.status, 502, "{}", answer.text());
    assert!(
        killed.elapsed() < Duration::from_secs(3),
        "502 after {:?}",
        killed.elapsed()
    );
    // The dead instance's lease is gone: the next delivery is kept, not lost.
    let next = post_all(&a, "dev", 2..3);
    assert_eq!(next[0].status, 202, "{}", next[0].text());
}

#[test]
fn relay_on_postgres_a_client_on_another_instance_takes_the_channel_over() {
    let Some(pg) = Postgres::shared() else { return };
    let url = pg.database();
    let app = App::start("main");
    let a = Relay::start(&["--database-url", &url]);
    let b = Relay::start(&["--database-url", &url]);
    let s1 = tempfile::tempdir().unwrap();
    let mut first = attached(s1.path(), &a.url, "dev", &[]);
    wait_lease(pg, &url, "dev");
    let s2 = tempfile::tempdir().unwrap();
    let _second = attached(s2.path(), &b.url, "dev", &["--forward-to", &app.url()]);
    let status = first.wait_exit(Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(3), "{}", first.dump());
    assert!(
        first
            .dump()
            .contains("another client took over channel dev"),
        "{}",
        first.dump()
    );
    assert!(a.wait_channels(0, Duration::from_secs(5)), "{}", a.stderr());
    // A delivery to A now reaches the new client through B.
    let answer = post_all(&a, "dev", 0..1);
    super::assert_app_answer(
        answer[0].status,
        &answer[0].headers,
        &answer[0].body,
        "main",
    );
}

/// `relay token add --database-url URL`: the token it printed once.
fn add_token(url: &str, channel: &str) -> String {
    let r = run(hookcli().args([
        "relay",
        "token",
        "add",
        "--database-url",
        url,
        "--channel",
        channel,
    ]));
    r.assert_code(0).assert_hides(PASSWORD);
    let token = r.stdout().trim().to_string();
    assert!(token.starts_with("hkr_"), "{r}");
    token
}

#[test]
fn relay_tokens_in_postgres_are_scoped_and_revoked_across_instances() {
    let Some(pg) = Postgres::shared() else { return };
    let url = pg.database();
    let alice = add_token(&url, "alice-*");
    let a = instance(&url);
    let b = instance(&url);
    // Added after both started: every instance takes it at once.
    let bob = add_token(&url, "bob-*");

    // Alice's token is refused Bob's channel on either instance.
    let store = tempfile::tempdir().unwrap();
    let mut wrong = dev_client(store.path(), &b.url, "bob-x", &alice, &[]);
    let status = wrong.wait_exit(Duration::from_secs(20));
    assert!(status.is_some_and(|s| !s.success()), "{}", wrong.dump());
    assert!(
        wrong
            .stderr()
            .contains("may attach only to channels matching 'alice-*'")
    );

    let alice_store = tempfile::tempdir().unwrap();
    let mut alice_listen = dev_client(alice_store.path(), &a.url, "alice-dev", &alice, &[]);
    assert!(
        alice_listen.wait_for("tunnel up", 1, Duration::from_secs(20)),
        "{}",
        alice_listen.dump()
    );
    let bob_store = tempfile::tempdir().unwrap();
    let bob_listen = dev_client(bob_store.path(), &b.url, "bob-x", &bob, &[]);
    assert!(
        bob_listen.wait_for("tunnel up", 1, Duration::from_secs(20)),
        "{}",
        bob_listen.dump()
    );

    let listed = run(hookcli().args(["relay", "token", "list", "--json", "--database-url", &url]));
    listed
        .assert_code(0)
        .assert_hides(&alice)
        .assert_hides(&bob)
        .assert_hides(PASSWORD);
    let rows: Vec<Value> = listed
        .stdout()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(rows.len(), 2);
    let alice_id = rows
        .iter()
        .find(|r| r["channel"] == "alice-*")
        .map(|r| r["id"].to_string())
        .expect("alice's row");

    // Revoked through the database: her client on A is cut off, Bob's on B stays.
    let revoked_at = Instant::now();
    run(hookcli().args([
        "relay",
        "token",
        "revoke",
        &alice_id,
        "--database-url",
        &url,
    ]))
    .assert_code(0)
    .assert_hides(PASSWORD);
    let status = alice_listen.wait_exit(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| !s.success()),
        "not cut off in 10 s\n{}",
        alice_listen.dump()
    );
    assert!(
        alice_listen.stderr().contains("was revoked"),
        "{}",
        alice_listen.dump()
    );
    eprintln!("revoked client cut off after {:?}", revoked_at.elapsed());
    // And refused by the other instance too.
    let mut again = dev_client(store.path(), &b.url, "alice-dev", &alice, &[]);
    assert!(
        again
            .wait_exit(Duration::from_secs(20))
            .is_some_and(|s| !s.success())
    );
    assert!(again.stderr().contains("revoked"), "{}", again.dump());
    assert!(
        b.wait_channels(1, Duration::from_secs(5)),
        "Bob's client stays on B"
    );
    drop(bob_listen);
}

/// Waits until an instance holds `channel`'s lease (recorded just after
/// the client attached).
fn wait_lease(pg: &Postgres, url: &str, channel: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let sql = format!("SELECT count(*) FROM relay_channels WHERE channel = '{channel}'");
    while pg.psql(&db_name(url), &sql).trim() != "1" {
        assert!(Instant::now() < deadline, "no lease on {channel}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The database name at the end of `url`.
fn db_name(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}
