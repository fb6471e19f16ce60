//! The command line, as DESIGN.md's contract gives it: the global flags and the list of
//! commands. Each command's own arguments live beside its `execute` in `cmd/<name>.rs`.

use clap::{Parser, Subcommand};
use deskbook_content::{org, Org, Role};
use std::path::{Path, PathBuf};

use crate::cmd::{
    check, collect, completions, init, layers, list, man, probe, replay, report, run, search,
    sessions, show, site, test,
};

#[derive(Parser, Debug)]
#[command(
    name = "deskbook",
    version = version(),
    about = "Help-desk knowledge base and playbooks for IPsec server and domain isolation"
)]
pub struct Cli {
    #[command(flatten)]
    pub globals: Globals,
    #[command(subcommand)]
    pub command: Command,
}

/// The flags every command takes.
#[derive(clap::Args, Debug)]
pub struct Globals {
    /// Add a content layer (a folder with kb/ and playbooks/); later layers override earlier ones.
    #[arg(long = "content", value_name = "DIR", global = true)]
    pub content: Vec<PathBuf>,
    /// The organisation's deskbook.yaml (default: DESKBOOK_CONFIG, else the first
    /// deskbook.yaml in this folder or one above it).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Who is looking (tier1, tier2, tier3): tier1 never sees restricted items or variables.
    #[arg(long, default_value = "tier1", value_parser = parse_role, global = true)]
    pub role: Role,
    /// The call store: an SQLite file, or a postgres:// URL that a whole help desk shares;
    /// default: calls.sqlite in the user's data directory.
    #[arg(long, value_name = "PATH|URL", env = "DESKBOOK_DB", global = true)]
    pub db: Option<String>,
}

impl Globals {
    /// The organisation of this run: its deskbook.yaml's layers (or the built-in content
    /// alone), then each `--content` folder in order.
    pub fn org(&self) -> Result<Org, Vec<deskbook_content::Diagnostic>> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let env = std::env::var_os("DESKBOOK_CONFIG");
        let found = org::find(self.config.as_deref(), env.as_deref(), &cwd);
        let mut org = match found {
            Some(path) => Org::read(&path)?,
            None => Org::plain(&[deskbook_content::LayerSpec::BuiltIn]),
        };
        for dir in &self.content {
            org.push_dir(dir.clone());
        }
        Ok(org)
    }

    /// `--db` (or `DESKBOOK_DB`), else the organisation's `db:` (a path relative to its
    /// deskbook.yaml, or a URL).
    pub fn db_for(&self, org: &Org) -> Option<String> {
        if let Some(db) = &self.db {
            return Some(db.clone());
        }
        let db = org.db.as_ref()?;
        let base = org
            .config
            .as_ref()
            .and_then(|c| Path::new(&c.path).parent().map(Path::to_path_buf))
            .unwrap_or_default();
        Some(if db.contains("://") {
            db.clone()
        } else {
            base.join(db).to_string_lossy().into_owned()
        })
    }
}

/// `--role`: one of the content's roles.
fn parse_role(s: &str) -> Result<Role, String> {
    s.parse::<Role>().map_err(|e| e.to_string())
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Check(check::Args),
    List(list::Args),
    Show(show::Args),
    Search(search::Args),
    Run(run::Args),
    Test(test::Args),
    Probe(probe::Args),
    Sessions(sessions::Args),
    Collect(collect::Args),
    Completions(completions::Args),
    Man(man::Args),
    Layers(layers::Args),
    Init(init::Args),
    Site(site::Args),
    Report(report::Args),
    Replay(replay::Args),
}

/// `deskbook --version`: the program's version and the version of its built-in content.
fn version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        format!(
            "{} (built-in content {})",
            env!("CARGO_PKG_VERSION"),
            deskbook_content::layer::builtin_version()
        )
    })
}

/// `K=V` of `--var` and `--arg`.
pub fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!(
            "expected K=V (an input name, `=`, its value), got {s:?}"
        )),
    }
}
