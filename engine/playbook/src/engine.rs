//! The step engine: one run of a playbook (with the stack of playbooks it `call`s) as a pure
//! state machine. It does no I/O: the runtime shows [`Engine::pending`], runs probes and
//! commands, feeds the answer back with [`Engine::submit`] and records every
//! [`EngineEvent`]. Resume is [`Engine::start`] plus re-submitting the recorded replies
//! ([`EngineEvent::reply`] turns a recorded event back into its reply).

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use deskbook_content::playbook::Action;
use deskbook_content::vocab::{ESCALATIONS, STATUSES};
use deskbook_content::Content;
use deskbook_probes::{ProbeResult, Status};
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::error::RunError;
use crate::lua::run::{LuaRun, Resume, StepChunks, Yielded};
use crate::lua::sandbox::{Limits, Sandbox};
use crate::program::{check_inputs, template_name, Book, Program, YamlBook, MAX_CALL_DEPTH};

/// A probe to run, with its arguments rendered (templates filled in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeRequest {
    pub name: String,
    pub args: BTreeMap<String, String>,
}

/// A command a `do` step runs after the agent confirms it (or that a run's end restores):
/// a tool-matrix task or an argv, with its placeholder values rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRequest {
    /// The step that declared it (qualified id).
    pub step: String,
    pub task: Option<String>,
    pub argv: Option<Vec<String>>,
    /// Values for the task's `{{ name }}` placeholders.
    pub with: BTreeMap<String, String>,
}

impl ActionRequest {
    /// The `command` probe call that performs this action.
    pub fn probe_request(&self) -> ProbeRequest {
        let mut args = self.with.clone();
        if let Some(task) = &self.task {
            args.insert("task".into(), task.clone());
        }
        if let Some(argv) = &self.argv {
            args.insert(
                "argv".into(),
                serde_json::to_string(argv).unwrap_or_else(|_| "[]".into()),
            );
        }
        ProbeRequest {
            name: "command".into(),
            args,
        }
    }

    /// The command as one line, for `--dry-run` and summaries.
    pub fn display(&self) -> String {
        match (&self.task, &self.argv) {
            (_, Some(argv)) => argv.join(" "),
            (Some(task), None) => {
                let mut s = format!("task {task}");
                for (k, v) in &self.with {
                    s.push_str(&format!(" {k}={v}"));
                }
                s
            }
            (None, None) => String::new(),
        }
    }
}

/// What the run waits for. Step ids are qualified (`PLAYBOOK/STEP` inside a called playbook).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Pending {
    /// A question with choices. When `probe` is set, run it first and submit its result
    /// ([`Reply::Probe`]); the engine then offers `prefill` (the choice the probe's status
    /// maps to), which the agent accepts or overrides with [`Reply::Answer`]. Answering
    /// without running the probe is allowed.
    Ask {
        step: String,
        text: String,
        choices: Vec<String>,
        /// Item ids to show with the step (`?` opens them).
        help: Vec<String>,
        probe: Option<ProbeRequest>,
        prefill: Option<String>,
    },
    /// An instruction the agent confirms by answering one of `choices` (`["done"]` when the
    /// step has a single `next`). When `command` is set, the runtime runs it only after the
    /// agent confirms, then submits its result ([`Reply::Probe`], which also arms the step's
    /// restore action) and then the answer. With `--dry-run` it shows the command instead.
    Confirm {
        step: String,
        text: String,
        help: Vec<String>,
        command: Option<ActionRequest>,
        choices: Vec<String>,
    },
    /// A probe to run; submit its result. ([`Reply::Answer`] with `ok`, `fail` or `error`
    /// stands for a result the agent found by hand.)
    Probe {
        step: String,
        request: ProbeRequest,
        help: Vec<String>,
    },
    /// A free answer, saved to the variable `save`.
    Input {
        step: String,
        text: String,
        help: Vec<String>,
        save: Option<String>,
    },
}

impl Pending {
    /// The qualified id of the step.
    pub fn step(&self) -> &str {
        match self {
            Pending::Ask { step, .. }
            | Pending::Confirm { step, .. }
            | Pending::Probe { step, .. }
            | Pending::Input { step, .. } => step,
        }
    }

