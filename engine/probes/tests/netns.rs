//! IKE and the path to it, against real hosts: network namespaces joined by veth pairs,
//! strongSwan's charon as the IKE responder, nftables as the firewall, and child processes
//! that run probes as an unprivileged user. Root only; with DESKBOOK_NETNS_TESTS=1 (CI) a
//! missing prerequisite fails every test here instead of skipping it.
//!
//! The kernel these run on lacks ESP/AH transforms, so only IKE-level behaviour is tested
//! (IKE_SA_INIT and main mode first messages), which is all the `ike` probe does.
#![cfg(target_os = "linux")]

mod common;

use common::netns::{ready, Namespace, Target};
use common::{args, field, show};
use deskbook_probes::{run, run_many, NoTasks, ProbeResult, Status};

fn probe(name: &str, pairs: &[(&str, &str)]) -> ProbeResult {
    run(name, &args(pairs), &NoTasks)
}

/// Not a test: the entry point of the child processes these tests start (a TCP listener
/// inside a namespace, a probe run as nobody). See `common::child`.
#[test]
#[ignore = "entry point of child processes started by the namespace tests"]
fn child_process_entry() {
    common::child::main();
}

#[test]
fn ike_gets_an_answer_from_charon_with_the_proposal_it_chose() {
    if !ready("ike_gets_an_answer_from_charon_with_the_proposal_it_chose") {
        return;
    }
    let t = Target::with_charon();
    let host = t.accept.to_string();
    let v2 = probe("ike", &[("host", &host)]);
    assert_eq!(v2.status, Status::Ok, "{}\n{}", show(&v2), t.charon_log());
    assert_eq!(field(&v2, "reply"), "proposal-chosen");
    assert_eq!(field(&v2, "reply_version"), "2");
    assert_eq!(
        field(&v2, "proposal"),
        "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
        "charon's first configured proposal (aes256-sha256-modp2048) is in the offer"
    );
    assert!(v2.data["rtt_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    assert!(
        v2.summary.starts_with(&format!(
            "IKE responder at {host}:500 answered IKEv2 IKE_SA_INIT in "
        )),
        "{}",
        v2.summary
    );

    let v1 = probe("ike", &[("host", &host), ("version", "1")]);
    assert_eq!(v1.status, Status::Ok, "{}", show(&v1));
    assert_eq!(field(&v1, "reply"), "proposal-chosen");
    assert_eq!(field(&v1, "reply_version"), "1");
    assert_eq!(field(&v1, "proposal"), "AES-CBC-256/SHA2-256/PSK/MODP_2048");

    let both = probe("ike", &[("host", &host), ("version", "both")]);
    assert_eq!(both.status, Status::Ok, "{}", show(&both));
    assert_eq!(both.data["exchanges"].as_array().map(Vec::len), Some(2));
}

/// A Windows Server 2003 target speaks IKEv1 only: an IKEv2 probe would say "no IKE"
/// where IKE works. Told the target's OS, the probe speaks its version and says so.
#[test]
fn ike_speaks_the_version_of_the_targets_os_and_says_which_it_tried() {
    if !ready("ike_speaks_the_version_of_the_targets_os_and_says_which_it_tried") {
        return;
    }
    let t = Target::with_charon();
    let host = t.accept.to_string();
    let old = probe("ike", &[("host", &host), ("os", "win2003")]);
    assert_eq!(old.status, Status::Ok, "{}", show(&old));
    assert_eq!(old.data["tried"], serde_json::json!([1]));
    assert_eq!(field(&old, "reply_version"), "1");
    assert!(
        old.summary.ends_with(
            "(tried IKEv1: the target runs Windows Server 2003, which speaks IKEv1 only)"
        ),
        "{}",
        old.summary
    );
    let modern = probe("ike", &[("host", &host), ("os", "windows")]);
    assert_eq!(modern.status, Status::Ok, "{}", show(&modern));
    assert_eq!(modern.data["tried"], serde_json::json!([1, 2]));
    let linux = probe("ike", &[("host", &host), ("os", "linux")]);
    assert_eq!(
        linux.data["tried"],
        serde_json::json!([2]),
        "{}",
        show(&linux)
    );
    // An explicit version wins over the OS.
    let asked = probe(
        "ike",
        &[("host", &host), ("os", "win2000"), ("version", "2")],
    );
    assert_eq!(
        asked.data["tried"],
        serde_json::json!([2]),
        "{}",
        show(&asked)
    );
    assert!(
        asked.summary.ends_with("(tried IKEv2, as asked)"),
        "{}",
        asked.summary
    );
}

#[test]
fn ike_reports_no_proposal_chosen_when_the_responder_accepts_none_of_the_offer() {
    if !ready("ike_reports_no_proposal_chosen_when_the_responder_accepts_none_of_the_offer") {
        return;
    }
    let t = Target::with_charon();
    let host = t.strict.to_string();
    for version in ["2", "1"] {
        let r = probe("ike", &[("host", &host), ("version", version)]);
        // The responder answered: IKE gets through, so the probe is ok; the reply says no.
        assert_eq!(
            r.status,
            Status::Ok,
            "IKEv{version}: {}\n{}",
            show(&r),
            t.charon_log()
        );
        assert_eq!(field(&r, "reply"), "NO_PROPOSAL_CHOSEN", "IKEv{version}");
        assert_eq!(field(&r, "proposal"), "null");
        assert!(
            r.summary.ends_with(&format!(
                "NO_PROPOSAL_CHOSEN (it accepts none of the offered proposals) (tried IKEv{version}, as asked)"
            )),
            "{}",
            r.summary
        );
    }
}

/// A responder that wants another of the offered key exchange groups answers
/// INVALID_KE_PAYLOAD naming it; the probe retries with that group, as an initiator does,
/// and reports the proposal finally chosen. Also proves the throwaway public values have
/// the right shape for each group (charon checks ECP points lie on the curve).
#[test]
fn ike_retries_with_the_key_exchange_group_the_responder_asks_for() {
    if !ready("ike_retries_with_the_key_exchange_group_the_responder_asks_for") {
        return;
    }
    let t = Target::with_charon();
    for (addr, group) in t.single_group {
        let r = probe("ike", &[("host", &addr.to_string())]);
        assert_eq!(
            r.status,
            Status::Ok,
            "group {group}: {}\n{}",
            show(&r),
            t.charon_log()
        );
        assert_eq!(
            field(&r, "reply"),
            "proposal-chosen",
            "group {group}: {}",
            show(&r)
        );
        let name = match group {
            19 => "ECP_256",
            20 => "ECP_384",
            _ => "CURVE25519",
        };
        assert_eq!(
            field(&r, "proposal"),
            format!("AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/{name}")
        );
        assert!(
            field(&r, "notes").contains(&format!(
                "the responder asked for key exchange group {group} (INVALID_KE_PAYLOAD); retried with it"
            )),
            "{}",
            show(&r)
        );
    }
}

/// A responder under load (here: configured to ask once two IKE_SAs are half open) answers
/// with a COOKIE; the probe echoes it and still gets the proposal.
#[test]
fn ike_echoes_the_cookie_a_responder_under_load_asks_for() {
    if !ready("ike_echoes_the_cookie_a_responder_under_load_asks_for") {
        return;
    }
    let t = Target::with_charon();
    let host = t.accept.to_string();
    let mut last = None;
    for _ in 0..3 {
        last = Some(probe("ike", &[("host", &host)]));
    }
    let r = last.expect("three probes");
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "reply"), "proposal-chosen");
    assert!(
        field(&r, "notes").contains("the responder asked for a COOKIE"),
        "the third probe meets two half-open SAs: {}",
        show(&r)
    );
}

