//! `deskbook replay [--since DATE] [--playbook ID]`: rehearse the current playbooks (a new
//! rollout phase's flowchart, say) over past calls, and list the calls whose path, status
//! or category would change, and those that can no longer be replayed.

use anyhow::{bail, Result};
use deskbook_content::terminal::neutralise_line;
use deskbook_runtime::rehearse::{rehearse, Rehearsal};
use deskbook_store::time::{parse_bound, Bound};
use deskbook_store::{Access, CallFilter};
use std::process::ExitCode;

use super::run::open_store;
use super::Ctx;
use crate::args::Globals;

/// Re-run the recorded answers of past calls against the current effective playbooks.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Calls started on or after this date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only calls of this playbook.
    #[arg(long, value_name = "ID")]
    pub playbook: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    // Bad values are refused before anything is opened.
    let since = args
        .since
        .as_deref()
        .map(|v| parse_bound("--since", v, Bound::Since))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let ctx = Ctx::load(g)?;
    if let Some(id) = &args.playbook {
        if ctx.content.playbook(id).is_none() {
            bail!("--playbook {id:?}: no such playbook in the effective content (see `deskbook list --kind playbook`)");
        }
    }
    let store = open_store(&ctx, Access::Read)?;
    let filter = CallFilter {
        since,
        ..CallFilter::default()
    };
    let mut results = Vec::new();
    let mut skipped = 0usize;
    for call in store.calls(&filter)? {
        if args.playbook.as_deref().is_some_and(|p| p != call.playbook) {
            continue;
        }
        // Only calls that ended at an end step say what the flowchart decided.
        if call.status.is_none() || call.closed_by.as_deref() == Some("agent") {
            skipped += 1;
            continue;
        }
        let events = store.events(&call.session)?;
        results.push(rehearse(&ctx.content, &call, &events));
    }
    if args.json {
        let v = serde_json::json!({
            "replayed": results.len(),
            "skipped": skipped,
            "changed": results.iter().filter(|r| matches!(r, Rehearsal::Changed { .. })).count(),
            "unreplayable": results.iter().filter(|r| matches!(r, Rehearsal::Unreplayable { .. })).count(),
            "calls": results.iter().filter(|r| !matches!(r, Rehearsal::Unchanged { .. })).collect::<Vec<_>>(),
        });
        super::emit_json(&v)?;
        return Ok(ExitCode::SUCCESS);
    }
    outln!("{}", summary(&results, skipped));
    for r in &results {
        match r {
            Rehearsal::Unchanged { .. } => {}
            Rehearsal::Changed {
                session,
                playbook,
                started_at,
                recorded,
                now,
                diverges_at,
            } => {
                outln!(
                    "\nwould change: call {} ({}, {})",
                    neutralise_line(session),
                    neutralise_line(playbook),
                    neutralise_line(started_at)
                );
                outln!(
                    "  recorded: {} · {}",
                    neutralise_line(&recorded.status),
                    neutralise_line(&recorded.category)
                );
                outln!("  now:      {} · {}", now.status, now.category);
                if let Some(step) = diverges_at {
                    outln!("  the path parts at `{}`", neutralise_line(step));
                }
                outln!(
                    "  recorded path: {}",
                    neutralise_line(&recorded.path.join(" > "))
                );
                outln!("  path now:      {}", now.path.join(" > "));
            }
            Rehearsal::Unreplayable {
                session,
                playbook,
                started_at,
                step,
                reason,
            } => {
                outln!(
                    "\ncannot be replayed: call {} ({}, {})",
                    neutralise_line(session),
                    neutralise_line(playbook),
                    neutralise_line(started_at)
                );
                match step {
                    Some(s) => outln!("  at `{}`: {}", neutralise_line(s), neutralise_line(reason)),
                    None => outln!("  {}", neutralise_line(reason)),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The first line: how many calls were replayed and what became of them.
fn summary(results: &[Rehearsal], skipped: usize) -> String {
    let changed = results
        .iter()
        .filter(|r| matches!(r, Rehearsal::Changed { .. }))
        .count();
    let unreplayable = results
        .iter()
        .filter(|r| matches!(r, Rehearsal::Unreplayable { .. }))
        .count();
    let mut s = format!(
        "{} recorded call(s) replayed against the current playbooks: {} unchanged, {changed} would change, {unreplayable} cannot be replayed",
        results.len(),
        results.len() - changed - unreplayable
    );
    if skipped > 0 {
        s.push_str(&format!(
            " ({skipped} open or closed by hand, not replayed)"
        ));
    }
    s
}
