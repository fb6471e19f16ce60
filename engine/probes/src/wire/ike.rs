//! IKE first messages and what responders say back: an IKEv2 IKE_SA_INIT request (RFC
//! 7296) and an IKEv1 main mode first message (RFC 2408/2409), and a decoder for either
//! version's reply.
//!
//! The probe never completes a negotiation: it only needs the responder to say something.
//! The offers are therefore broad (what Windows 2000 through current Windows and common
//! Linux daemons accept), and key exchange values are well-formed but throwaway (a curve's
//! generator, random MODP values): the responder checks their shape, not their secrecy.

use std::fmt::Write as _;

/// IKEv2 Diffie-Hellman groups offered, most common first. The KE payload carries the first
/// one; a responder that prefers another of them answers INVALID_KE_PAYLOAD naming it.
pub(crate) const V2_GROUPS: &[u16] = &[14, 19, 20, 31, 15, 16, 2];

const P256_G: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
const P384_G: &str = "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// A public value of the right shape for `group`.
fn ke_data(group: u16, random: &mut dyn FnMut() -> u64) -> Option<Vec<u8>> {
    let modp = |bytes: usize, random: &mut dyn FnMut() -> u64| {
        let mut v: Vec<u8> = (0..bytes / 8)
            .flat_map(|_| random().to_be_bytes())
            .collect();
        // Below the prime (whose top bits are all ones) and well above 1.
        v[0] = 0x7f;
        v
    };
    Some(match group {
        2 => modp(128, random),
        14 => modp(256, random),
        15 => modp(384, random),
        16 => modp(512, random),
        19 => hex(P256_G),
        20 => hex(P384_G),
        31 => (0..4).flat_map(|_| random().to_be_bytes()).collect(),
        _ => return None,
    })
}

