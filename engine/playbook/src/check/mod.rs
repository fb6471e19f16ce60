//! `deskbook check` for playbooks and scenarios: everything DESIGN.md lists (duplicate and
//! dangling step ids, unreachable steps, paths that cannot reach an `end`, unknown
//! categories, probes, tasks and playbooks, bad literal probe arguments, template variables
//! that nothing defines, Lua that does not compile), each at `file:line:column`.
//!
//! The parts: `yaml` walks a YAML playbook (positions, inputs, the graph), `steps` checks
//! each step by its kind, `probes` the probe calls and commands, `templates` the variables
//! templates read, `lua` Lua playbooks, `calls` what called playbooks can end with and call
//! cycles, `scenario` the scenario files, `tools` the tool matrix's task command lines that
//! steps run.

use deskbook_content::{Content, Diagnostic, PlaybookBody};

mod calls;
mod lua;
mod probes;
mod scenario;
mod steps;
mod tasks;
mod templates;
mod tools;
mod yaml;

use calls::{check_call_cycles, EndStatuses};
use lua::check_lua;
use scenario::check_scenario;
use tasks::Matrix;
use yaml::YamlCheck;

/// Every problem of the playbooks and scenarios of `content`, in file order.
pub fn check(content: &Content) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let statuses = EndStatuses::new(content);
    let matrix = Matrix::new(content);
    for doc in &content.playbooks {
        let mut found = Vec::new();
        match &doc.body {
            PlaybookBody::Yaml(pb) => {
                YamlCheck::new(content, doc, pb, &statuses, &matrix, &mut found).run()
            }
            PlaybookBody::Lua => check_lua(content, doc, &matrix, &mut found),
        }
        // In file order, like the content's own diagnostics.
        found.sort_by_key(|d| (d.line, d.column));
        out.extend(found);
    }
    check_call_cycles(content, &mut out);
    for file in &content.scenarios {
        check_scenario(content, file, &mut out);
    }
    tools::check_tools(content, &mut out);
    out
}

/// The first error `deskbook check` reports in the playbooks `ids` (a run's playbook first,
/// then those it calls). `run`, `resume` and `deskbook test` refuse a playbook that has one:
/// a playbook `check` rejects never runs. A patch of it that did not apply comes first (the
/// version in effect is then the one below the patch, which is not what the layers say),
/// then what loading its files found, then the checks of the playbook itself.
pub fn first_error(content: &Content, ids: &[&str]) -> Option<Diagnostic> {
    let statuses = EndStatuses::new(content);
    let matrix = Matrix::new(content);
    for id in ids {
        if let Some(failed) = content.failed_patch(id) {
            return Some(failed.error.clone());
        }
        let Some(doc) = content.playbook(id) else {
            continue;
        };
        let mut files: Vec<&str> = vec![doc.file.path.as_str()];
        let mut lower = doc.lower.as_deref();
        while let Some(l) = lower {
            files.push(l.file.path.as_str());
            lower = l.lower.as_deref();
        }
        if let Some(d) = content
            .diagnostics
            .iter()
            .find(|d| d.is_error() && files.contains(&d.file.as_str()))
        {
            return Some(d.clone());
        }
        let mut found = Vec::new();
        match &doc.body {
            PlaybookBody::Yaml(pb) => {
                YamlCheck::new(content, doc, pb, &statuses, &matrix, &mut found).run()
            }
            PlaybookBody::Lua => check_lua(content, doc, &matrix, &mut found),
        }
        found.retain(Diagnostic::is_error);
        found.sort_by_key(|d| (d.line, d.column));
        if let Some(first) = found.into_iter().next() {
            return Some(first);
        }
    }
    None
}

/// Whether a name can be a template variable (`{{ name }}`).
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
