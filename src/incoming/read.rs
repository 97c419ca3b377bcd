//! Reading one request that hyper has parsed: its head as sent, its body
//! within `--max-body`, the budget and `--body-timeout`, and the URL its
//! sender used.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, CONTENT_LENGTH, HOST, HeaderValue, RETRY_AFTER};
use hyper::http::request::Parts;
use hyper::{Request, Response};

use super::Reply;
use super::capture::original_headers;
use crate::base::Headers;
use crate::conn::BodyError;
use crate::conn::BodyLimits;
use crate::conn::budget::Grant;

/// A request as it arrived, whatever carried it: a socket, or the relay.
pub struct Arrival {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub version: String,
    pub headers: Headers,
    pub body: Bytes,
    /// Refused before it was read whole: the status and why.
    pub rejected: Option<(u16, String)>,
    pub peer: Option<String>,
    /// The URL the sender used, which URL-signing schemes (Twilio) sign.
    pub public_url: String,
    /// Whether that URL is worth recording (it came from the relay or --public-url).
    pub record_url: bool,
    pub source: &'static str,
    pub received_at: i64,
    pub start: Instant,
}

impl Arrival {
    /// The arrival, refused with 413 when its body is over `max` (a body the
    /// relay accepted may be over listen's own limit).
    pub fn within(mut self, max: u64) -> Arrival {
        let len = self.body.len() as u64;
        if len > max && self.rejected.is_none() {
            self.body = Bytes::new();
            self.rejected = Some((413, too_large(Some(len), max)));
        }
        self
    }
}

/// The door a request came in by.
pub struct Door<'a> {
    /// `--public-url`: the sender's URL is this joined with the target.
    pub public_url: Option<&'a str>,
    /// The scheme the connection speaks.
    pub scheme: &'a str,
    /// Whether `X-Forwarded-Proto` overrides it. listen trusts it: it sits on
    /// loopback behind the user's own tunnel. The relay faces the internet,
    /// where the header is anyone's to send.
    pub forwarded_proto: bool,
    pub limits: &'a BodyLimits,
}

/// A request read, and its body's share of the budget (hold it as long as
/// the body lives).
pub struct Read {
    pub arrival: Arrival,
    pub grant: Option<Grant>,
}

/// Reads the request hyper parsed, whose captured head is `head` (take it
/// first thing: heads are handed out in the order requests arrive). A body
/// over the limit or unreadable still makes an arrival, marked refused, so
/// the door can record it; one the budget or the timeout cut short is
/// nothing to record, and its error is answered with [`unread`].
pub async fn read(
    req: Request<Incoming>,
    head: Option<Vec<u8>>,
    peer: SocketAddr,
    door: &Door<'_>,
) -> Result<Read, BodyError> {
    let start = Instant::now();
    let received_at = crate::store::now_ms();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let target = target_of(&parts.uri);
    let headers = head
        .and_then(|head| original_headers(&head, &method, &parts.uri, &parts.headers))
        .unwrap_or_else(|| {
            parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
                .collect()
        });
    let public_url = sender_url(door, &parts, &target);

    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let limits = door.limits;
    // A head RFC 9112 says to refuse, or a body still coded (gzip under
    // chunked), recorded and sent on as if it were the sender's bytes, is
    // refused before the body is read.
    let fault = host_fault(parts.version, &parts.headers)
        .or_else(|| coding_fault(&parts.headers))
        .or_else(|| length_fault(parts.version, &method, &parts.headers));
    let (body, grant, rejected) = match fault {
        Some(fault) => (Bytes::new(), None, Some(fault)),
        None => {
            let read = match limits.admit(declared) {
                Ok(grant) => limits.read(body, grant).await,
                Err(e) => Err(e),
            };
            match read {
                Ok(b) => (b.bytes, Some(b.grant), None),
                Err(BodyError::TooLarge(max)) => {
                    (Bytes::new(), None, Some((413, too_large(declared, max))))
                }
                Err(e @ BodyError::Broken(_)) => (Bytes::new(), None, Some((400, e.to_string()))),
                Err(e) => return Err(e),
            }
        }
    };
    Ok(Read {
        arrival: Arrival {
            method,
            target,
            version: format!("{:?}", parts.version),
            headers,
            body,
            rejected,
            peer: Some(peer.to_string()),
            public_url,
            record_url: door.public_url.is_some(),
            source: "direct",
            received_at,
            start,
        },
        grant,
    })
}

