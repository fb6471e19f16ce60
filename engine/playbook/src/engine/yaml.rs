//! YAML frames: entering a step (its text and probe arguments rendered), and where its
//! answer or probe result leads.

use std::collections::BTreeMap;

use deskbook_content::playbook::{ProbeCall, Step, StepBody, StepKind};
use deskbook_probes::ProbeResult;
use serde_json::Value as Json;

use super::request::render_action;
use super::walk::Ended;
use super::{internal, Engine, EngineEvent, Frame, LuaReply, Move, Pending, Pos, ProbeRequest};
use crate::error::RunError;
use crate::program::{check_inputs, template_name, Book, YamlBook, MAX_CALL_DEPTH};

impl Engine {
    /// The choice a probe result pre-fills on the pending YAML question.
    pub(super) fn prefill(&self, result: &ProbeResult) -> Option<String> {
        let frame = self.state.frames.last()?;
        let Pos::Yaml { step } = frame.pos else {
            return None;
        };
        let Ok(Book::Yaml(y)) = self.program.book(&frame.book) else {
            return None;
        };
        let answer = y.pb.steps.get(step)?.probe_call()?.answer.as_ref()?;
        prefill_of(answer, result)
    }

    pub(super) fn after_answer(
        &mut self,
        label: String,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        let program = self.program.clone();
        let frame = self.top()?;
        let Pos::Yaml { step } = frame.pos else {
            return self.lua_resume(LuaReply::Answer(label), events);
        };
        let Book::Yaml(y) = program.book(&frame.book)? else {
            return Err(internal("a YAML position in a Lua playbook"));
        };
        let s = &y.pb.steps[step];
        match s.kind {
            Some(StepKind::Ask) => {
                if let Some(save) = &s.save {
                    frame.vars.insert(save.clone(), Json::String(label.clone()));
                }
            }
            Some(StepKind::Do) => self.arm_restore()?,
            _ => return Ok(()),
        }
        let target = match &s.choices {
            Some(c) => c.get(&label).cloned(),
            None => first_next(s),
        };
        match target {
            Some(t) => self.moved(Move::Goto(t), events),
            None => Err(RunError::Step(format!(
                "{}:{}: step `{}` has no next step for {label:?} (run `deskbook check`)",
                y.file.path, s.line, s.id
            ))),
        }
    }

    pub(super) fn after_probe_step(
        &mut self,
        result: ProbeResult,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        let program = self.program.clone();
        let frame = self.top()?;
        match &mut frame.pos {
            Pos::Yaml { step } => {
                let Book::Yaml(y) = program.book(&frame.book)? else {
                    return Err(internal("a YAML position in a Lua playbook"));
                };
                let s = &y.pb.steps[*step];
                if let Some(save) = &s.save {
                    frame
                        .vars
                        .insert(save.clone(), Json::Object(result.data.clone()));
                }
                let status = result.status.as_str();
                let target =
                    s.on.as_ref()
                        .and_then(|on| on.get(status).cloned())
                        .or_else(|| first_next(s));
                match target {
                    Some(t) => self.moved(Move::Goto(t), events),
                    None => Err(RunError::Step(format!(
                        "{}:{}: step `{}` has no branch for probe status `{status}` (add it to `on`)",
                        y.file.path, s.line, s.id
                    ))),
                }
            }
            Pos::Lua { .. } => self.lua_resume(LuaReply::Probe(result), events),
        }
    }