fn payload(out: &mut Vec<u8>, next: u8, body: &[u8]) {
    out.push(next);
    out.push(0);
    out.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn header(spi: &[u8; 8], next: u8, version: u8, exchange: u8, flags: u8) -> Vec<u8> {
    let mut m = Vec::with_capacity(1024);
    m.extend_from_slice(spi);
    m.extend_from_slice(&[0; 8]);
    m.extend_from_slice(&[next, version, exchange, flags]);
    m.extend_from_slice(&[0; 4]); // message id
    m.extend_from_slice(&[0; 4]); // length, set by `finish`
    m
}

fn finish(mut m: Vec<u8>) -> Vec<u8> {
    let len = (m.len() as u32).to_be_bytes();
    m[24..28].copy_from_slice(&len);
    m
}

// IKEv2 transform types and ids (RFC 7296 section 3.3.2, IANA registry).
const ENCR: u8 = 1;
const PRF: u8 = 2;
const INTEG: u8 = 3;
const DH: u8 = 4;

fn v2_transform(out: &mut Vec<u8>, last: bool, ttype: u8, id: u16, key_len: Option<u16>) {
    let mut body = vec![ttype, 0];
    body.extend_from_slice(&id.to_be_bytes());
    if let Some(k) = key_len {
        body.extend_from_slice(&[0x80, 14]);
        body.extend_from_slice(&k.to_be_bytes());
    }
    payload(out, if last { 0 } else { 3 }, &body);
}

fn v2_proposal(out: &mut Vec<u8>, last: bool, number: u8, transforms: &[(u8, u16, Option<u16>)]) {
    let mut t = Vec::new();
    for (i, (ty, id, k)) in transforms.iter().enumerate() {
        v2_transform(&mut t, i + 1 == transforms.len(), *ty, *id, *k);
    }
    let mut body = vec![number, 1, 0, transforms.len() as u8];
    body.extend_from_slice(&t);
    payload(out, if last { 0 } else { 2 }, &body);
}

fn v2_sa() -> Vec<u8> {
    let dh: Vec<(u8, u16, Option<u16>)> = V2_GROUPS.iter().map(|g| (DH, *g, None)).collect();
    let prfs = [
        (PRF, 5, None),
        (PRF, 6, None),
        (PRF, 7, None),
        (PRF, 2, None),
    ];
    let mut cbc = vec![
        (ENCR, 12, Some(256)),
        (ENCR, 12, Some(128)),
        (ENCR, 3, None),
    ];
    cbc.extend_from_slice(&prfs);
    cbc.extend_from_slice(&[
        (INTEG, 12, None),
        (INTEG, 13, None),
        (INTEG, 14, None),
        (INTEG, 2, None),
    ]);
    cbc.extend_from_slice(&dh);
    let mut gcm = vec![(ENCR, 20, Some(256)), (ENCR, 20, Some(128))];
    gcm.extend_from_slice(&prfs);
    gcm.extend_from_slice(&dh);
    let mut sa = Vec::new();
    v2_proposal(&mut sa, false, 1, &cbc);
    v2_proposal(&mut sa, true, 2, &gcm);
    sa
}

/// An IKEv2 IKE_SA_INIT request offering [`V2_GROUPS`] with a KE payload for `group`,
/// optionally echoing a responder's COOKIE.
pub(crate) fn ikev2_sa_init(
    spi: &[u8; 8],
    group: u16,
    cookie: Option<&[u8]>,
    random: &mut dyn FnMut() -> u64,
) -> Vec<u8> {
    const SA: u8 = 33;
    const KE: u8 = 34;
    const NONCE: u8 = 40;
    const NOTIFY: u8 = 41;
    let first = if cookie.is_some() { NOTIFY } else { SA };
    let mut m = header(spi, first, 0x20, 34, 0x08);
    if let Some(c) = cookie {
        let mut body = vec![0, 0];
        body.extend_from_slice(&16390u16.to_be_bytes());
        body.extend_from_slice(c);
        payload(&mut m, SA, &body);
    }
    payload(&mut m, KE, &v2_sa());
    let mut ke = group.to_be_bytes().to_vec();
    ke.extend_from_slice(&[0, 0]);
    ke.extend_from_slice(&ke_data(group, random).unwrap_or_else(|| vec![0x7f; 256]));
    payload(&mut m, NONCE, &ke);
    let nonce: Vec<u8> = (0..4).flat_map(|_| random().to_be_bytes()).collect();
    payload(&mut m, 0, &nonce);
    finish(m)
}

/// IKEv1 main mode message 1 offering AES-256/128 and 3DES, SHA-256 and SHA-1, pre-shared
/// key, RSA signature and Kerberos (Windows) authentication, groups 14 and 2.
pub(crate) fn ikev1_main_mode(cookie: &[u8; 8]) -> Vec<u8> {
    const SA: u8 = 1;
    const VID: u8 = 13;
    let mut transforms = Vec::new();
    let mut n = 0u8;
    let encs: [(u16, Option<u16>); 3] = [(7, Some(256)), (7, Some(128)), (5, None)];
    let combos: Vec<_> = encs
        .iter()
        .flat_map(|e| [4u16, 2].into_iter().map(move |h| (*e, h)))
        .flat_map(|(e, h)| [1u16, 3, 65001].into_iter().map(move |a| (e, h, a)))
        .flat_map(|(e, h, a)| [14u16, 2].into_iter().map(move |g| (e, h, a, g)))
        .collect();
    for (i, ((enc, key_len), hash, auth, group)) in combos.iter().enumerate() {
        n += 1;
        let mut body = vec![n, 1, 0, 0]; // transform #, KEY_IKE, reserved
        let mut attr = |t: u16, v: u16| {
            body.extend_from_slice(&(0x8000 | t).to_be_bytes());
            body.extend_from_slice(&v.to_be_bytes());
        };
        attr(1, *enc);
        if let Some(k) = key_len {
            attr(14, *k);
        }
        attr(2, *hash);
        attr(3, *auth);
        attr(4, *group);
        attr(11, 1); // life type: seconds
        attr(12, 28_800);
        payload(
            &mut transforms,
            if i + 1 == combos.len() { 0 } else { 3 },
            &body,
        );
    }
    let mut proposal = vec![1, 1, 0, n]; // proposal #1, PROTO_ISAKMP, no SPI
    proposal.extend_from_slice(&transforms);
    let mut sa = vec![0, 0, 0, 1, 0, 0, 0, 1]; // DOI IPsec, SIT_IDENTITY_ONLY
    payload(&mut sa, 0, &proposal);
    let mut m = header(cookie, SA, 0x10, 2, 0);
    payload(&mut m, VID, &sa);
    payload(&mut m, VID, &hex(RFC3947_NATT));
    payload(&mut m, 0, &hex(DPD));
    finish(m)
}

const RFC3947_NATT: &str = "4a131c81070358455c5728f20e95452f";
const DPD: &str = "afcad71368a1f1c96b8696fc77570100";

/// A notification in a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notify {
    pub(crate) code: u16,
    pub(crate) data: Vec<u8>,
}

