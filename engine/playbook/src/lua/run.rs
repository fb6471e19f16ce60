//! Running Lua: a Lua playbook's `run(ctx)` as a coroutine that yields at each `ctx:ask`,
//! `ctx:probe` and `ctx:finish`, and a YAML playbook's `lua` step as one call.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use mlua::chunk::ChunkMode;
use mlua::thread::ThreadStatus;
use mlua::{Function, IntoLuaMulti, MultiValue, Table, Thread, Value};
use serde_json::{Map, Value as Json};

use deskbook_content::SourceFile;
use deskbook_probes::ProbeResult;

use super::convert::{map_to_lua, to_json, to_text};
use super::meta::{load, LuaProblem};
use super::sandbox::{Sandbox, API_CHUNK};

/// What a Lua playbook asks of the engine at a yield. Lines are the file's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Yielded {
    Ask {
        id: String,
        text: String,
        choices: Vec<String>,
        help: Vec<String>,
        save: Option<String>,
    },
    Probe {
        id: String,
        name: String,
        args: BTreeMap<String, String>,
    },
    Finish {
        status: String,
        category: String,
        escalate: Option<String>,
        collect: Vec<String>,
        line: usize,
    },
}

/// The value a yield resumes with.
pub(crate) enum Resume<'a> {
    Answer(&'a str),
    Probe(&'a ProbeResult),
}

/// The engine's API as Lua: thin wrappers that yield to the engine.
const CTX: &str = r#"
local yield, where_, say = ...
local ctx = {}
function ctx.ask(self, spec) return yield("ask", spec, where_()) end
function ctx.probe(self, name, args, id) return yield("probe", {name = name, args = args, id = id}, where_()) end
function ctx.finish(self, spec) return yield("finish", spec, where_()) end
function ctx.say(self, text) say(text, where_()) end
return ctx
"#;

/// A Lua playbook in progress.
pub(crate) struct LuaRun {
    thread: Thread,
    said: Rc<RefCell<Vec<String>>>,
    file: String,
    run_end_line: usize,
}

impl LuaRun {
    /// Load the playbook, build `ctx` with `vars` and run until the first yield.
    pub(crate) fn start(
        sandbox: &Sandbox,
        file: &SourceFile,
        vars: &Map<String, Json>,
    ) -> Result<(LuaRun, Yielded), String> {
        let (_, run) = load(sandbox, file).map_err(|p| p.render(&file.path))?;
        let lua = &sandbox.lua;
        let err = |e: mlua::Error| sandbox.message(&e, &file.path);
        let said = Rc::new(RefCell::new(Vec::new()));
        let said_in = said.clone();
        let say = lua
            .create_function(move |_, (text, _line): (Value, Option<usize>)| {
                let text = match &text {
                    Value::String(s) => s.to_string_lossy(),
                    other => to_text(other).unwrap_or_else(|| format!("({})", other.type_name())),
                };
                said_in.borrow_mut().push(text);
                Ok(())
            })
            .map_err(err)?;
        let where_ = lua
            .create_function(|lua, ()| Ok(lua.inspect_stack(2, |d| d.current_line()).flatten()))
            .map_err(err)?;
        let coroutine: Table = lua.globals().get("coroutine").map_err(err)?;
        let yield_fn: Function = coroutine.get("yield").map_err(err)?;
        let ctx: Table = lua
            .load(CTX)
            .set_name(API_CHUNK)
            .set_mode(ChunkMode::Text)
            .call((yield_fn, where_, say))
            .map_err(err)?;
        ctx.set("vars", map_to_lua(lua, vars).map_err(err)?)
            .map_err(err)?;
        let run_end_line = run.info().last_line_defined.unwrap_or(0);
        let thread = lua.create_thread(run).map_err(err)?;
        sandbox.install_hook(Some(&thread)).map_err(err)?;
        let mut me = LuaRun {
            thread,
            said,
            file: file.path.clone(),
            run_end_line,
        };
        let first = me.step(sandbox, ctx.into_lua_multi(lua).map_err(err)?)?;
        Ok((me, first))
    }

    /// Resume after a yield.
    pub(crate) fn resume(&mut self, sandbox: &Sandbox, value: Resume) -> Result<Yielded, String> {
        let lua = &sandbox.lua;
        let err = |e: mlua::Error| sandbox.message(&e, &self.file);
        let arg = match value {
            Resume::Answer(a) => Value::String(lua.create_string(a).map_err(err)?),
            Resume::Probe(r) => Value::Table(probe_table(lua, r).map_err(err)?),
        };
        self.step(sandbox, arg.into_lua_multi(lua).map_err(err)?)
    }

    /// Texts of `ctx:say` since the last call.
    pub(crate) fn take_said(&self) -> Vec<String> {
        std::mem::take(&mut *self.said.borrow_mut())
    }

    fn step(&mut self, sandbox: &Sandbox, args: MultiValue) -> Result<Yielded, String> {
        let out = sandbox
            .resume(&self.thread, args)
            .map_err(|e| sandbox.message(&e, &self.file))?;
        if self.thread.status() != ThreadStatus::Resumable {
            return Err(format!(
                "{}:{}: run(ctx) ended without ctx:finish{{status = ..., category = ...}}",
                self.file, self.run_end_line
            ));
        }
        let mut vals = out.into_iter();
        let kind = vals.next().and_then(|v| to_text(&v)).unwrap_or_default();
        let spec = vals.next().unwrap_or(Value::Nil);
        let line = match vals.next() {
            Some(Value::Integer(i)) => usize::try_from(i).unwrap_or(0),
            _ => 0,
        };
        parse_yield(&kind, &spec, line)
            .map_err(|m| LuaProblem { line, message: m }.render(&self.file))
    }
}

fn probe_table(lua: &mlua::Lua, r: &ProbeResult) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.set("probe", r.probe.as_str())?;
    t.set("status", r.status.as_str())?;
    t.set("summary", r.summary.as_str())?;
    t.set("data", map_to_lua(lua, &r.data)?)?;
    t.set("output", r.output.as_str())?;
    t.set("duration_ms", r.duration_ms)?;
    Ok(t)
}

