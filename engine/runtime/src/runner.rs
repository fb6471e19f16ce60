//! The runner: drives one run of the step engine to its end, with the agent at a terminal
//! (or typing into a pipe) or with an answers file, recording every event before the next
//! prompt.
//!
//! Order of work for each reply: the engine takes it, every event it returns is committed
//! to the store, and only then is the next step shown. So the prompt an agent sees is proof
//! that everything before it is on disk, and `kill -9` at a prompt loses no answered step.

use deskbook_content::markdown::Style;
use deskbook_content::Content;
use deskbook_playbook::{
    ActionRequest, Engine, EngineEvent, Outcome, Pending, ProbeRequest, Reply, RunError,
};
use deskbook_probes::ProbeResult;
use deskbook_store::{NewCall, Record, Store};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};

use crate::answers::AnswersFile;
use crate::log::{self, Log};
use crate::probing::Probes;
use crate::replay::replay;
use crate::summary;
use crate::terminal::{parse_typed, Typed, Ui};
use crate::RuntimeError;

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
}

/// Where the run reads and writes.
pub struct Input<'a> {
    /// The agent's typed lines (standard input).
    pub lines: Box<dyn BufRead + 'a>,
    /// Human text: steps, prompts, the summary.
    pub human: Box<dyn Write + 'a>,
    /// JSON lines under `--json`.
    pub json: Box<dyn Write + 'a>,
    /// ANSI styling of the human text.
    pub style: Style,
    /// Repeat the lines read in the human text (when they come from a pipe, not a terminal).
    pub echo: bool,
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
        (Ui::new(human, self.lines, self.style, self.echo), self.json)
    }
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunEnd {
    pub session: String,
    pub outcome: Outcome,
    /// Under `--dry-run`: every command line the run would have executed, in order.
    pub would_run: Vec<String>,
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
    if let Some(a) = &opts.answers {
        if let Some(p) = a.playbook.as_deref().filter(|p| *p != playbook) {
            return Err(RuntimeError::Answers(Box::new(a.at_playbook(format!(
                "this answers file is for playbook `{p}`, not `{playbook}`"
            )))));
        }
    }
    let mut vars = opts
        .answers
        .as_ref()
        .map(|a| a.vars.clone())
        .unwrap_or_default();
    vars.extend(opts.vars.clone());
    let scripted = opts.answers.is_some();
    let (mut ui, json) = io.split(opts.json && scripted);
    let engine = start_engine(content, playbook, &mut vars, scripted, &mut ui).map_err(|e| {
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
    let log = Log::begin(store, &new, json_out)?;
    let title = playbook_title(content, playbook);
    if log.is_dry_run() {
        ui.say(&format!(
            "dry run of {playbook} ({title}): commands are shown, not run; nothing is recorded"
        ));
    } else {
        ui.say(&format!("call {} · {playbook} · {title}", log.session()));
    }
    if !scripted {
        ui.legend();
    }
    let mut runner = Runner::new(content, engine, log, ui, probes, opts);
    let initial = runner.engine.initial_events().to_vec();
    runner.absorb(initial, &Map::new())?;
    runner.finish()
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
    }
    let events = store.events(&call.session)?;
    let replayed = replay(content, &call, &events)?;
    let scripted = opts.answers.is_some();
    let (mut ui, json) = io.split(opts.json && scripted);
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
    if !scripted {
        ui.legend();
    }
    let pending_probed = replayed.pending_probed;
    let mut runner = Runner::new(content, replayed.engine, log, ui, probes, opts);
    runner.rebuild_restore_state();
    if pending_probed {
        if let Some(p) = runner.engine.pending() {
            runner.state = StepState::new(p.step());
            runner.state.probed = true;
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

/// Start the engine; at a terminal, ask for inputs that are missing or do not fit.
fn start_engine(
    content: &Content,
    playbook: &str,
    vars: &mut BTreeMap<String, String>,
    scripted: bool,
    ui: &mut Ui<'_>,
) -> Result<Engine, RuntimeError> {
    // Each input is asked at most a few times, so a stuck loop cannot happen.
    for _ in 0..64 {
        let (name, problem) = match Engine::start(content, playbook, vars.clone()) {
            Ok(engine) => return Ok(engine),
            Err(RunError::MissingInput { name, prompt, .. }) if !scripted => (name, prompt),
            Err(RunError::BadInput {
                name,
                value,
                reason,
                ..
            }) if !scripted => {
                ui.error(&format!("{name} = {value}: {reason}"));
                (name.clone(), name)
            }
            Err(e) => return Err(e.into()),
        };
        match ui.ask(&format!("{problem}: "))? {
            Some(v) => {
                vars.insert(name, v.trim().to_string());
            }
            None => {
                return Err(RuntimeError::MissingAnswer(format!(
                    "the input ended before `{name}` was given"
                )))
            }
        }
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
    /// The choices (or the command's y/s) have been listed.
    offered: bool,
    /// A probe step's result waiting for the agent to accept or override it.
    result: Option<(ProbeResult, Map<String, Value>)>,
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
    opts: Options,
    state: StepState,
    /// Steps whose command really ran (not canned, not dry) and has not been restored.
    armed: HashSet<String>,
    would_run: Vec<String>,
}

impl<'a> Runner<'a> {
    fn new(
        content: &'a Content,
        engine: Engine,
        log: Log<'a>,
        ui: Ui<'a>,
        probes: &'a dyn Probes,
        opts: Options,
    ) -> Runner<'a> {
        Runner {
            content,
            engine,
            log,
            ui,
            probes,
            opts,
            state: StepState::default(),
            armed: HashSet::new(),
            would_run: Vec::new(),
        }
    }

    fn scripted(&self) -> Option<&AnswersFile> {
        self.opts.answers.as_ref()
    }

    /// Which commands of a recorded run really ran and are not restored yet.
    fn rebuild_restore_state(&mut self) {
        for e in &self.log.events {
            match &e.record {
                Record::Ran { step, canned, .. } => {
                    if *canned {
                        self.armed.remove(step);
                    } else {
                        self.armed.insert(step.clone());
                    }
                }
                Record::Restored { step, .. } => {
                    self.armed.remove(step);
                }
                _ => {}
            }
        }
    }

    /// Drive to the end; on failure record it, restore what was changed, and keep the call
    /// open for resume.
    fn finish(mut self) -> Result<RunEnd, RuntimeError> {
        match self.drive() {
            Ok(outcome) => Ok(RunEnd {
                session: self.log.session().to_string(),
                outcome,
                would_run: self.would_run,
            }),
            Err(err) => {
                let step = self.engine.pending().map(|p| p.step().to_string());
                let message = err.to_string();
                // The failure itself must not hide the first error.
                let _ = self.log.record(Record::Failed { step, message });
                for action in self.engine.restores() {
                    let _ = self.restore(&action);
                }
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
                self.state = StepState::new(p.step());
            }
            if !self.state.shown {
                let text = match &p {
                    Pending::Ask { text, .. }
                    | Pending::Confirm { text, .. }
                    | Pending::Input { text, .. } => text.clone(),
                    Pending::Probe { request, .. } => {
                        format!("probe {}", describe_request(request))
                    }
                };
                self.ui.header(p.step(), &text, p.help(), self.content);
                self.state.shown = true;
            }
            let sub = match &p {
                Pending::Ask {
                    step,
                    choices,
                    probe,
                    prefill,
                    ..
                } => self.ask(step, choices, probe.as_ref(), prefill.as_deref(), p.help())?,
                Pending::Confirm {
                    step,
                    command,
                    choices,
                    ..
                } => self.confirm(step, command.as_ref(), choices, p.help())?,
                Pending::Probe { step, request, .. } => self.probe_step(step, request, p.help())?,
                Pending::Input { step, .. } => self.input(step, p.help())?,
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

    /// Give the engine a reply and record what it returns. At a terminal a refused reply is
    /// shown and asked again; in a scripted run it fails the run.
    fn submit(
        &mut self,
        step: &str,
        reply: Reply,
        notes: Map<String, Value>,
    ) -> Result<(), RuntimeError> {
        match self.engine.submit(reply) {
            Ok(events) => self.absorb(events, &notes),
            Err(e) => match self.scripted() {
                Some(a) => Err(RuntimeError::Answers(Box::new(
                    a.at_answer(step, e.to_string()),
                ))),
                None => {
                    self.ui.error(&e.to_string());
                    Ok(())
                }
            },
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
            if let Record::Ran { step, canned, .. } = &record {
                if *canned {
                    self.armed.remove(step);
                } else {
                    self.armed.insert(step.clone());
                }
            }
            self.log.record(record)?;
            match &ev {
                EngineEvent::Said { text } => self.ui.say(&format!("  {}", text.trim())),
                EngineEvent::Noted { .. } => self.ui.say("  (note recorded)"),
                EngineEvent::Restore { action } => self.restore(action)?,
                _ => {}
            }
            if !keeps_state {
                self.state = StepState::default();
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
        let text = summary::ticket(&self.log.call, &self.log.events, self.content);
        self.ui.say(&format!("\n{text}"));
        if !self.would_run.is_empty() {
            self.ui.say("Commands this run would execute:");
            for c in self.would_run.clone() {
                self.ui.say(&format!("  {c}"));
            }
        }
        Ok(())
    }

    /// Run a restore action unless its command never ran here (canned, dry run) or it was
    /// already restored.
    fn restore(&mut self, action: &ActionRequest) -> Result<(), RuntimeError> {
        let line = self.probes.describe(action);
        if self.opts.dry_run {
            self.ui
                .say(&format!("  would restore ({}): {line}", action.step));
            self.would_run.push(line);
            return Ok(());
        }
        if !self.armed.remove(&action.step) {
            return Ok(());
        }
        self.ui.say(&format!(
            "  restoring what `{}` changed: {line}",
            action.step
        ));
        let result = self.probes.run(&action.probe_request());
        self.ui.probe_result("command", &result, false);
        self.log.record(Record::Restored {
            step: action.step.clone(),
            action: log::action(action),
            command: line,
            result,
        })
    }

    /// Run a probe, or take its canned result; under `--dry-run` a `command` probe is shown
    /// and not run.
    fn run_probe(
        &mut self,
        step: &str,
        request: &ProbeRequest,
    ) -> (ProbeResult, Map<String, Value>) {
        let mut notes = Map::new();
        notes.insert("request".into(), json!(request));
        let canned = self.scripted().and_then(|a| a.probes.get(step)).cloned();
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
            self.probes.run(request)
        };
        self.ui.probe_result(
            &describe_request(request),
            &result,
            notes.get("canned") == Some(&json!(true)),
        );
        (result, notes)
    }

    fn missing(&self, step: &str, expected: &str) -> RuntimeError {
        match self.scripted() {
            Some(a) => RuntimeError::MissingAnswer(format!(
                "{}: no answer for step `{step}` (expected {expected})",
                a.file.path
            )),
            None => RuntimeError::MissingAnswer(format!(
                "no answer for step `{step}`: the input ended (expected {expected})"
            )),
        }
    }

    /// Handle what every prompt accepts besides an answer; `Ok(Some(sub))` when it is a reply.
    fn common(
        &mut self,
        typed: &Typed,
        help: &[String],
    ) -> Result<Option<Option<Submission>>, RuntimeError> {
        Ok(match typed {
            Typed::Help(n) => {
                self.ui.show_help(help, *n, self.content);
                self.state.offered = false;
                Some(None)
            }
            Typed::Back => Some(Some((Reply::Back, Map::new()))),
            Typed::Note(Some(text)) if !text.is_empty() => {
                Some(Some((Reply::Note(text.clone()), Map::new())))
            }
            Typed::Note(_) => match self.ui.ask("  note: ")? {
                Some(t) if !t.trim().is_empty() => {
                    Some(Some((Reply::Note(t.trim().to_string()), Map::new())))
                }
                _ => Some(None),
            },
            _ => None,
        })
    }

    /// Pick one of `choices` from what the agent typed, or say why not.
    fn pick(&mut self, typed: &Typed, choices: &[String], prefill: Option<&str>) -> Option<String> {
        match typed {
            Typed::Empty => match prefill {
                Some(p) => Some(p.to_string()),
                None => {
                    self.ui
                        .error("type the number of a choice, or the choice itself");
                    None
                }
            },
            Typed::Text(t) => {
                if let Ok(n) = t.parse::<usize>() {
                    if n >= 1 && n <= choices.len() {
                        return Some(choices[n - 1].clone());
                    }
                }
                if let Some(c) = choices.iter().find(|c| c.eq_ignore_ascii_case(t)) {
                    return Some(c.clone());
                }
                self.ui.error(&format!(
                    "{t:?} is not a choice: type 1-{} or one of: {}",
                    choices.len(),
                    choices.join(", ")
                ));
                None
            }
            _ => None,
        }
    }

    /// Read one line at the terminal; the end of input fails the run naming the step.
    fn read(&mut self, step: &str, prompt: &str, expected: &str) -> Result<Typed, RuntimeError> {
        match self.ui.ask(prompt)? {
            Some(line) => Ok(parse_typed(&line)),
            None => Err(self.missing(step, expected)),
        }
    }

    fn ask(
        &mut self,
        step: &str,
        choices: &[String],
        probe: Option<&ProbeRequest>,
        prefill: Option<&str>,
        help: &[String],
    ) -> Result<Option<Submission>, RuntimeError> {
        if let Some(request) = probe.filter(|_| !self.state.probed) {
            self.state.probed = true;
            let (result, notes) = self.run_probe(step, request);
            return Ok(Some((Reply::Probe(result), notes)));
        }
        let expected = format!("one of: {}", choices.join(", "));
        let mut notes = Map::new();
        if let Some(p) = prefill {
            notes.insert("prefill".into(), json!(p));
        }
        if let Some(a) = self.scripted() {
            let answer = match a.answers.get(step).cloned().or(prefill.map(str::to_string)) {
                Some(answer) => answer,
                None => return Err(self.missing(step, &expected)),
            };
            if let Some(p) = prefill {
                notes.insert("overridden".into(), json!(p != answer));
            }
            self.ui.say(&format!("  -> {answer}"));
            return Ok(Some((Reply::Answer(answer), notes)));
        }
        if !std::mem::replace(&mut self.state.offered, true) {
            self.ui.choices(choices, prefill);
        }
        loop {
            let prompt = match prefill {
                Some(p) => format!("answer [{p}]: "),
                None => "answer: ".to_string(),
            };
            let typed = self.read(step, &prompt, &expected)?;
            if let Some(sub) = self.common(&typed, help)? {
                return Ok(sub);
            }
            if let Some(answer) = self.pick(&typed, choices, prefill) {
                if let Some(p) = prefill {
                    notes.insert("overridden".into(), json!(p != answer));
                }
                return Ok(Some((Reply::Answer(answer), notes)));
            }
        }
    }

    fn confirm(
        &mut self,
        step: &str,
        command: Option<&ActionRequest>,
        choices: &[String],
        help: &[String],
    ) -> Result<Option<Submission>, RuntimeError> {
        let expected = format!("one of: {}", choices.join(", "));
        if let Some(action) = command.filter(|_| !self.state.probed) {
            let line = self.probes.describe(action);
            let mut notes = Map::new();
            notes.insert("command".into(), json!(line));
            notes.insert("action".into(), json!(action));
            let canned = self.scripted().and_then(|a| a.probes.get(step)).cloned();
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
            if let Some(a) = self.scripted() {
                // In a script the answer is the confirmation: without one, nothing runs.
                if !a.answers.contains_key(step) {
                    return Err(self.missing(step, &expected));
                }
            } else {
                if !std::mem::replace(&mut self.state.offered, true) {
                    self.ui.say(&format!("  command: {line}"));
                    self.ui
                        .say("  y) run it now   s) skip it (done another way)");
                }
                loop {
                    match self.read(step, "run it? ", "y or s")? {
                        Typed::Text(t)
                            if t.eq_ignore_ascii_case("y") || t.eq_ignore_ascii_case("yes") =>
                        {
                            break
                        }
                        Typed::Text(t)
                            if t.eq_ignore_ascii_case("s") || t.eq_ignore_ascii_case("skip") =>
                        {
                            self.state.probed = true;
                            self.state.offered = false;
                            self.log.record(Record::Declined {
                                step: step.to_string(),
                                command: line,
                            })?;
                            return Ok(None);
                        }
                        typed => {
                            if let Some(sub) = self.common(&typed, help)? {
                                return Ok(sub);
                            }
                            self.ui.error("type y to run the command or s to skip it");
                        }
                    }
                }
            }
            self.state.probed = true;
            self.state.offered = false;
            notes.insert("canned".into(), json!(false));
            self.ui.say(&format!("  running: {line}"));
            let result = self.probes.run(&action.probe_request());
            self.ui.probe_result("command", &result, false);
            return Ok(Some((Reply::Probe(result), notes)));
        }
        if let Some(a) = self.scripted() {
            return match a.answers.get(step).cloned() {
                Some(answer) => {
                    self.ui.say(&format!("  -> {answer}"));
                    Ok(Some((Reply::Answer(answer), Map::new())))
                }
                None => Err(self.missing(step, &expected)),
            };
        }
        let prefill = (choices.len() == 1).then(|| choices[0].clone());
        if !std::mem::replace(&mut self.state.offered, true) {
            self.ui.choices(choices, None);
        }
        loop {
            let prompt = match &prefill {
                Some(p) => format!("confirm [{p}]: "),
                None => "confirm: ".to_string(),
            };
            let typed = self.read(step, &prompt, &expected)?;
            if let Some(sub) = self.common(&typed, help)? {
                return Ok(sub);
            }
            if let Some(answer) = self.pick(&typed, choices, prefill.as_deref()) {
                return Ok(Some((Reply::Answer(answer), Map::new())));
            }
        }
    }

    fn probe_step(
        &mut self,
        step: &str,
        request: &ProbeRequest,
        help: &[String],
    ) -> Result<Option<Submission>, RuntimeError> {
        if self.state.result.is_none() {
            let r = self.run_probe(step, request);
            self.state.result = Some(r);
        }
        let Some((result, notes)) = self.state.result.clone() else {
            return Ok(None);
        };
        let status = result.status.as_str().to_string();
        let override_with =
            |this: &mut Self, answer: String| -> Result<Option<Submission>, RuntimeError> {
                let observed = log::observed(step, &result, &notes)?;
                this.log.record(observed)?;
                let mut n = Map::new();
                n.insert("prefill".into(), json!(status));
                n.insert("overridden".into(), json!(true));
                Ok(Some((Reply::Answer(answer), n)))
            };
        if let Some(a) = self.scripted() {
            return match a.answers.get(step).cloned() {
                Some(answer) if answer != status => {
                    self.ui.say(&format!("  -> {answer} (overrides the probe)"));
                    override_with(self, answer)
                }
                _ => Ok(Some((Reply::Probe(result.clone()), notes.clone()))),
            };
        }
        loop {
            let typed = self.read(
                step,
                &format!("accept [{status}] or type ok / fail / error: "),
                "ok, fail or error",
            )?;
            if let Some(sub) = self.common(&typed, help)? {
                return Ok(sub);
            }
            match typed {
                Typed::Empty => return Ok(Some((Reply::Probe(result.clone()), notes.clone()))),
                Typed::Text(t) if t == status => {
                    return Ok(Some((Reply::Probe(result.clone()), notes.clone())))
                }
                Typed::Text(t) if ["ok", "fail", "error"].contains(&t.as_str()) => {
                    return override_with(self, t)
                }
                _ => self
                    .ui
                    .error("press Enter to accept, or type ok, fail or error"),
            }
        }
    }

    fn input(&mut self, step: &str, help: &[String]) -> Result<Option<Submission>, RuntimeError> {
        if let Some(a) = self.scripted() {
            return match a.answers.get(step).cloned() {
                Some(answer) => {
                    self.ui.say(&format!("  -> {answer}"));
                    Ok(Some((Reply::Answer(answer), Map::new())))
                }
                None => Err(self.missing(step, "a free answer")),
            };
        }
        loop {
            let typed = self.read(step, "answer: ", "a free answer")?;
            if let Some(sub) = self.common(&typed, help)? {
                return Ok(sub);
            }
            match typed {
                Typed::Text(t) => return Ok(Some((Reply::Answer(t), Map::new()))),
                _ => self.ui.error("an answer is needed (or b to go back)"),
            }
        }
    }
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

/// Whether the YAML step `step` (qualified as the engine gives it, in a run of `root`)
/// declares a restore; for the dry-run notice only.
fn action_restores(content: &Content, root: &str, step: &str) -> bool {
    let (pb, id) = step.rsplit_once('/').unwrap_or((root, step));
    content
        .playbook(pb)
        .and_then(|doc| doc.yaml())
        .is_some_and(|y| y.steps.iter().any(|s| s.id == id && s.restore.is_some()))
}
