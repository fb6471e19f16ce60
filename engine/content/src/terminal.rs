//! Text from outside on its way to a terminal: control characters made visible.
//!
//! Content, probe output (a DNS server's CNAME, a log file's lines), recorded answers and
//! names typed on the command line can hold terminal control sequences: an ESC that starts
//! a cursor move, a title change or a clipboard write, a BEL, a carriage return that
//! overwrites a line, or Unicode's bidirectional overrides that make text read in another
//! order. Every terminal surface (`show`, `sessions show`, `run`, `probe`, the summary,
//! diagnostics) passes such text through [`neutralise`], which shows each of them as
//! visible text instead: C0 controls in caret notation (`^[` for ESC, `^G` for BEL), DEL as
//! `^?`, C1 controls and bidirectional controls as `<U+009B>`. Newlines and tabs stay.
//! deskbook's own styling (bold, dim) is added after, so it is the only control text left.

use std::borrow::Cow;

/// `text` with every control character shown as visible text (module docs); newlines and
/// tabs stay.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    escape(text, needs_escape)
}

/// One-line text (a computer or user name, a step id, a file name): newlines and tabs are
/// shown as `^J` and `^I` too, so a name cannot fake a second line.
pub fn neutralise_line(text: &str) -> Cow<'_, str> {
    escape(text, |c| matches!(c, '\n' | '\t') || needs_escape(c))
}

/// JSON text as serde_json writes it, with the control characters JSON lets stand raw in a
/// string (DEL, C1, the bidirectional controls, the line and paragraph separators) written
/// as `\uXXXX` escapes: the same JSON value, safe to print on a terminal. (serde_json
/// escapes C0 itself; outside strings, JSON text holds none of these.)
pub fn json_escaped(json: &str) -> Cow<'_, str> {
    if !json.chars().any(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn escape(text: &str, needs_escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        let n = u32::from(c);
        if n < 0x20 {
            out.push('^');
            out.push(char::from(b'@' + n as u8));
        } else if n == 0x7f {
            out.push_str("^?");
        } else {
            out.push_str(&format!("<U+{n:04X}>"));
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional embeddings, overrides and isolates; line and paragraph separators.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_and_text_stays() {
        assert_eq!(
            neutralise("plain text\n\twith a tab"),
            "plain text\n\twith a tab"
        );
        assert!(matches!(neutralise("plain"), Cow::Borrowed(_)));
        assert_eq!(
            neutralise("agent\x1b]0;pwned\x07 \x1b[2J"),
            "agent^[]0;pwned^G ^[[2J"
        );
        assert_eq!(neutralise("line\roverwritten"), "line^Moverwritten");
        assert_eq!(neutralise("\u{7f}\u{9b}31m"), "^?<U+009B>31m");
        assert_eq!(neutralise("abc\u{202e}fed"), "abc<U+202E>fed");
        assert_eq!(neutralise("naïve café ✓"), "naïve café ✓");
        assert_eq!(
            neutralise_line("PC-0042\nfake: yes\t"),
            "PC-0042^Jfake: yes^I"
        );
    }

    #[test]
    fn json_keeps_its_value_and_loses_its_raw_controls() {
        let value = serde_json::json!({"agent": "a\u{9b}31m\u{202e}b\u{7f}", "n": "\x1b[2J"});
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        let shown = json_escaped(&text);
        assert!(
            !shown.chars().any(|c| c != '\n' && c.is_control()),
            "{shown}"
        );
        assert!(shown.contains(r#""a\u009b31m\u202eb\u007f""#), "{shown}");
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap_or_default();
        assert_eq!(back, value);
        assert!(matches!(json_escaped("{\"a\": 1}"), Cow::Borrowed(_)));
    }
}
