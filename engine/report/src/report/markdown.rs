//! `--format markdown`: a heading, the range, and a table with category titles, for a
//! wiki page or a mail.

use deskbook_store::GroupKey;

use super::{format, Report};

pub fn render(r: &Report) -> String {
    let mut out = format!(
        "## Call classification report\n\n{}: {} calls.\n\n",
        escape(&capitalise(&r.range_text())),
        format::count(r.total)
    );
    let mut header: Vec<String> = r.request.by.iter().map(|k| capitalise(k.name())).collect();
    header.extend(
        [
            "Calls",
            "Share",
            "Escalated",
            "Fixed unclear",
            "Median",
            "p90",
        ]
        .map(String::from),
    );
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    let align: Vec<&str> = r
        .request
        .by
        .iter()
        .map(|_| "---")
        .chain(std::iter::repeat_n("---:", 6))
        .collect();
    out.push_str(&format!("| {} |\n", align.join(" | ")));
    for g in &r.groups {
        let mut cells: Vec<String> = r
            .request
            .by
            .iter()
            .zip(&g.keys)
            .map(|(k, v)| match (k, v.as_deref()) {
                (GroupKey::Category, Some(c)) => match r.title(c) {
                    Some(t) => format!("{} (`{}`)", escape(t), code(c)),
                    None => format!("`{}` (not in the taxonomy)", code(c)),
                },
                _ => escape(&r.key_text(*k, v.as_deref())),
            })
            .collect();
        cells.push(format::count(g.count));
        cells.push(format::percent(r.share(g), 1));
        cells.push(format::percent(g.escalation_rate(), 1));
        cells.push(format::percent(g.fixed_unclear_rate(), 1));
        cells.push(format::duration(g.median_ms));
        cells.push(format::duration(g.p90_ms));
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    if r.groups.is_empty() {
        out.push_str("\nNo calls in this range.\n");
    }
    out.push_str(
        "\nEscalated: to Tier 2 or 3. Median and p90: duration of the calls that ended.\n",
    );
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Recorded text in a table cell: characters that would change the Markdown are escaped,
/// control characters made visible (`^[`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::terminal_safe(text).chars() {
        if "\\`*_[]<>#|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text inside a code span: a backtick or pipe would end it or the cell.
fn code(text: &str) -> String {
    super::terminal_safe(text).replace(['`', '|'], "'")
}
