//! The Lua sandbox: one interpreter per run, with limits.
//!
//! - Only the `table`, `string`, `math` and `utf8` libraries (and a safe part of the base
//!   library) are loaded. The `coroutine` library is loaded too, but only so the engine can
//!   capture `coroutine.yield` for its own API; no playbook environment contains it.
//! - Every chunk gets an environment table made here, with only what playbooks may use; the
//!   globals of the interpreter are never visible. Forbidden names (`io`, `os`, `require`,
//!   …) raise a clear error instead of reading as nil.
//! - Chunks are text only (`ChunkMode::Text`); `load` in a playbook is text-only too, and
//!   `string.dump` is removed, so no bytecode can be made or loaded.
//! - A run must replay exactly from its recorded answers: `math.random` is removed and
//!   `pairs` walks keys in sorted order (Lua's hash order differs between interpreters).
//! - A memory limit for the interpreter, and an instruction hook that fails a step whose
//!   Lua code runs past its deadline (time spent waiting for the agent does not count).
//!   The string pattern functions, which backtrack inside one C call where the hook never
//!   runs, are replaced by `pattern.rs`, which watches the same deadline.
//!
//! Errors are turned into one line that names the playbook file and line.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::chunk::ChunkMode;
use mlua::debug::{Debug, DebugEvent};
use mlua::{
    Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Thread, Value, VmState,
};

/// The limits of a run's interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes the interpreter may allocate in all.
    pub memory: usize,
    /// Lua execution time allowed for one step (between two answers).
    pub step_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 16 * 1024 * 1024,
            step_time: Duration::from_secs(1),
        }
    }
}

/// Base-library functions a playbook may use.
const SAFE_BASE: &[&str] = &[
    "assert",
    "error",
    "ipairs",
    "next",
    "pairs",
    "pcall",
    "rawequal",
    "rawget",
    "rawlen",
    "rawset",
    "select",
    "setmetatable",
    "getmetatable",
    "tonumber",
    "tostring",
    "type",
    "xpcall",
];

/// Names a playbook might reach for that the sandbox does not give; using one is an error
/// that says so.
const FORBIDDEN: &[&str] = &[
    "io",
    "os",
    "require",
    "package",
    "debug",
    "dofile",
    "loadfile",
    "loadstring",
    "print",
    "collectgarbage",
    "coroutine",
];

/// Name of the chunk holding the engine's own Lua code (its lines are never blamed).
pub(crate) const API_CHUNK: &str = "=deskbook";

/// The name a playbook chunk gets inside Lua. Lua cuts chunk names in messages to 60
/// bytes, so the file's path is put back in [`Sandbox::message`] instead. A chunk that
/// starts on line N+1 of its file (a YAML `lua` step) is named `~playbook@N`, and N is
/// added to the lines Lua reports.
const CHUNK: &str = "~playbook";

/// The line offset encoded in a chunk name (`=~playbook@N`, with or without the `=`).
fn chunk_offset(name: &str) -> Option<usize> {
    let rest = name.trim_start_matches('=').strip_prefix(CHUNK)?;
    match rest.strip_prefix('@') {
        Some(n) => n.parse().ok(),
        None if rest.is_empty() => Some(0),
        None => None,
    }
}

/// A run's interpreter.
pub(crate) struct Sandbox {
    pub(crate) lua: Lua,
    pub(crate) limits: Limits,
    deadline: Rc<Cell<Option<Instant>>>,
    /// The last line run in a playbook chunk, to name the line of a memory error.
    last_line: Rc<Cell<usize>>,
    hook: HookTriggers,
}

