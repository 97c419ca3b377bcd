//! Signature values made wrong in the ways receivers mishandle (check's
//! malformed- and truncated-signature cases, `send --tamper`): garbage a
//! naive parser crashes on, and the real MAC cut short (prefix compares).

/// Where the MAC is in a signature value: the longest run of hex or base64
/// characters (with its `=` padding), so that `t=…,v1=`, `sha256=`, `v0=`
/// and `v1,` prefixes stay as they are.
fn mac_range(value: &str) -> Option<std::ops::Range<usize>> {
    let b = value.as_bytes();
    let is_mac = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut i = 0;
    while i < b.len() {
        if !is_mac(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_mac(b[i]) {
            i += 1;
        }
        while i < b.len() && b[i] == b'=' {
            i += 1;
        }
        if best.as_ref().is_none_or(|r| i - start > r.len()) {
            best = Some(start..i);
        }
    }
    best
}

/// `value` with its MAC replaced by `f(mac)`.
fn replace_mac(value: &str, f: impl Fn(&str) -> String) -> String {
    match mac_range(value) {
        Some(r) => format!(
            "{}{}{}",
            &value[..r.start],
            f(&value[r.clone()]),
            &value[r.end..]
        ),
        None => f(value),
    }
}

/// One way of rewriting a signature value.
pub type Rewrite = Box<dyn Fn(&str) -> String>;

/// The malformed values sent: no structure at all, then the scheme's
/// shape around a MAC that is neither hex nor base64 (`sha256=zz`).
pub fn malformed() -> [Rewrite; 2] {
    [
        Box::new(|_: &str| "garbage".to_string()),
        Box::new(|v: &str| replace_mac(v, |_| "zz!".into())),
    ]
}

/// The truncated values sent: the MAC's first half, then an empty MAC
/// (`v1=`), which a prefix compare or a falsy check lets through.
pub fn truncated() -> [Rewrite; 2] {
    [
        Box::new(|v: &str| replace_mac(v, |m| m[..m.len() / 2].to_string())),
        Box::new(|v: &str| replace_mac(v, |_| String::new())),
    ]
}

/// The MAC in hex where it is sent in base64 (`None`: it is not base64).
pub fn as_hex(value: &str) -> Option<String> {
    let mac = &value[mac_range(value)?];
    let bytes = crate::base::crypto::b64_decode(mac).filter(|_| !is_hex_mac(mac))?;
    Some(replace_mac(value, |_| hex::encode(&bytes)))
}

/// The MAC in base64 where it is sent in hex (`None`: it is not hex).
pub fn as_base64(value: &str) -> Option<String> {
    let mac = &value[mac_range(value)?];
    let bytes = hex::decode(mac).ok().filter(|_| is_hex_mac(mac))?;
    Some(replace_mac(value, |_| crate::base::crypto::b64(&bytes)))
}

/// `value` with its MAC replaced by `mac`, in the encoding the one there
/// is in (`None`: neither hex nor base64).
pub fn with_mac(value: &str, mac: &[u8]) -> Option<String> {
    let there = &value[mac_range(value)?];
    let encoded = if is_hex_mac(there) {
        hex::encode(mac)
    } else {
        crate::base::crypto::b64_decode(there)?;
        crate::base::crypto::b64(mac)
    };
    Some(replace_mac(value, |_| encoded.clone()))
}

/// The base64 MAC with its letters' case swapped (`None`: it is hex,
/// which decodes the same in either case, or has no letters).
pub fn case_swapped(value: &str) -> Option<String> {
    let mac = &value[mac_range(value)?];
    if is_hex_mac(mac) || !mac.bytes().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    crate::base::crypto::b64_decode(mac)?;
    let swap = |c: char| match c {
        c if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
        c => c.to_ascii_lowercase(),
    };
    Some(replace_mac(value, |m| m.chars().map(swap).collect()))
}

/// A hex MAC's length: SHA-1, SHA-256 or SHA-512.
fn is_hex_mac(mac: &str) -> bool {
    matches!(mac.len(), 40 | 64 | 128) && mac.bytes().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mac_changes_encoding_behind_its_prefix() {
        let hex_mac = "ab".repeat(32);
        let b64_mac = crate::base::crypto::b64(&[0xab; 32]);
        assert_eq!(
            as_base64(&format!("sha256={hex_mac}")),
            Some(format!("sha256={b64_mac}"))
        );
        assert_eq!(as_hex(&b64_mac), Some(hex_mac.clone()));
        // Already in the encoding asked for: nothing to change.
        assert_eq!(as_hex(&format!("sha256={hex_mac}")), None);
        assert_eq!(as_base64(&b64_mac), None);
        assert_eq!(case_swapped("v1,ab+Cdw=="), Some("v1,AB+cDW==".into()));
        assert_eq!(case_swapped(&format!("sha256={hex_mac}")), None);
        let other = crate::base::crypto::b64(&[0xcd; 32]);
        assert_eq!(
            with_mac(&format!("v1,{b64_mac}"), &[0xcd; 32]),
            Some(format!("v1,{other}"))
        );
        assert_eq!(
            with_mac(&format!("t=1,v1={hex_mac}"), &[0xcd; 32]),
            Some(format!("t=1,v1={}", "cd".repeat(32)))
        );
    }

    #[test]
    fn the_mac_is_found_behind_each_scheme_prefix() {
        let hex = "a".repeat(64);
        let cut = |v: &str| (truncated()[0])(v);
        assert_eq!(
            cut(&format!("sha256={hex}")),
            format!("sha256={}", "a".repeat(32))
        );
        assert_eq!(
            cut(&format!("t=1700000000,v1={hex}")),
            format!("t=1700000000,v1={}", "a".repeat(32))
        );
        assert_eq!(
            cut("v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
            "v1,K5oZfzN95Z9UVu1EsfQmfV"
        );
        assert_eq!((truncated()[1])(&format!("v0={hex}")), "v0=");
        assert_eq!((malformed()[1])(&format!("sha256={hex}")), "sha256=zz!");
        assert_eq!((malformed()[0])("anything"), "garbage");
    }

    /// Every signed provider's value can be rewritten, and its own verify
    /// refuses each rewrite (Mailgun's, in the body, too).
    #[test]
    fn every_rewrite_is_refused_by_each_provider_own_verify() {
        use crate::forge::sample;
        use crate::provider::{VerifyOptions, all};
        use crate::secret::Secret;
        let shared = Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        for p in all().into_iter().filter(|p| p.signed()) {
            let (secret, public) = sample::keys(p.as_ref(), &shared);
            let event = crate::fixture::default_event(p.name()).unwrap();
            let signed = sample::forged(p.as_ref(), event, &secret, 1_700_000_000).request;
            for rewrite in malformed().iter().chain(truncated().iter()) {
                let mut req = signed.clone();
                assert!(p.map_signature(&mut req, rewrite.as_ref()), "{}", p.name());
                assert_ne!(req, signed, "{}", p.name());
                let v = p.verify(&req, &public, &VerifyOptions::at(1_700_000_003));
                assert!(!v.is_valid(), "{}: {v:?}", p.name());
            }
        }
    }
}
