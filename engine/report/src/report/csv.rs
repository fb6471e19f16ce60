//! `--format csv`: a header row, then one row per group; numbers unformatted (rates as
//! fractions, durations in milliseconds) so a spreadsheet can compute with them. An open
//! call's status is `open`, as in the table. Empty cells are missing values (no category,
//! no call that ended). Recorded text that
//! a spreadsheet would take for a formula is quoted as text. The data is kept as recorded;
//! `deskbook report` shows it with control characters neutralised only on a terminal.

use super::Report;

pub fn render(r: &Report) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let cat = r.category_index();
    let mut header: Vec<&str> = r.request.by.iter().map(|k| k.name()).collect();
    if cat.is_some() {
        header.extend(["category_title", "category_in_taxonomy"]);
    }
    header.extend([
        "count",
        "share",
        "escalation_rate",
        "fixed_unclear_rate",
        "median_duration_ms",
        "p90_duration_ms",
    ]);
    // Writing into memory cannot fail; a failed record would only be left out.
    let _ = w.write_record(&header);
    for g in &r.groups {
        let mut row: Vec<String> = r
            .request
            .by
            .iter()
            .zip(&g.keys)
            .map(|(k, v)| no_formula(&super::key_value(*k, v.as_deref()).unwrap_or_default()))
            .collect();
        if let Some(i) = cat {
            let title = g.keys[i].as_deref().and_then(|c| r.title(c));
            row.push(no_formula(title.unwrap_or_default()));
            // No category: nothing to find in the taxonomy, an empty cell.
            row.push(
                g.keys[i]
                    .as_ref()
                    .map_or(String::new(), |_| title.is_some().to_string()),
            );
        }
        row.push(g.count.to_string());
        row.push(format!("{:.4}", r.share(g)));
        row.push(format!("{:.4}", g.escalation_rate()));
        row.push(format!("{:.4}", g.fixed_unclear_rate()));
        row.push(g.median_ms.map(|v| v.to_string()).unwrap_or_default());
        row.push(g.p90_ms.map(|v| v.to_string()).unwrap_or_default());
        let _ = w.write_record(&row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A recorded value that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first)
/// gets a leading `'`, the spreadsheet convention for "this is text".
fn no_formula(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}