impl Notify {
    pub(crate) fn is_error(&self) -> bool {
        self.code < 16384
    }
}

/// What a responder sent back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Answer {
    /// 1 or 2: the major version of the reply's header.
    pub(crate) version: u8,
    pub(crate) exchange: u8,
    /// The accepted proposal, readable (`AES_CBC-256/HMAC_SHA2_256/…`).
    pub(crate) chosen: Option<String>,
    pub(crate) notifies: Vec<Notify>,
    pub(crate) vendor_ids: Vec<String>,
}

impl Answer {
    /// The first error notification, if any.
    pub(crate) fn error(&self) -> Option<&Notify> {
        self.notifies.iter().find(|n| n.is_error())
    }
    pub(crate) fn notify(&self, code: u16) -> Option<&Notify> {
        self.notifies.iter().find(|n| n.code == code)
    }
}

struct Payloads<'a> {
    buf: &'a [u8],
    next: u8,
}

impl<'a> Iterator for Payloads<'a> {
    type Item = Result<(u8, &'a [u8]), String>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.next == 0 {
            return None;
        }
        let ty = self.next;
        let Some(h) = self.buf.get(..4) else {
            self.next = 0;
            return Some(Err("reply ends inside a payload header".into()));
        };
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let Some(body) = self.buf.get(4..len.max(4)).filter(|_| len >= 4) else {
            self.next = 0;
            return Some(Err("payload length runs past the end of the reply".into()));
        };
        self.next = h[0];
        self.buf = &self.buf[len..];
        Some(Ok((ty, body)))
    }
}

/// Decodes a reply to a request sent with initiator SPI (IKEv1: cookie) `spi`. Replies to
/// someone else, and requests, are errors: a reply counts only when it is a response: the
/// initiator's SPI echoed, and (IKEv2) the response flag set and the initiator flag clear,
/// a responder SPI whenever it accepts a proposal; (IKEv1) a responder cookie in a main
/// mode reply, whose SA holds the one transform the responder chose. A UDP echo of the
/// request (or any reflector) fails these and is never "an IKE responder".
pub(crate) fn decode(buf: &[u8], spi: &[u8; 8]) -> Result<Answer, String> {
    if buf.len() < 28 {
        return Err(format!(
            "{} bytes is too short for an IKE header",
            buf.len()
        ));
    }
    if &buf[..8] != spi {
        return Err("reply for another initiator".into());
    }
    let version = buf[17] >> 4;
    let exchange = buf[18];
    let flags = buf[19];
    let mut answer = Answer {
        version,
        exchange,
        ..Answer::default()
    };
    let body = buf.get(28..).unwrap_or_default();
    let responder_spi_zero = buf[8..16].iter().all(|b| *b == 0);
    match version {
        2 => {
            if flags & 0x20 == 0 {
                return Err("an IKEv2 request, not a response".into());
            }
            if flags & 0x08 != 0 {
                return Err("an IKEv2 message from an initiator, not a response".into());
            }
            for p in (Payloads {
                buf: body,
                next: buf[16],
            }) {
                let (ty, b) = p?;
                match ty {
                    33 => answer.chosen = Some(v2_chosen(b)?),
                    41 if b.len() >= 4 => {
                        let spi_len = usize::from(b[1]);
                        answer.notifies.push(Notify {
                            code: u16::from_be_bytes([b[2], b[3]]),
                            data: b.get(4 + spi_len..).unwrap_or_default().to_vec(),
                        });
                    }
                    43 => answer.vendor_ids.push(vendor_name(b)),
                    // Encrypted (46) or unknown payloads: nothing the probe reads.
                    _ => {}
                }
            }
        }
        1 => {
            // Main mode's second message carries the responder's cookie (RFC 2408 3.1);
            // only an informational refusal may come without one.
            if exchange == 2 && responder_spi_zero {
                return Err(
                    "an IKEv1 main mode message without a responder cookie, not a response".into(),
                );
            }
            for p in (Payloads {
                buf: body,
                next: buf[16],
            }) {
                let (ty, b) = p?;
                match ty {
                    1 => answer.chosen = Some(v1_chosen(b)?),
                    11 if b.len() >= 8 => {
                        let spi_len = usize::from(b[5]);
                        answer.notifies.push(Notify {
                            code: u16::from_be_bytes([b[6], b[7]]),
                            data: b.get(8 + spi_len..).unwrap_or_default().to_vec(),
                        });
                    }
                    13 => answer.vendor_ids.push(vendor_name(b)),
                    _ => {}
                }
            }
        }
        v => return Err(format!("unknown IKE major version {v}")),
    }
    if version == 2 && answer.chosen.is_some() && responder_spi_zero {
        return Err("an IKEv2 response that accepts a proposal without a responder SPI".into());
    }
    Ok(answer)
}

