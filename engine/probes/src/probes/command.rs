//! `command`: runs a tool-matrix task for this OS (or a given argument vector), never
//! through a shell, with a timeout and bounded output, optionally extracting fields with a
//! regular expression.
//!
//! A task's command line comes from the tool items in `kb/` (through [`TaskResolver`]). It
//! is split into words first and its `{{ name }}` placeholders are filled afterwards, inside
//! their word, so a value can never become a second argument, an option or shell syntax.
//! A command line whose program is a shell or an interpreter given a script (or a wrapper
//! of one: [`crate::script_runner`]) is refused before anything starts; `deskbook check`
//! reports it, and the rest of [`task_line_problem`], at the tool item.

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

/// The placeholders a task's command line may use whatever calls it: the probe arguments
/// of a kind the probe checks (a host, a DNS name, a port), which the runner fills when a
/// person runs the task for a probe on another computer (`ping` host, `tcp` host and port,
/// `resolve` name) and a step's `with` gives.
pub const TASK_PLACEHOLDERS: &[&str] = &[
    "host", "target", "caller", "server", "dc", "computer", "domain", "name", "port",
];

/// Characters that may stand between a placeholder and the rest of its argument
/// (`/dsgetdc:{{ domain }}`, `\\{{ host }}\c$`, `{{ host }}:{{ port }}`).
const SEPARATORS: &[char] = &[':', '=', '/', '\\', '@', ',', '.'];

/// Why a tool-matrix task's command line cannot run as the `command` probe runs it, or
/// `None` when it can: unbalanced quotes, nothing to run, a placeholder as the program, a
/// malformed placeholder or one no caller fills (`given`: the names callers pass besides
/// [`TASK_PLACEHOLDERS`]), a placeholder glued to the letters of its argument (a value
/// would run into them: `-e{{ host }}`), or a program that is a shell or an interpreter
/// given a script ([`crate::script_runner`]).
pub fn task_line_problem(line: &str, given: &[&str]) -> Option<String> {
    match task_words(line, given) {
        Err(why) => Some(why),
        Ok(words) => {
            let argv: Vec<String> = words.iter().map(|w| shown(w)).collect();
            crate::interpreters::script_runner(&argv).or_else(|| glued(&words))
        }
    }
}

/// [`task_line_problem`] but for what the program runs: the built-in tool matrix also holds
/// lines a person types at another computer's command prompt (`cmd /c "net stop … & net
/// start …"`), which the probe refuses to run here.
pub fn task_line_form_problem(line: &str, given: &[&str]) -> Option<String> {
    match task_words(line, given) {
        Err(why) => Some(why),
        Ok(words) => glued(&words),
    }
}

/// A placeholder (marked) as `{{ name }}` again.
fn shown(word: &str) -> String {
    word.replace(MARK_OPEN, "{{ ").replace(MARK_CLOSE, " }}")
}

/// A placeholder glued to the letters of its argument (a value would run into them).
fn glued(words: &[String]) -> Option<String> {
    for word in words {
        for m in marker().captures_iter(word) {
            let (Some(all), Some(name)) = (m.get(0), m.get(1)) else {
                continue;
            };
            let before = word[..all.start()].chars().next_back();
            let after = word[all.end()..].chars().next();
            let glued = [before, after]
                .into_iter()
                .flatten()
                .find(|c| *c != MARK_OPEN && *c != MARK_CLOSE && !SEPARATORS.contains(c));
            if let Some(c) = glued {
                let c = if c.is_whitespace() {
                    "a space".to_owned()
                } else {
                    format!("`{c}`")
                };
                return Some(format!(
                    "`{{{{ {} }}}}` is glued to {c} in the argument `{}`: a value run into other text becomes part of another word (an option such as `-e` that takes code, another name); put one of : = / \\ @ , . between them, or give the placeholder an argument of its own",
                    name.as_str(),
                    shown(word)
                ));
            }
        }
    }
    None
}

