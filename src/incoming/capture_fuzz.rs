//! Property tests of the header capture (issue 14's fuzz target): bytes in
//! any chunking never panic it, and a valid head comes back whole, its
//! header names in their case and order. A bounded number of cases, so it
//! runs in the normal suite.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use proptest::prelude::*;
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use super::capture::{CaptureIo, HeadCapture, original_headers};

/// A reader that hands out its bytes in the given chunk sizes.
struct Chunks {
    data: Vec<u8>,
    sizes: Vec<usize>,
    at: usize,
    turn: usize,
}

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let size = self
            .sizes
            .get(self.turn)
            .copied()
            .unwrap_or(usize::MAX)
            .max(1);
        let end = self
            .at
            .saturating_add(size)
            .min(self.data.len())
            .min(self.at + buf.remaining());
        let at = self.at;
        buf.put_slice(&self.data[at..end]);
        self.at = end;
        self.turn += 1;
        Poll::Ready(Ok(()))
    }
}

/// Reads `data` through a capture in chunks of `sizes`; the capture.
fn captured(data: Vec<u8>, sizes: Vec<usize>) -> HeadCapture {
    let capture = HeadCapture::new();
    let mut io = CaptureIo::new(
        Chunks {
            data,
            sizes,
            at: 0,
            turn: 0,
        },
        capture.clone(),
    );
    let mut sink = Vec::new();
    io.read_to_end(&mut sink)
        .now_or_never()
        .expect("an in-memory read is ready")
        .expect("an in-memory read succeeds");
    capture
}

fn header_line() -> impl Strategy<Value = (String, String)> {
    (
        "[A-Za-z][A-Za-z0-9-]{0,15}",
        // No leading or trailing blanks: HTTP trims them.
        "[!-~]([ -~]{0,30}[!-~])?",
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_in_any_chunks_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..2048),
        sizes in proptest::collection::vec(1usize..64, 0..64),
        method in "[A-Z]{1,8}",
        target in "/[ -~]{0,20}",
    ) {
        let capture = captured(data.clone(), sizes);
        let head = capture.take();
        let mut map = http::HeaderMap::new();
        map.append("x-a", http::HeaderValue::from_static("1"));
        let target: http::Uri = target.parse().unwrap_or_default();
        for bytes in [head.as_deref().unwrap_or_default(), data.as_slice()] {
            let _ = original_headers(bytes, &method, &target, &map);
            let _ = original_headers(bytes, &method, &target, &http::HeaderMap::new());
        }
    }

    #[test]
    fn a_valid_head_comes_back_with_its_case_and_order(
        lines in proptest::collection::vec(header_line(), 0..24),
        sizes in proptest::collection::vec(1usize..32, 0..64),
        target in "/[A-Za-z0-9/._~?=&-]{0,30}",
    ) {
        let mut head = format!("POST {target} HTTP/1.1\r\n").into_bytes();
        let mut map = http::HeaderMap::new();
        for (n, v) in &lines {
            head.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
            map.append(
                http::HeaderName::from_bytes(n.as_bytes()).expect("a token"),
                http::HeaderValue::from_str(v).expect("visible ASCII"),
            );
        }
        head.extend_from_slice(b"\r\n");
        let capture = captured(head.clone(), sizes);
        prop_assert_eq!(capture.take(), Some(head.clone()));
        let uri: http::Uri = target.parse().expect("a URI");
        let got = original_headers(&head, "POST", &uri, &map).expect("consistent");
        let got: Vec<(String, String)> = got
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        prop_assert_eq!(got, lines);
    }
}
