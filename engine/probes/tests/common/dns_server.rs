//! A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on the same port) with a
//! fixed zone that covers every outcome the `resolve` and `udp` probes distinguish.
//! Written independently of the crate's codec so that each checks the other.
//!
//! | name | answer |
//! |---|---|
//! | srv-files-01.woodgrovebank.com A | 192.0.2.10 |
//! | 10.2.0.192.in-addr.arpa PTR | srv-files-01.woodgrovebank.com |
//! | _ldap._tcp.dc._msdcs.woodgrovebank.com SRV | 0 100 389 dc1.woodgrovebank.com |
//! | noaddr.woodgrovebank.com A | NOERROR, no records |
//! | big.woodgrovebank.com A | truncated over UDP; three records over TCP |
//! | refused.example.com | REFUSED |
//! | broken.example.com | SERVFAIL |
//! | silent.example.com | no reply at all |
//! | . NS | a.root-servers.example. |
//! | anything else | NXDOMAIN |

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

pub struct DnsServer {
    pub addr: SocketAddr,
    /// Queries received over UDP (retransmissions included).
    pub udp_queries: Arc<AtomicUsize>,
    /// Queries received over TCP.
    pub tcp_queries: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl DnsServer {
    pub fn start() -> DnsServer {
        // UDP and TCP ports are allocated separately: find one free for both.
        let (udp, tcp, addr) = (0..100)
            .find_map(|_| {
                let udp = UdpSocket::bind("127.0.0.1:0").ok()?;
                let addr = udp.local_addr().ok()?;
                let tcp = TcpListener::bind(addr).ok()?;
                Some((udp, tcp, addr))
            })
            .expect("a port free for both UDP and TCP");
        let stop = Arc::new(AtomicBool::new(false));
        let udp_queries = Arc::new(AtomicUsize::new(0));
        let tcp_queries = Arc::new(AtomicUsize::new(0));
        {
            let stop = stop.clone();
            let count = udp_queries.clone();
            udp.set_read_timeout(Some(Duration::from_millis(50)))
                .expect("timeout");
            thread::spawn(move || {
                let mut buf = [0u8; 512];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((n, from)) = udp.recv_from(&mut buf) else {
                        continue;
                    };
                    count.fetch_add(1, Ordering::Relaxed);
                    if let Some(reply) = answer(&buf[..n], false) {
                        let _ = udp.send_to(&reply, from);
                    }
                }
            });
        }
        {
            let stop = stop.clone();
            let count = tcp_queries.clone();
            tcp.set_nonblocking(true).expect("nonblocking");
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok((mut s, _)) = tcp.accept() else {
                        thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let _ = s.set_nonblocking(false);
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut len = [0u8; 2];
                    if s.read_exact(&mut len).is_err() {
                        continue;
                    }
                    let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
                    if s.read_exact(&mut q).is_err() {
                        continue;
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                    if let Some(reply) = answer(&q, true) {
                        let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
                        framed.extend_from_slice(&reply);
                        let _ = s.write_all(&framed);
                    }
                }
            });
        }
        DnsServer {
            addr,
            udp_queries,
            tcp_queries,
            stop,
        }
    }

    /// `127.0.0.1:PORT`, as the `server` argument takes it.
    pub fn server_arg(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Parses the question: (lowercased name without trailing dot, type, end of question).
fn question(q: &[u8]) -> Option<(String, u16, usize)> {
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*q.get(pos)?);
        pos += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(pos..pos + len)?).to_ascii_lowercase());
        pos += len;
    }
    let qtype = u16::from_be_bytes([*q.get(pos)?, *q.get(pos + 1)?]);
    Some((labels.join("."), qtype, pos + 4))
}

fn name_bytes(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for l in name.split('.').filter(|l| !l.is_empty()) {
        out.push(l.len() as u8);
        out.extend_from_slice(l.as_bytes());
    }
    out.push(0);
    out
}

const A: u16 = 1;
const NS: u16 = 2;
const PTR: u16 = 12;
const SRV: u16 = 33;

fn answer(q: &[u8], tcp: bool) -> Option<Vec<u8>> {
    let (name, qtype, end) = question(q)?;
    let mut records: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut rcode = 0u16;
    let mut truncated = false;
    match (name.as_str(), qtype) {
        ("silent.example.com", _) => return None,
        ("refused.example.com", _) => rcode = 5,
        ("broken.example.com", _) => rcode = 2,
        ("srv-files-01.woodgrovebank.com", A) => records.push((A, vec![192, 0, 2, 10])),
        ("srv-files-01.woodgrovebank.com", _) | ("noaddr.woodgrovebank.com", _) => {}
        ("10.2.0.192.in-addr.arpa", PTR) => {
            records.push((PTR, name_bytes("srv-files-01.woodgrovebank.com")));
        }
        ("_ldap._tcp.dc._msdcs.woodgrovebank.com", SRV) => {
            let mut rd = vec![0, 0, 0, 100, 1, 133];
            rd.extend_from_slice(&name_bytes("dc1.woodgrovebank.com"));
            records.push((SRV, rd));
        }
        ("big.woodgrovebank.com", A) if !tcp => truncated = true,
        ("big.woodgrovebank.com", A) => {
            for last in [21, 22, 23] {
                records.push((A, vec![192, 0, 2, last]));
            }
        }
        ("", NS) => records.push((NS, name_bytes("a.root-servers.example"))),
        _ => rcode = 3,
    }
    let mut flags: u16 = 0x8000 | 0x0400 | 0x0100 | 0x0080 | rcode; // QR AA RD RA
    if truncated {
        flags |= 0x0200;
    }
    let mut m = q[..2].to_vec();
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&(records.len() as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    m.extend_from_slice(&q[12..end]);
    for (ty, rdata) in records {
        m.extend_from_slice(&[0xc0, 12]);
        m.extend_from_slice(&ty.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]); // IN, TTL 3600
        m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(&rdata);
    }
    Some(m)
}
