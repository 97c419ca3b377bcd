//! `--header-timeout` from accept for every kind of connection, idle
//! keep-alive connections, `--body-timeout`, and the prompt 413.

use std::io::Write;
use std::time::{Duration, Instant};

use super::*;
use crate::inspect::parse_url;

/// The HTTP/2 client preface, and an empty SETTINGS frame after it.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

/// Opens one connection per way of sending no request (nothing, a lone
/// `P`, half a head, the h2 preface, the preface and SETTINGS) and asserts
/// each is closed within `timeout` plus slack.
fn assert_all_cut_off(addr: SocketAddr, timeout: Duration, who: &str) {
    let mut h2 = PREFACE.to_vec();
    h2.extend_from_slice(SETTINGS);
    let kinds: [(&str, &[u8]); 5] = [
        ("idle", b""),
        ("a lone P", b"P"),
        ("half a head", b"POST /x HTTP/1.1\r\nHost: a\r\nX-Half: "),
        ("the h2 preface", PREFACE),
        ("the h2 preface and SETTINGS", &h2),
    ];
    let started = Instant::now();
    let mut conns: Vec<_> = kinds.iter().map(|(_, b)| open_with(addr, b)).collect();
    let limit = timeout + Duration::from_secs(4);
    for ((kind, _), conn) in kinds.iter().zip(conns.iter_mut()) {
        let after = closed_within(conn, started, limit);
        assert!(
            after.is_some(),
            "{who}: a connection sending {kind} was still open after {limit:?} (--header-timeout {timeout:?})"
        );
        let after = after.unwrap();
        assert!(
            after >= timeout.saturating_sub(Duration::from_millis(200)),
            "{who}: {kind} cut off after {after:?}, before --header-timeout {timeout:?}"
        );
    }
}

#[test]
fn listen_header_timeout_runs_from_accept_whatever_the_connection_sends() {
    let store = tempfile::tempdir().unwrap();
    let (listen, addr) = Server::listen(store.path(), &["--header-timeout", "1s"], None);
    assert_all_cut_off(addr, Duration::from_secs(1), "listen");

    // A kept-alive connection idle after its answer is closed too.
    let mut kept = open_with(
        addr,
        format!("POST /k HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\n\r\nok").as_bytes(),
    );
    let answer = read_answer(&mut kept, Duration::from_secs(10)).expect("an answer");
    assert_eq!(answer.status, 200);
    let idle_from = Instant::now();
    assert!(
        closed_within(&mut kept, idle_from, Duration::from_secs(5)).is_some(),
        "an idle kept-alive connection stayed open"
    );

    // And real deliveries are still served.
    assert_eq!(post(addr, "/after", b"{}").status, 200);
    let paths: Vec<String> = list(store.path())
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, ["/after", "/k"], "{}", listen.stderr());
}

#[test]
fn the_inspector_cuts_off_idle_connections_alone_and_beside_listen() {
    let store = tempfile::tempdir().unwrap();
    // `hookcli inspect` needs a store to watch: listen makes one.
    let (listen, addr) = Server::listen(
        store.path(),
        &["--json", "--inspect=0", "--header-timeout", "1s"],
        None,
    );
    let banner: Value = serde_json::from_str(&listen.first).expect("JSON banner");
    let (beside, _) = parse_url(banner["inspect"].as_str().expect("inspect URL"));
    assert_all_cut_off(beside, Duration::from_secs(1), "listen --inspect");
    assert_eq!(post(addr, "/x", b"{}").status, 200);

    let store_arg = store.path().to_str().unwrap();
    let inspect = Server::spawn(
        &[
            "inspect",
            "--port",
            "0",
            "--store",
            store_arg,
            "--header-timeout",
            "1s",
        ],
        &[],
        None,
    );
    let url = inspect
        .first
        .strip_prefix("hookcli inspect on ")
        .expect("inspect's URL");
    let (alone, token) = parse_url(url);
    assert_all_cut_off(alone, Duration::from_secs(1), "inspect");

    // Kept alive after an answer, then idle: closed.
    let mut kept = open_with(
        alone,
        format!("GET /api/info HTTP/1.1\r\nHost: {alone}\r\nX-Hookcli-Token: {token}\r\n\r\n")
            .as_bytes(),
    );
    let answer = read_answer(&mut kept, Duration::from_secs(10)).expect("an answer");
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert!(
        closed_within(&mut kept, Instant::now(), Duration::from_secs(5)).is_some(),
        "an idle kept-alive connection to the inspector stayed open"
    );
}

