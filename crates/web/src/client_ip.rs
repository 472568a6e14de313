//! The address of the client behind a reverse proxy. Behind nginx every connection comes
//! from 127.0.0.1, which would put every user into one login-throttling bucket; the
//! forwarded address is believed only from the proxies named in `TRUSTED_PROXIES`, and only
//! the part of `X-Forwarded-For` those proxies appended (read from the right), so a client
//! cannot choose its own address by sending the header itself.

use axum::http::HeaderMap;
use std::net::IpAddr;

/// The client's address: `peer` unless `peer` is a trusted proxy, then the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut chain: Vec<IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for").iter() {
        let Ok(text) = value.to_str() else { return peer };
        for part in text.split(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => chain.push(ip),
                // A malformed hop: trust nothing to its left.
                Err(_) => chain.clear(),
            }
        }
    }
    chain.into_iter().rev().find(|ip| !trusted.contains(ip)).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(values: &[&str]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for v in values {
            m.append("x-forwarded-for", v.parse().unwrap());
        }
        m
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_trusted_proxies_are_believed() {
        let proxy = [ip("127.0.0.1")];
        assert_eq!(client_ip(ip("127.0.0.1"), &h(&["203.0.113.7"]), &proxy), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("198.51.100.1"), &h(&["203.0.113.7"]), &proxy), ip("198.51.100.1"), "not a proxy");
        assert_eq!(client_ip(ip("127.0.0.1"), &h(&["203.0.113.7"]), &[]), ip("127.0.0.1"), "nothing trusted");
        assert_eq!(client_ip(ip("127.0.0.1"), &HeaderMap::new(), &proxy), ip("127.0.0.1"));
    }

    #[test]
    fn a_forged_entry_on_the_left_is_ignored() {
        let proxies = [ip("127.0.0.1"), ip("10.0.0.2")];
        // The client sent "1.2.3.4" itself; nginx appended the real address.
        let headers = h(&["1.2.3.4, 203.0.113.7"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &headers, &proxies), ip("203.0.113.7"));
        // Two proxies: the load balancer's hop is skipped.
        let headers = h(&["203.0.113.7", "10.0.0.2"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &headers, &proxies), ip("203.0.113.7"));
        let headers = h(&["203.0.113.7, garbage"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &headers, &proxies), ip("127.0.0.1"));
    }
}
