//! `resolve`: forward DNS, or reverse (PTR) when given an address, the seed's `ping -a`.
//!
//! A forward lookup of an address (A, AAAA) asks twice, at the same time: the system
//! resolver, which is what `ping name` and every application use (the hosts file, the
//! search suffixes, then DNS), and DNS on the wire, which is what `nslookup` shows. It
//! reports both and calls out when they disagree (a hosts file entry, a suffix that turns
//! a short name into another computer's, a stale cache). Without `server` the system
//! resolver decides the status (`resolve localhost` is `ok`); with `server` that server's
//! answer does, since the question is then what it says.
//!
//! DNS queries go straight to a DNS server (the given one, or the system's) so the result
//! can tell apart what the system resolver blurs: an answer, a name that does not exist
//! (NXDOMAIN), a server that refuses or fails, and no answer at all. It names the server
//! that answered and how long it took.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::names::{reverse_name, Host};
use crate::net::{self, UdpOutcome};
use crate::platform;
use crate::result::{millis_f, ProbeResult, Report, Status};
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
    r: Report,
    name: &Host,
    server: Option<SocketAddr>,
    qtype: Option<QType>,
    timeout: Duration,
) -> ProbeResult {
    let system = match (name, qtype) {
        (Host::Name(n), None | Some(QType::A) | Some(QType::AAAA)) if !n.is_empty() => {
            Some(SystemLookup::start(n, qtype, timeout))
        }
        _ => None,
    };
    let dns = ask_dns(r, name, server, qtype, timeout);
    match system {
        Some(lookup) => compare(dns, &name.to_string(), lookup.wait(), server.is_some()),
        None => dns,
    }
}

/// What the system resolver said.
struct SystemAnswer {
    addresses: Result<Vec<IpAddr>, String>,
    /// Addresses the hosts file gives the name.
    hosts_file: Vec<IpAddr>,
}

/// The system resolver, asked on its own thread while DNS is asked on the wire.
struct SystemLookup {
    rx: mpsc::Receiver<SystemAnswer>,
    timeout: Duration,
}

impl SystemLookup {
    fn start(name: &str, qtype: Option<QType>, timeout: Duration) -> SystemLookup {
        let (tx, rx) = mpsc::channel();
        let name = name.to_owned();
        // When no thread can start, `tx` is dropped and `wait` says so.
        let _ = thread::Builder::new()
            .name("probe-system-resolver".into())
            .spawn(move || {
                let addresses = net::lookup(&name, 0, timeout).map(|found| {
                    distinct(found.iter().map(SocketAddr::ip).filter(|ip| match qtype {
                        Some(QType::AAAA) => ip.is_ipv6(),
                        _ => ip.is_ipv4(),
                    }))
                });
                let hosts = std::fs::read_to_string(platform::hosts_file()).unwrap_or_default();
                let _ = tx.send(SystemAnswer {
                    addresses,
                    hosts_file: hosts_file_entries(&hosts, &name),
                });
            });
        SystemLookup { rx, timeout }
    }

    fn wait(self) -> SystemAnswer {
        let failed = |why: String| SystemAnswer {
            addresses: Err(why),
            hosts_file: Vec::new(),
        };
        match self
            .rx
            .recv_timeout(self.timeout + Duration::from_millis(100))
        {
            Ok(answer) => answer,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                failed(format!("no answer within {} ms", self.timeout.as_millis()))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                failed("the lookup could not start".to_owned())
            }
        }
    }
}

