//! Organisation variables in the loaded content: every `{{ org.NAME }}` names a variable
//! the organisation defines, a public item's text never reads a restricted one, and article
//! bodies get their values filled in.

use crate::diag::{position, Diagnostic};
use crate::loader::Content;
use crate::model::Audience;
use crate::source::SourceFile;
use crate::vars::{self, Vars};

pub(crate) fn check(content: &mut Content) {
    let mut diags = Vec::new();
    let vars = &content.org.vars;
    for item in &mut content.items {
        let file = item.file.clone();
        if !file.text.contains("org.") {
            continue;
        }
        let public = item.meta.audience == Audience::Public;
        for r in vars::references(&file.text) {
            match vars.get(&r.name) {
                None => diags.push(unknown(&file, r.offset, &r.name, vars)),
                Some(v) if public && v.audience == Audience::Restricted => {
                    let (line, col) = position(&file.text, r.offset);
                    diags.push(
                        Diagnostic::error(
                            &file.path,
                            line,
                            col,
                            format!(
                                "restricted variable `{}` in public item `{}`: tier1 reads this text; make the item `audience: restricted` or the variable public",
                                r.name, item.meta.id
                            ),
                        )
                        .with_source(&file.text),
                    );
                }
                Some(_) => {}
            }
        }
        item.rendered = vars::substitute(item.source_body(), vars);
        for text in [&mut item.meta.title, &mut item.meta.summary] {
            if let Some(filled) = vars::substitute(text, vars) {
                *text = filled;
            }
        }
    }
    for pb in &content.playbooks {
        // YAML playbooks are templates; a Lua playbook's text is code, not a template.
        if pb.yaml().is_none() || !pb.file.text.contains("org.") {
            continue;
        }
        for r in vars::references(&pb.file.text) {
            if !vars.contains_key(&r.name) {
                diags.push(unknown(&pb.file, r.offset, &r.name, vars));
            }
        }
    }
    content.diagnostics.extend(diags);
}

/// A reference to a variable no layer defines, at its place in `file`.
pub(crate) fn unknown(file: &SourceFile, offset: usize, name: &str, vars: &Vars) -> Diagnostic {
    let (line, col) = position(&file.text, offset);
    let known = if vars.is_empty() {
        "no deskbook.yaml defines any".to_string()
    } else {
        format!(
            "defined: {}",
            vars.keys()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Diagnostic::error(
        &file.path,
        line,
        col,
        format!("unknown organisation variable `org.{name}`: no layer defines it ({known})"),
    )
    .with_source(&file.text)
}
