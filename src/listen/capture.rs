//! Original header case and order. hyper lowercases header names and groups
//! duplicates; the record keeps them as sent. This wrapper copies the bytes
//! of each HTTP/1 request head as hyper reads them, so the handler can parse
//! the head again and keep what hyper normalised.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::provider::Headers;

/// A request head is at most this long; past it, capture gives up.
const MAX_HEAD: usize = 64 * 1024;

#[derive(Default)]
struct State {
    armed: bool,
    buf: Vec<u8>,
    head: Option<Vec<u8>>,
}

/// The capture of one connection: armed for the next request head.
#[derive(Clone, Default)]
pub struct HeadCapture(Arc<Mutex<State>>);

impl HeadCapture {
    pub fn new() -> Self {
        let c = Self::default();
        c.rearm();
        c
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the head captured for the request being handled.
    pub fn take(&self) -> Option<Vec<u8>> {
        self.lock().head.take()
    }

    /// Arms capture for the next request; call once this one's body is read.
    pub fn rearm(&self) {
        let mut s = self.lock();
        s.armed = true;
        s.buf.clear();
        s.head = None;
    }

    fn feed(&self, bytes: &[u8]) {
        let mut s = self.lock();
        if !s.armed || bytes.is_empty() {
            return;
        }
        // Skip the blank lines that may precede a request.
        let start = if s.buf.is_empty() {
            bytes
                .iter()
                .position(|b| *b != b'\r' && *b != b'\n')
                .unwrap_or(bytes.len())
        } else {
            0
        };
        s.buf.extend_from_slice(&bytes[start..]);
        let search_from = s.buf.len().saturating_sub(bytes.len() + 3);
        if let Some(i) = find(&s.buf[search_from..], b"\r\n\r\n") {
            let end = search_from + i + 4;
            let mut head = std::mem::take(&mut s.buf);
            head.truncate(end);
            s.head = Some(head);
            s.armed = false;
        } else if s.buf.len() > MAX_HEAD {
            s.buf.clear();
            s.armed = false;
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// An IO stream that shows the bytes it reads to a [`HeadCapture`].
pub struct CaptureIo<T> {
    inner: T,
    capture: HeadCapture,
}

impl<T> CaptureIo<T> {
    pub fn new(inner: T, capture: HeadCapture) -> Self {
        Self { inner, capture }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for CaptureIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            this.capture.feed(&buf.filled()[before..]);
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CaptureIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The headers of a captured head, in order and original case, if the head
/// is the one hyper parsed: same method, target and the same headers.
/// Anything else (a pipelined request, HTTP/2) falls back to hyper's view.
pub fn original_headers(
    head: &[u8],
    method: &str,
    target: &str,
    parsed: &http::HeaderMap,
) -> Option<Headers> {
    let mut slots = [httparse::EMPTY_HEADER; 256];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    if req.method != Some(method) || req.path != Some(target) || req.headers.len() != parsed.len() {
        return None;
    }
    let headers: Headers = req
        .headers
        .iter()
        .map(|h| (h.name.to_string(), h.value.to_vec()))
        .collect();
    let consistent = headers
        .iter()
        .all(|(n, v)| parsed.get_all(n).iter().any(|p| p.as_bytes() == v));
    consistent.then_some(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_a_head_split_across_reads_and_only_when_armed() {
        let c = HeadCapture::new();
        c.feed(b"\r\nPOST /x HTTP/1.1\r\nX-One: 1\r");
        c.feed(b"\n\r\nbody bytes");
        assert_eq!(
            c.take().as_deref(),
            Some(b"POST /x HTTP/1.1\r\nX-One: 1\r\n\r\n".as_slice())
        );
        c.feed(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(c.take(), None, "not armed until the body is read");
        c.rearm();
        c.feed(b"GET / HTTP/1.1\r\n\r\n");
        assert!(c.take().is_some());
    }

    #[test]
    fn keeps_case_and_order_when_consistent() {
        let head = b"POST /h?q=1 HTTP/1.1\r\nX-B: 2\r\nStripe-Signature: t=1\r\nX-B: 3\r\n\r\n";
        let mut map = http::HeaderMap::new();
        map.append("x-b", "2".parse().unwrap());
        map.append("x-b", "3".parse().unwrap());
        map.append("stripe-signature", "t=1".parse().unwrap());
        let h = original_headers(head, "POST", "/h?q=1", &map).unwrap();
        let names: Vec<&str> = h.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["X-B", "Stripe-Signature", "X-B"]);
        assert!(original_headers(head, "POST", "/other", &map).is_none());
        map.append("x-c", "4".parse().unwrap());
        assert!(original_headers(head, "POST", "/h?q=1", &map).is_none());
    }
}
