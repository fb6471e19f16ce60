//! Text from outside (a packet, a probe's output, a recorded answer) made safe for a
//! terminal: control characters and the Unicode controls that reorder text are shown as
//! visible escapes (`\u{1b}`) instead of acting, so an escape sequence cannot retitle the
//! window, move the cursor, hide text or fake a prompt.

use std::borrow::Cow;

/// Whether `c` would act on a terminal (or reorder the text around it) rather than show.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| acts(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if acts(c) && !keep(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Multi-line text (an output, a summary): newlines and tabs stay, every other control
/// character becomes a visible escape. A carriage return is escaped too, since it can
/// overwrite what a line showed.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n' || c == '\t')
}

/// One-line text (a computer or user name, a step id): every control character, newlines
/// included, becomes a visible escape.
pub fn neutralise_line(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_and_plain_text_is_untouched() {
        assert!(matches!(
            neutralise("Reply from 192.0.2.10"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            neutralise("\u{1b}]0;pwned\u{7}ok\u{1b}[2J\r\nnext\tcol"),
            "\\u{1b}]0;pwned\\u{7}ok\\u{1b}[2J\\u{d}\nnext\tcol"
        );
        assert_eq!(
            neutralise_line("PC-0042\nfake: yes"),
            "PC-0042\\u{a}fake: yes"
        );
        assert_eq!(neutralise("a\u{202e}txt.exe"), "a\\u{202e}txt.exe");
        assert_eq!(neutralise("\u{9b}31m"), "\\u{9b}31m");
    }
}
