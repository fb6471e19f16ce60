//! Wire formats the probes speak, encoded and decoded by hand: small, bounded, and tested
//! against captured and hand-built messages. Decoders return errors, never panic, on any
//! input.

pub(crate) mod cldap;
pub(crate) mod dns;
pub(crate) mod icmp;
pub(crate) mod ike;

#[cfg(test)]
mod tests {
    /// Replies come from the network: no byte sequence may panic a decoder. Random
    /// buffers, and random bytes grafted onto valid headers so decoding gets past the
    /// first checks.
    #[test]
    fn decoders_never_panic_on_arbitrary_bytes() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let spi = [7u8; 8];
        for round in 0..20_000 {
            let len = (next() % 300) as usize;
            let mut buf: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            match round % 4 {
                // IKE: our SPI, a version byte, a plausible first payload.
                1 if buf.len() >= 28 => {
                    buf[..8].copy_from_slice(&spi);
                    buf[16] = [0, 33, 41, 43, 1, 11][(next() % 6) as usize];
                    buf[17] = if next() % 2 == 0 { 0x20 } else { 0x10 };
                    buf[19] = 0x20;
                }
                // LDAP: a SEQUENCE holding a message id.
                2 if buf.len() >= 4 => {
                    buf[..4].copy_from_slice(&[0x30, (len - 2).min(127) as u8, 0x02, 0x01])
                }
                // DNS: a response header with some answers.
                3 if buf.len() >= 12 => buf[2..8].copy_from_slice(&[0x81, 0x80, 0, 1, 0, 3]),
                _ => {}
            }
            let _ = super::dns::decode(&buf);
            let _ = super::cldap::decode_reply(&buf);
            let _ = super::ike::decode(&buf, &spi);
            let _ = super::icmp::match_reply(&buf, round % 2 == 0, round % 3 == 0, Some(1), 1);
        }
    }
}
