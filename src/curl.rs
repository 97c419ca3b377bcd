//! A curl command that sends a recorded delivery again, byte for byte:
//! `show --curl` prints it and the inspector copies it.

use crate::listen::forward::is_hop_by_hop;
use crate::provider::crypto::b64;
use crate::store::Delivery;

/// POSIX shell single-quoting: safe for any bytes but NUL.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A curl command that sends the same request: the same method, headers
/// (hop-by-hop ones aside) and body, byte for byte.
pub fn command(d: &Delivery) -> String {
    let url = d.public_url.clone().unwrap_or_else(|| {
        let host = d.headers.get_str("host").unwrap_or("127.0.0.1:8787");
        format!("http://{host}{}", d.target)
    });
    let mut parts = vec![
        "curl".to_string(),
        "-sS".into(),
        "-X".into(),
        d.method.clone(),
        quote(&url),
    ];
    for (n, v) in d.headers.iter() {
        if is_hop_by_hop(n, None) || n.eq_ignore_ascii_case("expect") {
            continue;
        }
        parts.push("-H".into());
        parts.push(quote(&format!("{n}: {}", String::from_utf8_lossy(v))));
    }
    parts.push("-H".into());
    parts.push(quote("Expect:"));
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
