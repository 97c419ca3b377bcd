//! Network failures in plain words, with what to do about them. The
//! libraries' own texts carry Rust structures (`UnsupportedSignature…
//! Context { … }`), OS codes and links to their docs; none of that helps
//! someone whose app did not answer.

use std::error::Error;
use std::io::ErrorKind;

const TRUST: &str = "trust the server's certificate with --ca FILE, or --insecure for a local test";

/// Why a request failed, from the error and its causes: the innermost
/// cause hookcli knows, said plainly; else the innermost text, cleaned.
pub fn reason(err: &(dyn Error + 'static)) -> String {
    let mut innermost = err.to_string();
    let mut cause: Option<&(dyn Error + 'static)> = Some(err);
    let mut known = None;
    while let Some(e) = cause {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            known = Some(tls(t));
        } else if let Some(io) = e.downcast_ref::<std::io::Error>() {
            // A wrapper's kind (Other) says less than what it wraps.
            if !wraps_known(io) {
                known = io_words(io).or(known);
            }
        }
        innermost = e.to_string();
        cause = next(e);
    }
    known.unwrap_or_else(|| clean(&innermost))
}

fn wraps_known(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|i| i.is::<rustls::Error>() || i.is::<std::io::Error>())
}

/// The error `e` wraps: an `io::Error`'s `source()` skips the error it
/// holds (a TLS failure inside a stream error), so that one is taken.
fn next<'a>(e: &'a (dyn Error + 'static)) -> Option<&'a (dyn Error + 'static)> {
    match e.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn Error + 'static)),
        None => e.source(),
    }
}

/// The client's failure in words.
pub fn failure(e: &super::Error) -> String {
    match e {
        super::Error::Connect(io)
        | super::Error::Io(io)
        | super::Error::Read(
            super::ReadError::Io(io) | super::ReadError::ClosedBeforeAnswer(Some(io)),
        ) => io_words(io).unwrap_or_else(|| clean(&io.to_string())),
        other => clean(&other.to_string()),
    }
}

/// An OS or stream error in words, when it is one people meet.
pub fn io_words(e: &std::io::Error) -> Option<String> {
    if wraps_known(e) {
        return Some(reason(e));
    }
    let text = e.to_string();
    Some(match e.kind() {
        ErrorKind::ConnectionRefused => {
            "connection refused: nothing is listening there (is the app running, on that port?)"
                .into()
        }
        ErrorKind::ConnectionReset => "the server reset the connection".into(),
        ErrorKind::ConnectionAborted => "the connection was aborted".into(),
        ErrorKind::UnexpectedEof if text.contains("close_notify") => {
            "the server closed the connection without ending TLS (it stopped mid-answer, or it does not speak HTTPS there)".into()
        }
        ErrorKind::UnexpectedEof => "the server closed the connection before answering".into(),
        ErrorKind::TimedOut => "the connection timed out".into(),
        ErrorKind::AddrNotAvailable => "that address is not available on this machine".into(),
        _ if text.contains("failed to lookup address") || text.contains("Name or service not known") => {
            "the host name does not resolve (check the URL)".into()
        }
        _ => return None,
    })
}

/// A TLS failure in words, with the fix.
pub fn tls(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => certificate(&variant(&format!("{c:?}"))),
        // Offered http/1.1, then h2 (see `super::h2`): it took neither.
        rustls::Error::AlertReceived(rustls::AlertDescription::NoApplicationProtocol) => {
            "the server speaks neither HTTP/1.1 nor HTTP/2 there: its TLS handshake refused both".into()
        }
        rustls::Error::AlertReceived(a) => format!(
            "the server refused the TLS handshake ({}): check that it accepts this client and TLS 1.2 or 1.3",
            words(&variant(&format!("{a:?}")))
        ),
        rustls::Error::PeerIncompatible(_) => {
            "the server and hookcli have no TLS version or cipher in common: enable TLS 1.2 or 1.3 on the server".into()
        }
        rustls::Error::NoCertificatesPresented => "the server sent no certificate".into(),
        other => format!("TLS failed: {}", words(&variant(&format!("{other:?}")))),
    }
}

fn certificate(kind: &str) -> String {
    let what = match kind {
        "UnknownIssuer" => "the server's certificate is not signed by an authority this machine trusts",
        "CaUsedAsEndEntity" => {
            return "the server's certificate is a CA certificate: make a leaf one, e.g. openssl req -x509 … -addext basicConstraints=critical,CA:FALSE".into()
        }
        k if k.starts_with("Expired") => "the server's certificate has expired",
        k if k.starts_with("NotValidYet") => {
            return "the server's certificate is not valid yet: check this machine's clock".into()
        }
        k if k.starts_with("NotValidForName") => {
            return "the server's certificate does not name this host: use the name it was issued for, or reissue it for this one".into()
        }
        k if k.starts_with("UnsupportedSignatureAlgorithm") || k == "BadSignature" => {
            return "the server's certificate is signed in a way its key or hookcli does not accept: reissue it with ECDSA P-256 or RSA and SHA-256".into()
        }
        k if k.starts_with("InvalidPurpose") => {
            return "the server's certificate is not for a TLS server: reissue it with extendedKeyUsage=serverAuth".into()
        }
        "BadEncoding" => "the server's certificate is damaged",
        "Revoked" => "the server's certificate has been revoked",
        k => return format!("the server's certificate was refused ({}): {TRUST}", words(k)),
    };
    format!("{what}: {TRUST}")
}

/// `ExpiredContext { time: … }` → `ExpiredContext`.
fn variant(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
        .to_string()
}

/// `UnknownIssuer` → `unknown issuer`.
fn words(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A library's text without what is not for people: a trailing link to
/// its docs, a Rust structure, an OS error number.
pub fn clean(text: &str) -> String {
    let mut t = text.to_string();
    if let Some(at) = t.find(": https://docs.rs") {
        t.truncate(at);
    }
    if let Some(at) = t.find(" {") {
        t.truncate(at);
    }
    if let Some(at) = t.find(" (os error") {
        t.truncate(at);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_errors_read_as_words_with_the_fix() {
        let e = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let text = tls(&e);
        assert!(
            text.starts_with("the server's certificate is not signed"),
            "{text}"
        );
        assert!(text.contains("--ca FILE"), "{text}");
        let e = rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature);
        assert!(tls(&e).contains("reissue it"));
        // Its Display is a Rust structure; this must not be.
        let e = rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                signature_algorithm_id: vec![1, 2],
                public_key_algorithm_id: vec![3],
            },
        );
        let text = reason(&std::io::Error::other(std::io::Error::new(
            ErrorKind::InvalidData,
            e,
        )));
        assert!(text.contains("reissue it") && !text.contains('{'), "{text}");
    }

    #[test]
    fn close_notify_and_docs_links_are_plain() {
        let io = std::io::Error::new(
            ErrorKind::UnexpectedEof,
            "peer closed connection without sending TLS close_notify: https://docs.rs/rustls/latest/x",
        );
        let text = reason(&io);
        assert!(
            !text.contains("docs.rs") && !text.contains("close_notify"),
            "{text}"
        );
        assert_eq!(clean("bad thing: https://docs.rs/x"), "bad thing");
        assert_eq!(clean("Foo { a: 1 }"), "Foo");
        assert_eq!(
            clean("Connection refused (os error 111)"),
            "Connection refused"
        );
    }
}
