//! Where the `command` probe gets a tool-matrix task's command line.
//!
//! The tool items in `kb/` are the one source of truth for "which command does TASK on OS"
//! (DESIGN.md, Content model). This crate sits below the content model, so it asks through
//! a trait that the content layer implements; [`MapTasks`] is a plain table for tests,
//! examples and callers that have no content loaded.

use std::collections::BTreeMap;

/// Gives the command line for a tool-matrix task on an OS.
pub trait TaskResolver: Send + Sync {
    /// The command line (e.g. `klist -li 0x3e7 purge`) for `task` on `os_id` (`win2000`,
    /// `winxp`, `winxp-sp2`, `win2003`, `windows`, `linux`), or `None` when no tool in the
    /// matrix does that task there. It is split like POSIX shell words and never run by a
    /// shell; `{{ name }}` placeholders are filled from the probe's arguments, each within
    /// one argument.
    fn command(&self, os_id: &str, task: &str) -> Option<String>;

    /// Whether the command line of `task` on `os_id` comes from the built-in tool matrix,
    /// which ships reviewed with deskbook and may hold a line made for a person's command
    /// prompt (`cmd /c "net stop policyagent & net start policyagent"`, no placeholder in
    /// it). Such a line runs as written; any other line that hands a script to a shell is
    /// refused.
    fn built_in(&self, _os_id: &str, _task: &str) -> bool {
        false
    }
}

/// A resolver that knows no task: `command` works with `argv` only.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTasks;

impl TaskResolver for NoTasks {
    fn command(&self, _os_id: &str, _task: &str) -> Option<String> {
        None
    }
}

/// A fixed table of `(os_id, task) -> command line`.
#[derive(Debug, Default, Clone)]
pub struct MapTasks {
    table: BTreeMap<(String, String), String>,
    built_in: bool,
}

impl MapTasks {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every line of this table counts as the built-in matrix's ([`TaskResolver::built_in`]).
    pub fn built_in(mut self) -> Self {
        self.built_in = true;
        self
    }

    /// Adds (or replaces) the command line for `task` on `os_id`.
    pub fn with(mut self, os_id: &str, task: &str, command: &str) -> Self {
        self.table
            .insert((os_id.to_owned(), task.to_owned()), command.to_owned());
        self
    }
}

impl TaskResolver for MapTasks {
    fn command(&self, os_id: &str, task: &str) -> Option<String> {
        self.table
            .get(&(os_id.to_owned(), task.to_owned()))
            .cloned()
    }

    fn built_in(&self, os_id: &str, task: &str) -> bool {
        self.built_in && self.command(os_id, task).is_some()
    }
}
