//! `deskbook list`: the effective items (and playbooks) the role may see.

use anyhow::{bail, Result};
use deskbook_content::terminal::neutralise_line;
use deskbook_content::Kind;
use serde::Serialize;
use std::process::ExitCode;

use super::Ctx;
use crate::args::Globals;

/// The effective items: id, kind, title.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only items of this kind (article, event, tool, guidance, playbook).
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    kind: &'a str,
    title: std::borrow::Cow<'a, str>,
}

pub fn execute(g: &Globals, args: Args) -> Result<ExitCode> {
    let ctx = &Ctx::load(g)?;
    let json = args.json;
    let kind = match args.kind.as_deref() {
        None => None,
        Some(k) => match Kind::parse(k) {
            Some(k) => Some(k),
            None => bail!(
                "unknown kind `{k}`: expected one of {}",
                Kind::ALL.join(", ")
            ),
        },
    };
    let mut rows: Vec<Row> = Vec::new();
    for item in &ctx.content.items {
        if ctx.visible(item) && kind.is_none_or(|k| k == item.meta.kind) {
            rows.push(Row {
                id: item.id(),
                kind: item.meta.kind.as_str(),
                title: item.meta.title.as_str().into(),
            });
        }
    }
    if kind.is_none_or(|k| k == Kind::Playbook) {
        for pb in &ctx.content.playbooks {
            rows.push(Row {
                id: &pb.id,
                kind: "playbook",
                title: deskbook_playbook::title(pb),
            });
        }
    }
    rows.sort_by(|a, b| a.id.cmp(b.id));
    if json {
        super::emit_json(&rows)?;
    } else {
        let w = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in &rows {
            // Titles are content: shown, never obeyed.
            outln!("{:w$}  {:8}  {}", r.id, r.kind, neutralise_line(&r.title));
        }
    }
    Ok(ExitCode::SUCCESS)
}