/// The request-target as recorded: path and query (an absolute-form
/// target's too, whose authority the Host header repeats), else what the
/// client sent: `*` (asterisk-form, `OPTIONS *`) or `host:port`
/// (authority-form, `CONNECT`), which have no path to stand for them.
fn target_of(uri: &hyper::Uri) -> String {
    match uri.path_and_query() {
        Some(pq) => pq.as_str(),
        None => uri.authority().map_or("/", |a| a.as_str()),
    }
    .to_string()
}

/// What is wrong with the request's Host, if anything: RFC 9112 (3.2) has
/// an HTTP/1.1 request without one, or any with two, refused with 400. Two
/// leave the sender's URL (which Twilio signs) to whichever one is read.
fn host_fault(version: hyper::Version, headers: &hyper::HeaderMap) -> Option<(u16, String)> {
    match headers.get_all(HOST).iter().count() {
        0 if version == hyper::Version::HTTP_11 => Some((
            400,
            "an HTTP/1.1 request names its host: this one has no Host header".into(),
        )),
        0 | 1 => None,
        n => Some((
            400,
            format!("{n} Host headers: the host meant is ambiguous"),
        )),
    }
}

/// What is wrong with the request's transfer codings, if anything: hyper
/// decodes `chunked`, the last, and passes the rest by. A coding it does not
/// undo (`gzip, chunked`) is 501, as RFC 9112 (6.1) asks; `chunked` twice
/// is 400.
fn coding_fault(headers: &hyper::HeaderMap) -> Option<(u16, String)> {
    let codings: Vec<String> = headers
        .get_all(hyper::header::TRANSFER_ENCODING)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|c| String::from_utf8_lossy(c.trim_ascii()).to_ascii_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(other) = codings.iter().find(|c| *c != "chunked") {
        return Some((
            501,
            format!("Transfer-Encoding {other:?} is not supported: only chunked is undone"),
        ));
    }
    (codings.len() > 1).then(|| {
        (
            400,
            "Transfer-Encoding names chunked more than once".to_string(),
        )
    })
}

/// HTTP/1.0 has no chunked coding: a request's body is as long as its
/// Content-Length says, and one without it has none to read (RFC 9112,
/// 6.3). A sender whose POST, PUT or PATCH has a body but no length would
/// be answered 2xx for an empty one, its body lost; RFC 1945 (7.2.2) asks
/// such a request be refused, and 411 says what is missing.
fn length_fault(
    version: hyper::Version,
    method: &str,
    headers: &hyper::HeaderMap,
) -> Option<(u16, String)> {
    let framed = headers.contains_key(CONTENT_LENGTH)
        || headers.contains_key(hyper::header::TRANSFER_ENCODING);
    let carries = ["POST", "PUT", "PATCH"].contains(&method);
    (version == hyper::Version::HTTP_10 && carries && !framed).then(|| {
        (
            411,
            format!(
                "an HTTP/1.0 {method} gives its body's length: this one has no Content-Length, so its body cannot be told from the end of the connection"
            ),
        )
    })
}

fn too_large(declared: Option<u64>, max: u64) -> String {
    match declared {
        Some(n) => format!("body of {n} bytes is over --max-body {max}"),
        None => format!("body is over --max-body {max}"),
    }
}

/// The URL the sender used, from the Host header, or the target's own
/// authority when it has one (an absolute-form target, HTTP/2's
/// `:authority`), which RFC 9112 (3.2.2) says wins over Host.
fn sender_url(door: &Door<'_>, parts: &Parts, target: &str) -> String {
    let header = |name| parts.headers.get(name).and_then(|h| h.to_str().ok());
    let authority = parts.uri.scheme().and(parts.uri.authority());
    let host = authority
        .map(|a| a.as_str())
        .or_else(|| header(HOST.as_str()));
    let scheme = match door.forwarded_proto {
        true => header("x-forwarded-proto").unwrap_or(door.scheme),
        false => door.scheme,
    };
    crate::base::url::sender_url(door.public_url, scheme, host, target)
}

/// The answer to a request whose body was never read whole (too many bodies
/// in flight, or too slow): nothing was recorded, the sender retries.
pub fn unread(e: &BodyError) -> Reply {
    let (status, retry_after) = match e {
        BodyError::Busy => (503, Some(5)),
        BodyError::TimedOut(_) => (408, None),
        BodyError::TooLarge(_) => (413, None),
        BodyError::Broken(_) => (400, None),
        BodyError::Stopping => (503, Some(5)),
    };
    let body = serde_json::json!({ "error": e.to_string() }).to_string();
    let reply = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    closing(reply, retry_after)
}

