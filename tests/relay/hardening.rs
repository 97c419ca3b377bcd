//! Issue 14's relay faults, attacked the way the report did: a hand-written
//! WebSocket peer on either side of the tunnel (a client that declares a
//! terabyte frame, a relay that does, a client that never reads), and the
//! `Authorization` scheme in lower case.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::{Relay, TOKEN, header};
use crate::common::request_head;

/// Reads a head byte by byte up to its blank line, so no frame byte is taken.
fn read_head(s: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(1) => head.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A WebSocket upgrade to the relay's connect path, by hand: the status of
/// the answer and the connection, ready for frames.
fn upgrade(addr: SocketAddr, channel: &str, authorization: &str) -> (u16, TcpStream) {
    let mut s = TcpStream::connect(addr).expect("connect to the relay");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = request_head(
        "GET",
        &format!("/_hookcli/connect?channel={channel}"),
        &[
            header("Host", addr.to_string()),
            header("Connection", "Upgrade"),
            header("Upgrade", "websocket"),
            header("Sec-WebSocket-Version", "13"),
            header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            header("Authorization", authorization),
        ],
    );
    s.write_all(&head).unwrap();
    let answer = read_head(&mut s);
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    (status, s)
}

// ---------------------------------------------------------------------------
// The Authorization scheme is case-insensitive (RFC 7235)

#[test]
fn relay_accepts_the_bearer_scheme_in_any_case() {
    let relay = Relay::start(&[]);
    for (i, scheme) in ["bearer", "BEARER", "bEaReR"].iter().enumerate() {
        let channel = format!("case{i}");
        let (status, _ws) = upgrade(relay.addr, &channel, &format!("{scheme} {TOKEN}"));
        assert_eq!(status, 101, "{scheme}\n{}", relay.stderr());
    }
    let (status, _) = upgrade(relay.addr, "wrong", &format!("Basic {TOKEN}"));
    assert_eq!(status, 401, "another scheme is still refused");
    let (status, _) = upgrade(relay.addr, "glued", &format!("Bearer{TOKEN}"));
    assert_eq!(status, 401, "the scheme needs its space");
}
