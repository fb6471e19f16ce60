//! Where a step's probe or command runs (DESIGN.md, Probes), during a call.
//!
//! Only `from: helpdesk` probes and commands run here, on the help desk's computer, and
//! their results are shown and recorded as coming from it (its host name). Such a result
//! says nothing about the caller's or the target's computer: at a step about one of them
//! it pre-fills nothing and decides nothing alone; the agent answers. A `from: caller`
//! (or `target`) probe takes its result from that computer's attached evidence packet;
//! without one the agent is shown the exact command to have run there (from the tool
//! matrix, for that computer's OS when known, else for each OS) and types what is read
//! out. A `do` step's command for another computer is shown for it, never run here; the
//! agent answers done or failed.

use std::collections::BTreeMap;

use deskbook_content::playbook::Vantage;
use deskbook_playbook::{ActionRequest, ProbeRequest};
use deskbook_probes::{ProbeResult, TaskResolver};
use deskbook_store::{computer_of, Origin, CALLER_INPUTS, TARGET_INPUTS};
use serde_json::{json, Map, Value};

use super::{describe_request, Runner};
use crate::evidence;
use crate::probing::{fill_placeholders as fill, shell_words_join};

/// A task's placeholder and the probe argument that fills it.
type Placeholders = &'static [(&'static str, &'static str)];

/// The probes that a person can reproduce on another computer with a tool-matrix task,
/// and the probe argument each of the task's placeholders takes.
const PROBE_TASKS: &[(&str, &str, Placeholders)] = &[
    ("ping", "test-connection", &[("host", "host")]),
    ("tcp", "test-port", &[("host", "host"), ("port", "port")]),
    ("resolve", "lookup-name", &[("name", "name")]),
];

