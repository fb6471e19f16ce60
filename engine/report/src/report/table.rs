//! `--format table`: aligned columns, 80 wide when the keys allow. Name columns (agent,
//! rollout, playbook, category) share what the numbers leave and are cut with `…` only
//! while every value of the column still reads differently from the others; dates,
//! statuses and tiers are never cut. When the keys cannot fit so, the table is wider. A
//! category the taxonomy no longer has is marked `*`, and the mark is never cut off.

use deskbook_store::GroupKey;
use std::collections::HashSet;

use super::{format, Report};

/// The terminal width the table fits when its keys allow.
pub const WIDTH: usize = 80;

const NUMBERS: [&str; 6] = ["calls", "share", "esc", "uncl", "median", "p90"];

/// A key cell: its text and the mark after it (`*`, or nothing), which is never cut.
struct Key {
    text: String,
    mark: &'static str,
}

impl Key {
    fn width(&self) -> usize {
        self.text.chars().count() + self.mark.chars().count()
    }

    /// The cell in at most `w` characters, the mark kept.
    fn shown(&self, w: usize) -> String {
        let mark = self.mark.chars().count();
        format!("{}{}", cut(&self.text, w.saturating_sub(mark)), self.mark)
    }
}

pub fn render(r: &Report) -> String {
    let cat = r.category_index();
    let nkeys = r.request.by.len();
    let mut keys: Vec<Vec<Key>> = Vec::new();
    let mut numbers: Vec<Vec<String>> = Vec::new();
    for g in &r.groups {
        keys.push(
            r.request
                .by
                .iter()
                .zip(&g.keys)
                .map(|(k, v)| Key {
                    text: super::terminal_safe(&r.key_text(*k, v.as_deref())),
                    mark: if *k == GroupKey::Category
                        && v.as_deref().is_some_and(|c| r.title(c).is_none())
                    {
                        "*"
                    } else {
                        ""
                    },
                })
                .collect(),
        );
        numbers.push(vec![
            g.count.to_string(),
            format::percent(r.share(g), 1),
            format::percent(g.escalation_rate(), 0),
            format::percent(g.fixed_unclear_rate(), 0),
            format::duration(g.median_ms),
            format::duration(g.p90_ms),
        ]);
    }
    let header: Vec<String> = r
        .request
        .by
        .iter()
        .map(|k| k.name().to_string())
        .chain(NUMBERS.iter().map(|s| s.to_string()))
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for (row_keys, row_numbers) in keys.iter().zip(&numbers) {
        for (w, cell) in widths.iter_mut().zip(row_keys) {
            *w = (*w).max(cell.width());
        }
        for (w, cell) in widths[nkeys..].iter_mut().zip(row_numbers) {
            *w = (*w).max(cell.chars().count());
        }
    }
    // Two spaces after each key column, one between numbers; shrink the widest key column
    // that can lose a character with its values still telling apart, until the line fits.
    let fixed: usize = widths[nkeys..].iter().sum::<usize>() + 2 * nkeys + (NUMBERS.len() - 1);
    let budget = WIDTH.saturating_sub(fixed);
    // Dates, statuses and tiers are never cut (`202…` says nothing); names (agent,
    // rollout, playbook, category) keep at least their header and ten characters.
    let floor: Vec<usize> = r
        .request
        .by
        .iter()
        .zip(&widths)
        .map(|(k, w)| match k {
            GroupKey::Agent | GroupKey::Rollout | GroupKey::Playbook | GroupKey::Category => {
                k.name().chars().count().max(10)
            }
            _ => *w,
        })
        .collect();
    let mut stuck = vec![false; nkeys];
    while widths[..nkeys].iter().sum::<usize>() > budget {
        let Some(i) = (0..nkeys)
            .filter(|i| !stuck[*i] && widths[*i] > floor[*i])
            .max_by_key(|i| widths[*i])
        else {
            break;
        };
        if distinct(keys.iter().map(|row| &row[i]), widths[i] - 1) {
            widths[i] -= 1;
        } else {
            stuck[i] = true;
        }
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .zip(numbers)
        .map(|(row_keys, row_numbers)| {
            row_keys
                .iter()
                .zip(&widths)
                .map(|(k, w)| k.shown(*w))
                .chain(row_numbers)
                .collect()
        })
        .collect();
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

/// Whether the cells still read apart from each other when shown `w` wide.
fn distinct<'a>(cells: impl Iterator<Item = &'a Key> + Clone, w: usize) -> bool {
    let full: HashSet<(&str, &str)> = cells.clone().map(|k| (k.text.as_str(), k.mark)).collect();
    let shown: HashSet<String> = cells.map(|k| k.shown(w)).collect();
    shown.len() == full.len()
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
