//! Keys of the asymmetric schemes (Ed25519, ECDSA P-256): which kind of key
//! each side holds, and fresh pairs for `hookcli keygen`. The providers
//! decode their own encodings; the maths is RustCrypto's.

use crate::base::secret::Secret;

/// What a key is used for: the sender signs with the private key, a
/// receiver verifies with the public one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// `send`, `check`, `replay --resign`: the private key.
    Sign,
    /// `listen`, `verify`: the public key.
    Verify,
}

/// A fresh key pair in a provider's own encodings.
#[derive(Clone, Debug)]
pub struct KeyPair {
    /// The signature algorithm, e.g. `Ed25519`.
    pub algorithm: &'static str,
    /// For `send`, `check` and `replay --resign`.
    pub private: Secret,
    /// For `listen` and `verify`, as the provider's dashboard shows it.
    pub public: String,
}

/// 32 bytes from the operating system's random source.
pub fn random_32() -> [u8; 32] {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system has a random source");
    seed
}

/// A fresh Ed25519 signing key.
pub fn ed25519_signing_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&random_32())
}

/// A fresh P-256 signing key (a random scalar below the group order).
pub fn p256_signing_key() -> p256::ecdsa::SigningKey {
    loop {
        // Fails only for zero or a value past the order: about 2^-32.
        if let Ok(key) = p256::ecdsa::SigningKey::from_slice(&random_32()) {
            return key;
        }
    }
}

/// Key text as pasted: PEM armour and whitespace removed, so that a key
/// copied with its `-----BEGIN ...-----` lines or wrapped still decodes.
pub fn strip_pem(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_armour_and_line_breaks_are_dropped() {
        let pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYH\n KoZIzj0C\n-----END PUBLIC KEY-----\n";
        assert_eq!(strip_pem(pem), "MFkwEwYHKoZIzj0C");
        assert_eq!(strip_pem(" abc "), "abc");
    }

    #[test]
    fn fresh_keys_differ() {
        assert_ne!(random_32(), random_32());
        assert_ne!(
            ed25519_signing_key().to_bytes(),
            ed25519_signing_key().to_bytes()
        );
    }
}