impl Sandbox {
    pub(crate) fn new(limits: Limits) -> Result<Sandbox, String> {
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::UTF8 | StdLib::COROUTINE;
        let lua = Lua::new_with(libs, LuaOptions::default()).map_err(|e| e.to_string())?;
        let g = lua.globals();
        let strip = || -> mlua::Result<()> {
            let string: Table = g.get("string")?;
            string.set("dump", Value::Nil)?;
            let math: Table = g.get("math")?;
            math.set("random", Value::Nil)?;
            math.set("randomseed", Value::Nil)?;
            Ok(())
        };
        strip().map_err(|e| e.to_string())?;
        let deadline = Rc::new(Cell::new(None));
        let last_line = Rc::new(Cell::new(0));
        // The pattern functions run in C where the hook cannot stop them: replaced by ones
        // that watch the same deadline (`pattern.rs`).
        let late = {
            let last_line = last_line.clone();
            let limit = limits.step_time;
            Rc::new(move || {
                mlua::Error::RuntimeError(format!(
                    "\u{1}{}\u{1}the Lua code ran longer than {} (the limit for one step) in a string pattern: is the pattern backtracking over a long text?",
                    last_line.get(),
                    human_duration(limit)
                ))
            })
        };
        g.get::<Table>("string")
            .and_then(|string| super::pattern::install(&lua, &string, deadline.clone(), late))
            .map_err(|e| e.to_string())?;
        let sandbox = Sandbox {
            lua,
            limits,
            deadline,
            last_line,
            hook: HookTriggers::new().every_line().every_nth_instruction(1000),
        };
        sandbox.install_hook(None).map_err(|e| e.to_string())?;
        sandbox
            .lua
            .set_memory_limit(limits.memory)
            .map_err(|e| e.to_string())?;
        Ok(sandbox)
    }

    /// Install the deadline hook on `thread` (or the main thread).
    pub(crate) fn install_hook(&self, thread: Option<&Thread>) -> mlua::Result<()> {
        let deadline = self.deadline.clone();
        let last_line = self.last_line.clone();
        let limit = self.limits.step_time;
        let callback = move |_: &Lua, debug: &Debug| -> mlua::Result<VmState> {
            let mut offset = None;
            if debug.event() == DebugEvent::Line {
                offset = debug.source().source.as_deref().and_then(chunk_offset);
                if let (Some(line), Some(off)) = (debug.current_line(), offset) {
                    last_line.set(line + off);
                }
            }
            // Checked on line events too: a loop whose body is a `pcall` of an endless loop
            // would otherwise always be interrupted inside the `pcall`, which swallows the
            // error; the loop's own jump back is a line event outside it.
            if let Some(d) = deadline.get() {
                if Instant::now() > d {
                    let offset =
                        offset.or_else(|| debug.source().source.as_deref().and_then(chunk_offset));
                    let line = match (debug.current_line(), offset) {
                        (Some(l), Some(off)) => l + off,
                        _ => last_line.get(),
                    };
                    return Err(mlua::Error::RuntimeError(format!(
                        "\u{1}{line}\u{1}the Lua code ran longer than {} (the limit for one step): is there an endless loop?",
                        human_duration(limit)
                    )));
                }
            }
            Ok(VmState::Continue)
        };
        match thread {
            Some(t) => t.set_hook(self.hook, callback),
            None => self.lua.set_hook(self.hook, callback),
        }
    }

