//! An answers file as the agent: answers by step id, canned probe results, and a clear
//! failure at the first step it does not answer.

use deskbook_playbook::scenario::CannedProbe;
use deskbook_playbook::RunError;

use super::{Agent, Allow, At, Turn};
use crate::answers::AnswersFile;
use crate::terminal::Ui;
use crate::RuntimeError;

pub(crate) struct ScriptedAgent {
    answers: AnswersFile,
}

impl ScriptedAgent {
    pub(crate) fn new(answers: AnswersFile) -> ScriptedAgent {
        ScriptedAgent { answers }
    }

    fn missing(&self, step: &str, expected: &str) -> RuntimeError {
        RuntimeError::MissingAnswer(format!(
            "{}: no answer for step `{step}` (expected {expected})",
            self.answers.file.path
        ))
    }

    /// The file's answer for `step` (else `fallback`, a probe's pre-fill), said as it is
    /// given.
    fn answer(
        &self,
        ui: &mut Ui<'_>,
        step: &str,
        expected: &str,
        fallback: Option<&str>,
    ) -> Result<Turn, RuntimeError> {
        match self
            .answers
            .answers
            .get(step)
            .map(String::as_str)
            .or(fallback)
        {
            Some(answer) => {
                ui.say(&format!("  -> {answer}"));
                Ok(Turn::Answer(answer.to_string()))
            }
            None => Err(self.missing(step, expected)),
        }
    }
}

fn one_of(choices: &[String]) -> String {
    format!("one of: {}", choices.join(", "))
}

impl Agent for ScriptedAgent {
    fn fix_input(
        &mut self,
        _ui: &mut Ui<'_>,
        err: RunError,
    ) -> Result<(String, String), RuntimeError> {
        Err(err.into())
    }

    fn canned(&self, step: &str) -> Option<&CannedProbe> {
        self.answers.probes.get(step)
    }

    fn choose(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        choices: &[String],
        prefill: Option<&str>,
    ) -> Result<Turn, RuntimeError> {
        self.answer(ui, at.step, &one_of(choices), prefill)
    }

    fn confirm(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        choices: &[String],
    ) -> Result<Turn, RuntimeError> {
        self.answer(ui, at.step, &one_of(choices), None)
    }

    fn allow(
        &mut self,
        _ui: &mut Ui<'_>,
        at: &At<'_>,
        _line: &str,
        choices: &[String],
    ) -> Result<Allow, RuntimeError> {
        // In a script the answer is the confirmation: without one, nothing runs.
        if self.answers.answers.contains_key(at.step) {
            Ok(Allow::Run)
        } else {
            Err(self.missing(at.step, &one_of(choices)))
        }
    }

    fn judge(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        status: Option<&str>,
    ) -> Result<Turn, RuntimeError> {
        let Some(status) = status else {
            return self.answer(ui, at.step, "ok, fail or error", None);
        };
        Ok(match self.answers.answers.get(at.step) {
            Some(answer) if answer != status => {
                ui.say(&format!("  -> {answer} (overrides the probe)"));
                Turn::Answer(answer.clone())
            }
            _ => Turn::Answer(status.to_string()),
        })
    }

    fn free(&mut self, ui: &mut Ui<'_>, at: &At<'_>) -> Result<Turn, RuntimeError> {
        self.answer(ui, at.step, "a free answer", None)
    }

    fn refused(&mut self, _ui: &mut Ui<'_>, step: &str, err: RunError) -> Result<(), RuntimeError> {
        Err(RuntimeError::Answers(Box::new(
            self.answers.at_answer(step, err.to_string()),
        )))
    }
}
