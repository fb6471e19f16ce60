//! `deskbook show ID`: one item, rendered for the terminal or as JSON.

use anyhow::{bail, Result};
use deskbook_content::markdown::{render_terminal, Style};
use std::io::IsTerminal;
use std::process::ExitCode;

use super::Ctx;
use crate::args::Globals;

/// One item; --json gives its front matter fields and `body`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The item's id (`deskbook list`).
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g);
    let (id, json) = (args.id.as_str(), args.json);
    if let Some(item) = ctx.content.item(id).filter(|i| ctx.visible(i)) {
        if json {
            let mut v = serde_json::to_value(&item.meta)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "body".into(),
                    serde_json::Value::String(item.body().to_string()),
                );
            }
            outln!("{}", serde_json::to_string_pretty(&v)?);
            return Ok(ExitCode::SUCCESS);
        }
        let style = super::style(std::io::stdout().is_terminal());
        let m = &item.meta;
        let (b, r) = if style == Style::Ansi {
            ("\x1b[1m", "\x1b[0m")
        } else {
            ("", "")
        };
        outln!("{b}{}{r}", m.title);
        outln!(
            "{} · {} · tier {} · {}",
            m.id,
            m.kind.as_str(),
            join(&m.tier),
            m.os.join(", ")
        );
        outln!("{}\n", m.summary);
        out!("{}", render_terminal(item.body(), style));
        if !m.related.is_empty() {
            outln!("\nSee also: {}", m.related.join(", "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(pb) = ctx.content.playbook(id) {
        if json {
            let v = serde_json::json!({"id": pb.id, "kind": "playbook", "file": pb.file.path, "source": pb.file.text});
            outln!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            out!("{}", pb.file.text);
        }
        return Ok(ExitCode::SUCCESS);
    }
    bail!("no item with id `{id}` (try `deskbook search {id}` or `deskbook list`)")
}

fn join(tiers: &[u8]) -> String {
    tiers
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
