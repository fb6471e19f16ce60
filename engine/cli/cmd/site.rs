//! `deskbook site build --out DIR | site serve [--port N]`: the static documentation site.

use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use deskbook_content::LayerSpec;
use deskbook_site::{BuildOptions, Role as SiteRole};

use crate::args::{Globals, Role};

/// The static documentation site: build it, or serve it and rebuild on every change.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: SiteCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum SiteCommand {
    /// Write the site for the role (`--role tier2` builds the internal site) to DIR.
    Build {
        /// The folder to write (replaced when it holds a previous build).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Serve the site on 127.0.0.1 and rebuild it when a file of any layer changes.
    Serve {
        /// The port (0 picks a free one).
        #[arg(long, default_value_t = 3000, value_name = "N")]
        port: u16,
    },
}

fn role(r: Role) -> SiteRole {
    match r {
        Role::Tier1 => SiteRole::Tier1,
        Role::Tier2 => SiteRole::Tier2,
        Role::Tier3 => SiteRole::Tier3,
    }
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let specs = g.layer_specs();
    let opts = BuildOptions {
        role: role(g.role),
        progress: std::io::stderr().is_terminal(),
        index: None,
    };
    match args.command {
        SiteCommand::Build { out } => {
            let started = std::time::Instant::now();
            let content = deskbook_content::load(&specs);
            match deskbook_site::build(&content, &out, &opts) {
                Ok(site) => {
                    outln!(
                        "built {} pages ({} files) in {} in {:.2} s",
                        site.pages.len(),
                        site.files.len(),
                        out.display(),
                        started.elapsed().as_secs_f64()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        SiteCommand::Serve { port } => {
            let watch: Vec<PathBuf> = specs
                .iter()
                .filter_map(|s| match s {
                    LayerSpec::Dir(p) => Some(p.clone()),
                    LayerSpec::BuiltIn => None,
                })
                .collect();
            let opts = BuildOptions {
                progress: false,
                ..opts
            };
            let build = || {
                let content = deskbook_content::load(&specs);
                deskbook_site::generate(&content, &opts)
            };
            let log = |line: &str| {
                use std::io::Write;
                let mut err = std::io::stderr().lock();
                let _ = writeln!(err, "{line}");
            };
            deskbook_site::serve::serve(port, &watch, &build, &log)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
