//! Request heads recorded as they were sent: pipelined requests after the
//! first, and a Content-Length beside Transfer-Encoding.

use std::time::Duration;

use super::*;
use crate::common::RawConn;

/// `[[name, value]]` of a `show --json` document's request, values as text.
fn recorded_headers(doc: &Value) -> Vec<(String, String)> {
    doc["request"]["headers"]
        .as_array()
        .expect("header list")
        .iter()
        .map(|p| {
            (
                p[0].as_str().expect("name").to_string(),
                p[1].as_str().expect("text value").to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn pipelined_requests_are_each_recorded_with_their_head_as_sent() {
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &[], None);
    let host = addr.to_string();
    let heads: [Vec<(&str, &str)>; 3] = [
        vec![
            ("Host", &host),
            ("X-First-Mixed", "one"),
            ("Content-Length", "5"),
        ],
        vec![
            ("hOsT", &host),
            ("X-SECOND-UPPER", "two"),
            ("x-dup", "a"),
            ("Stripe-Signature", "t=1,v1=ab"),
            ("X-Dup", "b"),
            ("Transfer-Encoding", "chunked"),
        ],
        vec![
            ("Host", &host),
            ("X-Third-MiXeD", "three"),
            ("Content-Length", "2"),
        ],
    ];
    let bodies: [&[u8]; 3] = [b"hello", b"3\r\nabc\r\n0\r\n\r\n", b"ok"];
    let mut wire = Vec::new();
    for (i, (head, body)) in heads.iter().zip(bodies).enumerate() {
        wire.extend_from_slice(format!("POST /p{i} HTTP/1.1\r\n").as_bytes());
        for (n, v) in head {
            wire.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(body);
    }
    // All three in one write: hyper reads them in one go.
    let ids: Vec<String> = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let mut conn = RawConn::connect(addr).await.unwrap();
            let mut answers = vec![conn.send(&wire, b"").await.unwrap()];
            for _ in 1..3 {
                answers.push(conn.read_response().await.unwrap());
            }
            answers
                .iter()
                .map(|a| {
                    assert_eq!(a.status, 200);
                    a.header("x-hookcli-delivery").expect("an id").to_string()
                })
                .collect()
        });
    for (i, id) in ids.iter().enumerate() {
        let doc = show(store.path(), id);
        assert_eq!(doc["request"]["target"], format!("/p{i}"));
        assert_eq!(
            recorded_headers(&doc),
            pairs(&heads[i]),
            "request {} of 3 on one connection",
            i + 1
        );
    }
    let body: Vec<u8> = super::super::common::hookcli()
        .args(["show", &ids[1], "--headers", "--store"])
        .arg(store.path())
        .output()
        .unwrap()
        .stdout;
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("X-SECOND-UPPER: two"), "{text}");
}

#[test]
fn content_length_beside_transfer_encoding_is_recorded_as_sent() {
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &[], None);
    let host = addr.to_string();
    let head = [
        ("Host", host.as_str()),
        ("Content-Length", "7"),
        ("Transfer-Encoding", "chunked"),
        ("X-Case", "Kept"),
    ];
    let mut wire = b"POST /both HTTP/1.1\r\n".to_vec();
    for (n, v) in head {
        wire.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    wire.extend_from_slice(b"\r\n3\r\nabc\r\n0\r\n\r\n");
    let mut s = open_with(addr, &wire);
    let answer = read_answer(&mut s, Duration::from_secs(10)).expect("an answer");
    // Chunked wins, as RFC 9112 says, and the connection is not reused.
    assert_eq!(answer.status, 200, "{}", answer.head);
    assert!(closed_within(&mut s, std::time::Instant::now(), Duration::from_secs(3)).is_some());
    let id = answer.header("x-hookcli-delivery").expect("an id");
    let doc = show(store.path(), &id);
    assert_eq!(recorded_headers(&doc), pairs(&head));
    assert_eq!(doc["request"]["body"]["text"], "abc");
}

/// HTTP/1.0 has no chunked coding: a POST's body is as long as its
/// Content-Length says. One sent without it was answered 200 "received"
/// with an empty body kept, the sender's body lost; it is now refused with
/// 411 and kept refused. With a Content-Length, or with no body to frame (a
/// GET), HTTP/1.0 is taken as before.
#[test]
fn an_http_1_0_post_without_a_length_is_411_and_kept_refused() {
    let store = tempfile::tempdir().unwrap();
    let (_listen, addr) = Server::listen(store.path(), &[], None);
    let host = addr.to_string();
    let exchange = |head: String, body: &[u8]| {
        let mut s = open_with(addr, head.as_bytes());
        std::io::Write::write_all(&mut s, body).unwrap();
        read_answer(&mut s, Duration::from_secs(10)).expect("an answer")
    };
    let body = b"{\"id\": \"evt_1\"}";

    let refused = exchange(format!("POST /in HTTP/1.0\r\nHost: {host}\r\n\r\n"), body);
    assert_eq!(refused.status, 411, "{}", refused.head);
    let id = refused.header("x-hookcli-delivery").expect("kept");
    let doc = show(store.path(), &id);
    let why = doc["rejected"].as_str().unwrap_or_default();
    assert!(why.contains("no Content-Length"), "{doc}");

    let framed = format!(
        "POST /in HTTP/1.0\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let taken = exchange(framed, body);
    assert_eq!(taken.status, 200, "{}", taken.head);
    let id = taken.header("x-hookcli-delivery").expect("kept");
    assert_eq!(
        show(store.path(), &id)["request"]["body"]["text"],
        "{\"id\": \"evt_1\"}"
    );

    let get = exchange(format!("GET /in HTTP/1.0\r\nHost: {host}\r\n\r\n"), b"");
    assert_eq!(get.status, 200, "{}", get.head);
}
