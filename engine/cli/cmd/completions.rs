//! `deskbook completions SHELL`: a completion script generated from the command line
//! definition, so it always knows every command and flag.

use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;
use std::process::ExitCode;

use crate::args::Cli;

/// Print a shell completion script (bash, zsh, fish, powershell).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Install, for example:\n  deskbook completions bash > /etc/bash_completion.d/deskbook\n  deskbook completions zsh > \"${fpath[1]}/_deskbook\"\n  deskbook completions fish > ~/.config/fish/completions/deskbook.fish\n  deskbook completions powershell >> $PROFILE"
)]
pub struct Args {
    /// The shell.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

pub fn execute(args: Args) -> Result<ExitCode> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "deskbook", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(ExitCode::SUCCESS)
}
