//! `deskbook run PLAYBOOK`: run a playbook with the agent or an answers file, recording
//! every step in the call store.

use anyhow::Result;
use deskbook_report::{Ticket, TicketFormat};
use deskbook_runtime::{AnswersFile, ContentTasks, Input, LiveProbes, Options, RunEnd};
use deskbook_store::{Access, Store};
use std::io::IsTerminal;
use std::path::PathBuf;
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
    /// An evidence packet from the caller's computer (`deskbook collect`): checked,
    /// attached to the call, and its results pre-fill the steps for that computer.
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<PathBuf>,
    /// Who takes the call (default: the login name).
    #[arg(long, value_name = "NAME")]
    pub agent: Option<String>,
    /// One JSON event per line; the last line is the `end` event.
    #[arg(long)]
    pub json: bool,
    /// Show every command the run would execute; run none and record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The ticket summary printed at the end of the call (under --json: on standard
    /// error, and for a scripted run only when this is given).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub summary_format: Option<SummaryFormat>,
}

/// `run --summary-format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryFormat {
    Text,
    Markdown,
    Json,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g)?;
    let answers = args.answers.as_deref().map(AnswersFile::read).transpose()?;
    let probes = LiveProbes::new(ContentTasks::new(&ctx.content));
    let opts = Options {
        answers,
        vars: args.vars.into_iter().collect(),
        agent: args.agent.or_else(login_name),
        rollout: ctx.content.org.rollout.clone(),
        json: args.json,
        dry_run: args.dry_run,
        evidence: args.evidence,
    };
    let scripted = opts.answers.is_some();
    let dry_run = opts.dry_run;
    // Everything that refuses a run is checked before the store is opened: a refused run
    // leaves no call database behind.
    let prepared = deskbook_runtime::prepare(
        &ctx.content,
        &probes,
        &args.playbook,
        opts,
        terminal_io(args.json),
    )?;
    let mut store = if dry_run {
        None
    } else {
        Some(open_store(ctx, Access::Write)?)
    };
    let end = prepared.begin(store.as_mut())?;
    print_summary(ctx, &end, args.json, scripted, args.summary_format)?;
    Ok(ExitCode::SUCCESS)
}

/// The ticket summary at the end of a call, where the run's human text goes: standard
/// output, or standard error under `--json` (whose standard output carries only the JSON
/// lines). A scripted `--json` run prints no human text, so no summary unless
/// `--summary-format` asks for one.
pub(super) fn print_summary(
    ctx: &Ctx,
    end: &RunEnd,
    json: bool,
    scripted: bool,
    format: Option<SummaryFormat>,
) -> Result<()> {
    if json && scripted && format.is_none() {
        return Ok(());
    }
    let format = match format.unwrap_or(SummaryFormat::Text) {
        SummaryFormat::Text => TicketFormat::Text,
        SummaryFormat::Markdown => TicketFormat::Markdown,
        SummaryFormat::Json => TicketFormat::Json,
    };
    let text = Ticket::new(&end.call, &end.events, &ctx.content).render(format);
    if json {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        let text = deskbook_content::terminal::neutralise(&text);
        let _ = writeln!(err).and_then(|()| err.write_all(text.as_bytes()));
    } else {
        outln!();
        out!("{}", deskbook_content::terminal::neutralise(&text));
    }
    Ok(())
}

/// The store `--db` (or `DESKBOOK_DB`, or the organisation's `db:`) names, or the one in
/// the user's data directory.
pub(super) fn open_store(ctx: &Ctx, access: Access) -> Result<Store> {
    Ok(match (ctx.db.as_deref(), access) {
        (Some(db), Access::Write) => Store::open(db)?,
        (Some(db), Access::Read) => Store::open_read(db)?,
        (None, Access::Write) => Store::open_default()?,
        (None, Access::Read) => Store::open_default_read()?,
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
    let at_terminal = std::io::stdin().is_terminal() && styled;
    // The terminal's width; `COLUMNS` when it cannot be asked (or to override it).
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
        .filter(|_| at_terminal);
    Input {
        lines: deskbook_runtime::interrupt::stdin_lines(),
        human,
        json: Box::new(std::io::stdout()),
        style,
        echo: !std::io::stdin().is_terminal(),
        width,
        terminal: at_terminal && !json,
    }
}

/// The agent's login name, for calls recorded without `--agent`.
pub(super) fn login_name() -> Option<String> {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok())
        .filter(|v| !v.trim().is_empty())
}
