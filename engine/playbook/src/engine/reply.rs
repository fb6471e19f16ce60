//! Taking a reply: an answer, a probe result, `Back` (restore the saved state) or a note.
//! A reply that fails leaves the run exactly as it was.

use deskbook_probes::{ProbeResult, Status};
use serde_json::Map;

use super::{Engine, EngineEvent, Pending, Reply, MAX_ANSWER};
use crate::error::RunError;

impl Engine {
    /// Give the pending step its reply. On error nothing changed (the same step waits).
    pub fn submit(&mut self, reply: Reply) -> Result<Vec<EngineEvent>, RunError> {
        if self.outcome.is_some() {
            return Err(RunError::Ended);
        }
        let Some(pending) = self.state.pending.clone() else {
            return Err(RunError::Ended);
        };
        let step = pending.step().to_string();
        match reply {
            Reply::Note(text) => {
                free_text(&step, "a note", &text)?;
                Ok(vec![EngineEvent::Noted { step, text }])
            }
            Reply::Back => {
                let Some(prev) = self.history.pop() else {
                    return Err(RunError::NothingToGoBack(step));
                };
                let current = std::mem::replace(&mut self.state, prev);
                self.truncate_path(self.state.path_len);
                self.recount();
                self.lua_log.truncate(self.state.lua_log_len);
                if let Err(e) = self.revive() {
                    // Put everything back as it was.
                    let prev = std::mem::replace(&mut self.state, current);
                    self.history.push(prev);
                    return Err(e);
                }
                let to = self
                    .state
                    .pending
                    .as_ref()
                    .map(|p| p.step().to_string())
                    .unwrap_or_default();
                Ok(vec![EngineEvent::Back { from: step, to }])
            }
            Reply::Answer(answer) => self.answer(pending, answer),
            Reply::Probe(result) => self.probe(pending, result),
        }
    }

    pub(super) fn answer(
        &mut self,
        pending: Pending,
        answer: String,
    ) -> Result<Vec<EngineEvent>, RunError> {
        let step = pending.step().to_string();
        let label = match &pending {
            Pending::Ask { choices, .. } | Pending::Confirm { choices, .. } => {
                match_choice(&step, choices, &answer)?
            }
            Pending::Input { .. } => {
                free_text(&step, "an answer", &answer)?;
                answer
            }
            Pending::Probe { request, .. } => {
                let status = match answer.trim() {
                    "ok" => Status::Ok,
                    "fail" => Status::Fail,
                    "error" => Status::Error,
                    _ => {
                        return Err(RunError::BadAnswer {
                            step,
                            answer,
                            expected: vec!["ok".into(), "fail".into(), "error".into()],
                        })
                    }
                };
                let result = ProbeResult {
                    probe: request.name.clone(),
                    status,
                    summary: "entered by the agent".into(),
                    data: Map::new(),
                    duration_ms: 0,
                    output: String::new(),
                };
                let mut events = vec![EngineEvent::Answered {
                    step: step.clone(),
                    answer: status.as_str().to_string(),
                }];
                self.advance(&mut events, |me, ev| me.after_probe_step(result, ev))?;
                return Ok(events);
            }
        };
        let mut events = vec![EngineEvent::Answered {
            step,
            answer: label.clone(),
        }];
        self.advance(&mut events, |me, ev| me.after_answer(label, ev))?;
        Ok(events)
    }

    pub(super) fn probe(
        &mut self,
        pending: Pending,
        result: ProbeResult,
    ) -> Result<Vec<EngineEvent>, RunError> {
        let step = pending.step().to_string();
        match pending {
            Pending::Ask { probe: Some(_), .. } => {
                let prefill = self.prefill(&result);
                if let Some(Pending::Ask {
                    probe, prefill: p, ..
                }) = &mut self.state.pending
                {
                    *probe = None;
                    *p = prefill;
                }
                Ok(vec![EngineEvent::Probed { step, result }])
            }
            Pending::Confirm {
                command: Some(_), ..
            } => {
                self.arm_restore()?;
                if let Some(Pending::Confirm { command, .. }) = &mut self.state.pending {
                    *command = None;
                }
                Ok(vec![EngineEvent::Probed { step, result }])
            }
            Pending::Probe { .. } => {
                let mut events = vec![EngineEvent::Probed {
                    step,
                    result: result.clone(),
                }];
                self.advance(&mut events, |me, ev| me.after_probe_step(result, ev))?;
                Ok(events)
            }
            other => Err(RunError::UnexpectedReply {
                step,
                expected: match other {
                    Pending::Confirm { .. } => "a confirmation".into(),
                    Pending::Input { .. } => "an answer".into(),
                    _ => "an answer (one of its choices)".into(),
                },
                got: "a probe result".into(),
            }),
        }
    }

    /// Run `f` (which moves the run on); on success remember the state before it for
    /// `Back`, on failure put everything back.
    pub(super) fn advance(
        &mut self,
        events: &mut Vec<EngineEvent>,
        f: impl FnOnce(&mut Self, &mut Vec<EngineEvent>) -> Result<(), RunError>,
    ) -> Result<(), RunError> {
        let mut saved = self.state.clone();
        saved.path_len = self.path.len();
        saved.lua_log_len = self.lua_log.len();
        let restores_len = self.restores.len();
        self.state.pending = None;
        match f(self, events) {
            Ok(()) => {
                self.history.push(saved);
                Ok(())
            }
            Err(e) => {
                self.state = saved;
                self.truncate_path(self.state.path_len);
                self.recount();
                self.lua_log.truncate(self.state.lua_log_len);
                self.restores.truncate(restores_len);
                self.outcome = None;
                // A live coroutine cannot be rewound: rebuild it from its replies.
                let _ = self.revive();
                Err(e)
            }
        }
    }
}

/// A free answer or note fits the log: at most [`MAX_ANSWER`] bytes, and one line (a
/// line break in it would read as a line of its own in the transcript and the ticket).
pub fn free_text(step: &str, what: &'static str, text: &str) -> Result<(), RunError> {
    if text.len() > MAX_ANSWER {
        return Err(RunError::TooLong {
            step: step.to_string(),
            what,
            limit: MAX_ANSWER,
        });
    }
    if text
        .chars()
        .any(|c| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(RunError::NotOneLine {
            step: step.to_string(),
            what,
        });
    }
    Ok(())
}

/// The choice `answer` names: exactly, or ignoring case and surrounding space.
pub fn match_choice(step: &str, choices: &[String], answer: &str) -> Result<String, RunError> {
    if let Some(c) = choices.iter().find(|c| *c == answer) {
        return Ok(c.clone());
    }
    let a = answer.trim();
    let mut found = choices.iter().filter(|c| c.eq_ignore_ascii_case(a));
    match (found.next(), found.next()) {
        (Some(c), None) => Ok(c.clone()),
        _ => Err(RunError::BadAnswer {
            step: step.to_string(),
            answer: answer.to_string(),
            expected: choices.to_vec(),
        }),
    }
}