fn v2_chosen(sa: &[u8]) -> Result<String, String> {
    let Some(Ok((_, prop))) = (Payloads { buf: sa, next: 2 }).next() else {
        return Err("SA payload without a proposal".into());
    };
    if prop.len() < 4 {
        return Err("short proposal".into());
    }
    let spi_len = usize::from(prop[2]);
    let transforms = prop.get(4 + spi_len..).unwrap_or_default();
    let mut names = Vec::new();
    for t in (Payloads {
        buf: transforms,
        next: 3,
    }) {
        let (_, t) = t?;
        if t.len() < 4 {
            return Err("short transform".into());
        }
        let key_len =
            (t.len() >= 8 && t[4..6] == [0x80, 14]).then(|| u16::from_be_bytes([t[6], t[7]]));
        names.push(v2_transform_name(
            t[0],
            u16::from_be_bytes([t[2], t[3]]),
            key_len,
        ));
    }
    Ok(names.join("/"))
}

fn v1_chosen(sa: &[u8]) -> Result<String, String> {
    let prop = sa.get(8..).ok_or("short SA payload")?;
    let Some(Ok((_, prop))) = (Payloads { buf: prop, next: 2 }).next() else {
        return Err("SA payload without a proposal".into());
    };
    let spi_len = usize::from(*prop.get(2).ok_or("short proposal")?);
    let count = *prop.get(3).ok_or("short proposal")?;
    if count != 1 {
        return Err(format!(
            "an SA with {count} transforms: a responder chooses one, so this is not a response"
        ));
    }
    let transforms = prop.get(4 + spi_len..).unwrap_or_default();
    let Some(Ok((_, t))) = (Payloads {
        buf: transforms,
        next: 3,
    })
    .next() else {
        return Err("proposal without a transform".into());
    };
    let mut attrs = t.get(4..).unwrap_or_default();
    let (mut enc, mut key_len, mut hash, mut auth, mut group) = (None, None, None, None, None);
    while attrs.len() >= 4 {
        let ty = u16::from_be_bytes([attrs[0], attrs[1]]);
        let v = u16::from_be_bytes([attrs[2], attrs[3]]);
        if ty & 0x8000 == 0 {
            // TLV form: skip its value.
            let skip = 4 + usize::from(v);
            attrs = attrs.get(skip..).unwrap_or_default();
            continue;
        }
        match ty & 0x7fff {
            1 => enc = Some(v),
            14 => key_len = Some(v),
            2 => hash = Some(v),
            3 => auth = Some(v),
            4 => group = Some(v),
            _ => {}
        }
        attrs = &attrs[4..];
    }
    let mut s = match enc {
        Some(1) => "DES-CBC".to_owned(),
        Some(5) => "3DES-CBC".to_owned(),
        Some(7) => "AES-CBC".to_owned(),
        Some(n) => format!("ENC{n}"),
        None => "ENC?".to_owned(),
    };
    if let Some(k) = key_len {
        let _ = write!(s, "-{k}");
    }
    let hash = match hash {
        Some(1) => "MD5".to_owned(),
        Some(2) => "SHA1".to_owned(),
        Some(4) => "SHA2-256".to_owned(),
        Some(5) => "SHA2-384".to_owned(),
        Some(6) => "SHA2-512".to_owned(),
        Some(n) => format!("HASH{n}"),
        None => "HASH?".to_owned(),
    };
    let auth = match auth {
        Some(1) => "PSK".to_owned(),
        Some(3) => "RSA-SIG".to_owned(),
        Some(65001) => "KERBEROS".to_owned(),
        Some(n) => format!("AUTH{n}"),
        None => "AUTH?".to_owned(),
    };
    let group = group.map(group_name).unwrap_or_else(|| "GROUP?".to_owned());
    Ok(format!("{s}/{hash}/{auth}/{group}"))
}

