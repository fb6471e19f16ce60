//! `command`: runs a tool-matrix task for this OS (or a given argument vector), never
//! through a shell, with a timeout and bounded output, optionally extracting fields with a
//! regular expression.
//!
//! A task's command line comes from the tool items in `kb/` (through [`TaskResolver`]). It
//! is split into words first and its `{{ name }}` placeholders are filled afterwards, inside
//! their word, so a value can never become a second argument, an option or shell syntax.

use std::collections::BTreeMap;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;

use crate::args::CommandSpec;
use crate::probes::os;
use crate::process::{self, StartError};
use crate::result::{ProbeResult, Report};
use crate::tasks::TaskResolver;

/// The argument vector to run and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) argv: Vec<String>,
    pub(crate) task: Option<String>,
    pub(crate) os_id: Option<String>,
    /// The tool matrix's command line, before placeholders were filled.
    pub(crate) template: Option<String>,
}

const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';

fn marker() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new("\u{E000}([A-Za-z0-9_]+)\u{E001}").expect("a valid constant pattern")
    })
}

fn placeholder() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}").expect("a valid constant pattern")
    })
}

/// Turns a task (for the given or detected OS) or an argv into the argument vector.
pub(crate) fn resolve(
    spec: &CommandSpec,
    os_override: Option<&str>,
    vars: &BTreeMap<String, String>,
    tasks: &dyn TaskResolver,
) -> Result<Resolved, String> {
    let task = match spec {
        CommandSpec::Argv(argv) => {
            return Ok(Resolved {
                argv: argv.clone(),
                task: None,
                os_id: None,
                template: None,
            })
        }
        CommandSpec::Task(t) => t,
    };
    let os_id = match os_override {
        Some(o) => o.to_owned(),
        None => match os::facts() {
            Ok(f) => match f.os_id {
                Some(id) => id.to_owned(),
                None => {
                    return Err(format!(
                        "this OS ({}) has no tool-matrix column, so task `{task}` has no command here; pass os=… or argv",
                        f.name
                    ))
                }
            },
            Err(e) => return Err(format!("cannot tell which OS this is, so not which command does `{task}`: {e}")),
        },
    };
    let template = tasks
        .command(&os_id, task)
        .ok_or_else(|| format!("the tool matrix has no command for task `{task}` on {os_id}"))?;
    // `{{ name }}` holds spaces: swap each for a space-free marker (private-use characters
    // that no validated value can contain) so that splitting keeps it inside its word.
    let marked = placeholder().replace_all(&template, |c: &regex::Captures<'_>| {
        format!("{MARK_OPEN}{}{MARK_CLOSE}", &c[1])
    });
    let words = shell_words::split(&marked).map_err(|_| {
        format!("the tool matrix's command line for `{task}` on {os_id} has unbalanced quotes: {template}")
    })?;
    let Some(program) = words.first() else {
        return Err(format!(
            "the tool matrix's command line for `{task}` on {os_id} is empty"
        ));
    };
    if program.contains(MARK_OPEN) {
        return Err(format!(
            "the tool matrix's command line for `{task}` on {os_id} starts with a placeholder; the program must be literal: {template}"
        ));
    }
    let mut argv = Vec::with_capacity(words.len());
    for word in &words {
        let mut missing = None;
        let filled = marker().replace_all(word, |c: &regex::Captures<'_>| {
            let name = &c[1];
            match vars.get(name) {
                Some(v) => v.clone(),
                None => {
                    missing.get_or_insert_with(|| name.to_owned());
                    String::new()
                }
            }
        });
        if let Some(name) = missing {
            return Err(format!(
                "task `{task}` on {os_id} needs the argument `{name}` (its command line is `{template}`)"
            ));
        }
        // Values cannot hold braces (validation), so braces left over are the template's.
        if filled.contains("{{") {
            return Err(format!(
                "the tool matrix's command line for `{task}` on {os_id} has a malformed placeholder: {template}"
            ));
        }
        argv.push(filled.into_owned());
    }
    Ok(Resolved {
        argv,
        task: Some(task.clone()),
        os_id: Some(os_id),
        template: Some(template),
    })
}

/// Data keys the probe sets itself; regex groups with these names go under `capture_…`.
const RESERVED: &[&str] = &[
    "argv",
    "program",
    "task",
    "os_id",
    "template",
    "exit_code",
    "timed_out",
    "truncated",
    "match",
    "groups",
];

