//! Tasks and operating systems: every tool-matrix task a playbook runs has a command for
//! each operating system the playbook supports (its `os:`), so a run on any of them finds
//! the command it needs; and those OS ids are known.

use std::collections::BTreeSet;

use deskbook_content::vocab::OS_IDS;
use deskbook_content::Content;

use crate::template;

use super::yaml::YamlCheck;

/// Which tasks the tool matrix has a command for, per OS (tools available there only).
pub(super) struct Matrix {
    have: BTreeSet<(String, String)>,
}

impl Matrix {
    pub(super) fn new(content: &Content) -> Matrix {
        let mut have = BTreeSet::new();
        for item in &content.items {
            let Some(tool) = &item.meta.tool else {
                continue;
            };
            for (os, on) in &tool.os {
                if on.available {
                    for task in on.tasks.keys() {
                        have.insert((os.clone(), task.clone()));
                    }
                }
            }
        }
        Matrix { have }
    }

    /// The OSes of `os` for which no available tool does `task`.
    pub(super) fn lacking<'o>(&self, os: &'o [String], task: &str) -> Vec<&'o str> {
        os.iter()
            .filter(|o| OS_IDS.contains(&o.as_str()))
            .filter(|o| !self.have.contains(&(o.to_string(), task.to_string())))
            .map(String::as_str)
            .collect()
    }
}

/// The message for a task the matrix lacks on some of the playbook's OSes.
pub(super) fn lacking_message(task: &str, playbook: &str, lacking: &[&str]) -> String {
    format!(
        "task `{task}` has no command for {} in the tool matrix, yet playbook `{playbook}` supports {} (`os:`): add it to a tool item's `tool.os.<os>.tasks`",
        lacking.join(", "),
        if lacking.len() == 1 { "it" } else { "them" }
    )
}

/// The OS ids of `os` that are not tool-matrix OS ids.
pub(super) fn unknown_os(os: &[String]) -> Vec<&str> {
    os.iter()
        .map(String::as_str)
        .filter(|o| !OS_IDS.contains(o))
        .collect()
}

pub(super) fn unknown_os_message(os: &str) -> String {
    format!(
        "unknown OS `{os}` in `os`: expected one of {}",
        OS_IDS.join(", ")
    )
}

impl YamlCheck<'_> {
    /// `os:` names known OSes, and every task the steps run exists for each of them.
    pub(super) fn check_tasks(&mut self) {
        let pb = self.pb;
        for os in unknown_os(&pb.os) {
            let (line, _) = self.top_pos("os");
            let pos = self.file.locate(os, line).unwrap_or((line, 1));
            self.err(pos, unknown_os_message(os));
        }
        if pb.os.is_empty() {
            return;
        }
        for (i, s) in pb.steps.iter().enumerate() {
            let mut tasks: Vec<(&str, &str)> = Vec::new();
            for (field, action) in [("command", &s.command), ("restore", &s.restore)] {
                if let Some(t) = action.as_ref().and_then(|a| a.task.as_deref()) {
                    tasks.push((field, t));
                }
            }
            if let Some(p) = s.probe_call().filter(|p| p.name == "command") {
                if let Some(t) = p.with.get("task") {
                    tasks.push(("probe", t));
                }
            }
            for (field, task) in tasks {
                if template::is_template(task) {
                    continue;
                }
                let lacking = self.matrix.lacking(&pb.os, task);
                if !lacking.is_empty() {
                    let pos = self.value_pos(i, field, task);
                    self.err(pos, lacking_message(task, &pb.id, &lacking));
                }
            }
        }
    }
}
