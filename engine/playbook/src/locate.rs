//! Positions inside a YAML playbook file: the line of a step's field or value, for
//! diagnostics and for Lua line numbers. Works on the file split into lines once, so a
//! lookup costs the lines of one step, not of the file.

use deskbook_content::playbook::Playbook;

/// The lines of each step: from its first line (the `-`) to the line before the next step
/// in the file. The steps need not be in file order: in a patched playbook the steps the
/// patch wrote have their lines in the patch file and the others share its `patch:` line.
pub(crate) fn step_ranges(pb: &Playbook, lines: &[&str]) -> Vec<(usize, usize)> {
    let total = lines.len().max(1);
    let is_item = |l: usize| {
        let t = lines
            .get(l.wrapping_sub(1))
            .map(|x| x.trim_start())
            .unwrap_or("");
        t.starts_with("- ") || t == "-"
    };
    let mut id_lines: Vec<usize> = pb.steps.iter().map(|s| s.line.max(1)).collect();
    id_lines.sort_unstable();
    let mut starts: Vec<usize> = Vec::with_capacity(pb.steps.len());
    for s in &pb.steps {
        // A step whose `id:` is not on its first line (`- ask: ...`, then `id:`) starts at
        // the `-` before it, but not before the step above it in the file.
        let line = s.line.max(1);
        let above = id_lines.partition_point(|&l| l < line);
        let floor = if above == 0 {
            1
        } else {
            id_lines[above - 1] + 1
        };
        let mut l = line;
        while l > floor && !is_item(l) {
            l -= 1;
        }
        starts.push(if is_item(l) { l } else { line });
    }
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    // Of steps that start on one line, all but the last in the list end there.
    let mut last_on: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, &start) in starts.iter().enumerate() {
        last_on.insert(start, i);
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            if last_on.get(&start).is_some_and(|&j| j > i) {
                return (start, start);
            }
            let next = sorted.partition_point(|&l| l <= start);
            let end = sorted
                .get(next)
                .map_or(total, |n| n.saturating_sub(1).max(start));
            (start, end)
        })
        .collect()
}

/// Line and column (of the key) of `name:` in lines `from..=to`.
pub(crate) fn field(
    lines: &[&str],
    (from, to): (usize, usize),
    name: &str,
) -> Option<(usize, usize)> {
    let key = format!("{name}:");
    let quoted = format!("\"{name}\":");
    for n in from.max(1)..=to.min(lines.len()) {
        let line = lines[n - 1];
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        if t.starts_with(&key) || t.starts_with(&quoted) {
            let byte = line.len() - t.len();
            return Some((n, line[..byte].chars().count() + 1));
        }
    }
    None
}

/// Line and column of `needle` in lines `from..=to`.
pub(crate) fn find(
    lines: &[&str],
    (from, to): (usize, usize),
    needle: &str,
) -> Option<(usize, usize)> {
    for n in from.max(1)..=to.min(lines.len()) {
        let line = lines[n - 1];
        if let Some(byte) = line.find(needle) {
            return Some((n, line[..byte].chars().count() + 1));
        }
    }
    None
}

/// Line and column of `needle` in the step's lines, searching from its `after:` field;
/// else the field; else the step's first line.
pub(crate) fn value(
    lines: &[&str],
    range: (usize, usize),
    after: Option<&str>,
    needle: &str,
) -> (usize, usize) {
    let start = after
        .and_then(|f| field(lines, range, f))
        .map(|(l, _)| l)
        .unwrap_or(range.0);
    if let Some(p) = find(lines, (start, range.1), needle) {
        return p;
    }
    if let Some(p) = after.and_then(|f| field(lines, range, f)) {
        return p;
    }
    (range.0, 1)
}

/// The file line where a step's `lua:` code starts (the line after `lua: |`).
pub(crate) fn lua_first_line(lines: &[&str], range: (usize, usize)) -> usize {
    match field(lines, range, "lua") {
        Some((line, _)) => {
            let text = lines.get(line - 1).copied().unwrap_or("");
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
