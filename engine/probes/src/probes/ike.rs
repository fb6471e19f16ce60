//! `ike`: is an IKE responder answering on UDP 500, and with what?
//!
//! Ping cannot tell whether IKE gets through (ICMP is exempt, UDP 500 may be blocked, see
//! the seed's "Troubleshooting Packet Loss"). This probe sends an IKEv2 IKE_SA_INIT (and,
//! with `version=1` or `both`, an IKEv1 main mode first message) and reports the reply:
//! the proposal the responder chose, or its refusal (NO_PROPOSAL_CHOSEN, …), its vendor
//! ids (Windows versions announce themselves) and the round-trip time. It follows a COOKIE
//! challenge and an INVALID_KE_PAYLOAD request for another group, as an initiator would.
//!
//! Status: `ok` when a responder answered at all (even with a refusal: IKE got through),
//! `fail` when nothing answered or ICMP said nothing listens, `error` when the probe could
//! not send.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::args::IkeVersions;
use crate::names::Host;
use crate::net::{self, UdpOutcome};
use crate::platform::Unreachable;
use crate::result::{millis_f, ProbeResult, Report};
use crate::wire::ike::{self, Answer};

/// How one version's attempt ended.
enum Outcome {
    Answered {
        answer: Answer,
        rtt: Duration,
        notes: Vec<String>,
    },
    NoReply,
    /// Datagrams came back, but none was an IKE response (the last reason kept).
    NotIke(String),
    PortUnreachable,
    Unreachable(Unreachable),
}

pub(crate) fn run(
    mut r: Report,
    host: &Host,
    port: u16,
    versions: IkeVersions,
    timeout: Duration,
    source_port: u16,
) -> ProbeResult {
    r.set("host", host.to_string());
    r.set("port", port);
    let addr = match net::addresses(host, port) {
        Ok(a) => a[0],
        Err(e) => return r.error(e),
    };
    r.set("address", addr.ip().to_string());
    let sock = match net::udp_connected(addr, source_port) {
        Ok(s) => s,
        Err(e) => return r.error(e),
    };
    r.set(
        "source_port",
        sock.local_addr().map(|a| a.port()).unwrap_or(source_port),
    );
    let order: &[u8] = match versions {
        IkeVersions::V1 => &[1],
        IkeVersions::V2 => &[2],
        IkeVersions::Both => &[1, 2],
    };
    let mut exchanges = Vec::new();
    let mut sentences = Vec::new();
    let mut best: Option<Map<String, Value>> = None;
    let mut any_answer = false;
    for v in order {
        let outcome = match attempt(&sock, *v, timeout) {
            Ok(o) => o,
            Err(e) => return r.error(format!("cannot exchange IKE messages with {addr}: {e}")),
        };
        let (fields, sentence) = describe(*v, &outcome, addr, timeout);
        any_answer |= matches!(outcome, Outcome::Answered { .. });
        if best.is_none() || matches!(outcome, Outcome::Answered { .. }) {
            best = Some(fields.clone());
        }
        r.out(&transcript(&fields, addr));
        exchanges.push(Value::Object(fields));
        sentences.push(sentence);
    }
    for (k, v) in best.unwrap_or_default() {
        r.set(&k, v);
    }
    r.set("answered", any_answer);
    r.set("exchanges", exchanges);
    let summary = sentences.join("; ");
    if any_answer {
        r.ok(summary)
    } else {
        r.fail(summary)
    }
}

/// The exchange as lines for the output (and so for an escalation packet).
fn transcript(f: &Map<String, Value>, addr: SocketAddr) -> String {
    let text = |k: &str| match f.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    };
    let mut out = format!("IKEv{} to {addr}: {}", text("version"), text("reply"));
    if !text("rtt_ms").is_empty() {
        out.push_str(&format!(" in {} ms", text("rtt_ms")));
    }
    out.push('\n');
    for (key, label) in [
        ("proposal", "proposal"),
        ("notifies", "notifies"),
        ("vendor_ids", "vendor ids"),
        ("notes", "notes"),
    ] {
        let v = text(key);
        if !v.is_empty() {
            out.push_str(&format!("  {label}: {v}\n"));
        }
    }
    out
}

