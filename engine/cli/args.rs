//! The command line, as DESIGN.md's contract gives it.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "deskbook",
    version,
    about = "Help-desk knowledge base and playbooks for IPsec server and domain isolation"
)]
pub struct Cli {
    /// Add a content layer (a folder with kb/ and playbooks/); later layers override earlier ones.
    #[arg(long = "content", value_name = "DIR", global = true)]
    pub content: Vec<PathBuf>,
    /// Who is looking: tier1 never sees restricted items.
    #[arg(long, value_enum, default_value_t = Role::Tier1, global = true)]
    pub role: Role,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Tier1,
    Tier2,
    Tier3,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate every layer; exit 1 when anything is wrong.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// The effective items: id, kind, title.
    List {
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One item; --json gives its front matter fields and `body`.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}
