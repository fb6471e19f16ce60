//! A CLDAP responder on 127.0.0.1 that answers an LDAP rootDSE search over UDP the way a
//! domain controller does: a searchResEntry and a searchResDone in one datagram. It
//! checks the request is a base search of the empty DN before answering, so a probe that
//! sends something else gets no reply.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

pub struct CldapServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

fn tlv(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    if value.len() < 0x80 {
        out.push(value.len() as u8);
    } else {
        out.push(0x82);
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    }
    out.extend_from_slice(value);
}

/// The message id of a searchRequest with base "" and scope base, else None.
fn rootdse_request_id(req: &[u8]) -> Option<Vec<u8>> {
    // 30 LL 02 NN <id> 63 LL 04 00 0a 01 00 ...
    if req.first()? != &0x30 {
        return None;
    }
    let body = req.get(2..)?; // the tests' requests are short: one length byte
    if body.first()? != &0x02 {
        return None;
    }
    let id_len = usize::from(*body.get(1)?);
    let id = body.get(2..2 + id_len)?.to_vec();
    let op = body.get(2 + id_len..)?;
    if op.first()? != &0x63 {
        return None;
    }
    let search = op.get(2..)?;
    (search.get(..5)? == [0x04, 0x00, 0x0a, 0x01, 0x00]).then_some(id)
}

fn reply(id: &[u8]) -> Vec<u8> {
    let attrs_spec: &[(&str, &[&str])] = &[
        ("dnsHostName", &["dc1.woodgrovebank.com"]),
        ("defaultNamingContext", &["DC=woodgrovebank,DC=com"]),
        ("supportedLDAPVersion", &["3", "2"]),
    ];
    let mut attrs = Vec::new();
    for (name, values) in attrs_spec {
        let mut vals = Vec::new();
        for v in *values {
            tlv(&mut vals, 0x04, v.as_bytes());
        }
        let mut attr = Vec::new();
        tlv(&mut attr, 0x04, name.as_bytes());
        tlv(&mut attr, 0x31, &vals);
        tlv(&mut attrs, 0x30, &attr);
    }
    let mut entry = Vec::new();
    tlv(&mut entry, 0x04, b"");
    tlv(&mut entry, 0x30, &attrs);
    let mut m1 = Vec::new();
    tlv(&mut m1, 0x02, id);
    tlv(&mut m1, 0x64, &entry);
    let mut done = Vec::new();
    tlv(&mut done, 0x0a, &[0]);
    tlv(&mut done, 0x04, b"");
    tlv(&mut done, 0x04, b"");
    let mut m2 = Vec::new();
    tlv(&mut m2, 0x02, id);
    tlv(&mut m2, 0x65, &done);
    let mut out = Vec::new();
    tlv(&mut out, 0x30, &m1);
    tlv(&mut out, 0x30, &m2);
    out
}

impl CldapServer {
    pub fn start() -> CldapServer {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let addr = sock.local_addr().expect("local address");
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while !stopping.load(Ordering::Relaxed) {
                let Ok((n, from)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                if let Some(id) = rootdse_request_id(&buf[..n]) {
                    let _ = sock.send_to(&reply(&id), from);
                }
            }
        });
        CldapServer { addr, stop }
    }
}

impl Drop for CldapServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
