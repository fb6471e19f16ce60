//! The runner: drives one run of the step engine to its end, with the agent at a terminal
//! (or typing into a pipe) or with an answers file, recording every event before the next
//! prompt.
//!
//! Order of work for each reply: the engine takes it, every event it returns is committed
//! to the store, and only then is the next step shown. So the prompt an agent sees is proof
//! that everything before it is on disk, and `kill -9` at a prompt loses no answered step.
//!
//! The runner talks to one [`Agent`] (a person at the terminal, or an answers file) and
//! does the rest the same way for both: `steps` runs probes and commands at each kind of
//! step, `restore` keeps the restore bookkeeping.

use deskbook_content::markdown::Style;
use deskbook_content::Content;
use deskbook_playbook::{Engine, EngineEvent, Outcome, Pending, ProbeRequest, Reply, RunError};
use deskbook_probes::ProbeResult;
use deskbook_store::{Call, Event, NewCall, Record, Store};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use crate::agent::scripted::ScriptedAgent;
use crate::agent::terminal::TerminalAgent;
use crate::agent::{Agent, At, Turn};
use crate::answers::AnswersFile;
use crate::evidence::Attachment;
use crate::log::{self, Log};
use crate::probing::Probes;
use crate::replay::replay;
use crate::tasks::ContentTasks;
use crate::terminal::Ui;
use crate::RuntimeError;
use deskbook_content::playbook::Vantage;

mod restore;
mod slow;
mod steps;
mod vantage;
mod whereabouts;

use restore::Armed;

/// What a run is given besides the content.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--answers FILE`: a scripted run, which fails at the first unanswered step.
    pub answers: Option<AnswersFile>,
    /// `--var K=V`, over the answers file's `vars`.
    pub vars: BTreeMap<String, String>,
    pub agent: Option<String>,
    pub rollout: Option<String>,
    /// `--json`: one JSON event per line on the JSON output.
    pub json: bool,
    /// `--dry-run`: show every command the run would execute, run none, record nothing.
    pub dry_run: bool,
    /// `--evidence FILE`: an evidence packet from the caller's computer, checked and
    /// attached before the first step.
    pub evidence: Option<std::path::PathBuf>,
}

/// Where the run reads and writes.
pub struct Input<'a> {
    /// The agent's typed lines (standard input).
    pub lines: Box<dyn BufRead + 'a>,
    /// Human text: steps and prompts (the command prints the ticket summary after the run).
    pub human: Box<dyn Write + 'a>,
    /// JSON lines under `--json`.
    pub json: Box<dyn Write + 'a>,
    /// ANSI styling of the human text.
    pub style: Style,
    /// Repeat the lines read in the human text (when they come from a pipe, not a terminal).
    pub echo: bool,
    /// Wrap the human text to this many columns (the terminal's width; `None` for a pipe).
    pub width: Option<usize>,
    /// The agent is at a terminal (input and human text): articles open in a pager, a slow
    /// probe says what it does and can be skipped, Ctrl-C during a probe cancels the probe.
    pub terminal: bool,
}

impl<'a> Input<'a> {
    /// The prompts (human text silenced when a scripted run prints JSON lines) and the JSON
    /// output.
    fn split(self, quiet: bool) -> (Ui<'a>, Box<dyn Write + 'a>) {
        let human: Box<dyn Write + 'a> = if quiet {
            Box::new(std::io::sink())
        } else {
            self.human
        };
        let ui = Ui::new(
            human,
            self.lines,
            self.style,
            self.echo,
            self.width,
            self.terminal && !quiet,
        );
        (ui, self.json)
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    pub session: String,
    pub outcome: Outcome,
    /// Under `--dry-run`: every command line the run would have executed, in order.
    pub would_run: Vec<String>,
    /// The call as it ended and its whole log (including what came before a resume), for
    /// the ticket summary the command prints.
    pub call: Call,
    pub events: Vec<Event>,
}

