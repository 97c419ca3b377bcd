//! listen and the relay's public side read requests the one same way
//! (`src/incoming/`): the same hostile request gets the same answer from both.

use std::io::Write;
use std::time::Duration;

use super::*;

/// What is compared of an answer: its status, whether it closes the
/// connection, its Retry-After, and the `error` of a JSON body.
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    closes: bool,
    retry_after: Option<String>,
    error: Option<String>,
}

fn seen(answer: &Answer) -> Seen {
    Seen {
        status: answer.status,
        closes: answer
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close")),
        retry_after: answer.header("retry-after"),
        error: serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string)),
    }
}

/// `head` (with `{path}` and `{host}` filled in) and `body` on a fresh
/// connection; the answer. The write side stays open: hyper closes a
/// half-closed connection, answered or not.
fn send(addr: SocketAddr, path: &str, head: &str, body: &[u8]) -> Option<Answer> {
    let head = head
        .replace("{path}", path)
        .replace("{host}", &addr.to_string());
    let mut s = open_with(addr, head.as_bytes());
    let _ = s.write_all(body);
    read_answer(&mut s, Duration::from_secs(10))
}

#[test]
fn listen_and_the_relay_answer_hostile_requests_alike() {
    let store = tempfile::tempdir().unwrap();
    let limits = [
        "--max-body",
        "1KiB",
        "--body-budget",
        "1KiB",
        "--body-timeout",
        "1s",
    ];
    let (listen, listen_addr) = Server::listen(store.path(), &limits, None);
    let (relay, relay_addr) = Server::relay(&limits);
    let chunked_over = format!("5dc\r\n{}\r\n0\r\n\r\n", "y".repeat(1500));
    let cases: [(&str, &str, &[u8]); 11] = [
        (
            "declared over --max-body",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1500\r\n\r\n",
            b"",
        ),
        (
            "chunked over --max-body",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n",
            chunked_over.as_bytes(),
        ),
        (
            "a chunk size that is not hex",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"zz\r\nhello\r\n0\r\n\r\n",
        ),
        (
            "a body that stops coming",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 100\r\n\r\n",
            b"only this",
        ),
        (
            "a Content-Length that is not a number",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: ten\r\n\r\n",
            b"0123456789",
        ),
        (
            "a request line that is not HTTP",
            "POST {path} SMTP/9\r\nHost: {host}\r\n\r\n",
            b"",
        ),
        (
            "a transfer coding left on the body (gzip under chunked)",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            b"5\r\nhello\r\n0\r\n\r\n",
        ),
        (
            "an HTTP/1.1 request without Host",
            "POST {path} HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
            b"hello",
        ),
        (
            "two Host headers",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\nContent-Length: 5\r\n\r\n",
            b"hello",
        ),
        (
            "an HTTP/1.0 POST whose body has no length",
            "POST {path} HTTP/1.0\r\nHost: {host}\r\n\r\n",
            b"{\"id\": \"evt_1\"}",
        ),
        (
            "chunked twice",
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
            b"5\r\nhello\r\n0\r\n\r\n",
        ),
    ];
    for (what, head, body) in cases {
        let from_listen = send(listen_addr, "/in", head, body).map(|a| seen(&a));
        let from_relay = send(relay_addr, "/dev/in", head, body).map(|a| seen(&a));
        assert!(
            from_listen.as_ref().is_some_and(|s| s.status >= 400),
            "{what}: listen answered {from_listen:?}"
        );
        assert_eq!(
            from_listen, from_relay,
            "{what}: listen and the relay answer differently"
        );
    }

    // Heads refused before any handler runs: the status names the fault,
    // nothing is kept. The lines go as the body, so a server that answers
    // and closes before reading them all does not fail the write.
    let many: String = (0..10_000).map(|i| format!("X-{i}: v\r\n")).collect();
    let long = format!("X-Big: {}\r\n", "a".repeat(1 << 20));
    let refused = [
        (
            "two different Content-Lengths",
            "Content-Length: 3\r\nContent-Length: 5\r\n".to_string(),
            400,
        ),
        (
            "a folded header line (obs-fold)",
            "X-Fold: a\r\n b\r\n".into(),
            400,
        ),
        ("a space in a header name", "X Bad: a\r\n".into(), 400),
        (
            "a control byte in a header name",
            "X-B\x01d: a\r\n".into(),
            400,
        ),
        ("10,000 headers", many, 431),
        ("a 1 MiB header line", long, 431),
    ];
    for (what, lines, status) in refused {
        let rest = format!("{lines}\r\nhello");
        for (addr, path) in [(listen_addr, "/in"), (relay_addr, "/dev/in")] {
            let head = "POST {path} HTTP/1.1\r\nHost: {host}\r\n";
            let got = send(addr, path, head, rest.as_bytes()).map(|a| a.status);
            assert_eq!(got, Some(status), "{what} at {path}");
        }
    }
    assert_eq!(
        post(listen_addr, "/in", b"after").status,
        200,
        "listen serves on"
    );

    // Past the body budget: one body held in flight at each, then another.
    let mut answers = Vec::new();
    for (addr, path) in [(listen_addr, "/in"), (relay_addr, "/dev/in")] {
        let _held = open_with(
            addr,
            format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1000\r\n\r\nxx")
                .as_bytes(),
        );
        std::thread::sleep(Duration::from_millis(300));
        let head = "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000\r\n\r\n";
        answers.push(send(addr, path, head, b"").map(|a| seen(&a)));
    }
    assert_eq!(
        answers[0]
            .as_ref()
            .map(|s| (s.status, s.retry_after.as_deref())),
        Some((503, Some("5"))),
        "{:?}",
        answers[0]
    );
    assert_eq!(answers[0], answers[1], "past the budget");

    // What listen refused over --max-body or could not read is recorded, as
    // before (the two 413s and the 400 from a body); what timed out is not.
    // A coding it cannot undo is 501 (it was 200, the body kept still gzipped).
    let rows = list(store.path());
    let statuses: Vec<&Value> = rows.iter().map(|r| &r["last_status"]).collect();
    assert!(statuses.contains(&&Value::from(501)), "{statuses:?}");
    let recorded = rows.len();
    assert!(
        recorded >= 3,
        "{recorded}\n{}\n{}",
        listen.stderr(),
        relay.stderr()
    );
}

