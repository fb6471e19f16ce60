//! `deskbook check`: every problem of every layer, and with `--site` what building the site
//! would refuse (template errors, broken internal links); exit 1 when any is an error.

use anyhow::Result;
use std::process::ExitCode;

use super::{ConfigError, Ctx};
use crate::args::Globals;

/// Validate every layer; exit 1 when anything is wrong.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The diagnostics as a JSON array of {file, line, column, message, severity}.
    #[arg(long)]
    pub json: bool,
    /// Also what `site build` would refuse (a broken internal link, a failing layer
    /// template), for the same --role. It renders every page in memory, so it is slower:
    /// run it before publishing.
    #[arg(long)]
    pub site: bool,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let json = args.json;
    let ctx = match Ctx::load(g) {
        Ok(ctx) => ctx,
        // The organisation's deskbook.yaml is the first file checked.
        Err(ConfigError(diags)) => {
            if json {
                super::emit_json(&diags)?;
            } else {
                for d in &diags {
                    outln!("{}", deskbook_content::terminal::neutralise(&d.to_string()));
                }
                outln!("{} error(s) in the organisation configuration", diags.len());
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    // The content's own problems, then the playbooks' (graphs, templates, Lua, scenarios).
    let mut all = ctx.content.diagnostics.clone();
    all.extend(deskbook_playbook::check::check(&ctx.content));
    // With --site, what `site build` (for the same role) would refuse: a failing layer
    // template, a broken internal link. The site is only rendered for content without
    // errors.
    if args.site && !all.iter().any(|d| d.is_error()) {
        all.extend(deskbook_site::check(&ctx.content));
    }
    let diags = &all;
    if json {
        super::emit_json(diags)?;
    } else {
        for d in diags {
            // Snippets are lines of user files: their control characters are shown.
            outln!("{}", deskbook_content::terminal::neutralise(&d.to_string()));
        }
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        let items = ctx.content.items.len();
        let playbooks = ctx.content.playbooks.len();
        if errors == 0 {
            outln!("ok: {items} items, {playbooks} playbooks, {warnings} warning(s)");
        } else {
            outln!("{errors} error(s), {warnings} warning(s) in {items} items and {playbooks} playbooks");
        }
    }
    Ok(if diags.iter().any(|d| d.is_error()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
