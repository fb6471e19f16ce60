//! The `deskbook` binary: parses arguments and dispatches to a command.

mod args;
mod cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match cmd::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            // Errors quote values from outside (file lines, answers): shown, never obeyed.
            let shown = |e: &dyn std::fmt::Display| {
                deskbook_content::terminal::neutralise(&e.to_string()).into_owned()
            };
            eprintln!("error: {}", shown(&err));
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {}", shown(&cause));
            }
            ExitCode::FAILURE
        }
    }
}
