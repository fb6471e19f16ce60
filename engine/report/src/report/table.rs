//! `--format table`: aligned columns that fit an 80-column terminal. Key columns share
//! what the numbers leave and are cut with `…` when they must be; a category the taxonomy
//! no longer has is marked `*`.

use deskbook_store::GroupKey;

use super::{format, Report};

/// The terminal width the table fits.
pub const WIDTH: usize = 80;

const NUMBERS: [&str; 6] = ["calls", "share", "esc", "uncl", "median", "p90"];

pub fn render(r: &Report) -> String {
    let cat = r.category_index();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for g in &r.groups {
        let mut row: Vec<String> = r
            .request
            .by
            .iter()
            .zip(&g.keys)
            .map(|(k, v)| {
                let mut text = super::terminal_safe(&r.key_text(*k, v.as_deref()));
                if *k == GroupKey::Category && v.as_deref().is_some_and(|c| r.title(c).is_none()) {
                    text.push('*');
                }
                text
            })
            .collect();
        row.push(g.count.to_string());
        row.push(format::percent(r.share(g), 1));
        row.push(format::percent(g.escalation_rate(), 0));
        row.push(format::percent(g.fixed_unclear_rate(), 0));
        row.push(format::duration(g.median_ms));
        row.push(format::duration(g.p90_ms));
        rows.push(row);
    }
    let nkeys = r.request.by.len();
    let header: Vec<String> = r
        .request
        .by
        .iter()
        .map(|k| k.name().to_string())
        .chain(NUMBERS.iter().map(|s| s.to_string()))
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // Two spaces after each key column, one between numbers; shrink the widest key column
    // until the line fits.
    let fixed: usize = widths[nkeys..].iter().sum::<usize>() + 2 * nkeys + (NUMBERS.len() - 1);
    let budget = WIDTH.saturating_sub(fixed);
    while nkeys > 0 && widths[..nkeys].iter().sum::<usize>() > budget {
        let (i, w) = widths[..nkeys]
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(i, w)| (i, *w))
            .unwrap_or((0, 0));
        if w <= 4 {
            break;
        }
        widths[i] = w - 1;
    }
    let mut out = format!(
        "Call classification report: {} calls\n",
        format::count(r.total)
    );
    let range = super::terminal_safe(&r.range_text());
    if range.chars().count() <= WIDTH {
        out.push_str(&format!("{range}\n\n"));
    } else {
        // Two long date-times: one per line.
        for part in range.split(" until ") {
            out.push_str(part);
            out.push('\n');
            out.push_str("  until ");
        }
        out.truncate(out.len() - "  until ".len());
        out.push('\n');
    }
    let line = |cells: &[String], out: &mut String| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                text.push_str(if i <= nkeys { "  " } else { " " });
            }
            let cell = cut(cell, *w);
            if i < nkeys {
                text.push_str(&format!("{cell:<w$}"));
            } else {
                text.push_str(&format!("{cell:>w$}"));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header, &mut out);
    for row in &rows {
        line(row, &mut out);
    }
    if rows.is_empty() {
        out.push_str("(no calls in this range)\n");
    }
    out.push('\n');
    out.push_str("esc: escalated to Tier 2 or 3; uncl: ended fixed-unclear; median, p90: call\nduration of the calls that ended.\n");
    if cat.is_some() && r.has_unknown_category() {
        out.push_str("* a category the taxonomy no longer has (counted as recorded).\n");
    }
    out
}

/// `text` in at most `w` characters, cut with `…`.
fn cut(text: &str, w: usize) -> String {
    if text.chars().count() <= w {
        return text.to_string();
    }
    let mut out: String = text.chars().take(w.saturating_sub(1)).collect();
    out.push('…');
    out
}