    /// Enter step `idx` of the top frame's YAML playbook.
    pub(super) fn yaml_step(
        &mut self,
        y: &YamlBook,
        idx: usize,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        let s = &y.pb.steps[idx];
        let (prefix, depth) = {
            let f = self
                .state
                .frames
                .last()
                .ok_or_else(|| internal("no frame"))?;
            (f.prefix.clone(), self.state.frames.len())
        };
        let qid = format!("{prefix}{}", s.id);
        self.enter(&qid, events)?;
        if let Some(flag) = &s.flag {
            self.flagged.push((self.path.len() - 1, flag.clone()));
            events.push(EngineEvent::Flagged {
                step: qid.clone(),
                flag: flag.clone(),
            });
        }
        let vars = &self
            .state
            .frames
            .last()
            .ok_or_else(|| internal("no frame"))?
            .vars;
        let render = |field: &str, text: &str| -> Result<String, RunError> {
            y.templates
                .render(&template_name(&y.id, &s.id, field), text, vars)
                .map_err(|m| {
                    RunError::Step(format!(
                        "{}:{}: step `{}`: `{field}`: {m}",
                        y.file.path, s.line, s.id
                    ))
                })
        };
        // The kind was decided when the playbook was parsed.
        let Some(body) = s.body() else {
            return Err(RunError::Step(format!(
                "{}:{}: step `{}` has no kind (ask, do, probe, lua, call or end; run `deskbook check`)",
                y.file.path, s.line, s.id
            )));
        };
        let probe_request = |p: &ProbeCall| -> Result<ProbeRequest, RunError> {
            let mut args = BTreeMap::new();
            for (k, v) in &p.with {
                args.insert(k.clone(), render(&format!("probe.with.{k}"), v)?);
            }
            Ok(ProbeRequest {
                name: p.name.clone(),
                args,
                from: super::request::vantage(p.from.as_ref(), &s.id, |t| render("probe.from", t))?,
            })
        };
        match body {
            StepBody::Ask { text, probe } => {
                let text = render("ask", text)?;
                let probe = probe.map(probe_request).transpose()?;
                self.state.pending = Some(match &s.choices {
                    Some(c) => Pending::Ask {
                        step: qid,
                        text,
                        choices: c.keys().cloned().collect(),
                        help: s.help.clone(),
                        probe,
                        prefill: None,
                    },
                    None => Pending::Input {
                        step: qid,
                        text,
                        help: s.help.clone(),
                        save: s.save.clone(),
                    },
                });
                Ok(())
            }
            StepBody::Do { text, command } => {
                let text = render("do", text)?;
                let command = match command {
                    Some(a) => Some(render_action(y, &s.id, &qid, "command", a, vars)?),
                    None => None,
                };
                let choices = match &s.choices {
                    Some(c) => c.keys().cloned().collect(),
                    None => vec!["done".to_string()],
                };
                self.state.pending = Some(Pending::Confirm {
                    step: qid,
                    text,
                    help: s.help.clone(),
                    command,
                    choices,
                });
                Ok(())
            }
            StepBody::Probe(p) => {
                self.state.pending = Some(Pending::Probe {
                    step: qid,
                    request: probe_request(p)?,
                    help: s.help.clone(),
                });
                Ok(())
            }
            StepBody::Lua(code) => {
                let host = self.lua_host()?;
                let first_line = y.lua_lines.get(idx).copied().unwrap_or(s.line);
                let frame = self.top()?;
                let next = host
                    .chunks
                    .borrow_mut()
                    .run(
                        &host.sandbox,
                        &y.file.path,
                        &y.id,
                        &s.id,
                        code,
                        first_line,
                        &mut frame.vars,
                    )
                    .map_err(RunError::Step)?;
                let allowed = s.next.as_ref().map(|n| n.ids()).unwrap_or_default();
                if !allowed.contains(&next.as_str()) {
                    return Err(RunError::Step(format!(
                        "{}:{}: the lua step `{}` returned {next:?}, which is not one of its `next` steps ({})",
                        y.file.path,
                        s.line,
                        s.id,
                        allowed.join(", ")
                    )));
                }
                self.goto(&next)
            }
            StepBody::Call(callee) => {
                if depth >= MAX_CALL_DEPTH {
                    return Err(RunError::Step(format!(
                        "{}:{}: step `{}`: calls nest deeper than {MAX_CALL_DEPTH} playbooks",
                        y.file.path, s.line, s.id
                    )));
                }
                let mut given = BTreeMap::new();
                if let Some(w) = &s.with {
                    for (k, v) in w {
                        given.insert(k.clone(), render(&format!("with.{k}"), v)?);
                    }
                }
                let book = self.program.book(callee)?;
                let vars = check_inputs(callee, book.inputs(), given).map_err(|e| {
                    RunError::Step(format!("{}:{}: step `{}`: {e}", y.file.path, s.line, s.id))
                })?;
                let pos = match book {
                    Book::Yaml(cy) => Pos::Yaml {
                        step: cy.index.get(&cy.pb.start).copied().unwrap_or(0),
                    },
                    Book::Lua(_) => Pos::Lua {
                        log_start: self.lua_log.len(),
                        run: None,
                        waiting: None,
                    },
                };
                self.state.frames.push(Frame {
                    book: callee.to_string(),
                    prefix: format!("{prefix}{callee}/"),
                    vars,
                    pos,
                });
                Ok(())
            }
            StepBody::End { status } => {
                let say = match &s.say {
                    Some(t) => Some(render("say", t)?),
                    None => None,
                };
                let category = match &s.category {
                    Some(c) => render("category", c)?,
                    None => String::new(),
                };
                let templated = s
                    .category
                    .as_deref()
                    .is_some_and(crate::template::is_template);
                if templated && !self.program.categories.contains(&category) {
                    return Err(RunError::Step(format!(
                        "{}:{}: step `{}`: category `{category}` is not in the taxonomy",
                        y.file.path, s.line, s.id
                    )));
                }
                self.end_frame(
                    Ended {
                        status: status.to_string(),
                        category,
                        escalate: s.escalate.clone(),
                        collect: s.collect.clone(),
                        say,
                    },
                    events,
                )
            }
        }
    }
}

fn first_next(s: &Step) -> Option<String> {
    s.next
        .as_ref()
        .and_then(|n| n.ids().first().map(|x| x.to_string()))
}

/// The choice an `answer` map pre-fills for `result`: the first `data.FIELD` key whose field
/// is true in the result's data (a finding that outranks the status, such as ping's
/// `negotiating_ip_security`), else the key of the result's status.
pub(crate) fn prefill_of(
    answer: &indexmap::IndexMap<String, String>,
    result: &ProbeResult,
) -> Option<String> {
    answer
        .iter()
        .find(|(key, _)| {
            key.strip_prefix("data.")
                .is_some_and(|field| result.data.get(field) == Some(&serde_json::Value::Bool(true)))
        })
        .or_else(|| answer.get_key_value(result.status.as_str()))
        .map(|(_, choice)| choice.clone())
}

#[cfg(test)]
mod tests {
    use super::prefill_of;
    use deskbook_probes::{ProbeResult, Status};
    use indexmap::IndexMap;

    fn ping(status: Status, negotiating: bool) -> ProbeResult {
        let mut r = ProbeResult::error("ping", "");
        r.status = status;
        r.data
            .insert("negotiating_ip_security".into(), negotiating.into());
        r
    }

    #[test]
    fn a_true_data_field_outranks_the_status() {
        let answer: IndexMap<String, String> = [
            ("ok", "replies"),
            ("fail", "no reply"),
            ("data.negotiating_ip_security", "negotiating IP security"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let got = |s, n| prefill_of(&answer, &ping(s, n));
        assert_eq!(
            got(Status::Fail, true).as_deref(),
            Some("negotiating IP security")
        );
        assert_eq!(got(Status::Fail, false).as_deref(), Some("no reply"));
        assert_eq!(got(Status::Ok, false).as_deref(), Some("replies"));
        assert_eq!(got(Status::Error, false), None);
    }
}
