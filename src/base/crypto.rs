//! Hashes, constant-time comparison, base64 and random ids: generic
//! primitives with no notion of a provider.

use base64::Engine as _;
use rand::RngExt;
use subtle::ConstantTimeEq;

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
}
