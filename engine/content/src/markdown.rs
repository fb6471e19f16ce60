//! Markdown: the one place that configures pulldown-cmark, finds `kb:` links, and renders a
//! body for the terminal (styled on a TTY, plain when piped).

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The parser every part of deskbook uses, with one set of options.
pub fn parser(text: &str) -> Parser<'_> {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_FOOTNOTES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    Parser::new_ext(text, opts)
}

/// A `[text](kb:ID)` link: the id and the byte offset of the link in the body.
#[derive(Debug, PartialEq, Eq)]
pub struct KbLink {
    pub id: String,
    pub offset: usize,
}

/// Every `kb:` link of a Markdown body.
pub fn kb_links(body: &str) -> Vec<KbLink> {
    parser(body)
        .into_offset_iter()
        .filter_map(|(ev, range)| match ev {
            Event::Start(Tag::Link { dest_url, .. }) => {
                dest_url.strip_prefix("kb:").map(|id| KbLink {
                    id: id.to_string(),
                    offset: range.start,
                })
            }
            _ => None,
        })
        .collect()
}

/// Plain text of a body (for search and snippets): no markup, links as their text.
pub fn plain_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for ev in parser(body) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// Styles for terminal rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// ANSI bold/underline/colour for an interactive terminal.
    Ansi,
    /// No escape codes (piped output).
    Plain,
}

/// Render a Markdown body for reading on a terminal.
pub fn render_terminal(body: &str, style: Style) -> String {
    render_terminal_for(body, style, &|_| true)
}

/// [`render_terminal`] for a reader who may follow only the `kb:` links `may_see` admits:
/// the others read `[see: withheld]`, never the id.
pub fn render_terminal_for(body: &str, style: Style, may_see: &dyn Fn(&str) -> bool) -> String {
    let ansi = style == Style::Ansi;
    let (bold, dim, cyan, reset) = if ansi {
        ("\x1b[1m", "\x1b[2m", "\x1b[36m", "\x1b[0m")
    } else {
        ("", "", "", "")
    };
    let mut out = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut in_code = false;
    let mut link_dest: Vec<String> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut in_cell = false;
    for ev in parser(body) {
        match ev {
            Event::Start(Tag::Heading { .. }) => {
                ensure_blank(&mut out);
                out.push_str(bold);
            }
            Event::End(TagEnd::Heading(level)) => {
                out.push_str(reset);
                out.push('\n');
                if !ansi && (level == HeadingLevel::H1 || level == HeadingLevel::H2) {
                    let last = out.trim_end().lines().last().unwrap_or("").chars().count();
                    out.push_str(&"=".repeat(last));
                    out.push('\n');
                }
            }
            Event::Start(Tag::Paragraph) if lists.is_empty() => ensure_blank(&mut out),
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Item) if !out.ends_with('\n') => {
                out.push('\n');
            }
            Event::Start(Tag::List(start)) => {
                if lists.is_empty() {
                    ensure_blank(&mut out);
                }
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                if !out.ends_with('\n') && !out.is_empty() {
                    out.push('\n');
                }
                let depth = lists.len().saturating_sub(1);
                out.push_str(&"   ".repeat(depth));
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::Start(Tag::CodeBlock(_)) => {
                ensure_blank(&mut out);
                in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
            }
            Event::Start(Tag::Emphasis) | Event::Start(Tag::Strong) => out.push_str(bold),
            Event::End(TagEnd::Emphasis) | Event::End(TagEnd::Strong) => out.push_str(reset),
            Event::Start(Tag::Link { dest_url, .. }) => link_dest.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(dest) = link_dest.pop() {
                    let shown = match dest.strip_prefix("kb:") {
                        Some(id) if may_see(id) => format!("see: {id}"),
                        Some(_) => "see: withheld".to_string(),
                        None => dest,
                    };
                    out.push_str(&format!(" {dim}[{shown}]{reset}"));
                }
            }
            Event::Start(Tag::Table(_)) => ensure_blank(&mut out),
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => row.clear(),
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                out.push_str(&row.join(" | "));
                out.push('\n');
            }
            Event::Start(Tag::TableCell) => {
                in_cell = true;
                cell.clear();
            }
            Event::End(TagEnd::TableCell) => {
                in_cell = false;
                row.push(cell.trim().to_string());
            }
            Event::Text(t) => {
                if in_cell {
                    cell.push_str(&t);
                } else if in_code {
                    for line in t.lines() {
                        out.push_str(&format!("    {cyan}{line}{reset}\n"));
                    }
                } else {
                    out.push_str(&t);
                }
            }
            Event::Code(t) => {
                if in_cell {
                    cell.push_str(&t);
                } else {
                    out.push_str(&format!("{cyan}{t}{reset}"));
                }
            }
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => {
                ensure_blank(&mut out);
                out.push_str("----\n");
            }
            _ => {}
        }
    }
    let trimmed = out.trim().to_string();
    trimmed + "\n"
}

fn ensure_blank(out: &mut String) {
    if out.is_empty() {
        return;
    }
    while !out.ends_with("\n\n") {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_kb_links_with_offsets() {
        let body = "See [bad SPI](kb:event-4268) and [web](https://example.com).\n";
        assert_eq!(
            kb_links(body),
            vec![KbLink {
                id: "event-4268".into(),
                offset: 4
            }]
        );
    }

    #[test]
    fn plain_rendering_has_no_escape_codes() {
        let body = "# Title\n\nText with `code` and **bold**.\n\n1. one\n2. two\n\n```\nnetsh ipsec\n```\n";
        let out = render_terminal(body, Style::Plain);
        assert!(!out.contains('\x1b'));
        assert_eq!(
            out,
            "Title\n=====\n\nText with code and bold.\n\n1. one\n2. two\n\n    netsh ipsec\n"
        );
        assert!(render_terminal(body, Style::Ansi).contains("\x1b[1m"));
    }
}
