//! The tunnel's frames, carried as binary WebSocket messages:
//! `kind (1 byte) | id (u64 BE) | meta length (u32 BE) | meta JSON | body`.
//! The body rides as raw bytes, never re-encoded.

use serde_json::{Value, json};

use crate::provider::Headers;
use crate::store::codec::{decode_headers, encode_headers};

const DELIVER: u8 = 1;
const ANSWER: u8 = 2;

/// Room for a frame's metadata beside its body: the request line, the public
/// URL and the headers as JSON. Heads are capped well below this (hyper's
/// read buffer, 400 KiB), and JSON escaping at most doubles them.
pub const META_ROOM: usize = 4 << 20;

/// The largest WebSocket message either side of the tunnel reads: a body
/// limit plus [`META_ROOM`]. Never below the app's answer cap (answers ride
/// in frames too), and never unbounded: a peer's frame header declaring 2^40
/// bytes must be refused, not allocated.
pub fn message_cap(max_body: u64) -> usize {
    let body = usize::try_from(max_body)
        .unwrap_or(usize::MAX)
        .max(crate::client::MAX_ANSWER_BODY);
    body.saturating_add(META_ROOM)
}

/// A delivery from the relay to the client, or the app's answer back.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    Deliver {
        id: u64,
        method: String,
        /// Path and query below the channel.
        target: String,
        /// The full URL the provider used.
        public_url: String,
        peer: Option<String>,
        headers: Headers,
        body: bytes::Bytes,
    },
    Answer {
        id: u64,
        status: u16,
        headers: Headers,
        body: Vec<u8>,
    },
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        let id = match self {
            Frame::Deliver { id, .. } | Frame::Answer { id, .. } => *id,
        };
        self.encode_as(id)
    }

    /// The frame encoded under another id (the relay numbers deliveries as
    /// it hands them over), without copying the frame first.
    pub fn encode_as(&self, id: u64) -> Vec<u8> {
        let (kind, meta, body) = match self {
            Frame::Deliver {
                method,
                target,
                public_url,
                peer,
                headers,
                body,
                ..
            } => (
                DELIVER,
                json!({ "m": method, "t": target, "u": public_url, "p": peer, "h": encode_headers(headers) }),
                &body[..],
            ),
            Frame::Answer {
                status,
                headers,
                body,
                ..
            } => (
                ANSWER,
                json!({ "s": status, "h": encode_headers(headers) }),
                &body[..],
            ),
        };
        let meta = meta.to_string().into_bytes();
        let mut out = Vec::with_capacity(13 + meta.len() + body.len());
        out.push(kind);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&(meta.len() as u32).to_be_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(body);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Frame, String> {
        if bytes.len() < 13 {
            return Err("frame too short".into());
        }
        let kind = bytes[0];
        let id = u64::from_be_bytes(bytes[1..9].try_into().expect("8 bytes"));
        let len = u32::from_be_bytes(bytes[9..13].try_into().expect("4 bytes")) as usize;
        let meta_end = 13usize
            .checked_add(len)
            .filter(|e| *e <= bytes.len())
            .ok_or("frame meta overruns the frame")?;
        let meta: Value =
            serde_json::from_slice(&bytes[13..meta_end]).map_err(|e| format!("frame meta: {e}"))?;
        let body = &bytes[meta_end..];
        let text = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_string);
        let headers = decode_headers(meta.get("h").and_then(Value::as_str).unwrap_or("[]"));
        match kind {
            DELIVER => Ok(Frame::Deliver {
                id,
                method: text("m").ok_or("deliver frame without method")?,
                target: text("t").ok_or("deliver frame without target")?,
                public_url: text("u").unwrap_or_default(),
                peer: text("p"),
                headers,
                body: bytes::Bytes::copy_from_slice(body),
            }),
            ANSWER => Ok(Frame::Answer {
                id,
                status: meta
                    .get("s")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .ok_or("answer frame without status")?,
                headers,
                body: body.to_vec(),
            }),
            other => Err(format!("unknown frame kind {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_byte_for_byte() {
        let headers: Headers = vec![("X-A", vec![0xff]), ("x-a", b"2".to_vec())]
            .into_iter()
            .collect();
        let frames = [
            Frame::Deliver {
                id: 7,
                method: "POST".into(),
                target: "/h?x=1".into(),
                public_url: "https://relay.example/ch/h?x=1".into(),
                peer: Some("1.2.3.4:5".into()),
                headers: headers.clone(),
                body: bytes::Bytes::from_static(&[0, 1, 0xff, b'\r', b'\n']),
            },
            Frame::Answer {
                id: u64::MAX,
                status: 201,
                headers,
                body: Vec::new(),
            },
        ];
        for f in frames {
            assert_eq!(Frame::decode(&f.encode()).unwrap(), f);
            let (Frame::Answer { id, .. } | Frame::Deliver { id, .. }) =
                Frame::decode(&f.encode_as(42)).unwrap();
            assert_eq!(id, 42);
        }
        assert!(Frame::decode(&[1, 2, 3]).is_err());
        assert!(Frame::decode(&[9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, b'{', b'}']).is_err());
    }
}
