//! The runner's work at each kind of step before the agent answers: running a question's
//! probe, a `do` step's command once the agent allows it (or showing it under `--dry-run`),
//! a probe step's probe; then turning the agent's turn into the reply and its notes.

use deskbook_content::playbook::Vantage;
use deskbook_playbook::{ActionRequest, ProbeRequest, Reply};
use deskbook_probes::ProbeResult;
use deskbook_store::Record;
use serde_json::{json, Map, Value};

use super::restore::action_restores;
use super::{describe_request, submission, Runner, Submission};
use crate::agent::{Allow, At, Turn};
use crate::log;
use crate::RuntimeError;

impl Runner<'_> {
    pub(super) fn ask(
        &mut self,
        at: &At<'_>,
        choices: &[String],
        probe: Option<&ProbeRequest>,
        prefill: Option<&str>,
    ) -> Result<Option<Submission>, RuntimeError> {
        if let Some(request) = probe.filter(|_| !self.state.probed) {
            self.state.probed = true;
            if let Some((result, notes)) = self.obtain(at.step, at.text, request) {
                return Ok(Some((Reply::Probe(result), notes)));
            }
        }
        // A help desk result at a question about another computer suggests nothing.
        let prefill = prefill.filter(|_| !self.state.no_prefill);
        let mut notes = Map::new();
        let turn = self.agent.choose(&mut self.ui, at, choices, prefill)?;
        if let (Some(p), Turn::Answer(answer)) = (prefill, &turn) {
            notes.insert("prefill".into(), json!(p));
            notes.insert("overridden".into(), json!(p != answer));
        }
        self.readout_notes(&mut notes);
        Ok(submission(turn, notes))
    }

    pub(super) fn confirm(
        &mut self,
        at: &At<'_>,
        command: Option<&ActionRequest>,
        choices: &[String],
    ) -> Result<Option<Submission>, RuntimeError> {
        let Some(action) = command.filter(|_| !self.state.probed) else {
            let turn = self.agent.confirm(&mut self.ui, at, choices)?;
            let mut notes = Map::new();
            self.readout_notes(&mut notes);
            return Ok(submission(turn, notes));
        };
        let step = at.step;
        if action.from != Vantage::Helpdesk && self.agent.canned(step).is_none() {
            // A command for another computer runs there, never here: shown, then answered.
            self.state.probed = true;
            self.show_remote_action(action);
            let turn = self.agent.confirm(&mut self.ui, at, choices)?;
            let mut notes = Map::new();
            self.readout_notes(&mut notes);
            return Ok(submission(turn, notes));
        }
        // A canned result of another computer's command is shown with that computer's line.
        let line = if action.from == Vantage::Helpdesk {
            self.probes.describe(action)
        } else {
            self.action_lines(action).join("; ")
        };
        let mut notes = Map::new();
        notes.insert("command".into(), json!(line));
        notes.insert("action".into(), json!(action));
        let canned = self.agent.canned(step).cloned();
        if self.opts.dry_run && canned.is_none() {
            self.ui.say(&format!("  would run: {line}"));
            if action_restores(self.content, &self.log.call.playbook, step) {
                self.ui.say("  (and restore it when the run ends)");
            }
            self.would_run.push(line);
            self.state.probed = true;
            return Ok(None);
        }
        if let Some(c) = canned {
            self.state.probed = true;
            notes.insert("canned".into(), json!(true));
            notes.insert(
                "origin".into(),
                json!(deskbook_store::Origin::canned(action.from.as_str(), None)),
            );
            let result = c.result("command");
            self.ui.probe_result(&line, &result, "canned");
            return Ok(Some((Reply::Probe(result), notes)));
        }
        match self.agent.allow(&mut self.ui, at, &line, choices)? {
            Allow::Run => {}
            Allow::Skip => {
                self.state.probed = true;
                self.log.record(Record::Declined {
                    step: step.to_string(),
                    command: line,
                })?;
                return Ok(None);
            }
            Allow::Turn(turn) => return Ok(submission(turn, Map::new())),
        }
        self.state.probed = true;
        notes.insert("canned".into(), json!(false));
        self.ui.say(&format!("  running: {line}"));
        let result = self.run_live(&action.probe_request());
        let how = format!("on this help desk computer ({})", self.host());
        self.ui.probe_result("command", &result, &how);
        notes.insert(
            "origin".into(),
            json!(deskbook_store::Origin::probe(self.host())),
        );
        Ok(Some((Reply::Probe(result), notes)))
    }

    pub(super) fn probe_step(
        &mut self,
        at: &At<'_>,
        request: &ProbeRequest,
    ) -> Result<Option<Submission>, RuntimeError> {
        if !self.state.probed {
            self.state.probed = true;
            self.state.result = self.obtain(at.step, at.text, request);
        }
        let Some((result, notes)) = self.state.result.clone() else {
            // Not run here: the agent types the outcome the other computer showed.
            let turn = self.agent.judge(&mut self.ui, at, None)?;
            let mut notes = Map::new();
            self.readout_notes(&mut notes);
            return Ok(submission(turn, notes));
        };
        let status = result.status.as_str().to_string();
        // A help desk result about another computer decides nothing alone.
        let offered = (!self.state.no_prefill).then_some(status.as_str());
        let answer = match self.agent.judge(&mut self.ui, at, offered)? {
            Turn::Answer(a) => a,
            other => return Ok(submission(other, Map::new())),
        };
        if answer == status {
            return Ok(Some((Reply::Probe(result), notes)));
        }
        // Overridden: the probe's result is kept as observed, the agent's status decides.
        let observed = log::observed(at.step, &result, &notes)?;
        self.log.record(observed)?;
        let mut n = Map::new();
        n.insert("prefill".into(), json!(status));
        n.insert("overridden".into(), json!(true));
        Ok(Some((Reply::Answer(answer), n)))
    }

    /// Run a probe, or take its canned result; under `--dry-run` a `command` probe is shown
    /// and not run.
    pub(super) fn run_probe(
        &mut self,
        step: &str,
        request: &ProbeRequest,
    ) -> (ProbeResult, Map<String, Value>) {
        let mut notes = Map::new();
        notes.insert("request".into(), json!(request));
        let canned = self.agent.canned(step).cloned();
        let result = if let Some(c) = canned {
            notes.insert("canned".into(), json!(true));
            c.result(&request.name)
        } else if self.opts.dry_run && request.name == "command" {
            let line = describe_request(request);
            self.ui.say(&format!("  would run: {line}"));
            self.would_run.push(line);
            notes.insert("canned".into(), json!(true));
            ProbeResult::error("command", "not run: --dry-run")
        } else {
            notes.insert("canned".into(), json!(false));
            self.run_live(request)
        };
        let how = if notes.get("canned") == Some(&json!(true)) {
            "canned".to_string()
        } else {
            format!("from this help desk computer ({})", self.host())
        };
        self.ui
            .probe_result(&describe_request(request), &result, &how);
        (result, notes)
    }
}
