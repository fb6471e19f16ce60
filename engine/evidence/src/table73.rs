//! Table 7.3 of the source material: how the debug script names its files
//! (`<CompName>_gpresult.txt`, `<CompName>_<SrvName>_ping.txt`, …). The collector names a
//! packet's members this way, and the escalation packet (`sessions export`) its files, so
//! Tier 2 finds the same names either way.

use std::collections::BTreeSet;

use deskbook_probes::ProbeResult;
use serde_json::Value;

/// A computer's name as the seed's script names it: the first label, upper case.
pub fn comp_name(host: &str) -> String {
    sanitize(&first_label(host).to_uppercase())
}

/// The `<SrvName>` of a file name for a computer the caller reaches (`srv-files-01` of
/// `srv-files-01.woodgrovebank.com`, an address as it is): its first label, as written.
pub fn srv_name(host: &str) -> String {
    sanitize(first_label(host))
}

fn first_label(host: &str) -> &str {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    host.split('.').next().unwrap_or(host)
}

fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.trim_matches(['.', '_']).is_empty() {
        "UNKNOWN".into()
    } else {
        out
    }
}

/// The seed's name for what a probe or command produced (Table 7.3), or one in its style.
pub fn file_stem(comp: &str, payload: &Value, result: &ProbeResult) -> String {
    let args = payload
        .pointer("/request/args")
        .or_else(|| payload.pointer("/action/with"))
        .cloned()
        .unwrap_or(Value::Null);
    let arg = |k: &str| args.get(k).and_then(Value::as_str).map(str::to_string);
    let task = payload
        .pointer("/action/task")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| arg("task"));
    let command = payload
        .get("command")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let probe = result.probe.as_str();
    match probe {
        "os" => format!("{comp}_OSInfo.txt"),
        "ping" | "tcp" | "udp" | "resolve" | "ike" => {
            let host = arg("host").or_else(|| arg("name")).unwrap_or_default();
            let srv = srv_name(&host);
            let what = match (probe, arg("port")) {
                // The debug script tests SMB with `net view` (Table 7.3's _netview.txt).
                ("tcp", Some(port)) if port == "445" => "netview".to_string(),
                ("tcp", Some(port)) => format!("tcp{}", sanitize(&port)),
                _ => probe.to_string(),
            };
            format!("{comp}_{srv}_{what}.txt")
        }
        "file" => {
            let path = arg("path").unwrap_or_default();
            let base = path
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("file")
                .to_lowercase();
            let base = sanitize(&base);
            if base.ends_with(".log") || base.ends_with(".txt") {
                format!("{comp}_{base}")
            } else {
                format!("{comp}_{base}.txt")
            }
        }
        _ => {
            let stem = match task.as_deref() {
                Some(t) => task_stem(t, &command, &args),
                None => {
                    let argv0 = command.split_whitespace().next().unwrap_or("command");
                    let argv0 = argv0.rsplit(['/', '\\']).next().unwrap_or(argv0);
                    sanitize(&argv0.to_lowercase())
                }
            };
            format!("{comp}_{stem}.txt")
        }
    }
}

fn task_stem(task: &str, command: &str, args: &Value) -> String {
    let tool = command
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_lowercase();
    match task {
        "show-group-policy" | "show-rsop" => "gpresult".into(),
        "show-policy-version" => "ipsec_policy_version".into(),
        "purge-computer-tickets" => "klist_purge_mt".into(),
        "run-diagnostics" => "netdiag".into(),
        "show-policy-in-directory" => "netsh_show_gpo".into(),
        // The debug script's `netsh ipsec static show gpoassignedpolicy` (servers).
        "show-assigned-policy" if tool.starts_with("netsh") => "netsh_show_gpo".into(),
        "show-active-policy"
        | "show-assigned-policy"
        | "show-filters"
        | "show-mm-sas"
        | "show-qm-sas"
        | "show-statistics"
            if tool.starts_with("ipseccmd") || tool.starts_with("netsh") =>
        {
            format!("{}_show_all", tool.trim_end_matches(".exe"))
        }
        "show-log" => {
            let all = args.to_string().to_lowercase();
            if all.contains("547") {
                "ipsec_547_events".into()
            } else if all.contains("kerberos") {
                "kerberos_events".into()
            } else {
                "show_log".into()
            }
        }
        other => other.replace('-', "_"),
    }
}

/// `name` or, when taken, `name_2`, `name_3`, … before the extension.
pub fn unique(used: &mut BTreeSet<String>, name: &str) -> String {
    if used.insert(name.to_string()) {
        return name.to_string();
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    for n in 2.. {
        let candidate = if ext.is_empty() {
            format!("{stem}_{n}")
        } else {
            format!("{stem}_{n}.{ext}")
        };
        if used.insert(candidate.clone()) {
            return candidate;
        }
    }
    name.to_string()
}