/// Start a run of `playbook` and drive it to its end.
pub fn start<'a>(
    content: &'a Content,
    store: Option<&'a mut Store>,
    probes: &'a dyn Probes,
    playbook: &str,
    opts: Options,
    io: Input<'a>,
) -> Result<RunEnd, RuntimeError> {
    prepare(content, probes, playbook, opts, io)?.begin(store)
}

/// A run that passed every check made before the call starts (the playbook runs, the
/// answers file fits it, the inputs are given, the evidence packet is accepted): what
/// [`Prepared::begin`] needs to record the call and drive it. Nothing is recorded yet, so
/// a command may open the call store only once this is had.
pub struct Prepared<'a> {
    content: &'a Content,
    probes: &'a dyn Probes,
    playbook: String,
    opts: Options,
    engine: Engine,
    vars: BTreeMap<String, String>,
    agent: Box<dyn Agent + 'a>,
    ui: Ui<'a>,
    json: Box<dyn Write + 'a>,
    attached: Option<Record>,
}

/// Everything [`start`] checks before the call is recorded: an unknown playbook, one that
/// does not run, an answers file for another playbook or its steps, a bad input, a refused
/// evidence packet are refused here. At a terminal, missing inputs are asked here.
pub fn prepare<'a>(
    content: &'a Content,
    probes: &'a dyn Probes,
    playbook: &str,
    opts: Options,
    io: Input<'a>,
) -> Result<Prepared<'a>, RuntimeError> {
    if let Some(a) = &opts.answers {
        if let Some(p) = a.playbook.as_deref().filter(|p| *p != playbook) {
            return Err(RuntimeError::Answers(Box::new(a.at_playbook(format!(
                "this answers file is for playbook `{p}`, not `{playbook}`"
            )))));
        }
        a.check_steps(content, playbook)?;
    }
    let mut vars = opts
        .answers
        .as_ref()
        .map(|a| a.vars.clone())
        .unwrap_or_default();
    vars.extend(opts.vars.clone());
    let mut agent = agent_for(content, &opts);
    let (mut ui, json) = io.split(opts.json && opts.answers.is_some());
    let engine =
        start_engine(content, playbook, &mut vars, agent.as_mut(), &mut ui).map_err(|e| {
            // An input the answers file gave (and `--var` did not replace) is shown there.
            let name = match &e {
                RuntimeError::Run(
                    RunError::BadInput { name, .. } | RunError::UnknownInput { name, .. },
                ) => name,
                _ => return e,
            };
            match &opts.answers {
                Some(a) if a.vars.contains_key(name) && !opts.vars.contains_key(name) => {
                    RuntimeError::Answers(Box::new(a.at_var(name, e.to_string())))
                }
                _ => e,
            }
        })?;
    // A refused packet stops the run before anything is recorded.
    let attached = match &opts.evidence {
        Some(path) => Some(crate::evidence::read(path, &vars, opts.agent.as_deref())?),
        None => None,
    };
    Ok(Prepared {
        content,
        probes,
        playbook: playbook.to_string(),
        opts,
        engine,
        vars,
        agent,
        ui,
        json,
        attached,
    })
}

