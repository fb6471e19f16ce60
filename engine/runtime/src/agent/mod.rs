//! The agent's side of a run, behind one interface: [`Agent`] answers what the runner asks
//! at each step. [`terminal::TerminalAgent`] is a person typing at a terminal (or into a
//! pipe); [`scripted::ScriptedAgent`] is an answers file. The runner does everything else
//! the same way for both: it runs probes and commands, records events and prints the steps.

use deskbook_playbook::scenario::CannedProbe;
use deskbook_playbook::{Reply, RunError};

use crate::terminal::Ui;
use crate::RuntimeError;

pub(crate) mod scripted;
pub(crate) mod terminal;

/// The step the runner asks about.
pub(crate) struct At<'s> {
    /// Its qualified id.
    pub step: &'s str,
    /// Its question or instruction, as shown.
    pub text: &'s str,
    /// The items it links (`?` opens them).
    pub help: &'s [String],
    /// The free answer given here before the agent went back, offered as the default.
    pub previous: Option<&'s str>,
    /// Where the call is (`w`): the path so far, this step, the branches still open.
    pub whereabouts: &'s str,
}

/// What the agent gives a step.
#[derive(Debug)]
pub(crate) enum Turn {
    /// A choice label, a free answer, or (at a probe step) the status to keep: the probe's
    /// own status accepts its result, another overrides it.
    Answer(String),
    /// A reply other than an answer: `Back` or a note.
    Reply(Reply),
    /// Nothing to submit (help or where the call is was shown): ask the same step again.
    Again,
}

/// Whether a `do` step's command may run.
#[derive(Debug)]
pub(crate) enum Allow {
    Run,
    /// Skipped: done another way (recorded as declined).
    Skip,
    Turn(Turn),
}

/// Who answers the steps of a run.
pub(crate) trait Agent {
    /// The step changed (or was re-entered): what was offered at the old one is forgotten.
    fn new_step(&mut self) {}

    /// The playbook refused its inputs (missing or not fitting): the input's name and a
    /// value to try, or the error to stop with.
    fn fix_input(
        &mut self,
        ui: &mut Ui<'_>,
        err: RunError,
    ) -> Result<(String, String), RuntimeError>;

    /// A canned result for the step's probe or command, instead of running it.
    fn canned(&self, step: &str) -> Option<&CannedProbe>;

    /// Pick one of a question's `choices` (`prefill`: what its probe suggests).
    fn choose(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        choices: &[String],
        prefill: Option<&str>,
    ) -> Result<Turn, RuntimeError>;

    /// Confirm an instruction with one of `choices`.
    fn confirm(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        choices: &[String],
    ) -> Result<Turn, RuntimeError>;

    /// Whether the step's command (shown as `line`) runs now.
    fn allow(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        line: &str,
        choices: &[String],
    ) -> Result<Allow, RuntimeError>;

    /// Keep a probe step's result (`Answer(status)`) or override it with another status;
    /// with no `status` offered (the probe did not run here, or its result is about
    /// another computer), give the status: ok, fail or error.
    fn judge(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        status: Option<&str>,
    ) -> Result<Turn, RuntimeError>;

    /// A free answer.
    fn free(&mut self, ui: &mut Ui<'_>, at: &At<'_>) -> Result<Turn, RuntimeError>;

    /// The engine refused a reply: show it and ask again, or stop.
    fn refused(&mut self, ui: &mut Ui<'_>, step: &str, err: RunError) -> Result<(), RuntimeError>;
}
