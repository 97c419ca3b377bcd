//! `--database-url`: only `postgres://` URLs, so the password has one
//! place to be found and hidden.

use super::DbError;

#[derive(Debug)]
pub(super) struct Parsed {
    pub shown: String,
    pub password: Option<String>,
}

pub(super) fn parse(raw: &str) -> Result<Parsed, DbError> {
    let bad = |why: &str| DbError::BadUrl {
        shown: redact(raw),
        why: why.into(),
    };
    let url = ::url::Url::parse(raw).map_err(|e| {
        bad(&format!(
            "is not a URL ({e}); the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        ))
    })?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(bad(&format!(
            "has scheme {:?}; the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad(
            "names no host; the form is postgres://USER:PASSWORD@HOST:PORT/DATABASE",
        ));
    }
    let password = url.password().map(percent_decode);
    Ok(Parsed {
        shown: redact(raw),
        password,
    })
}

/// `raw` with its password replaced by `***`, for every message and log.
/// Anything but a `postgres://` URL is not shown at all: where its
/// password sits is anyone's guess.
pub fn redact(raw: &str) -> String {
    match ::url::Url::parse(raw) {
        Ok(mut url) if matches!(url.scheme(), "postgres" | "postgresql") => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            // Query options may carry one too (`?password=`).
            if url.query().is_some_and(|q| q.contains("password")) {
                url.set_query(Some("***"));
            }
            url.to_string()
        }
        _ => "(not shown: not a postgres:// URL)".into(),
    }
}

fn percent_decode(s: &str) -> String {
    ::url::form_urlencoded::parse(format!("p={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        let p = parse("postgres://relay:s3cr%2Ft@db.internal:5432/hookcli").unwrap();
        assert_eq!(p.password.as_deref(), Some("s3cr/t"));
        assert_eq!(p.shown, "postgres://relay:***@db.internal:5432/hookcli");
        assert!(!redact("postgres://u@h/d?password=hunter2").contains("hunter2"));
        let e = parse("mysql://u:hunter2@h/d").unwrap_err().to_string();
        assert!(!e.contains("hunter2") && e.contains("scheme"), "{e}");
        let e = parse("u:hunter2@h/d").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
