//! `tcp`: connect to a port and say open, closed (refused: the host answered, nothing
//! listens), filtered (no answer in time: a firewall or IPsec dropping) or unreachable.

use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::names::Host;
use crate::net;
use crate::platform;
use crate::result::{millis_f, ProbeResult, Report};

pub(crate) fn run(mut r: Report, host: &Host, port: u16, timeout: Duration) -> ProbeResult {
    r.set("host", host.to_string());
    r.set("port", port);
    let addrs = match net::addresses(host, port) {
        Ok(a) => a,
        Err(e) => return r.error(e),
    };
    let deadline = Instant::now() + timeout;
    let mut last = None;
    for (i, addr) in addrs.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        // Give later addresses a share of the time: a dead first address must not eat all.
        let share = left / u32::try_from(addrs.len() - i).unwrap_or(1);
        let began = Instant::now();
        let outcome = TcpStream::connect_timeout(addr, share.max(Duration::from_millis(1)));
        let took = began.elapsed();
        r.set("address", addr.ip().to_string());
        match outcome {
            Ok(_) => {
                r.set("state", "open");
                r.set("connect_ms", millis_f(took));
                return r.ok(format!(
                    "{addr} is open (connected in {:.1} ms)",
                    millis_f(took)
                ));
            }
            Err(e) => last = Some((*addr, e, took)),
        }
    }
    let Some((addr, e, took)) = last else {
        r.set("state", "filtered");
        return r.fail(format!(
            "{host}:{port}: no answer within {} ms",
            timeout.as_millis()
        ));
    };
    r.set("error", e.to_string());
    if e.kind() == io::ErrorKind::ConnectionRefused {
        r.set("state", "closed");
        r.set("connect_ms", millis_f(took));
        return r.fail(format!(
            "{addr} is closed: the host refused the connection (nothing listens on port {port})"
        ));
    }
    if matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    ) {
        r.set("state", "filtered");
        return r.fail(format!(
            "{addr} is filtered: no answer within {} ms (a firewall, IPsec policy or a down host drops the connection)",
            timeout.as_millis()
        ));
    }
    if let Some(u) = platform::unreachable(&e) {
        r.set("state", "unreachable");
        return r.fail(format!("{addr}: {}", net::unreachable_text(u)));
    }
    r.error(format!("cannot connect to {addr}: {e}"))
}
