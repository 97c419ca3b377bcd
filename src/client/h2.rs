//! HTTP/2, for an `https://` target that speaks nothing else: its TLS
//! handshake refuses http/1.1, the one protocol offered first, and a second
//! handshake offers h2 alone. HTTP/1.1 stays the rule because only it keeps
//! header lines as given: HTTP/2 writes names in lowercase, and hyper's
//! header map sends a repeated name's values together.
//!
//! One connection per target carries every request to it (HTTP/2
//! multiplexes); a closed one is opened again once.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http2::{self, SendRequest};
use hyper_util::rt::{TokioExecutor, TokioIo};

use super::conn::{self, Conn};
use super::response::{Answer, ReadError};
use super::{Error, MAX_ANSWER_BODY, Trust};

type Sender = SendRequest<Full<Bytes>>;

/// The targets known to speak HTTP/2 only, by `scheme://host:port`, each
/// with its connection.
#[derive(Default)]
pub struct Targets(Mutex<HashMap<String, Sender>>);

impl Targets {
    /// The connection to `key`, when it is known to need HTTP/2.
    fn get(&self, key: &str) -> Option<Sender> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).cloned()
    }

    /// Whether `key` is known to need HTTP/2.
    pub fn needs(&self, key: &str) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.contains_key(key)
    }

    fn put(&self, key: &str, sender: Sender) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(key.to_string(), sender);
    }
}

/// The handshake failed because the server speaks no protocol offered
/// (TLS alert no_application_protocol): it wants HTTP/2.
pub fn refused_http1(e: &Error) -> bool {
    let Error::Connect(io) = e else { return false };
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|tls| {
            matches!(
                tls,
                rustls::Error::AlertReceived(rustls::AlertDescription::NoApplicationProtocol)
            )
        })
}

/// A request in the parts HTTP/2 takes.
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a url::Url,
    /// The URL as the caller wrote it: its path and query go as written.
    pub raw: &'a str,
    pub headers: Vec<(&'a str, &'a [u8])>,
    pub body: &'a [u8],
}

/// Sends `req` over the target's HTTP/2 connection, opening it (and
/// remembering that the target needs HTTP/2) when there is none or the one
/// there has closed.
pub async fn send(
    targets: &Targets,
    trust: &Trust,
    key: &str,
    req: &Request<'_>,
) -> Result<Answer, Error> {
    if let Some(mut sender) = targets.get(key)
        && sender.ready().await.is_ok()
    {
        return exchange(&mut sender, req).await;
    }
    let mut sender = connect(req.url, trust).await?;
    targets.put(key, sender.clone());
    exchange(&mut sender, req).await
}

async fn connect(url: &url::Url, trust: &Trust) -> Result<Sender, Error> {
    let conn = conn::connect(url, Some(trust.connector_h2())).await?;
    if let Conn::Tls(tls) = &conn
        && tls.get_ref().1.alpn_protocol() != Some(b"h2")
    {
        return Err(Error::Connect(std::io::Error::other(
            "the server refused http/1.1 and did not take h2 either",
        )));
    }
    let (sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(conn))
        .await
        .map_err(|e| Error::Connect(std::io::Error::other(format!("HTTP/2 handshake: {e}"))))?;
    // The connection runs beside the requests it carries, until it closes.
    tokio::spawn(connection);
    Ok(sender)
}

async fn exchange(sender: &mut Sender, req: &Request<'_>) -> Result<Answer, Error> {
    let request = build(req)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| Error::Read(ReadError::Malformed(format!("HTTP/2: {e}"))))?;
    let (parts, body) = response.into_parts();
    let body = Limited::new(body, MAX_ANSWER_BODY)
        .collect()
        .await
        .map_err(|e| match e.downcast::<http_body_util::LengthLimitError>() {
            Ok(_) => Error::Read(ReadError::TooLarge(MAX_ANSWER_BODY)),
            Err(e) => Error::Read(ReadError::Malformed(format!("HTTP/2: {e}"))),
        })?
        .to_bytes();
    Ok(Answer {
        status: parts.status.as_u16(),
        reason: parts.status.canonical_reason().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
            .collect(),
        body: body.to_vec(),
    })
}

/// Headers HTTP/2 carries otherwise (`Host` as the authority, the length
/// from the body) or forbids (connection-specific ones).
fn left_out(name: &str) -> bool {
    ["host", "content-length"]
        .iter()
        .chain(super::HOP_BY_HOP)
        .any(|h| name.eq_ignore_ascii_case(h))
}

fn build(req: &Request<'_>) -> Result<hyper::Request<Full<Bytes>>, Error> {
    let bad = |what: String| Error::BadRequest(what);
    // The path and query as written; the parsed URL when the raw one does
    // not parse as a request URI.
    let uri = req
        .raw
        .parse::<hyper::Uri>()
        .or_else(|_| req.url.as_str().parse::<hyper::Uri>())
        .map_err(|e| bad(format!("the URL cannot go in an HTTP/2 request: {e}")))?;
    let mut builder = hyper::Request::builder()
        .method(req.method)
        .uri(uri)
        .version(hyper::Version::HTTP_2);
    for &(name, value) in &req.headers {
        if left_out(name) {
            continue;
        }
        let name = hyper::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| bad(format!("header {name} cannot go in an HTTP/2 request")))?;
        let value = hyper::header::HeaderValue::from_bytes(value).map_err(|_| {
            bad(format!(
                "header {name}'s value cannot go in an HTTP/2 request"
            ))
        })?;
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::copy_from_slice(req.body)))
        .map_err(|e| bad(format!("not an HTTP/2 request: {e}")))
}
