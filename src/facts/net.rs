//! Address facts: how OpenClaw reads `gateway.trustedProxies` entries and client addresses, by
//! version (`facts.md` §4e, §10), plus the loopback/private/wide classifications rules use.
//!
//! Client addresses are normalized the way OpenClaw does before matching: brackets, ports and
//! IPv6 zone ids are dropped, and IPv4-mapped IPv6 (`::ffff:10.0.0.5`) becomes plain IPv4.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::since;
use crate::version::Version;

/// 2026.2.14 (commit 1fb52b4d, #15940): hand-written IPv4-only CIDR matcher (§4e).
const CIDR_IPV4: Version = Version::new(2026, 2, 14);
/// 2026.2.22 (commit 333fbb86): `ipaddr.js` matching, IPv4 and IPv6 CIDRs (§4e).
const CIDR_IPV6: Version = Version::new(2026, 2, 22);
/// PR #137668 (fixes #137665): an IPv4-mapped CIDR's prefix is moved into IPv4 bit space
/// (`max(0, prefix - 96)`). Verified in the npm bundles: absent from 2026.9.3
/// (`dist/.../isIpInCidr` compares the IPv4 base with the raw IPv6 prefix), present in 2026.9.4,
/// 2026.9.5 and 2026.9.6. facts.md §4e still calls 2026.9.6 broken; the 2026.9.6 code says
/// otherwise.
const MAPPED_CIDR_FIX: Version = Version::new(2026, 9, 4);

/// Reason: CIDR entries before 2026.2.14.
pub const REASON_EXACT_STRINGS: &str =
    "CIDR entries are compared as exact strings before 2026.2.14";
/// Reason: IPv6 CIDR entries on 2026.2.14–2026.2.21.
pub const REASON_NO_IPV6: &str = "IPv6 CIDRs are not supported before 2026.2.22";
/// Reason: IPv4-mapped IPv6 CIDR ranges before the #137665 fix.
pub const REASON_MAPPED: &str =
    "IPv4-mapped IPv6 CIDRs match only their base address before 2026.9.4 (openclaw#137665)";

/// One `gateway.trustedProxies` entry as OpenClaw parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyEntry {
    /// A single address, already normalized (`::ffff:10.0.0.5` is stored as `10.0.0.5`).
    Address(IpAddr),
    /// `net/prefix` as written. `mapped_v4` marks IPv4-mapped IPv6 bases (`::ffff:10.0.0.0/104`,
    /// also spelled `::ffff:a00:0/104`), which OpenClaw handles specially.
    Cidr {
        net: IpAddr,
        prefix: u8,
        mapped_v4: bool,
    },
    /// Not usable; the text says why.
    Invalid(String),
}

/// Parses a trusted-proxy entry: trimmed; `addr` (brackets allowed) or `addr/prefix` with a
/// decimal prefix of 0–32 (IPv4) or 0–128 (IPv6), as `ipaddr.js` `parseCIDR` accepts (leading
/// zeros in the prefix are fine, `/08` is `/8`). Config entries carry no ports.
pub fn parse_entry(s: &str) -> ProxyEntry {
    let s = s.trim();
    let invalid = |why: &str| ProxyEntry::Invalid(why.to_string());
    if s.is_empty() {
        return invalid("empty entry");
    }
    let Some((base, prefix)) = s.split_once('/') else {
        return match parse_literal(s) {
            Some(ip) => ProxyEntry::Address(ip.to_canonical()),
            None => invalid("not an IP address or CIDR"),
        };
    };
    let Ok(net) = base.parse::<IpAddr>() else {
        return invalid("CIDR base is not an IP address");
    };
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return invalid("CIDR prefix is not a number");
    }
    let (max, family) = match net {
        IpAddr::V4(_) => (32, "IPv4 (0-32)"),
        IpAddr::V6(_) => (128, "IPv6 (0-128)"),
    };
    match prefix.parse::<u8>() {
        Ok(prefix) if prefix <= max => ProxyEntry::Cidr {
            net,
            prefix,
            mapped_v4: matches!(net, IpAddr::V6(n) if n.to_ipv4_mapped().is_some()),
        },
        _ => ProxyEntry::Invalid(format!("CIDR prefix out of range for {family}")),
    }
}

