//! The build's link check: every `href` and `src` of every page that points inside the
//! site must name a page or file the build writes, and its `#fragment` an id on that page.
//! A broken link written in Markdown is reported at its Markdown file, line and column.

use std::collections::{HashMap, HashSet};

use std::sync::Arc;

use deskbook_content::{Diagnostic, SourceFile};

use crate::markdown::BodyLink;

/// A rendered page as the check sees it.
pub struct Checked<'a> {
    pub path: &'a str,
    pub html: &'a str,
    pub template: &'a str,
    pub links: &'a [(BodyLink, Arc<SourceFile>)],
    /// The file the page is made from, where a link written as raw HTML is looked for.
    pub file: Option<&'a Arc<SourceFile>>,
    /// The line of `file` the Markdown body starts on (raw HTML is looked for from there).
    pub body_line: usize,
}

/// Every broken internal link of `pages`; `files` are the other paths the build writes.
pub fn check(pages: &[Checked<'_>], files: &HashSet<String>) -> Vec<Diagnostic> {
    let ids: HashMap<&str, HashSet<&str>> = pages
        .iter()
        .map(|p| (p.path, attr_values(p.html, "id=\"").collect()))
        .collect();
    let mut out = Vec::new();
    for page in pages {
        let mut reported: HashSet<&str> = HashSet::new();
        let refs = attr_values(page.html, "href=\"")
            .map(|v| ("href", v))
            .chain(attr_values(page.html, "src=\"").map(|v| ("src", v)));
        for (attr, raw) in refs {
            if raw.contains(':') || raw.starts_with("//") {
                continue;
            }
            // An empty `href` (`[text]()`) leads nowhere; an empty `src` is an image whose
            // unsafe address the sanitizer removed.
            if raw.is_empty() && attr == "src" {
                continue;
            }
            let href = unescape(raw);
            let (target, fragment) = match href.split_once('#') {
                Some((t, f)) => (t, Some(f)),
                None => (href.as_str(), None),
            };
            let target = target.split('?').next().unwrap_or("");
            let resolved = if target.is_empty() {
                Some(page.path.to_string())
            } else {
                resolve(page.path, target)
            };
            let problem = match &resolved {
                _ if raw.is_empty() => Some("it has no target".to_string()),
                None => Some("it leads outside the site".to_string()),
                Some(t) if !ids.contains_key(t.as_str()) && !files.contains(t) => {
                    Some(format!("the site has no page `{t}`"))
                }
                Some(t) => match (fragment, ids.get(t.as_str())) {
                    (Some(f), Some(set)) if !f.is_empty() && !set.contains(f) => {
                        Some(format!("`{t}` has no heading or anchor `#{f}`"))
                    }
                    _ => None,
                },
            };
            let Some(problem) = problem else { continue };
            let message = if href.is_empty() {
                format!("broken link: {problem}")
            } else {
                format!("broken link `{href}`: {problem}")
            };
            if !reported.insert(raw) {
                continue;
            }
            match page.links.iter().find(|(l, _)| l.href == href) {
                Some((l, file)) => out.push(
                    Diagnostic::error(&file.path, l.line, l.column, message)
                        .with_source(&file.text),
                ),
                None => match page
                    .file
                    .and_then(|f| locate(f, attr, raw, page.body_line).map(|at| (f, at)))
                {
                    Some((f, (line, column))) => out.push(
                        Diagnostic::error(&f.path, line, column, message).with_source(&f.text),
                    ),
                    None => out.push(Diagnostic::error(
                        &format!("site/templates/{}", page.template),
                        1,
                        1,
                        format!("broken link `{href}` on page {}: {problem}", page.path),
                    )),
                },
            }
        }
    }
    out
}

/// Where raw HTML in `file` (from line `from`) writes `attr` with the value `raw`: the
/// attribute quoted either way or bare, else the value alone.
fn locate(file: &SourceFile, attr: &str, raw: &str, from: usize) -> Option<(usize, usize)> {
    let value = unescape(raw);
    [
        format!("{attr}=\"{value}\""),
        format!("{attr}='{value}'"),
        format!("{attr}={value}"),
    ]
    .iter()
    .find_map(|needle| file.locate(needle, from))
    .or_else(|| {
        (!value.is_empty())
            .then(|| file.locate(&value, from))
            .flatten()
    })
}

/// The values of every `name"…"` attribute in `html`.
fn attr_values<'h>(html: &'h str, name: &'static str) -> impl Iterator<Item = &'h str> {
    html.match_indices(name).filter_map(move |(at, _)| {
        // Only a whole attribute name: preceded by a space.
        if !html[..at].ends_with([' ', '\n', '\t']) {
            return None;
        }
        let rest = &html[at + name.len()..];
        rest.find('"').map(|end| &rest[..end])
    })
}

/// Attribute text with the entities templates write decoded.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&#x2F;", "/")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `target` relative to the folder of `from`, both from the site root; `None` when it
/// climbs above the root.
fn resolve(from: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_paths() {
        assert_eq!(
            resolve("events/a.html", "../tools.html").as_deref(),
            Some("tools.html")
        );
        assert_eq!(
            resolve("index.html", "events/a.html").as_deref(),
            Some("events/a.html")
        );
        assert_eq!(resolve("index.html", "../x.html"), None);
    }

    #[test]
    fn reports_missing_pages_and_fragments_at_the_markdown_line() {
        let file = Arc::new(SourceFile {
            path: "kb/articles/a.md".to_string(),
            text: String::new(),
        });
        let links = vec![(
            BodyLink {
                href: "../events/gone.html".into(),
                line: 12,
                column: 3,
            },
            file,
        )];
        let a = "<h2 id=\"x\">X</h2> <a href=\"../events/gone.html\">g</a> <a href=\"#x\">ok</a> <a href=\"b.html#nope\">b</a>";
        let b = "<p id=\"yes\">b</p>";
        let pages = [
            Checked {
                path: "articles/a.html",
                html: a,
                template: "article.html",
                links: &links,
                file: None,
                body_line: 1,
            },
            Checked {
                path: "articles/b.html",
                html: b,
                template: "article.html",
                links: &[],
                file: None,
                body_line: 1,
            },
        ];
        let d = check(&pages, &HashSet::new());
        let text: Vec<String> = d
            .iter()
            .map(|d| format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message))
            .collect();
        assert_eq!(
            text,
            [
                "kb/articles/a.md:12:3: broken link `../events/gone.html`: the site has no page `events/gone.html`",
                "site/templates/article.html:1:1: broken link `b.html#nope` on page articles/a.html: `articles/b.html` has no heading or anchor `#nope`",
            ]
        );
    }
}
