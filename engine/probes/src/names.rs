//! Host names, DNS names and addresses as the probes accept them.
//!
//! Values reach probes from playbook variables and agents' answers, so nothing is trusted:
//! a host must be an IP address or an RFC 1123 host name, and a DNS name for `resolve` may
//! add the `_` labels of service records (`_ldap._tcp.dc._msdcs.example.com`). Text that
//! passes here cannot carry shell syntax, an option (`-oProxyCommand=…`) or a newline.
//!
//! One rule for IPv4, everywhere (probes, playbook inputs, `deskbook check`): an IPv4
//! address is four decimal numbers 0–255 without leading zeros, and a host name's last
//! label is never a number. The C resolver (`inet_aton`, `getaddrinfo`) reads `127.1`,
//! `0177.0.0.1` and `0x7f.1` as 127.0.0.1, and the WHATWG URL standard does the same for
//! a host whose last label is numeric, so accepting any of them as a *name* would let a
//! value pass as one thing and connect as another. They are refused with the address the
//! resolver would have used, so the agent can type that instead.

use std::net::{IpAddr, Ipv4Addr};

/// A host as the network probes use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    Addr(IpAddr),
    Name(String),
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::Addr(a) => write!(f, "{a}"),
            Host::Name(n) => f.write_str(n),
        }
    }
}

/// Parses an IP address, IPv6 with or without brackets.
pub(crate) fn parse_addr(s: &str) -> Option<IpAddr> {
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    inner.parse().ok()
}

/// An IP address or an RFC 1123 host name.
pub(crate) fn parse_host(s: &str) -> Result<Host, String> {
    if let Some(a) = parse_addr(s) {
        return Ok(Host::Addr(a));
    }
    check_name(s, false, EXPECTED_HOST)?;
    Ok(Host::Name(s.trim_end_matches('.').to_owned()))
}

/// An RFC 1123 host name, not an address (a playbook input of kind `hostname`).
pub(crate) fn parse_hostname(s: &str) -> Result<String, String> {
    const EXPECTED: &str = "expected a host name such as pc-0042 or srv-files-01.example.com";
    if parse_addr(s).is_some() {
        return Err(format!("{EXPECTED}, not an address"));
    }
    check_name(s, false, EXPECTED)?;
    Ok(s.to_owned())
}

const EXPECTED_HOST: &str = "expected an IP address or a host name";

/// An IP address or a DNS name (host name labels, plus labels starting with `_`).
pub(crate) fn parse_dns_name(s: &str) -> Result<Host, String> {
    if let Some(a) = parse_addr(s) {
        return Ok(Host::Addr(a));
    }
    if s == "." {
        return Ok(Host::Name(String::new()));
    }
    check_name(s, true, EXPECTED_HOST)?;
    Ok(Host::Name(s.trim_end_matches('.').to_owned()))
}

