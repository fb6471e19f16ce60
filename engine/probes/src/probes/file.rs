//! `file`: read or search a log (`%windir%\debug\oakley.log`, `/var/log/syslog`, …):
//! the last part of a file, optionally only the lines matching a pattern, optionally only
//! the last N of those. Reading is bounded: a huge log costs at most [`MAX_READ`] bytes.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use regex::Regex;
use serde_json::Value;

use crate::result::{ProbeResult, Report, MAX_OUTPUT};

/// Most bytes read from the end of a file.
pub(crate) const MAX_READ: u64 = 4 * 1024 * 1024;

/// Expands `%NAME%` from the environment (Windows log paths are written that way in the
/// seed and in tool items); unknown names stay as written.
pub(crate) fn expand(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('%') {
            Some(end)
                if end > 0
                    && after[..end]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                let name = &after[..end];
                match std::env::var(name) {
                    Ok(v) => out.push_str(&v),
                    Err(_) => {
                        out.push('%');
                        out.push_str(name);
                        out.push('%');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text of a log: UTF-16 when it starts with a byte-order mark (Windows tools write some
/// logs that way), else UTF-8 with invalid bytes replaced.
fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    String::from_utf8_lossy(bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes)).into_owned()
}

fn read_tail(path: &str) -> io::Result<(Vec<u8>, u64, u64)> {
    // Checked before opening: opening a FIFO would block until a writer comes, and a
    // device could be read forever.
    if !std::fs::metadata(path)?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    let size = meta.len();
    let from = size.saturating_sub(MAX_READ);
    f.seek(SeekFrom::Start(from))?;
    let mut buf = Vec::with_capacity(usize::try_from(size - from).unwrap_or(0));
    f.take(MAX_READ).read_to_end(&mut buf)?;
    Ok((buf, size, from))
}

pub(crate) fn run(
    mut r: Report,
    path: &str,
    pattern: Option<&Regex>,
    tail: Option<usize>,
) -> ProbeResult {
    let expanded = expand(path);
    r.set("path", expanded.as_str());
    let (bytes, size, from) = match read_tail(&expanded) {
        Ok(x) => x,
        Err(e) => {
            r.set("exists", e.kind() != io::ErrorKind::NotFound);
            let why = match e.kind() {
                io::ErrorKind::NotFound => "no such file".to_owned(),
                io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => e.to_string(),
            };
            return r.error(format!("cannot read {expanded}: {why}"));
        }
    };
    r.set("exists", true);
    r.set("size", size);
    let text = decode(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if from > 0 && !lines.is_empty() {
        // The first line read is probably cut in the middle.
        lines.remove(0);
    }
    r.set("read_from", from);
    r.set("lines_read", lines.len());
    let selected: Vec<&str> = match pattern {
        Some(re) => lines.iter().copied().filter(|l| re.is_match(l)).collect(),
        None => lines.clone(),
    };
    let shown_from = tail.map_or(0, |n| selected.len().saturating_sub(n));
    let shown = &selected[shown_from..];
    // Keep the end of the selection within the output bound: the latest lines matter most.
    let mut budget = MAX_OUTPUT - 64;
    let mut first = shown.len();
    while first > 0 && shown[first - 1].len() < budget {
        budget -= shown[first - 1].len() + 1;
        first -= 1;
    }
    if first > 0 {
        r.out(&format!("[{first} earlier line(s) not shown]\n"));
    }
    for l in &shown[first..] {
        r.out(l);
        r.out("\n");
    }
    let partial = if from > 0 {
        format!(
            " (the last {} MiB of {size} bytes)",
            MAX_READ / (1024 * 1024)
        )
    } else {
        String::new()
    };
    let Some(re) = pattern else {
        r.set("lines", shown.len());
        return r.ok(format!(
            "read {} line(s) of {expanded}{partial}",
            shown.len()
        ));
    };
    r.set("matches", selected.len());
    let Some(last) = selected.last() else {
        r.set("last_match", Value::Null);
        return r.fail(format!(
            "no line of {expanded} matches the pattern{partial}"
        ));
    };
    r.set("last_match", *last);
    if let Some(caps) = re.captures(last) {
        for name in re.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                let key = if [
                    "path",
                    "exists",
                    "size",
                    "read_from",
                    "lines_read",
                    "matches",
                    "last_match",
                    "lines",
                ]
                .contains(&name)
                {
                    format!("capture_{name}")
                } else {
                    name.to_owned()
                };
                r.set(&key, m.as_str());
            }
        }
    }
    r.ok(format!(
        "{} line(s) of {expanded} match the pattern{partial}; the last: {}",
        selected.len(),
        crate::error::shown(last.trim())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_variables_expand_and_unknown_ones_stay() {
        std::env::set_var("DESKBOOK_TEST_WINDIR", "C:\\WINDOWS");
        assert_eq!(
            expand("%DESKBOOK_TEST_WINDIR%\\debug\\oakley.log"),
            "C:\\WINDOWS\\debug\\oakley.log"
        );
        assert_eq!(
            expand("%NO_SUCH_VAR_DESKBOOK%\\x"),
            "%NO_SUCH_VAR_DESKBOOK%\\x"
        );
        assert_eq!(expand("100% sure"), "100% sure");
        assert_eq!(expand("a%%b"), "a%%b");
    }

    #[test]
    fn utf16_logs_with_a_bom_decode() {
        let mut bytes = vec![0xff, 0xfe];
        for u in "IKE\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes), "IKE\r\n");
    }
}
