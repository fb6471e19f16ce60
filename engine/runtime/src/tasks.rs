//! The tool matrix of the loaded content as a [`TaskResolver`]: which command line does a
//! task on an OS. The tool items are the one source of truth for the docs and for execution.

use deskbook_content::{Content, Kind};
use deskbook_probes::TaskResolver;
use std::collections::BTreeMap;

/// `(os id, task) -> command line`, from every tool item available on that OS. When two
/// tools do the same task on the same OS, the tool whose id sorts first wins, so the choice
/// is stable; a layer that prefers another tool overrides the item.
#[derive(Debug, Clone, Default)]
pub struct ContentTasks {
    table: BTreeMap<(String, String), Command>,
}

#[derive(Debug, Clone)]
struct Command {
    line: String,
    tool: String,
    /// From the built-in layer (see [`TaskResolver::built_in`]).
    built_in: bool,
}

impl ContentTasks {
    pub fn new(content: &Content) -> ContentTasks {
        let mut table = BTreeMap::new();
        for item in content.items.iter().filter(|i| i.meta.kind == Kind::Tool) {
            let Some(tool) = &item.meta.tool else {
                continue;
            };
            let built_in = content.is_built_in(item.layer);
            for (os, on) in &tool.os {
                if !on.available {
                    continue;
                }
                for (task, line) in &on.tasks {
                    table
                        .entry((os.clone(), task.clone()))
                        .or_insert_with(|| Command {
                            line: line.clone(),
                            tool: tool.name.clone(),
                            built_in,
                        });
                }
            }
        }
        ContentTasks { table }
    }

    /// The tool (`netsh`, `klist`, …) that does `task` on `os_id`.
    pub fn tool(&self, os_id: &str, task: &str) -> Option<&str> {
        self.table
            .get(&(os_id.to_string(), task.to_string()))
            .map(|c| c.tool.as_str())
    }
}

impl ContentTasks {
    /// The command line of `task` on every OS that has one, in OS id order (`win2000`,
    /// `win2003`, `windows`, …: the table's key order, not the matrix's columns).
    pub fn commands(&self, task: &str) -> Vec<(String, String)> {
        self.table
            .iter()
            .filter(|((_, t), _)| t == task)
            .map(|((os, _), c)| (os.clone(), c.line.clone()))
            .collect()
    }
}

impl TaskResolver for ContentTasks {
    fn command(&self, os_id: &str, task: &str) -> Option<String> {
        self.table
            .get(&(os_id.to_string(), task.to_string()))
            .map(|c| c.line.clone())
    }

    fn built_in(&self, os_id: &str, task: &str) -> bool {
        self.table
            .get(&(os_id.to_string(), task.to_string()))
            .is_some_and(|c| c.built_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in matrix's lines are marked built in; a layer's line for the same task,
    /// taking its place, is not.
    #[test]
    fn only_the_built_in_matrix_is_built_in() {
        use deskbook_content::LayerSpec;
        let builtin = ContentTasks::new(&deskbook_content::load(&[LayerSpec::BuiltIn]));
        assert!(builtin.built_in("winxp", "restart-ipsec-service"));
        let dir = tempfile::tempdir().expect("temp dir");
        let tools = dir.path().join("kb").join("tools");
        std::fs::create_dir_all(&tools).expect("mkdir");
        std::fs::write(
            tools.join("tool-aaa.md"),
            "---\nid: tool-aaa\nkind: tool\ntitle: A layer's tool\ntool:\n  name: aaa\n  obtain: its own\n  os:\n    winxp:\n      available: true\n      tasks:\n        restart-ipsec-service: 'cmd /c \"net stop policyagent\"'\n---\nA layer's tool.\n",
        )
        .expect("write");
        let layered = ContentTasks::new(&deskbook_content::load(&[
            LayerSpec::BuiltIn,
            LayerSpec::Dir(dir.path().into()),
        ]));
        assert_eq!(layered.tool("winxp", "restart-ipsec-service"), Some("aaa"));
        assert!(!layered.built_in("winxp", "restart-ipsec-service"));
        assert!(layered.built_in("winxp", "purge-computer-tickets"));
    }
}