pub(crate) fn run(
    mut r: Report,
    c: Resolved,
    timeout: Duration,
    regex: Option<&Regex>,
) -> ProbeResult {
    let program = c.argv.first().cloned().unwrap_or_default();
    r.set("argv", c.argv.clone());
    r.set("program", program.as_str());
    r.set("task", c.task.clone());
    r.set("os_id", c.os_id.clone());
    r.set("template", c.template.clone());
    let what = match &c.task {
        Some(t) => format!("task `{t}` (`{program}`)"),
        None => format!("`{program}`"),
    };
    let finished = match process::run(&c.argv, timeout) {
        Ok(f) => f,
        Err(StartError::NotFound) => {
            return r.error(format!(
                "{what}: `{program}` is not installed or not on PATH"
            ))
        }
        Err(StartError::Other(e)) => {
            return r.error(format!("{what}: cannot start `{program}`: {e}"))
        }
    };
    r.set("exit_code", finished.code);
    r.set("timed_out", finished.timed_out);
    r.set("truncated", finished.truncated);
    r.out(&finished.stdout);
    if !finished.stderr.trim().is_empty() {
        r.out("\n--- stderr ---\n");
        r.out(&finished.stderr);
    }
    if finished.timed_out {
        return r.error(format!(
            "{what} did not finish within {} ms and was stopped",
            timeout.as_millis()
        ));
    }
    let matched = match regex {
        None => None,
        Some(re) => Some(extract(&mut r, re, &finished.stdout, &finished.stderr)),
    };
    match (finished.code, matched) {
        (Some(0), None) => r.ok(format!("{what} succeeded")),
        (Some(0), Some(true)) => r.ok(format!("{what} succeeded and its output matched")),
        (Some(0), Some(false)) => r.fail(format!(
            "{what} succeeded but its output did not match the pattern"
        )),
        (Some(code), _) => r.fail(format!("{what} failed with exit code {code}")),
        (None, _) => r.fail(format!("{what} was ended by a signal")),
    }
}

/// Puts the first match's groups into data: named groups by name, all groups in `groups`.
fn extract(r: &mut Report, re: &Regex, stdout: &str, stderr: &str) -> bool {
    let Some(caps) = re.captures(stdout).or_else(|| re.captures(stderr)) else {
        r.set("match", Value::Null);
        return false;
    };
    r.set("match", caps.get(0).map(|m| m.as_str()).unwrap_or_default());
    let groups: Vec<Value> = caps
        .iter()
        .skip(1)
        .map(|g| g.map_or(Value::Null, |m| Value::from(m.as_str())))
        .collect();
    r.set("groups", groups);
    for name in re.capture_names().flatten() {
        let value = caps
            .name(name)
            .map_or(Value::Null, |m| Value::from(m.as_str()));
        if RESERVED.contains(&name) {
            r.set(&format!("capture_{name}"), value);
        } else {
            r.set(name, value);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::MapTasks;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn placeholders_fill_inside_their_word_only() {
        let tasks = MapTasks::new().with("winxp", "find-dc", "nltest /dsgetdc:{{ domain }} /force");
        let r = resolve(
            &CommandSpec::Task("find-dc".into()),
            Some("winxp"),
            &vars(&[("domain", "woodgrovebank.com")]),
            &tasks,
        )
        .expect("resolves");
        assert_eq!(r.argv, ["nltest", "/dsgetdc:woodgrovebank.com", "/force"]);
    }

    #[test]
    fn a_value_with_spaces_or_shell_syntax_stays_one_argument() {
        // Values are validated before they get here; this guards the splitting order even
        // if a caller bypasses validation.
        let tasks = MapTasks::new().with("linux", "test-port", "check {{ host }}");
        let r = resolve(
            &CommandSpec::Task("test-port".into()),
            Some("linux"),
            &vars(&[("host", "a b; rm -rf / $(x)")]),
            &tasks,
        )
        .expect("resolves");
        assert_eq!(r.argv, ["check", "a b; rm -rf / $(x)"]);
    }

    #[test]
    fn missing_task_placeholder_or_program_placeholder_is_an_error() {
        let tasks = MapTasks::new()
            .with("linux", "find-dc", "nltest /dsgetdc:{{ domain }}")
            .with("linux", "show-log", "{{ tool }} -x");
        let spec = |t: &str| CommandSpec::Task(t.into());
        assert_eq!(
            resolve(&spec("find-dc"), Some("linux"), &vars(&[]), &tasks).err().as_deref(),
            Some("task `find-dc` on linux needs the argument `domain` (its command line is `nltest /dsgetdc:{{ domain }}`)")
        );
        assert_eq!(
            resolve(&spec("purge-tickets"), Some("windows"), &vars(&[]), &tasks)
                .err()
                .as_deref(),
            Some("the tool matrix has no command for task `purge-tickets` on windows")
        );
        assert!(resolve(
            &spec("show-log"),
            Some("linux"),
            &vars(&[("tool", "x")]),
            &tasks
        )
        .err()
        .is_some_and(|e| e.contains("starts with a placeholder")));
    }
}
