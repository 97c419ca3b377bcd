//! Who may deliver: `--allow-from CIDR` on the public side, with the
//! sender's address taken from `X-Forwarded-For` only when the connection
//! comes from a `--trusted-proxy`.

use std::net::IpAddr;
use std::str::FromStr;

/// An address range: `192.0.2.0/24`, `2001:db8::/32`, or one address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().map_err(|_| {
            format!("{s:?} is not an address or CIDR range (192.0.2.0/24, 2001:db8::/32)")
        })?;
        let net = net.to_canonical();
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0-{max}"))?,
        };
        Ok(Cidr { net, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_prefix(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_prefix(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

/// The public side's rules.
#[derive(Clone, Debug, Default)]
pub struct Allow {
    /// Empty: everyone may deliver.
    pub from: Vec<Cidr>,
    pub trusted_proxies: Vec<Cidr>,
}

impl Allow {
    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|c| c.contains(ip))
    }

    /// The sender: the connection's peer, or, when that is a trusted
    /// proxy, the rightmost `X-Forwarded-For` hop that is not one (hops
    /// left of it were written by whoever the proxy heard from, so they
    /// prove nothing). A header that does not parse counts as the proxy.
    pub fn sender<'a>(&self, peer: IpAddr, forwarded: impl Iterator<Item = &'a [u8]>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusted(peer) {
            return peer;
        }
        let mut hops = Vec::new();
        for value in forwarded {
            let Ok(text) = std::str::from_utf8(value) else {
                return peer;
            };
            for hop in text.split(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(ip) => hops.push(ip.to_canonical()),
                    Err(_) => return peer,
                }
            }
        }
        let mut sender = peer;
        for ip in hops.into_iter().rev() {
            sender = ip;
            if !self.trusted(ip) {
                break;
            }
        }
        sender
    }

    /// Whether `sender` may deliver.
    pub fn admits(&self, sender: IpAddr) -> bool {
        self.from.is_empty() || self.from.iter().any(|c| c.contains(sender))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_contain_their_addresses_only() {
        let c: Cidr = "192.0.2.0/24".parse().unwrap();
        assert!(c.contains(ip("192.0.2.200")));
        assert!(c.contains(ip("::ffff:192.0.2.1")));
        assert!(!c.contains(ip("192.0.3.1")));
        let c: Cidr = "10.1.2.3/31".parse().unwrap();
        assert!(c.contains(ip("10.1.2.2")) && !c.contains(ip("10.1.2.4")));
        let c: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(c.contains(ip("2001:db8:1::5")) && !c.contains(ip("2001:db9::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!(
            "127.0.0.1"
                .parse::<Cidr>()
                .unwrap()
                .contains(ip("127.0.0.1"))
        );
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("example.com".parse::<Cidr>().is_err());
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let allow = Allow {
            from: vec!["192.0.2.0/24".parse().unwrap()],
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
        };
        let xff = [b"203.0.113.9, 192.0.2.7, 10.0.0.2".as_slice()];
        // From the proxy: the rightmost hop that is not a proxy.
        assert_eq!(
            allow.sender(ip("10.0.0.1"), xff.into_iter()),
            ip("192.0.2.7")
        );
        // From anyone else: the header is ignored.
        assert_eq!(
            allow.sender(ip("198.51.100.1"), xff.into_iter()),
            ip("198.51.100.1")
        );
        // Garbage in the header: the proxy itself, which is not allowed.
        let bad = [b"192.0.2.7, nonsense".as_slice()];
        assert_eq!(
            allow.sender(ip("10.0.0.1"), bad.into_iter()),
            ip("10.0.0.1")
        );
        assert!(allow.admits(ip("192.0.2.7")));
        assert!(!allow.admits(ip("10.0.0.1")));
        assert!(Allow::default().admits(ip("10.0.0.1")));
    }
}