/// True when `s` is a valid CIDR entry (`10.0.0.0/8`); plain addresses and invalid entries are not.
pub fn is_cidr(s: &str) -> bool {
    matches!(parse_entry(s), ProxyEntry::Cidr { .. })
}

/// The prefix length of a valid CIDR entry.
pub fn prefix_len(s: &str) -> Option<u8> {
    match parse_entry(s) {
        ProxyEntry::Cidr { prefix, .. } => Some(prefix),
        _ => None,
    }
}

/// Whether the entry mathematically contains `addr` (an address as it appears in logs).
///
/// Version-independent: use [`entry_matches`] for what a given OpenClaw release does.
/// `addr` is normalized first ([`normalize_addr`]), so `::ffff:10.0.0.5` is `10.0.0.5`, as
/// OpenClaw sees it. An IPv4 address is inside an IPv6 range only if that range is written in
/// IPv4-mapped form (`::ffff:10.0.0.0/104` contains `10.1.2.3`; `::/0` does not).
pub fn covers(cidr_or_addr: &str, addr: &str) -> bool {
    let Some(ip) = normalize_addr(addr) else {
        return false;
    };
    match parse_entry(cidr_or_addr) {
        ProxyEntry::Address(a) => a == ip,
        ProxyEntry::Cidr { net, prefix, .. } => match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => v4_in(a, n, prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => v6_in(a, n, prefix),
            (IpAddr::V6(n), IpAddr::V4(a)) => {
                n.to_ipv4_mapped().is_some() && v6_in(a.to_ipv6_mapped(), n, prefix)
            }
            (IpAddr::V4(_), IpAddr::V6(_)) => false,
        },
        ProxyEntry::Invalid(_) => false,
    }
}

/// Whether OpenClaw release `v` treats `addr` as a trusted proxy because of this one entry (§4e).
///
/// * single addresses: equal after normalization, in every release;
/// * ≤ 2026.2.13: CIDRs never match (exact string comparison, issue #8552);
/// * 2026.2.14–2026.2.21: IPv4 CIDRs match; IPv6 CIDRs (mapped ones included) never do;
/// * ≥ 2026.2.22: IPv4 and IPv6 CIDRs match within their family;
/// * IPv4-mapped CIDRs (`::ffff:10.0.0.0/104`) from 2026.2.22: before 2026.9.4 the mapped base is
///   compared as IPv4 using the raw prefix, so a prefix above 32 matches only the base address
///   (#137665; checked by running 2026.7.35's `isIpInCidr`); from 2026.9.4 the prefix minus 96 is
///   used, so `/104` means IPv4 `/8` and `/96` or less means every IPv4 address. Native IPv6
///   peers never match a mapped range;
/// * invalid entries never match.
///
/// Unknown version: 2026.9.6 behaviour.
pub fn entry_matches(entry: &str, addr: &str, v: Option<&Version>) -> bool {
    let Some(ip) = normalize_addr(addr) else {
        return false;
    };
    let (net, prefix) = match parse_entry(entry) {
        ProxyEntry::Address(a) => return a == ip,
        ProxyEntry::Invalid(_) => return false,
        ProxyEntry::Cidr { net, prefix, .. } => (net, prefix),
    };
    if !since(v, &CIDR_IPV4) {
        return false;
    }
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => v4_in(a, n, prefix),
        (IpAddr::V6(_), _) if !since(v, &CIDR_IPV6) => false,
        (IpAddr::V6(n), IpAddr::V4(a)) => n.to_ipv4_mapped().is_some_and(|base| {
            let bits = if since(v, &MAPPED_CIDR_FIX) {
                prefix.saturating_sub(96)
            } else {
                prefix.min(32)
            };
            v4_in(a, base, bits)
        }),
        (IpAddr::V6(n), IpAddr::V6(a)) => n.to_ipv4_mapped().is_none() && v6_in(a, n, prefix),
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    }
}

