//! Secrets in use: what redacts secrets and credentials from what is
//! recorded, and (`resolve`) which secret each provider gets. The `Secret`
//! type itself, which never shows itself, is in `base`.

pub mod resolve;

pub use crate::base::secret::Secret;
pub use resolve::{Found, Origin, SecretEnv, Secrets};

/// What a header that carried a secret is stored as.
pub const REDACTED: &[u8] = b"(redacted by hookcli)";

/// `headers` with every value that contains one of the secrets replaced
/// by [`REDACTED`]: a scheme that sends the secret itself (GitLab's token)
/// must not put it in the store.
pub fn redact<'a>(
    headers: &crate::base::Headers,
    secrets: impl IntoIterator<Item = &'a Secret>,
) -> crate::base::Headers {
    let secrets: Vec<&[u8]> = secrets
        .into_iter()
        .map(Secret::as_bytes)
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() {
        return headers.clone();
    }
    headers
        .iter()
        .map(|(n, v)| {
            let hides = secrets.iter().any(|s| v.windows(s.len()).any(|w| w == *s));
            (
                n.to_string(),
                if hides { REDACTED.to_vec() } else { v.to_vec() },
            )
        })
        .collect()
}

/// Headers whose value is itself a credential, not a signature over the
/// request: HTTP's own (a Basic or Bearer `Authorization`, which Twilio sends
/// for credentials in the webhook URL and Zoom's legacy verification token
/// used; a proxy's; cookies) and GitLab's token. Kept by name, whatever
/// secret listen was given, or none.
pub const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "x-gitlab-token",
];

pub fn is_credential_header(name: &str) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(name))
}

/// `headers` with every credential header's value replaced by
/// [`REDACTED`]; borrowed when there is none, as for most deliveries.
pub fn redact_credentials(
    headers: &crate::base::Headers,
) -> std::borrow::Cow<'_, crate::base::Headers> {
    if !headers.iter().any(|(n, _)| is_credential_header(n)) {
        return std::borrow::Cow::Borrowed(headers);
    }
    std::borrow::Cow::Owned(
        headers
            .iter()
            .map(|(n, v)| {
                let v = if is_credential_header(n) { REDACTED } else { v };
                (n.to_string(), v.to_vec())
            })
            .collect(),
    )
}

/// A URL for logs and error texts: its userinfo and query, which may hold
/// credentials (`http://admin:pw@app/?apikey=…`), shown as `***`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(url) => redact_parsed(&url).into_owned(),
        Err(_) => "(a URL that does not parse)".into(),
    }
}

/// [`redact_url`] of a URL already parsed: borrowed when there is nothing
/// to hide, as for most targets.
pub fn redact_parsed(url: &url::Url) -> std::borrow::Cow<'_, str> {
    let userinfo = !url.username().is_empty() || url.password().is_some();
    if !userinfo && url.query().is_none() && url.fragment().is_none() {
        return std::borrow::Cow::Borrowed(url.as_str());
    }
    let mut url = url.clone();
    if userinfo {
        let _ = url.set_password(None);
        let _ = url.set_username("***");
    }
    if url.query().is_some() {
        url.set_query(Some("***"));
    }
    url.set_fragment(None);
    std::borrow::Cow::Owned(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("whsec_topsecret");
        assert_eq!(format!("{s:?} {s}"), "(redacted) (redacted)");
    }

    #[test]
    fn urls_in_logs_lose_userinfo_and_query() {
        assert_eq!(
            redact_url("http://admin:hunter2@127.0.0.1:9/base?apikey=SECRETKEY#f"),
            "http://***@127.0.0.1:9/base?***"
        );
        assert_eq!(redact_url("http://app:3000/x/y"), "http://app:3000/x/y");
        assert_eq!(redact_url("not a url"), "(a URL that does not parse)");
        // Parsed already: nothing to hide is lent, not copied.
        let plain = url::Url::parse("http://app:3000/x/y").unwrap();
        assert!(matches!(
            redact_parsed(&plain),
            std::borrow::Cow::Borrowed("http://app:3000/x/y")
        ));
        let hidden = url::Url::parse("http://u@app/?k=1#f").unwrap();
        assert_eq!(redact_parsed(&hidden), "http://***@app/?***");
    }

    #[test]
    fn credential_headers_are_redacted_by_name_in_place() {
        let h: crate::base::Headers = vec![
            ("Host", b"x".to_vec()),
            ("X-Gitlab-Token", b"glpat-1".to_vec()),
            ("AUTHORIZATION", b"Basic dTpw".to_vec()),
            ("X-Hub-Signature", b"sha1=00".to_vec()),
        ]
        .into_iter()
        .collect();
        let r = redact_credentials(&h);
        let got: Vec<(&str, &[u8])> = r.iter().collect();
        assert_eq!(
            got,
            [
                ("Host", b"x".as_slice()),
                ("X-Gitlab-Token", REDACTED),
                ("AUTHORIZATION", REDACTED),
                ("X-Hub-Signature", b"sha1=00".as_slice()),
            ]
        );
        let plain: crate::base::Headers = vec![("Host", b"x".to_vec())].into_iter().collect();
        assert!(matches!(
            redact_credentials(&plain),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
