//! Restores, in one place: which commands of the run really ran and are not restored yet
//! (only those get restored), running a restore when the engine reports it, and restoring
//! everything still armed when a run is abandoned (a failure, Ctrl-C).

use std::collections::HashSet;

use deskbook_content::Content;
use deskbook_playbook::ActionRequest;
use deskbook_store::{Event, Record};

use super::Runner;
use crate::log;
use crate::RuntimeError;

/// Steps whose command really ran (not canned, not dry) and has not been restored.
#[derive(Debug, Default)]
pub(super) struct Armed(HashSet<String>);

impl Armed {
    /// Which commands of a recorded run really ran and are not restored yet.
    pub(super) fn from_log(events: &[Event]) -> Armed {
        let mut armed = Armed::default();
        for e in events {
            armed.recorded(&e.record);
        }
        armed
    }

    /// A record was committed: a command that really ran arms its step's restore, a canned
    /// one and a restore disarm it.
    pub(super) fn recorded(&mut self, record: &Record) {
        match record {
            Record::Ran {
                step, canned: true, ..
            }
            | Record::Restored { step, .. } => {
                self.0.remove(step);
            }
            Record::Ran { step, .. } => {
                self.0.insert(step.clone());
            }
            _ => {}
        }
    }

    /// Whether `step`'s restore is due, and forget it.
    fn take(&mut self, step: &str) -> bool {
        self.0.remove(step)
    }
}

impl Runner<'_> {
    /// Run a restore action unless its command never ran here (canned, dry run) or it was
    /// already restored.
    pub(super) fn restore(&mut self, action: &ActionRequest) -> Result<(), RuntimeError> {
        let line = self.probes.describe(action);
        if self.opts.dry_run {
            self.ui
                .say(&format!("  would restore ({}): {line}", action.step));
            self.would_run.push(line);
            return Ok(());
        }
        if !self.armed.take(&action.step) {
            return Ok(());
        }
        self.ui.say(&format!(
            "  restoring what `{}` changed: {line}",
            action.step
        ));
        let result = self.probes.run(&action.probe_request());
        let how = format!("on this help desk computer ({})", self.host());
        self.ui.probe_result("command", &result, &how);
        let record = Record::Restored {
            step: action.step.clone(),
            action: log::action(action),
            command: line,
            result,
        };
        self.armed.recorded(&record);
        self.log.record(record)
    }

    /// The run stops before its end: restore everything still armed, most recent first.
    /// A failing restore must not stop the others.
    pub(super) fn restore_abandoned(&mut self) {
        for action in self.engine.restores() {
            let _ = self.restore(&action);
        }
    }
}

/// Whether the YAML step `step` (qualified as the engine gives it, in a run of `root`)
/// declares a restore; for the dry-run notice only.
pub(super) fn action_restores(content: &Content, root: &str, step: &str) -> bool {
    let (pb, id) = step.rsplit_once('/').unwrap_or((root, step));
    content
        .playbook(pb)
        .and_then(|doc| doc.yaml())
        .is_some_and(|y| y.steps.iter().any(|s| s.id == id && s.restore.is_some()))
}
