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
            // A closed standard error (`2>&1 | true`) loses the message, not the exit code.
            let mut text = format!("error: {}\n", shown(&err));
            for cause in err.chain().skip(1) {
                text.push_str(&format!("  caused by: {}\n", shown(&cause)));
            }
            cmd::emit_err(&text);
            ExitCode::FAILURE
        }
    }
}
