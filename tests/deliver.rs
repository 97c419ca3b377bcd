//! Small helpers shared by the store, redaction, escaping and sender-answer
//! tests (issue 14): one hand-written request to listen, a command against a
//! store, a token no fixture could hold by chance, the store's files.

use std::net::SocketAddr;
use std::path::Path;

use crate::common::{RawResponse, Run, hookcli, raw_request, request_head, run};

/// `POST target` with these headers (Host and Content-Length added) on a
/// fresh connection.
pub fn post(addr: SocketAddr, target: &str, headers: &[(&str, &[u8])], body: &[u8]) -> RawResponse {
    let mut all = vec![("Host".to_string(), addr.to_string().into_bytes())];
    all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_vec())));
    all.push(("Content-Length".into(), body.len().to_string().into_bytes()));
    raw_request(addr, &request_head("POST", target, &all), body).expect("an answer")
}

/// `hookcli ARGS --store STORE`, run to the end.
pub fn cli(store: &Path, args: &[&str]) -> Run {
    let mut cmd = hookcli();
    cmd.args(args).arg("--store").arg(store);
    run(&mut cmd)
}

/// A token of `prefix` and 32 hex digits, different at every call.
pub fn token(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    let n = N.fetch_add(1, Ordering::SeqCst);
    let mix =
        |x: u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ 0xD6E8_FEB8_6659_FD93;
    format!(
        "{prefix}{:016x}{:016x}",
        mix(t ^ u64::from(std::process::id())),
        mix(n.wrapping_add(t))
    )
}

/// Every file in the store folder (the database, its WAL and shared
/// memory), concatenated.
pub fn store_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).expect("store folder") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).expect("read a store file"));
        }
    }
    bytes
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The delivery id listen put in its answer.
pub fn delivery_id(answer: &RawResponse) -> String {
    answer
        .header("x-hookcli-delivery")
        .unwrap_or_else(|| panic!("no x-hookcli-delivery: {answer:?}"))
        .to_string()
}
