//! `deskbook run PLAYBOOK`: run a playbook with the agent or an answers file, recording
//! every step in the call store.

use anyhow::Result;
use deskbook_runtime::{AnswersFile, ContentTasks, Input, LiveProbes, Options};
use deskbook_store::Store;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::Ctx;
use crate::args::{parse_var, Globals};

/// Run a playbook with the agent (or an answers file), recording every step.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The playbook id (`deskbook list --kind playbook`).
    pub playbook: String,
    /// An input of the playbook (repeatable).
    #[arg(long = "var", value_name = "K=V", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Answers, inputs and canned probe results by step id (YAML); no prompts.
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// Who takes the call (default: the login name).
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// One JSON event per line; the last line is the `end` event.
    #[arg(long)]
    pub json: bool,
    /// Show every command the run would execute; run none and record nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g);
    let db = g.db.as_deref();
    let answers = args.answers.as_deref().map(AnswersFile::read).transpose()?;
    let mut store = if args.dry_run {
        None
    } else {
        Some(open_store(db)?)
    };
    if let (Some(store), Some(_)) = (store.as_mut(), &answers) {
        // A scripted run writes thousands of events in a burst; nobody reads them meanwhile.
        store.hold_lock()?;
    }
    let probes = LiveProbes::new(ContentTasks::new(&ctx.content));
    let opts = Options {
        answers,
        vars: args.vars.into_iter().collect(),
        agent: args.agent.or_else(login_name),
        rollout: None,
        json: args.json,
        dry_run: args.dry_run,
    };
    deskbook_runtime::start(
        &ctx.content,
        store.as_mut(),
        &probes,
        &args.playbook,
        opts,
        terminal_io(args.json),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The store `--db` names, or the one in the user's data directory.
pub(super) fn open_store(db: Option<&Path>) -> Result<Store> {
    Ok(match db {
        Some(path) => Store::open(path)?,
        None => Store::open_default()?,
    })
}

/// Standard input for the agent's lines; human text on standard output, or on standard
/// error under `--json` (standard output then carries only JSON lines).
pub(super) fn terminal_io(json: bool) -> Input<'static> {
    let human: Box<dyn std::io::Write> = if json {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let styled = if json {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    let style = super::style(styled);
    Input {
        lines: deskbook_runtime::interrupt::stdin_lines(),
        human,
        json: Box::new(std::io::stdout()),
        style,
        echo: !std::io::stdin().is_terminal(),
    }
}

/// The agent's login name, for calls recorded without `--agent`.
pub(super) fn login_name() -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok())
        .filter(|v| !v.trim().is_empty())
}
