//! The built-in content: covers every id of the source material's coverage map with the right
//! kind, uses only known OS ids and task names, names no real-looking hosts or addresses, and
//! passes `deskbook check` with zero warnings.

mod common;

use common::*;
use deskbook_content::{load, Kind, LayerSpec};
use std::net::{Ipv4Addr, Ipv6Addr};

fn builtin() -> deskbook_content::Content {
    load(&[LayerSpec::BuiltIn])
}

/// `(id, kind)` rows of the coverage map's tables.
fn coverage_rows() -> Vec<(String, String)> {
    let path = root().join("../shared/COVERAGE.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the coverage map {} must be readable: {e}", path.display()));
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() >= 4
            && !cells[1].is_empty()
            && cells[1] != "id"
            && !cells[1].starts_with("---")
        {
            rows.push((cells[1].to_string(), cells[2].to_string()));
        }
    }
    rows
}

#[test]
fn every_coverage_id_exists_with_its_kind() {
    let content = builtin();
    let rows = coverage_rows();
    assert!(
        rows.len() >= 55,
        "the coverage map has {} rows; expected the full map",
        rows.len()
    );
    let mut missing = Vec::new();
    for (id, kind) in &rows {
        let found = match content.item(id) {
            Some(item) => Some(item.meta.kind.as_str().to_string()),
            None => content.playbook(id).map(|_| "playbook".to_string()),
        };
        if found.as_deref() != Some(kind.as_str()) {
            missing.push(format!("{id}: expected kind {kind}, found {found:?}"));
        }
    }
    assert!(missing.is_empty(), "coverage gaps:\n{}", missing.join("\n"));
}

#[test]
fn builtin_check_passes_with_zero_warnings() {
    let out = run(&["check"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let last = text.lines().last().unwrap_or("");
    assert!(
        last.starts_with("ok: ") && last.ends_with(", 0 warning(s)"),
        "{text}"
    );
}

#[test]
fn at_least_25_events_and_25_tools() {
    let content = builtin();
    let count = |k: Kind| content.items.iter().filter(|i| i.meta.kind == k).count();
    assert!(count(Kind::Event) >= 25, "{} events", count(Kind::Event));
    assert!(count(Kind::Tool) >= 25, "{} tools", count(Kind::Tool));
}

#[test]
fn tool_records_use_known_os_ids_and_task_names() {
    let content = builtin();
    let mut tools = 0;
    for item in content.items.iter().filter(|i| i.meta.kind == Kind::Tool) {
        tools += 1;
        let tool = item
            .meta
            .tool
            .as_ref()
            .expect("a tool item has a tool record");
        assert!(!tool.os.is_empty(), "{}: empty tool matrix", item.id());
        for (os, rec) in &tool.os {
            assert!(
                deskbook_content::vocab::OS_IDS.contains(&os.as_str()),
                "{}: OS `{os}`",
                item.id()
            );
            for (task, cmd) in &rec.tasks {
                assert!(
                    deskbook_content::vocab::TASKS.contains(&task.as_str()),
                    "{}: task `{task}`",
                    item.id()
                );
                assert!(
                    !cmd.trim().is_empty(),
                    "{}: empty command for {task}",
                    item.id()
                );
                assert!(
                    rec.available,
                    "{}: task {task} on {os}, where the tool is not available",
                    item.id()
                );
            }
        }
    }
    assert!(tools > 0);
}

#[test]
fn modern_equivalents_of_the_legacy_events() {
    let content = builtin();
    for (legacy, modern) in [(4285, 4960), (4268, 4965), (4284, 4963)] {
        let ev = content.event(legacy).expect("legacy event item");
        let info = ev.meta.event.as_ref().expect("event record");
        assert!(
            info.equivalent.contains(&modern),
            "event {legacy} should name {modern}"
        );
        let back = content.event(modern).expect("modern event item");
        assert!(back
            .meta
            .event
            .as_ref()
            .is_some_and(|e| e.equivalent.contains(&legacy)));
    }
}

fn allowed_v4(a: Ipv4Addr) -> bool {
    let o = a.octets();
    matches!(
        (o[0], o[1], o[2]),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113)
    ) || a.is_loopback()
        || a.is_unspecified()
        || (o[0] == 169 && o[1] == 254)
}

fn allowed_host(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "example.com",
        "example.net",
        "example.org",
        "woodgrovebank.com",
    ]
    .iter()
    .any(|d| n == *d || n.ends_with(&format!(".{d}")))
}