impl<'a> Prepared<'a> {
    /// Record the call in `store` (none under `--dry-run`) and drive it to its end.
    pub fn begin(self, store: Option<&'a mut Store>) -> Result<RunEnd, RuntimeError> {
        let Prepared {
            content,
            probes,
            playbook,
            opts,
            engine,
            vars,
            agent,
            mut ui,
            json,
            attached,
        } = self;
        let playbook = playbook.as_str();
        let fingerprint = Engine::fingerprint(content, playbook);
        let content_version = content.version();
        let new = NewCall {
            playbook,
            fingerprint: &fingerprint,
            content_version: &content_version,
            agent: opts.agent.as_deref(),
            rollout: opts.rollout.as_deref(),
            vars: &vars,
        };
        let json_out = opts.json.then_some(json);
        let store = if opts.dry_run { None } else { store };
        let mut log = Log::begin(store, &new, json_out)?;
        let title = playbook_title(content, playbook);
        if log.is_dry_run() {
            ui.say(&format!(
                "dry run of {playbook} ({title}): commands are shown, not run; nothing is recorded"
            ));
        } else {
            ui.say(&format!("call {} · {playbook} · {title}", log.session()));
        }
        if let Some(record) = attached {
            if let Record::Attached {
                computer,
                collected,
                ..
            } = &record
            {
                ui.say(&format!(
                    "attached {}",
                    crate::evidence::label(computer, collected)
                ));
            }
            log.record(record)?;
        }
        let mut runner = Runner::new(content, engine, log, ui, probes, agent, opts);
        let initial = runner.engine.initial_events().to_vec();
        runner.absorb(initial, &Map::new())?;
        runner.finish()
    }
}

/// Resume a dropped call: replay its log, say what no longer fits, go on from the first
/// unanswered step.
pub fn resume<'a>(
    content: &'a Content,
    store: &'a mut Store,
    probes: &'a dyn Probes,
    session: &str,
    mut opts: Options,
    io: Input<'a>,
) -> Result<RunEnd, RuntimeError> {
    opts.dry_run = false;
    let call = store.call(session)?;
    if !call.is_open() {
        return Err(RuntimeError::Ended {
            session: call.session,
            status: call.status.unwrap_or_default(),
        });
    }
    if let Some(a) = &opts.answers {
        if let Some(p) = a.playbook.as_deref().filter(|p| *p != call.playbook) {
            return Err(RuntimeError::Answers(Box::new(a.at_playbook(format!(
                "this answers file is for playbook `{p}`, not `{}`",
                call.playbook
            )))));
        }
        if content.playbook(&call.playbook).is_some() {
            a.check_steps(content, &call.playbook)?;
        }
    }
    let events = store.events(&call.session)?;
    let replayed = replay(content, &call, &events)?;
    let agent = agent_for(content, &opts);
    let (mut ui, json) = io.split(opts.json && opts.answers.is_some());
    let json_out = opts.json.then_some(json);
    let before = call.fingerprint.clone();
    let playbook = call.playbook.clone();
    let mut log = Log::reopen(store, call, json_out)?;
    let at = replayed
        .engine
        .pending()
        .map(|p| p.step().to_string())
        .unwrap_or_default();
    let title = playbook_title(content, &playbook);
    ui.say(&format!(
        "resuming call {} · {playbook} · {title}: {} recorded repl{} replayed, going on at `{at}`",
        log.session(),
        replayed.kept,
        if replayed.kept == 1 { "y" } else { "ies" }
    ));
    if replayed.changed {
        if replayed.misfits.is_empty() {
            ui.say("the playbook has changed since this call was recorded; every recorded step still fits");
        } else {
            ui.say("the playbook has changed since this call was recorded; these recorded steps no longer fit:");
        }
    } else if !replayed.misfits.is_empty() {
        ui.say("these recorded steps do not fit the playbook:");
    }
    for m in &replayed.misfits {
        ui.say(&format!("  - {} ({}): {}", m.step, m.recorded, m.reason));
    }
    log.record(Record::Resumed {
        fingerprint_before: before,
        fingerprint: replayed.fingerprint.clone(),
        changed: replayed.changed,
        kept: replayed.kept as u64,
        misfits: replayed.misfits.clone(),
        at,
        agent: opts.agent.clone(),
    })?;
    let pending_probed = replayed.pending_probed;
    let mut runner = Runner::new(content, replayed.engine, log, ui, probes, agent, opts);
    runner.recap();
    runner.armed = Armed::from_log(&runner.log.events);
    if pending_probed {
        if let Some(p) = runner.engine.pending() {
            runner.state = StepState::new(p.step());
            runner.state.probed = true;
            // A help desk result recorded at a question about another computer still
            // pre-fills nothing.
            if let Pending::Ask {
                text,
                probe: Some(request),
                ..
            } = &p
            {
                runner.state.no_prefill = request.from == Vantage::Helpdesk
                    && runner.about(text, &request.args).is_some();
            }
        }
    }
    runner.finish()
}

