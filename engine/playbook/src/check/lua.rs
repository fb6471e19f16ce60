//! Lua playbooks: their metadata, and the literal names in their code (probes, tasks,
//! statuses, categories, escalations). A `lua` step's code is compiled in `steps`.

use deskbook_content::vocab::{ESCALATIONS, STATUSES, TASKS};
use deskbook_content::{diag, Content, Diagnostic, PlaybookDoc, SourceFile};

use crate::lua::meta;

use super::is_variable_name;
use super::tasks::{lacking_message, unknown_os, unknown_os_message, Matrix};

/// The column of the first non-blank character of `line`.
pub(super) fn lua_column(file: &SourceFile, line: usize) -> usize {
    file.text
        .lines()
        .nth(line.saturating_sub(1))
        .map(|l| l.chars().take_while(|c| c.is_whitespace()).count() + 1)
        .unwrap_or(1)
}

pub(super) fn check_lua(
    content: &Content,
    doc: &PlaybookDoc,
    matrix: &Matrix,
    out: &mut Vec<Diagnostic>,
) {
    let file = &doc.file;
    let mut err = |line: usize, col: usize, msg: String| {
        out.push(Diagnostic::error(&file.path, line.max(1), col, msg).with_source(&file.text));
    };
    let m = match meta::read(file) {
        Ok(m) => m,
        Err(p) => {
            let col = lua_column(file, p.line.max(1));
            err(p.line, col, format!("Lua: {}", p.message));
            return;
        }
    };
    if m.id != doc.id {
        let (line, col) = file.locate(&format!("\"{}\"", m.id), 1).unwrap_or((1, 1));
        err(
            line,
            col,
            format!(
                "the playbook's id `{}` must be its file name `{}`",
                m.id, doc.id
            ),
        );
    }
    if m.title.trim().is_empty() {
        err(1, 1, "a Lua playbook needs a `title`".into());
    }
    for (name, spec) in &m.inputs {
        if !is_variable_name(name) {
            let (line, col) = file.locate(name, 1).unwrap_or((1, 1));
            err(
                line,
                col,
                format!("input name `{name}` cannot be used as ctx.vars.{name}: use letters, digits and `_`"),
            );
        }
        if spec.kind == deskbook_content::playbook::InputKind::Choice && spec.choices.is_empty() {
            let (line, col) = file.locate(name, 1).unwrap_or((1, 1));
            err(
                line,
                col,
                format!("input `{name}` is a choice but lists no `choices`"),
            );
        }
    }
    // Literal names in the code: probes, tasks, statuses, categories, escalations.
    for (key, check) in [
        ("category", LiteralKind::Category),
        ("status", LiteralKind::Status),
        ("escalate", LiteralKind::Escalation),
        ("task", LiteralKind::Task),
    ] {
        for (offset, value) in literal_fields(&file.text, key) {
            let problem = match check {
                LiteralKind::Category if !content.taxonomy.contains(&value) => Some(format!(
                    "unknown category `{value}`: it is not in the taxonomy (kb/taxonomy.yaml)"
                )),
                LiteralKind::Status if !STATUSES.contains(&value.as_str()) => Some(format!(
                    "unknown status `{value}`: expected one of {}",
                    STATUSES.join(", ")
                )),
                LiteralKind::Escalation if !ESCALATIONS.contains(&value.as_str()) => Some(format!(
                    "unknown escalation `{value}`: expected one of {}",
                    ESCALATIONS.join(", ")
                )),
                LiteralKind::Task if !TASKS.contains(&value.as_str()) => Some(format!(
                    "unknown task `{value}`: expected one of {}",
                    TASKS.join(", ")
                )),
                _ => None,
            };
            if let Some(msg) = problem {
                let (line, col) = diag::position(&file.text, offset);
                err(line, col, msg);
            }
        }
    }
    for os in unknown_os(&m.os) {
        let (line, col) = file.locate(&format!("\"{os}\""), 1).unwrap_or((1, 1));
        err(line, col, unknown_os_message(os));
    }
    for (offset, task) in literal_fields(&file.text, "task") {
        let lacking = matrix.lacking(&m.os, &task);
        if TASKS.contains(&task.as_str()) && !lacking.is_empty() {
            let (line, col) = diag::position(&file.text, offset);
            err(line, col, lacking_message(&task, &m.id, &lacking));
        }
    }
    for (offset, name) in probe_names(&file.text) {
        if !deskbook_probes::PROBES.contains(&name.as_str()) {
            let (line, col) = diag::position(&file.text, offset);
            err(
                line,
                col,
                format!(
                    "unknown probe `{name}`: expected one of {}",
                    deskbook_probes::PROBES.join(", ")
                ),
            );
        }
    }
}

#[derive(Clone, Copy)]
enum LiteralKind {
    Category,
    Status,
    Escalation,
    Task,
}

/// `key = "value"` in Lua source (outside comments): byte offset of the value and the value.
pub(super) fn literal_fields(text: &str, key: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("--").next().unwrap_or("");
        let mut from = 0;
        while let Some(i) = code[from..].find(key) {
            let at = from + i;
            from = at + key.len();
            let before_ok = at == 0
                || !code[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !before_ok {
                continue;
            }
            let rest = &code[at + key.len()..];
            let trimmed = rest.trim_start();
            let Some(after_eq) = trimmed.strip_prefix('=') else {
                continue;
            };
            if after_eq.starts_with('=') {
                continue;
            }
            let v = after_eq.trim_start();
            let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                continue;
            };
            if let Some(end) = v[1..].find(q) {
                let value_at = at
                    + key.len()
                    + (rest.len() - trimmed.len())
                    + 1
                    + (after_eq.len() - v.len())
                    + 1;
                out.push((line_start + value_at, v[1..1 + end].to_string()));
            }
        }
        line_start += line.len();
    }
    out
}

/// `ctx:probe("name"` in Lua source: byte offset of the name and the name.
pub(super) fn probe_names(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("ctx:probe(") {
        let at = from + i + "ctx:probe(".len();
        from = at;
        let rest = &text[at..];
        let v = rest.trim_start();
        let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = v[1..].find(q) {
            out.push((at + (rest.len() - v.len()) + 1, v[1..1 + end].to_string()));
        }
    }
    out
}
