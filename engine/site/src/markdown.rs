//! Markdown bodies to HTML for the site, through the project's one pulldown-cmark
//! configuration (`deskbook_content::markdown::parser`): heading anchors and the table of
//! contents, `kb:` links resolved to relative page paths (or plain text when the reader may
//! not see the target), unsafe link schemes dropped, and raw HTML sanitized with ammonia.

use std::collections::HashSet;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Tag, TagEnd};

/// A heading of a body, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A link written in the body that points inside the site, with where it is written
/// (line and column in the body, 1-based), for the build's link check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyLink {
    pub href: String,
    pub line: usize,
    pub column: usize,
}

/// A rendered body.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<BodyLink>,
}

/// Render `body`. `resolve` turns a `kb:` id into the relative path of its page, or `None`
/// when the reader may not see it (the link text stays, the link goes).
pub fn render(body: &str, resolve: &dyn Fn(&str) -> Option<String>) -> Rendered {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let position = |offset: usize| -> (usize, usize) {
        let line = line_starts.partition_point(|&s| s <= offset);
        let start = line_starts[line - 1];
        let column = body.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    };

    let mut out = Rendered::default();
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut raw_html = false;
    // Links whose start tag was dropped: drop their end tag too.
    let mut dropped: Vec<bool> = Vec::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    // Open heading: (index of its start in `events`, level, explicit id, text so far).
    let mut heading: Option<(usize, HeadingLevel, Option<String>, String)> = None;

    for (ev, range) in deskbook_content::markdown::parser(body).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((
                    events.len(),
                    level,
                    id.map(|i| i.to_string()),
                    String::new(),
                ));
                events.push(Event::Text(CowStr::Borrowed("")));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((at, _, explicit, text)) = heading.take() {
                    let base = explicit.unwrap_or_else(|| slug(&text));
                    let id = unique(&base, &mut used_ids);
                    let n = level as u8;
                    events[at] = Event::Html(format!("<h{n} id=\"{}\">", attr(&id)).into());
                    events.push(Event::Html(
                        format!(
                            "<a class=\"anchor\" href=\"#{}\" aria-label=\"Link to this section\">#</a></h{n}>\n",
                            attr(&id)
                        )
                        .into(),
                    ));
                    out.headings.push(Heading {
                        level: n,
                        id,
                        text: text.trim().to_string(),
                    });
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let target = if let Some(kb) = dest_url.strip_prefix("kb:") {
                    resolve(kb)
                } else if safe_url(&dest_url) {
                    if is_internal(&dest_url) {
                        let (line, column) = position(range.start);
                        out.links.push(BodyLink {
                            href: dest_url.to_string(),
                            line,
                            column,
                        });
                    }
                    Some(dest_url.to_string())
                } else {
                    None
                };
                match target {
                    Some(url) => {
                        dropped.push(false);
                        events.push(Event::Start(Tag::Link {
                            link_type,
                            dest_url: url.into(),
                            title,
                            id,
                        }));
                    }
                    None => dropped.push(true),
                }
            }
            Event::End(TagEnd::Link) => {
                if !dropped.pop().unwrap_or(false) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let url = if safe_url(&dest_url) && !dest_url.starts_with("kb:") {
                    dest_url
                } else {
                    CowStr::Borrowed("")
                };
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: url,
                    title,
                    id,
                }));
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                raw_html = true;
                events.push(ev);
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                if let Some((_, _, _, text)) = heading.as_mut() {
                    text.push_str(t);
                }
                events.push(ev);
            }
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    out.html = if raw_html { sanitize(&html) } else { html };
    out
}

/// Clean HTML that holds raw HTML from the author: no scripts, no event handlers, no
/// `javascript:` or `data:` URLs; heading ids and classes stay.
fn sanitize(html: &str) -> String {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["id", "class"])
        .add_tags(["kbd", "details", "summary"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer"));
    b.clean(html).to_string()
}

/// Schemes a written link may use; everything else (`javascript:`, `data:`, `vbscript:`, …)
/// loses its link.
fn safe_url(url: &str) -> bool {
    match url.split_once(':') {
        // A colon after a `/`, `?` or `#` is not a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            let s = scheme.to_ascii_lowercase();
            matches!(s.as_str(), "http" | "https" | "mailto" | "kb")
        }
        _ => !url.trim_start().starts_with("//") || url.is_empty(),
    }
}

/// A link to somewhere in the built site (relative, or a fragment of this page).
fn is_internal(url: &str) -> bool {
    !url.contains(':') && !url.starts_with("//")
}

/// A heading id: lowercase words joined by `-`.
pub fn slug(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() {
        "section".to_string()
    } else {
        s
    }
}

fn unique(base: &str, used: &mut HashSet<String>) -> String {
    let mut id = base.to_string();
    let mut k = 2;
    while used.contains(&id) {
        id = format!("{base}-{k}");
        k += 1;
    }
    used.insert(id.clone());
    id
}

fn attr(s: &str) -> String {
    crate::flowchart::esc(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(id: &str) -> Option<String> {
        (id != "hidden").then(|| format!("../articles/{id}.html"))
    }

    #[test]
    fn headings_get_anchors_and_unique_ids() {
        let r = render(
            "## What it means\n\ntext\n\n## What it means\n\n### Deep {#own}\n",
            &resolve,
        );
        assert_eq!(
            r.headings.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
            ["what-it-means", "what-it-means-2", "own"]
        );
        assert!(r.html.contains(
            "<h2 id=\"what-it-means\">What it means<a class=\"anchor\" href=\"#what-it-means\""
        ));
    }

    #[test]
    fn kb_links_resolve_and_hidden_targets_keep_only_their_text() {
        let r = render("See [a](kb:packet-loss) and [b](kb:hidden).\n", &resolve);
        assert!(r
            .html
            .contains("<a href=\"../articles/packet-loss.html\">a</a>"));
        assert!(r.html.contains(" and b."), "{}", r.html);
        assert!(!r.html.contains("hidden"));
    }

    #[test]
    fn internal_links_are_recorded_with_their_line() {
        let r = render("text\n\nand [x](../tools.html#netsh) here\n", &resolve);
        assert_eq!(
            r.links,
            vec![BodyLink {
                href: "../tools.html#netsh".into(),
                line: 3,
                column: 5
            }]
        );
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_do_not_survive() {
        let body = "<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n[click](javascript:alert(3)) <a href=\"javascript:alert(4)\">y</a> [d](data:text/html,hi)\n";
        let r = render(body, &resolve);
        let h = r.html.to_lowercase();
        for bad in ["<script", "alert(", "onerror", "javascript:", "data:text"] {
            assert!(!h.contains(bad), "{bad} survived in {h}");
        }
        assert!(h.contains("click"));
    }
}