/// The seed's situation: the application port answers, ping may answer, but IKE (UDP 500)
/// is dropped on the way, so IPsec-protected traffic cannot start. `tcp` must still say
/// open while `ike` says no reply; and the same firewall shows closed vs filtered ports.
#[test]
fn udp_500_dropped_on_the_target_leaves_tcp_open_but_ike_without_reply() {
    if !ready("udp_500_dropped_on_the_target_leaves_tcp_open_but_ike_without_reply") {
        return;
    }
    let mut t = Target::with_charon();
    let host = t.accept.to_string();
    t.ns.listen_tcp(&format!("{host}:445"));
    let before = probe("ike", &[("host", &host), ("timeout_ms", "1500")]);
    assert_eq!(
        before.status,
        Status::Ok,
        "IKE answers before the rule: {}",
        show(&before)
    );

    t.ns.nft(
        "table inet deskbook_test {
           chain input {
             type filter hook input priority 0; policy accept;
             udp dport 500 drop
             tcp dport 446 drop
           }
         }",
    );

    let smb = probe(
        "tcp",
        &[("host", &host), ("port", "445"), ("timeout_ms", "1500")],
    );
    assert_eq!(smb.status, Status::Ok, "{}", show(&smb));
    assert_eq!(field(&smb, "state"), "open");

    let ike = probe("ike", &[("host", &host), ("timeout_ms", "1500")]);
    assert_eq!(ike.status, Status::Fail, "{}", show(&ike));
    assert_eq!(field(&ike, "reply"), "no-reply");
    assert_eq!(field(&ike, "answered"), "false");
    assert_eq!(
        ike.summary,
        format!("no reply to IKEv2 IKE_SA_INIT from {host}:500 within 1500 ms: UDP 500 is blocked on the path or no IKE responder runs there (tried IKEv2: the target's OS is not known; `os` picks the version it speaks)")
    );

    let filtered = probe(
        "tcp",
        &[("host", &host), ("port", "446"), ("timeout_ms", "800")],
    );
    assert_eq!(field(&filtered, "state"), "filtered", "{}", show(&filtered));
    assert_eq!(filtered.status, Status::Fail);
    let closed = probe(
        "tcp",
        &[("host", &host), ("port", "447"), ("timeout_ms", "800")],
    );
    assert_eq!(field(&closed, "state"), "closed", "{}", show(&closed));
}

