//! A Lua playbook's metadata: what its chunk returns (`id`, `title`, `summary`, `tier`,
//! `inputs`) besides `run`.

use indexmap::IndexMap;
use mlua::{Function, Table, Value};

use deskbook_content::playbook::{InputKind, InputSpec};
use deskbook_content::SourceFile;

use super::convert::to_text;
use super::sandbox::{Limits, Sandbox};

/// The metadata of a Lua playbook.
#[derive(Debug, Clone)]
pub struct LuaMeta {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub tier: Vec<u8>,
    /// The operating systems the playbook supports (tool-matrix OS ids).
    pub os: Vec<String>,
    pub inputs: IndexMap<String, InputSpec>,
}

/// A problem in a Lua playbook: the file line it is on (0 when unknown) and the message
/// (without the file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LuaProblem {
    pub line: usize,
    pub message: String,
}

impl LuaProblem {
    /// Split a sandbox message `file:line: message`.
    pub(crate) fn from_message(file: &str, text: &str) -> LuaProblem {
        if let Some(rest) = text.strip_prefix(file).and_then(|r| r.strip_prefix(':')) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let (Ok(line), Some(msg)) = (
                digits.parse::<usize>(),
                rest[digits.len()..].strip_prefix(": "),
            ) {
                return LuaProblem {
                    line,
                    message: msg.to_string(),
                };
            }
            if let Some(msg) = rest.strip_prefix(' ') {
                return LuaProblem {
                    line: 0,
                    message: msg.to_string(),
                };
            }
        }
        LuaProblem {
            line: 0,
            message: text.to_string(),
        }
    }

    pub fn render(&self, file: &str) -> String {
        if self.line == 0 {
            format!("{file}: {}", self.message)
        } else {
            format!("{file}:{}: {}", self.line, self.message)
        }
    }
}

/// Run the chunk of `file` in `sandbox` and read what it returns.
pub(crate) fn load(
    sandbox: &Sandbox,
    file: &SourceFile,
) -> Result<(LuaMeta, Function), LuaProblem> {
    let fail = |m: String| LuaProblem::from_message(&file.path, &m);
    let env = sandbox
        .environment()
        .map_err(|e| fail(sandbox.message(&e, &file.path)))?;
    let chunk = sandbox.load(&file.text, &file.path, 1, env).map_err(fail)?;
    let returned: Value = sandbox
        .guarded(|| chunk.call::<Value>(()))
        .map_err(|e| fail(sandbox.message(&e, &file.path)))?;
    let return_line = file
        .find_line(|l| l.trim_start().starts_with("return"))
        .unwrap_or(0);
    let Value::Table(t) = returned else {
        return Err(LuaProblem {
            line: return_line,
            message: format!(
                "a Lua playbook must return a table with id, title, summary, inputs and run (it returned {})",
                returned.type_name()
            ),
        });
    };
    let line_of = |field: &str| {
        file.find_line(|l| {
            let l = l.trim_start();
            l.starts_with(field) && l[field.len()..].trim_start().starts_with('=')
        })
        .unwrap_or(return_line)
    };
    let text_field = |field: &str, required: bool| -> Result<String, LuaProblem> {
        let v: Value = t.get(field).unwrap_or(Value::Nil);
        match (&v, required) {
            (Value::String(s), _) => Ok(s.to_string_lossy()),
            (Value::Nil, false) => Ok(String::new()),
            _ => Err(LuaProblem {
                line: line_of(field),
                message: format!("`{field}` must be a string (it is {})", v.type_name()),
            }),
        }
    };
    let id = text_field("id", true)?;
    let title = text_field("title", true)?;
    let summary = text_field("summary", false)?;
    let mut tier = Vec::new();
    if let Ok(Value::Table(tiers)) = t.get::<Value>("tier") {
        for v in tiers.sequence_values::<Value>() {
            match v
                .ok()
                .as_ref()
                .and_then(to_text)
                .and_then(|s| s.parse().ok())
            {
                Some(n) => tier.push(n),
                None => {
                    return Err(LuaProblem {
                        line: line_of("tier"),
                        message: "`tier` must list support tiers such as {1, 2}".into(),
                    })
                }
            }
        }
    }
    let mut os = Vec::new();
    match t.get::<Value>("os").unwrap_or(Value::Nil) {
        Value::Nil => {}
        Value::Table(list) => {
            for v in list.sequence_values::<Value>() {
                match v.ok().as_ref().and_then(to_text) {
                    Some(s) => os.push(s),
                    None => {
                        return Err(LuaProblem {
                            line: line_of("os"),
                            message: "`os` must list OS ids such as {\"win2003\", \"windows\"}"
                                .into(),
                        })
                    }
                }
            }
        }
        other => {
            return Err(LuaProblem {
                line: line_of("os"),
                message: format!("`os` must be a table (it is {})", other.type_name()),
            })
        }
    }
    let inputs = match t.get::<Value>("inputs").unwrap_or(Value::Nil) {
        Value::Nil => IndexMap::new(),
        Value::Table(inputs) => read_inputs(&inputs).map_err(|message| LuaProblem {
            line: line_of("inputs"),
            message,
        })?,
        other => {
            return Err(LuaProblem {
                line: line_of("inputs"),
                message: format!("`inputs` must be a table (it is {})", other.type_name()),
            })
        }
    };
    let run = match t.get::<Value>("run").unwrap_or(Value::Nil) {
        Value::Function(f) => f,
        other => {
            return Err(LuaProblem {
                line: line_of("run"),
                message: format!(
                    "`run` must be a function(ctx) (it is {})",
                    other.type_name()
                ),
            })
        }
    };
    Ok((
        LuaMeta {
            id,
            title,
            summary,
            tier,
            os,
            inputs,
        },
        run,
    ))
}