/// The words of a task's command line (placeholders marked), or why the line cannot be
/// one: unbalanced quotes, nothing to run, a placeholder as the program, a malformed
/// placeholder or one no caller fills.
fn task_words(line: &str, given: &[&str]) -> Result<Vec<String>, String> {
    let marked = placeholder().replace_all(line, |c: &regex::Captures<'_>| {
        format!("{MARK_OPEN}{}{MARK_CLOSE}", &c[1])
    });
    if marked.contains("{{") || marked.contains("}}") {
        return Err(
            "it has a malformed placeholder: a placeholder is `{{ name }}`, a name of letters, digits and `_`".into(),
        );
    }
    let Ok(words) = shell_words::split(&marked) else {
        return Err("it has unbalanced quotes".into());
    };
    let Some(program) = words.first() else {
        return Err("it is empty".into());
    };
    if program.contains(MARK_OPEN) {
        return Err("it starts with a placeholder; the program must be literal".into());
    }
    for word in &words {
        for m in marker().captures_iter(word) {
            let Some(name) = m.get(1).map(|n| n.as_str()) else {
                continue;
            };
            if !TASK_PLACEHOLDERS.contains(&name) && !given.contains(&name) {
                return Err(format!(
                    "`{{{{ {name} }}}}` is not a placeholder any caller fills: a task's command line may use {}, or a name a playbook step gives the task in `with`",
                    TASK_PLACEHOLDERS
                        .iter()
                        .map(|p| format!("`{{{{ {p} }}}}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(words)
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
    // A layer's tool item is content like any other: its program may not be handed a
    // script either (`deskbook check` says so at the tool item; this holds without it).
    // The built-in matrix's lines are fixed text without values in their scripts.
    let script = if tasks.built_in(&os_id, task) && !template.contains("{{") {
        None
    } else {
        crate::interpreters::script_runner(&argv)
    };
    if let Some(why) = script {
        return Err(format!(
            "the tool matrix's command line for `{task}` on {os_id} is refused, and nothing was run: {why} (its command line is `{template}`)"
        ));
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
    fn a_task_line_that_is_a_script_runner_is_refused_when_it_resolves() {
        let tasks = MapTasks::new()
            .with("linux", "show-filters", r#"sh -c "touch /tmp/x""#)
            .with("linux", "show-log", "nice env -S 'sh -c id'");
        let spec = |t: &str| CommandSpec::Task(t.into());
        assert_eq!(
            resolve(&spec("show-filters"), Some("linux"), &vars(&[]), &tasks).err().as_deref(),
            Some("the tool matrix's command line for `show-filters` on linux is refused, and nothing was run: `sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself (its command line is `sh -c \"touch /tmp/x\"`)")
        );
        assert!(
            resolve(&spec("show-log"), Some("linux"), &vars(&[]), &tasks)
                .err()
                .is_some_and(|e| e.contains("`env -S` splits its argument"))
        );
    }

    /// A line of the built-in matrix made for a person's command prompt runs as written,
    /// unless a value would reach its script.
    #[test]
    fn a_built_in_script_line_without_placeholders_resolves() {
        let tasks = MapTasks::new()
            .built_in()
            .with(
                "winxp",
                "restart-ipsec-service",
                r#"cmd /c "net stop policyagent & net start policyagent""#,
            )
            .with("winxp", "show-host", r#"cmd /c "echo {{ host }}""#);
        let spec = |t: &str| CommandSpec::Task(t.into());
        let r = resolve(
            &spec("restart-ipsec-service"),
            Some("winxp"),
            &vars(&[]),
            &tasks,
        )
        .expect("resolves");
        assert_eq!(
            r.argv,
            ["cmd", "/c", "net stop policyagent & net start policyagent"]
        );
        assert!(resolve(
            &spec("show-host"),
            Some("winxp"),
            &vars(&[("host", "pc-1")]),
            &tasks
        )
        .err()
        .is_some_and(|e| e.contains("is refused, and nothing was run")));
    }

    #[test]
    fn task_line_problems_name_what_is_wrong() {
        let problem = |line: &str| task_line_problem(line, &["note"]);
        for ok in [
            "nltest /dsgetdc:{{ domain }} /force /kdc",
            "portqry -n {{ host }} -e {{ port }}",
            r"net use '\\{{ host }}\ipc$'",
            "check {{ host }}:{{ port }} {{ note }}",
            "nslookup {{name}}",
            "klist purge",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        let cases = [
            (r#"unterminated "quote {{ host }}"#, "it has unbalanced quotes"),
            ("   ", "it is empty"),
            ("{{ host }} -x", "it starts with a placeholder; the program must be literal"),
            ("ping {{ host.name }}", "it has a malformed placeholder: a placeholder is `{{ name }}`, a name of letters, digits and `_`"),
            ("ping {{ nosuch }}", "`{{ nosuch }}` is not a placeholder any caller fills: a task's command line may use `{{ host }}`, `{{ target }}`, `{{ caller }}`, `{{ server }}`, `{{ dc }}`, `{{ computer }}`, `{{ domain }}`, `{{ name }}`, `{{ port }}`, or a name a playbook step gives the task in `with`"),
            ("ping {{ host }}x", "`{{ host }}` is glued to `x` in the argument `{{ host }}x`: a value run into other text becomes part of another word (an option such as `-e` that takes code, another name); put one of : = / \\ @ , . between them, or give the placeholder an argument of its own"),
            ("perl -e{{ host }}", "`perl -e{{ host }}` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself"),
            ("portqry -n{{ host }}", "`{{ host }}` is glued to `n` in the argument `-n{{ host }}`: a value run into other text becomes part of another word (an option such as `-e` that takes code, another name); put one of : = / \\ @ , . between them, or give the placeholder an argument of its own"),
            ("tool 'x {{ host }}'", "`{{ host }}` is glued to a space in the argument `x {{ host }}`: a value run into other text becomes part of another word (an option such as `-e` that takes code, another name); put one of : = / \\ @ , . between them, or give the placeholder an argument of its own"),
            (r#"sh -c "touch /tmp/x/PWNED""#, "`sh -c` hands a script to a shell or an interpreter, which would read every value in it as code: give the program and its arguments as the argv itself"),
            ("ssh {{ host }} klist", "`ssh` runs a command line on another computer or in another subsystem, where a shell reads every value in it as code: a probe runs its program here, as the argv itself"),
        ];
        for (line, want) in cases {
            assert_eq!(problem(line).as_deref(), Some(want), "{line}");
        }
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
