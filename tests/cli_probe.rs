//! `deskbook probe` through the real binary, against real sockets on loopback.

mod common;

use common::*;
use std::net::TcpListener;

#[test]
fn tcp_probe_finds_an_open_loopback_port() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port().to_string();
    let out = run(&[
        "probe",
        "tcp",
        "--arg",
        "host=127.0.0.1",
        "--arg",
        &format!("port={port}"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["probe"], "tcp");
    assert_eq!(v["status"], "ok");
    for key in ["summary", "data", "duration_ms", "output"] {
        assert!(v.get(key).is_some(), "missing `{key}`");
    }
}

#[test]
fn closed_port_is_a_fail_not_an_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let out = run(&[
        "probe",
        "tcp",
        "--arg",
        "host=127.0.0.1",
        "--arg",
        &format!("port={port}"),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["status"], "fail");
    assert_eq!(out.status.code(), Some(0));
}

// Hostile values from answers or variables never reach a process: they are refused first.
#[test]
fn hostile_host_is_refused_with_exit_1() {
    let out = run(&[
        "probe",
        "tcp",
        "--arg",
        "host=$(reboot)",
        "--arg",
        "port=445",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("tcp error: argument `host` = \"$(reboot)\""),
        "{}",
        stdout(&out)
    );
    // Which computer the result speaks for, as its last line.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert!(
        stdout(&out).ends_with(&format!(
            "\n(ran on this computer ({}): it says nothing about another computer, such as a caller's)\n",
            host.trim()
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unknown_probe_and_repeated_argument_are_errors() {
    let out = run(&["probe", "traceroute", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v["status"], "error");
    let out = run(&["probe", "tcp", "--arg", "port=1", "--arg", "port=2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("given more than once"),
        "{}",
        stdout(&out)
    );
    let out = run(&["probe", "tcp", "--arg", "noequals"]);
    assert_eq!(out.status.code(), Some(2));
}
