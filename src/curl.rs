//! A curl command that sends a recorded delivery again, byte for byte:
//! `show --curl` prints it and the inspector copies it.

use crate::client::is_hop_by_hop;
use crate::provider::crypto::b64;
use crate::store::Delivery;

/// POSIX shell single-quoting: safe for any bytes but NUL.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One `-H` argument with the header's bytes exact. A value that is no
/// UTF-8 (a sender may send any byte past 0x7f) is written with printf's
/// octal escapes: printed as text, it had U+FFFD in place of those bytes.
fn header_arg(name: &str, value: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(value) {
        return quote(&format!("{name}: {text}"));
    }
    let mut format = String::new();
    for &b in [name.as_bytes(), b": ", value].concat().iter() {
        match b {
            b'%' => format.push_str("%%"),
            b'\\' => format.push_str("\\\\"),
            b' '..=b'~' => format.push(char::from(b)),
            _ => format.push_str(&format!("\\{b:03o}")),
        }
    }
    format!("\"$(printf {})\"", quote(&format))
}

/// Why no curl command sends `d` again: refused at capture (over
/// --max-body, cut short), its body was never kept, and a command with an
/// empty one would send another request. None when one does.
pub fn refusal(d: &Delivery) -> Option<String> {
    d.rejected.as_ref().map(|why| {
        format!(
            "delivery {} was refused at capture ({why}) and its body was not kept: no curl command sends it again",
            d.id
        )
    })
}

/// A curl command that sends the same request: the same method, headers
/// (hop-by-hop ones aside) and body, byte for byte.
pub fn command(d: &Delivery) -> String {
    let url = d.sender_url();
    let mut parts = vec![
        "curl".to_string(),
        "-sS".into(),
        "-X".into(),
        // A method is any HTTP token, and tokens may hold `&`, `|` or `$`:
        // only plain letters go unquoted.
        if d.method.bytes().all(|b| b.is_ascii_alphabetic()) {
            d.method.clone()
        } else {
            quote(&d.method)
        },
        quote(&url),
    ];
    // `*` (OPTIONS *) or `host:port` (CONNECT) is no part of a URL: curl
    // sends it as the request line's target in place of the URL's path.
    if !d.target.starts_with('/') {
        parts.push("--request-target".into());
        parts.push(quote(&d.target));
    }
    for (n, v) in d.headers.iter() {
        if is_hop_by_hop(n, None) || n.eq_ignore_ascii_case("expect") {
            continue;
        }
        parts.push("-H".into());
        parts.push(header_arg(n, v));
    }
    let has = |name: &str| d.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    // A request with no body and nothing that framed one goes without
    // --data-binary, which would add `Content-Length: 0`.
    let body = !d.body.is_empty() || has("content-length") || has("transfer-encoding");
    // `-H 'Name:'` stops curl adding a header of its own that the sender
    // did not send: its Accept and User-Agent, a form Content-Type for
    // --data-binary, and `Expect: 100-continue` before a large body.
    let mut own = vec!["Expect"];
    own.extend(["Accept", "User-Agent"].into_iter().filter(|n| !has(n)));
    if body && !has("content-type") {
        own.push("Content-Type");
    }
    for name in own {
        parts.push("-H".into());
        parts.push(quote(&format!("{name}:")));
    }
    if !body {
        return parts.join(" ");
    }
    match std::str::from_utf8(&d.body) {
        Ok(text) if !text.contains('\0') && !text.starts_with('@') => {
            parts.push("--data-binary".into());
            parts.push(quote(text));
            parts.join(" ")
        }
        // Bytes a shell argument cannot hold travel as base64.
        _ => format!(
            "printf %s {} | base64 -d | {} --data-binary @-",
            quote(&b64(&d.body)),
            parts.join(" ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::VerdictRecord;

    fn delivery(method: &str) -> Delivery {
        Delivery {
            id: "01m8fmww9jprv1y29c41206862".into(),
            received_at: 0,
            peer: None,
            method: method.into(),
            target: "/hooks".into(),
            http_version: "HTTP/1.1".into(),
            headers: vec![("Host".to_string(), b"127.0.0.1:8787".to_vec())]
                .into_iter()
                .collect(),
            body: b"{}".to_vec().into(),
            body_sha256: String::new(),
            provider: None,
            event_type: None,
            event_id: None,
            verdict: VerdictRecord {
                word: "unknown".into(),
                cause: None,
                explanation: None,
            },
            source: "direct".into(),
            public_url: None,
            rejected: None,
        }
    }

    #[test]
    fn a_target_that_is_no_path_is_sent_as_the_request_target() {
        let mut d = delivery("OPTIONS");
        d.target = "*".into();
        assert!(
            command(&d).starts_with(
                "curl -sS -X OPTIONS 'http://127.0.0.1:8787/' --request-target '*' -H"
            ),
            "{}",
            command(&d)
        );
        d.target = "/hooks".into();
        assert!(!command(&d).contains("--request-target"));
    }

    /// The shell's view of `cmd`'s arguments after `curl`: the `n`th one's bytes.
    fn argument(cmd: &str, n: usize) -> Vec<u8> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "set -- {}; printf '%s' \"${{{n}}}\"",
                cmd.trim_start_matches("curl ")
            ))
            .output()
            .expect("sh");
        out.stdout
    }

    #[test]
    fn a_header_value_that_is_no_utf8_reaches_curl_byte_for_byte() {
        let mut d = delivery("POST");
        let value = b"caf\xe9\xff 100% \\n 'q' $HOME".to_vec();
        d.headers = vec![("X-V".to_string(), value.clone())]
            .into_iter()
            .collect();
        let cmd = command(&d);
        assert_eq!(
            argument(&cmd, 6),
            [b"X-V: ".as_slice(), &value].concat(),
            "{cmd}"
        );
    }

    /// A sender picks the method; a token may hold shell syntax, which
    /// must reach curl as one quoted argument, never run.
    #[test]
    fn a_hostile_method_is_quoted() {
        assert!(command(&delivery("POST")).starts_with("curl -sS -X POST 'http://"));
        let cmd = command(&delivery("X&touch$IFS'pwned'&"));
        assert!(
            cmd.starts_with(r"curl -sS -X 'X&touch$IFS'\''pwned'\''&' 'http://"),
            "{cmd}"
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "set -- {}; printf '%s' \"$3\"",
                cmd.trim_start_matches("curl ")
            ))
            .output()
            .expect("sh");
        assert_eq!(out.stdout, b"X&touch$IFS'pwned'&", "one argument, as sent");
    }
}
