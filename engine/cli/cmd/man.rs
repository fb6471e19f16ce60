//! `deskbook man`: the man page, generated from the command line definition.

use anyhow::Result;
use clap::CommandFactory;
use std::process::ExitCode;

use crate::args::Cli;

/// Print the man page (roff): `deskbook man > deskbook.1`.
#[derive(clap::Args, Debug)]
pub struct Args {}

pub fn execute(_args: Args) -> Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    out!("{}", String::from_utf8_lossy(&page));
    Ok(ExitCode::SUCCESS)
}
