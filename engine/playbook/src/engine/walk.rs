//! Moving a run on: through steps that need no reply until one waits, into called
//! playbooks and back out of them, and to the run's end.

use super::{
    internal, Engine, EngineEvent, Frame, Move, Outcome, Pos, MAX_AUTO_STEPS, MAX_RUN_STEPS,
    MAX_VISITS,
};
use crate::error::RunError;
use crate::lua::run::LuaRun;
use crate::program::Book;

impl Engine {
    pub(super) fn moved(
        &mut self,
        mv: Move,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        let Move::Goto(target) = mv;
        self.goto(&target)?;
        self.run(events)
    }

    pub(super) fn top(&mut self) -> Result<&mut Frame, RunError> {
        self.state
            .frames
            .last_mut()
            .ok_or_else(|| internal("no frame"))
    }

    /// Point the top YAML frame at step `target`.
    pub(super) fn goto(&mut self, target: &str) -> Result<(), RunError> {
        let program = self.program.clone();
        let frame = self.top()?;
        let Book::Yaml(y) = program.book(&frame.book)? else {
            return Err(internal("goto in a Lua playbook"));
        };
        let idx = y.index.get(target).copied().ok_or_else(|| {
            RunError::Step(format!(
                "{}: step `{target}` does not exist (run `deskbook check`)",
                y.file.path
            ))
        })?;
        frame.pos = Pos::Yaml { step: idx };
        Ok(())
    }

    /// Cut the path back to `len` steps (after `Back` or a failed step), with the flags its
    /// steps raised.
    pub(super) fn truncate_path(&mut self, len: usize) {
        self.path.truncate(len);
        self.flagged.retain(|(at, _)| *at < len);
    }

    /// The flags of the path as it stands, in order, each once.
    pub(super) fn flags(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, f) in &self.flagged {
            if !out.contains(f) {
                out.push(f.clone());
            }
        }
        out
    }

    /// Enter `step`, within the run's bounds ([`MAX_VISITS`] of one step,
    /// [`MAX_RUN_STEPS`] in all).
    pub(super) fn enter(
        &mut self,
        step: &str,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        let seen = self.visits.entry(step.to_string()).or_insert(0);
        if *seen >= MAX_VISITS {
            return Err(RunError::StepRepeated {
                step: step.to_string(),
                times: MAX_VISITS,
            });
        }
        if self.path.len() >= MAX_RUN_STEPS {
            return Err(RunError::TooManySteps(MAX_RUN_STEPS));
        }
        *seen += 1;
        events.push(EngineEvent::Entered {
            step: step.to_string(),
        });
        self.path.push(step.to_string());
        Ok(())
    }

    /// Count the visits again after `path` was cut back (`Back`, a refused reply).
    pub(super) fn recount(&mut self) {
        self.visits.clear();
        for step in &self.path {
            *self.visits.entry(step.clone()).or_insert(0) += 1;
        }
    }

    /// Move through steps that need no reply until one waits or the run ends.
    pub(super) fn run(&mut self, events: &mut Vec<EngineEvent>) -> Result<(), RunError> {
        for _ in 0..MAX_AUTO_STEPS {
            if self.outcome.is_some() || self.state.pending.is_some() {
                return Ok(());
            }
            let program = self.program.clone();
            let needs_host = matches!(
                self.state.frames.last(),
                Some(Frame {
                    pos: Pos::Lua { run: None, .. },
                    ..
                })
            );
            let host = if needs_host {
                Some(self.lua_host()?)
            } else {
                None
            };
            let Some(frame) = self.state.frames.last() else {
                return Ok(());
            };
            match &frame.pos {
                Pos::Lua { run: None, .. } => {
                    let Some(host) = host else {
                        return Err(internal("no Lua interpreter"));
                    };
                    let Book::Lua(book) = program.book(&frame.book)? else {
                        return Err(internal("a Lua frame for a YAML playbook"));
                    };
                    let (live, y) = LuaRun::start(&host.sandbox, &book.file, &frame.vars)
                        .map_err(RunError::Step)?;
                    let said = live.take_said();
                    events.extend(said.into_iter().map(|text| EngineEvent::Said { text }));
                    if let Some(Frame {
                        pos: Pos::Lua { run, .. },
                        ..
                    }) = self.state.frames.last_mut()
                    {
                        *run = Some(live);
                    }
                    self.lua_yielded(y, events)?;
                }
                Pos::Lua { .. } => return Err(internal("a live Lua frame with nothing pending")),
                Pos::Yaml { step } => {
                    let step = *step;
                    let Book::Yaml(y) = program.book(&frame.book)? else {
                        return Err(internal("a YAML position in a Lua playbook"));
                    };
                    self.yaml_step(y, step, events)?;
                }
            }
        }
        Err(RunError::TooManySteps(MAX_AUTO_STEPS))
    }

    /// The top playbook ended: return to the calling step (its `on` picks the next step), or
    /// end the run.
    pub(super) fn end_frame(
        &mut self,
        end: Ended,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        self.state.frames.pop();
        if let Some(text) = &end.say {
            events.push(EngineEvent::Said { text: text.clone() });
        }
        if let Some(parent) = self.state.frames.last() {
            if let Pos::Yaml { step } = parent.pos {
                if let Book::Yaml(y) = self.program.book(&parent.book)? {
                    let target = y.pb.steps[step]
                        .on
                        .as_ref()
                        .and_then(|on| on.get(&end.status).cloned());
                    if let Some(t) = target {
                        return self.goto(&t);
                    }
                }
            }
        }
        // No caller maps this status: the run ends here.
        self.state.frames.clear();
        let outcome = Outcome {
            playbook: self.root.clone(),
            status: end.status,
            category: end.category,
            escalate: end.escalate,
            collect: end.collect,
            say: end.say,
            path: self.path.clone(),
            flags: self.flags(),
        };
        self.report_restores(events);
        events.push(EngineEvent::Ended(outcome.clone()));
        self.outcome = Some(outcome);
        self.state.pending = None;
        Ok(())
    }
}

/// How a playbook ended, before it is known whether the run ends with it.
pub(super) struct Ended {
    pub(super) status: String,
    pub(super) category: String,
    pub(super) escalate: Option<String>,
    pub(super) collect: Vec<String>,
    pub(super) say: Option<String>,
}