#[test]
fn ike_to_a_host_without_an_ike_service_reports_icmp_port_unreachable() {
    if !ready("ike_to_a_host_without_an_ike_service_reports_icmp_port_unreachable") {
        return;
    }
    let t = Target::new();
    let host = t.accept.to_string();
    let r = probe("ike", &[("host", &host), ("timeout_ms", "1500")]);
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(field(&r, "reply"), "port-unreachable");
    assert_eq!(
        r.summary,
        format!("{host}:500: ICMP port unreachable for IKEv2 IKE_SA_INIT: the host is up but no IKE service listens on UDP 500 (tried IKEv2: the target's OS is not known; `os` picks the version it speaks)")
    );
}

#[test]
fn ping_as_root_reaches_the_namespace_host_through_a_raw_or_datagram_socket() {
    if !ready("ping_as_root_reaches_the_namespace_host_through_a_raw_or_datagram_socket") {
        return;
    }
    let t = Target::new();
    let r = probe(
        "ping",
        &[
            ("host", &t.accept.to_string()),
            ("count", "3"),
            ("timeout_ms", "1000"),
        ],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "received"), "3");
    assert_eq!(field(&r, "loss_percent"), "0");
    assert!(
        ["icmp-raw-socket", "icmp-datagram-socket"].contains(&field(&r, "method").as_str()),
        "{}",
        show(&r)
    );
    assert_eq!(field(&r, "ttl"), "64");
}

#[test]
fn ping_to_a_silent_address_is_a_fail_with_full_loss() {
    if !ready("ping_to_a_silent_address_is_a_fail_with_full_loss") {
        return;
    }
    let t = Target::new();
    t.ns.nft(
        "table inet deskbook_test {
           chain input {
             type filter hook input priority 0; policy accept;
             icmp type echo-request drop
           }
         }",
    );
    let r = probe(
        "ping",
        &[
            ("host", &t.accept.to_string()),
            ("count", "2"),
            ("timeout_ms", "300"),
        ],
    );
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(field(&r, "loss_percent"), "100");
    assert_eq!(
        r.summary,
        format!(
            "no echo reply from {} to 2 request(s) (100% loss): request timed out",
            t.accept
        )
    );
}

/// A help-desk agent's session is not root. With the kernel's default ping group range
/// ("1 0": nobody), no CAP_NET_RAW and no `ping` program, the probe must say exactly that.
#[test]
fn ping_as_an_unprivileged_user_reports_error_with_the_reason() {
    if !ready("ping_as_an_unprivileged_user_reports_error_with_the_reason") {
        return;
    }
    let ns = Namespace::new("c");
    let r = ns.probe(
        true,
        "ping",
        &[("host", "127.0.0.1"), ("count", "1"), ("timeout_ms", "300")],
    );
    assert_eq!(r.status, Status::Error, "{}", show(&r));
    assert_eq!(
        r.summary,
        "cannot send ICMP echo requests from this process: \
         icmp-datagram-socket: unprivileged ICMP sockets are not allowed for group 65534 (net.ipv4.ping_group_range is \"1 0\"); \
         icmp-raw-socket: a raw ICMP socket needs root or CAP_NET_RAW (permission denied); \
         system-ping: no `ping` program is installed"
    );
    assert_eq!(field(&r, "method"), "null");
    assert_eq!(field(&r, "ping_group_range"), "1 0");
}

