//! A minimal DNS message codec (RFC 1035): one question out, answers back.
//!
//! `resolve` and `udp protocol=dns` need the response code (NXDOMAIN vs REFUSED vs
//! SERVFAIL), the answering server and the raw records, which the system resolver hides.
//! A full DNS library would cost more compile time than these two hundred lines.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A record type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QType(pub(crate) u16);

impl QType {
    pub(crate) const A: QType = QType(1);
    pub(crate) const NS: QType = QType(2);
    pub(crate) const CNAME: QType = QType(5);
    pub(crate) const SOA: QType = QType(6);
    pub(crate) const PTR: QType = QType(12);
    pub(crate) const MX: QType = QType(15);
    pub(crate) const TXT: QType = QType(16);
    pub(crate) const AAAA: QType = QType(28);
    pub(crate) const SRV: QType = QType(33);
    pub(crate) const ANY: QType = QType(255);

    const NAMED: &'static [(QType, &'static str)] = &[
        (QType::A, "A"),
        (QType::NS, "NS"),
        (QType::CNAME, "CNAME"),
        (QType::SOA, "SOA"),
        (QType::PTR, "PTR"),
        (QType::MX, "MX"),
        (QType::TXT, "TXT"),
        (QType::AAAA, "AAAA"),
        (QType::SRV, "SRV"),
        (QType::ANY, "ANY"),
    ];

    /// `A`, `aaaa`, … (case-insensitive).
    pub(crate) fn parse(s: &str) -> Option<QType> {
        QType::NAMED
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(t, _)| *t)
    }
}

impl fmt::Display for QType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match QType::NAMED.iter().find(|(t, _)| t == self) {
            Some((_, n)) => f.write_str(n),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

/// The name of a response code.
pub(crate) fn rcode_name(rcode: u8) -> String {
    match rcode {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        n => format!("RCODE{n}"),
    }
}

/// Encodes a standard query with recursion desired. `name` is without the trailing dot;
/// empty is the root.
pub(crate) fn encode_query(id: u16, name: &str, qtype: QType) -> Result<Vec<u8>, String> {
    let mut m = Vec::with_capacity(32 + name.len());
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00]); // RD
    m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QDCOUNT 1
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let len = u8::try_from(label.len())
            .ok()
            .filter(|l| *l <= 63)
            .ok_or_else(|| format!("label `{label}` is longer than 63 bytes"))?;
        m.push(len);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&qtype.0.to_be_bytes());
    m.extend_from_slice(&[0, 1]); // IN
    Ok(m)
}

/// A decoded response.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Response {
    pub(crate) id: u16,
    pub(crate) is_response: bool,
    pub(crate) authoritative: bool,
    pub(crate) truncated: bool,
    pub(crate) recursion_available: bool,
    pub(crate) rcode: u8,
    pub(crate) answers: Vec<Record>,
}

/// One resource record of the answer section.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub(crate) name: String,
    pub(crate) rtype: QType,
    pub(crate) ttl: u32,
    pub(crate) value: RData,
}

/// Record data, decoded for the types a help desk reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// PTR, CNAME, NS.
    Name(String),
    Mx(u16, String),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Txt(Vec<String>),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
    },
    Other(Vec<u8>),
}

impl fmt::Display for RData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RData::A(a) => write!(f, "{a}"),
            RData::Aaaa(a) => write!(f, "{a}"),
            RData::Name(n) => write!(f, "{n}"),
            RData::Mx(p, h) => write!(f, "{p} {h}"),
            RData::Srv {
                priority,
                weight,
                port,
                target,
            } => write!(f, "{priority} {weight} {port} {target}"),
            RData::Txt(parts) => {
                let quoted: Vec<String> = parts.iter().map(|p| format!("{p:?}")).collect();
                f.write_str(&quoted.join(" "))
            }
            RData::Soa {
                mname,
                rname,
                serial,
            } => write!(f, "{mname} {rname} {serial}"),
            RData::Other(bytes) => {
                write!(f, "\\# {}", bytes.len())?;
                for b in bytes.iter().take(64) {
                    write!(f, " {b:02x}")?;
                }
                Ok(())
            }
        }
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

const TRUNCATED: &str = "message ends early";

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).ok_or(TRUNCATED)?;
        let s = self.buf.get(self.pos..end).ok_or(TRUNCATED)?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Reads a possibly compressed name; pointers may only go backwards, which also
    /// bounds the number of jumps.
    fn name(&mut self) -> Result<String, String> {
        let mut labels: Vec<String> = Vec::new();
        let mut pos = self.pos;
        let mut jumped = false;
        let mut limit = pos;
        loop {
            let len = *self.buf.get(pos).ok_or(TRUNCATED)?;
            match len {
                0 => {
                    pos += 1;
                    break;
                }
                l if l & 0xc0 == 0xc0 => {
                    let lo = *self.buf.get(pos + 1).ok_or(TRUNCATED)?;
                    let target = usize::from(l & 0x3f) << 8 | usize::from(lo);
                    if target >= limit {
                        return Err("compression pointer does not point backwards".into());
                    }
                    if !jumped {
                        self.pos = pos + 2;
                        jumped = true;
                    }
                    limit = target;
                    pos = target;
                }
                l if l & 0xc0 != 0 => return Err(format!("unknown label type {l:#04x}")),
                l => {
                    let start = pos + 1;
                    let end = start + usize::from(l);
                    let bytes = self.buf.get(start..end).ok_or(TRUNCATED)?;
                    labels.push(String::from_utf8_lossy(bytes).into_owned());
                    if labels.iter().map(|l| l.len() + 1).sum::<usize>() > 255 {
                        return Err("name longer than 255 bytes".into());
                    }
                    pos = end;
                }
            }
        }
        if !jumped {
            self.pos = pos;
        }
        Ok(labels.join("."))
    }
}

