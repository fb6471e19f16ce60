//! The command line, as DESIGN.md's contract gives it.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "deskbook",
    version,
    about = "Help-desk knowledge base and playbooks for IPsec server and domain isolation"
)]
pub struct Cli {
    /// Add a content layer (a folder with kb/ and playbooks/); later layers override earlier ones.
    #[arg(long = "content", value_name = "DIR", global = true)]
    pub content: Vec<PathBuf>,
    /// Who is looking: tier1 never sees restricted items.
    #[arg(long, value_enum, default_value_t = Role::Tier1, global = true)]
    pub role: Role,
    /// The call database (SQLite file); default: calls.sqlite in the user's data directory.
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Tier1,
    Tier2,
    Tier3,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate every layer; exit 1 when anything is wrong.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// The effective items: id, kind, title.
    List {
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One item; --json gives its front matter fields and `body`.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Ranked hits for what the caller said: articles, events, tools and playbooks.
    Search {
        /// Words as the caller or agent says them, an event number or a tool name.
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Most hits shown.
        #[arg(long, default_value_t = 10, value_name = "N")]
        limit: usize,
        /// Only hits of this kind (article, event, tool, guidance, playbook).
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Run a playbook with the agent (or an answers file), recording every step.
    Run {
        /// The playbook id (`deskbook list --kind playbook`).
        playbook: String,
        /// An input of the playbook (repeatable).
        #[arg(long = "var", value_name = "K=V", value_parser = parse_var)]
        vars: Vec<(String, String)>,
        /// Answers, inputs and canned probe results by step id (YAML); no prompts.
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        /// Who takes the call (default: the login name).
        #[arg(long, value_name = "NAME")]
        agent: Option<String>,
        /// One JSON event per line; the last line is the `end` event.
        #[arg(long)]
        json: bool,
        /// Show every command the run would execute; run none and record nothing.
        #[arg(long)]
        dry_run: bool,
        /// The ticket summary printed at the end of the call (under --json: on standard
        /// error, and for a scripted run only when this is given).
        #[arg(long, value_enum, value_name = "FORMAT")]
        summary_format: Option<SummaryFormat>,
    },
    /// Run the playbook scenarios (playbooks/tests/*.yaml) and report branch coverage;
    /// exit 1 when a scenario fails.
    Test {
        #[arg(long)]
        json: bool,
    },
    /// Run one local probe (os, ping, resolve, tcp, udp, ike, command, file) and print its result.
    Probe {
        /// The probe's name.
        name: String,
        /// An argument of the probe (repeatable), e.g. `--arg host=srv-files-01.example.com`.
        #[arg(long = "arg", value_name = "K=V", value_parser = parse_var)]
        args: Vec<(String, String)>,
        #[arg(long)]
        json: bool,
    },
    /// Recorded calls: list, show, resume a dropped one, export an escalation packet.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
}

/// `run --summary-format`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum SessionsCommand {
    /// Every recorded call, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One call: its ticket summary and its event log.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Replay a dropped call and go on from the first unanswered step.
    Resume {
        id: String,
        /// Answers for the steps still to come (YAML, as for `run`).
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write the escalation packet: transcript, probe and command outputs, the call as JSON.
    Export {
        id: String,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// `K=V` of `--var`.
fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!(
            "expected K=V (an input name, `=`, its value), got {s:?}"
        )),
    }
}