fn field(t: &Table, name: &str) -> Value {
    t.raw_get::<Value>(name).unwrap_or(Value::Nil)
}

fn opt_text(t: &Table, name: &str, what: &str) -> Result<Option<String>, String> {
    match field(t, name) {
        Value::Nil => Ok(None),
        v => to_text(&v).map(Some).ok_or_else(|| {
            format!(
                "{what}: `{name}` must be a string (it is {})",
                v.type_name()
            )
        }),
    }
}

fn text_list(t: &Table, name: &str, what: &str) -> Result<Vec<String>, String> {
    match field(t, name) {
        Value::Nil => Ok(Vec::new()),
        Value::Table(list) => {
            let mut out = Vec::new();
            for v in list.sequence_values::<Value>() {
                let v = v.map_err(|e| e.to_string())?;
                out.push(to_text(&v).ok_or_else(|| {
                    format!(
                        "{what}: `{name}` must list strings (it holds a {})",
                        v.type_name()
                    )
                })?);
            }
            Ok(out)
        }
        v => Err(format!(
            "{what}: `{name}` must be a list of strings (it is {})",
            v.type_name()
        )),
    }
}

fn parse_yield(kind: &str, spec: &Value, line: usize) -> Result<Yielded, String> {
    match kind {
        "ask" => {
            let Value::Table(t) = spec else {
                return Err("ctx:ask needs a table: ctx:ask{id = ..., text = ..., choices = {...}} (note the colon)".into());
            };
            let what = "ctx:ask";
            let text =
                opt_text(t, "text", what)?.ok_or_else(|| "ctx:ask needs `text`".to_string())?;
            let id = opt_text(t, "id", what)?.unwrap_or_else(|| format!("ask-{line}"));
            let choices = text_list(t, "choices", what)?;
            let help = text_list(t, "help", what)?;
            let save = opt_text(t, "save", what)?;
            Ok(Yielded::Ask {
                id,
                text,
                choices,
                help,
                save,
            })
        }
        "probe" => {
            let Value::Table(t) = spec else {
                return Err("ctx:probe needs a probe name".into());
            };
            let what = "ctx:probe";
            let name = opt_text(t, "name", what)?.ok_or_else(|| {
                "ctx:probe(name, args, id) needs a probe name (note the colon)".to_string()
            })?;
            let id = opt_text(t, "id", what)?.unwrap_or_else(|| format!("probe-{line}"));
            let mut args = BTreeMap::new();
            match field(t, "args") {
                Value::Nil => {}
                Value::Table(a) => {
                    for pair in a.pairs::<Value, Value>() {
                        let (k, v) = pair.map_err(|e| e.to_string())?;
                        let k = to_text(&k).unwrap_or_default();
                        let v = match &v {
                            Value::Table(_) => serde_json::to_string(&to_json(&v, 0)?)
                                .map_err(|e| e.to_string())?,
                            other => to_text(other).ok_or_else(|| {
                                format!("ctx:probe: argument `{k}` must be a string")
                            })?,
                        };
                        args.insert(k, v);
                    }
                }
                v => {
                    return Err(format!(
                        "ctx:probe: the arguments must be a table (they are {})",
                        v.type_name()
                    ))
                }
            }
            // Lua reaches the system only through tool-matrix tasks and the probes whose
            // arguments are validated: an argument vector would be any program at all.
            if name == "command" && args.contains_key("argv") {
                return Err("ctx:probe(\"command\", …) takes a tool-matrix `task`, not `argv`: a Lua playbook runs no program of its own choosing".into());
            }
            Ok(Yielded::Probe { id, name, args })
        }
        "finish" => {
            let Value::Table(t) = spec else {
                return Err("ctx:finish needs a table: ctx:finish{status = ..., category = ...} (note the colon)".into());
            };
            let what = "ctx:finish";
            let status = opt_text(t, "status", what)?
                .ok_or_else(|| "ctx:finish needs `status`".to_string())?;
            let category = opt_text(t, "category", what)?
                .ok_or_else(|| "ctx:finish needs `category`".to_string())?;
            Ok(Yielded::Finish {
                status,
                category,
                escalate: opt_text(t, "escalate", what)?,
                collect: text_list(t, "collect", what)?,
                line,
            })
        }
        other => Err(format!(
            "unexpected yield `{other}`: use ctx:ask, ctx:probe and ctx:finish"
        )),
    }
}