fn playbook_title(content: &Content, playbook: &str) -> String {
    content
        .playbook(playbook)
        .and_then(|p| p.yaml().map(|y| y.title.clone()))
        .unwrap_or_else(|| "Lua playbook".to_string())
}

/// The agent of a run: the answers file when there is one, else the person at the terminal.
fn agent_for<'a>(content: &'a Content, opts: &Options) -> Box<dyn Agent + 'a> {
    match &opts.answers {
        Some(a) => Box::new(ScriptedAgent::new(a.clone())),
        None => Box::new(TerminalAgent::new(content)),
    }
}

/// Start the engine; the agent supplies inputs that are missing or do not fit (at a
/// terminal, by asking).
fn start_engine(
    content: &Content,
    playbook: &str,
    vars: &mut BTreeMap<String, String>,
    agent: &mut dyn Agent,
    ui: &mut Ui<'_>,
) -> Result<Engine, RuntimeError> {
    // Each input is asked at most a few times, so a stuck loop cannot happen.
    for _ in 0..64 {
        let err = match Engine::start(content, playbook, vars.clone()) {
            Ok(engine) => return Ok(engine),
            Err(e) => e,
        };
        let (name, value) = agent.fix_input(ui, err)?;
        vars.insert(name, value);
    }
    Err(RuntimeError::MissingAnswer(
        "too many attempts at the playbook's inputs".into(),
    ))
}

/// What the runner knows about the step it is on.
#[derive(Debug, Default)]
struct StepState {
    step: String,
    shown: bool,
    /// The step's probe (or command) has run, or was declined.
    probed: bool,
    /// A probe step's result waiting for the agent to accept or override it.
    result: Option<(ProbeResult, Map<String, Value>)>,
    /// The step's probe ran on this help desk computer, but the step is about the caller's
    /// or the target's: its result pre-fills nothing.
    no_prefill: bool,
    /// The command shown for another computer (and which), whose outcome the agent types.
    readout: Option<(Vantage, String)>,
}

impl StepState {
    fn new(step: &str) -> StepState {
        StepState {
            step: step.to_string(),
            ..StepState::default()
        }
    }
}

/// A reply and what the runtime adds to its recorded event.
type Submission = (Reply, Map<String, Value>);

struct Runner<'a> {
    content: &'a Content,
    engine: Engine,
    log: Log<'a>,
    ui: Ui<'a>,
    probes: &'a dyn Probes,
    agent: Box<dyn Agent + 'a>,
    opts: Options,
    state: StepState,
    armed: Armed,
    would_run: Vec<String>,
    /// Evidence packets attached to the call.
    attachments: Vec<Attachment>,
    /// The tool matrix, for commands shown for another computer.
    tasks: ContentTasks,
    /// This help desk computer's name, asked of the probes when first shown.
    host: std::cell::OnceCell<String>,
}

