//! The escalation packet (`deskbook sessions export ID --out DIR`): what Tier 2 needs from
//! a call, as the seed's escalation section lists it. A README marking each item of that
//! list present or missing, the transcript, the call as JSON, and
//! every probe and command output in a file that says where it ran: a result from the
//! caller's computer is named the way the seed's debug script names its files (Table 7.3:
//! `<CompName>_gpresult.txt`, `<CompName>_<SrvName>_ping.txt`, `<CompName>_oakley.log`,
//! …); one from the help desk's own computer goes under `helpdesk-<HOST>_…` (it says
//! nothing about the caller's), one from the target under `target-<NAME>_…`. The results
//! of an attached evidence packet that no step used are there too, as the packet named
//! them.

use deskbook_content::terminal::{json_escaped, neutralise};
use deskbook_content::Content;
use deskbook_evidence::check_member_name;
use deskbook_probes::ProbeResult;
use deskbook_store::{
    computer_of, Call, Event, Origin, PacketStep, Record, CALLER_INPUTS, TARGET_INPUTS,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{transcript, ReportError};
use deskbook_evidence::table73::{comp_name, file_stem, srv_name, unique};

/// Write the packet of `call` into `out` (created; it must not hold files). Returns the
/// names of the files written. The folder appears whole or not at all: the files are
/// written into a sibling folder that is renamed into place at the end.
pub fn export(
    call: &Call,
    events: &[Event],
    content: &Content,
    out: &Path,
) -> Result<Vec<String>, ReportError> {
    if out.exists() {
        let has_files = std::fs::read_dir(out)
            .map_err(ReportError::io(format!(
                "{}: cannot read the folder",
                out.display()
            )))?
            .next()
            .is_some();
        if has_files {
            return Err(ReportError::Export(format!(
                "{}: the folder is not empty; give --out a new or empty folder",
                out.display()
            )));
        }
    }
    let files = packet(call, events, content);
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "packet".into());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let staging = parent.join(format!(".{name}.partial-{}", call.session));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(ReportError::io(format!(
        "{}: cannot create the folder",
        staging.display()
    )))?;
    let written = (|| {
        for (file, text) in &files {
            std::fs::write(staging.join(file), text).map_err(ReportError::io(format!(
                "{}: cannot write",
                staging.join(file).display()
            )))?;
        }
        if out.exists() {
            std::fs::remove_dir(out).map_err(ReportError::io(format!(
                "{}: cannot replace the empty folder",
                out.display()
            )))?;
        }
        std::fs::rename(&staging, out).map_err(ReportError::io(format!(
            "{}: cannot move the packet into place",
            out.display()
        )))
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    Ok(files.into_iter().map(|(f, _)| f).collect())
}

/// The packet's files (name, text), without touching the disk. Every text is neutralised
/// (terminal control characters made visible, `call.json` with them JSON-escaped): Tier 2
/// reads these files with `cat`, and they hold recorded text and a caller's packet.
pub fn packet(call: &Call, events: &[Event], content: &Content) -> Vec<(String, String)> {
    let comp = computer_name(call);
    let mut used: BTreeSet<String> = [README, TRANSCRIPT, CALL_JSON].map(String::from).into();
    // The results a step of the call took from an attached packet: written with that step,
    // not again with the packet's other results.
    let taken: Vec<(&str, &str, &ProbeResult)> = events
        .iter()
        .filter_map(|e| {
            let o = e.record.origin().filter(|o| o.how == "packet")?;
            Some((
                o.computer.as_deref().unwrap_or(""),
                o.collected.as_deref().unwrap_or(""),
                e.record.result()?,
            ))
        })
        .collect();
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut restores = String::new();
    for e in events {
        let step = e.step().unwrap_or("");
        if let Record::Attached {
            computer,
            collected,
            steps,
            ..
        } = &e.record
        {
            let origin = Origin::packet(
                packet_side(call, computer),
                computer.clone(),
                collected.clone(),
            );
            let prefix = file_prefix(call, &comp, Some(&origin));
            for s in steps {
                let Some(result) = &s.result else {
                    continue;
                };
                if taken
                    .iter()
                    .any(|(c, at, r)| c == computer && at == collected && *r == result)
                {
                    continue;
                }
                let file = unique(&mut used, &packet_file(&prefix, computer, s, result));
                let header = format!(
                    "deskbook call {}, step {} of the packet attached at {} (no step of the call \
                     used it)\nresult {}\n",
                    call.session,
                    s.id,
                    e.at,
                    origin.describe()
                );
                outputs.push((file, format!("{header}{result}")));
            }
            continue;
        }
        let Some(result) = e.record.result() else {
            continue;
        };
        if let Record::Restored { command, .. } = &e.record {
            restores.push_str(&format!(
                "{} restore of {step}: {command}\n{result}\n",
                e.at
            ));
            continue;
        }
        let origin = e.record.origin();
        let base = file_stem(
            &file_prefix(call, &comp, origin),
            &Value::Object(e.record.payload()),
            result,
        );
        let file = unique(&mut used, &base);
        let whence = e.record.whence();
        let header = format!(
            "deskbook call {}, step {step}, {}\nresult {whence}\n",
            call.session, e.at
        );
        outputs.push((file, format!("{header}{result}")));
    }
    let mut files = Vec::new();
    let mut transcript = transcript::transcript(call, events, content);
    transcript.push_str("\nEvent log:\n");
    for e in events {
        transcript.push_str(&format!(
            "{:>4} {} {:<9} {:<24} {}\n",
            e.seq,
            e.at,
            e.kind(),
            e.step().unwrap_or("-"),
            Value::Object(e.record.payload())
        ));
    }
    if !outputs.is_empty() || !restores.is_empty() {
        transcript.push_str("\nFiles:\n");
        for (f, _) in &outputs {
            transcript.push_str(&format!("  {f}\n"));
        }
    }
    if !restores.is_empty() {
        let file = unique(&mut used, &format!("{comp}_restore.txt"));
        transcript.push_str(&format!("  {file}\n"));
        outputs.push((file, restores));
    }
    let names: Vec<&str> = outputs.iter().map(|(f, _)| f.as_str()).collect();
    files.push((README.to_string(), readme(call, &comp, &names)));
    files.push((TRANSCRIPT.to_string(), transcript));
    files.extend(outputs);
    let mut files: Vec<(String, String)> = files
        .into_iter()
        .map(|(f, text)| (f, neutralise(&text).into_owned()))
        .collect();
    let call_json = json!({ "call": call, "events": events });
    let call_json = serde_json::to_string_pretty(&call_json).unwrap_or_default() + "\n";
    files.insert(
        2,
        (CALL_JSON.to_string(), json_escaped(&call_json).into_owned()),
    );
    files
}

const README: &str = "README.txt";
const TRANSCRIPT: &str = "transcript.txt";
const CALL_JSON: &str = "call.json";

/// Which of the call's computers a packet collected on `computer` speaks for (as the
/// runtime attached it): the target when it is the target's, else the caller.
fn packet_side(call: &Call, computer: &str) -> &'static str {
    let is = |side: &str| {
        computer_of(&call.vars, side).is_some_and(|v| comp_name(&v) == comp_name(computer))
    };
    if !is("caller") && is("target") {
        "target"
    } else {
        "caller"
    }
}

/// The name of a packet step's result: the packet's own name for its file (Table 7.3's,
/// with the export's `prefix` for the packet's computer), else the export's naming.
fn packet_file(prefix: &str, computer: &str, step: &PacketStep, result: &ProbeResult) -> String {
    if let Some(name) = step
        .files
        .first()
        .filter(|f| check_member_name(f).is_ok() && !f.eq_ignore_ascii_case(README))
    {
        let own = format!("{}_", comp_name(computer));
        let rest = name.strip_prefix(&own).unwrap_or(name);
        return format!("{prefix}_{rest}");
    }
    let payload = match &step.probe {
        Some(probe) => json!({"request": {"name": probe, "args": step.args}}),
        None => json!({"command": step.command.as_deref().unwrap_or("")}),
    };
    file_stem(prefix, &payload, result)
}

/// The name a result's file starts with: `<CompName>` (Table 7.3) only for a result from
/// the caller's computer; `target-<NAME>` for the target's; `helpdesk-<HOST>` (or
/// `helpdesk`) for the help desk computer's, which says nothing about the caller's.
fn file_prefix(call: &Call, comp: &str, origin: Option<&Origin>) -> String {
    match origin.map(|o| o.from.as_str()) {
        Some("caller") => comp.to_string(),
        Some("target") => {
            let name = TARGET_INPUTS
                .iter()
                .find_map(|k| call.vars.get(*k))
                .or(origin.and_then(|o| o.computer.as_ref()));
            name.map_or_else(
                || "target".to_string(),
                |n| format!("target-{}", comp_name(n)),
            )
        }
        _ => match origin.and_then(|o| o.computer.as_deref()) {
            Some(host) => format!("helpdesk-{}", comp_name(host)),
            None => "helpdesk".to_string(),
        },
    }
}

/// The files the seed's `IPsec_Debug.vbs` writes (Table 7.3), after `<CompName>_`.
/// `<SrvName>_` marks the ones named after the computer the caller cannot reach.
const DEBUG_SCRIPT_FILES: &[&str] = &[
    "FileVer.txt",
    "gpresult.txt",
    "ipsec_547_events.txt",
    "ipsec_policy_version.txt",
    "ipseccmd_show_all.txt",
    "kerberos_events.txt",
    "klist_purge_mt.txt",
    "lsass.log",
    "netdiag.txt",
    "netsh_show_all.txt",
    "netsh_show_gpo.txt",
    "oakley.log",
    "OSInfo.txt",
    "RegDefault.txt",
    "userenv.log",
    "<SrvName>_netview.txt",
    "<SrvName>_ping.txt",
    "winlogon.log",
];

/// The packet's README: what the source material's Escalation section asks Tier 1 to pass
/// to Tier 2 with the service request, each item marked present or missing in this packet.
fn readme(call: &Call, comp: &str, files: &[&str]) -> String {
    let mark = |present: bool| if present { "[present]" } else { "[missing]" };
    let mut out = format!(
        "Escalation packet of deskbook call {} (playbook {}).\n\n\
         What Tier 1 passes to Tier 2 with the service request (source: Escalation):\n\n",
        call.session, call.playbook
    );
    let caller = CALLER_INPUTS.iter().find_map(|k| call.vars.get(*k));
    out.push_str(&format!(
        "{} The caller's machine name, so that Tier 2 can identify the log files: {}\n",
        mark(caller.is_some()),
        caller.map_or("no caller input was recorded".to_string(), |c| format!(
            "{c} (files named {comp}_...)"
        ))
    ));
    let target = TARGET_INPUTS.iter().find_map(|k| call.vars.get(*k));
    out.push_str(&format!(
        "{} The destination computer to which access is denied, so that the escalation \
         goes to the proper support group: {}\n",
        mark(target.is_some()),
        target.map_or("no target input was recorded", String::as_str)
    ));
    // A file present is listed by its name in the packet; a missing one by the name the
    // debug script would give it, `<SrvName>` being the call's target when it has one.
    let srv = target.map(|t| srv_name(t));
    let found: Vec<(String, bool)> = DEBUG_SCRIPT_FILES
        .iter()
        .map(|f| match debug_file_present(comp, f, files) {
            Some(file) => (file.to_string(), true),
            None => {
                let name = match &srv {
                    Some(srv) => f.replace("<SrvName>", srv),
                    None => f.to_string(),
                };
                (format!("{comp}_{name}"), false)
            }
        })
        .collect();
    let n = found.iter().filter(|(_, p)| *p).count();
    out.push_str(&format!(
        "{} Log files generated with the IPsec_Debug.vbs script: {n} of the {} files of \
         Table 7.3 are in this packet:\n",
        mark(n > 0),
        found.len()
    ));
    for (f, present) in &found {
        out.push_str(&format!("    {} {f}\n", mark(*present)));
    }
    out.push_str(&format!(
        "{} The steps Tier 1 took, so that Tier 2 can check that none was missed: \
         transcript.txt\n",
        mark(true)
    ));
    out.push_str(
        "\nServer isolation scenarios often have their own support team to investigate \
         membership of network access groups.\n\
         call.json holds the call and its event log as recorded; the other files are the \
         probe and command outputs, and the results of an attached evidence packet that no \
         step used, named as the debug script names its files.\n",
    );
    out
}

/// The first of `files` that is the debug-script file `name` (`<SrvName>_` standing for
/// any computer), also as a numbered repeat (`_2`).
fn debug_file_present<'a>(comp: &str, name: &str, files: &[&'a str]) -> Option<&'a str> {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    files.iter().copied().find(|f| {
        let Some(rest) = f.strip_prefix(comp).and_then(|r| r.strip_prefix('_')) else {
            return false;
        };
        let Some(base) = rest.strip_suffix(&format!(".{ext}")) else {
            return false;
        };
        // `name_2` is a repeat of `name`.
        let base = match base.rsplit_once('_') {
            Some((b, n)) if n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() => b,
            _ => base,
        };
        match stem.strip_prefix("<SrvName>_") {
            Some(what) => base
                .strip_suffix(what)
                .and_then(|b| b.strip_suffix('_'))
                .is_some_and(|srv| !srv.is_empty()),
            None => base.eq_ignore_ascii_case(stem),
        }
    })
}

