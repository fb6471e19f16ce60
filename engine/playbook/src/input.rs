//! Playbook inputs: checking a value against its kind before a run starts.
//!
//! Inputs reach probes (`ping {{ target }}`) and the ticket summary, so they are checked
//! once, here, by kind: `hostname` (RFC 1123), `host` (a host name or an IP address; both
//! by the probes' one host rule, so a value that passes here is one a probe accepts),
//! `address` (an IP address), `text` (one line), `choice` (one of the listed choices).

use std::net::IpAddr;

use deskbook_content::playbook::{InputKind, InputSpec};

/// Longest value accepted for any input.
pub const MAX_INPUT: usize = 1024;

/// Check `value` against `spec`; returns the value to use (trimmed) or why it does not fit.
pub fn validate(spec: &InputSpec, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.len() > MAX_INPUT {
        return Err(format!(
            "expected at most {MAX_INPUT} bytes, got {}",
            v.len()
        ));
    }
    match spec.kind {
        InputKind::Hostname => hostname(v).map(|_| v.to_string()),
        InputKind::Host => host(v).map(|_| v.to_string()),
        InputKind::Address => address(v).map(|a| a.to_string()),
        InputKind::Text => {
            if v.chars().any(char::is_control) {
                Err("expected one line of text without control characters".into())
            } else {
                Ok(v.to_string())
            }
        }
        InputKind::Choice => {
            if spec.choices.iter().any(|c| c == v) {
                Ok(v.to_string())
            } else {
                Err(format!("expected one of: {}", spec.choices.join(", ")))
            }
        }
    }
}

/// The kind's name as written in a playbook.
/// A value for a message: quoted and escaped, and cut after 40 characters so a hostile
/// 10 KB value does not become a 10 KB message.
pub fn shown(value: &str) -> String {
    const KEEP: usize = 40;
    if value.chars().count() <= KEEP {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(KEEP).collect();
    format!("{head:?}… ({} bytes)", value.len())
}

pub fn kind_name(kind: InputKind) -> &'static str {
    match kind {
        InputKind::Hostname => "hostname",
        InputKind::Host => "host",
        InputKind::Address => "address",
        InputKind::Text => "text",
        InputKind::Choice => "choice",
    }
}

/// An RFC 1123 host name (the probes' rule: see [`deskbook_probes::check_hostname`]).
pub fn hostname(s: &str) -> Result<(), String> {
    deskbook_probes::check_hostname(s)
}

/// An IPv4 or IPv6 address (IPv6 optionally in brackets).
pub fn address(s: &str) -> Result<IpAddr, String> {
    let inner = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    inner
        .parse()
        .map_err(|_| "expected an IP address such as 192.0.2.10 or 2001:db8::10".to_string())
}

/// A host name or an IP address, by the one rule the probes use too.
pub fn host(s: &str) -> Result<(), String> {
    deskbook_probes::check_host(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: InputKind) -> InputSpec {
        InputSpec {
            prompt: "p".into(),
            kind,
            choices: vec!["all".into(), "one".into()],
            optional: false,
            default: None,
        }
    }

    #[test]
    fn hostnames_follow_rfc_1123() {
        for ok in [
            "pc-0042",
            "srv-files-01.woodgrovebank.com",
            "3com.example.com",
            "a.b.c.",
            "x",
        ] {
            assert_eq!(hostname(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "-pc",
            "pc-",
            "a..b",
            "pc_01",
            "pc 01",
            "pc;rm",
            "192.0.2.1",
            "ä.example.com",
            &"a".repeat(64),
            &format!("{}.com", "a.".repeat(130)),
        ] {
            assert!(hostname(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn exact_messages() {
        assert_eq!(
            validate(&spec(InputKind::Hostname), "pc_01"),
            Err("expected a host name such as pc-0042 or srv-files-01.example.com: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `_`".into())
        );
        assert_eq!(
            validate(&spec(InputKind::Host), "-oProxyCommand=x"),
            Err(
                "expected an IP address or a host name: a host name may not start with `-` (it would read as an option)"
                    .into()
            )
        );
        assert_eq!(
            validate(&spec(InputKind::Choice), "some"),
            Err("expected one of: all, one".into())
        );
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(shown("pc 0042"), "\"pc 0042\"");
        let long = "a".repeat(10_000);
        assert_eq!(
            shown(&long),
            format!("\"{}\"… (10000 bytes)", "a".repeat(40))
        );
    }

    #[test]
    fn kinds() {
        assert!(validate(&spec(InputKind::Host), "192.0.2.10").is_ok());
        assert!(validate(&spec(InputKind::Host), "2001:db8::10").is_ok());
        assert!(validate(&spec(InputKind::Host), "srv-01").is_ok());
        assert_eq!(
            validate(&spec(InputKind::Address), "[2001:db8::1]"),
            Ok("2001:db8::1".into())
        );
        assert!(validate(&spec(InputKind::Address), "srv-01").is_err());
        assert!(validate(&spec(InputKind::Address), "192.0.2.300").is_err());
        assert_eq!(
            validate(&spec(InputKind::Text), "  two words "),
            Ok("two words".into())
        );
        assert!(validate(&spec(InputKind::Text), "a\nb").is_err());
        assert!(validate(&spec(InputKind::Choice), "one").is_ok());
        assert!(validate(&spec(InputKind::Text), &"x".repeat(MAX_INPUT + 1)).is_err());
    }
}