/// Built-in content names only documentation addresses and names, and the source material's
/// fictional organisation.
#[test]
fn no_real_looking_hosts_or_addresses() {
    let content = builtin();
    let v4 = regex::Regex::new(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b").expect("regex");
    let v6 = regex::Regex::new(r"\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}\b").expect("regex");
    let host = regex::Regex::new(
        r"(?i)\b(?:[a-z0-9-]+\.)+(?:com|net|org|local|corp|lan|edu|gov|int|io|internal)\b",
    )
    .expect("regex");
    let mut texts: Vec<(String, String)> = content
        .items
        .iter()
        .map(|i| (i.file.path.clone(), i.file.text.clone()))
        .collect();
    texts.extend(
        content
            .playbooks
            .iter()
            .map(|p| (p.file.path.clone(), p.file.text.clone())),
    );
    texts.extend(
        content
            .scenarios
            .iter()
            .map(|s| (s.path.clone(), s.text.clone())),
    );
    let mut bad = Vec::new();
    for (path, text) in &texts {
        for m in v4.find_iter(text) {
            match m.as_str().parse::<Ipv4Addr>() {
                Ok(a) if allowed_v4(a) => {}
                Ok(_) => bad.push(format!("{path}: address {}", m.as_str())),
                Err(_) => {}
            }
        }
        for m in v6.find_iter(text) {
            if let Ok(a) = m.as_str().parse::<Ipv6Addr>() {
                let s = a.segments();
                let documentation = s[0] == 0x2001 && s[1] == 0xdb8;
                if !(documentation || a.is_loopback()) {
                    bad.push(format!("{path}: address {a}"));
                }
            }
        }
        for m in host.find_iter(text) {
            if !allowed_host(m.as_str()) {
                bad.push(format!("{path}: host {}", m.as_str()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "real-looking names or addresses:\n{}",
        bad.join("\n")
    );
}

// Guards the scanner itself: it must flag what it is meant to flag.
#[test]
fn the_address_scanner_flags_real_looking_values() {
    assert!(!allowed_v4("10.1.2.3".parse().expect("v4")));
    assert!(!allowed_v4("192.168.0.10".parse().expect("v4")));
    assert!(allowed_v4("198.51.100.7".parse().expect("v4")));
    assert!(!allowed_host("dc1.contoso.com"));
    assert!(allowed_host("srv-files-01.woodgrovebank.com"));
}

/// The commands the tool matrix has for `task` on `os`, over every tool available there.
fn commands(content: &deskbook_content::Content, os: &str, task: &str) -> Vec<String> {
    content
        .items
        .iter()
        .filter_map(|i| i.meta.tool.as_ref())
        .filter_map(|t| t.os.get(os))
        .filter(|on| on.available)
        .filter_map(|on| on.tasks.get(task).cloned())
        .collect()
}

/// Issue 12's content corrections and the tasks the playbooks need on the old Windows
/// versions: each guarded here, since a scenario cannot see them.
#[test]
fn content_follows_the_source_material_where_issue_12_corrected_it() {
    let content = builtin();
    // Tasks the refresh, detect-policy and collect playbooks run, on every Windows version
    // of Table 7.1.
    for os in ["win2000", "winxp", "win2003"] {
        for task in [
            "show-policy-version",
            "restart-ipsec-service",
            "purge-computer-tickets",
            "show-assigned-policy",
            "refresh-group-policy",
        ] {
            assert!(
                !commands(&content, os, task).is_empty(),
                "no command for {task} on {os}"
            );
        }
        assert_eq!(
            commands(&content, os, "show-ip-config"),
            ["ipconfig /all"],
            "{os}"
        );
    }
    assert_eq!(
        commands(&content, "win2000", "refresh-group-policy"),
        ["secedit /refreshpolicy machine_policy /enforce"]
    );
    // Table 7.1's footnote: netdiag runs on Server 2003, without IPsec data.
    assert!(commands(&content, "win2003", "run-diagnostics").contains(&"netdiag /v".to_string()));
    let swanctl = content.item("tool-swanctl").expect("tool-swanctl");
    let linux = &swanctl.meta.tool.as_ref().expect("a tool").os["linux"];
    assert_eq!(linux.tasks["show-active-policy"], "swanctl --list-pols");
    // netsh wfp came with Windows 7 and Server 2008 R2, not Vista.
    let wfp = content.item("tool-netsh-wfp").expect("tool-netsh-wfp");
    assert!(
        wfp.meta
            .tool
            .as_ref()
            .is_some_and(|t| t.obtain.contains("Windows 7 and Windows Server 2008 R2")),
        "{:?}",
        wfp.meta.tool
    );
    // Not in the vendor's list of IPsec driver events.
    assert!(content.event(5481).is_none() && content.event(5482).is_none());
    // The ping ladder keeps the source's causes.
    let ladder = content
        .item("network-path-connectivity")
        .expect("network-path-connectivity")
        .body();
    let words = ladder.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("the ping utility missing"), "{words}");
    assert!(
        words.contains("the path to the gateway interrupted"),
        "{words}"
    );
    // 5456-5462: the subcategory is confirmed, so is the wording.
    for n in 5456..=5462 {
        let ev = content.event(n).unwrap_or_else(|| panic!("event {n}"));
        let text = format!("{} {}", ev.meta.summary, ev.body());
        assert!(!text.contains("unconfirmed"), "event {n}: {text}");
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("Filtering Platform Policy Change"),
            "event {n}: {text}"
        );
    }
}
