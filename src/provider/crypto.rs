//! The primitives every scheme shares: HMACs of the digests the schemes name,
//! and timestamp windows. Hashes, encodings and random ids are generic: they
//! live in `base::crypto` and are re-exported here for the schemes.

use hmac::{Hmac, KeyInit, Mac};

pub use crate::base::crypto::*;

use super::Failure;

/// HMAC digests hookcli can compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
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
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
