//! `resolve`: forward DNS, or reverse (PTR) when given an address, the seed's `ping -a`.
//!
//! Queries go straight to a DNS server (the given one, or the system's) so the result can
//! tell apart what the system resolver blurs: an answer, a name that does not exist
//! (NXDOMAIN), a server that refuses or fails, and no answer at all. It names the server
//! that answered and how long it took.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::names::{reverse_name, Host};
use crate::net::{self, UdpOutcome};
use crate::platform;
use crate::result::{millis_f, ProbeResult, Report};
use crate::wire::dns::{self, QType, RData, Response};

/// At most this many of the system's servers are asked, as resolvers do.
const MAX_SERVERS: usize = 3;

enum Asked {
    Answer(Response, Duration, &'static str),
    Timeout,
    PortUnreachable,
    Unreachable(&'static str),
    Garbled(String),
}

impl Asked {
    /// Which outcome to report when several servers were asked: an answer that settles
    /// the question (NOERROR, NXDOMAIN), then any answer (REFUSED, SERVFAIL), then a
    /// malformed one, then silence.
    fn rank(&self) -> u8 {
        match self {
            Asked::Answer(m, ..) if m.rcode == 0 || m.rcode == 3 => 3,
            Asked::Answer(..) => 2,
            Asked::Garbled(_) => 1,
            _ => 0,
        }
    }

    fn label(&self) -> String {
        match self {
            Asked::Answer(m, ..) => dns::rcode_name(m.rcode),
            Asked::Timeout => "timeout".into(),
            Asked::PortUnreachable => "port unreachable".into(),
            Asked::Unreachable(w) => (*w).into(),
            Asked::Garbled(e) => format!("malformed reply: {e}"),
        }
    }
}

pub(crate) fn run(
    mut r: Report,
    name: &Host,
    server: Option<SocketAddr>,
    qtype: Option<QType>,
    timeout: Duration,
) -> ProbeResult {
    let (qname, qtype, reverse) = match name {
        Host::Addr(a) => (reverse_name(*a), QType::PTR, true),
        Host::Name(n) if n.is_empty() => (String::new(), qtype.unwrap_or(QType::NS), false),
        Host::Name(n) => (n.clone(), qtype.unwrap_or(QType::A), false),
    };
    let shown_name = if qname.is_empty() {
        "."
    } else {
        qname.as_str()
    };
    r.set("name", name.to_string());
    r.set("query", shown_name);
    r.set("type", qtype.to_string());
    r.set("reverse", reverse);
    let servers = match server {
        Some(s) => vec![s],
        None => match platform::system_nameservers() {
            Ok(mut s) => {
                s.truncate(MAX_SERVERS);
                s
            }
            Err(e) => return r.error(format!("no DNS server to ask: {e}")),
        },
    };
    let query = match dns::encode_query(net::random_u64() as u16, &qname, qtype) {
        Ok(q) => q,
        Err(e) => return r.error(format!("cannot build the query: {e}")),
    };
    let id = u16::from_be_bytes([query[0], query[1]]);
    let mut attempts = Vec::new();
    let mut best: Option<(SocketAddr, Asked)> = None;
    for s in &servers {
        let began = Instant::now();
        let asked = match ask(*s, &query, id, timeout) {
            Ok(a) => a,
            Err(e) => return r.error(format!("cannot query {s}: {e}")),
        };
        attempts.push(json!({
            "server": s.to_string(),
            "result": asked.label(),
            "ms": millis_f(began.elapsed()),
        }));
        let decisive = asked.rank() == 3;
        if best.as_ref().is_none_or(|(_, b)| asked.rank() > b.rank()) {
            best = Some((*s, asked));
        }
        if decisive {
            break;
        }
    }
    r.set("attempts", attempts);
    let Some((server, asked)) = best else {
        return r.error("no DNS server to ask");
    };
    r.set("server", server.to_string());
    match asked {
        Asked::Answer(m, rtt, transport) => {
            answered(r, shown_name, qtype, reverse, server, m, rtt, transport)
        }
        Asked::Timeout => {
            r.set("result", "timeout");
            let who = if servers.len() == 1 {
                server.to_string()
            } else {
                format!("any of {} DNS servers", servers.len())
            };
            r.fail(format!(
                "no answer from {who} within {} ms",
                timeout.as_millis()
            ))
        }
        Asked::PortUnreachable => {
            r.set("result", "unreachable");
            r.fail(format!(
                "{server}: ICMP port unreachable (no DNS server listens there)"
            ))
        }
        Asked::Unreachable(what) => {
            r.set("result", "unreachable");
            r.fail(format!("{server}: {what}"))
        }
        Asked::Garbled(e) => {
            r.set("result", "malformed");
            r.fail(format!("{server} sent a malformed DNS reply: {e}"))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn answered(
    mut r: Report,
    shown_name: &str,
    qtype: QType,
    reverse: bool,
    server: SocketAddr,
    m: Response,
    rtt: Duration,
    transport: &'static str,
) -> ProbeResult {
    let rcode = dns::rcode_name(m.rcode);
    r.set("rcode", rcode.as_str());
    r.set("rtt_ms", millis_f(rtt));
    r.set("transport", transport);
    r.set("authoritative", m.authoritative);
    let mut records = Vec::new();
    let mut addresses = Vec::new();
    let mut names = Vec::new();
    let mut text = String::new();
    for rec in &m.answers {
        text.push_str(&format!(
            "{}.\t{}\t{}\t{}\n",
            rec.name, rec.ttl, rec.rtype, rec.value
        ));
        records.push(json!({
            "name": rec.name,
            "type": rec.rtype.to_string(),
            "ttl": rec.ttl,
            "value": rec.value.to_string(),
        }));
        if rec.rtype != qtype && qtype != QType::ANY {
            continue;
        }
        match &rec.value {
            RData::A(a) => addresses.push(Value::from(a.to_string())),
            RData::Aaaa(a) => addresses.push(Value::from(a.to_string())),
            RData::Name(n) | RData::Mx(_, n) => names.push(Value::from(n.as_str())),
            RData::Srv { target, port, .. } => names.push(Value::from(format!("{target}:{port}"))),
            _ => {}
        }
    }
    r.out(&text);
    let wanted = m
        .answers
        .iter()
        .filter(|a| a.rtype == qtype || qtype == QType::ANY)
        .count();
    r.set("records", records);
    r.set("addresses", addresses.clone());
    r.set("names", names.clone());
    let from = format!("from {server} in {:.1} ms", millis_f(rtt));
    match m.rcode {
        0 if wanted > 0 => {
            r.set("result", "answer");
            let list = |v: &[Value]| {
                v.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let what = if reverse {
                format!("is {}", list(&names))
            } else if !addresses.is_empty() {
                format!("has address {}", list(&addresses))
            } else if !names.is_empty() {
                format!("{qtype}: {}", list(&names))
            } else {
                format!("has {wanted} {qtype} record(s)")
            };
            r.ok(format!("{shown_name} {what} ({from})"))
        }
        0 => {
            r.set("result", "nodata");
            r.fail(format!(
                "{shown_name} exists but has no {qtype} record (NOERROR, no data, {from})"
            ))
        }
        3 => {
            r.set("result", "nxdomain");
            r.fail(format!("{shown_name} does not exist (NXDOMAIN {from})"))
        }
        5 => {
            r.set("result", "refused");
            r.fail(format!(
                "{server} refused the query for {shown_name} (REFUSED)"
            ))
        }
        2 => {
            r.set("result", "servfail");
            r.fail(format!(
                "{server} could not resolve {shown_name} (SERVFAIL)"
            ))
        }
        _ => {
            r.set("result", rcode.to_ascii_lowercase());
            r.fail(format!("{server} answered {rcode} for {shown_name}"))
        }
    }
}

/// One server, over UDP, and over TCP when the UDP answer is truncated.
fn ask(server: SocketAddr, query: &[u8], id: u16, timeout: Duration) -> std::io::Result<Asked> {
    let sock = net::udp_connected(server, 0).map_err(std::io::Error::other)?;
    let mut accept = |b: &[u8]| b.len() >= 2 && u16::from_be_bytes([b[0], b[1]]) == id;
    let began = Instant::now();
    let outcome = net::udp_exchange(&sock, query, timeout, 2, &mut accept)?;
    Ok(match outcome {
        UdpOutcome::Reply(bytes, rtt) => match dns::decode(&bytes) {
            Ok(m) if m.truncated => {
                let left = timeout
                    .saturating_sub(began.elapsed())
                    .max(Duration::from_millis(200));
                match ask_tcp(server, query, id, left) {
                    Ok(Some(m)) => Asked::Answer(m, began.elapsed(), "tcp"),
                    // The truncated answer is still an answer.
                    Ok(None) | Err(_) => Asked::Answer(m, rtt, "udp (truncated)"),
                }
            }
            Ok(m) => Asked::Answer(m, rtt, "udp"),
            Err(e) => Asked::Garbled(e),
        },
        UdpOutcome::NoReply => Asked::Timeout,
        UdpOutcome::PortUnreachable => Asked::PortUnreachable,
        UdpOutcome::Unreachable(u) => Asked::Unreachable(net::unreachable_text(u)),
    })
}

fn ask_tcp(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    timeout: Duration,
) -> std::io::Result<Option<Response>> {
    let mut s = TcpStream::connect_timeout(&server, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    s.write_all(&framed)?;
    let mut len = [0u8; 2];
    s.read_exact(&mut len)?;
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut buf)?;
    Ok(dns::decode(&buf)
        .ok()
        .filter(|m| m.id == id && m.is_response))
}
