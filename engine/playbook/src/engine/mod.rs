//! The step engine: one run of a playbook (with the stack of playbooks it `call`s) as a pure
//! state machine. It does no I/O: the runtime shows [`Engine::pending`], runs probes and
//! commands, feeds the answer back with [`Engine::submit`] and records every
//! [`EngineEvent`]. Resume is [`Engine::start`] plus re-submitting the recorded replies
//! ([`EngineEvent::reply`] turns a recorded event back into its reply).
//!
//! The parts: [`request`] (what to execute), [`pending`] (what the run waits for and the
//! replies it takes), [`event`] (what happened, how it ended), `walk` (moving through steps
//! that need no reply, calls and ends), `yaml` and `lua` (the two kinds of playbook frame),
//! `restore` (the restore actions a run arms).

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use deskbook_content::Content;
use deskbook_probes::ProbeResult;
use serde_json::{Map, Value as Json};

use crate::error::RunError;
use crate::lua::run::{LuaRun, Yielded};
use crate::lua::sandbox::Limits;
use crate::program::{check_inputs, Book, Program};

pub mod event;
mod lua;
pub mod pending;
mod reply;
pub mod request;
mod restore;
mod walk;
mod yaml;

pub use event::{EngineEvent, Outcome};
pub use pending::{Pending, Reply};
pub use reply::{free_text, match_choice};
pub use request::{ActionRequest, ProbeRequest};

use lua::LuaHost;

/// Most steps one reply may pass through before the run waits again (a `lua` loop that
/// never reaches a question fails instead of hanging).
pub const MAX_AUTO_STEPS: usize = 100_000;

/// Most times a run may enter one step: a run that goes around a loop (answers that send
/// it back, a Lua `while true do ctx:ask{…} end`) stops here, naming the step. Real
/// retries ("try again", "ping once more") come back a few times, not a hundred.
pub const MAX_VISITS: u32 = 100;

/// Most steps one run may enter in all (a loop of Lua questions with new ids each time).
/// The longest generated playbook in the benchmarks has 10,000 steps.
pub const MAX_RUN_STEPS: usize = 100_000;

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
    /// How often each step of `path` was entered (kept in step with `path`).
    visits: HashMap<String, u32>,
    /// Restore actions armed, in the order their steps ran.
    restores: Vec<ActionRequest>,
    /// Every reply a Lua coroutine consumed, as the run stands; a Lua frame's replies are
    /// `lua_log[log_start..state.lua_log_len]` (Lua frames are always on top, so one log
    /// serves them all, and saved states only keep a length).
    lua_log: Vec<LuaReply>,
    /// Flags raised, with the index in `path` of the step that raised each.
    flagged: Vec<(usize, String)>,
    outcome: Option<Outcome>,
    initial: Vec<EngineEvent>,
    root_vars: Map<String, Json>,
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
        let mut ids: Vec<&str> = program
            .books
            .keys()
            .map(String::as_str)
            .filter(|id| *id != playbook)
            .collect();
        ids.sort_unstable();
        ids.insert(0, playbook);
        if let Some(d) = crate::check::first_error(content, &ids) {
            return Err(RunError::Invalid(format!(
                "playbook `{playbook}` has errors and does not run; the first: {}:{}:{}: {} (run `deskbook check`)",
                d.file, d.line, d.column, d.message
            )));
        }
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
            visits: HashMap::new(),
            restores: Vec::new(),
            lua_log: Vec::new(),
            flagged: Vec::new(),
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
}

fn internal(what: &str) -> RunError {
    RunError::Step(format!("internal error in the step engine: {what}"))
}