fn group_name(g: u16) -> String {
    match g {
        1 => "MODP_768".into(),
        2 => "MODP_1024".into(),
        5 => "MODP_1536".into(),
        14 => "MODP_2048".into(),
        15 => "MODP_3072".into(),
        16 => "MODP_4096".into(),
        17 => "MODP_6144".into(),
        18 => "MODP_8192".into(),
        19 => "ECP_256".into(),
        20 => "ECP_384".into(),
        21 => "ECP_521".into(),
        24 => "MODP_2048_256".into(),
        31 => "CURVE25519".into(),
        32 => "CURVE448".into(),
        n => format!("DH_GROUP_{n}"),
    }
}

fn v2_transform_name(ty: u8, id: u16, key_len: Option<u16>) -> String {
    let base = match (ty, id) {
        (ENCR, 3) => "3DES".into(),
        (ENCR, 12) => "AES_CBC".into(),
        (ENCR, 18) => "AES_GCM_8".into(),
        (ENCR, 19) => "AES_GCM_12".into(),
        (ENCR, 20) => "AES_GCM_16".into(),
        (ENCR, 28) => "CHACHA20_POLY1305".into(),
        (PRF, 2) => "PRF_HMAC_SHA1".into(),
        (PRF, 4) => "PRF_AES128_XCBC".into(),
        (PRF, 5) => "PRF_HMAC_SHA2_256".into(),
        (PRF, 6) => "PRF_HMAC_SHA2_384".into(),
        (PRF, 7) => "PRF_HMAC_SHA2_512".into(),
        (INTEG, 2) => "HMAC_SHA1_96".into(),
        (INTEG, 5) => "AES_XCBC_96".into(),
        (INTEG, 12) => "HMAC_SHA2_256_128".into(),
        (INTEG, 13) => "HMAC_SHA2_384_192".into(),
        (INTEG, 14) => "HMAC_SHA2_512_256".into(),
        (DH, g) => group_name(g),
        (t, i) => format!("TRANSFORM_{t}_{i}"),
    };
    match key_len {
        Some(k) => format!("{base}-{k}"),
        None => base,
    }
}