fn read_inputs(inputs: &Table) -> Result<IndexMap<String, InputSpec>, String> {
    let mut out: Vec<(String, InputSpec)> = Vec::new();
    for pair in inputs.pairs::<Value, Value>() {
        let (k, v) = pair.map_err(|e| e.to_string())?;
        let Value::String(name) = k else {
            return Err("`inputs` must map names to {prompt = ..., kind = ...}".into());
        };
        let name = name.to_string_lossy();
        let Value::Table(spec) = v else {
            return Err(format!(
                "input `{name}` must be a table {{prompt = ..., kind = ...}}"
            ));
        };
        let get_text = |field: &str| -> Option<String> {
            spec.get::<Value>(field).ok().as_ref().and_then(to_text)
        };
        let prompt = get_text("prompt").unwrap_or_default();
        let kind = match get_text("kind").as_deref() {
            Some("hostname") => InputKind::Hostname,
            Some("host") => InputKind::Host,
            Some("address") => InputKind::Address,
            Some("port") => InputKind::Port,
            Some("path") => InputKind::Path,
            Some("text") | None => InputKind::Text,
            Some("choice") => InputKind::Choice,
            Some(other) => {
                return Err(format!(
                    "input `{name}` has unknown kind `{other}`: expected hostname, host, address, port, path, text or choice"
                ))
            }
        };
        let mut choices = Vec::new();
        if let Ok(Value::Table(list)) = spec.get::<Value>("choices") {
            for c in list.sequence_values::<Value>() {
                if let Some(c) = c.ok().as_ref().and_then(to_text) {
                    choices.push(c);
                }
            }
        }
        let optional = matches!(spec.get::<Value>("optional"), Ok(Value::Boolean(true)));
        let default = get_text("default");
        out.push((
            name,
            InputSpec {
                prompt,
                kind,
                choices,
                optional,
                default,
            },
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().collect())
}

/// Read a Lua playbook's metadata in a sandbox of its own.
pub fn read(file: &SourceFile) -> Result<LuaMeta, LuaProblem> {
    let sandbox =
        Sandbox::new(Limits::default()).map_err(|message| LuaProblem { line: 0, message })?;
    load(&sandbox, file).map(|(meta, _)| meta)
}

/// A playbook's title: a YAML playbook's `title`, or what a Lua playbook's chunk returns.
pub fn title(doc: &deskbook_content::PlaybookDoc) -> std::borrow::Cow<'_, str> {
    match doc.yaml() {
        Some(pb) => pb.title.as_str().into(),
        None => match read(&doc.file) {
            Ok(m) => m.title.into(),
            Err(_) => "(a Lua playbook that does not load: run `deskbook check`)".into(),
        },
    }
}