/// The caller's computer as the seed's script names it (`%COMPUTERNAME%`: the first label,
/// upper case).
pub fn computer_name(call: &Call) -> String {
    CALLER_INPUTS
        .iter()
        .find_map(|k| call.vars.get(*k))
        .map_or_else(|| "UNKNOWN".to_string(), |v| comp_name(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskbook_probes::{ProbeResult, Status};

    fn result(probe: &str) -> ProbeResult {
        ProbeResult {
            probe: probe.into(),
            status: Status::Ok,
            summary: String::new(),
            data: serde_json::Map::new(),
            duration_ms: 0,
            output: String::new(),
        }
    }

    // The names of Table 7.3 in the seed: Tier 2 looks for these exact files.
    #[test]
    fn names_follow_the_seed_debug_script() {
        let ping = json!({"request": {"name": "ping", "args": {"host": "srv-files-01.woodgrovebank.com"}}});
        assert_eq!(
            file_stem("PC-0042", &ping, &result("ping")),
            "PC-0042_srv-files-01_ping.txt"
        );
        let purge = json!({"command": "klist -li 0x3e7 purge", "action": {"task": "purge-computer-tickets", "with": {}}});
        assert_eq!(
            file_stem("PC-0042", &purge, &result("command")),
            "PC-0042_klist_purge_mt.txt"
        );
        let gp = json!({"request": {"name": "command", "args": {"task": "show-rsop"}}});
        assert_eq!(
            file_stem("PC-0042", &gp, &result("command")),
            "PC-0042_gpresult.txt"
        );
        let netsh = json!({"command": "netsh ipsec static show all", "action": {"task": "show-active-policy", "with": {}}});
        assert_eq!(
            file_stem("PC-0042", &netsh, &result("command")),
            "PC-0042_netsh_show_all.txt"
        );
        // Table 7.3's `_netsh_show_gpo.txt` (servers): the assigned policy shown by netsh.
        let gpo = json!({"command": "netsh ipsec static show gpoassignedpolicy", "action": {"task": "show-assigned-policy", "with": {}}});
        assert_eq!(
            file_stem("PC-0042", &gpo, &result("command")),
            "PC-0042_netsh_show_gpo.txt"
        );
        let oakley = json!({"request": {"name": "file", "args": {"path": "C:\\Windows\\Debug\\Oakley.log"}}});
        assert_eq!(
            file_stem("PC-0042", &oakley, &result("file")),
            "PC-0042_oakley.log"
        );
        assert_eq!(
            file_stem("PC-0042", &json!({}), &result("os")),
            "PC-0042_OSInfo.txt"
        );
        let ev =
            json!({"request": {"name": "command", "args": {"task": "show-log", "pattern": "547"}}});
        assert_eq!(
            file_stem("PC-0042", &ev, &result("command")),
            "PC-0042_ipsec_547_events.txt"
        );
    }

    fn test_call() -> Call {
        let vars = [(
            "caller".to_string(),
            "pc-0042.woodgrovebank.com".to_string(),
        )]
        .into();
        deskbook_store::NewCall {
            playbook: "p",
            fingerprint: "f",
            content_version: "",
            agent: None,
            rollout: None,
            vars: &vars,
        }
        .call("s", "")
    }

    #[test]
    fn computer_name_is_the_first_label_in_upper_case() {
        assert_eq!(computer_name(&test_call()), "PC-0042");
    }

    // The README lists each item of the seed's Escalation section as present or missing.
    #[test]
    fn readme_marks_each_escalation_item() {
        let mut call = test_call();
        let files = [
            "PC-0042_gpresult.txt",
            "PC-0042_srv-files-01_ping.txt",
            "PC-0042_srv-files-01_ping_2.txt",
            "PC-0042_oakley.log",
        ];
        let text = readme(&call, "PC-0042", &files);
        assert!(text.contains("[present] The caller's machine name, so that Tier 2 can identify the log files: pc-0042.woodgrovebank.com (files named PC-0042_...)"), "{text}");
        assert!(
            text.contains("[missing] The destination computer"),
            "{text}"
        );
        assert!(
            text.contains(
                "[present] Log files generated with the IPsec_Debug.vbs script: 3 of the 18 files"
            ),
            "{text}"
        );
        // A file present is listed by its name; a missing one without a target keeps the
        // placeholder, with one it names the target.
        assert!(
            text.contains("    [present] PC-0042_srv-files-01_ping.txt\n"),
            "{text}"
        );
        assert!(
            text.contains("    [missing] PC-0042_<SrvName>_netview.txt\n"),
            "{text}"
        );
        assert!(
            text.contains("    [present] PC-0042_oakley.log\n"),
            "{text}"
        );
        assert!(text.contains("    [missing] PC-0042_lsass.log\n"), "{text}");
        call.vars
            .insert("target".into(), "srv-files-01.woodgrovebank.com".into());
        let text = readme(&call, "PC-0042", &[]);
        assert!(
            text.contains("    [missing] PC-0042_srv-files-01_netview.txt\n"),
            "{text}"
        );
        assert!(!text.contains("<SrvName>"), "{text}");
        assert!(text.contains("[present] The destination computer to which access is denied, so that the escalation goes to the proper support group: srv-files-01.woodgrovebank.com"), "{text}");
        assert!(
            text.contains(
                "[missing] Log files generated with the IPsec_Debug.vbs script: 0 of the 18"
            ),
            "{text}"
        );
    }

    #[test]
    fn repeated_names_get_a_number() {
        let mut used = BTreeSet::new();
        assert_eq!(unique(&mut used, "A_ping.txt"), "A_ping.txt");
        assert_eq!(unique(&mut used, "A_ping.txt"), "A_ping_2.txt");
        assert_eq!(unique(&mut used, "A_ping.txt"), "A_ping_3.txt");
    }
}
