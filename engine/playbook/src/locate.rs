//! Positions inside a YAML playbook file: the line of a step's field or value, for
//! diagnostics and for Lua line numbers.

use deskbook_content::playbook::Playbook;
use deskbook_content::SourceFile;

/// The lines of each step: from its `id:` line to the line before the next step.
pub(crate) fn step_ranges(pb: &Playbook, file: &SourceFile) -> Vec<(usize, usize)> {
    let total = file.text.lines().count().max(1);
    let mut starts: Vec<usize> = pb.steps.iter().map(|s| s.line.max(1)).collect();
    // A step whose `id:` is not on its first line (`- ask: ...` then `id:`) still starts at
    // the `-` before it.
    let lines: Vec<&str> = file.text.lines().collect();
    for (i, s) in starts.iter_mut().enumerate() {
        let mut l = *s;
        let floor = if i == 0 { 1 } else { pb.steps[i - 1].line + 1 };
        while l > floor {
            let t = lines.get(l - 1).map(|x| x.trim_start()).unwrap_or("");
            if t.starts_with("- ") || t == "-" {
                break;
            }
            l -= 1;
        }
        let t = lines.get(l - 1).map(|x| x.trim_start()).unwrap_or("");
        if t.starts_with("- ") || t == "-" {
            *s = l;
        }
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts
            .get(i + 1)
            .map(|n| n.saturating_sub(1).max(start))
            .unwrap_or(total);
        out.push((start, end));
    }
    out
}

/// Line and column (of the key) of `field:` in lines `from..=to`.
pub(crate) fn field(
    file: &SourceFile,
    (from, to): (usize, usize),
    name: &str,
) -> Option<(usize, usize)> {
    let key = format!("{name}:");
    for (i, line) in file.text.lines().enumerate().skip(from.saturating_sub(1)) {
        if i + 1 > to {
            break;
        }
        let t = line.trim_start().trim_start_matches("- ");
        let t2 = t.trim_start();
        if t2.starts_with(&key) || t2.starts_with(&format!("\"{name}\":")) {
            let byte = line.len() - t2.len();
            return Some((i + 1, line[..byte].chars().count() + 1));
        }
    }
    None
}

/// Line and column of `needle` in lines `from..=to` (searching from the line of `after`
/// field when given), else the step's first line.
pub(crate) fn value(
    file: &SourceFile,
    range: (usize, usize),
    after: Option<&str>,
    needle: &str,
) -> (usize, usize) {
    let start = after
        .and_then(|f| field(file, range, f))
        .map(|(l, _)| l)
        .unwrap_or(range.0);
    if let Some((l, c)) = file.locate(needle, start) {
        if l <= range.1 {
            return (l, c);
        }
    }
    if let Some(f) = after {
        if let Some(p) = field(file, range, f) {
            return p;
        }
    }
    (range.0, 1)
}

/// The file line where a step's `lua:` code starts (the line after `lua: |`).
pub(crate) fn lua_first_line(file: &SourceFile, range: (usize, usize)) -> usize {
    match field(file, range, "lua") {
        Some((line, _)) => {
            let text = file.text.lines().nth(line - 1).unwrap_or("");
            let after = text.split_once("lua:").map(|(_, a)| a.trim()).unwrap_or("");
            if after.starts_with('|') || after.starts_with('>') || after.is_empty() {
                line + 1
            } else {
                line
            }
        }
        None => range.0,
    }
}