/// A sentence explaining why release `v` ignores this CIDR entry as a range, or `None` when it is
/// honoured (or is not a valid CIDR at all; [`parse_entry`] reports invalid entries). §4e.
///
/// The mapped-CIDR reason is given for prefixes 33–127 before 2026.9.4: such an entry matches
/// only its own base address (a `/128` is a single address and works as written).
/// Unknown version: 2026.9.6 behaviour (every valid CIDR honoured).
pub fn cidr_never_matches(entry: &str, v: Option<&Version>) -> Option<&'static str> {
    let ProxyEntry::Cidr {
        net,
        prefix,
        mapped_v4,
    } = parse_entry(entry)
    else {
        return None;
    };
    if !since(v, &CIDR_IPV4) {
        Some(REASON_EXACT_STRINGS)
    } else if net.is_ipv6() && !since(v, &CIDR_IPV6) {
        Some(REASON_NO_IPV6)
    } else if mapped_v4 && (33..128).contains(&prefix) && !since(v, &MAPPED_CIDR_FIX) {
        Some(REASON_MAPPED)
    } else {
        None
    }
}

/// Loopback: 127.0.0.0/8, `::1`, and their IPv4-mapped forms (`::ffff:127.0.0.1`), with or
/// without brackets and port. This is OpenClaw's `isLoopbackIpAddress` after normalization.
pub fn is_loopback(addr: &str) -> bool {
    normalize_addr(addr).is_some_and(|ip| ip.is_loopback())
}

/// Private network address: RFC 1918 (10/8, 172.16/12, 192.168/16), carrier-grade NAT
/// 100.64.0.0/10 (RFC 6598; Tailscale addresses live here, and OpenClaw's
/// `isPrivateOrLoopbackIpAddress` and `sshVerify` count it as private), and IPv6 unique-local
/// fc00::/7. Loopback and link-local are NOT included; OpenClaw's "private or loopback" is
/// `is_private || is_loopback || link-local`.
pub fn is_private(addr: &str) -> bool {
    match normalize_addr(addr) {
        Some(IpAddr::V4(a)) => a.is_private() || v4_in(a, Ipv4Addr::new(100, 64, 0, 0), 10),
        Some(IpAddr::V6(a)) => a.is_unique_local(),
        None => false,
    }
}

/// How OpenClaw's clients judge a plaintext gateway URL (`isSecureWebSocketUrl`, identical in
/// 2026.7.35 `dist/net-*.js` and 2026.9.6 `dist/websocket-transport-*.mjs`): `None` for `wss://`,
/// `https://`, other schemes and loopback hosts (`localhost`, 127/8, `::1`); else
/// * `private-address`: a private, CGNAT, link-local or unique-local IP literal, or a `.local` /
///   `.ts.net` name: accepted by 2026.7.35 and 2026.9.6, refused by 2026.2.19 (PR #20803);
/// * `hostname`: any other name: refused unless the client sets `OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1`;
/// * `public-address`: a public IP literal: refused, whatever the environment says.
pub fn plaintext_ws_target(url: &str) -> Option<&'static str> {
    let (scheme, rest) = url.trim().split_once("://")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "ws" | "http") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if hostport.starts_with('[') {
        hostport.split_inclusive(']').next().unwrap_or(hostport)
    } else {
        hostport.split(':').next().unwrap_or(hostport)
    };
    let host = host.to_ascii_lowercase();
    let name = host.trim_end_matches('.');
    if name == "localhost" || is_loopback(&host) {
        return None;
    }
    match normalize_addr(&host) {
        Some(ip) => {
            let link_local = match ip {
                IpAddr::V4(a) => a.is_link_local(),
                IpAddr::V6(a) => a.is_unicast_link_local(),
            };
            Some(if is_private(&host) || link_local {
                "private-address"
            } else {
                "public-address"
            })
        }
        None if name.ends_with(".local") || name.ends_with(".ts.net") => Some("private-address"),
        None => Some("hostname"),
    }
}