/// Each address once, in first-seen order.
fn distinct(addrs: impl IntoIterator<Item = IpAddr>) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for a in addrs {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// The addresses a hosts file gives `name` (case-insensitive; `#` starts a comment).
fn hosts_file_entries(text: &str, name: &str) -> Vec<IpAddr> {
    let name = name.trim_end_matches('.');
    distinct(text.lines().filter_map(|l| {
        let l = l.split('#').next()?;
        let mut words = l.split_whitespace();
        let addr: IpAddr = words.next()?.parse().ok()?;
        words
            .any(|w| w.trim_end_matches('.').eq_ignore_ascii_case(name))
            .then_some(addr)
    }))
}

fn list(addrs: &[IpAddr]) -> String {
    addrs
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Puts the system resolver's answer beside DNS's: data, a sentence for each, the status.
fn compare(
    mut dns: ProbeResult,
    name: &str,
    system: SystemAnswer,
    server_given: bool,
) -> ProbeResult {
    let dns_addrs: Vec<IpAddr> = dns
        .data
        .get("addresses")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    let hosts = if system.hosts_file.is_empty() {
        String::new()
    } else {
        format!(", from the hosts file: {}", list(&system.hosts_file))
    };
    let (sys_json, sys_text, sys_addrs) = match &system.addresses {
        Ok(a) if !a.is_empty() => (
            json!({"result": "answer", "addresses": a.iter().map(IpAddr::to_string).collect::<Vec<_>>()}),
            format!("gives {}{hosts}", list(a)),
            a.clone(),
        ),
        Ok(_) => (
            json!({"result": "no-address", "addresses": []}),
            "finds no address of that family".to_owned(),
            Vec::new(),
        ),
        Err(e) => {
            let why = e
                .strip_prefix(&format!("cannot resolve `{name}`: "))
                .unwrap_or(e);
            (
                json!({"result": "error", "addresses": [], "error": e}),
                format!("cannot resolve it ({why})"),
                Vec::new(),
            )
        }
    };
    let mut sys_json = sys_json;
    sys_json["hosts_file"] = json!(system
        .hosts_file
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>());
    let same = {
        let (mut a, mut b) = (sys_addrs.clone(), dns_addrs.clone());
        a.sort();
        b.sort();
        a.dedup();
        b.dedup();
        a == b
    };
    let agree = same && (!sys_addrs.is_empty() || dns.status != Status::Ok);
    dns.data.insert("system".into(), sys_json);
    dns.data.insert("agree".into(), json!(agree));
    let dns_answered = dns.status == Status::Ok && !dns_addrs.is_empty();
    let verdict = match (agree, sys_addrs.is_empty()) {
        (true, false) => "they agree",
        (true, true) => "neither resolves it",
        (false, _) => "they disagree",
    };
    if server_given {
        dns.data.insert("decided_by".into(), json!("dns"));
        let but = if dns_answered && sys_addrs.is_empty() {
            "but "
        } else {
            ""
        };
        dns.summary = format!(
            "{}; {but}the system resolver (what ping uses) {sys_text}: {verdict}",
            dns.summary
        );
        return dns;
    }
    dns.data.insert("decided_by".into(), json!("system"));
    let dns_summary = std::mem::take(&mut dns.summary);
    if sys_addrs.is_empty() {
        dns.summary = format!(
            "the system resolver (what ping uses) {sys_text}; DNS: {dns_summary}: {verdict}"
        );
        if dns.status == Status::Ok {
            dns.status = Status::Fail;
        }
    } else {
        dns.summary =
            format!("{name} has address {} from the system resolver (what ping uses{hosts}); DNS: {dns_summary}: {verdict}", list(&sys_addrs));
        dns.status = Status::Ok;
    }
    dns
}

fn ask_dns(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_file_entries_match_names_case_insensitively_and_skip_comments() {
        let text = "127.0.0.1 localhost\n# 192.0.2.9 srv-files-01\n192.0.2.10\tSRV-FILES-01 srv-files-01.woodgrovebank.com # moved\n::1 localhost ip6-localhost\nnot-an-address srv-files-01\n";
        assert_eq!(
            hosts_file_entries(text, "srv-files-01"),
            vec!["192.0.2.10".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(
            hosts_file_entries(text, "LOCALHOST.").len(),
            2,
            "127.0.0.1 and ::1"
        );
        assert!(hosts_file_entries(text, "srv-files-02").is_empty());
    }
}
