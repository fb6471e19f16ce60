//! `deskbook init DIR`: a new organisation folder that passes `check` and `test` at once.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::args::Globals;

/// A new organisation folder: deskbook.yaml, an overriding article, a patched triage playbook.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to create (it may exist, but must not hold a deskbook.yaml or the files).
    pub dir: PathBuf,
    /// The organisation's name.
    #[arg(long, default_value = "Example Organisation", value_name = "NAME")]
    pub name: String,
    /// The first rollout phase (also the name of its layer folder).
    #[arg(long, default_value = "phase-1", value_name = "NAME")]
    pub rollout: String,
}

pub fn execute(_g: &Globals, args: Args) -> Result<ExitCode> {
    let files = deskbook_content::scaffold::files(&args.name, &args.rollout)?;
    // Refuse before writing anything: no half-made folder over someone's files.
    for (rel, _) in &files {
        let path = args.dir.join(rel);
        if path.exists() {
            bail!(
                "{} already exists: `init` writes a new organisation folder and changes no file",
                path.display()
            );
        }
    }
    let mut written: Vec<PathBuf> = Vec::new();
    for (rel, text) in &files {
        let path = args.dir.join(rel);
        if let Err(e) = write(&path, text) {
            for p in written.iter().rev() {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        written.push(path);
    }
    outln!("created the organisation folder {}:", args.dir.display());
    for (rel, _) in &files {
        outln!("  {rel}");
    }
    outln!();
    outln!(
        "next: cd {} && deskbook check && deskbook test",
        args.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