/// A CIDR that trusts whole networks: IPv4 prefix ≤ 16, IPv6 prefix ≤ 48, and for IPv4-mapped
/// ranges an IPv4-equivalent prefix (prefix − 96) ≤ 16. Addresses and invalid entries are not wide.
pub fn is_wide(cidr: &str) -> bool {
    match parse_entry(cidr) {
        ProxyEntry::Cidr {
            net: IpAddr::V4(_),
            prefix,
            ..
        } => prefix <= 16,
        ProxyEntry::Cidr {
            mapped_v4: true,
            prefix,
            ..
        } => prefix.saturating_sub(96) <= 16,
        ProxyEntry::Cidr { prefix, .. } => prefix <= 48,
        _ => false,
    }
}

/// The address in a log field: trims, accepts `[v6]`, `[v6]:port`, `v4:port`, drops an IPv6
/// zone id (`%eth0`), and maps `::ffff:a.b.c.d` to IPv4 as OpenClaw's `normalizeIp` does.
pub fn normalize_addr(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    let host = if let Some(rest) = s.strip_prefix('[') {
        let (host, tail) = rest.split_once(']')?;
        if !(tail.is_empty() || tail.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        host
    } else if let Some((host, port)) = s.split_once(':').filter(|(h, _)| h.contains('.')) {
        // `a.b.c.d:port`; an IPv6 literal never has a dot before its first colon.
        if !is_port(port) {
            return None;
        }
        host
    } else {
        s
    };
    parse_literal(host).map(|ip| ip.to_canonical())
}

/// A bare IP literal, optionally bracketed; an IPv6 zone id is ignored.
fn parse_literal(s: &str) -> Option<IpAddr> {
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    let s = match s.split_once('%') {
        Some((host, _zone)) if host.contains(':') => host,
        _ => s,
    };
    s.parse().ok()
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
}

fn v4_in(addr: Ipv4Addr, net: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0);
    u32::from(addr) & mask == u32::from(net) & mask
}

