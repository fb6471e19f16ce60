//! Network plumbing shared by the probes: name lookup with a deadline, one UDP
//! request/reply exchange with retransmission, and throwaway random numbers.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::names::Host;
use crate::platform::{self, Unreachable};

/// Most time a system name lookup may take before the probe gives up on it.
pub(crate) const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// The addresses of `host` (IPv4 first), with `port`. A name is looked up by the system
/// resolver on a helper thread so that a hung lookup cannot hold the probe past its time.
pub(crate) fn addresses(host: &Host, port: u16) -> Result<Vec<SocketAddr>, String> {
    let name = match host {
        Host::Addr(a) => return Ok(vec![SocketAddr::new(*a, port)]),
        Host::Name(n) => n.clone(),
    };
    let (tx, rx) = mpsc::channel();
    let lookup_name = name.clone();
    thread::Builder::new()
        .name("probe-lookup".into())
        .spawn(move || {
            let _ = tx.send(
                (lookup_name.as_str(), port)
                    .to_socket_addrs()
                    .map(Vec::from_iter),
            );
        })
        .map_err(|e| format!("cannot start a name lookup: {e}"))?;
    match rx.recv_timeout(LOOKUP_TIMEOUT) {
        Ok(Ok(mut addrs)) if !addrs.is_empty() => {
            addrs.sort_by_key(|a| a.is_ipv6());
            addrs.dedup();
            Ok(addrs)
        }
        Ok(Ok(_)) => Err(format!("`{name}` has no address")),
        Ok(Err(e)) => Err(format!("cannot resolve `{name}`: {e}")),
        Err(_) => Err(format!(
            "looking up `{name}` took longer than {} s",
            LOOKUP_TIMEOUT.as_secs()
        )),
    }
}

/// How a UDP exchange ended.
#[derive(Debug)]
pub(crate) enum UdpOutcome {
    /// A datagram the caller accepted, and the time since the last send.
    Reply(Vec<u8>, Duration),
    /// Nothing acceptable arrived in time.
    NoReply,
    /// ICMP port unreachable: nothing listens on that port.
    PortUnreachable,
    /// ICMP host or network unreachable.
    Unreachable(Unreachable),
}

/// Sends `request` on a connected socket up to `sends` times, evenly spread over
/// `timeout`, until `accept` takes a reply. Datagrams `accept` refuses (stale replies,
/// someone else's) are skipped.
pub(crate) fn udp_exchange(
    sock: &UdpSocket,
    request: &[u8],
    timeout: Duration,
    sends: u32,
    accept: &mut dyn FnMut(&[u8]) -> bool,
) -> io::Result<UdpOutcome> {
    let started = Instant::now();
    let deadline = started + timeout;
    let step = timeout / sends.max(1);
    let mut buf = vec![0u8; 65_536];
    let mut sent = 0;
    let mut last_send = started;
    loop {
        let now = Instant::now();
        if sent < sends && now >= started + step * sent {
            match sock.send(request) {
                Ok(_) => {}
                Err(e) => {
                    if let Some(o) = icmp_outcome(&e) {
                        return Ok(o);
                    }
                    return Err(e);
                }
            }
            sent += 1;
            last_send = Instant::now();
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(UdpOutcome::NoReply);
        }
        let next_send = if sent < sends {
            started + step * sent
        } else {
            deadline
        };
        let wait = next_send.min(deadline).saturating_duration_since(now);
        sock.set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
        match sock.recv(&mut buf) {
            Ok(n) => {
                if accept(&buf[..n]) {
                    return Ok(UdpOutcome::Reply(buf[..n].to_vec(), last_send.elapsed()));
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                if let Some(o) = icmp_outcome(&e) {
                    return Ok(o);
                }
                return Err(e);
            }
        }
    }
}

/// Socket errors that report an ICMP error from the path. Linux reports port unreachable
/// as ECONNREFUSED on a connected UDP socket; Windows as WSAECONNRESET.
fn icmp_outcome(e: &io::Error) -> Option<UdpOutcome> {
    match e.kind() {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
            Some(UdpOutcome::PortUnreachable)
        }
        _ => platform::unreachable(e).map(UdpOutcome::Unreachable),
    }
}

/// A UDP socket bound to an ephemeral (or the given) local port and connected to `to`;
/// the error says which step failed and why, in terms an administrator can act on.
pub(crate) fn udp_connected(to: SocketAddr, local_port: u16) -> Result<UdpSocket, String> {
    let local: SocketAddr = if to.is_ipv4() {
        ([0, 0, 0, 0], local_port).into()
    } else {
        ([0u16; 8], local_port).into()
    };
    let sock = UdpSocket::bind(local).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => format!(
            "cannot send from UDP port {local_port}: binding a port below 1024 needs root or CAP_NET_BIND_SERVICE (permission denied); leave source_port unset to send from an ephemeral port"
        ),
        io::ErrorKind::AddrInUse => format!(
            "cannot send from UDP port {local_port}: it is in use here (an IKE service such as IKEEXT, PolicyAgent or charon owns it); leave source_port unset"
        ),
        _ => format!("cannot open a UDP socket: {e}"),
    })?;
    sock.connect(to).map_err(|e| match e.kind() {
        io::ErrorKind::PermissionDenied => {
            format!("cannot send to {to}: permission denied (is it a broadcast address?)")
        }
        _ => format!("cannot send to {to}: {e}"),
    })?;
    Ok(sock)
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random-looking number for identifiers (DNS ids, IKE SPIs, nonces). Not for secrets:
/// the probe never completes a key exchange.
pub(crate) fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

/// The words for a path failure.
pub(crate) fn unreachable_text(u: Unreachable) -> &'static str {
    match u {
        Unreachable::Host => "host unreachable",
        Unreachable::Network => "network unreachable",
    }
}