/// The compiled `lua` steps of YAML playbooks, with one environment per playbook.
#[derive(Default)]
pub(crate) struct StepChunks {
    envs: BTreeMap<String, Table>,
    fns: BTreeMap<(String, String), Function>,
}

impl StepChunks {
    /// Run the `lua` step `step` of `playbook` (source `code` starting on file line
    /// `first_line`) with `vars`, which it may change. Returns the step id it chose.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run(
        &mut self,
        sandbox: &Sandbox,
        file: &str,
        playbook: &str,
        step: &str,
        code: &str,
        first_line: usize,
        vars: &mut Map<String, Json>,
    ) -> Result<String, String> {
        let lua = &sandbox.lua;
        let err = |e: mlua::Error| sandbox.message(&e, file);
        let env = match self.envs.get(playbook) {
            Some(env) => env.clone(),
            None => {
                let env = sandbox.environment().map_err(err)?;
                self.envs.insert(playbook.to_string(), env.clone());
                env
            }
        };
        let key = (playbook.to_string(), step.to_string());
        let func = match self.fns.get(&key) {
            Some(f) => f.clone(),
            None => {
                let f = sandbox.load(code, file, first_line, env.clone())?;
                self.fns.insert(key, f.clone());
                f
            }
        };
        let table = map_to_lua(lua, vars).map_err(err)?;
        env.raw_set("vars", table).map_err(err)?;
        let out: Value = sandbox.guarded(|| func.call::<Value>(())).map_err(err)?;
        let after: Value = env.raw_get("vars").map_err(err)?;
        let new_vars = match to_json(&after, 0) {
            Ok(Json::Object(m)) => m,
            Ok(Json::Array(_)) | Ok(Json::Null) => Map::new(),
            Ok(_) => Map::new(),
            Err(m) => return Err(format!("{file}:{first_line}: step `{step}`: {m}")),
        };
        *vars = new_vars;
        match out {
            Value::String(s) => Ok(s.to_string_lossy()),
            other => Err(format!(
                "{file}:{first_line}: the lua step `{step}` must return the id of the next step (it returned {})",
                other.type_name()
            )),
        }
    }
}
