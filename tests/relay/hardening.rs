//! Issue 14's relay faults, attacked the way the report did: a hand-written
//! WebSocket peer on either side of the tunnel (a client that declares a
//! terabyte frame, a relay that does, a client that never reads), and the
//! `Authorization` scheme in lower case.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use super::{
    App, Relay, TOKEN, assert_app_answer, attached, client, header, http, post, runtime, seq_body,
};
use crate::common::request_head;

/// A frame header declaring 2^40 bytes of binary payload.
fn terabyte_header(masked: bool) -> Vec<u8> {
    let mut h = vec![0x82, if masked { 0xff } else { 0x7f }];
    h.extend_from_slice(&(1u64 << 40).to_be_bytes());
    if masked {
        h.extend_from_slice(&[0x11, 0x22, 0x33, 0x44]);
    }
    h
}

/// One frame off the wire: its opcode and (unmasked) payload; `None` on
/// EOF, error or timeout.
fn read_frame(s: &mut TcpStream) -> Option<(u8, Vec<u8>)> {
    let mut h = [0u8; 2];
    s.read_exact(&mut h).ok()?;
    let len = match h[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            s.read_exact(&mut b).ok()?;
            u16::from_be_bytes(b) as u64
        }
        127 => {
            let mut b = [0u8; 8];
            s.read_exact(&mut b).ok()?;
            u64::from_be_bytes(b)
        }
        n => n as u64,
    };
    let mut mask = [0u8; 4];
    if h[1] & 0x80 != 0 {
        s.read_exact(&mut mask).ok()?;
    }
    if len > 64 << 20 {
        return None;
    }
    let mut payload = vec![0u8; len as usize];
    s.read_exact(&mut payload).ok()?;
    if h[1] & 0x80 != 0 {
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
    }
    Some((h[0] & 0x0f, payload))
}

/// Reads frames until a close; its status code, if it had one.
fn read_close(s: &mut TcpStream, limit: Duration) -> Option<u16> {
    s.set_read_timeout(Some(limit)).unwrap();
    loop {
        let (op, payload) = read_frame(s)?;
        if op == 0x8 {
            return payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
        }
    }
}

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

fn is_running(relay: &mut Relay) -> bool {
    relay.proc.child.try_wait().expect("try_wait").is_none()
}

// ---------------------------------------------------------------------------
// Fault 1: one frame header

#[test]
fn relay_frame_header_declaring_a_terabyte_closes_that_session_with_1009_only() {
    let app = App::start("main");
    let mut relay = Relay::start(&[]);
    let store = tempfile::tempdir().unwrap();
    let _listen = attached(
        store.path(),
        &relay.url,
        "other",
        &["--forward-to", &app.url()],
    );
    let (status, mut ws) = upgrade(relay.addr, "dev", &format!("Bearer {TOKEN}"));
    assert_eq!(status, 101);
    assert!(relay.wait_channels(2, Duration::from_secs(10)));
    ws.write_all(&terabyte_header(true)).unwrap();

    let code = read_close(&mut ws, Duration::from_secs(10));
    assert!(is_running(&mut relay), "the relay died\n{}", relay.stderr());
    assert_eq!(code, Some(1009), "close code\n{}", relay.stderr());
    assert!(relay.wait_channels(1, Duration::from_secs(10)));
    let a = runtime().block_on(post(&http(), &relay.at("other", "after"), seq_body(1)));
    assert_app_answer(a.status, &a.headers, &a.body, "main");
    let log = relay.stderr();
    assert!(
        log.lines()
            .any(|l| l.contains("channel dev") && l.contains("over the relay's cap")),
        "one clear line for the closed session\n{log}"
    );
}

#[test]
fn listen_survives_a_hostile_relay_s_terabyte_frame_header_and_reconnects() {
    let hostile = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = hostile.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Option<u16>>();
    // Two attaches: the first gets the frame header and reports listen's
    // close code; the second shows listen came back for more.
    std::thread::spawn(move || {
        for _ in 0..2 {
            let Ok((mut s, _)) = hostile.accept() else {
                return;
            };
            let head = read_head(&mut s);
            let key = head
                .lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case("sec-websocket-key")
                        .then(|| v.trim().to_string())
                })
                .unwrap_or_default();
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            let answer = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            let _ = s.write_all(answer.as_bytes());
            let _ = s.write_all(&terabyte_header(false));
            let _ = tx.send(read_close(&mut s, Duration::from_secs(10)));
        }
    });
    let store = tempfile::tempdir().unwrap();
    let mut listen = client(store.path(), &format!("http://{addr}"), "dev", &[]);
    let first = rx.recv_timeout(Duration::from_secs(20));
    assert!(
        listen.child.try_wait().unwrap().is_none(),
        "listen died\n{}",
        listen.dump()
    );
    assert_eq!(
        first,
        Ok(Some(1009)),
        "listen's close code\n{}",
        listen.dump()
    );
    assert!(
        rx.recv_timeout(Duration::from_secs(20)).is_ok(),
        "listen did not reconnect\n{}",
        listen.dump()
    );
    assert!(listen.child.try_wait().unwrap().is_none());
    let out = listen.stdout();
    assert!(
        out.lines()
            .any(|l| l.starts_with("tunnel down:") && l.contains("over this listen's cap")),
        "one clear line for the dropped tunnel\n{}",
        listen.dump()
    );
    assert!(!listen.dump().contains("panicked"));
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