    /// A fresh environment: the safe base functions, the four libraries, a text-only `load`
    /// and errors for forbidden names.
    pub(crate) fn environment(&self) -> mlua::Result<Table> {
        let lua = &self.lua;
        let g = lua.globals();
        let env = lua.create_table()?;
        for name in SAFE_BASE {
            env.set(*name, g.get::<Value>(*name)?)?;
        }
        for lib in ["string", "table", "math", "utf8"] {
            env.set(lib, g.get::<Value>(lib)?)?;
        }
        env.set("_G", env.clone())?;
        // Finalizers (`__gc`) run with hooks off, so an endless loop in one could never be
        // stopped: a metatable with `__gc` is refused.
        let raw_setmetatable: Function = g.get("setmetatable")?;
        let guarded_setmetatable: Function = lua
            .load(
                "local raw_setmetatable, rawget = ...\n\
                 return function(t, mt)\n\
                   if type(mt) == 'table' and rawget(mt, '__gc') ~= nil then\n\
                     error('`__gc` metamethods are not available to playbooks', 2)\n\
                   end\n\
                   return raw_setmetatable(t, mt)\n\
                 end",
            )
            .set_name(API_CHUNK)
            .set_mode(ChunkMode::Text)
            .call((raw_setmetatable, g.get::<Function>("rawget")?))?;
        env.set("setmetatable", guarded_setmetatable)?;
        let raw_load: Function = g.get("load")?;
        let text_load: Function = lua
            .load(
                "local raw_load, env = ...\n\
                 return function(chunk, name)\n\
                   return raw_load(chunk, name, 't', env)\n\
                 end",
            )
            .set_name(API_CHUNK)
            .set_mode(ChunkMode::Text)
            .call((raw_load, env.clone()))?;
        env.set("load", text_load)?;
        // `pairs` in key order: Lua's hash order changes from one interpreter to the next,
        // and a run must take the same path when it is replayed to resume it.
        let sorted_pairs: Function = lua
            .load(
                "local next, sort, type, tostring = ...\n\
                 local function before(a, b)\n\
                   local ta, tb = type(a), type(b)\n\
                   if ta ~= tb then return ta < tb end\n\
                   if ta == 'number' or ta == 'string' then return a < b end\n\
                   return tostring(a) < tostring(b)\n\
                 end\n\
                 return function(t)\n\
                   local keys = {}\n\
                   for k in next, t do keys[#keys + 1] = k end\n\
                   sort(keys, before)\n\
                   local i = 0\n\
                   return function()\n\
                     i = i + 1\n\
                     local k = keys[i]\n\
                     if k ~= nil then return k, t[k] end\n\
                   end, t, nil\n\
                 end",
            )
            .set_name(API_CHUNK)
            .set_mode(ChunkMode::Text)
            .call((
                g.get::<Function>("next")?,
                g.get::<Table>("table")?.get::<Function>("sort")?,
                g.get::<Function>("type")?,
                g.get::<Function>("tostring")?,
            ))?;
        env.set("pairs", sorted_pairs)?;
        let meta = lua.create_table()?;
        let forbidden: Function = lua
            .load(
                "local forbidden = ...\n\
                 return function(_, key)\n\
                   if forbidden[key] then\n\
                     error('`' .. tostring(key) .. '` is not available to playbooks (the Lua sandbox has no files, processes or modules)', 2)\n\
                   end\n\
                   return nil\n\
                 end",
            )
            .set_name(API_CHUNK)
            .set_mode(ChunkMode::Text)
            .call(lua.create_table_from(FORBIDDEN.iter().map(|n| (*n, true)))?)?;
        meta.set("__index", forbidden)?;
        env.set_metatable(Some(meta))?;
        Ok(env)
    }

    /// Compile a text chunk named after `file`, with `env`. `first_line` is the file line
    /// of the chunk's first line, so Lua's line numbers are the file's.
    pub(crate) fn load(
        &self,
        source: &str,
        file: &str,
        first_line: usize,
        env: Table,
    ) -> Result<Function, String> {
        let name = if first_line > 1 {
            format!("={CHUNK}@{}", first_line - 1)
        } else {
            format!("={CHUNK}")
        };
        self.lua
            .load(source)
            .set_name(name)
            .set_mode(ChunkMode::Text)
            .set_environment(env)
            .into_function()
            .map_err(|e| self.message(&e, file))
    }

    /// Run `f` with the step deadline armed.
    pub(crate) fn guarded<R>(&self, f: impl FnOnce() -> mlua::Result<R>) -> mlua::Result<R> {
        self.deadline
            .set(Some(Instant::now() + self.limits.step_time));
        self.last_line.set(0);
        let r = f();
        self.deadline.set(None);
        r
    }