    pub fn help(&self) -> &[String] {
        match self {
            Pending::Ask { help, .. }
            | Pending::Confirm { help, .. }
            | Pending::Probe { help, .. }
            | Pending::Input { help, .. } => help,
        }
    }
}

/// What the agent (or a probe) gives the pending step.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A choice label, a free answer, or a confirmation label.
    Answer(String),
    /// A probe's (or a confirmed command's) result.
    Probe(ProbeResult),
    /// Go back one step. Recorded, never erased: the events keep what was answered.
    Back,
    /// A note on the pending step; changes nothing else.
    Note(String),
}

/// Something that happened, in order. The runtime writes each to the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum EngineEvent {
    /// The run reached a step (every kind: ask, do, probe, lua, call, end).
    Entered {
        step: String,
    },
    Answered {
        step: String,
        answer: String,
    },
    Probed {
        step: String,
        result: ProbeResult,
    },
    /// Text for the agent (an `end` step's `say`, or `ctx:say` in Lua).
    Said {
        text: String,
    },
    Back {
        from: String,
        to: String,
    },
    Noted {
        step: String,
        text: String,
    },
    /// Undo what a `do` step changed; the runtime runs it (reported in reverse order at the
    /// end; on a failed or abandoned run, get them from [`Engine::restores`]).
    Restore {
        action: ActionRequest,
    },
    Ended(Outcome),
}

impl EngineEvent {
    /// The reply that produced this event, for replaying a recorded run; `None` for events
    /// the engine makes by itself.
    pub fn reply(&self) -> Option<Reply> {
        match self {
            EngineEvent::Answered { answer, .. } => Some(Reply::Answer(answer.clone())),
            EngineEvent::Probed { result, .. } => Some(Reply::Probe(result.clone())),
            EngineEvent::Back { .. } => Some(Reply::Back),
            EngineEvent::Noted { text, .. } => Some(Reply::Note(text.clone())),
            _ => None,
        }
    }