/// The same user succeeds once the ping group range includes its group: the unprivileged
/// ICMP datagram socket path works, and `data.method` says so.
#[test]
fn ping_as_an_unprivileged_user_uses_a_datagram_socket_when_the_ping_group_range_allows() {
    if !ready(
        "ping_as_an_unprivileged_user_uses_a_datagram_socket_when_the_ping_group_range_allows",
    ) {
        return;
    }
    let ns = Namespace::new("c");
    ns.sysctl("net.ipv4.ping_group_range", "0 2147483647");
    let r = ns.probe(
        true,
        "ping",
        &[("host", "127.0.0.1"), ("count", "2"), ("timeout_ms", "500")],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "method"), "icmp-datagram-socket");
    assert_eq!(field(&r, "received"), "2");
    assert_eq!(field(&r, "ping_group_range"), "0 2147483647");
}

/// IKE from an ephemeral port needs no privilege; from port 500 (as some responders
/// require) it needs root, and an unprivileged run must say so rather than fail obscurely.
#[test]
fn ike_as_an_unprivileged_user_runs_but_source_port_500_reports_error_with_the_reason() {
    if !ready("ike_as_an_unprivileged_user_runs_but_source_port_500_reports_error_with_the_reason")
    {
        return;
    }
    let ns = Namespace::new("c");
    let plain = ns.probe(true, "ike", &[("host", "127.0.0.1"), ("timeout_ms", "500")]);
    assert_eq!(plain.status, Status::Fail, "{}", show(&plain));
    assert_eq!(field(&plain, "reply"), "port-unreachable");
    let from_500 = ns.probe(
        true,
        "ike",
        &[("host", "127.0.0.1"), ("source_port", "500")],
    );
    assert_eq!(from_500.status, Status::Error, "{}", show(&from_500));
    assert_eq!(
        from_500.summary,
        "cannot send from UDP port 500: binding a port below 1024 needs root or CAP_NET_BIND_SERVICE (permission denied); leave source_port unset to send from an ephemeral port"
    );
    let as_root = ns.probe(
        false,
        "ike",
        &[
            ("host", "127.0.0.1"),
            ("source_port", "500"),
            ("timeout_ms", "500"),
        ],
    );
    assert_eq!(field(&as_root, "source_port"), "500", "{}", show(&as_root));
}

/// Every domain controller at once: probes of several kinds against several hosts run in
/// parallel, so the batch takes about as long as its slowest probe.
#[test]
fn run_many_probes_several_hosts_at_once() {
    if !ready("run_many_probes_several_hosts_at_once") {
        return;
    }
    let t = Target::with_charon();
    let silent = Target::new();
    silent.ns.nft(
        "table inet deskbook_test {
           chain input {
             type filter hook input priority 0; policy accept;
             udp dport 500 drop
           }
         }",
    );
    let a = t.accept.to_string();
    let s = t.strict.to_string();
    let quiet = silent.accept.to_string();
    let batch = vec![
        (
            "ike".to_owned(),
            args(&[("host", &a), ("timeout_ms", "1000")]),
        ),
        (
            "ike".to_owned(),
            args(&[("host", &s), ("timeout_ms", "1000")]),
        ),
        (
            "ike".to_owned(),
            args(&[("host", &quiet), ("timeout_ms", "1000")]),
        ),
        (
            "ike".to_owned(),
            args(&[("host", &quiet), ("timeout_ms", "1000"), ("port", "4500")]),
        ),
        ("ping".to_owned(), args(&[("host", &quiet), ("count", "1")])),
    ];
    let began = std::time::Instant::now();
    let results = run_many(batch, &NoTasks);
    let took = began.elapsed();
    let replies: Vec<String> = results.iter().map(|r| field(r, "reply")).collect();
    assert_eq!(
        replies[..4],
        [
            "proposal-chosen",
            "NO_PROPOSAL_CHOSEN",
            "no-reply",
            "port-unreachable"
        ],
        "{results:#?}"
    );
    assert_eq!(results[4].status, Status::Ok, "{}", show(&results[4]));
    assert!(
        took < std::time::Duration::from_millis(1800),
        "the batch took {took:?}"
    );
}
