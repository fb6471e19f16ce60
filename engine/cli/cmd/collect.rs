//! `deskbook collect`: run by the caller on their own computer; writes the evidence packet
//! the help desk attaches to the call.

use anyhow::{bail, Result};
use deskbook_runtime::collect::{collect, CollectOptions};
use deskbook_runtime::{ContentTasks, LiveProbes};
use std::path::PathBuf;
use std::process::ExitCode;

use super::Ctx;
use crate::args::Globals;

/// Collect diagnostics on this computer for the help desk: one packet file (zip).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The computer you cannot reach (its name or address).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Where to write the packet (default: <COMPUTER>_deskbook.zip in this folder).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// List every command it would run; run none, change nothing, write no packet.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g)?;
    if let Some(out) = &args.out {
        if out.is_dir() {
            bail!(
                "--out {}: a folder; give the packet's file name",
                out.display()
            );
        }
    }
    let probes = LiveProbes::new(ContentTasks::new(&ctx.content));
    deskbook_runtime::interrupt::install();
    let opts = CollectOptions {
        target: args.target,
        out: args.out,
        dry_run: args.dry_run,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        content_version: deskbook_content::layer::builtin_version(),
    };
    let mut progress = std::io::stdout();
    let done = collect(&ctx.content, &probes, &opts, &mut progress)?;
    if args.dry_run {
        outln!(
            "{} command(s) would run; nothing was changed or written",
            done.would_run.len()
        );
    }
    if done.interrupted {
        bail!("interrupted: what the run changed is restored; the packet holds what ran before");
    }
    Ok(ExitCode::SUCCESS)
}
