//! Reading the output of the system `ping`: Windows' (which says "Negotiating IP Security."
//! when the IPsec driver asked IKE to secure the echo request, seed: "Using ICMP-Based
//! Tools with IPsec") and Linux iputils' (the fallback when no ICMP socket may be opened).

/// What a ping run showed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PingText {
    pub(crate) sent: u32,
    /// Echo replies (Windows counts "Destination host unreachable" replies as received;
    /// they are not counted here).
    pub(crate) received: u32,
    pub(crate) rtts_ms: Vec<f64>,
    pub(crate) ttl: Option<u32>,
    /// How many "Negotiating IP Security." lines appeared.
    pub(crate) negotiating_ip_security: u32,
    /// Other answers, as printed ("Request timed out.", "Destination host unreachable.").
    pub(crate) errors: Vec<String>,
}

fn after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let i = line.find(key)? + key.len();
    Some(&line[i..])
}

fn number_prefix(s: &str) -> Option<f64> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

/// Windows `ping -n N -w MS ADDR`.
#[cfg_attr(not(windows), allow(dead_code))]
pub(crate) fn parse_windows(text: &str) -> PingText {
    let mut p = PingText::default();
    let mut attempts = 0;
    for line in text.lines().map(str::trim) {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("negotiating ip security") {
            p.negotiating_ip_security += 1;
            attempts += 1;
        } else if lower.starts_with("reply from")
            && (lower.contains("time=") || lower.contains("time<"))
        {
            attempts += 1;
            p.received += 1;
            let t = after(&lower, "time=")
                .or_else(|| after(&lower, "time<"))
                .and_then(number_prefix);
            if let Some(mut t) = t {
                if lower.contains("time<") {
                    t = 0.0;
                }
                p.rtts_ms.push(t);
            }
            if let Some(ttl) = after(&lower, "ttl=").and_then(number_prefix) {
                p.ttl = Some(ttl as u32);
            }
        } else if lower.starts_with("reply from")
            || lower.starts_with("request timed out")
            || lower.contains("transmit failed")
            || lower.starts_with("destination ")
            || lower.starts_with("general failure")
            || lower.contains("ttl expired")
        {
            attempts += 1;
            let msg = line.split_once(": ").map_or(line, |(_, m)| m);
            p.errors.push(msg.to_owned());
        } else if let Some(rest) = after(&lower, "packets: sent = ") {
            if let Some(n) = number_prefix(rest) {
                p.sent = n as u32;
            }
        }
    }
    if p.sent == 0 {
        p.sent = attempts;
    }
    p
}

