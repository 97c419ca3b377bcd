//! `--bind HOST[:PORT]`: the one form every server command (listen,
//! inspect, relay) takes for its address, next to `--port`.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An address to bind, with or without a port of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bind {
    pub ip: IpAddr,
    /// A port given in `--bind` itself; it wins over `--port`'s default.
    pub port: Option<u16>,
}

impl Bind {
    /// The socket address, with `port` (from `--port`) unless `--bind` named one.
    pub fn with_port(self, port: u16) -> SocketAddr {
        SocketAddr::new(self.ip, self.port.unwrap_or(port))
    }

    pub fn is_loopback(self) -> bool {
        self.ip.is_loopback()
    }
}

impl FromStr for Bind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return Ok(Bind {
                ip: addr.ip(),
                port: Some(addr.port()),
            });
        }
        let host = s.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
        host.unwrap_or(s)
            .parse::<IpAddr>()
            .map(|ip| Bind { ip, port: None })
            .map_err(|_| {
                format!("{s:?} is not an address like 127.0.0.1, 0.0.0.0:443 or [::1]:8787")
            })
    }
}

impl std::fmt::Display for Bind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => SocketAddr::new(self.ip, port).fmt(f),
            None => self.ip.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_alone_or_with_its_port() {
        let b: Bind = "0.0.0.0".parse().unwrap();
        assert_eq!(b.with_port(8787).to_string(), "0.0.0.0:8787");
        let b: Bind = "127.0.0.1:443".parse().unwrap();
        assert_eq!(b.with_port(8787).to_string(), "127.0.0.1:443");
        let b: Bind = "[::1]".parse().unwrap();
        assert_eq!(b.with_port(1).to_string(), "[::1]:1");
        let b: Bind = "::1".parse().unwrap();
        assert_eq!((b.port, b.is_loopback()), (None, true));
        let b: Bind = "[::1]:9".parse().unwrap();
        assert_eq!(b.to_string(), "[::1]:9");
        assert!("localhost:80".parse::<Bind>().is_err());
        assert!("1.2.3.4:99999".parse::<Bind>().is_err());
    }
}