/// The registered name of an IKEv2 notify type (IKEv1 uses the same numbers for the errors
/// a probe meets, written with hyphens in RFC 2408; underscores here for one vocabulary).
pub(crate) fn notify_name(version: u8, code: u16) -> String {
    let v2 = match code {
        1 => "UNSUPPORTED_CRITICAL_PAYLOAD",
        4 => "INVALID_IKE_SPI",
        5 => "INVALID_MAJOR_VERSION",
        7 => "INVALID_SYNTAX",
        9 => "INVALID_MESSAGE_ID",
        11 => "INVALID_SPI",
        14 => "NO_PROPOSAL_CHOSEN",
        17 => "INVALID_KE_PAYLOAD",
        24 => "AUTHENTICATION_FAILED",
        34 => "SINGLE_PAIR_REQUIRED",
        35 => "NO_ADDITIONAL_SAS",
        36 => "INTERNAL_ADDRESS_FAILURE",
        37 => "FAILED_CP_REQUIRED",
        38 => "TS_UNACCEPTABLE",
        39 => "INVALID_SELECTORS",
        43 => "TEMPORARY_FAILURE",
        44 => "CHILD_SA_NOT_FOUND",
        16384 => "INITIAL_CONTACT",
        16388 => "NAT_DETECTION_SOURCE_IP",
        16389 => "NAT_DETECTION_DESTINATION_IP",
        16390 => "COOKIE",
        16391 => "USE_TRANSPORT_MODE",
        16404 => "MULTIPLE_AUTH_SUPPORTED",
        16405 => "ANOTHER_AUTH_FOLLOWS",
        16406 => "REDIRECT_SUPPORTED",
        16418 => "CHILDLESS_IKEV2_SUPPORTED",
        16430 => "IKEV2_FRAGMENTATION_SUPPORTED",
        16431 => "SIGNATURE_HASH_ALGORITHMS",
        _ => "",
    };
    let v1 = match code {
        1 => "INVALID_PAYLOAD_TYPE",
        2 => "DOI_NOT_SUPPORTED",
        3 => "SITUATION_NOT_SUPPORTED",
        4 => "INVALID_COOKIE",
        5 => "INVALID_MAJOR_VERSION",
        6 => "INVALID_MINOR_VERSION",
        7 => "INVALID_EXCHANGE_TYPE",
        8 => "INVALID_FLAGS",
        9 => "INVALID_MESSAGE_ID",
        10 => "INVALID_PROTOCOL_ID",
        11 => "INVALID_SPI",
        12 => "INVALID_TRANSFORM_ID",
        13 => "ATTRIBUTES_NOT_SUPPORTED",
        14 => "NO_PROPOSAL_CHOSEN",
        15 => "BAD_PROPOSAL_SYNTAX",
        16 => "PAYLOAD_MALFORMED",
        17 => "INVALID_KEY_INFORMATION",
        18 => "INVALID_ID_INFORMATION",
        24 => "AUTHENTICATION_FAILED",
        _ => "",
    };
    let name = if version == 1 { v1 } else { v2 };
    if name.is_empty() {
        format!("NOTIFY_{code}")
    } else {
        name.to_owned()
    }
}

