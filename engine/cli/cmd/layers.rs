//! `deskbook layers`: each effective item and the layer it comes from; `layers diff
//! [LAYER]`: what a layer adds, replaces and patches against the layers below it.

use anyhow::Result;
use deskbook_content::provenance::{self, Change, FailedPatch};
use deskbook_content::terminal::neutralise;
use std::fmt::Write as _;
use std::process::ExitCode;

use super::{ConfigError, Ctx};
use crate::args::Globals;

/// Each effective item and the layer it comes from; `diff [LAYER]` what a layer changes.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<LayersCommand>,
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum LayersCommand {
    /// What LAYER (default: the top one) adds, replaces and patches against the layers below.
    Diff {
        /// A layer's name as deskbook.yaml lists it (or its folder).
        layer: Option<String>,
    },
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    match args.command {
        None => list(g, args.json),
        Some(LayersCommand::Diff { layer }) => diff(g, layer.as_deref(), args.json),
    }
}

/// A patch that does not apply leaves its playbook at the version below, which does not run:
/// `layers` and `layers diff` still show what they can, name each such patch's first error
/// on standard error, and exit 1.
fn report_failed(failed: &[FailedPatch]) -> ExitCode {
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    for f in failed {
        eprintln!("{}", neutralise(&f.diagnostic.to_string()));
    }
    eprintln!(
        "error: {} patch(es) do not apply: {} keep{} the version below and do{} not run (run `deskbook check`)",
        failed.len(),
        neutralise(&ids_of(failed)),
        if failed.len() == 1 { "s" } else { "" },
        if failed.len() == 1 { "es" } else { "" },
    );
    ExitCode::FAILURE
}

/// The playbooks of failed patches, each once: "playbook `a`", "playbooks `a`, `b`".
fn ids_of(failed: &[FailedPatch]) -> String {
    let mut ids: Vec<&str> = failed.iter().map(|f| f.playbook.as_str()).collect();
    ids.dedup();
    let quoted: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
    format!(
        "playbook{} {}",
        if ids.len() == 1 { "" } else { "s" },
        quoted.join(", ")
    )
}

fn list(g: &Globals, json: bool) -> Result<ExitCode> {
    let ctx = Ctx::load(g)?;
    let entries = provenance::entries(&ctx.content);
    let failed = provenance::failed_patches(&ctx.content, None);
    if json {
        let layers: Vec<serde_json::Value> = ctx
            .content
            .layers
            .iter()
            .map(|l| serde_json::json!({"name": l.name, "path": l.spec.name()}))
            .collect();
        let v = serde_json::json!({"layers": layers, "items": entries, "failed_patches": failed});
        super::emit_json(&v)?;
        return Ok(report_failed(&failed));
    }
    let mut out = String::from("layers, lowest first:\n");
    for (i, l) in ctx.content.layers.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}  ({})", i + 1, l.name, l.spec.name());
    }
    out.push('\n');
    let w = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
    for e in &entries {
        let patched = if e.patched_by.is_empty() {
            String::new()
        } else {
            format!("  patched by {}", e.patched_by.join(", "))
        };
        let failed = if e.failed_patch_by.is_empty() {
            String::new()
        } else {
            format!(
                "  PATCH FAILED in {}: does not run",
                e.failed_patch_by.join(", ")
            )
        };
        let _ = writeln!(
            out,
            "{:w$}  {:8}  {}{patched}{failed}",
            e.id, e.kind, e.layer
        );
    }
    // Layer names are folder names and may hold anything: shown, never obeyed.
    out!("{}", neutralise(&out));
    Ok(report_failed(&failed))
}

fn diff(g: &Globals, layer: Option<&str>, json: bool) -> Result<ExitCode> {
    let org = g.org().map_err(ConfigError)?;
    let d = provenance::layer_diff(&org, layer, g.role)?;
    if json {
        super::emit_json(&d)?;
        return Ok(report_failed(&d.failed));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "layer {}: {} change(s){}",
        d.layer,
        d.changes.len(),
        match d.failed.len() {
            0 => String::new(),
            n => format!(", {n} patch(es) that do not apply"),
        }
    );
    for f in &d.failed {
        let _ = writeln!(
            out,
            "  FAILED    playbook  {}  (patch {}:{}:{}: {})",
            f.playbook, f.file, f.line, f.column, f.message
        );
    }
    for c in &d.changes {
        let what = match c.change {
            Change::Added => "added",
            Change::Replaced => "replaced",
            Change::Patched => "patched",
        };
        let stale = if c.stale == Some(true) {
            "  (stale: the playbook below changed since the patch was written)"
        } else {
            ""
        };
        let _ = writeln!(out, "  {what:8}  {:8}  {}{stale}", c.kind, c.id);
        let Some(steps) = &c.steps else { continue };
        if let Some((a, b)) = &steps.start {
            let _ = writeln!(out, "      start: {a} -> {b}");
        }
        if let Some((a, b)) = &steps.title {
            let _ = writeln!(out, "      title: {a:?} -> {b:?}");
        }
        if let Some((a, b)) = &steps.summary {
            let _ = writeln!(out, "      summary: {a:?} -> {b:?}");
        }
        for s in &steps.added {
            let _ = writeln!(out, "      + step {s}");
        }
        for s in &steps.removed {
            let _ = writeln!(out, "      - step {s}");
        }
        for s in &steps.changed {
            let _ = writeln!(out, "      ~ step {}", s.id);
            for line in &s.choices {
                let _ = writeln!(out, "          {line}");
            }
            for f in &s.fields {
                let _ = match &f.now {
                    Some(now) if f.text => writeln!(out, "          {}: {now:?}", f.field),
                    Some(now) => writeln!(out, "          {}: {now}", f.field),
                    None => writeln!(out, "          -{}", f.field),
                };
            }
        }
    }
    for cat in &d.categories {
        let _ = writeln!(out, "  added     category  {cat}");
    }
    // Choice labels and folder names are text from a layer: shown, never obeyed.
    out!("{}", neutralise(&out));
    Ok(report_failed(&d.failed))
}
