//! The URL a sender used, worked out one way for every door a delivery
//! comes in by (listen, the relay) and for every tool that re-reads a record
//! (verify, curl): URL-signing schemes (Twilio) sign exactly this.

/// `public_base` joined with the target when the public URL is known
/// (`--public-url`), else rebuilt from the Host header, with the scheme the
/// request arrived by (or `X-Forwarded-Proto` from a proxy in front).
pub fn sender_url(
    public_base: Option<&str>,
    scheme: &str,
    host: Option<&str>,
    target: &str,
) -> String {
    // A target that is no path (`*` of `OPTIONS *`, `host:port` of
    // `CONNECT`) addresses the server itself: its root stands for it.
    let target = if target.starts_with('/') { target } else { "/" };
    match public_base {
        Some(base) => format!("{}{target}", base.trim_end_matches('/')),
        None => format!("{scheme}://{}{target}", host.unwrap_or("localhost")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_base_wins_and_loses_its_trailing_slash() {
        assert_eq!(
            sender_url(
                Some("https://hooks.example.com/"),
                "http",
                Some("x"),
                "/tw?a=1"
            ),
            "https://hooks.example.com/tw?a=1"
        );
        assert_eq!(
            sender_url(None, "https", Some("relay.example.com"), "/dev/x"),
            "https://relay.example.com/dev/x"
        );
        assert_eq!(sender_url(None, "http", None, "/"), "http://localhost/");
    }

    #[test]
    fn a_target_that_is_no_path_gives_the_server_s_root() {
        assert_eq!(sender_url(None, "http", Some("x:1"), "*"), "http://x:1/");
        assert_eq!(
            sender_url(None, "http", Some("x:1"), "evil.example:443"),
            "http://x:1/"
        );
        assert_eq!(
            sender_url(Some("https://hooks.example.com/"), "http", None, "*"),
            "https://hooks.example.com/"
        );
    }
}