/// Decodes a response; only the answer section's records are kept.
pub(crate) fn decode(buf: &[u8]) -> Result<Response, String> {
    let mut r = Reader { buf, pos: 0 };
    let id = r.u16()?;
    let flags = r.u16()?;
    let qd = r.u16()?;
    let an = r.u16()?;
    let _ns = r.u16()?;
    let _ar = r.u16()?;
    for _ in 0..qd {
        r.name()?;
        r.take(4)?;
    }
    let mut answers = Vec::new();
    for _ in 0..an {
        let name = r.name()?;
        let rtype = QType(r.u16()?);
        let _class = r.u16()?;
        let ttl = r.u32()?;
        let len = usize::from(r.u16()?);
        let start = r.pos;
        let rdata = r.take(len)?;
        let mut sub = Reader { buf, pos: start };
        let value = match rtype {
            QType::A if len == 4 => RData::A(Ipv4Addr::new(rdata[0], rdata[1], rdata[2], rdata[3])),
            QType::AAAA if len == 16 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(rdata);
                RData::Aaaa(Ipv6Addr::from(o))
            }
            QType::PTR | QType::CNAME | QType::NS => RData::Name(sub.name()?),
            QType::MX => {
                let pref = sub.u16()?;
                RData::Mx(pref, sub.name()?)
            }
            QType::SRV => RData::Srv {
                priority: sub.u16()?,
                weight: sub.u16()?,
                port: sub.u16()?,
                target: sub.name()?,
            },
            QType::SOA => RData::Soa {
                mname: sub.name()?,
                rname: sub.name()?,
                serial: sub.u32()?,
            },
            QType::TXT => {
                let mut parts = Vec::new();
                let mut t = Reader { buf: rdata, pos: 0 };
                while t.pos < rdata.len() {
                    let l = usize::from(t.u8()?);
                    parts.push(String::from_utf8_lossy(t.take(l)?).into_owned());
                }
                RData::Txt(parts)
            }
            _ => RData::Other(rdata.to_vec()),
        };
        answers.push(Record {
            name,
            rtype,
            ttl,
            value,
        });
    }
    Ok(Response {
        id,
        is_response: flags & 0x8000 != 0,
        authoritative: flags & 0x0400 != 0,
        truncated: flags & 0x0200 != 0,
        recursion_available: flags & 0x0080 != 0,
        rcode: (flags & 0x000f) as u8,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response captured from a resolver for `www.example.com A` with a CNAME chain and
    /// compressed names.
    fn sample_response() -> Vec<u8> {
        let mut m = vec![
            0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, // header: RD RA, 1 q, 2 an
        ];
        m.extend_from_slice(b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
        // CNAME www.example.com -> web.example.com (compressed)
        m.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10, 0, 6]);
        m.extend_from_slice(b"\x03web\xc0\x10");
        // A web.example.com 192.0.2.10
        m.extend_from_slice(&[0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 10]);
        m
    }

    #[test]
    fn query_encodes_labels_type_and_class() {
        let q = encode_query(0xabcd, "srv.example.com", QType::SRV).expect("encodes");
        assert_eq!(&q[..4], &[0xab, 0xcd, 0x01, 0x00]);
        assert_eq!(&q[12..], b"\x03srv\x07example\x03com\x00\x00\x21\x00\x01");
        let root = encode_query(1, "", QType::NS).expect("encodes");
        assert_eq!(&root[12..], &[0, 0, 2, 0, 1]);
    }

    #[test]
    fn response_with_compression_and_cname_chain_decodes() {
        let r = decode(&sample_response()).expect("decodes");
        assert_eq!(r.id, 0x1234);
        assert!(r.is_response && r.recursion_available && !r.truncated);
        assert_eq!(r.rcode, 0);
        assert_eq!(r.answers.len(), 2);
        assert_eq!(r.answers[0].name, "www.example.com");
        assert_eq!(r.answers[0].value, RData::Name("web.example.com".into()));
        assert_eq!(r.answers[1].name, "web.example.com");
        assert_eq!(r.answers[1].value, RData::A(Ipv4Addr::new(192, 0, 2, 10)));
        assert_eq!(r.answers[1].ttl, 60);
    }

    #[test]
    fn malformed_responses_are_errors_not_panics() {
        let good = sample_response();
        for cut in 0..good.len() {
            let _ = decode(&good[..cut]);
        }
        // A pointer to itself must not loop.
        let mut m = vec![0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
        assert_eq!(
            decode(&m).err().as_deref(),
            Some("compression pointer does not point backwards")
        );
    }

    #[test]
    fn rcodes_have_names() {
        assert_eq!(rcode_name(3), "NXDOMAIN");
        assert_eq!(rcode_name(5), "REFUSED");
        assert_eq!(rcode_name(9), "RCODE9");
    }
}
