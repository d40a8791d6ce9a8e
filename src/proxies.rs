//! Whose `X-Forwarded-For` is believed. Behind a reverse proxy the header names the client,
//! but anyone can send it: it is read only on connections from the proxies the operator lists
//! (loopback by default, where nginx usually runs), so a client that reaches the service
//! directly cannot choose the address it is limited and recorded by.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;

/// An address or a network in CIDR form (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    bits: u8,
}

#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not an address or network (e.g. 127.0.0.1, 10.0.0.0/8, ::1, fd00::/8)")]
pub struct NetworkError(String);

impl std::str::FromStr for Network {
    type Err = NetworkError;
    fn from_str(text: &str) -> Result<Network, NetworkError> {
        let bad = || NetworkError(text.to_owned());
        let (addr, bits) = match text.trim().split_once('/') {
            Some((addr, bits)) => (addr, Some(bits.parse::<u8>().map_err(|_| bad())?)),
            None => (text.trim(), None),
        };
        let addr = addr.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        if bits > max {
            return Err(bad());
        }
        Ok(Network { addr, bits })
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.bits)
    }
}

impl Network {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Where a proxy in front of the service usually runs: this machine.
pub fn loopback() -> Vec<Network> {
    vec![
        Network {
            addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
            bits: 8,
        },
        Network {
            addr: IpAddr::V6(Ipv6Addr::LOCALHOST),
            bits: 128,
        },
    ]
}

/// The forwarded-for rule of a running service.
#[derive(Clone, Debug, Default)]
pub(crate) struct Forwarding(Option<Arc<[Network]>>);

impl Forwarding {
    /// Forwarded headers are ignored: the peer is the client.
    pub(crate) fn off() -> Forwarding {
        Forwarding(None)
    }

    /// Forwarded headers are read on connections from `proxies`.
    pub(crate) fn from(proxies: &[Network]) -> Forwarding {
        Forwarding(Some(proxies.into()))
    }

    /// Whether this connection's forwarded headers are to be believed.
    pub(crate) fn trusts(&self, peer: Option<SocketAddr>) -> bool {
        match (&self.0, peer) {
            (Some(proxies), Some(peer)) => proxies.iter().any(|p| p.contains(peer.ip())),
            _ => false,
        }
    }
}

/// The client's address: the peer, or, behind a trusted proxy, the entry that proxy wrote: the
/// last `X-Forwarded-For` entry, across repeated headers. Every earlier entry is the client's to
/// forge, so a last entry that cannot be read (`unknown`, an obfuscated id) gives the peer, never
/// an earlier one. IPv4-mapped IPv6 addresses (every IPv4 peer of a dual-stack `[::]` socket,
/// a proxy that writes `::ffff:a.b.c.d`) are unwrapped here, once, for the rate limit and the
/// record alike: left mapped, every IPv4 client would share one IPv6 /64.
pub(crate) fn client_ip(req: &HttpRequest, forwarding: &Forwarding) -> Option<IpAddr> {
    forwarded_or_peer(req.headers(), req.peer_addr(), forwarding)
}

pub(crate) fn forwarded_or_peer(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    forwarding: &Forwarding,
) -> Option<IpAddr> {
    let forwarded = forwarding
        .trusts(peer)
        .then(|| headers.get_all("x-forwarded-for").last())
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(forwarded_entry);
    forwarded
        .or(peer.map(|p| p.ip()))
        .map(|ip| ip.to_canonical())
}

/// One `X-Forwarded-For` entry in the forms proxies write: `192.0.2.1`, `192.0.2.1:5678`,
/// `2001:db8::1`, `[2001:db8::1]` and `[2001:db8::1]:443`, with spaces around.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
            inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        })
}

/// What one client is counted as: an IPv4 address, or an IPv6 /64 (what one subscriber usually
/// holds, so an address of its own costs a client nothing).
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses_and_no_others() {
        let cases = [
            ("10.0.0.0/8", "10.200.3.4", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("192.0.2.7", "192.0.2.7", true),
            ("192.0.2.7", "192.0.2.8", false),
            ("0.0.0.0/0", "203.0.113.1", true),
            ("fd00::/8", "fd12::1", true),
            ("fd00::/8", "fe80::1", false),
            ("127.0.0.0/8", "::ffff:127.0.0.1", true),
            ("::1", "127.0.0.1", false),
        ];
        for (net, ip, inside) in cases {
            let net: Network = net.parse().expect("a network");
            assert_eq!(
                net.contains(ip.parse().expect("an address")),
                inside,
                "{net} {ip}"
            );
        }
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "localhost",
            "10.0.0/8",
            "1.2.3.4/x",
        ] {
            assert!(bad.parse::<Network>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn without_proxies_nothing_is_trusted() {
        let peer = Some("127.0.0.1:5000".parse().expect("an address"));
        assert!(!Forwarding::off().trusts(peer));
        assert!(Forwarding::from(&loopback()).trusts(peer));
        assert!(
            !Forwarding::from(&loopback()).trusts(Some("192.0.2.1:1".parse().expect("an address")))
        );
        assert!(!Forwarding::from(&loopback()).trusts(None));
    }
}
