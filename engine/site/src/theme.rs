//! The site's templates and assets: the built-in ones from the top-level `site/` folder,
//! compiled into the binary, and a layer's `site/templates/` and `site/assets/` files, which
//! replace built-in ones of the same name. Built-in templates are also registered under
//! `builtin/NAME`, so a layer's template can extend the one it replaces.
//!
//! Template problems name the template file, line and column, and the variable.

use std::collections::HashMap;
use std::path::Path;

use include_dir::{include_dir, Dir};

use deskbook_content::{Diagnostic, LayerInfo, LayerSpec};

static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../site");

/// Templates ready to render and the static files to copy.
pub struct Theme {
    pub tera: tera::Tera,
    /// Template name -> (path shown to people, source text).
    sources: HashMap<String, (String, String)>,
    /// Asset path under `assets/` -> bytes.
    pub assets: Vec<(String, Vec<u8>)>,
}

impl Theme {
    /// The built-in theme with every layer's overrides.
    pub fn load(layers: &[LayerInfo]) -> Result<Theme, Vec<Diagnostic>> {
        let mut sources: HashMap<String, (String, String)> = HashMap::new();
        let mut assets: Vec<(String, Vec<u8>)> = Vec::new();
        let mut problems = Vec::new();
        let mut embedded = Vec::new();
        collect_embedded(&BUILTIN, &mut embedded);
        for (rel, bytes) in embedded {
            if let Some(name) = rel.strip_prefix("templates/") {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let shown = format!("site/{rel}");
                sources.insert(format!("builtin/{name}"), (shown.clone(), text.clone()));
                sources.insert(name.to_string(), (shown, text));
            } else if let Some(name) = rel.strip_prefix("assets/") {
                assets.push((name.to_string(), bytes));
            }
        }
        for layer in layers {
            let LayerSpec::Dir(root) = &layer.spec else {
                continue;
            };
            let site = root.join("site");
            let mut files = Vec::new();
            collect_disk(&site, &site, &mut files, &mut problems);
            for (rel, path, bytes) in files {
                let shown = path.display().to_string();
                if let Some(name) = rel.strip_prefix("templates/") {
                    match String::from_utf8(bytes) {
                        Ok(text) => {
                            sources.insert(name.to_string(), (shown, text));
                        }
                        Err(_) => problems.push(Diagnostic::error(
                            &shown,
                            1,
                            1,
                            "invalid UTF-8: templates must be UTF-8 text",
                        )),
                    }
                } else if let Some(name) = rel.strip_prefix("assets/") {
                    assets.retain(|(n, _)| n != name);
                    assets.push((name.to_string(), bytes));
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        assets.sort_by(|a, b| a.0.cmp(&b.0));
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's own escaping writes `/` as `&#x2F;`; paths read better unescaped.
        tera.set_escape_fn(escape);
        let mut names: Vec<&String> = sources.keys().collect();
        names.sort();
        let list: Vec<(&str, &str)> = names
            .iter()
            .map(|n| (n.as_str(), sources[*n].1.as_str()))
            .collect();
        if let Err(e) = tera.add_raw_templates(list) {
            return Err(vec![template_error(&sources, &e, None)]);
        }
        Ok(Theme {
            tera,
            sources,
            assets,
        })
    }

    /// Render template `name`; a failure names the template file, line and variable.
    pub fn render(
        &self,
        name: &str,
        ctx: &tera::Context,
        page: &str,
    ) -> Result<String, Diagnostic> {
        self.tera
            .render(name, ctx)
            .map_err(|e| template_error(&self.sources, &e, Some((name, page))))
    }
}

fn escape(s: &str) -> String {
    crate::flowchart::esc(s)
}

/// A tera error as a diagnostic at the template's file, line and column.
fn template_error(
    sources: &HashMap<String, (String, String)>,
    err: &tera::Error,
    rendering: Option<(&str, &str)>,
) -> Diagnostic {
    let mut chain = vec![err.to_string()];
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        chain.push(c.to_string());
        cause = c.source();
    }
    let all = chain.join("\n");
    // The template the problem is in: the innermost one a message names.
    let named = chain
        .iter()
        .rev()
        .find_map(|m| quoted(m, '\''))
        .or(rendering.map(|r| r.0.to_string()))
        .unwrap_or_default();
    let (shown, text) = sources
        .get(&named)
        .map(|(p, t)| (p.clone(), t.as_str()))
        .unwrap_or_else(|| (format!("site/templates/{named}"), ""));
    // A parse error carries ` --> line:col`.
    if let Some(pos) = all.split("--> ").nth(1) {
        let mut it = pos
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty());
        let line = it.next().and_then(|s| s.parse().ok()).unwrap_or(1);
        let col = it.next().and_then(|s| s.parse().ok()).unwrap_or(1);
        let detail = all
            .lines()
            .filter(|l| l.trim_start().starts_with("= "))
            .map(|l| l.trim_start().trim_start_matches("= ").to_string())
            .next()
            .unwrap_or_else(|| "syntax error".to_string());
        return Diagnostic::error(
            &shown,
            line,
            col,
            format!("template does not parse: {detail}"),
        )
        .with_source(text);
    }
    let last = chain.last().cloned().unwrap_or_default();
    let (line, col, message) = match quoted(&last, '`') {
        Some(var) if last.starts_with("Variable") => {
            let (l, c) = locate(text, &var);
            (
                l,
                c,
                format!("variable `{var}` is not defined for this page"),
            )
        }
        Some(name) => {
            let (l, c) = locate(text, &name);
            (l, c, first_line(&last))
        }
        None => (1, 1, first_line(&last)),
    };
    let message = match rendering {
        Some((_, page)) => format!("{message} (while rendering {page})"),
        None => message,
    };
    Diagnostic::error(&shown, line, col, message).with_source(text)
}

/// The first `q`-quoted part of `s`.
fn quoted(s: &str, q: char) -> Option<String> {
    let start = s.find(q)? + 1;
    let len = s[start..].find(q)?;
    Some(s[start..start + len].to_string())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// Line and column of the first use of `name` inside a `{{ }}` or `{% %}` tag.
fn locate(text: &str, name: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(at) = line[from..].find(name) {
            let pos = from + at;
            let before = &line[..pos];
            let opened = before.rfind("{{").max(before.rfind("{%"));
            let closed = before.rfind("}}").max(before.rfind("%}"));
            if opened.is_some() && opened > closed {
                return (i + 1, before.chars().count() + 1);
            }
            from = pos + name.len();
        }
    }
    (1, 1)
}

fn collect_embedded(dir: &Dir<'_>, out: &mut Vec<(String, Vec<u8>)>) {
    for f in dir.files() {
        let rel = f.path().to_string_lossy().replace('\\', "/");
        out.push((rel, f.contents().to_vec()));
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

fn collect_disk(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, std::path::PathBuf, Vec<u8>)>,
    problems: &mut Vec<Diagnostic>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_disk(root, &path, out, problems);
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        match std::fs::read(&path) {
            Ok(bytes) => out.push((rel, path, bytes)),
            Err(e) => problems.push(Diagnostic::error(
                &path.display().to_string(),
                1,
                1,
                format!("cannot read file: {e}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_a_variable_inside_a_tag_only() {
        let t = "<p>page.x</p>\n<p>{{ page.x }}</p>\n";
        assert_eq!(locate(t, "page.x"), (2, 7));
    }
}
