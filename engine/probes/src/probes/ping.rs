//! `ping`: ICMP echo with count and timeout; loss and round-trip times.
//!
//! On Linux it tries an unprivileged ICMP datagram socket, then a raw socket, then the
//! system `ping`, and says in `data.method` which one answered (and in
//! `data.unusable_methods` why the others could not be used). On Windows it runs
//! `ping.exe`, the only way to see "Negotiating IP Security", the sign that the caller's
//! IPsec policy matched the echo request (seed: "Using ICMP-Based Tools with IPsec").

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use serde_json::Value;
use socket2::{Domain, Protocol, Socket, Type};

use crate::names::Host;
use crate::net;
use crate::platform::{self, PingMethod};
use crate::process::{self, StartError};
use crate::result::{millis_f, ProbeResult, Report};
use crate::wire::icmp::{self, Heard};

/// Least time between two echo requests.
pub(crate) const INTERVAL: Duration = Duration::from_millis(200);

/// The payload Windows ping sends, so captures look familiar.
const PAYLOAD: &[u8] = b"abcdefghijklmnopqrstuvwabcdefghi";

/// What a run of echo requests found.
#[derive(Debug, Default)]
struct Echoes {
    sent: u32,
    received: u32,
    rtts_ms: Vec<f64>,
    ttl: Option<u32>,
    negotiating_ip_security: u32,
    errors: Vec<String>,
    output: String,
}

pub(crate) fn run(mut r: Report, host: &Host, count: u32, timeout: Duration) -> ProbeResult {
    r.set("host", host.to_string());
    let addr = match net::addresses(host, 0) {
        Ok(a) => a[0].ip(),
        Err(e) => return r.error(e),
    };
    r.set("address", addr.to_string());
    if let Some(range) = platform::ping_group_range() {
        r.set("ping_group_range", range);
    }
    let mut unusable = Vec::new();
    for method in platform::PING_METHODS {
        let attempt = match method {
            PingMethod::DatagramSocket => by_socket(false, addr, count, timeout),
            PingMethod::RawSocket => by_socket(true, addr, count, timeout),
            PingMethod::SystemPing => by_program(addr, count, timeout),
        };
        match attempt {
            Ok(echoes) => {
                r.set("method", method.as_str());
                r.set("unusable_methods", unusable);
                return finish(r, addr, count, echoes);
            }
            Err(reason) => unusable.push(Value::from(format!("{}: {reason}", method.as_str()))),
        }
    }
    let reasons: Vec<String> = unusable
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    r.set("method", Value::Null);
    r.set("unusable_methods", unusable);
    r.error(format!(
        "cannot send ICMP echo requests from this process: {}",
        reasons.join("; ")
    ))
}

fn finish(mut r: Report, addr: IpAddr, count: u32, e: Echoes) -> ProbeResult {
    let sent = if e.sent == 0 { count } else { e.sent };
    let loss = if sent == 0 {
        100
    } else {
        100 - (u64::from(e.received.min(sent)) * 100 / u64::from(sent))
    };
    r.set("sent", sent);
    r.set("received", e.received);
    r.set("loss_percent", loss);
    r.set("rtt_ms", e.rtts_ms.clone());
    let stats = if e.rtts_ms.is_empty() {
        None
    } else {
        let min = e.rtts_ms.iter().copied().fold(f64::INFINITY, f64::min);
        let max = e.rtts_ms.iter().copied().fold(0.0, f64::max);
        let avg = e.rtts_ms.iter().sum::<f64>() / e.rtts_ms.len() as f64;
        let avg = (avg * 1000.0).round() / 1000.0;
        r.set("rtt_min_ms", min);
        r.set("rtt_avg_ms", avg);
        r.set("rtt_max_ms", max);
        Some(format!(
            "round trip min/avg/max {min:.1}/{avg:.1}/{max:.1} ms"
        ))
    };
    r.set("ttl", e.ttl);
    r.set("negotiating_ip_security", e.negotiating_ip_security > 0);
    r.set("negotiating_ip_security_count", e.negotiating_ip_security);
    r.set("errors", e.errors.clone());
    r.out(&e.output);
    let negotiating = if e.negotiating_ip_security > 0 {
        format!(
            "; ping showed \"Negotiating IP Security\" {} time(s): an IPsec filter matched the echo request and IKE was asked to secure it (ICMP is normally exempt)",
            e.negotiating_ip_security
        )
    } else {
        String::new()
    };
    if e.received > 0 {
        r.ok(format!(
            "{addr} answered {} of {sent} echo requests ({loss}% loss), {}{negotiating}",
            e.received,
            stats.unwrap_or_default()
        ))
    } else {
        let why = if e.errors.is_empty() {
            String::new()
        } else {
            let mut errs = e.errors.clone();
            errs.dedup();
            format!(": {}", errs.join(", "))
        };
        r.fail(format!(
            "no echo reply from {addr} to {sent} request(s) (100% loss){why}{negotiating}"
        ))
    }
}