/// HTTP/2 with prior knowledge (h2c) is served by both doors: listen
/// records it, the relay answers it (no client here: 503), and a body over
/// --max-body is 413 at both. The relay, HTTP/1-only, closed on the
/// preface without a word.
#[test]
fn listen_and_the_relay_serve_http2_with_prior_knowledge() {
    let store = tempfile::tempdir().unwrap();
    let limits = ["--max-body", "1KiB"];
    let (_listen, listen_addr) = Server::listen(store.path(), &limits, None);
    let (_relay, relay_addr) = Server::relay(&limits);
    let client = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP/2 client");
    let post = |url: String, body: Vec<u8>| {
        let client = client.clone();
        async move {
            let resp = client.post(&url).body(body).send().await;
            let resp = resp.unwrap_or_else(|e| panic!("POST {url}: {e:?}"));
            assert_eq!(resp.version(), reqwest::Version::HTTP_2, "{url}");
            let status = resp.status().as_u16();
            let id = resp
                .headers()
                .get("x-hookcli-delivery")
                .map(|v| v.to_str().unwrap().to_string());
            (status, id)
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (status, id) = post(format!("http://{listen_addr}/in"), b"hello".to_vec()).await;
        assert_eq!(status, 200);
        let doc = show(store.path(), &id.expect("an id"));
        assert_eq!(doc["request"]["body"]["text"], "hello", "{doc}");
        assert_eq!(doc["request"]["http_version"], "HTTP/2.0", "{doc}");

        let (status, _) = post(format!("http://{relay_addr}/dev/in"), b"hello".to_vec()).await;
        assert_eq!(status, 503, "the relay answers, no client being attached");

        for url in [
            format!("http://{listen_addr}/in"),
            format!("http://{relay_addr}/dev/in"),
        ] {
            let (status, _) = post(url.clone(), vec![b'x'; 1500]).await;
            assert_eq!(status, 413, "{url}");
        }
    });
}

/// A sender that closes its side before its body is whole: listen keeps the
/// request refused, saying how much came (it said `error reading a body
/// from connection`), and serves on.
#[test]
fn a_body_cut_short_by_a_close_is_kept_refused_saying_how_much_came() {
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &[], None);
    let mut s = open_with(
        addr,
        format!("POST /cut HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100\r\n\r\nonly5")
            .as_bytes(),
    );
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let _ = closed_within(&mut s, std::time::Instant::now(), Duration::from_secs(10));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let row = loop {
        if let Some(row) = list(store.path()).pop() {
            break row;
        }
        assert!(std::time::Instant::now() < deadline, "nothing recorded");
        std::thread::sleep(Duration::from_millis(50));
    };
    let doc = show(store.path(), row["id"].as_str().unwrap());
    assert_eq!(
        doc["rejected"], "the body could not be read: the connection closed after 5 bytes of it",
        "{doc}"
    );
    assert_eq!(post(addr, "/after", b"ok").status, 200);
}
