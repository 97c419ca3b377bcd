//! `--route MATCH=URL`: which app a delivery is forwarded to. MATCH is a
//! path prefix (`/billing`), a provider (`github`) or `provider:event-glob`
//! (`stripe:invoice.*`). The first match wins; `--url` is the fallback.

use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    PathPrefix(String),
    Provider(String),
    ProviderEvent(String, String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub when: Match,
    pub url: String,
}

impl FromStr for Route {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (m, url) = s
            .split_once('=')
            .ok_or_else(|| format!("--route {s:?} is not MATCH=URL"))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("--route {s:?}: {url:?} is not an http(s) URL"));
        }
        let when = if m.starts_with('/') {
            Match::PathPrefix(m.to_string())
        } else if let Some((p, glob)) = m.split_once(':') {
            Match::ProviderEvent(known(s, p)?, glob.to_string())
        } else if m.is_empty() {
            return Err(format!("--route {s:?} has nothing to match"));
        } else {
            Match::Provider(known(s, m)?)
        };
        Ok(Route {
            when,
            url: url.to_string(),
        })
    }
}

/// `name` lowercased when hookcli knows that provider; a route naming any
/// other would silently match nothing.
fn known(route: &str, name: &str) -> Result<String, String> {
    let name = name.to_ascii_lowercase();
    if crate::provider::NAMES.contains(&name.as_str()) {
        Ok(name)
    } else {
        Err(format!(
            "--route {route:?}: unknown provider {name:?} (known: {})",
            crate::provider::NAMES.join(", ")
        ))
    }
}

/// The MATCH as it is written on the command line (`stripe:invoice.*`).
impl std::fmt::Display for Match {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Match::PathPrefix(p) | Match::Provider(p) => f.write_str(p),
            Match::ProviderEvent(p, glob) => write!(f, "{p}:{glob}"),
        }
    }
}

impl Route {
    pub fn matches(&self, path: &str, provider: Option<&str>, event: Option<&str>) -> bool {
        match &self.when {
            Match::PathPrefix(prefix) => path_under(path, prefix),
            Match::Provider(p) => provider == Some(p.as_str()),
            Match::ProviderEvent(p, glob) => {
                provider == Some(p.as_str()) && event.is_some_and(|e| crate::glob::matches(glob, e))
            }
        }
    }
}

/// The first route that matches, else the fallback.
pub fn pick<'a>(
    routes: &'a [Route],
    fallback: Option<&'a str>,
    path: &str,
    provider: Option<&str>,
    event: Option<&str>,
) -> Option<&'a str> {
    routes
        .iter()
        .find(|r| r.matches(path, provider, event))
        .map(|r| r.url.as_str())
        .or(fallback)
}

/// True when `path` is `prefix` or below it (`/a` covers `/a` and `/a/b`, not `/ab`).
pub fn path_under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return true;
    }
    let path = path.split('?').next().unwrap_or(path);
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_kinds() {
        let r: Route = "stripe:invoice.*=http://localhost:3000/billing"
            .parse()
            .unwrap();
        assert_eq!(
            r.when,
            Match::ProviderEvent("stripe".into(), "invoice.*".into())
        );
        assert!(r.matches("/", Some("stripe"), Some("invoice.paid")));
        assert!(!r.matches("/", Some("stripe"), Some("charge.refunded")));
        let r: Route = "/gh=http://localhost:3000/gh".parse().unwrap();
        assert!(r.matches("/gh/x?y=1", None, None) && !r.matches("/ghost", None, None));
        let r: Route = "GitHub=http://x/".parse().unwrap();
        assert!(r.matches("/", Some("github"), None));
        assert!("nothing".parse::<Route>().is_err());
        assert!("a=ftp://x".parse::<Route>().is_err());
        assert!("bogus=http://x/".parse::<Route>().is_err());
        assert!("bogus:a.*=http://x/".parse::<Route>().is_err());
    }

    #[test]
    fn first_match_wins_then_fallback() {
        let routes: Vec<Route> = ["stripe:invoice.*=http://a/", "stripe=http://b/"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(
            pick(
                &routes,
                Some("http://c/"),
                "/",
                Some("stripe"),
                Some("invoice.paid")
            ),
            Some("http://a/")
        );
        assert_eq!(
            pick(
                &routes,
                Some("http://c/"),
                "/",
                Some("stripe"),
                Some("charge.x")
            ),
            Some("http://b/")
        );
        assert_eq!(
            pick(&routes, Some("http://c/"), "/", Some("github"), None),
            Some("http://c/")
        );
        assert_eq!(pick(&routes, None, "/", None, None), None);
    }
}