impl<'a> Runner<'a> {
    fn new(
        content: &'a Content,
        engine: Engine,
        log: Log<'a>,
        ui: Ui<'a>,
        probes: &'a dyn Probes,
        agent: Box<dyn Agent + 'a>,
        opts: Options,
    ) -> Runner<'a> {
        let attachments = crate::evidence::attachments(&log.events, &log.call.vars);
        Runner {
            content,
            engine,
            log,
            ui,
            host: std::cell::OnceCell::new(),
            probes,
            agent,
            opts,
            state: StepState::default(),
            armed: Armed::default(),
            would_run: Vec::new(),
            attachments,
            tasks: ContentTasks::new(content),
        }
    }

    /// This help desk computer's name.
    fn host(&self) -> String {
        self.host
            .get_or_init(|| {
                self.probes
                    .host()
                    .unwrap_or_else(|| "this computer".to_string())
            })
            .clone()
    }

    /// Forget what was done at the step the runner was on.
    fn reset_step(&mut self, state: StepState) {
        self.state = state;
        self.agent.new_step();
    }

    /// Drive to the end; on failure record it, restore what was changed, and keep the call
    /// open for resume.
    fn finish(mut self) -> Result<RunEnd, RuntimeError> {
        match self.drive() {
            Ok(outcome) => Ok(RunEnd {
                session: self.log.session().to_string(),
                outcome,
                would_run: self.would_run,
                call: self.log.call,
                events: self.log.events,
            }),
            Err(err) => {
                let step = self.engine.pending().map(|p| p.step().to_string());
                let message = err.to_string();
                // The failure itself must not hide the first error.
                let _ = self.log.record(Record::Failed { step, message });
                self.restore_abandoned();
                self.log.flush();
                if !self.log.is_dry_run()
                    && !matches!(
                        err,
                        RuntimeError::Store(_) | RuntimeError::StoreUnavailable { .. }
                    )
                {
                    let id = self.log.session().to_string();
                    self.ui.say(&format!(
                        "call {id} is kept open: `deskbook sessions resume {id}` goes on from here"
                    ));
                }
                self.ui.flush();
                Err(err)
            }
        }
    }

    fn drive(&mut self) -> Result<Outcome, RuntimeError> {
        while let Some(p) = self.engine.pending() {
            // Ctrl-C while a command or probe ran (or in a scripted run, which reads no line).
            if crate::interrupt::requested() {
                return Err(RuntimeError::Interrupted);
            }
            if self.state.step != p.step() {
                self.reset_step(StepState::new(p.step()));
            }
            let text = match &p {
                Pending::Ask { text, .. }
                | Pending::Confirm { text, .. }
                | Pending::Input { text, .. } => text.clone(),
                Pending::Probe { request, .. } => format!("probe {}", describe_request(request)),
            };
            if !self.state.shown {
                self.ui.header(p.step(), &text, p.help(), self.content);
                self.state.shown = true;
            }
            let previous = match &p {
                Pending::Input { .. } => self.previous_answer(p.step()),
                _ => None,
            };
            let whereabouts = self.whereabouts(&p);
            let at = At {
                step: p.step(),
                text: &text,
                help: p.help(),
                previous: previous.as_deref(),
                whereabouts: &whereabouts,
            };
            let sub = match &p {
                Pending::Ask {
                    choices,
                    probe,
                    prefill,
                    ..
                } => self.ask(&at, choices, probe.as_ref(), prefill.as_deref())?,
                Pending::Confirm {
                    command, choices, ..
                } => self.confirm(&at, command.as_ref(), choices)?,
                Pending::Probe { request, .. } => self.probe_step(&at, request)?,
                Pending::Input { .. } => {
                    let turn = self.agent.free(&mut self.ui, &at)?;
                    submission(turn, Map::new())
                }
            };
            if let Some((reply, mut notes)) = sub {
                if let (Reply::Answer(_), Some(text)) = (&reply, pending_text(&p)) {
                    notes.entry("text").or_insert(json!(text));
                }
                self.submit(p.step(), reply, notes)?;
            }
        }
        self.log.flush();
        self.ui.flush();
        match self.engine.outcome() {
            Some(o) => Ok(o.clone()),
            None => Err(RuntimeError::Run(RunError::Ended)),
        }
    }

    /// Give the engine a reply and record what it returns. A refused reply goes back to the
    /// agent (at a terminal it is shown and asked again; in a scripted run it fails the run).
    /// A playbook that fails on a reply it took (a Lua error, a template that cannot render,
    /// a loop past its bound) ends the run with its error; the call stays open.
    fn submit(
        &mut self,
        step: &str,
        reply: Reply,
        notes: Map<String, Value>,
    ) -> Result<(), RuntimeError> {
        match self.engine.submit(reply) {
            Ok(events) => self.absorb(events, &notes),
            Err(e) if refuses_the_reply(&e) => self.agent.refused(&mut self.ui, step, e),
            Err(e) => Err(e.into()),
        }
    }

    /// Record the engine's events in order (running restores as they come), then the end.
    fn absorb(
        &mut self,
        events: Vec<EngineEvent>,
        notes: &Map<String, Value>,
    ) -> Result<(), RuntimeError> {
        let mut notes = Some(notes);
        let mut ended = None;
        for ev in events {
            if let EngineEvent::Ended(outcome) = ev {
                ended = Some(outcome);
                continue;
            }
            let replied = matches!(
                ev,
                EngineEvent::Answered { .. }
                    | EngineEvent::Probed { .. }
                    | EngineEvent::Noted { .. }
            );
            let record = log::from_engine(&ev, if replied { notes.take() } else { None })?;
            let keeps_state = matches!(ev, EngineEvent::Probed { .. } | EngineEvent::Noted { .. });
            self.armed.recorded(&record);
            self.log.record(record)?;
            match &ev {
                EngineEvent::Said { text } => self.ui.say(&format!("  {}", text.trim())),
                EngineEvent::Noted { .. } => self.ui.say("  (note recorded)"),
                EngineEvent::Flagged { flag, .. } => {
                    self.ui.say(&format!("  (the call is flagged: {flag})"))
                }
                EngineEvent::Restore { action } => self.restore(action)?,
                _ => {}
            }
            if !keeps_state {
                self.reset_step(StepState::default());
            }
        }
        if let Some(outcome) = ended {
            self.end(&outcome)?;
        }
        Ok(())
    }

    fn end(&mut self, outcome: &Outcome) -> Result<(), RuntimeError> {
        self.log.record(log::ended(self.content, outcome))?;
        let line = json!({
            "event": "end",
            "session": self.log.session(),
            "status": outcome.status,
            "category": outcome.category,
            "escalate": outcome.escalate,
            "path": outcome.path,
        });
        self.log.emit_end(&line)?;
        if !self.would_run.is_empty() {
            self.ui.say("Commands this run would execute:");
            for c in self.would_run.clone() {
                self.ui.say(&format!("  {c}"));
            }
        }
        Ok(())
    }
}

