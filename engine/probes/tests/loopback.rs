//! Probes against real things on this host, no privileges needed (except where a test
//! says so): loopback TCP listeners and closed ports, a tiny DNS server and a CLDAP server
//! on 127.0.0.1, real processes, real files, and batches run in parallel.

mod common;

use std::net::{TcpListener, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use common::cldap_server::CldapServer;
use common::dns_server::DnsServer;
use common::{args, field, show};
#[cfg(unix)]
use deskbook_probes::MapTasks;
use deskbook_probes::{cli_run, run, run_many, validate, NoTasks, ProbeResult, Status};

fn probe(name: &str, pairs: &[(&str, &str)]) -> ProbeResult {
    run(name, &args(pairs), &NoTasks)
}

/// A loopback listener that accepts and drops connections for the life of the test.
fn listener() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("address").port();
    thread::spawn(move || {
        for c in l.incoming() {
            drop(c);
        }
    });
    port
}

/// A port nothing listens on (bound, then released).
fn closed_tcp_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("address").port()
}

fn closed_udp_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("address").port()
}

#[test]
fn tcp_to_a_listening_loopback_port_is_open() {
    let port = listener().to_string();
    let r = probe("tcp", &[("host", "127.0.0.1"), ("port", &port)]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "state"), "open");
    assert_eq!(
        r.summary.split(" (").next(),
        Some(format!("127.0.0.1:{port} is open").as_str())
    );
}

#[test]
fn tcp_by_name_looks_the_host_up_first() {
    let port = listener().to_string();
    let r = probe("tcp", &[("host", "localhost"), ("port", &port)]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "host"), "localhost");
    assert!(
        ["127.0.0.1", "::1"].contains(&field(&r, "address").as_str()),
        "{}",
        show(&r)
    );
}

#[test]
fn tcp_to_a_closed_port_is_closed_not_filtered() {
    let port = closed_tcp_port();
    let r = probe("tcp", &[("host", "127.0.0.1"), ("port", &port.to_string())]);
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(field(&r, "state"), "closed");
    assert_eq!(
        r.summary,
        format!("127.0.0.1:{port} is closed: the host refused the connection (nothing listens on port {port})")
    );
}

#[test]
fn udp_dns_query_is_answered_by_a_dns_server() {
    let dns = DnsServer::start();
    let port = dns.addr.port().to_string();
    let r = probe(
        "udp",
        &[("host", "127.0.0.1"), ("port", &port), ("protocol", "dns")],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "result"), "answered");
    assert_eq!(field(&r, "query"), ". NS");
    assert_eq!(field(&r, "rcode"), "NOERROR");
    let named = probe(
        "udp",
        &[
            ("host", "127.0.0.1"),
            ("port", &port),
            ("protocol", "dns"),
            ("name", "missing.woodgrovebank.com"),
        ],
    );
    assert_eq!(
        named.status,
        Status::Ok,
        "an NXDOMAIN is still an answer: {}",
        show(&named)
    );
    assert_eq!(field(&named, "rcode"), "NXDOMAIN");
}

