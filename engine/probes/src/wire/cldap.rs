//! The LDAP rootDSE query over UDP (CLDAP) that portqry sends to port 389, and a BER
//! reader for its reply.
//!
//! A domain controller answers a base-scope search of the empty DN without any
//! authentication, which is why the seed recommends portqry's UDP checks: they show that
//! the DC's LDAP service is reachable even when Kerberos or IKE is not.

use std::collections::BTreeMap;

/// A searchRequest for the rootDSE: base "", scope base, filter (objectClass=*), all
/// attributes.
pub(crate) fn encode_rootdse_query(message_id: u32) -> Vec<u8> {
    let mut search = Vec::new();
    tlv(&mut search, 0x04, b""); // baseObject ""
    tlv(&mut search, 0x0a, &[0]); // scope baseObject
    tlv(&mut search, 0x0a, &[0]); // derefAliases never
    tlv(&mut search, 0x02, &[0]); // sizeLimit 0
    tlv(&mut search, 0x02, &[0]); // timeLimit 0
    tlv(&mut search, 0x01, &[0]); // typesOnly FALSE
    tlv(&mut search, 0x87, b"objectClass"); // filter: present
    tlv(&mut search, 0x30, b""); // attributes: all
    let mut msg = Vec::new();
    tlv(&mut msg, 0x02, &integer(message_id));
    tlv(&mut msg, 0x63, &search); // [APPLICATION 3] searchRequest
    let mut out = Vec::new();
    tlv(&mut out, 0x30, &msg);
    out
}

fn integer(n: u32) -> Vec<u8> {
    let mut b: Vec<u8> = n.to_be_bytes().to_vec();
    while b.len() > 1 && b[0] == 0 && b[1] & 0x80 == 0 {
        b.remove(0);
    }
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    b
}

fn tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = (len as u32)
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(value);
}

/// One BER element: tag and contents.
struct Tlv<'a> {
    tag: u8,
    value: &'a [u8],
}

/// Splits `buf` into consecutive BER elements.
fn elements(mut buf: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let (t, rest) = element(buf)?;
        out.push(t);
        buf = rest;
    }
    Ok(out)
}

fn element(buf: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    const SHORT: &str = "reply ends inside a BER element";
    let tag = *buf.first().ok_or(SHORT)?;
    if tag & 0x1f == 0x1f {
        return Err("multi-byte BER tags are not used by LDAP".into());
    }
    let first = *buf.get(1).ok_or(SHORT)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err("unsupported BER length form".into());
        }
        let bytes = buf.get(2..2 + n).ok_or(SHORT)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| acc << 8 | usize::from(*b));
        (len, 2 + n)
    };
    let end = header.checked_add(len).ok_or(SHORT)?;
    let value = buf.get(header..end).ok_or(SHORT)?;
    Ok((Tlv { tag, value }, &buf[end..]))
}

fn int(value: &[u8]) -> i64 {
    value.iter().take(8).fold(
        if value.first().is_some_and(|b| b & 0x80 != 0) {
            -1
        } else {
            0
        },
        |acc, b| acc << 8 | i64::from(*b),
    )
}

/// What a CLDAP reply said.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) message_id: Option<i64>,
    /// rootDSE attributes and their values (text, shortened).
    pub(crate) attributes: BTreeMap<String, Vec<String>>,
    /// The searchResDone result code (0 = success).
    pub(crate) result_code: Option<i64>,
    pub(crate) diagnostic: String,
}

const MAX_VALUE_CHARS: usize = 512;