/// Linux iputils `ping -n -c N -W S ADDR`.
#[cfg_attr(windows, allow(dead_code))]
pub(crate) fn parse_iputils(text: &str) -> PingText {
    let mut p = PingText::default();
    for line in text.lines().map(str::trim) {
        if line.contains(" bytes from ") && line.contains("time=") {
            p.received += 1;
            if let Some(t) = after(line, "time=").and_then(number_prefix) {
                p.rtts_ms.push(t);
            }
            if let Some(ttl) = after(line, "ttl=").and_then(number_prefix) {
                p.ttl = Some(ttl as u32);
            }
        } else if line.starts_with("From ") {
            // "From 192.0.2.1 icmp_seq=1 Destination Host Unreachable"
            let msg = line
                .split_whitespace()
                .skip_while(|w| !w.starts_with("icmp_seq="))
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ");
            p.errors.push(msg);
        } else if line.contains(" packets transmitted") {
            if let Some(n) = number_prefix(line) {
                p.sent = n as u32;
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows XP SP2 pinging a server whose IPsec policy requires security: the first
    /// requests trigger IKE and print the message instead of a reply.
    const WINDOWS_NEGOTIATING: &str = "
Pinging 192.0.2.20 with 32 bytes of data:

Negotiating IP Security.
Negotiating IP Security.
Reply from 192.0.2.20: bytes=32 time=2ms TTL=128
Reply from 192.0.2.20: bytes=32 time<1ms TTL=128

Ping statistics for 192.0.2.20:
    Packets: Sent = 4, Received = 2, Lost = 2 (50% loss),
Approximate round trip times in milli-seconds:
    Minimum = 0ms, Maximum = 2ms, Average = 1ms
";

    const WINDOWS_NEGOTIATING_ONLY: &str = "
Pinging 192.0.2.21 with 32 bytes of data:
Negotiating IP Security.
Negotiating IP Security.
Negotiating IP Security.
Negotiating IP Security.

Ping statistics for 192.0.2.21:
    Packets: Sent = 4, Received = 0, Lost = 4 (100% loss),
";

    const WINDOWS_UNREACHABLE: &str = "
Pinging 192.0.2.40 with 32 bytes of data:
Reply from 192.0.2.5: Destination host unreachable.
Request timed out.

Ping statistics for 192.0.2.40:
    Packets: Sent = 2, Received = 1, Lost = 1 (50% loss),
";

    const WINDOWS_10_OK: &str = "\r
Pinging 192.0.2.10 with 32 bytes of data:\r
Reply from 192.0.2.10: bytes=32 time=1ms TTL=128\r
Reply from 192.0.2.10: bytes=32 time=3ms TTL=128\r
\r
Ping statistics for 192.0.2.10:\r
    Packets: Sent = 2, Received = 2, Lost = 0 (0% loss),\r
Approximate round trip times in milli-seconds:\r
    Minimum = 1ms, Maximum = 3ms, Average = 2ms\r
";

    #[test]
    fn windows_negotiating_ip_security_is_counted_and_not_a_reply() {
        let p = parse_windows(WINDOWS_NEGOTIATING);
        assert_eq!(p.negotiating_ip_security, 2);
        assert_eq!((p.sent, p.received), (4, 2));
        assert_eq!(p.rtts_ms, [2.0, 0.0]);
        assert_eq!(p.ttl, Some(128));
        let only = parse_windows(WINDOWS_NEGOTIATING_ONLY);
        assert_eq!(
            (only.sent, only.received, only.negotiating_ip_security),
            (4, 0, 4)
        );
    }

    #[test]
    fn windows_unreachable_replies_are_not_counted_as_received() {
        let p = parse_windows(WINDOWS_UNREACHABLE);
        assert_eq!((p.sent, p.received), (2, 0));
        assert_eq!(
            p.errors,
            ["Destination host unreachable.", "Request timed out."]
        );
        assert_eq!(p.negotiating_ip_security, 0);
    }

    #[test]
    fn windows_10_output_with_crlf_parses() {
        let p = parse_windows(WINDOWS_10_OK);
        assert_eq!((p.sent, p.received), (2, 2));
        assert_eq!(p.rtts_ms, [1.0, 3.0]);
    }

    #[test]
    fn iputils_output_parses_replies_and_errors() {
        let ok = "PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.
64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=0.045 ms
64 bytes from 192.0.2.10: icmp_seq=2 ttl=64 time=0.052 ms

--- 192.0.2.10 ping statistics ---
2 packets transmitted, 2 received, 0% packet loss, time 1001ms
rtt min/avg/max/mdev = 0.045/0.048/0.052/0.003 ms
";
        let p = parse_iputils(ok);
        assert_eq!((p.sent, p.received, p.ttl), (2, 2, Some(64)));
        assert_eq!(p.rtts_ms, [0.045, 0.052]);
        let bad = "PING 192.0.2.99 (192.0.2.99) 56(84) bytes of data.
From 192.0.2.1 icmp_seq=1 Destination Host Unreachable

--- 192.0.2.99 ping statistics ---
1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms
";
        let p = parse_iputils(bad);
        assert_eq!((p.sent, p.received), (1, 0));
        assert_eq!(p.errors, ["Destination Host Unreachable"]);
    }
}