/// Echo requests through an ICMP socket: datagram (unprivileged where the ping group range
/// allows) or raw (root or CAP_NET_RAW).
fn by_socket(raw: bool, addr: IpAddr, count: u32, timeout: Duration) -> Result<Echoes, String> {
    let v6 = addr.is_ipv6();
    let (domain, protocol) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    let ty = if raw { Type::RAW } else { Type::DGRAM };
    let sock = Socket::new(domain, ty, Some(protocol)).map_err(|e| refusal(raw, &e))?;
    sock.connect(&SocketAddr::new(addr, 0).into())
        .map_err(|e| format!("cannot address {addr}: {e}"))?;
    // Plain datagram I/O from here on: std's socket reads into initialised buffers.
    let sock = UdpSocket::from(sock);
    let id = net::random_u64() as u16;
    let mut e = Echoes::default();
    let mut buf = [0u8; 2048];
    for seq in 1..=count {
        let seq16 = seq as u16;
        let request = icmp::echo_request(v6, id, seq16, PAYLOAD);
        let sent_at = Instant::now();
        if let Err(err) = sock.send(&request) {
            e.sent += 1;
            e.errors.push(send_error(&err));
            pause(sent_at, seq < count);
            continue;
        }
        e.sent += 1;
        let deadline = sent_at + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                e.errors.push("request timed out".into());
                break;
            }
            if sock.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match sock.recv(&mut buf) {
                Ok(n) => {
                    let id_check = raw.then_some(id);
                    match icmp::match_reply(&buf[..n], v6, raw && !v6, id_check, seq16) {
                        Some(Heard::Reply { ttl }) => {
                            e.received += 1;
                            e.rtts_ms.push(millis_f(sent_at.elapsed()));
                            if let Some(t) = ttl {
                                e.ttl = Some(u32::from(t));
                            }
                            break;
                        }
                        Some(Heard::Unreachable(code)) => {
                            e.errors.push(unreachable_code(code, v6));
                            break;
                        }
                        Some(Heard::TimeExceeded) => {
                            e.errors.push("time to live exceeded in transit".into());
                            break;
                        }
                        None => {}
                    }
                }
                // A signal (a child's exit elsewhere in the process) is not an answer.
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    e.errors.push("request timed out".into());
                    break;
                }
                Err(err) => {
                    e.errors.push(send_error(&err));
                    break;
                }
            }
        }
        pause(sent_at, seq < count);
    }
    e.output = format!(
        "{} echo request(s) to {addr}, {} repl(y/ies){}\n",
        e.sent,
        e.received,
        if e.rtts_ms.is_empty() {
            String::new()
        } else {
            format!(", rtt ms: {:?}", e.rtts_ms)
        }
    );
    Ok(e)
}

fn pause(sent_at: Instant, more: bool) {
    if more {
        std::thread::sleep(INTERVAL.saturating_sub(sent_at.elapsed()));
    }
}

fn send_error(e: &io::Error) -> String {
    match platform::unreachable(e) {
        Some(u) => net::unreachable_text(u).to_owned(),
        None => e.to_string(),
    }
}

fn unreachable_code(code: u8, v6: bool) -> String {
    let what = match (v6, code) {
        (false, 0) | (true, 0) => "network unreachable",
        (false, 1) | (true, 3) => "destination host unreachable",
        (false, 3) | (true, 4) => "port unreachable",
        (false, 9..=10) | (false, 13) | (true, 1) => "administratively prohibited",
        _ => "destination unreachable",
    };
    format!("{what} (ICMP code {code})")
}

/// Why an ICMP socket could not be opened, in the terms an administrator can act on.
fn refusal(raw: bool, e: &io::Error) -> String {
    if e.kind() != io::ErrorKind::PermissionDenied {
        return format!("cannot open the socket: {e}");
    }
    if raw {
        return "a raw ICMP socket needs root or CAP_NET_RAW (permission denied)".into();
    }
    let range = platform::ping_group_range();
    let gid = platform::ids().map(|(_, g)| g);
    match (range, gid) {
        (Some(range), Some(gid)) => format!(
            "unprivileged ICMP sockets are not allowed for group {gid} (net.ipv4.ping_group_range is \"{range}\")"
        ),
        _ => "unprivileged ICMP sockets are not allowed (permission denied)".into(),
    }
}

/// Echo requests through the system `ping`, output parsed.
fn by_program(addr: IpAddr, count: u32, timeout: Duration) -> Result<Echoes, String> {
    let argv = platform::system_ping_argv(addr, count, timeout);
    let limit = (timeout + Duration::from_secs(1)) * count + Duration::from_secs(2);
    let finished = match process::run(&argv, limit) {
        Ok(f) => f,
        Err(StartError::NotFound) => return Err("no `ping` program is installed".into()),
        Err(StartError::Other(e)) => return Err(format!("cannot run `ping`: {e}")),
    };
    let parsed = platform::parse_system_ping(&finished.stdout);
    if parsed.sent == 0 {
        let said = finished
            .stderr
            .lines()
            .chain(finished.stdout.lines())
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no output");
        return Err(format!("`ping` did not send: {}", said.trim()));
    }
    Ok(Echoes {
        sent: parsed.sent,
        received: parsed.received,
        rtts_ms: parsed.rtts_ms,
        ttl: parsed.ttl,
        negotiating_ip_security: parsed.negotiating_ip_security,
        errors: parsed.errors,
        output: finished.stdout,
    })
}
