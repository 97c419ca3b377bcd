//! The primitives every scheme shares: HMACs, constant-time comparison,
//! timestamp windows and random ids.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngExt;
use subtle::ConstantTimeEq;

use super::Failure;

/// HMAC digests hookcli can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Sha256,
    Sha1,
    Sha512,
}

/// HMAC of the concatenation of `parts`, without copying them together.
pub fn hmac(alg: Algorithm, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().to_vec()
    }
    match alg {
        Algorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, parts),
        Algorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, parts),
        Algorithm::Sha512 => run::<Hmac<sha2::Sha512>>(key, parts),
    }
}

pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    hmac(Algorithm::Sha256, key, parts)
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// Constant-time equality of two byte strings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Decodes standard base64 with or without its `=` padding, as the
/// providers' SDKs do.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(text).ok()
}

/// Parses a Unix timestamp header value.
pub fn parse_timestamp(header: &str, value: &str) -> Result<i64, Failure> {
    value.trim().parse::<i64>().map_err(|_| {
        Failure::malformed(
            header,
            format!("timestamp {value:?} is not a whole number of seconds"),
        )
    })
}

/// Rejects a timestamp further than `tolerance` seconds from `now`, in either direction.
pub fn check_window(timestamp: i64, now: i64, tolerance: u64) -> Result<(), Failure> {
    let age = now.saturating_sub(timestamp);
    let limit = i64::try_from(tolerance).unwrap_or(i64::MAX);
    if age > limit {
        Err(Failure::Stale { age, tolerance })
    } else if -age > limit {
        Err(Failure::Future {
            ahead: -age,
            tolerance,
        })
    } else {
        Ok(())
    }
}

const LOWER_DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";

/// Which characters a random id is drawn from.
#[derive(Clone, Copy, Debug)]
pub enum Alphabet {
    LowerAlnum,
    UpperAlnum,
    Base62,
    Hex,
    Digits,
}

/// A random string of `len` characters; `Digits` never starts with 0.
pub fn random_string(alphabet: Alphabet, len: usize) -> String {
    let chars = match alphabet {
        Alphabet::LowerAlnum => LOWER_DIGITS,
        Alphabet::UpperAlnum => UPPER_DIGITS,
        Alphabet::Base62 => BASE62,
        Alphabet::Hex => HEX,
        Alphabet::Digits => DIGITS,
    };
    let mut rng = rand::rng();
    (0..len)
        .map(|i| {
            let set = if i == 0 && matches!(alphabet, Alphabet::Digits) {
                &DIGITS[1..]
            } else {
                chars
            };
            set[rng.random_range(0..set.len())] as char
        })
        .collect()
}

/// A random version 4 UUID in lowercase hex.
pub fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Random bytes, for secrets that must differ from the real one.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut rng = rand::rng();
    (0..len).map(|_| rng.random::<u8>()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_names_stale_and_future() {
        assert_eq!(check_window(1000, 1300, 300), Ok(()));
        assert_eq!(
            check_window(1000, 1301, 300),
            Err(Failure::Stale {
                age: 301,
                tolerance: 300
            })
        );
        assert_eq!(
            check_window(1400, 1000, 300),
            Err(Failure::Future {
                ahead: 400,
                tolerance: 300
            })
        );
    }

    #[test]
    fn uuid_has_version_and_variant() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]));
    }

    /// The uuid crate's text: lowercase, hyphenated, version 4.
    #[test]
    fn uuid_is_lowercase_hyphenated_v4() {
        let u = uuid_v4();
        let parsed = uuid::Uuid::parse_str(&u).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(u, parsed.hyphenated().to_string());
        assert_eq!(u, u.to_ascii_lowercase());
        assert_ne!(u, uuid_v4());
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
