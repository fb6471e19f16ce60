//! `deskbook site build --out DIR | site serve [--port N]`: the static documentation site.

use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use deskbook_content::LayerSpec;
use deskbook_site::{BuildOptions, PageRecord, SiteError};

use super::Ctx;
use crate::args::Globals;

/// The static documentation site: build it, or serve it and rebuild on every change.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: SiteCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum SiteCommand {
    /// Write the site for the role to DIR (`--role tier2` builds the internal site).
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

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let opts = BuildOptions {
        progress: std::io::stderr().is_terminal(),
        index: None,
    };
    match args.command {
        SiteCommand::Build { out } => {
            let started = std::time::Instant::now();
            let content = Arc::new(Ctx::load(g)?.content);
            let held = content.clone();
            let index = move |pages: &[PageRecord]| deskbook_sitesearch::site_index(&held, pages);
            let opts = BuildOptions {
                progress: opts.progress,
                index: Some(&index),
            };
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
                    // A broken link's message quotes the content: shown, never obeyed.
                    let e = deskbook_content::terminal::neutralise(&e.to_string()).into_owned();
                    errln!("error: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        SiteCommand::Serve { port } => {
            // Watch every layer folder and the organisation's deskbook.yaml.
            let org = g.org().map_err(super::ConfigError)?;
            let mut watch: Vec<PathBuf> = org
                .layers
                .iter()
                .filter_map(|(_, s)| match s {
                    LayerSpec::Dir(p) => Some(p.clone()),
                    LayerSpec::BuiltIn => None,
                })
                .collect();
            if let Some(c) = &org.config {
                watch.push(PathBuf::from(&c.path));
            }
            let opts = BuildOptions {
                progress: false,
                ..opts
            };
            // Each rebuild reads the organisation and every layer again.
            let build = || match Ctx::load(g) {
                Ok(ctx) => {
                    let content = Arc::new(ctx.content);
                    let held = content.clone();
                    let index =
                        move |pages: &[PageRecord]| deskbook_sitesearch::site_index(&held, pages);
                    let opts = BuildOptions {
                        progress: opts.progress,
                        index: Some(&index),
                    };
                    deskbook_site::generate(&content, &opts)
                }
                Err(e) => Err(SiteError::Diagnostics(e.0)),
            };
            let log = |line: &str| {
                use std::io::Write;
                let mut err = std::io::stderr().lock();
                // Rebuild errors quote the content: shown, never obeyed.
                let _ = writeln!(err, "{}", deskbook_content::terminal::neutralise(line));
            };
            deskbook_site::serve::serve(port, &watch, &build, &log)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