impl Runner<'_> {
    /// The result of a step's probe, from where the step says it runs; `None` when it is
    /// for another computer and no packet answers it: the command to run there is shown,
    /// and the agent's answer stands for the result.
    pub(super) fn obtain(
        &mut self,
        step: &str,
        text: &str,
        request: &ProbeRequest,
    ) -> Option<(ProbeResult, Map<String, Value>)> {
        let canned = self.agent.canned(step).is_some();
        if request.from == Vantage::Helpdesk {
            let (result, mut notes) = self.run_probe(step, request);
            // A canned result ran nowhere; only a live one names this computer.
            let origin = if canned {
                Origin::canned(Vantage::Helpdesk.as_str(), None)
            } else {
                Origin::probe(self.host())
            };
            notes.insert("origin".into(), json!(origin));
            if let Some(whose) = self.about(text, &request.args) {
                self.state.no_prefill = true;
                let ask = if whose == "the target" {
                    "answer from what the caller or the target's administrator sees"
                } else {
                    "ask the caller"
                };
                self.ui.say(&format!(
                    "  (this result is from this help desk computer ({}); it says nothing about {whose}: {ask})",
                    self.host()
                ));
            }
            return Some((result, notes));
        }
        if canned {
            let (result, mut notes) = self.run_probe(step, request);
            notes.insert(
                "origin".into(),
                json!(Origin::canned(
                    request.from.as_str(),
                    self.computer_of(request.from)
                )),
            );
            return Some((result, notes));
        }
        self.refresh_attachments();
        let answered = self
            .attachments
            .iter()
            .rev()
            .find_map(|a| a.answer(request).map(|r| (r, a.label(), a.origin())));
        if let Some((result, label, origin)) = answered {
            let mut notes = Map::new();
            notes.insert("request".into(), json!(request));
            notes.insert("canned".into(), json!(false));
            notes.insert("origin".into(), json!(origin));
            self.ui.say(&format!(
                "  probe {}: {}: {} (from {label})",
                describe_request(request),
                result.status,
                result.summary
            ));
            return Some((result, notes));
        }
        let lines = self.probe_lines(request);
        self.show_remote(request.from, "run and read out", &lines);
        self.state.readout = Some((request.from, lines.join("\n")));
        None
    }

    /// Show the command of a `do` step for another computer; the agent answers.
    pub(super) fn show_remote_action(&mut self, action: &ActionRequest) {
        let lines = self.action_lines(action);
        self.show_remote(action.from, "run", &lines);
        self.state.readout = Some((action.from, lines.join("\n")));
    }

    /// What the agent's answer adds to its record when it stands for another computer.
    pub(super) fn readout_notes(&self, notes: &mut Map<String, Value>) {
        if let Some((from, command)) = &self.state.readout {
            notes.insert("from".into(), json!(from.as_str()));
            notes.insert("command".into(), json!(command));
        }
    }

    /// Take in packets attached meanwhile (`sessions attach` from another desk while this
    /// call runs).
    fn refresh_attachments(&mut self) {
        if self.log.refresh().unwrap_or(false) {
            self.attachments = evidence::attachments(&self.log.events, &self.log.call.vars);
        }
    }

    /// `Some("the caller's computer")` when a step is about the caller's or the target's
    /// computer: its text speaks of the caller or names their computer, or its probe is
    /// aimed at one of them.
    pub(super) fn about(
        &self,
        text: &str,
        args: &BTreeMap<String, String>,
    ) -> Option<&'static str> {
        let vars = &self.log.call.vars;
        let named = |names: &[&str]| -> Vec<String> {
            names
                .iter()
                .filter_map(|k| vars.get(*k))
                .filter(|v| !v.trim().is_empty())
                .map(|v| v.to_lowercase())
                .collect()
        };
        let lower = text.to_lowercase();
        let hit = |values: &[String]| {
            values.iter().any(|v| {
                lower.contains(v.as_str()) || args.values().any(|a| a.eq_ignore_ascii_case(v))
            })
        };
        if lower.contains("caller") || hit(&named(CALLER_INPUTS)) {
            Some("the caller's computer")
        } else if hit(&named(TARGET_INPUTS)) {
            Some("the target")
        } else {
            None
        }
    }

    /// The name of the computer `from` stands for, when the call knows it: the store's
    /// one rule over the call's inputs, with what the run has set since (a `side` chosen
    /// during the call).
    fn computer_of(&self, from: Vantage) -> Option<String> {
        if from == Vantage::Helpdesk {
            return Some(self.host());
        }
        let mut vars = self.log.call.vars.clone();
        for k in ["side", "computer"] {
            if let Some(v) = self.engine.vars().get(k).and_then(Value::as_str) {
                vars.insert(k.to_string(), v.to_string());
            }
        }
        computer_of(&vars, from.as_str())
    }

    /// `on the caller's computer (PC-0042), have them run and read out:` and the lines.
    fn show_remote(&mut self, from: Vantage, what: &str, lines: &[String]) {
        let whose = match from {
            Vantage::Caller => "the caller's computer",
            Vantage::Target => "the target",
            Vantage::Helpdesk => "this help desk computer",
        };
        let name = self
            .computer_of(from)
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let who = if from == Vantage::Caller {
            "ask the caller to"
        } else {
            "have its administrator"
        };
        self.ui
            .say(&format!("  not run here: on {whose}{name}, {who} {what}:"));
        for l in lines {
            self.ui.say(&format!("    {l}"));
        }
    }

    /// The tool-matrix OS of the other computer: the `os` variable, else an attached
    /// packet's.
    fn remote_os(&self, from: Vantage) -> Option<String> {
        if let Some(os) = self.engine.vars().get("os").and_then(Value::as_str) {
            return Some(os.to_string());
        }
        self.attachments
            .iter()
            .rev()
            .find(|a| a.side == from)
            .and_then(|a| a.os_id.clone())
    }

    /// The command lines a person types on the other computer to get a probe's answer.
    fn probe_lines(&self, request: &ProbeRequest) -> Vec<String> {
        if request.name == "command" {
            if let Some(argv) = request.args.get("argv") {
                // As the probe reads it (a JSON array or a command line); what it would
                // refuse is shown as written.
                return match deskbook_probes::parse_argv(argv) {
                    Ok(words) => vec![shell_words_join(&words)],
                    Err(_) => vec![argv.clone()],
                };
            }
            if let Some(task) = request.args.get("task") {
                return self.task_lines(request.from, task, &request.args);
            }
        }
        if let Some((_, task, params)) = PROBE_TASKS.iter().find(|(p, _, _)| *p == request.name) {
            let with = params
                .iter()
                .filter_map(|(placeholder, arg)| {
                    request
                        .args
                        .get(*arg)
                        .map(|v| (placeholder.to_string(), v.clone()))
                })
                .collect();
            return self.task_lines(request.from, task, &with);
        }
        vec![format!(
            "(no tool in the matrix does `{}` by hand: take it from the caller's evidence packet, `deskbook collect`)",
            describe_request(request)
        )]
    }

    /// The command lines of a `do` step's command on the computer it is for.
    pub(super) fn action_lines(&self, action: &ActionRequest) -> Vec<String> {
        if let Some(argv) = &action.argv {
            return vec![shell_words_join(argv)];
        }
        match &action.task {
            Some(task) => self.task_lines(action.from, task, &action.with),
            None => Vec::new(),
        }
    }

    /// A task's command line for the other computer's OS, or for each OS (OSes that share
    /// a line listed together).
    fn task_lines(
        &self,
        from: Vantage,
        task: &str,
        with: &BTreeMap<String, String>,
    ) -> Vec<String> {
        if let Some(os) = self.remote_os(from) {
            return match self.tasks.command(&os, task) {
                Some(line) => vec![fill(&line, with)],
                None => vec![format!("(no tool in the matrix does `{task}` on {os})")],
            };
        }
        let mut grouped: Vec<(Vec<String>, String)> = Vec::new();
        for (os, line) in self.tasks.commands(task) {
            let line = fill(&line, with);
            match grouped.iter_mut().find(|(_, l)| *l == line) {
                Some((oses, _)) => oses.push(os),
                None => grouped.push((vec![os], line)),
            }
        }
        if grouped.is_empty() {
            return vec![format!("(no tool in the matrix does `{task}`)")];
        }
        grouped
            .into_iter()
            .map(|(oses, line)| format!("{}: {line}", oses.join(", ")))
            .collect()
    }
}
