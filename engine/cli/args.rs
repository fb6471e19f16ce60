//! The command line, as DESIGN.md's contract gives it: the global flags and the list of
//! commands. Each command's own arguments live beside its `execute` in `cmd/<name>.rs`.

use clap::{Parser, Subcommand, ValueEnum};
use deskbook_content::LayerSpec;
use std::path::PathBuf;

use crate::cmd::{
    check, collect, completions, list, man, probe, run, search, sessions, show, test,
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
    /// Who is looking: tier1 never sees restricted items.
    #[arg(long, value_enum, default_value_t = Role::Tier1, global = true)]
    pub role: Role,
    /// The call database (SQLite file); default: calls.sqlite in the user's data directory.
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
}

impl Globals {
    /// The layers of this run: the built-in content, then each `--content` folder in order.
    pub fn layer_specs(&self) -> Vec<LayerSpec> {
        let mut specs = vec![LayerSpec::BuiltIn];
        specs.extend(self.content.iter().cloned().map(LayerSpec::Dir));
        specs
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Tier1,
    Tier2,
    Tier3,
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
