//! `manifest.json`: who collected the packet, where, when, and what every step found.

use std::collections::BTreeMap;

use deskbook_probes::ProbeResult;
use serde::{Deserialize, Serialize};

/// The packet's manifest. Field names are the contract with Tier 2's tools.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The packet format ([`crate::FORMAT`]).
    pub format: u32,
    /// The deskbook version that wrote it.
    pub deskbook: String,
    /// The content version of its built-in playbooks.
    pub content: String,
    /// The playbook that ran (collect-diagnostics).
    pub playbook: String,
    /// The computer it ran on (`<CompName>` in the file names).
    pub computer: String,
    /// Who ran it.
    pub user: String,
    /// Whether it ran with administrator rights; steps that need them are missing without.
    pub admin: bool,
    pub os: OsInfo,
    /// The computer the caller cannot reach (`<SrvName>`), when given.
    pub target: Option<String>,
    /// RFC 3339 UTC times.
    pub started: String,
    pub ended: String,
    /// Every step of the playbook, in the order it ran.
    pub steps: Vec<StepRecord>,
}

/// The operating system of the computer the packet comes from.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OsInfo {
    /// "Microsoft Windows XP Professional", "Debian GNU/Linux 12 (bookworm)", …
    pub name: String,
    pub version: String,
    /// The tool-matrix OS id (`winxp-sp2`, `windows`, `linux`), when it has one.
    pub os_id: Option<String>,
}

/// One step of the collector's run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StepRecord {
    /// The step id in the playbook.
    pub id: String,
    /// `probe` (it looked) or `do` (it changed something, or restored it).
    pub kind: String,
    /// The probe it ran, with its arguments as given (templates filled in).
    #[serde(default)]
    pub probe: Option<String>,
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    /// The command line it ran (or would have run), as shown to a person.
    #[serde(default)]
    pub command: Option<String>,
    /// What it found; `None` when it did not run (see `missing`).
    #[serde(default)]
    pub result: Option<ProbeResult>,
    /// Members holding its output (Table 7.3 names).
    #[serde(default)]
    pub files: Vec<String>,
    /// Why there is no result: not administrator, the tool is missing on this OS, …
    #[serde(default)]
    pub missing: Option<String>,
}

impl Manifest {
    /// The step that answers probe `probe` with `args` (see [`answers`]).
    pub fn answering(&self, probe: &str, args: &BTreeMap<String, String>) -> Option<&StepRecord> {
        self.steps
            .iter()
            .find(|s| s.result.is_some() && answers(s.probe.as_deref(), &s.args, probe, args))
    }
}

/// Whether a packet step that ran `step_probe` with `step_args` answers probe `probe` with
/// `args`: the same probe, and every argument that says what is probed (not how long to
/// wait or how often) equal, names compared without case. Steps are matched this way, by
/// what they probe, never by their position or id.
pub fn answers(
    step_probe: Option<&str>,
    step_args: &BTreeMap<String, String>,
    probe: &str,
    args: &BTreeMap<String, String>,
) -> bool {
    const HOW: &[&str] = &["count", "timeout_ms", "source_port", "tail"];
    step_probe == Some(probe)
        && args
            .iter()
            .filter(|(k, _)| !HOW.contains(&k.as_str()))
            .all(|(k, v)| {
                step_args
                    .get(k)
                    .is_some_and(|got| got.eq_ignore_ascii_case(v))
            })
}
