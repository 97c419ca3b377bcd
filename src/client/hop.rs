//! What crosses to the target and where it goes: hop-by-hop headers stay
//! behind, and the target URL is the base joined with the request's path.

/// Headers that belong to one connection and are never passed on.
pub const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// True when a header must not cross the proxy (including any that the
/// request's own `Connection` header names).
pub fn is_hop_by_hop(name: &str, connection: Option<&str>) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
        || connection.is_some_and(|c| crate::base::request::lists_token(c.as_bytes(), name))
}

/// The app URL for a request: the target's path joined with the part of
/// the request path below `--path`, then the request's query.
pub fn join_url(base: &str, prefix: &str, target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let prefix = prefix.trim_end_matches('/');
    let rest = path.strip_prefix(prefix).unwrap_or(path);
    let (base_no_query, base_query) = match base.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (base, None),
    };
    let mut url = if rest.is_empty() || rest == "/" {
        base_no_query.to_string()
    } else {
        format!(
            "{}/{}",
            base_no_query.trim_end_matches('/'),
            rest.trim_start_matches('/')
        )
    };
    let queries: Vec<&str> = [base_query, query]
        .into_iter()
        .flatten()
        .filter(|q| !q.is_empty())
        .collect();
    if !queries.is_empty() {
        url.push('?');
        url.push_str(&queries.join("&"));
    }
    url
}

/// Whether an answer's status may be handed back to the sender: a final
/// one. A 1xx (101 above all: a switch of protocols the sender never asked
/// for, which a proxy in front may take for a tunnel) or a status past 599
/// is no answer to a webhook.
pub fn is_final_status(status: u16) -> bool {
    (200..=599).contains(&status)
}

/// True when `target`'s `.` or `..` segments (plain or percent-encoded)
/// would take `url`, the target joined to `base`, out from under base's
/// path, as URL parsing resolves them. A sender picks the target: neither a
/// forward nor a replay may follow it elsewhere on the app.
pub fn leaves_base(base: &str, target: &str, url: &str) -> bool {
    may_hold_dot_segments(target) && escapes(base, url)
}

/// Whether the path (before any query) could hold a `.` or `..` segment,
/// plain or percent-encoded: without a `.` or a `%` it cannot, and the
/// URL parsing in [`escapes`] is skipped.
fn may_hold_dot_segments(target: &str) -> bool {
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    path.bytes().any(|b| b == b'.' || b == b'%')
}

fn escapes(base: &str, url: &str) -> bool {
    let (Ok(base), Ok(url)) = (url::Url::parse(base), url::Url::parse(url)) else {
        return true;
    };
    let prefix = base.path().trim_end_matches('/');
    let path = url.path();
    !(path == prefix || path.starts_with(&format!("{prefix}/")) || prefix.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_and_queries() {
        assert_eq!(
            join_url("http://app/webhooks", "/", "/"),
            "http://app/webhooks"
        );
        assert_eq!(
            join_url("http://app/webhooks", "/", "/stripe?x=1&x=2"),
            "http://app/webhooks/stripe?x=1&x=2"
        );
        assert_eq!(
            join_url("http://app/", "/hooks", "/hooks/gh"),
            "http://app/gh"
        );
        assert_eq!(
            join_url("http://app/w?k=v", "/", "/?a=b"),
            "http://app/w?k=v&a=b"
        );
    }

    #[test]
    fn only_final_statuses_are_handed_back() {
        assert!(is_final_status(200) && is_final_status(599));
        assert!(!is_final_status(101) && !is_final_status(100) && !is_final_status(600));
    }

    #[test]
    fn hop_by_hop_includes_connection_tokens() {
        assert!(is_hop_by_hop("Transfer-Encoding", None));
        assert!(is_hop_by_hop("X-Private", Some("keep-alive, X-Private")));
        assert!(!is_hop_by_hop("Stripe-Signature", Some("close")));
    }

    #[test]
    fn dot_segments_cannot_leave_the_target() {
        assert!(!escapes("http://app/base", "http://app/base/x?y=1"));
        assert!(!escapes("http://app/base", "http://app/base"));
        assert!(escapes("http://app/base", "http://app/base/%2e%2e/outside"));
        assert!(escapes("http://app/base", "http://app/base/../x"));
        assert!(!escapes("http://app/", "http://app/anything"));
    }

    #[test]
    fn only_paths_without_dots_or_escapes_skip_the_check() {
        use super::may_hold_dot_segments as may;
        assert!(!may("/hooks/stripe?next=../x"));
        assert!(!may("/hooks//a/b"));
        assert!(may("/hooks/../x"));
        assert!(may("/hooks/%2e%2e/x"));
        assert!(may("/hooks/.%2E"));
        assert!(may("/hooks/file.json"));
    }
}