fn attempt(sock: &UdpSocket, version: u8, timeout: Duration) -> io::Result<Outcome> {
    let spi = net::random_u64().to_be_bytes();
    let mut random = net::random_u64;
    let mut group = ike::V2_GROUPS[0];
    let mut cookie: Option<Vec<u8>> = None;
    let mut notes = Vec::new();
    let mut last = None;
    // At most: the first try, a cookie echo, a new key-exchange group.
    for _ in 0..3 {
        let request = if version == 1 {
            ike::ikev1_main_mode(&spi)
        } else {
            ike::ikev2_sa_init(&spi, group, cookie.as_deref(), &mut random)
        };
        let mut refused = None;
        let mut accept = |b: &[u8]| match ike::decode(b, &spi) {
            Ok(_) => true,
            Err(e) => {
                refused = Some(e);
                false
            }
        };
        let exchanged = net::udp_exchange(sock, &request, timeout, 3, &mut accept)?;
        let (bytes, rtt) = match exchanged {
            UdpOutcome::Reply(b, rtt) => (b, rtt),
            UdpOutcome::NoReply => {
                return Ok(match refused {
                    Some(reason) => Outcome::NotIke(reason),
                    None => Outcome::NoReply,
                })
            }
            UdpOutcome::PortUnreachable => return Ok(Outcome::PortUnreachable),
            UdpOutcome::Unreachable(u) => return Ok(Outcome::Unreachable(u)),
        };
        let answer = match ike::decode(&bytes, &spi) {
            Ok(a) => a,
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        if version == 2 && answer.version == 2 {
            if let Some(c) = answer.notify(16390).filter(|_| cookie.is_none()) {
                notes.push("the responder asked for a COOKIE (it is under load or protects itself); echoed it".into());
                cookie = Some(c.data.clone());
                last = Some((answer, rtt));
                continue;
            }
            if let Some(n) = answer.notify(17) {
                let wanted =
                    (n.data.len() >= 2).then(|| u16::from_be_bytes([n.data[0], n.data[1]]));
                if let Some(w) = wanted.filter(|w| *w != group && ike::V2_GROUPS.contains(w)) {
                    notes.push(format!(
                        "the responder asked for key exchange group {w} (INVALID_KE_PAYLOAD); retried with it"
                    ));
                    group = w;
                    last = Some((answer, rtt));
                    continue;
                }
            }
        }
        return Ok(Outcome::Answered { answer, rtt, notes });
    }
    // Still asking after three rounds: report the last thing it said.
    Ok(match last {
        Some((answer, rtt)) => Outcome::Answered { answer, rtt, notes },
        None => Outcome::NoReply,
    })
}

fn describe(
    version: u8,
    o: &Outcome,
    addr: SocketAddr,
    timeout: Duration,
) -> (Map<String, Value>, String) {
    let mut f = Map::new();
    let label = if version == 1 {
        "IKEv1 main mode"
    } else {
        "IKEv2 IKE_SA_INIT"
    };
    f.insert("version".into(), json!(version));
    let sentence = match o {
        Outcome::Answered { answer, rtt, notes } => {
            let rtt_ms = millis_f(*rtt);
            let reply = match (answer.error(), &answer.chosen) {
                (Some(n), _) => ike::notify_name(answer.version, n.code),
                (None, Some(_)) => "proposal-chosen".to_owned(),
                (None, None) => "answered".to_owned(),
            };
            let notifies: Vec<String> = answer
                .notifies
                .iter()
                .map(|n| ike::notify_name(answer.version, n.code))
                .collect();
            f.insert("result".into(), json!("answered"));
            f.insert("reply".into(), json!(reply));
            f.insert("reply_version".into(), json!(answer.version));
            f.insert("proposal".into(), json!(answer.chosen));
            f.insert("notifies".into(), json!(notifies));
            f.insert("vendor_ids".into(), json!(answer.vendor_ids));
            f.insert("rtt_ms".into(), json!(rtt_ms));
            f.insert("notes".into(), json!(notes));
            let said = match (answer.error(), &answer.chosen) {
                (Some(n), _) => {
                    let name = ike::notify_name(answer.version, n.code);
                    match n.code {
                        14 => format!("{name} (it accepts none of the offered proposals)"),
                        5 if answer.version != version => {
                            format!("{name} (it does not speak IKEv{version})")
                        }
                        _ => name,
                    }
                }
                (None, Some(p)) => format!("proposal chosen {p}"),
                (None, None) => "a reply without a proposal".to_owned(),
            };
            let vendor = if answer.vendor_ids.is_empty() {
                String::new()
            } else {
                format!(" (vendor: {})", answer.vendor_ids.join(", "))
            };
            format!("IKE responder at {addr} answered {label} in {rtt_ms:.1} ms: {said}{vendor}")
        }
        Outcome::NoReply => {
            f.insert("result".into(), json!("no-reply"));
            f.insert("reply".into(), json!("no-reply"));
            format!(
                "no reply to {label} from {addr} within {} ms: UDP {} is blocked on the path or no IKE responder runs there",
                timeout.as_millis(),
                addr.port()
            )
        }
        Outcome::NotIke(reason) => {
            f.insert("result".into(), json!("not-ike"));
            f.insert("reply".into(), json!("not-ike"));
            f.insert("refused".into(), json!(reason));
            format!(
                "no IKE response to {label} from {addr} within {} ms: what came back was not one ({reason}); something else answers on UDP {} (an echo service or a reflector), not an IKE responder",
                timeout.as_millis(),
                addr.port()
            )
        }
        Outcome::PortUnreachable => {
            f.insert("result".into(), json!("port-unreachable"));
            f.insert("reply".into(), json!("port-unreachable"));
            format!(
                "{addr}: ICMP port unreachable for {label}: the host is up but no IKE service listens on UDP {}",
                addr.port()
            )
        }
        Outcome::Unreachable(u) => {
            f.insert("result".into(), json!("unreachable"));
            f.insert("reply".into(), json!("unreachable"));
            format!("{addr}: {} for {label}", net::unreachable_text(*u))
        }
    };
    (f, sentence)
}
