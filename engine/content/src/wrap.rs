//! Wrapping text at word boundaries to the terminal's width. A long line is broken between
//! words; its continuation lines keep the line's indentation (and the hanging indent of a
//! `[step]` heading or a numbered choice), so a wrapped question still reads as one block.
//! Terminal escape sequences (bold, dim) take no width.

/// `text` with every line longer than `width` columns broken between words.
pub fn wrap(text: &str, width: usize) -> String {
    let width = width.max(20);
    let mut out = String::with_capacity(text.len() + 16);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        wrap_line(line, width, &mut out);
    }
    out
}

/// The columns `s` takes on a terminal (escape sequences take none).
pub fn visible_width(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ ... final byte in @..~
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) && c != '[' {
                    break;
                }
            }
            continue;
        }
        n += 1;
    }
    n
}

/// Where continuation lines of `line` start: its indentation, plus the width of a leading
/// `N) ` or `[step] ` marker.
fn hanging_indent(line: &str) -> usize {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let marker = rest
        .split_once(") ")
        .filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        .map(|(n, _)| n.len() + 2)
        .unwrap_or(0);
    indent + marker
}

fn wrap_line(line: &str, width: usize, out: &mut String) {
    if visible_width(line) <= width {
        out.push_str(line);
        return;
    }
    let hang = hanging_indent(line).min(width / 2);
    let lead = line.len() - line.trim_start_matches(' ').len();
    out.push_str(&line[..lead]);
    let mut col = lead;
    let mut first = true;
    for word in line[lead..].split(' ').filter(|w| !w.is_empty()) {
        let w = visible_width(word);
        if !first && col + 1 + w > width {
            out.push('\n');
            out.push_str(&" ".repeat(hang));
            col = hang;
            first = true;
        }
        if !first {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += w;
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_lines_stay_as_they_are() {
        assert_eq!(wrap("  1) yes\n  2) no", 80), "  1) yes\n  2) no");
    }

    #[test]
    fn long_lines_break_between_words_within_the_width() {
        let text = "Ask the caller to open a command prompt and type ping 192.0.2.20, then read out what it shows.";
        let got = wrap(text, 40);
        for l in got.lines() {
            assert!(l.len() <= 40, "{l:?}");
        }
        assert_eq!(got.replace('\n', " "), text);
    }

    #[test]
    fn continuation_lines_keep_the_indent_of_a_choice() {
        let got = wrap(
            "  2) negotiating IP security, which means the policy is wrong",
            30,
        );
        assert_eq!(
            got,
            "  2) negotiating IP security,\n     which means the policy is\n     wrong"
        );
    }

    #[test]
    fn escape_sequences_take_no_width() {
        assert_eq!(visible_width("\x1b[1m[scope]\x1b[0m"), 7);
        // 21 columns shown (32 bytes with the escapes): it fits a 21-column line.
        let got = wrap("\x1b[1m[scope]\x1b[0m one two three", 21);
        assert_eq!(got, "\x1b[1m[scope]\x1b[0m one two three");
    }

    #[test]
    fn a_word_longer_than_the_line_stands_alone() {
        let got = wrap(
            "see https://example.com/a/very/long/path/that/cannot/break here",
            24,
        );
        assert_eq!(
            got,
            "see\nhttps://example.com/a/very/long/path/that/cannot/break\nhere"
        );
    }
}
