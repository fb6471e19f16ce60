//! The restore actions a run arms: a `do` step with a `restore` arms it once its command
//! ran (or its confirmation was given), and the run's end reports them, most recent first.

use super::request::render_action;
use super::{ActionRequest, Engine, EngineEvent, Pos};
use crate::error::RunError;
use crate::program::Book;

impl Engine {
    /// Restore actions armed so far, most recent first: what the runtime must run when it
    /// abandons a run that did not end. (At the end they come as [`EngineEvent::Restore`].)
    pub fn restores(&self) -> Vec<ActionRequest> {
        self.restores.iter().rev().cloned().collect()
    }

    /// Arm the pending `do` step's restore action (once per step).
    pub(super) fn arm_restore(&mut self) -> Result<(), RunError> {
        let Some(frame) = self.state.frames.last() else {
            return Ok(());
        };
        let Pos::Yaml { step } = frame.pos else {
            return Ok(());
        };
        let Book::Yaml(y) = self.program.book(&frame.book)? else {
            return Ok(());
        };
        let s = &y.pb.steps[step];
        let Some(restore) = &s.restore else {
            return Ok(());
        };
        let qid = format!("{}{}", frame.prefix, s.id);
        if self.restores.iter().any(|r| r.step == qid) {
            return Ok(());
        }
        let action = render_action(y, &s.id, &qid, "restore", restore, &frame.vars)?;
        self.restores.push(action);
        Ok(())
    }

    /// The run ended: every armed restore, most recent first, for the runtime to run.
    pub(super) fn report_restores(&self, events: &mut Vec<EngineEvent>) {
        for action in self.restores.iter().rev() {
            events.push(EngineEvent::Restore {
                action: action.clone(),
            });
        }
    }
}
