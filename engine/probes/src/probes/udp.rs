//! `udp`: a real protocol query that expects a reply, because an empty UDP datagram proves
//! nothing. `dns` sends a DNS query; `cldap` sends the LDAP rootDSE query that portqry
//! sends to a domain controller's UDP 389. The answer is one of: answered, no reply
//! (filtered, or a service that ignores the query), or ICMP unreachable.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::args::UdpProtocol;
use crate::names::Host;
use crate::net::{self, UdpOutcome};
use crate::result::{millis_f, ProbeResult, Report};
use crate::wire::{cldap, dns};

pub(crate) fn run(
    mut r: Report,
    host: &Host,
    port: u16,
    protocol: UdpProtocol,
    name: Option<&Host>,
    timeout: Duration,
) -> ProbeResult {
    r.set("host", host.to_string());
    r.set("port", port);
    r.set("protocol", protocol.as_str());
    let addr = match net::addresses(host, port) {
        Ok(a) => a[0],
        Err(e) => return r.error(e),
    };
    r.set("address", addr.ip().to_string());
    let sock = match net::udp_connected(addr, 0) {
        Ok(s) => s,
        Err(e) => return r.error(e),
    };
    let id = net::random_u64();
    let request = match protocol {
        UdpProtocol::Dns => {
            let (qname, qtype) = match name {
                Some(Host::Name(n)) => (n.clone(), dns::QType::A),
                Some(Host::Addr(a)) => (crate::names::reverse_name(*a), dns::QType::PTR),
                None => (String::new(), dns::QType::NS),
            };
            let shown = if qname.is_empty() { "." } else { &qname };
            r.set("query", format!("{shown} {qtype}"));
            match dns::encode_query(id as u16, &qname, qtype) {
                Ok(q) => q,
                Err(e) => return r.error(format!("cannot build the DNS query: {e}")),
            }
        }
        UdpProtocol::Cldap => {
            r.set("query", "LDAP rootDSE (base \"\", (objectClass=*))");
            cldap::encode_rootdse_query((id as u32) & 0x7fff_ffff)
        }
    };
    let mut accept = |b: &[u8]| match protocol {
        UdpProtocol::Dns => dns::decode(b).is_ok_and(|m| m.is_response && m.id == id as u16),
        UdpProtocol::Cldap => cldap::decode_reply(b)
            .is_ok_and(|m| m.message_id == Some(i64::from((id as u32) & 0x7fff_ffff))),
    };
    let outcome = match net::udp_exchange(&sock, &request, timeout, 2, &mut accept) {
        Ok(o) => o,
        Err(e) => return r.error(format!("cannot exchange UDP datagrams with {addr}: {e}")),
    };
    match outcome {
        UdpOutcome::Reply(bytes, rtt) => {
            r.set("result", "answered");
            r.set("rtt_ms", millis_f(rtt));
            let what = match protocol {
                UdpProtocol::Dns => match dns::decode(&bytes) {
                    Ok(m) => {
                        r.set("rcode", dns::rcode_name(m.rcode));
                        format!("a DNS response ({})", dns::rcode_name(m.rcode))
                    }
                    Err(_) => "a DNS response".to_owned(),
                },
                UdpProtocol::Cldap => match cldap::decode_reply(&bytes) {
                    Ok(m) => {
                        let mut attrs = Map::new();
                        let mut text = String::new();
                        for (k, v) in &m.attributes {
                            attrs.insert(k.clone(), Value::from(v.clone()));
                            text.push_str(&format!("{k}: {}\n", v.join("; ")));
                        }
                        r.out(&text);
                        r.set("result_code", m.result_code);
                        let host_name = m
                            .attributes
                            .get("dnsHostName")
                            .and_then(|v| v.first())
                            .cloned();
                        r.set("attributes", attrs);
                        match host_name {
                            Some(h) => format!("an LDAP rootDSE from {h}"),
                            None => format!("an LDAP reply with {} attributes", m.attributes.len()),
                        }
                    }
                    Err(_) => "an LDAP reply".to_owned(),
                },
            };
            r.ok(format!(
                "{addr}/udp answered in {:.1} ms: {what}",
                millis_f(rtt)
            ))
        }
        UdpOutcome::NoReply => {
            r.set("result", "no-reply");
            r.fail(format!(
                "{addr}/udp: no reply within {} ms (the port is filtered, or the service ignored the query)",
                timeout.as_millis()
            ))
        }
        UdpOutcome::PortUnreachable => {
            r.set("result", "port-unreachable");
            r.fail(format!(
                "{addr}/udp: ICMP port unreachable (the host is up but nothing listens on port {port})"
            ))
        }
        UdpOutcome::Unreachable(u) => {
            r.set("result", "unreachable");
            r.fail(format!("{addr}/udp: ICMP {}", net::unreachable_text(u)))
        }
    }
}