#[test]
fn relay_header_timeout_runs_from_accept_and_spares_attached_clients() {
    let (relay, addr) = Server::relay(&["--header-timeout", "1s"]);
    assert_all_cut_off(addr, Duration::from_secs(1), "relay");

    // A client's WebSocket is not an idle connection: it stays attached.
    let store = tempfile::tempdir().unwrap();
    let relay_url = format!("http://{addr}");
    let client = Server::spawn(
        &[
            "listen",
            "--port",
            "0",
            "--store",
            store.path().to_str().unwrap(),
            "--relay",
            &relay_url,
            "--channel",
            "dev",
            "--token-env",
            TOKEN_VAR,
        ],
        &[(TOKEN_VAR, TOKEN)],
        None,
    );
    assert!(
        client.wait_for("tunnel up", Duration::from_secs(20)),
        "no tunnel\n{}",
        client.stdout()
    );
    std::thread::sleep(Duration::from_secs(3));
    let answer = post(addr, "/dev/hook", b"{\"after\":\"3s\"}");
    assert_eq!(answer.status, 200, "{}", relay.stderr());
    assert!(
        !client.stdout().contains("tunnel down"),
        "the tunnel dropped\n{}",
        client.stdout()
    );
}

#[test]
fn a_body_slower_than_body_timeout_is_408_and_not_recorded() {
    let store = tempfile::tempdir().unwrap();
    let (_listen, listen_addr) = Server::listen(store.path(), &["--body-timeout", "1s"], None);
    let (_relay, relay_addr) = Server::relay(&["--body-timeout", "1s"]);
    for (who, addr, path) in [
        ("listen", listen_addr, "/drip"),
        ("relay", relay_addr, "/dev/drip"),
    ] {
        let started = Instant::now();
        let mut s = open_with(
            addr,
            format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100\r\n\r\n")
                .as_bytes(),
        );
        // A byte every 300 ms: never silent long, but slower than the whole allows.
        let mut answer = None;
        for _ in 0..20 {
            if s.write_all(b"x").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(300));
            s.set_nonblocking(true).unwrap();
            let mut peek = [0u8; 1];
            let ready = matches!(s.peek(&mut peek), Ok(n) if n > 0);
            s.set_nonblocking(false).unwrap();
            if ready {
                answer = read_answer(&mut s, Duration::from_secs(2));
                break;
            }
        }
        let answer = answer.unwrap_or_else(|| panic!("{who}: no answer to a dripping body"));
        assert_eq!(answer.status, 408, "{who}: {}", answer.head);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{who}: 408 only after {:?}",
            started.elapsed()
        );
        assert!(
            closed_within(&mut s, Instant::now(), Duration::from_secs(3)).is_some(),
            "{who}: the connection stayed open after 408"
        );
    }
    assert!(
        list(store.path()).is_empty(),
        "a body that never arrived is not a delivery"
    );
    assert_eq!(post(listen_addr, "/fine", b"{}").status, 200);
}

#[test]
fn a_declared_oversized_body_is_refused_at_once() {
    let store = tempfile::tempdir().unwrap();
    let (_listen, listen_addr) = Server::listen(store.path(), &["--max-body", "1MiB"], None);
    let (_relay, relay_addr) = Server::relay(&["--max-body", "1MiB"]);
    for (who, addr, path) in [
        ("listen", listen_addr, "/huge"),
        ("relay", relay_addr, "/dev/huge"),
    ] {
        let started = Instant::now();
        let mut s = open_with(
            addr,
            format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 10737418240\r\n\r\n")
                .as_bytes(),
        );
        let answer = read_answer(&mut s, Duration::from_secs(5))
            .unwrap_or_else(|| panic!("{who}: no prompt answer to a 10 GiB declared body"));
        assert_eq!(answer.status, 413, "{who}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{who}: 413 after {:?}",
            started.elapsed()
        );
        assert!(
            closed_within(&mut s, Instant::now(), Duration::from_secs(2)).is_some(),
            "{who}: the connection waits for the body after 413"
        );
    }
}