/// Checks a host name against RFC 1123 (letters, digits, hyphens; labels of 1–63
/// characters not starting or ending with a hyphen; at most 253 characters). With
/// `service_labels`, a label may also start with `_` and contain `_` (SRV owner names).
fn check_name(s: &str, service_labels: bool, expected: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err(format!("{expected}, got nothing"));
    }
    let name = s.strip_suffix('.').unwrap_or(s);
    if name.starts_with('-') {
        return Err(format!(
            "{expected}: a host name may not start with `-` (it would read as an option)"
        ));
    }
    if name.len() > 253 {
        return Err(format!(
            "{expected}: a host name has at most 253 characters, this has {}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.' || *c == '_'))
    {
        let allowed = if service_labels {
            "letters, digits, `-`, `_` and `.`"
        } else {
            "letters, digits, `-` and `.` (RFC 1123)"
        };
        return Err(format!(
            "{expected}: a host name may contain only {allowed}, not {}",
            char_shown(c)
        ));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err(format!(
                "{expected}: empty label (a leading dot or two dots in a row)"
            ));
        }
        if label.len() > 63 {
            return Err(format!(
                "{expected}: label of {} characters (at most 63)",
                label.len()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("{expected}: a label may not start or end with `-`"));
        }
        if label.contains('_') && !service_labels {
            return Err(format!(
                "{expected}: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `_`"
            ));
        }
    }
    if name.rsplit('.').next().is_some_and(is_number) {
        let meant = match resolver_ipv4(name) {
            Some(a) => format!(" (the resolver would read it as {a})"),
            None => String::new(),
        };
        return Err(format!(
            "{expected}: `{}` is not an IPv4 address as four decimal numbers 0-255 without leading zeros{meant}, and a host name may not end in a number",
            crate::error::shown(name)
        ));
    }
    Ok(())
}

/// A label the resolver reads as a number: decimal digits, or `0x` and hex digits.
fn is_number(label: &str) -> bool {
    let hex = label
        .strip_prefix("0x")
        .or_else(|| label.strip_prefix("0X"));
    match hex {
        Some(h) => h.chars().all(|c| c.is_ascii_hexdigit()),
        None => !label.is_empty() && label.chars().all(|c| c.is_ascii_digit()),
    }
}

/// The address `inet_aton` makes of `name` (1 to 4 parts, each decimal, octal with a
/// leading `0`, or hex with `0x`; the last part fills the remaining bytes), if any.
fn resolver_ipv4(name: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for p in &parts {
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            if h.is_empty() {
                0
            } else {
                u32::from_str_radix(h, 16).ok()?
            }
        } else if p.len() > 1 && p.starts_with('0') {
            u32::from_str_radix(&p[1..], 8).ok()?
        } else {
            p.parse::<u32>().ok()?
        };
        values.push(v);
    }
    let (last, head) = values.split_last()?;
    let mut addr: u32 = 0;
    for (i, v) in head.iter().enumerate() {
        if *v > 255 {
            return None;
        }
        addr |= v << (24 - 8 * i);
    }
    let rest_bits = 32 - 8 * head.len() as u32;
    if rest_bits < 32 && *last >= 1u32 << rest_bits {
        return None;
    }
    Some(Ipv4Addr::from(addr | last))
}

fn char_shown(c: char) -> String {
    if c == ' ' {
        "a space".to_owned()
    } else if c == '`' {
        "a backtick".to_owned()
    } else {
        format!("`{}`", crate::error::shown(&c.to_string()))
    }
}

/// The PTR owner name of an address (`10.2.0.192.in-addr.arpa`, nibbles for IPv6).
pub(crate) fn reverse_name(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(a) => {
            let mut s = String::with_capacity(72);
            for byte in a.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rfc1123_names_and_addresses() {
        for ok in [
            "srv-files-01",
            "srv-files-01.woodgrovebank.com",
            "srv-files-01.woodgrovebank.com.",
            "3com.example.net",
            "192.0.2.10",
            "2001:db8::1",
            "[2001:db8::1]",
            &format!("{}.example.com", "a".repeat(63)),
        ] {
            assert!(parse_host(ok).is_ok(), "{ok} should be accepted");
        }
    }

    #[test]
    fn rejects_hostile_and_malformed_hosts_with_the_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "expected an IP address or a host name, got nothing"),
            ("a;b", "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `;`"),
            ("$(reboot)", "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `$`"),
            ("-oProxyCommand=x", "expected an IP address or a host name: a host name may not start with `-` (it would read as an option)"),
            ("host-", "expected an IP address or a host name: a label may not start or end with `-`"),
            ("`id`", "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not a backtick"),
            ("a\nb", "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `\\n`"),
            ("a b", "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not a space"),
            ("a..b", "expected an IP address or a host name: empty label (a leading dot or two dots in a row)"),
            ("_ldap.example.com", "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `_`"),
            ("999.1.1.1", "expected an IP address or a host name: `999.1.1.1` is not an IPv4 address as four decimal numbers 0-255 without leading zeros, and a host name may not end in a number"),
        ];
        for (bad, reason) in cases {
            assert_eq!(parse_host(bad).err().as_deref(), Some(*reason), "{bad:?}");
        }
        let long_label = format!("{}.example.com", "a".repeat(64));
        assert_eq!(
            parse_host(&long_label).err().as_deref(),
            Some("expected an IP address or a host name: label of 64 characters (at most 63)")
        );
        let long = "a.".repeat(130);
        assert!(parse_host(&long)
            .err()
            .is_some_and(|e| e.contains("at most 253 characters")));
    }

    #[test]
    fn dns_names_may_have_service_labels() {
        assert_eq!(
            parse_dns_name("_ldap._tcp.dc._msdcs.woodgrovebank.com"),
            Ok(Host::Name("_ldap._tcp.dc._msdcs.woodgrovebank.com".into()))
        );
        assert_eq!(parse_dns_name("."), Ok(Host::Name(String::new())));
        assert!(parse_dns_name("a;b").is_err());
    }

    #[test]
    fn reverse_names_follow_in_addr_and_ip6_arpa() {
        assert_eq!(
            reverse_name("192.0.2.10".parse().expect("an address")),
            "10.2.0.192.in-addr.arpa"
        );
        let v6: IpAddr = "2001:db8::1".parse().expect("an address");
        assert_eq!(
            reverse_name(v6),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
    }
}
