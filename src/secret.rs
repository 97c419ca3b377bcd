//! A secret that never shows itself: Debug and Display print `(redacted)`,
//! so it cannot leak into logs, errors or JSON by accident.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret's text, for the one place that needs it: the key.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// What a header that carried a secret is stored as.
pub const REDACTED: &[u8] = b"(redacted by hookcli)";

/// `headers` with every value that contains the secret replaced by
/// [`REDACTED`]: a scheme that sends the secret itself (GitLab's token)
/// must not put it in the store.
pub fn redact(
    headers: &crate::provider::Headers,
    secret: Option<&Secret>,
) -> crate::provider::Headers {
    let Some(secret) = secret.map(Secret::as_bytes).filter(|s| !s.is_empty()) else {
        return headers.clone();
    };
    headers
        .iter()
        .map(|(n, v)| {
            let hides = v.windows(secret.len()).any(|w| w == secret);
            (
                n.to_string(),
                if hides { REDACTED.to_vec() } else { v.to_vec() },
            )
        })
        .collect()
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("whsec_topsecret");
        assert_eq!(format!("{s:?} {s}"), "(redacted) (redacted)");
    }
}
