//! One file per command; each has an `execute` that calls the library and prints.

mod check;
mod list;
mod show;

use anyhow::Result;
use deskbook_content::{Content, Item, LayerSpec};
use std::process::ExitCode;

use crate::args::{Cli, Command, Role};

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx::load(&cli);
    match cli.command {
        Command::Check { json } => check::execute(&ctx, json),
        Command::List { kind, json } => list::execute(&ctx, kind.as_deref(), json),
        Command::Show { id, json } => show::execute(&ctx, &id, json),
    }
}

/// What every command works on: the effective content and the caller's role.
pub struct Ctx {
    pub content: Content,
    pub role: Role,
}

impl Ctx {
    fn load(cli: &Cli) -> Ctx {
        let mut specs = vec![LayerSpec::BuiltIn];
        specs.extend(cli.content.iter().cloned().map(LayerSpec::Dir));
        Ctx {
            content: deskbook_content::load(&specs),
            role: cli.role,
        }
    }

    /// Whether the role may see this item.
    pub fn visible(&self, item: &Item) -> bool {
        self.role != Role::Tier1 || item.meta.audience == deskbook_content::model::Audience::Public
    }
}