    /// One line naming `file` and the line for a Lua error.
    pub(crate) fn message(&self, e: &mlua::Error, file: &str) -> String {
        match innermost(e) {
            mlua::Error::MemoryError(_) => format!(
                "{}: the Lua code ran out of memory (the limit is {})",
                at(file, self.last_line.get()),
                human_bytes(self.limits.memory)
            ),
            mlua::Error::SyntaxError { message, .. } => strip_chunk_prefix(message, file),
            mlua::Error::RuntimeError(m) => {
                if let Some(rest) = m.strip_prefix('\u{1}') {
                    // From the hook: "\u{1}LINE\u{1}message".
                    let (line, msg) = rest.split_once('\u{1}').unwrap_or(("0", rest));
                    let line = line.parse().unwrap_or(0);
                    format!("{}: {msg}", at(file, line))
                } else if let Some(idx) = m.find('\u{1}') {
                    // A hook error that a Lua `error` call re-raised with a position.
                    let rest = &m[idx + 1..];
                    let (line, msg) = rest.split_once('\u{1}').unwrap_or(("0", rest));
                    format!("{}: {msg}", at(file, line.parse().unwrap_or(0)))
                } else {
                    first_line_of(&strip_chunk_prefix(m, file), file, self.last_line.get())
                }
            }
            other => first_line_of(
                &strip_chunk_prefix(&other.to_string(), file),
                file,
                self.last_line.get(),
            ),
        }
    }

    /// Resume `thread` with `args` under the deadline.
    pub(crate) fn resume(&self, thread: &Thread, args: MultiValue) -> mlua::Result<MultiValue> {
        self.guarded(|| thread.resume::<MultiValue>(args))
    }
}

fn at(file: &str, line: usize) -> String {
    if line == 0 {
        file.to_string()
    } else {
        format!("{file}:{line}")
    }
}

/// The error that started it all (callback errors wrap the one raised inside).
fn innermost(e: &mlua::Error) -> &mlua::Error {
    match e {
        mlua::Error::CallbackError { cause, .. } => innermost(cause),
        mlua::Error::WithContext { cause, .. } => innermost(cause),
        other => other,
    }
}

/// Lua prefixes messages with the chunk name (`~playbook@N:LINE:`): put the file's path
/// and line in its place.
fn strip_chunk_prefix(message: &str, file: &str) -> String {
    let first = message.lines().next().unwrap_or("").trim();
    let Some(at) = first.find(CHUNK) else {
        return first.to_string();
    };
    let rest = &first[at + CHUNK.len()..];
    let (offset, rest) = match rest.strip_prefix('@') {
        Some(r) => {
            let digits = r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            (r[..digits].parse::<usize>().unwrap_or(0), &r[digits..])
        }
        None => (0, rest),
    };
    let Some(after) = rest.strip_prefix(':') else {
        return format!("{}{file}{rest}", &first[..at]);
    };
    let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    match after[..digits].parse::<usize>() {
        Ok(line) => format!(
            "{}{file}:{}{}",
            &first[..at],
            line + offset,
            &after[digits..]
        ),
        Err(_) => format!("{}{file}:{after}", &first[..at]),
    }
}

/// The first line of a message, prefixed with `file:line` unless it already names the file.
fn first_line_of(message: &str, file: &str, line: usize) -> String {
    let first = message.lines().next().unwrap_or("").trim();
    if first.starts_with(file) {
        first.to_string()
    } else {
        format!("{}: {first}", at(file, line))
    }
}

fn human_duration(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn human_bytes(n: usize) -> String {
    if n.is_multiple_of(1024 * 1024) {
        format!("{} MB", n / (1024 * 1024))
    } else if n.is_multiple_of(1024) {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_names_map_back_to_file_lines() {
        assert_eq!(chunk_offset("=~playbook"), Some(0));
        assert_eq!(chunk_offset("=~playbook@41"), Some(41));
        assert_eq!(chunk_offset("=deskbook"), None);
        assert_eq!(
            strip_chunk_prefix("~playbook@41:3: attempt to call a nil value", "p.yaml"),
            "p.yaml:44: attempt to call a nil value"
        );
        assert_eq!(
            strip_chunk_prefix("~playbook:7: boom\nstack traceback:", "p.lua"),
            "p.lua:7: boom"
        );
    }
}