/// Vendor ID payloads a help desk can read: the responder's implementation, and for
/// Windows, its version.
fn vendor_name(vid: &[u8]) -> String {
    let h: String = vid.iter().map(|b| format!("{b:02x}")).collect();
    const MS: &str = "1e2b516905991c7d7c96fcbfb587e461";
    if let Some(v) = h.strip_prefix(MS) {
        let windows = match v {
            "00000002" => " (Windows 2000)",
            "00000003" => " (Windows XP)",
            "00000004" => " (Windows Server 2003)",
            "00000005" => " (Windows Vista)",
            "00000006" => " (Windows Server 2008)",
            "00000007" => " (Windows 7)",
            "00000008" => " (Windows Server 2008 R2)",
            "00000009" => " (Windows 8 or later)",
            _ => "",
        };
        return format!("MS NT5 ISAKMPOAKLEY {v}{windows}");
    }
    let known: &[(&str, &str)] = &[
        ("882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan"),
        (RFC3947_NATT, "RFC 3947 NAT-T"),
        (
            "90cb80913ebb696e086381b5ec427b1f",
            "draft-ietf-ipsec-nat-t-ike-02",
        ),
        (
            "7d9419a65310ca6f2c179d9215529d56",
            "draft-ietf-ipsec-nat-t-ike-03",
        ),
        (DPD, "Dead Peer Detection"),
        ("09002689dfd6b712", "XAUTH"),
        ("4048b7d56ebce88525e7de7f00d6c2d3", "IKE fragmentation"),
        (
            "fb1de3cdf341b7ea16b7e5be0855f120",
            "MS-Negotiation Discovery Capable",
        ),
        (
            "26244d38eddb61b3172a36e3d0cfb819",
            "Microsoft Vid-Initial-Contact",
        ),
        ("e3a5966a76379fe707228231e5ce8652", "IKE CGA version 1"),
    ];
    for (prefix, name) in known {
        if h.starts_with(prefix) {
            return (*name).to_owned();
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> impl FnMut() -> u64 {
        let mut n = 0u64;
        move || {
            n += 1;
            n
        }
    }

    #[test]
    fn ikev2_request_has_a_consistent_header_and_payload_chain() {
        let spi = [1, 2, 3, 4, 5, 6, 7, 8];
        let m = ikev2_sa_init(&spi, 14, None, &mut counter());
        assert_eq!(&m[..8], &spi);
        assert_eq!(&m[16..20], &[33, 0x20, 34, 0x08]);
        assert_eq!(
            u32::from_be_bytes([m[24], m[25], m[26], m[27]]) as usize,
            m.len()
        );
        let types: Vec<u8> = Payloads {
            buf: &m[28..],
            next: 33,
        }
        .map(|p| p.map(|(t, _)| t))
        .collect::<Result<_, _>>()
        .expect("well-formed");
        assert_eq!(types, [33, 34, 40]);
        let with_cookie = ikev2_sa_init(&spi, 19, Some(b"cookie"), &mut counter());
        let types: Vec<u8> = Payloads {
            buf: &with_cookie[28..],
            next: with_cookie[16],
        }
        .map(|p| p.map(|(t, _)| t))
        .collect::<Result<_, _>>()
        .expect("well-formed");
        assert_eq!(types, [41, 33, 34, 40]);
    }

    #[test]
    fn ke_data_has_the_length_of_each_group() {
        let mut r = counter();
        for (g, len) in [
            (2, 128),
            (14, 256),
            (15, 384),
            (16, 512),
            (19, 64),
            (20, 96),
            (31, 32),
        ] {
            assert_eq!(ke_data(g, &mut r).map(|d| d.len()), Some(len), "group {g}");
        }
        assert!(V2_GROUPS.iter().all(|g| ke_data(*g, &mut r).is_some()));
    }

    #[test]
    fn ikev1_main_mode_offers_36_transforms_and_two_vendor_ids() {
        let cookie = [9; 8];
        let m = ikev1_main_mode(&cookie);
        assert_eq!(&m[16..20], &[1, 0x10, 2, 0]);
        assert_eq!(
            u32::from_be_bytes([m[24], m[25], m[26], m[27]]) as usize,
            m.len()
        );
        let payloads: Vec<(u8, &[u8])> = Payloads {
            buf: &m[28..],
            next: 1,
        }
        .collect::<Result<_, _>>()
        .expect("well-formed");
        assert_eq!(
            payloads.iter().map(|p| p.0).collect::<Vec<_>>(),
            [1, 13, 13]
        );
        assert_eq!(payloads[0].1[8 + 4 + 3], 36, "transform count");
    }

    /// A reply a strongSwan responder sends when it accepts: SA with one proposal, KE,
    /// nonce and a vendor id. Built by hand from RFC 7296 section 3.
    fn accepted_v2(spi: &[u8; 8]) -> Vec<u8> {
        let mut m = header(spi, 33, 0x20, 34, 0x20);
        m[8..16].copy_from_slice(&[0xaa; 8]);
        let mut sa = Vec::new();
        v2_proposal(
            &mut sa,
            true,
            1,
            &[
                (ENCR, 12, Some(256)),
                (PRF, 5, None),
                (INTEG, 12, None),
                (DH, 14, None),
            ],
        );
        payload(&mut m, 34, &sa);
        payload(&mut m, 40, &[0, 14, 0, 0, 1, 2, 3]);
        payload(&mut m, 43, &[9; 16]);
        payload(&mut m, 0, &hex("882fe56d6fd20dbc2251613b2ebe5beb"));
        finish(m)
    }

    #[test]
    fn accepted_ikev2_reply_names_the_chosen_proposal() {
        let spi = [7; 8];
        let a = decode(&accepted_v2(&spi), &spi).expect("decodes");
        assert_eq!(a.version, 2);
        assert_eq!(
            a.chosen.as_deref(),
            Some("AES_CBC-256/PRF_HMAC_SHA2_256/HMAC_SHA2_256_128/MODP_2048")
        );
        assert_eq!(a.vendor_ids, ["strongSwan"]);
        assert!(a.error().is_none());
    }

    #[test]
    fn ikev2_error_notifies_decode_with_their_data() {
        let spi = [7; 8];
        let mut m = header(&spi, 41, 0x20, 34, 0x20);
        payload(&mut m, 0, &[0, 0, 0, 17, 0, 19]);
        let a = decode(&finish(m), &spi).expect("decodes");
        let n = a.error().expect("an error notify");
        assert_eq!(notify_name(2, n.code), "INVALID_KE_PAYLOAD");
        assert_eq!(n.data, [0, 19]);
    }

    #[test]
    fn ikev1_no_proposal_chosen_informational_decodes() {
        let cookie = [3; 8];
        let mut m = header(&cookie, 11, 0x10, 5, 0);
        payload(
            &mut m,
            0,
            &[
                0, 0, 0, 1, 1, 16, 0, 14, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xbb,
                0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb,
            ],
        );
        let a = decode(&finish(m), &cookie).expect("decodes");
        assert_eq!(a.version, 1);
        assert_eq!(a.exchange, 5);
        assert_eq!(
            a.error().map(|n| notify_name(1, n.code)).as_deref(),
            Some("NO_PROPOSAL_CHOSEN")
        );
    }

    #[test]
    fn ikev1_main_mode_reply_names_the_chosen_transform() {
        // Our own first message, answered as a responder would: the SA with one transform.
        let cookie = [5; 8];
        let mut t = vec![1, 1, 0, 0];
        for (ty, v) in [
            (1u16, 7u16),
            (14, 256),
            (2, 4),
            (3, 65001),
            (4, 14),
            (11, 1),
            (12, 28800),
        ] {
            t.extend_from_slice(&(0x8000 | ty).to_be_bytes());
            t.extend_from_slice(&v.to_be_bytes());
        }
        let mut tp = Vec::new();
        payload(&mut tp, 0, &t);
        let mut prop = vec![1, 1, 0, 1];
        prop.extend_from_slice(&tp);
        let mut sa = vec![0, 0, 0, 1, 0, 0, 0, 1];
        payload(&mut sa, 0, &prop);
        let mut m = header(&cookie, 1, 0x10, 2, 0);
        m[8..16].copy_from_slice(&[0xbb; 8]);
        payload(&mut m, 13, &sa);
        payload(&mut m, 0, &hex("1e2b516905991c7d7c96fcbfb587e46100000004"));
        let a = decode(&finish(m), &cookie).expect("decodes");
        assert_eq!(
            a.chosen.as_deref(),
            Some("AES-CBC-256/SHA2-256/KERBEROS/MODP_2048")
        );
        assert_eq!(
            a.vendor_ids,
            ["MS NT5 ISAKMPOAKLEY 00000004 (Windows Server 2003)"]
        );
    }

    /// Regression: a UDP echo of our own first message was taken for a responder that
    /// chose a proposal. Requests (ours or anyone's) are not responses.
    #[test]
    fn our_own_requests_echoed_back_are_not_responses() {
        let spi = [9; 8];
        assert_eq!(
            decode(&ikev1_main_mode(&spi), &spi).err().as_deref(),
            Some("an IKEv1 main mode message without a responder cookie, not a response")
        );
        let mut with_cookie = ikev1_main_mode(&spi);
        with_cookie[8..16].copy_from_slice(&[1; 8]);
        assert_eq!(
            decode(&with_cookie, &spi).err().as_deref(),
            Some("an SA with 36 transforms: a responder chooses one, so this is not a response")
        );
        let v2 = ikev2_sa_init(&spi, V2_GROUPS[0], None, &mut counter());
        assert_eq!(
            decode(&v2, &spi).err().as_deref(),
            Some("an IKEv2 request, not a response")
        );
        let mut flagged = v2.clone();
        flagged[19] |= 0x20;
        assert_eq!(
            decode(&flagged, &spi).err().as_deref(),
            Some("an IKEv2 message from an initiator, not a response")
        );
        let mut accepted = accepted_v2(&spi);
        accepted[8..16].copy_from_slice(&[0; 8]);
        assert_eq!(
            decode(&accepted, &spi).err().as_deref(),
            Some("an IKEv2 response that accepts a proposal without a responder SPI")
        );
    }

    #[test]
    fn malformed_replies_are_errors_not_panics() {
        let spi = [7; 8];
        let good = accepted_v2(&spi);
        for cut in 0..good.len() {
            let _ = decode(&good[..cut], &spi);
        }
        assert_eq!(
            decode(&good, &[0; 8]).err().as_deref(),
            Some("reply for another initiator")
        );
        let mut bad_len = good.clone();
        bad_len[30] = 0xff; // first payload claims to be longer than the message
        assert_eq!(
            decode(&bad_len, &spi).err().as_deref(),
            Some("payload length runs past the end of the reply")
        );
    }
}
