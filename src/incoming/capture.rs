//! Original header case and order. hyper lowercases header names, groups
//! duplicates and drops a Content-Length that Transfer-Encoding overrides;
//! the record keeps the head as sent. This wrapper shows the bytes hyper
//! reads to a [`Framer`], which finds every request head on the connection
//! (pipelined ones too), so the handler can parse its head again.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::framing::Framer;
use crate::base::Headers;

/// The heads of one connection's requests, in the order hyper serves them.
#[derive(Clone, Default)]
pub struct HeadCapture(Arc<Mutex<Framer>>);

impl HeadCapture {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Framer> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the head of the request being handled. Call it once per
    /// request, first thing: heads are handed out in order.
    pub fn take(&self) -> Option<Vec<u8>> {
        self.lock().next_head()
    }

    fn feed(&self, bytes: &[u8]) {
        self.lock().feed(bytes);
    }
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
/// is the one hyper parsed: same method, target (in whichever form it was
/// sent: origin, absolute, authority or asterisk) and the same header lines.
/// hyper drops some Content-Length lines (one that Transfer-Encoding
/// overrides, a repeat of the same length); those stay, as sent. Anything
/// else (HTTP/2, a head capture could not follow) falls back to hyper's view.
pub fn original_headers(
    head: &[u8],
    method: &str,
    target: &http::Uri,
    parsed: &http::HeaderMap,
) -> Option<Headers> {
    let mut slots = [httparse::EMPTY_HEADER; 256];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    let same_target = req
        .path
        .and_then(|p| p.parse::<http::Uri>().ok())
        .is_some_and(|sent| sent == *target);
    if req.method != Some(method) || !same_target {
        return None;
    }
    // Each line sent must match one of hyper's, and every one of hyper's be matched.
    let mut unmatched: Vec<(&str, &[u8])> = parsed
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let te = parsed.contains_key(http::header::TRANSFER_ENCODING);
    let length = parsed
        .get(http::header::CONTENT_LENGTH)
        .map(|v| v.as_bytes());
    for h in req.headers.iter() {
        let found = unmatched
            .iter()
            .position(|(n, v)| n.eq_ignore_ascii_case(h.name) && *v == h.value);
        match found {
            Some(i) => {
                unmatched.swap_remove(i);
            }
            None if h.name.eq_ignore_ascii_case("content-length")
                && (te || length == Some(h.value)) => {}
            None => return None,
        }
    }
    if !unmatched.is_empty() {
        return None;
    }
    Some(
        req.headers
            .iter()
            .map(|h| (h.name.to_string(), h.value.to_vec()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> http::Uri {
        s.parse().unwrap()
    }

    #[test]
    fn captures_each_head_split_across_reads_in_order() {
        let c = HeadCapture::new();
        c.feed(b"\r\nPOST /x HTTP/1.1\r\nX-One: 1\r\nContent-Length: 4\r");
        c.feed(b"\n\r\nbodyGET / HTTP/1.1\r\nX-Two: 2\r\n\r\n");
        assert_eq!(
            c.take().as_deref(),
            Some(b"POST /x HTTP/1.1\r\nX-One: 1\r\nContent-Length: 4\r\n\r\n".as_slice())
        );
        assert_eq!(
            c.take().as_deref(),
            Some(b"GET / HTTP/1.1\r\nX-Two: 2\r\n\r\n".as_slice())
        );
        assert_eq!(c.take(), None);
    }

    #[test]
    fn keeps_the_content_length_that_transfer_encoding_overrides() {
        let head = b"POST /h HTTP/1.1\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut map = http::HeaderMap::new();
        map.append("transfer-encoding", "chunked".parse().unwrap());
        let h = original_headers(head, "POST", &uri("/h"), &map).unwrap();
        let names: Vec<&str> = h.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["Content-Length", "Transfer-Encoding"]);
        // Without Transfer-Encoding, a Content-Length hyper did not keep is a mismatch.
        let head = b"POST /h HTTP/1.1\r\nContent-Length: 9\r\n\r\n";
        assert!(original_headers(head, "POST", &uri("/h"), &http::HeaderMap::new()).is_none());
    }

    #[test]
    fn keeps_case_and_order_when_consistent() {
        let head = b"POST /h?q=1 HTTP/1.1\r\nX-B: 2\r\nStripe-Signature: t=1\r\nX-B: 3\r\n\r\n";
        let mut map = http::HeaderMap::new();
        map.append("x-b", "2".parse().unwrap());
        map.append("x-b", "3".parse().unwrap());
        map.append("stripe-signature", "t=1".parse().unwrap());
        let h = original_headers(head, "POST", &uri("/h?q=1"), &map).unwrap();
        let names: Vec<&str> = h.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["X-B", "Stripe-Signature", "X-B"]);
        assert!(original_headers(head, "POST", &uri("/other"), &map).is_none());
        map.append("x-c", "4".parse().unwrap());
        assert!(original_headers(head, "POST", &uri("/h?q=1"), &map).is_none());
    }
}