    /// The step a reply event was given to (to check a replay still fits the playbook).
    pub fn step(&self) -> Option<&str> {
        match self {
            EngineEvent::Entered { step }
            | EngineEvent::Answered { step, .. }
            | EngineEvent::Probed { step, .. }
            | EngineEvent::Noted { step, .. } => Some(step),
            EngineEvent::Back { from, .. } => Some(from),
            _ => None,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The playbook the run started with.
    pub playbook: String,
    /// `fixed-understood`, `fixed-unclear` or `not-fixed`.
    pub status: String,
    /// A taxonomy category id.
    pub category: String,
    /// `tier2` or `tier3`.
    pub escalate: Option<String>,
    /// What Tier 2 needs (variable names or things to attach).
    pub collect: Vec<String>,
    /// The closing text (rendered), if the end step has one.
    pub say: Option<String>,
    /// The steps of the run as it stands (after any `Back`), qualified ids.
    pub path: Vec<String>,
}

/// Most steps one reply may pass through before the run waits again (a `lua` loop that
/// never reaches a question fails instead of hanging).
pub const MAX_AUTO_STEPS: usize = 100_000;

/// Longest free answer or note.
pub const MAX_ANSWER: usize = 64 * 1024;

/// One run, including the stack of called playbooks.
///
/// Not `Send`: a run owns its Lua interpreter. Keep it on the thread that drives it.
pub struct Engine {
    program: Arc<Program>,
    root: String,
    limits: Limits,
    lua: Option<Rc<LuaHost>>,
    state: State,
    /// States before each answered step, for `Back`.
    history: Vec<State>,
    /// Qualified ids of the steps entered, as the run stands.
    path: Vec<String>,
    /// Restore actions armed, in the order their steps ran.
    restores: Vec<ActionRequest>,
    /// Every reply a Lua coroutine consumed, as the run stands; a Lua frame's replies are
    /// `lua_log[log_start..state.lua_log_len]` (Lua frames are always on top, so one log
    /// serves them all, and saved states only keep a length).
    lua_log: Vec<LuaReply>,
    outcome: Option<Outcome>,
    initial: Vec<EngineEvent>,
    root_vars: Map<String, Json>,
}

struct LuaHost {
    sandbox: Sandbox,
    chunks: std::cell::RefCell<StepChunks>,
}

#[derive(Clone)]
struct State {
    frames: Vec<Frame>,
    path_len: usize,
    lua_log_len: usize,
    pending: Option<Pending>,
}

struct Frame {
    book: String,
    /// `""` for the playbook the run started with, `callee/` (nested: `a/b/`) below it.
    prefix: String,
    vars: Map<String, Json>,
    pos: Pos,
}

enum Pos {
    Yaml {
        step: usize,
    },
    Lua {
        /// Where this frame's replies start in the engine's `lua_log`.
        log_start: usize,
        /// The live coroutine; `None` in saved states (rebuilt on restore).
        run: Option<LuaRun>,
        waiting: Option<Yielded>,
    },
}

#[derive(Clone)]
enum LuaReply {
    Answer(String),
    Probe(ProbeResult),
}

impl Clone for Frame {
    fn clone(&self) -> Self {
        Frame {
            book: self.book.clone(),
            prefix: self.prefix.clone(),
            vars: self.vars.clone(),
            pos: match &self.pos {
                Pos::Yaml { step } => Pos::Yaml { step: *step },
                Pos::Lua {
                    log_start, waiting, ..
                } => Pos::Lua {
                    log_start: *log_start,
                    run: None,
                    waiting: waiting.clone(),
                },
            },
        }
    }
}

/// The next move of a YAML frame after its step got its reply.
enum Move {
    Goto(String),
}

impl Engine {
    /// Start `playbook` with `vars` as its inputs (validated by kind). Events of the steps
    /// entered before the first pending one are in [`Engine::initial_events`].
    pub fn start(
        content: &Content,
        playbook: &str,
        vars: BTreeMap<String, String>,
    ) -> Result<Engine, RunError> {
        Engine::start_with(content, playbook, vars, Limits::default())
    }

    /// [`Engine::start`] with explicit Lua limits.
    pub fn start_with(
        content: &Content,
        playbook: &str,
        vars: BTreeMap<String, String>,
        limits: Limits,
    ) -> Result<Engine, RunError> {
        let program = Arc::new(Program::load(content, playbook)?);
        let book = program.book(playbook)?;
        let vars = check_inputs(playbook, book.inputs(), vars)?;
        let pos = match book {
            Book::Yaml(y) => Pos::Yaml {
                step: y.index.get(&y.pb.start).copied().unwrap_or(0),
            },
            Book::Lua(_) => Pos::Lua {
                log_start: 0,
                run: None,
                waiting: None,
            },
        };
        let mut engine = Engine {
            program,
            root: playbook.to_string(),
            limits,
            lua: None,
            state: State {
                frames: vec![Frame {
                    book: playbook.to_string(),
                    prefix: String::new(),
                    vars: vars.clone(),
                    pos,
                }],
                path_len: 0,
                lua_log_len: 0,
                pending: None,
            },
            history: Vec::new(),
            path: Vec::new(),
            restores: Vec::new(),
            lua_log: Vec::new(),
            outcome: None,
            initial: Vec::new(),
            root_vars: vars,
        };
        let mut events = Vec::new();
        engine.run(&mut events)?;
        engine.initial = events;
        Ok(engine)
    }

    /// The events of starting (entering the first steps, Lua `say`s before the first ask).
    pub fn initial_events(&self) -> &[EngineEvent] {
        &self.initial
    }

    /// What the run waits for; `None` once it has ended.
    pub fn pending(&self) -> Option<Pending> {
        self.state.pending.clone()
    }

    /// [`Engine::pending`] without a copy.
    pub fn pending_ref(&self) -> Option<&Pending> {
        self.state.pending.as_ref()
    }

    /// How the run ended, once it has.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// Restore actions armed so far, most recent first: what the runtime must run when it
    /// abandons a run that did not end. (At the end they come as [`EngineEvent::Restore`].)
    pub fn restores(&self) -> Vec<ActionRequest> {
        self.restores.iter().rev().cloned().collect()
    }

    /// The inputs of the run (the playbook it started with).
    pub fn vars(&self) -> &Map<String, Json> {
        &self.root_vars
    }

    /// The steps of the run as it stands (qualified ids).
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// The playbook the run started with.
    pub fn playbook(&self) -> &str {
        &self.root
    }

    /// A hash of the playbook and every playbook it calls, to tell on resume whether the
    /// playbook changed since the run was recorded.
    pub fn fingerprint(content: &Content, playbook: &str) -> String {
        crate::fingerprint::fingerprint(content, playbook)
    }

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
                if text.len() > MAX_ANSWER {
                    return Err(RunError::Step(format!(
                        "step `{step}`: a note is limited to {MAX_ANSWER} bytes"
                    )));
                }
                Ok(vec![EngineEvent::Noted { step, text }])
            }
            Reply::Back => {
                let Some(prev) = self.history.pop() else {
                    return Err(RunError::NothingToGoBack(step));
                };
                let current = std::mem::replace(&mut self.state, prev);
                self.path.truncate(self.state.path_len);
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

    fn answer(&mut self, pending: Pending, answer: String) -> Result<Vec<EngineEvent>, RunError> {
        let step = pending.step().to_string();
        let label = match &pending {
            Pending::Ask { choices, .. } | Pending::Confirm { choices, .. } => {
                match_choice(&step, choices, &answer)?
            }
            Pending::Input { .. } => {
                if answer.len() > MAX_ANSWER {
                    return Err(RunError::Step(format!(
                        "step `{step}`: an answer is limited to {MAX_ANSWER} bytes"
                    )));
                }
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

    fn probe(
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
    fn advance(
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
                self.path.truncate(self.state.path_len);
                self.lua_log.truncate(self.state.lua_log_len);
                self.restores.truncate(restores_len);
                self.outcome = None;
                // A live coroutine cannot be rewound: rebuild it from its replies.
                let _ = self.revive();
                Err(e)
            }
        }
    }

    /// The choice a probe result pre-fills on the pending YAML question.
    fn prefill(&self, result: &ProbeResult) -> Option<String> {
        let frame = self.state.frames.last()?;
        let Pos::Yaml { step } = frame.pos else {
            return None;
        };
        let Ok(Book::Yaml(y)) = self.program.book(&frame.book) else {
            return None;
        };
        let answer = y.pb.steps.get(step)?.probe.as_ref()?.answer.as_ref()?;
        answer.get(result.status.as_str()).cloned()
    }

    /// Arm the pending `do` step's restore action (once per step).
    fn arm_restore(&mut self) -> Result<(), RunError> {
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

    fn after_answer(
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
        if s.ask.is_some() {
            if let Some(save) = &s.save {
                frame.vars.insert(save.clone(), Json::String(label.clone()));
            }
        } else if s.do_.is_some() {
            self.arm_restore()?;
        } else {
            return Ok(());
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

    fn after_probe_step(
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

    fn moved(&mut self, mv: Move, events: &mut Vec<EngineEvent>) -> Result<(), RunError> {
        let Move::Goto(target) = mv;
        self.goto(&target)?;
        self.run(events)
    }

    fn top(&mut self) -> Result<&mut Frame, RunError> {
        self.state
            .frames
            .last_mut()
            .ok_or_else(|| internal("no frame"))
    }

    /// Point the top YAML frame at step `target`.
    fn goto(&mut self, target: &str) -> Result<(), RunError> {
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

    fn lua_host(&mut self) -> Result<Rc<LuaHost>, RunError> {
        if let Some(h) = &self.lua {
            return Ok(h.clone());
        }
        let sandbox = Sandbox::new(self.limits).map_err(RunError::Step)?;
        let host = Rc::new(LuaHost {
            sandbox,
            chunks: Default::default(),
        });
        self.lua = Some(host.clone());
        Ok(host)
    }

    /// Rebuild the top frame's coroutine (after `Back` or a failed step) by replaying its
    /// replies.
    fn revive(&mut self) -> Result<(), RunError> {
        let log_len = self.lua_log.len();
        let needs = matches!(
            self.state.frames.last(),
            Some(Frame {
                pos: Pos::Lua { run: None, log_start, .. },
                ..
            }) if *log_start < log_len || self.state.pending.is_some()
        );
        if !needs {
            return Ok(());
        }
        let host = self.lua_host()?;
        let program = self.program.clone();
        let Some(frame) = self.state.frames.last_mut() else {
            return Ok(());
        };
        let Book::Lua(book) = program.book(&frame.book)? else {
            return Ok(());
        };
        let Pos::Lua { log_start, run, .. } = &mut frame.pos else {
            return Ok(());
        };
        let (mut live, _) =
            LuaRun::start(&host.sandbox, &book.file, &frame.vars).map_err(RunError::Step)?;
        for r in &self.lua_log[(*log_start).min(log_len)..] {
            let value = match r {
                LuaReply::Answer(a) => Resume::Answer(a),
                LuaReply::Probe(p) => Resume::Probe(p),
            };
            live.resume(&host.sandbox, value).map_err(RunError::Step)?;
        }
        live.take_said();
        *run = Some(live);
        Ok(())
    }

    fn lua_resume(
        &mut self,
        reply: LuaReply,
        events: &mut Vec<EngineEvent>,
    ) -> Result<(), RunError> {
        self.revive()?;
        let host = self.lua_host()?;
        let Some(frame) = self.state.frames.last_mut() else {
            return Err(internal("no frame"));
        };
        let Pos::Lua { run, .. } = &mut frame.pos else {
            return Err(internal("not a Lua frame"));
        };
        let Some(live) = run.as_mut() else {
            return Err(internal("no live coroutine"));
        };
        let value = match &reply {
            LuaReply::Answer(a) => Resume::Answer(a),
            LuaReply::Probe(p) => Resume::Probe(p),
        };
        let y = live.resume(&host.sandbox, value);
        let said = live.take_said();
        self.lua_log.push(reply);
        events.extend(said.into_iter().map(|text| EngineEvent::Said { text }));
        let y = y.map_err(RunError::Step)?;
        self.lua_yielded(y, events)?;
        self.run(events)
    }

    /// Handle what a Lua playbook yielded: a pending step, or its end.
    fn lua_yielded(&mut self, y: Yielded, events: &mut Vec<EngineEvent>) -> Result<(), RunError> {
        let program = self.program.clone();
        let frame = self.top()?;
        let prefix = frame.prefix.clone();
        let book = frame.book.clone();
        if let Pos::Lua { waiting, .. } = &mut frame.pos {
            *waiting = Some(y.clone());
        }
        match y {
            Yielded::Ask {
                id,
                text,
                choices,
                help,
                save,
            } => {
                let step = format!("{prefix}{id}");
                self.enter(&step, events);
                self.state.pending = Some(if choices.is_empty() {
                    Pending::Input {
                        step,
                        text,
                        help,
                        save,
                    }
                } else {
                    Pending::Ask {
                        step,
                        text,
                        choices,
                        help,
                        probe: None,
                        prefill: None,
                    }
                });
                Ok(())
            }
            Yielded::Probe { id, name, args } => {
                let step = format!("{prefix}{id}");
                self.enter(&step, events);
                self.state.pending = Some(Pending::Probe {
                    step,
                    request: ProbeRequest { name, args },
                    help: Vec::new(),
                });
                Ok(())
            }
            Yielded::Finish {
                status,
                category,
                escalate,
                collect,
                line,
            } => {
                let file = program.book(&book)?.file().path.clone();
                let bad = |m: String| RunError::Step(format!("{file}:{line}: ctx:finish: {m}"));
                if !STATUSES.contains(&status.as_str()) {
                    return Err(bad(format!(
                        "unknown status `{status}`: expected one of {}",
                        STATUSES.join(", ")
                    )));
                }
                if !program.categories.iter().any(|c| c == &category) {
                    return Err(bad(format!(
                        "unknown category `{category}` (not in the taxonomy)"
                    )));
                }
                if let Some(e) = &escalate {
                    if !ESCALATIONS.contains(&e.as_str()) {
                        return Err(bad(format!(
                            "unknown escalation `{e}`: expected one of {}",
                            ESCALATIONS.join(", ")
                        )));
                    }
                }
                self.end_frame(
                    Ended {
                        status,
                        category,
                        escalate,
                        collect,
                        say: None,
                    },
                    events,
                )
            }
        }
    }

    fn enter(&mut self, step: &str, events: &mut Vec<EngineEvent>) {
        events.push(EngineEvent::Entered {
            step: step.to_string(),
        });
        self.path.push(step.to_string());
    }

    /// Move through steps that need no reply until one waits or the run ends.
    fn run(&mut self, events: &mut Vec<EngineEvent>) -> Result<(), RunError> {
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

    /// Enter step `idx` of the top frame's YAML playbook.
    fn yaml_step(
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
        self.enter(&qid, events);
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
        if let Some(ask) = &s.ask {
            let text = render("ask", ask)?;
            let probe = match &s.probe {
                Some(p) => {
                    let mut args = BTreeMap::new();
                    for (k, v) in &p.with {
                        args.insert(k.clone(), render(&format!("probe.with.{k}"), v)?);
                    }
                    Some(ProbeRequest {
                        name: p.name.clone(),
                        args,
                    })
                }
                None => None,
            };
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
            return Ok(());
        }
        if let Some(d) = &s.do_ {
            let text = render("do", d)?;
            let command = match &s.command {
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
            return Ok(());
        }
        if let Some(p) = &s.probe {
            let mut args = BTreeMap::new();
            for (k, v) in &p.with {
                args.insert(k.clone(), render(&format!("probe.with.{k}"), v)?);
            }
            self.state.pending = Some(Pending::Probe {
                step: qid,
                request: ProbeRequest {
                    name: p.name.clone(),
                    args,
                },
                help: s.help.clone(),
            });
            return Ok(());
        }
        if let Some(code) = &s.lua {
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
            return self.goto(&next);
        }
        if let Some(callee) = &s.call {
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
                book: callee.clone(),
                prefix: format!("{prefix}{callee}/"),
                vars,
                pos,
            });
            return Ok(());
        }
        if let Some(status) = &s.end {
            let say = match &s.say {
                Some(t) => Some(render("say", t)?),
                None => None,
            };
            return self.end_frame(
                Ended {
                    status: status.clone(),
                    category: s.category.clone().unwrap_or_default(),
                    escalate: s.escalate.clone(),
                    collect: s.collect.clone(),
                    say,
                },
                events,
            );
        }
        Err(RunError::Step(format!(
            "{}:{}: step `{}` has no kind (ask, do, probe, lua, call or end)",
            y.file.path, s.line, s.id
        )))
    }

    /// The top playbook ended: return to the calling step (its `on` picks the next step), or
    /// end the run.
    fn end_frame(&mut self, end: Ended, events: &mut Vec<EngineEvent>) -> Result<(), RunError> {
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
        };
        for action in self.restores.iter().rev() {
            events.push(EngineEvent::Restore {
                action: action.clone(),
            });
        }
        events.push(EngineEvent::Ended(outcome.clone()));
        self.outcome = Some(outcome);
        self.state.pending = None;
        Ok(())
    }
}

/// How a playbook ended, before it is known whether the run ends with it.
struct Ended {
    status: String,
    category: String,
    escalate: Option<String>,
    collect: Vec<String>,
    say: Option<String>,
}

fn internal(what: &str) -> RunError {
    RunError::Step(format!("internal error in the step engine: {what}"))
}

fn first_next(s: &deskbook_content::playbook::Step) -> Option<String> {
    s.next
        .as_ref()
        .and_then(|n| n.ids().first().map(|x| x.to_string()))
}

/// The choice `answer` names: exactly, or ignoring case and surrounding space.
fn match_choice(step: &str, choices: &[String], answer: &str) -> Result<String, RunError> {
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

fn render_action(
    y: &YamlBook,
    step_id: &str,
    qid: &str,
    which: &str,
    action: &Action,
    vars: &Map<String, Json>,
) -> Result<ActionRequest, RunError> {
    let line =
        y.pb.steps
            .get(*y.index.get(step_id).unwrap_or(&0))
            .map(|s| s.line)
            .unwrap_or(1);
    let render = |field: String, text: &str| -> Result<String, RunError> {
        y.templates
            .render(&template_name(&y.id, step_id, &field), text, vars)
            .map_err(|m| {
                RunError::Step(format!(
                    "{}:{line}: step `{step_id}`: `{field}`: {m}",
                    y.file.path
                ))
            })
    };
    let mut with = BTreeMap::new();
    for (k, v) in &action.with {
        with.insert(k.clone(), render(format!("{which}.with.{k}"), v)?);
    }
    let argv = match &action.argv {
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                out.push(render(format!("{which}.argv.{i}"), v)?);
            }
            Some(out)
        }
        None => None,
    };
    Ok(ActionRequest {
        step: qid.to_string(),
        task: action.task.clone(),
        argv,
        with,
    })
}
