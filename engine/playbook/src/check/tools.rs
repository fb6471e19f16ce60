//! The tool matrix's command lines: every task a tool item gives (`tool.os.<os>.tasks`)
//! must be one the `command` probe can run as an argv, with placeholders the callers fill
//! ([`deskbook_probes::task_line_problem`]), reported at the task line of the tool item.
//! A playbook's `do` step and a `command` probe run these lines, so a layer's tool item is
//! checked as strictly as a playbook's own argv: no shell or interpreter given a script.

use std::collections::{BTreeMap, BTreeSet};

use deskbook_content::yaml::{self, Seg};
use deskbook_content::{frontmatter, Content, Diagnostic, Item};

/// The `command` probe's own arguments; any other `with` key fills a placeholder.
const COMMAND_ARGS: &[&str] = &["task", "argv", "timeout_ms", "regex", "os"];

/// Every problem of the tool items' task command lines, in file order per item.
pub(super) fn check_tools(content: &Content, out: &mut Vec<Diagnostic>) {
    let given = given_placeholders(content);
    for item in &content.items {
        let Some(tool) = &item.meta.tool else {
            continue;
        };
        // The built-in matrix also holds lines a person types at the caller's command prompt
        // (`cmd /c "net stop … & net start …"`); the probe refuses to run those here.
        let built_in = content.is_built_in(item.layer);
        let problem = if built_in {
            deskbook_probes::task_line_form_problem
        } else {
            deskbook_probes::task_line_problem
        };
        let mut marks = None;
        let mut found = Vec::new();
        for (os, on) in &tool.os {
            for (task, line) in &on.tasks {
                let names: Vec<&str> = given
                    .get(task.as_str())
                    .map(|s| s.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                let Some(why) = problem(line, &names) else {
                    continue;
                };
                let marks = marks.get_or_insert_with(|| ItemMarks::new(item));
                let (l, c) = marks.task_pos(os, task);
                found.push(
                    Diagnostic::error(
                        &item.file.path,
                        l,
                        c,
                        format!("task `{task}` on {os} (tool `{}`): {why}", item.meta.id),
                    )
                    .with_source(&item.file.text),
                );
            }
        }
        found.sort_by_key(|d| (d.line, d.column));
        out.extend(found);
    }
}

/// Per task, the placeholder names playbook steps give it in `with` (a `do` step's command
/// or restore, a `command` probe's arguments).
fn given_placeholders(content: &Content) -> BTreeMap<&str, BTreeSet<String>> {
    let mut given: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for doc in &content.playbooks {
        let Some(pb) = doc.yaml() else {
            continue;
        };
        for s in &pb.steps {
            for action in [&s.command, &s.restore].into_iter().flatten() {
                if let Some(task) = &action.task {
                    given
                        .entry(task.as_str())
                        .or_default()
                        .extend(action.with.keys().cloned());
                }
            }
            if let Some(p) = s.probe_call().filter(|p| p.name == "command") {
                if let Some(task) = p.with.get("task") {
                    given.entry(task.as_str()).or_default().extend(
                        p.with
                            .keys()
                            .filter(|k| !COMMAND_ARGS.contains(&k.as_str()))
                            .cloned(),
                    );
                }
            }
        }
    }
    given
}

/// Where the nodes of an item's front matter are, as lines and columns of its file.
struct ItemMarks<'a> {
    item: &'a Item,
    marks: Option<yaml::Mark>,
    /// The file line before the front matter's first line.
    offset: usize,
}

impl ItemMarks<'_> {
    fn new(item: &Item) -> ItemMarks<'_> {
        match frontmatter::split(&item.file.text) {
            Ok(split) => ItemMarks {
                item,
                marks: yaml::marks(split.yaml),
                offset: split.yaml_line - 1,
            },
            Err(_) => ItemMarks {
                item,
                marks: None,
                offset: 0,
            },
        }
    }

    /// The task's command line (or the nearest node above it that the marks have).
    fn task_pos(&self, os: &str, task: &str) -> (usize, usize) {
        let path = [
            Seg::Key("tool"),
            Seg::Key("os"),
            Seg::Key(os),
            Seg::Key("tasks"),
            Seg::Key(task),
        ];
        match &self.marks {
            Some(m) => {
                let (line, column) = yaml::pos_at(Some(m), &path);
                (line + self.offset, column)
            }
            // No marks (the marker parser leaves YAML that may hold aliases to serde_yaml):
            // the task's key after its OS's, after `tool:`.
            None => {
                let file = &self.item.file;
                let tool = file
                    .find_line(|l| l.trim_start().starts_with("tool:"))
                    .unwrap_or(1);
                let on = file
                    .locate(&format!("{os}:"), tool)
                    .map_or(tool, |(l, _)| l);
                file.locate(&format!("{task}:"), on).unwrap_or((tool, 1))
            }
        }
    }
}