/// Decodes the LDAP messages of one datagram (a searchResEntry and a searchResDone,
/// usually together).
pub(crate) fn decode_reply(buf: &[u8]) -> Result<Reply, String> {
    let mut reply = Reply::default();
    let messages = elements(buf)?;
    if messages.is_empty() {
        return Err("empty reply".into());
    }
    for m in messages {
        if m.tag != 0x30 {
            return Err(format!("not an LDAP message (tag {:#04x})", m.tag));
        }
        let parts = elements(m.value)?;
        let (Some(id), Some(op)) = (parts.first(), parts.get(1)) else {
            return Err("LDAP message without an operation".into());
        };
        if id.tag != 0x02 {
            return Err("LDAP message without a message id".into());
        }
        reply.message_id = Some(int(id.value));
        match op.tag {
            0x64 => {
                // searchResEntry: objectName, attributes
                let fields = elements(op.value)?;
                let Some(attrs) = fields.get(1) else {
                    return Err("searchResEntry without attributes".into());
                };
                for attr in elements(attrs.value)? {
                    let av = elements(attr.value)?;
                    let (Some(name), Some(vals)) = (av.first(), av.get(1)) else {
                        continue;
                    };
                    let name = String::from_utf8_lossy(name.value).into_owned();
                    let values = elements(vals.value)?
                        .into_iter()
                        .map(|v| {
                            let s = String::from_utf8_lossy(v.value);
                            s.chars().take(MAX_VALUE_CHARS).collect()
                        })
                        .collect();
                    reply.attributes.insert(name, values);
                }
            }
            0x65 => {
                // searchResDone: resultCode, matchedDN, diagnosticMessage
                let fields = elements(op.value)?;
                reply.result_code = fields.first().map(|f| int(f.value));
                if let Some(d) = fields.get(2) {
                    reply.diagnostic = String::from_utf8_lossy(d.value).into_owned();
                }
            }
            other => return Err(format!("unexpected LDAP operation (tag {other:#04x})")),
        }
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootdse_query_matches_the_ber_portqry_sends() {
        let q = encode_rootdse_query(1);
        let expected: &[u8] = &[
            0x30, 0x25, 0x02, 0x01, 0x01, 0x63, 0x20, 0x04, 0x00, 0x0a, 0x01, 0x00, 0x0a, 0x01,
            0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00, 0x87, 0x0b, b'o', b'b',
            b'j', b'e', b'c', b't', b'C', b'l', b'a', b's', b's', 0x30, 0x00,
        ];
        assert_eq!(q, expected);
        assert_eq!(integer(0x80), vec![0, 0x80]);
        assert_eq!(integer(0x1234), vec![0x12, 0x34]);
    }

    fn entry_and_done(id: u32) -> Vec<u8> {
        let mut attr = Vec::new();
        tlv(&mut attr, 0x04, b"dnsHostName");
        let mut vals = Vec::new();
        tlv(&mut vals, 0x04, b"dc1.woodgrovebank.com");
        tlv(&mut attr, 0x31, &vals);
        let mut attrs = Vec::new();
        tlv(&mut attrs, 0x30, &attr);
        let mut entry = Vec::new();
        tlv(&mut entry, 0x04, b"");
        tlv(&mut entry, 0x30, &attrs);
        let mut m1 = Vec::new();
        tlv(&mut m1, 0x02, &integer(id));
        tlv(&mut m1, 0x64, &entry);
        let mut done = Vec::new();
        tlv(&mut done, 0x0a, &[0]);
        tlv(&mut done, 0x04, b"");
        tlv(&mut done, 0x04, b"");
        let mut m2 = Vec::new();
        tlv(&mut m2, 0x02, &integer(id));
        tlv(&mut m2, 0x65, &done);
        let mut out = Vec::new();
        tlv(&mut out, 0x30, &m1);
        tlv(&mut out, 0x30, &m2);
        out
    }

    #[test]
    fn entry_and_done_in_one_datagram_decode() {
        let r = decode_reply(&entry_and_done(7)).expect("decodes");
        assert_eq!(r.message_id, Some(7));
        assert_eq!(r.result_code, Some(0));
        assert_eq!(
            r.attributes.get("dnsHostName"),
            Some(&vec!["dc1.woodgrovebank.com".to_owned()])
        );
    }

    #[test]
    fn truncated_or_foreign_replies_are_errors_not_panics() {
        let good = entry_and_done(300);
        // Cut anywhere but between the two messages, the reply is malformed.
        let first_message = 2 + usize::from(good[1]);
        for cut in (1..good.len()).filter(|c| *c != first_message) {
            assert!(decode_reply(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode_reply(b"\x05hello").is_err());
        let long = {
            let mut v = Vec::new();
            tlv(&mut v, 0x04, &[b'x'; 300]);
            v
        };
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