fn v6_in(addr: Ipv6Addr, net: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0);
    u128::from(addr) & mask == u128::from(net) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Option<Version> {
        Some(s.parse().unwrap())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn parses_entries() {
        assert_eq!(
            parse_entry(" 10.0.0.0/8 "),
            ProxyEntry::Cidr {
                net: ip("10.0.0.0"),
                prefix: 8,
                mapped_v4: false
            }
        );
        assert_eq!(
            parse_entry("fd00::/8"),
            ProxyEntry::Cidr {
                net: ip("fd00::"),
                prefix: 8,
                mapped_v4: false
            }
        );
        for mapped in ["::ffff:10.0.0.0/104", "::FFFF:a00:0/104"] {
            assert!(
                matches!(
                    parse_entry(mapped),
                    ProxyEntry::Cidr {
                        mapped_v4: true,
                        prefix: 104,
                        ..
                    }
                ),
                "{mapped}"
            );
        }
        assert_eq!(parse_entry("10.0.0.0/08"), parse_entry("10.0.0.0/8"));
        assert_eq!(
            parse_entry("10.0.0.0/32").clone(),
            parse_entry("10.0.0.0/32")
        );
        assert_eq!(
            parse_entry("172.23.0.1"),
            ProxyEntry::Address(ip("172.23.0.1"))
        );
        assert_eq!(parse_entry("[::1]"), ProxyEntry::Address(ip("::1")));
        assert_eq!(
            parse_entry("::ffff:10.0.0.5"),
            ProxyEntry::Address(ip("10.0.0.5"))
        );
    }

    #[test]
    fn rejects_bad_entries_with_reasons() {
        for bad in [
            "",
            "localhost",
            "10.0.0.0/33",
            "fd00::/129",
            "::ffff:10.0.0.0/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/ 8",
            "10.0.0.0/8/9",
            "10.0.0/8",
            "[fd00::]/8",
            "10.0.0.0/99999999999999999999999",
            "10.0.0.1:80",
        ] {
            match parse_entry(bad) {
                ProxyEntry::Invalid(why) => assert!(!why.is_empty()),
                other => panic!("{bad:?} parsed as {other:?}"),
            }
            assert!(!is_cidr(bad) && prefix_len(bad).is_none(), "{bad}");
        }
        assert!(matches!(parse_entry("10.0.0.0/33"), ProxyEntry::Invalid(w) if w.contains("0-32")));
        assert!(matches!(parse_entry("fd00::/129"), ProxyEntry::Invalid(w) if w.contains("0-128")));
        assert!(is_cidr("fd00::/128") && is_cidr("0.0.0.0/0"));
        assert_eq!(prefix_len("172.16.0.0/12"), Some(12));
        assert_eq!(prefix_len("172.16.0.1"), None);
    }

    #[test]
    fn normalizes_log_addresses() {
        let cases = [
            ("[::1]:5555", "::1"),
            ("127.0.0.1:40000", "127.0.0.1"),
            (" 10.0.0.1 ", "10.0.0.1"),
            ("::ffff:10.0.0.5", "10.0.0.5"),
            ("[::ffff:10.0.0.5]:443", "10.0.0.5"),
            ("::ffff:7f00:1", "127.0.0.1"),
            ("fe80::1%eth0", "fe80::1"),
            ("[fe80::1%eth0]:80", "fe80::1"),
            ("::1:80", "::1:80"),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize_addr(raw), Some(ip(want)), "{raw}");
        }
        for junk in [
            "",
            "[",
            "[]",
            "[::1",
            "[::1]x",
            "[::1]:",
            "1.2.3.4:",
            "1.2.3.4:99999",
            "1.2.3.4:80:90",
            "010.0.0.1",
            "1.2.3",
            "host:80",
            "10.0.0.1%eth0",
        ] {
            assert_eq!(normalize_addr(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn covers_is_containment() {
        assert!(covers("10.0.0.0/8", "10.255.255.255"));
        assert!(!covers("10.0.0.0/8", "11.0.0.0"));
        assert!(covers("172.16.0.0/12", "172.31.255.255"));
        assert!(!covers("172.16.0.0/12", "172.32.0.0"));
        assert!(!covers("172.16.0.0/12", "172.15.255.255"));
        assert!(
            covers("10.0.0.1/8", "10.9.9.9"),
            "host bits in the base are ignored"
        );
        assert!(covers("0.0.0.0/0", "203.0.113.9:1234"));
        assert!(covers("127.0.0.0/8", "127.0.0.1:40000"));
        assert!(covers("::1/128", "[::1]:5555"));
        assert!(
            covers("10.0.0.0/8", "::ffff:10.0.0.5"),
            "mapped client is IPv4"
        );
        assert!(covers("fd00::/8", "fdff::1") && !covers("fd00::/8", "fe00::1"));
        assert!(covers("::/0", "fd00::1") && !covers("::/0", "10.0.0.1"));
        assert!(covers("::ffff:10.0.0.0/104", "10.1.2.3"));
        assert!(!covers("::ffff:10.0.0.0/104", "11.0.0.0"));
        assert!(covers("::ffff:0:0/96", "8.8.8.8"));
        assert!(covers("172.23.0.1", "::ffff:172.23.0.1") && !covers("172.23.0.1", "172.23.0.2"));
        assert!(!covers("10.0.0.0/33", "10.0.0.1"), "invalid covers nothing");
    }

    #[test]
    fn ipv4_cidrs_match_from_2_14() {
        let (e, a) = ("172.16.0.0/12", "172.23.0.1");
        assert!(!entry_matches(e, a, v("2026.2.1").as_ref()));
        assert!(!entry_matches(e, a, v("2026.2.13").as_ref()));
        assert!(entry_matches(e, a, v("2026.2.14").as_ref()));
        assert!(entry_matches(e, a, None));
        assert!(!entry_matches(e, "172.32.0.1", None));
        assert!(
            entry_matches("172.23.0.1", "::ffff:172.23.0.1", v("2026.2.1").as_ref()),
            "exact addresses always worked"
        );
        assert_eq!(
            cidr_never_matches(e, v("2026.2.13").as_ref()),
            Some(REASON_EXACT_STRINGS)
        );
        assert_eq!(cidr_never_matches(e, v("2026.2.14").as_ref()), None);
        assert_eq!(
            cidr_never_matches("172.23.0.1", v("2026.2.1").as_ref()),
            None
        );
    }

    #[test]
    fn ipv6_cidrs_match_from_2_22() {
        let (e, a) = ("fd00::/8", "[fd12::7]:443");
        assert!(!entry_matches(e, a, v("2026.2.13").as_ref()));
        assert!(!entry_matches(e, a, v("2026.2.21").as_ref()));
        assert!(entry_matches(e, a, v("2026.2.22").as_ref()));
        assert!(!entry_matches(e, "10.0.0.1", None), "families never mix");
        assert!(!entry_matches("10.0.0.0/8", "fd00::1", None));
        assert!(!entry_matches("::/0", "10.0.0.1", None));
        assert_eq!(
            cidr_never_matches(e, v("2026.2.21").as_ref()),
            Some(REASON_NO_IPV6)
        );
        assert_eq!(
            cidr_never_matches(e, v("2026.2.13").as_ref()),
            Some(REASON_EXACT_STRINGS)
        );
        assert_eq!(cidr_never_matches(e, v("2026.2.22").as_ref()), None);
    }

    #[test]
    fn mapped_cidrs_follow_the_137665_fix() {
        let e = "::ffff:10.0.0.0/104";
        for old in ["2026.2.22", "2026.7.35", "2026.9.3"] {
            assert!(!entry_matches(e, "10.1.2.3", v(old).as_ref()), "{old}");
            assert!(
                entry_matches(e, "10.0.0.0", v(old).as_ref()),
                "{old}: base only"
            );
            assert_eq!(cidr_never_matches(e, v(old).as_ref()), Some(REASON_MAPPED));
        }
        assert!(!entry_matches(e, "10.1.2.3", v("2026.2.21").as_ref()));
        assert_eq!(
            cidr_never_matches(e, v("2026.2.21").as_ref()),
            Some(REASON_NO_IPV6)
        );
        for new in [v("2026.9.4"), v("2026.9.6"), None] {
            assert!(entry_matches(e, "10.1.2.3", new.as_ref()));
            assert!(entry_matches(e, "::ffff:10.1.2.3", new.as_ref()));
            assert!(!entry_matches(e, "11.0.0.1", new.as_ref()));
            assert_eq!(cidr_never_matches(e, new.as_ref()), None);
        }
        assert!(
            !entry_matches(e, "fd00::1", None),
            "native IPv6 never matches a mapped range"
        );
        assert!(entry_matches("::ffff:0:0/96", "8.8.8.8", None));
        // Pre-fix, a mapped prefix of 32 or less acts as an IPv4 prefix (observed in 2026.7.35).
        assert!(entry_matches(
            "::ffff:10.0.0.0/8",
            "10.9.9.9",
            v("2026.7.35").as_ref()
        ));
        assert_eq!(
            cidr_never_matches("::ffff:10.0.0.0/8", v("2026.7.35").as_ref()),
            None
        );
        // A mapped /128 is one address and works as written.
        assert!(entry_matches(
            "::ffff:10.0.0.5/128",
            "10.0.0.5",
            v("2026.7.35").as_ref()
        ));
        assert_eq!(
            cidr_never_matches("::ffff:10.0.0.5/128", v("2026.7.35").as_ref()),
            None
        );
    }

    #[test]
    fn loopback_private_and_wide() {
        for lo in [
            "127.0.0.1",
            "127.255.0.1:80",
            "[::1]:5555",
            "::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback(lo), "{lo}");
        }
        for not in [
            "128.0.0.1",
            "126.255.255.255",
            "::2",
            "localhost",
            "0.0.0.0",
        ] {
            assert!(!is_loopback(not), "{not}");
        }
        for private in [
            "10.0.0.1",
            "172.16.0.0",
            "172.31.255.255",
            "192.168.1.1:5000",
            "100.64.0.1",
            "100.127.255.255",
            "fc00::1",
            "[fd12:3456::1]:80",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private), "{private}");
        }
        for public in [
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "8.8.8.8",
            "127.0.0.1",
            "169.254.1.1",
            "fe80::1",
            "2001:db8::1",
            "junk",
        ] {
            assert!(!is_private(public), "{public}");
        }
        assert!(is_wide("10.0.0.0/16") && !is_wide("10.0.0.0/17"));
        assert!(is_wide("0.0.0.0/0"));
        assert!(is_wide("fd00::/48") && !is_wide("fd00::/49"));
        assert!(is_wide("::ffff:10.0.0.0/112") && !is_wide("::ffff:10.0.0.0/113"));
        assert!(!is_wide("10.0.0.1") && !is_wide("10.0.0.0/33"));
    }

    #[test]
    fn junk_never_panics() {
        let junk = [
            "",
            " ",
            "/",
            "//",
            "/0",
            "0/",
            "[",
            "]",
            "[]:",
            ":",
            "::",
            ":::",
            "%",
            "::%",
            "1%",
            "💥",
            "10.0.0.0/💥",
            "💥/8",
            "[💥]:1",
            "::ffff:/104",
            "255.255.255.255/32",
            "0.0.0.0/0",
            "::/0",
            "::/128",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
            "1.2.3.4:65536",
            "\0",
            "\u{feff}10.0.0.1",
            "10.0.0.0/00000000000000000008",
        ];
        let versions = [None, v("2000.1.0"), v("2026.2.14"), v("2999.12.999999999")];
        for a in junk {
            let _ = (parse_entry(a), is_cidr(a), prefix_len(a), normalize_addr(a));
            let _ = (is_loopback(a), is_private(a), is_wide(a));
            for b in junk {
                let _ = covers(a, b);
                for ver in &versions {
                    let _ = entry_matches(a, b, ver.as_ref());
                    let _ = cidr_never_matches(a, ver.as_ref());
                }
            }
        }
        assert_eq!(prefix_len("10.0.0.0/00000000000000000008"), Some(8));
    }

    #[test]
    fn plaintext_ws_targets_as_openclaw_judges_them() {
        for ok in [
            "wss://gw.example.com",
            "https://1.2.3.4",
            "ws://127.0.0.1:18789",
            "ws://localhost:18789/",
            "ws://[::1]:18789",
            "WS://LOCALHOST.",
            "ssh://host",
        ] {
            assert_eq!(plaintext_ws_target(ok), None, "{ok}");
        }
        for private in [
            "ws://192.168.1.5:18789",
            "ws://10.0.0.2",
            "http://172.18.0.2:18789",
            "ws://100.107.189.53:18789",
            "ws://[fd00::1]:18789",
            "ws://169.254.1.1",
            "ws://nas.local:18789",
            "ws://gw.tail1234.ts.net",
            "ws://user:pw@10.1.1.1:1/x",
        ] {
            assert_eq!(
                plaintext_ws_target(private),
                Some("private-address"),
                "{private}"
            );
        }
        for name in [
            "ws://gateway.home:18789",
            "ws://nas",
            "ws://openclaw.example.com/ws",
        ] {
            assert_eq!(plaintext_ws_target(name), Some("hostname"), "{name}");
        }
        for public in [
            "ws://203.0.113.10:18789",
            "ws://8.8.8.8",
            "ws://[2001:db8::1]:18789",
            "ws://100.128.0.1",
        ] {
            assert_eq!(
                plaintext_ws_target(public),
                Some("public-address"),
                "{public}"
            );
        }
    }
}