/// What the agent's turn submits: an answer (with the runtime's notes), another reply, or
/// nothing yet.
fn submission(turn: Turn, notes: Map<String, Value>) -> Option<Submission> {
    match turn {
        Turn::Answer(a) => Some((Reply::Answer(a), notes)),
        Turn::Reply(r) => Some((r, Map::new())),
        Turn::Again => None,
    }
}

/// Whether the engine refused the reply itself (not one of the step's choices, the wrong
/// kind, a value its input cannot take, too long or not one line, nothing to go back to): the agent may
/// answer again. Any other error is the playbook's.
fn refuses_the_reply(e: &RunError) -> bool {
    matches!(
        e,
        RunError::BadAnswer { .. }
            | RunError::UnexpectedReply { .. }
            | RunError::BadInput { .. }
            | RunError::MissingInput { .. }
            | RunError::NothingToGoBack(_)
            | RunError::TooLong { .. }
            | RunError::NotOneLine { .. }
    )
}

/// The text of a step the agent answers (for the recorded answer and the summary).
fn pending_text(p: &Pending) -> Option<&str> {
    match p {
        Pending::Ask { text, .. } | Pending::Confirm { text, .. } | Pending::Input { text, .. } => {
            Some(text.trim())
        }
        Pending::Probe { .. } => None,
    }
}

/// `name key=value ...` for a probe request.
pub fn describe_request(r: &ProbeRequest) -> String {
    let mut s = r.name.clone();
    for (k, v) in &r.args {
        s.push_str(&format!(" {k}={v}"));
    }
    s
}
