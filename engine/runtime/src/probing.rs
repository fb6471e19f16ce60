//! Running probes and confirmed commands for the runner: live through `deskbook-probes`
//! with the content's tool matrix, or (in tests and benchmarks) through any other
//! [`Probes`].

use deskbook_playbook::{ActionRequest, ProbeRequest};
use deskbook_probes::{ProbeResult, TaskResolver};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::tasks::ContentTasks;

/// Runs a probe request; shows a command as the agent will see it run.
pub trait Probes {
    fn run(&self, request: &ProbeRequest) -> ProbeResult;
    /// The command line `action` runs on this computer, for confirmation and `--dry-run`.
    fn describe(&self, action: &ActionRequest) -> String;
    /// A copy that can run a probe on another thread, so the agent can skip or cancel a
    /// slow one; `None` runs every probe on the runner's thread.
    fn background(&self) -> Option<Arc<dyn Probes + Send + Sync>> {
        None
    }
    /// The name of the computer the probes run on (this help desk computer), shown and
    /// recorded with every result it gives.
    fn host(&self) -> Option<String> {
        None
    }
}

/// The real probes, with tasks resolved for the OS this computer runs.
#[derive(Clone)]
pub struct LiveProbes {
    tasks: ContentTasks,
    /// The `os` probe's data for this computer, detected once.
    os: OnceLock<serde_json::Map<String, serde_json::Value>>,
}

impl LiveProbes {
    pub fn new(tasks: ContentTasks) -> LiveProbes {
        LiveProbes {
            tasks,
            os: OnceLock::new(),
        }
    }

    /// The tool-matrix OS id of this computer (`windows`, `linux`, …), detected once.
    pub fn os_id(&self) -> Option<&str> {
        self.os_data().get("os_id").and_then(|v| v.as_str())
    }

    fn os_data(&self) -> &serde_json::Map<String, serde_json::Value> {
        self.os
            .get_or_init(|| deskbook_probes::run("os", &BTreeMap::new(), &self.tasks).data)
    }
}

impl Probes for LiveProbes {
    fn run(&self, request: &ProbeRequest) -> ProbeResult {
        deskbook_probes::run(&request.name, &request.args, &self.tasks)
    }

    fn background(&self) -> Option<Arc<dyn Probes + Send + Sync>> {
        Some(Arc::new(self.clone()))
    }

    fn host(&self) -> Option<String> {
        self.os_data()
            .get("computer")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }

    fn describe(&self, action: &ActionRequest) -> String {
        if let Some(argv) = &action.argv {
            return shell_words_join(argv);
        }
        let Some(task) = &action.task else {
            return String::new();
        };
        let Some(os) = self.os_id() else {
            return format!("task {task} (this OS has no column in the tool matrix)");
        };
        match self.tasks.command(os, task) {
            Some(line) => fill_placeholders(&line, &action.with),
            None => format!("task {task} (no tool in the matrix does it on {os})"),
        }
    }
}

/// Fill `{{ name }}` placeholders for display (the probe fills them for execution, each
/// within one argument).
pub(crate) fn fill_placeholders(line: &str, with: &BTreeMap<String, String>) -> String {
    let mut out = line.to_string();
    for (k, v) in with {
        for pattern in [format!("{{{{ {k} }}}}"), format!("{{{{{k}}}}}")] {
            out = out.replace(&pattern, v);
        }
    }
    out
}

/// An argv as one line a person can read (and could paste into a POSIX shell).
pub fn shell_words_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_quoting_for_display() {
        let with = BTreeMap::from([("domain".to_string(), "example.com".to_string())]);
        assert_eq!(
            fill_placeholders("nltest /dsgetdc:{{ domain }}", &with),
            "nltest /dsgetdc:example.com"
        );
        let argv = [
            "echo".to_string(),
            "two words".to_string(),
            "it's".to_string(),
        ];
        assert_eq!(shell_words_join(&argv), "echo 'two words' 'it'\\''s'");
    }
}
