//! `deskbook report`: the call classification report over the recorded calls.

use anyhow::{Context, Result};
use deskbook_report::report::{self, Format, Request};
use deskbook_store::Access;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::run::open_store;
use super::Ctx;
use crate::args::Globals;

/// Calls counted by category, status, playbook, rollout, agent, escalation and period.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Calls that started on or after this date (2026-11-01) or date-time
    /// (2026-11-01T08:00, UTC unless it gives an offset).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Calls that started up to this date (the whole day) or before this date-time.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Group by these fields, comma-separated: category, status, playbook, rollout, agent,
    /// escalate, day, week, month [default: category,status].
    #[arg(long, value_name = "FIELD,...")]
    pub by: Option<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report to this file (whole or not at all) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `report --format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Aligned columns, 80 wide when the keys allow (never cut so that rows read alike).
    Table,
    Csv,
    Json,
    Markdown,
    /// One self-contained page with SVG charts.
    Html,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let format = match args.format {
        ReportFormat::Table => Format::Table,
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Json => Format::Json,
        ReportFormat::Markdown => Format::Markdown,
        ReportFormat::Html => Format::Html,
    };
    // The values are checked before anything is opened.
    let request = Request::parse(
        args.since.as_deref(),
        args.until.as_deref(),
        args.by.as_deref(),
        format,
    )?;
    let ctx = Ctx::load(g)?;
    // The report only reads: the store is opened read-only.
    let store = open_store(&ctx, Access::Read)?;
    let text = report::build(request, &ctx.content, |q| store.aggregate(q))?.render();
    match &args.out {
        Some(path) => write_whole(path, &text)?,
        // JSON lets DEL, C1 and the bidirectional controls stand raw in a string: escaped,
        // the same value.
        None if format == Format::Json => {
            out!("{}", deskbook_content::terminal::json_escaped(&text))
        }
        // CSV is data: kept as recorded when it goes to a file or a pipe, with control
        // characters made visible when it is shown on a terminal.
        None if format == Format::Csv && std::io::stdout().is_terminal() => {
            out!("{}", deskbook_content::terminal::neutralise(&text))
        }
        None => out!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Write `text` to a sibling file, then rename it over `path`: a reader never sees half a
/// report, and a failed write leaves `path` as it was.
fn write_whole(path: &Path, text: &str) -> Result<()> {
    if path.is_dir() {
        anyhow::bail!("--out {}: it is a folder; give a file name", path.display());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let partial = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let written = std::fs::write(&partial, text)
        .and_then(|()| std::fs::rename(&partial, path))
        .with_context(|| format!("--out {}: cannot write the report", path.display()));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}