#[test]
fn udp_cldap_rootdse_query_gets_the_domain_controllers_attributes() {
    let cldap = CldapServer::start();
    let port = cldap.addr.port().to_string();
    let r = probe(
        "udp",
        &[
            ("host", "127.0.0.1"),
            ("port", &port),
            ("protocol", "cldap"),
        ],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert!(
        r.summary
            .ends_with("an LDAP rootDSE from dc1.woodgrovebank.com"),
        "{}",
        r.summary
    );
    let attrs = r.data.get("attributes").cloned().unwrap_or_default();
    assert_eq!(attrs["defaultNamingContext"][0], "DC=woodgrovebank,DC=com");
    assert_eq!(attrs["supportedLDAPVersion"], serde_json::json!(["3", "2"]));
    assert_eq!(field(&r, "result_code"), "0");
    assert!(r.output.contains("dnsHostName: dc1.woodgrovebank.com"));
}

#[test]
fn udp_to_a_closed_port_reports_icmp_port_unreachable() {
    let port = closed_udp_port();
    let r = probe(
        "udp",
        &[
            ("host", "127.0.0.1"),
            ("port", &port.to_string()),
            ("protocol", "cldap"),
        ],
    );
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(field(&r, "result"), "port-unreachable");
    assert_eq!(
        r.summary,
        format!("127.0.0.1:{port}/udp: ICMP port unreachable (the host is up but nothing listens on port {port})")
    );
}

#[test]
fn udp_to_a_service_that_ignores_the_query_reports_no_reply() {
    // A bound socket that never answers: what a filtered port looks like from here.
    let silent = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("address").port();
    let began = Instant::now();
    let r = probe(
        "udp",
        &[
            ("host", "127.0.0.1"),
            ("port", &port.to_string()),
            ("protocol", "dns"),
            ("timeout_ms", "300"),
        ],
    );
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(field(&r, "result"), "no-reply");
    assert!(began.elapsed() < Duration::from_millis(1500));
    let mut buf = [0u8; 512];
    silent
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    assert!(silent.recv(&mut buf).is_ok(), "the query really was sent");
}

fn resolve(dns: &DnsServer, name: &str, extra: &[(&str, &str)]) -> ProbeResult {
    let server = dns.server_arg();
    let mut a = vec![
        ("name", name),
        ("server", server.as_str()),
        ("timeout_ms", "400"),
    ];
    a.extend_from_slice(extra);
    probe("resolve", &a)
}

#[test]
fn resolve_forward_gives_the_address_and_the_answering_server() {
    let dns = DnsServer::start();
    let r = resolve(&dns, "srv-files-01.woodgrovebank.com", &[]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(r.data["addresses"], serde_json::json!(["192.0.2.10"]));
    assert_eq!(field(&r, "server"), dns.server_arg());
    assert_eq!(field(&r, "result"), "answer");
    assert!(r.data["rtt_ms"].as_f64().is_some());
    assert!(r.summary.starts_with(&format!(
        "srv-files-01.woodgrovebank.com has address 192.0.2.10 (from {} in ",
        dns.server_arg()
    )));
    assert!(
        r.output
            .contains("srv-files-01.woodgrovebank.com.\t3600\tA\t192.0.2.10"),
        "{}",
        r.output
    );
}

#[test]
fn resolve_of_an_address_is_a_reverse_lookup_like_ping_a() {
    let dns = DnsServer::start();
    let r = resolve(&dns, "192.0.2.10", &[]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "query"), "10.2.0.192.in-addr.arpa");
    assert_eq!(field(&r, "type"), "PTR");
    assert_eq!(
        r.data["names"],
        serde_json::json!(["srv-files-01.woodgrovebank.com"])
    );
    assert!(r
        .summary
        .starts_with("10.2.0.192.in-addr.arpa is srv-files-01.woodgrovebank.com"));
}

#[test]
fn resolve_finds_domain_controllers_by_srv_record() {
    let dns = DnsServer::start();
    let r = resolve(
        &dns,
        "_ldap._tcp.dc._msdcs.woodgrovebank.com",
        &[("type", "srv")],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(
        r.data["names"],
        serde_json::json!(["dc1.woodgrovebank.com:389"])
    );
}

/// NXDOMAIN, no data, REFUSED, SERVFAIL and silence are different problems for the help
/// desk (a wrong name, a missing record, a server that will not serve this client, a broken
/// server, a blocked path) and must not blur into one "cannot resolve".
#[test]
fn resolve_tells_nxdomain_nodata_refused_servfail_and_timeout_apart() {
    let dns = DnsServer::start();
    let s = dns.server_arg();
    let cases = [
        (
            "missing.woodgrovebank.com",
            "nxdomain",
            "missing.woodgrovebank.com does not exist (NXDOMAIN from ",
        ),
        (
            "noaddr.woodgrovebank.com",
            "nodata",
            "noaddr.woodgrovebank.com exists but has no A record (NOERROR, no data, from ",
        ),
        (
            "refused.example.com",
            "refused",
            &format!("{s} refused the query for refused.example.com (REFUSED)"),
        ),
        (
            "broken.example.com",
            "servfail",
            &format!("{s} could not resolve broken.example.com (SERVFAIL)"),
        ),
        (
            "silent.example.com",
            "timeout",
            &format!("no answer from {s} within 400 ms"),
        ),
    ];
    for (name, result, summary) in cases {
        let r = resolve(&dns, name, &[]);
        assert_eq!(r.status, Status::Fail, "{name}: {}", show(&r));
        assert_eq!(field(&r, "result"), result, "{name}");
        assert!(r.summary.starts_with(summary), "{name}: {}", r.summary);
    }
}

#[test]
fn resolve_retries_a_truncated_answer_over_tcp() {
    let dns = DnsServer::start();
    let r = resolve(&dns, "big.woodgrovebank.com", &[]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "transport"), "tcp");
    assert_eq!(
        r.data["addresses"],
        serde_json::json!(["192.0.2.21", "192.0.2.22", "192.0.2.23"])
    );
    assert_eq!(
        dns.tcp_queries.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

/// `ping localhost` works on every computer: the system resolver answers from the hosts
/// file, whatever DNS says.
#[test]
fn resolve_localhost_is_ok_from_the_system_resolver() {
    let r = probe("resolve", &[("name", "localhost"), ("timeout_ms", "400")]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "decided_by"), "system");
    assert_eq!(r.data["system"]["result"], "answer", "{}", show(&r));
    assert!(
        r.summary
            .starts_with("localhost has address 127.0.0.1 from the system resolver (what ping uses, from the hosts file: 127.0.0.1); DNS: "),
        "{}",
        r.summary
    );
}

/// A hosts-file entry that DNS does not know is the disagreement a help desk must see: the
/// caller's ping works by name while nslookup says the name does not exist.
#[test]
fn resolve_calls_out_when_the_system_resolver_and_dns_disagree() {
    let dns = DnsServer::start();
    let r = resolve(&dns, "localhost", &[]);
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(field(&r, "decided_by"), "dns");
    assert_eq!(field(&r, "agree"), "false");
    assert_eq!(
        r.data["system"]["addresses"],
        serde_json::json!(["127.0.0.1"])
    );
    assert!(
        r.summary.starts_with(&format!(
            "localhost does not exist (NXDOMAIN from {} in ",
            dns.server_arg()
        )),
        "{}",
        r.summary
    );
    assert!(
        r.summary.ends_with("ms); the system resolver (what ping uses) gives 127.0.0.1, from the hosts file: 127.0.0.1: they disagree"),
        "{}",
        r.summary
    );
}

#[test]
fn resolve_against_a_port_without_a_dns_server_reports_unreachable() {
    let port = closed_udp_port();
    let server = format!("127.0.0.1:{port}");
    let r = probe(
        "resolve",
        &[
            ("name", "srv-files-01.woodgrovebank.com"),
            ("server", &server),
        ],
    );
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(field(&r, "result"), "unreachable");
    assert!(
        r.summary.starts_with(&format!(
            "{server}: ICMP port unreachable (no DNS server listens there); the system resolver (what ping uses) "
        )),
        "{}",
        r.summary
    );
}

/// As root the raw socket works; as a user it works when net.ipv4.ping_group_range
/// includes the user's group; otherwise the result must say why it cannot, not just fail.
#[test]
fn ping_loopback_answers_or_says_why_it_cannot() {
    let r = probe(
        "ping",
        &[("host", "127.0.0.1"), ("count", "2"), ("timeout_ms", "500")],
    );
    match r.status {
        Status::Ok => {
            assert_eq!(field(&r, "received"), "2", "{}", show(&r));
            assert!(
                ["icmp-datagram-socket", "icmp-raw-socket", "system-ping"]
                    .contains(&field(&r, "method").as_str()),
                "{}",
                show(&r)
            );
            assert_eq!(r.data["rtt_ms"].as_array().map(Vec::len), Some(2));
        }
        Status::Error => {
            assert!(
                r.summary
                    .starts_with("cannot send ICMP echo requests from this process: "),
                "{}",
                r.summary
            );
            assert!(r.summary.contains("CAP_NET_RAW"), "{}", r.summary);
        }
        Status::Fail => panic!("loopback must answer: {}", show(&r)),
    }
}

#[cfg(target_os = "linux")]
#[test]
fn os_reports_linux_from_os_release_and_the_running_kernel() {
    let r = probe("os", &[]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "os_id"), "linux");
    assert_eq!(field(&r, "platform"), "linux");
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("kernel release");
    assert_eq!(field(&r, "kernel"), kernel.trim());
    if let Ok(release) = std::fs::read_to_string("/etc/os-release") {
        let pretty = release
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned());
        if let Some(p) = pretty {
            assert_eq!(field(&r, "name"), p);
        }
    }
    assert!(r.summary.ends_with("(tool matrix: linux)"), "{}", r.summary);
}

