//! ICMP and ICMPv6 echo messages, and recognising the reply (or the error) that answers one.

/// An echo request. IPv4 carries its checksum; for ICMPv6 the kernel fills it in (it needs
/// the pseudo-header), as it does for datagram ("ping") sockets of either family.
pub(crate) fn echo_request(v6: bool, id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut m = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(payload);
    if !v6 {
        let sum = checksum(&m).to_be_bytes();
        m[2] = sum[0];
        m[3] = sum[1];
    }
    m
}

/// The Internet checksum (RFC 1071).
pub(crate) fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// What a received ICMP message means for echo `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Heard {
    /// The echo reply, with the IPv4 TTL when the IP header was visible.
    Reply { ttl: Option<u8> },
    /// A destination unreachable about our request (ICMP code).
    Unreachable(u8),
    /// Time exceeded in transit about our request.
    TimeExceeded,
}

/// Matches a received datagram against echo `seq`. `ip_header`: the buffer starts with
/// the IPv4 header (IPv4 raw sockets). `id`: the identifier to check (`None` for
/// datagram sockets, where the kernel rewrites and filters it).
pub(crate) fn match_reply(
    buf: &[u8],
    v6: bool,
    ip_header: bool,
    id: Option<u16>,
    seq: u16,
) -> Option<Heard> {
    let (icmp, ttl) = if ip_header {
        let ihl = usize::from(buf.first()? & 0x0f) * 4;
        (buf.get(ihl..)?, buf.get(8).copied())
    } else {
        (buf, None)
    };
    let ty = *icmp.first()?;
    let code = *icmp.get(1)?;
    let ours = |hdr: &[u8]| {
        let got_id = u16::from_be_bytes([*hdr.get(4)?, *hdr.get(5)?]);
        let got_seq = u16::from_be_bytes([*hdr.get(6)?, *hdr.get(7)?]);
        Some(got_seq == seq && id.is_none_or(|i| i == got_id))
    };
    let (reply, unreach, exceeded) = if v6 { (129, 1, 3) } else { (0, 3, 11) };
    if ty == reply {
        return ours(icmp)?.then_some(Heard::Reply { ttl });
    }
    if ty == unreach || ty == exceeded {
        // The error quotes our request: its IP header, then at least 8 bytes of ICMP.
        let quoted = icmp.get(8..)?;
        let inner = if v6 {
            quoted.get(40..)?
        } else {
            quoted.get(usize::from(quoted.first()? & 0x0f) * 4..)?
        };
        let request = if v6 { 128 } else { 8 };
        if *inner.first()? != request || !ours(inner)? {
            return None;
        }
        return Some(if ty == unreach {
            Heard::Unreachable(code)
        } else {
            Heard::TimeExceeded
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_a_request_verifies_to_zero() {
        let m = echo_request(false, 0x1234, 7, b"abcdefghijklmnopqrstuvwabcdefghi");
        assert_eq!(checksum(&m), 0);
        assert_eq!(&m[..8], &[8, 0, m[2], m[3], 0x12, 0x34, 0, 7]);
    }

    #[test]
    fn replies_match_by_sequence_and_identifier() {
        let mut reply = echo_request(false, 0x1234, 7, b"x");
        reply[0] = 0;
        assert_eq!(
            match_reply(&reply, false, false, None, 7),
            Some(Heard::Reply { ttl: None })
        );
        assert_eq!(match_reply(&reply, false, false, Some(0x1234), 8), None);
        assert_eq!(match_reply(&reply, false, false, Some(0x9999), 7), None);
        // Behind an IPv4 header (raw sockets), with the TTL read from it.
        let mut ip = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        ip.extend_from_slice(&reply);
        assert_eq!(
            match_reply(&ip, false, true, Some(0x1234), 7),
            Some(Heard::Reply { ttl: Some(64) })
        );
        // Our own request seen on loopback is not a reply.
        let request = echo_request(false, 0x1234, 7, b"x");
        assert_eq!(match_reply(&request, false, false, None, 7), None);
    }

    #[test]
    fn unreachable_quoting_our_request_is_recognised() {
        let request = echo_request(false, 0x1234, 3, b"payload!");
        let mut quoted_ip = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 192, 0, 2, 1,
        ];
        quoted_ip.extend_from_slice(&request);
        let mut err = vec![3, 1, 0, 0, 0, 0, 0, 0];
        err.extend_from_slice(&quoted_ip);
        assert_eq!(
            match_reply(&err, false, false, Some(0x1234), 3),
            Some(Heard::Unreachable(1))
        );
        assert_eq!(match_reply(&err, false, false, Some(0x1234), 4), None);
        assert_eq!(match_reply(&err[..10], false, false, None, 3), None);
    }
}