/// An answer given before the body was read to its end: the connection
/// closes after it, so the rest of the body is never waited for (HTTP/1;
/// HTTP/2 resets just the stream).
pub fn closing(mut reply: Reply, retry_after: Option<u32>) -> Reply {
    let h = reply.headers_mut();
    h.insert(CONNECTION, HeaderValue::from_static("close"));
    if let Some(secs) = retry_after {
        h.insert(RETRY_AFTER, secs.into());
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(forwarded_proto: bool, limits: &BodyLimits) -> Door<'_> {
        Door {
            public_url: None,
            scheme: "https",
            forwarded_proto,
            limits,
        }
    }

    fn limits() -> BodyLimits {
        BodyLimits {
            max: 1,
            timeout: std::time::Duration::from_secs(1),
            budget: crate::conn::Budget::new(1),
            stopping: None,
        }
    }

    #[test]
    fn only_a_door_that_trusts_it_takes_x_forwarded_proto() {
        let limits = limits();
        let (parts, ()) = Request::builder()
            .uri("/dev/x?a=1")
            .header("host", "hooks.example")
            .header("x-forwarded-proto", "http")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(
            sender_url(&door(true, &limits), &parts, "/dev/x?a=1"),
            "http://hooks.example/dev/x?a=1"
        );
        assert_eq!(
            sender_url(&door(false, &limits), &parts, "/dev/x?a=1"),
            "https://hooks.example/dev/x?a=1"
        );
    }

    #[test]
    fn one_host_is_asked_of_http_1_1_and_never_two() {
        use hyper::Version;
        let mut h = hyper::HeaderMap::new();
        assert!(host_fault(Version::HTTP_11, &h).is_some());
        assert!(host_fault(Version::HTTP_10, &h).is_none());
        assert!(host_fault(Version::HTTP_2, &h).is_none());
        h.append("host", "a".parse().unwrap());
        assert!(host_fault(Version::HTTP_11, &h).is_none());
        h.append("host", "b".parse().unwrap());
        assert!(host_fault(Version::HTTP_10, &h).is_some());
    }

    #[test]
    fn only_chunked_once_is_a_transfer_coding_taken() {
        let fault = |values: &[&str]| {
            let mut h = hyper::HeaderMap::new();
            for v in values {
                h.append("transfer-encoding", v.parse().unwrap());
            }
            coding_fault(&h).map(|(status, _)| status)
        };
        assert_eq!(fault(&[]), None);
        assert_eq!(fault(&["Chunked"]), None);
        assert_eq!(fault(&["gzip, chunked"]), Some(501));
        assert_eq!(fault(&["x-custom", "chunked"]), Some(501));
        assert_eq!(fault(&["chunked, chunked"]), Some(400));
        assert_eq!(fault(&["chunked", "chunked"]), Some(400));
    }

    #[test]
    fn an_absolute_form_target_s_authority_wins_over_host() {
        let limits = limits();
        let (parts, ()) = Request::builder()
            .uri("http://hooks.example/tw?a=1")
            .header("host", "other.example")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(target_of(&parts.uri), "/tw?a=1");
        assert_eq!(
            sender_url(&door(false, &limits), &parts, "/tw?a=1"),
            "https://hooks.example/tw?a=1"
        );
    }

    #[test]
    fn a_relayed_body_over_the_limit_is_refused_with_413_and_not_kept() {
        let arrival = |body: &[u8]| Arrival {
            method: "POST".into(),
            target: "/".into(),
            version: "HTTP/1.1".into(),
            headers: Headers::new(),
            body: bytes::Bytes::copy_from_slice(body),
            rejected: None,
            peer: None,
            public_url: "http://x/".into(),
            record_url: true,
            source: "relay",
            received_at: 0,
            start: Instant::now(),
        };
        let over = arrival(b"12345").within(4);
        assert_eq!(
            over.rejected,
            Some((413, "body of 5 bytes is over --max-body 4".into()))
        );
        assert!(over.body.is_empty());
        let fits = arrival(b"1234").within(4);
        assert_eq!(
            (fits.rejected, fits.body),
            (None, bytes::Bytes::from_static(b"1234"))
        );
    }
}