#[cfg(unix)]
#[test]
fn command_argv_runs_the_program_directly_and_captures_its_output() {
    let r = probe(
        "command",
        &[("argv", r#"["printf", "%s|%s\\n", "one", "two words"]"#)],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(r.output, "one|two words\n");
    assert_eq!(field(&r, "exit_code"), "0");
    assert_eq!(r.summary, "`printf` succeeded");
}

#[cfg(unix)]
#[test]
fn command_task_runs_the_tool_matrix_line_for_the_os_with_placeholders_filled() {
    let tasks = MapTasks::new()
        .with(
            "linux",
            "find-dc",
            "printf '<%s>\\n' /dsgetdc:{{ domain }} --kdc",
        )
        .with("winxp", "find-dc", "nltest /dsgetdc:{{ domain }} /kdc");
    let r = run(
        "command",
        &args(&[
            ("task", "find-dc"),
            ("os", "linux"),
            ("domain", "woodgrovebank.com"),
        ]),
        &tasks,
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(r.output, "</dsgetdc:woodgrovebank.com>\n<--kdc>\n");
    assert_eq!(
        r.data["argv"],
        serde_json::json!(["printf", "<%s>\\n", "/dsgetdc:woodgrovebank.com", "--kdc"])
    );
    assert_eq!(field(&r, "task"), "find-dc");
    assert_eq!(field(&r, "os_id"), "linux");
    let missing = run(
        "command",
        &args(&[("task", "find-dc"), ("os", "linux")]),
        &tasks,
    );
    assert_eq!(missing.status, Status::Error);
    assert_eq!(
        missing.summary,
        "task `find-dc` on linux needs the argument `domain` (its command line is `printf '<%s>\\n' /dsgetdc:{{ domain }} --kdc`)"
    );
    let absent = run(
        "command",
        &args(&[("task", "purge-tickets"), ("os", "win2000")]),
        &tasks,
    );
    assert_eq!(
        absent.summary,
        "the tool matrix has no command for task `purge-tickets` on win2000"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn command_task_without_os_uses_the_detected_os() {
    let tasks = MapTasks::new().with("linux", "show-ip-config", "printf detected");
    let r = run("command", &args(&[("task", "show-ip-config")]), &tasks);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "os_id"), "linux");
    assert_eq!(r.output, "detected");
}

#[cfg(unix)]
#[test]
fn command_regex_extracts_named_fields_into_data() {
    let r = probe(
        "command",
        &[
            (
                "argv",
                r#"["printf", "Policy version: 42\\nLast change: today\\n"]"#,
            ),
            ("regex", r"Policy version: (?P<policy_version>\d+)"),
        ],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "policy_version"), "42");
    assert_eq!(field(&r, "match"), "Policy version: 42");
    let miss = probe(
        "command",
        &[
            ("argv", r#"["printf", "nothing"]"#),
            ("regex", r"version: (\d+)"),
        ],
    );
    assert_eq!(miss.status, Status::Fail, "{}", show(&miss));
    assert_eq!(
        miss.summary,
        "`printf` succeeded but its output did not match the pattern"
    );
}

#[cfg(unix)]
#[test]
fn command_failure_is_fail_and_a_missing_program_is_error() {
    let r = probe("command", &[("argv", "false")]);
    assert_eq!(r.status, Status::Fail, "{}", show(&r));
    assert_eq!(r.summary, "`false` failed with exit code 1");
    let missing = probe("command", &[("argv", "deskbook-no-such-tool --x")]);
    assert_eq!(missing.status, Status::Error, "{}", show(&missing));
    assert_eq!(
        missing.summary,
        "`deskbook-no-such-tool`: `deskbook-no-such-tool` is not installed or not on PATH"
    );
}

#[cfg(unix)]
#[test]
fn command_that_hangs_is_stopped_at_its_timeout() {
    let began = Instant::now();
    let r = probe("command", &[("argv", "sleep 30"), ("timeout_ms", "300")]);
    assert!(
        began.elapsed() < Duration::from_secs(2),
        "took {:?}",
        began.elapsed()
    );
    assert_eq!(r.status, Status::Error, "{}", show(&r));
    assert_eq!(
        r.summary,
        "`sleep` did not finish within 300 ms and was stopped"
    );
    assert_eq!(field(&r, "timed_out"), "true");
}

#[cfg(unix)]
#[test]
fn command_output_is_bounded() {
    // 1 MiB of output: captured up to the bound, and the probe still finishes.
    let r = probe(
        "command",
        &[("argv", r#"["head", "-c", "1048576", "/dev/zero"]"#)],
    );
    assert_eq!(r.status, Status::Ok, "{}", r.summary);
    assert!(
        r.output.len() <= deskbook_probes::MAX_OUTPUT + 64,
        "{} bytes",
        r.output.len()
    );
    assert!(r.output.ends_with("[output cut: more than 64 KiB]\n"));
}

fn write_log(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("oakley.log");
    let mut text = String::new();
    for i in 1..=50 {
        text.push_str(&format!("12-01: 10:00:{i:02} IKE negotiation {i}\n"));
        if i % 10 == 0 {
            text.push_str(&format!(
                "12-01: 10:00:{i:02} Error: code 0x35e9 event 547 (#{i})\n"
            ));
        }
    }
    std::fs::write(&path, text).expect("write log");
    path.to_string_lossy().into_owned()
}

#[test]
fn file_tail_returns_the_last_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_log(&dir);
    let r = probe("file", &[("path", &path), ("tail", "2")]);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(
        r.output,
        "12-01: 10:00:50 IKE negotiation 50\n12-01: 10:00:50 Error: code 0x35e9 event 547 (#50)\n"
    );
    assert_eq!(field(&r, "lines_read"), "55");
}

#[test]
fn file_pattern_searches_a_log_and_captures_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_log(&dir);
    let r = probe(
        "file",
        &[
            ("path", &path),
            ("pattern", r"event (?P<event>\d+) \(#(?P<n>\d+)\)"),
            ("tail", "3"),
        ],
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(field(&r, "matches"), "5");
    assert_eq!(field(&r, "event"), "547");
    assert_eq!(field(&r, "n"), "50");
    assert_eq!(r.output.lines().count(), 3);
    let none = probe("file", &[("path", &path), ("pattern", "event 4268")]);
    assert_eq!(none.status, Status::Fail, "{}", show(&none));
    assert_eq!(
        none.summary,
        format!("no line of {path} matches the pattern")
    );
}

#[test]
fn file_that_does_not_exist_is_an_error_saying_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("absent.log").to_string_lossy().into_owned();
    let r = probe("file", &[("path", &path)]);
    assert_eq!(r.status, Status::Error);
    assert_eq!(r.summary, format!("cannot read {path}: no such file"));
    assert_eq!(field(&r, "exists"), "false");
}

/// Regression guard: opening a FIFO blocks until a writer comes; the probe must refuse
/// anything but a regular file instead of hanging.
#[cfg(unix)]
#[test]
fn file_refuses_a_fifo_instead_of_blocking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let path = fifo.to_string_lossy().into_owned();
    let began = Instant::now();
    let r = probe("file", &[("path", &path)]);
    assert!(began.elapsed() < Duration::from_secs(1));
    assert_eq!(r.summary, format!("cannot read {path}: not a regular file"));
}

#[cfg(unix)]
#[test]
fn run_many_runs_probes_in_parallel_each_with_its_own_timeout() {
    let port = listener().to_string();
    let batch = vec![
        ("command".to_owned(), args(&[("argv", "sleep 1")])),
        ("command".to_owned(), args(&[("argv", "sleep 1")])),
        ("command".to_owned(), args(&[("argv", "sleep 1")])),
        (
            "command".to_owned(),
            args(&[("argv", "sleep 30"), ("timeout_ms", "400")]),
        ),
        (
            "tcp".to_owned(),
            args(&[("host", "127.0.0.1"), ("port", &port)]),
        ),
    ];
    let began = Instant::now();
    let results = run_many(batch, &NoTasks);
    let took = began.elapsed();
    assert!(
        took < Duration::from_millis(2500),
        "three 1 s sleeps and a stopped 30 s sleep took {took:?}"
    );
    let statuses: Vec<Status> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Ok,
            Status::Ok,
            Status::Ok,
            Status::Error,
            Status::Ok
        ]
    );
    assert_eq!(
        results[3].summary,
        "`sleep` did not finish within 400 ms and was stopped"
    );
}

#[test]
fn run_many_keeps_the_batch_order_and_reports_refused_probes_in_place() {
    let port = listener().to_string();
    let closed = closed_tcp_port().to_string();
    let results = run_many(
        vec![
            (
                "tcp".into(),
                args(&[("host", "127.0.0.1"), ("port", &closed)]),
            ),
            ("no-such-probe".into(), args(&[])),
            (
                "tcp".into(),
                args(&[("host", "127.0.0.1"), ("port", &port)]),
            ),
            ("tcp".into(), args(&[("host", "a;b"), ("port", &port)])),
        ],
        &NoTasks,
    );
    let got: Vec<(&str, Status)> = results
        .iter()
        .map(|r| (r.probe.as_str(), r.status))
        .collect();
    assert_eq!(
        got,
        [
            ("tcp", Status::Fail),
            ("no-such-probe", Status::Error),
            ("tcp", Status::Ok),
            ("tcp", Status::Error)
        ]
    );
    assert_eq!(
        results[1].summary,
        "unknown probe `no-such-probe` (known probes: os, ping, resolve, tcp, udp, ike, command, file)"
    );
}

/// The batch the issue sizes: 100 tcp probes against loopback. The figure the issue asks
/// for (≤ 0.5 s) is measured in release by `cargo bench -p deskbook-probes`; here, in a
/// debug build beside other tests, only a generous bound is enforced.
#[test]
fn a_hundred_tcp_probes_against_loopback_all_succeed_in_one_batch() {
    let port = listener().to_string();
    let batch: Vec<_> = (0..100)
        .map(|_| {
            (
                "tcp".to_owned(),
                args(&[("host", "127.0.0.1"), ("port", &port)]),
            )
        })
        .collect();
    let began = Instant::now();
    let results = run_many(batch, &NoTasks);
    let took = began.elapsed();
    eprintln!("100 tcp probes against loopback: {took:?}");
    assert!(
        results.iter().all(|r| r.status == Status::Ok),
        "{:?}",
        results.iter().find(|r| r.status != Status::Ok)
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn cli_run_refuses_an_argument_given_twice() {
    let pairs = vec![
        ("host".to_owned(), "a".to_owned()),
        ("host".to_owned(), "b".to_owned()),
    ];
    let r = cli_run("tcp", &pairs, &NoTasks);
    assert_eq!(r.status, Status::Error);
    assert_eq!(r.summary, "argument `host` is given more than once");
}

#[test]
fn results_have_the_json_shape_of_the_design() {
    let port = listener().to_string();
    let r = probe("tcp", &[("host", "127.0.0.1"), ("port", &port)]);
    let v = serde_json::to_value(&r).expect("serialises");
    assert_eq!(v["probe"], "tcp");
    assert_eq!(v["status"], "ok");
    assert!(v["summary"].is_string() && v["data"].is_object() && v["output"].is_string());
    assert!(v["duration_ms"].is_u64());
    let back: ProbeResult = serde_json::from_value(v).expect("deserialises");
    assert_eq!(back, r);
    assert!(validate("tcp", &args(&[("host", "127.0.0.1"), ("port", &port)])).is_ok());
}
