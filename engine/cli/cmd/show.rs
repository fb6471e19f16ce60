//! `deskbook show ID`: one item, rendered for the terminal or as JSON; a playbook as a
//! readable outline (`--json` keeps its source).

use anyhow::{bail, Result};
use deskbook_content::markdown::{render_terminal_for, Style};
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
    let ctx = &Ctx::load(g)?;
    let (id, json) = (args.id.as_str(), args.json);
    if let Some(item) = ctx.content.item(id).filter(|i| ctx.visible(i)) {
        if json {
            let mut meta = item.meta.clone();
            // References the role may not see are left out.
            for list in [&mut meta.related, &mut meta.playbooks, &mut meta.tools] {
                list.retain(|id| ctx.content.visible_id(id));
            }
            let mut v = serde_json::to_value(&meta)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "body".into(),
                    serde_json::Value::String(ctx.content.body_for_role(item).into_owned()),
                );
            }
            super::emit_json(&v)?;
            return Ok(ExitCode::SUCCESS);
        }
        let style = super::style(std::io::stdout().is_terminal());
        let m = &item.meta;
        let (b, r) = if style == Style::Ansi {
            ("\x1b[1m", "\x1b[0m")
        } else {
            ("", "")
        };
        let n = |s: &str| deskbook_content::terminal::neutralise(s).into_owned();
        outln!("{b}{}{r}", n(&m.title));
        outln!(
            "{} · {} · tier {} · {}",
            m.id,
            m.kind.as_str(),
            join(&m.tier),
            m.os.join(", ")
        );
        outln!("{}\n", n(&m.summary));
        let may_see = |id: &str| ctx.content.visible_id(id);
        out!("{}", render_terminal_for(item.body(), style, &may_see));
        let related = ctx.content.visible_ids(&m.related);
        if !related.is_empty() {
            outln!("\nSee also: {}", related.join(", "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(pb) = ctx.content.playbook(id) {
        // A patched playbook is shown as it runs: the lower playbook with the patches applied.
        let (source, patches) = match (&pb.lower, pb.yaml()) {
            (Some(_), Some(effective)) => {
                let files: Vec<&str> = patch_files(pb);
                let text =
                    deskbook_content::yaml::to_string(effective).map_err(anyhow::Error::msg)?;
                (text, files)
            }
            _ => (pb.file.text.clone(), Vec::new()),
        };
        let source = ctx.content.playbook_text_for_role(pb, &source);
        if json {
            let v = serde_json::json!({"id": pb.id, "kind": "playbook", "file": pb.origin().file.path, "patches": patches, "source": source});
            super::emit_json(&v)?;
        } else {
            // A readable outline, not the YAML; the role's view as with the source.
            let origin = if patches.is_empty() {
                pb.origin().file.path.clone()
            } else {
                format!(
                    "{}, patched by {}",
                    pb.origin().file.path,
                    patches.join(", ")
                )
            };
            let text = match pb.yaml() {
                Some(y) => deskbook_playbook::outline::outline(y, &origin),
                None => match deskbook_playbook::lua::meta::read(&pb.file) {
                    Ok(meta) => {
                        deskbook_playbook::outline::lua_outline(&meta, &origin, &pb.file.text)
                    }
                    Err(p) => bail!("{}", p.render(&pb.file.path)),
                },
            };
            let shown = ctx.content.playbook_text_for_role(pb, &text);
            out!("{}", deskbook_content::terminal::neutralise(&shown));
        }
        return Ok(ExitCode::SUCCESS);
    }
    bail!("no item with id `{id}` (try `deskbook search {id}` or `deskbook list`)")
}

/// The patch files of a playbook, lowest first.
fn patch_files(pb: &deskbook_content::PlaybookDoc) -> Vec<&str> {
    let mut out = Vec::new();
    let mut cur = pb;
    while let Some(lower) = cur.lower.as_deref() {
        out.push(cur.file.path.as_str());
        cur = lower;
    }
    out.reverse();
    out
}

fn join(tiers: &[u8]) -> String {
    tiers
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
