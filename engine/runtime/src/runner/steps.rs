//! The runner's work at each kind of step before the agent answers: running a question's
//! probe, a `do` step's command once the agent allows it (or showing it under `--dry-run`),
//! a probe step's probe; then turning the agent's turn into the reply and its notes.

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
            let (result, notes) = self.run_probe(at.step, request);
            return Ok(Some((Reply::Probe(result), notes)));
        }
        let mut notes = Map::new();
        let turn = self.agent.choose(&mut self.ui, at, choices, prefill)?;
        if let (Some(p), Turn::Answer(answer)) = (prefill, &turn) {
            notes.insert("prefill".into(), json!(p));
            notes.insert("overridden".into(), json!(p != answer));
        }
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
            return Ok(submission(turn, Map::new()));
        };
        let step = at.step;
        let line = self.probes.describe(action);
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
            let result = c.result("command");
            self.ui.probe_result(&line, &result, true);
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
        self.ui.probe_result("command", &result, false);
        Ok(Some((Reply::Probe(result), notes)))
    }

    pub(super) fn probe_step(
        &mut self,
        at: &At<'_>,
        request: &ProbeRequest,
    ) -> Result<Option<Submission>, RuntimeError> {
        if self.state.result.is_none() {
            let r = self.run_probe(at.step, request);
            self.state.result = Some(r);
        }
        let Some((result, notes)) = self.state.result.clone() else {
            return Ok(None);
        };
        let status = result.status.as_str().to_string();
        let answer = match self.agent.judge(&mut self.ui, at, &status)? {
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
        self.ui.probe_result(
            &describe_request(request),
            &result,
            notes.get("canned") == Some(&json!(true)),
        );
        (result, notes)
    }
}
