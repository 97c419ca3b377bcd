//! What keeps a local web server from being someone else's tool: a
//! per-launch token, a Host check against DNS rebinding, a same-origin check
//! on every request that changes something, and headers that forbid
//! framing, sniffing and any script or style but the page's own. No CORS
//! header is ever sent, so other origins cannot read an answer.

use std::net::{IpAddr, SocketAddr};

use subtle::ConstantTimeEq;

/// The header the page sends its token in.
pub const TOKEN_HEADER: &str = "x-hookcli-token";

/// A fresh random token: 32 bytes, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Why a request was refused, with the status it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: &'static str,
}

const fn refuse(status: u16, message: &'static str) -> Refusal {
    Refusal { status, message }
}

/// The checks, fixed at launch.
#[derive(Clone, Debug)]
pub struct Guard {
    token: String,
    bound: SocketAddr,
}

impl Guard {
    pub fn new(token: String, bound: SocketAddr) -> Self {
        Self { token, bound }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The Host a browser sends when it loads the printed URL.
    pub fn authority(&self) -> String {
        match self.bound.ip() {
            ip if ip.is_unspecified() => format!("127.0.0.1:{}", self.bound.port()),
            _ => self.bound.to_string(),
        }
    }

    /// The Host header must name this server by address or as localhost:
    /// a rebound DNS name (attacker.example resolving to 127.0.0.1) is refused.
    pub fn check_host(&self, host: Option<&str>) -> Result<(), Refusal> {
        let wrong = refuse(
            421,
            "the Host header does not name this inspector (open it by the printed address)",
        );
        let host = host.ok_or(wrong)?.trim().to_ascii_lowercase();
        let port = self.bound.port().to_string();
        let (name, p) = host.rsplit_once(':').ok_or(wrong)?;
        if p != port {
            return Err(wrong);
        }
        if name == "localhost" {
            return Ok(());
        }
        let ip: IpAddr = name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| wrong)?;
        // Bound to every address: any address literal is fine (a rebound
        // name never is); otherwise only the bound one.
        if ip == self.bound.ip() || self.bound.ip().is_unspecified() {
            Ok(())
        } else {
            Err(wrong)
        }
    }

    /// The token the page was given, compared in constant time.
    pub fn check_token(&self, given: Option<&[u8]>) -> Result<(), Refusal> {
        match given {
            None => Err(refuse(
                401,
                "this needs the inspector's token (open the URL inspect printed)",
            )),
            Some(t) if bool::from(t.ct_eq(self.token.as_bytes())) => Ok(()),
            Some(_) => Err(refuse(
                403,
                "wrong token (it changes at every launch: open the URL inspect printed)",
            )),
        }
    }

    /// A request that changes something must come from this page: an
    /// Origin, when sent, equal to this server's; no cross-site fetch
    /// metadata; and a JSON body, which a plain HTML form cannot send.
    pub fn check_same_origin(
        &self,
        host: &str,
        origin: Option<&str>,
        fetch_site: Option<&str>,
        content_type: Option<&str>,
    ) -> Result<(), Refusal> {
        let cross = refuse(403, "refused: the request comes from another origin");
        if let Some(origin) = origin
            && !origin.eq_ignore_ascii_case(&format!("http://{host}"))
        {
            return Err(cross);
        }
        if let Some(site) = fetch_site
            && !matches!(site, "same-origin" | "none")
        {
            return Err(cross);
        }
        let json = content_type.is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
        if !json {
            return Err(refuse(415, "send the request as application/json"));
        }
        Ok(())
    }
}

/// Headers on every answer: only the page's own scripts and styles, no
/// framing, no MIME sniffing, no referrer (the URL may hold the token),
/// nothing cached.
pub const HARDENING: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new("t0ken".into(), "127.0.0.1:4040".parse().unwrap())
    }

    #[test]
    fn host_must_name_this_server() {
        let g = guard();
        assert!(g.check_host(Some("127.0.0.1:4040")).is_ok());
        assert!(g.check_host(Some("localhost:4040")).is_ok());
        for bad in [
            None,
            Some("attacker.example:4040"),
            Some("127.0.0.1:4041"),
            Some("127.0.0.1"),
            Some("10.0.0.1:4040"),
        ] {
            assert_eq!(g.check_host(bad).unwrap_err().status, 421, "{bad:?}");
        }
    }

    #[test]
    fn token_and_origin() {
        let g = guard();
        assert!(g.check_token(Some(b"t0ken")).is_ok());
        assert_eq!(g.check_token(None).unwrap_err().status, 401);
        assert_eq!(g.check_token(Some(b"t0kem")).unwrap_err().status, 403);
        let host = "127.0.0.1:4040";
        let json = Some("application/json");
        assert!(
            g.check_same_origin(
                host,
                Some("http://127.0.0.1:4040"),
                Some("same-origin"),
                json
            )
            .is_ok()
        );
        assert!(g.check_same_origin(host, None, None, json).is_ok());
        assert!(
            g.check_same_origin(host, Some("http://evil.example"), None, json)
                .is_err()
        );
        assert!(
            g.check_same_origin(host, None, Some("cross-site"), json)
                .is_err()
        );
        assert_eq!(
            g.check_same_origin(host, None, None, Some("text/plain"))
                .unwrap_err()
                .status,
            415
        );
    }
}
