//! `deskbook probe NAME --arg K=V`: one local probe, its result as text or JSON.

use anyhow::Result;
use deskbook_content::terminal::neutralise;
use deskbook_probes::Status;
use deskbook_runtime::{ContentTasks, LiveProbes, Probes};
use std::process::ExitCode;

use super::Ctx;
use crate::args::{parse_var, Globals};

/// Run one local probe (os, ping, resolve, tcp, udp, ike, command, file) and print its result.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The probe's name.
    pub name: String,
    /// An argument of the probe (repeatable), e.g. `--arg host=srv-files-01.example.com`.
    #[arg(long = "arg", value_name = "K=V", value_parser = parse_var)]
    pub args: Vec<(String, String)>,
    #[arg(long)]
    pub json: bool,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g)?;
    let tasks = ContentTasks::new(&ctx.content);
    let result = deskbook_probes::cli_run(&args.name, &args.args, &tasks);
    if args.json {
        super::emit_json(&result)?;
    } else {
        // Probe output is what another computer or a tool said: shown, never obeyed.
        outln!("{}", neutralise(&result.to_string()));
        // A result speaks for the computer it ran on: say which, so that it is not relayed
        // as the caller's.
        let host = LiveProbes::new(tasks).host();
        let name = host
            .map(|h| format!(" ({})", neutralise(&h)))
            .unwrap_or_default();
        outln!("(ran on this computer{name}: it says nothing about another computer, such as a caller's)");
    }
    // ok and fail are answers (the check ran); error means it could not run.
    Ok(match result.status {
        Status::Error => ExitCode::FAILURE,
        Status::Ok | Status::Fail => ExitCode::SUCCESS,
    })
}
