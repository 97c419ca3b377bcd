//! The request head, written exactly as given: header names in their
//! case, in their order, repeated names where they stood, and nothing added
//! but `Host` (when the headers have none) and `Content-Length`. The same
//! bytes go to `http://` and `https://` targets.

use std::io::Write;

use super::Error;
use super::framed::Framing;

/// Headers that frame the message: the body decides them, never the caller.
const FRAMING: &[&str] = &["content-length", "transfer-encoding"];

/// `host:port` as written in the URL (the default port left out).
pub fn authority(url: &url::Url) -> Result<String, Error> {
    let host = url
        .host_str()
        .ok_or_else(|| Error::BadRequest("the URL has no host".into()))?;
    Ok(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

pub struct Head {
    pub bytes: Vec<u8>,
    /// The caller asked for `Connection: close`.
    pub close: bool,
}

pub fn request_head<'h>(
    method: &str,
    url: &url::Url,
    raw: &str,
    headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
    body: &[u8],
    framing: Framing,
) -> Result<Head, Error> {
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    {
        return Err(Error::BadRequest(format!(
            "method {method:?} is not a token"
        )));
    }
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    match raw_target(url, raw) {
        Some(target) => out.extend_from_slice(target.as_bytes()),
        None => {
            out.extend_from_slice(url.path().as_bytes());
            if let Some(q) = url.query() {
                out.push(b'?');
                out.extend_from_slice(q.as_bytes());
            }
        }
    }
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let host_at = out.len();
    let mut has_host = false;
    let mut close = false;
    for (name, value) in headers {
        has_host |= name.eq_ignore_ascii_case("host");
        if FRAMING.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            continue;
        }
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(Error::BadRequest(format!(
                "header name {name:?} is not a token"
            )));
        }
        if value.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(Error::BadRequest(format!(
                "header {name}: the value holds a line break"
            )));
        }
        if name.eq_ignore_ascii_case("connection")
            && value
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
        {
            close = true;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    // The recorded Host names where the delivery first arrived; the target
    // is this URL. A Host the caller chose (send -H Host:…) is kept. Put
    // first, in place, so that the headers need no list of their own.
    if !has_host {
        let authority = authority(url)?;
        let line: [&[u8]; 3] = [b"Host: ", authority.as_bytes(), b"\r\n"];
        out.splice(host_at..host_at, line.into_iter().flatten().copied());
    }
    // A body is framed by its length; a bodiless GET or HEAD says nothing.
    let bodiless = matches!(method, "GET" | "HEAD" | "DELETE" | "OPTIONS" | "TRACE");
    if framing == Framing::Chunked {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
    } else if !body.is_empty() || !bodiless {
        let _ = write!(out, "Content-Length: {}\r\n", body.len());
    }
    if framing == Framing::ExpectContinue {
        out.extend_from_slice(b"Expect: 100-continue\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(Head { bytes: out, close })
}

/// The path and query of `raw`, the URL as the caller wrote it, when they
/// can go on the request line as they are. Parsing percent-encodes what a
/// sender may well send raw (`{id}` or UTF-8 in a path, `'` in a query), so
/// a forward or replay would reach the app at another path than the one
/// recorded. Taken only when `raw` names the same origin as `url` spelled
/// the same way, and holds nothing a request line cannot (spaces, controls,
/// a fragment); otherwise the parsed form goes. So does a path with dot
/// segments: the parsed form has them resolved, as the check that a
/// forward or replay stays below its base judged it.
fn raw_target<'a>(url: &url::Url, raw: &'a str) -> Option<&'a str> {
    let origin = &url[..url::Position::BeforePath];
    let rest = raw.strip_prefix(origin)?;
    let fit = |b: u8| b > b' ' && b != 0x7f && b != b'#';
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    let dotted = path.split('/').any(|s| is_dot_segment(s.as_bytes()));
    (rest.starts_with('/') && rest.bytes().all(fit) && !dotted).then_some(rest)
}

/// `.` or `..`, each dot plain or `%2e` in either case; no allocation, as
/// this runs for every forward.
fn is_dot_segment(s: &[u8]) -> bool {
    let dot = |d: &[u8]| d == b"." || d.eq_ignore_ascii_case(b"%2e");
    dot(s) || (1..s.len()).any(|i| dot(&s[..i]) && dot(&s[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &[u8])], body: &[u8]) -> String {
        let url = url::Url::parse("http://127.0.0.1:8080/hooks/a?x=1&x=2").unwrap();
        let h = request_head(
            "POST",
            &url,
            url.as_str(),
            headers.iter().copied(),
            body,
            Framing::Length,
        )
        .unwrap();
        String::from_utf8(h.bytes).unwrap()
    }

    #[test]
    fn writes_headers_as_given_with_host_and_length() {
        let got = head(
            &[
                ("X-Dup", b"a"),
                ("x-between", b"z"),
                ("X-Dup", b"b"),
                ("Content-Length", b"999"),
            ],
            b"{}",
        );
        assert_eq!(
            got,
            "POST /hooks/a?x=1&x=2 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Dup: a\r\n\
             x-between: z\r\nX-Dup: b\r\nContent-Length: 2\r\n\r\n"
        );
    }

    #[test]
    fn a_given_host_is_kept_and_line_breaks_are_refused() {
        assert!(head(&[("Host", b"example.test")], b"").starts_with(
            "POST /hooks/a?x=1&x=2 HTTP/1.1\r\nHost: example.test\r\nContent-Length: 0\r\n"
        ));
        let url = url::Url::parse("http://h/").unwrap();
        let bad: &[(&str, &[u8])] = &[("X-A", b"1\r\nX-Injected: 1")];
        let h = request_head(
            "POST",
            &url,
            url.as_str(),
            bad.iter().copied(),
            b"",
            Framing::Length,
        );
        assert!(h.is_err());
    }

    #[test]
    fn an_https_default_port_is_left_out_of_host() {
        let url = url::Url::parse("https://example.test/h").unwrap();
        let none: [(&str, &[u8]); 0] = [];
        let h = request_head("GET", &url, url.as_str(), none, b"", Framing::Length).unwrap();
        assert_eq!(h.bytes, b"GET /h HTTP/1.1\r\nHost: example.test\r\n\r\n");
    }

    #[test]
    fn the_target_goes_as_the_caller_wrote_it() {
        let line = |raw: &str| {
            let url = url::Url::parse(raw).unwrap();
            let none: [(&str, &[u8]); 0] = [];
            let h = request_head("POST", &url, raw, none, b"", Framing::Length).unwrap();
            let text = String::from_utf8(h.bytes).unwrap();
            text.split("\r\n").next().unwrap().to_string()
        };
        // Parsing would send /app/%7Bid%7D/caf%C3%A9?q=%22a%22.
        assert_eq!(
            line("http://127.0.0.1:9/app/{id}/caf\u{e9}?q=\"a\"&q=%41"),
            "POST /app/{id}/caf\u{e9}?q=\"a\"&q=%41 HTTP/1.1"
        );
        // Another spelling of the origin, or what no request line holds:
        // the parsed form.
        assert_eq!(line("http://LOCALHOST:80/a b"), "POST /a%20b HTTP/1.1");
        assert_eq!(line("http://h/a#frag"), "POST /a HTTP/1.1");
        assert_eq!(line("http://h?x=1"), "POST /?x=1 HTTP/1.1");
        assert_eq!(line("http://h/a/%2E./b?x=/../"), "POST /b?x=/../ HTTP/1.1");
    }
}
