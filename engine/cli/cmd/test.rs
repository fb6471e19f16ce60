//! `deskbook test`: every playbook scenario, then branch coverage per playbook.

use anyhow::Result;
use deskbook_content::terminal::neutralise;
use deskbook_playbook::{coverage, scenario};
use serde::Serialize;
use std::fmt::Write as _;
use std::process::ExitCode;

use super::Ctx;
use crate::args::Globals;

/// Run the playbook scenarios (playbooks/tests/*.yaml) and report branch coverage;
/// exit 1 when a scenario fails.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    passed: usize,
    failed: usize,
    scenarios: &'a [scenario::ScenarioResult],
    coverage: &'a [coverage::Coverage],
    /// Scenario files written for a playbook a higher layer changed.
    set_aside: Vec<&'a str>,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g)?;
    let json = args.json;
    let errors: Vec<_> = ctx
        .content
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    if !errors.is_empty() {
        for d in errors.iter().take(3) {
            errln!("{}", neutralise(&d.to_string()));
        }
        anyhow::bail!(
            "the content has {} problem(s); run `deskbook check` to see them all",
            errors.len()
        );
    }
    let results = scenario::run_all(&ctx.content);
    let cov = coverage::compute(&ctx.content, &results);
    let failed = results.iter().filter(|r| !r.passed).count();
    let passed = results.len() - failed;
    if json {
        let report = Report {
            passed,
            failed,
            scenarios: &results,
            coverage: &cov,
            set_aside: ctx
                .content
                .set_aside
                .iter()
                .map(|(f, _, _)| f.path.as_str())
                .collect(),
        };
        super::emit_json(&report)?;
    } else {
        let mut out = String::new();
        for r in &results {
            let mark = if r.passed { "ok  " } else { "FAIL" };
            let _ = writeln!(out, "{mark}  {}: {}  ({})", r.playbook, r.name, r.file);
            for p in &r.problems {
                let _ = writeln!(out, "      {p}");
            }
        }
        out.push('\n');
        let _ = writeln!(out, "branch coverage (YAML: edges taken / edges in the graph; Lua: answers taken / choices offered by the questions reached):");
        let w = cov.iter().map(|c| c.playbook.len()).max().unwrap_or(0);
        for c in &cov {
            let mut line = format!(
                "  {:w$}  {:7}  {:>3}/{:<3}  {:5.1}%",
                c.playbook,
                c.measure,
                c.taken,
                c.total,
                c.percent()
            );
            if let (Some(written), Some(reached)) = (c.asks_written, c.asks_reached) {
                line.push_str(&format!("  ({reached} of {written} questions reached)"));
            }
            let _ = writeln!(out, "{line}");
            for m in &c.missing {
                let _ = writeln!(out, "  {:w$}    not taken: {m}", "");
            }
        }
        out.push('\n');
        for (file, playbook, by) in &ctx.content.set_aside {
            let _ = writeln!(
                out,
                "set aside  {playbook}: {} (written for the playbook below layer `{by}`, which changes it)",
                file.path
            );
        }
        let _ = writeln!(
            out,
            "{} scenario(s): {passed} passed, {failed} failed{}",
            results.len(),
            match ctx.content.set_aside.len() {
                0 => String::new(),
                n => format!(", {n} set aside"),
            }
        );
        // Scenario names, answers and choice labels are text from a layer: shown, never
        // obeyed.
        out!("{}", neutralise(&out));
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
