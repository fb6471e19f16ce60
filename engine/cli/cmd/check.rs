//! `deskbook check`: every problem of every layer, exit 1 when any is an error.

use anyhow::Result;
use std::process::ExitCode;

use super::Ctx;

pub fn execute(ctx: &Ctx, json: bool) -> Result<ExitCode> {
    let diags = &ctx.content.diagnostics;
    if json {
        println!("{}", serde_json::to_string_pretty(diags)?);
    } else {
        for d in diags {
            println!("{d}");
        }
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        let items = ctx.content.items.len();
        let playbooks = ctx.content.playbooks.len();
        if errors == 0 {
            println!("ok: {items} items, {playbooks} playbooks, {warnings} warning(s)");
        } else {
            println!("{errors} error(s), {warnings} warning(s) in {items} items and {playbooks} playbooks");
        }
    }
    Ok(if ctx.content.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
