//! What the agent sees and types: the step, the titles of its help articles, numbered
//! choices, probe results, and the one-letter commands (`?` help, `?N` one article, `b`
//! back, `n` note, `w` where the call is). On a terminal, text is wrapped at word
//! boundaries to its width and an article opens in a pager.

use deskbook_content::markdown::{render_terminal_for, Style};
use deskbook_content::terminal::neutralise;
use deskbook_content::Content;
use deskbook_probes::ProbeResult;
use std::io::{BufRead, Write};

use crate::RuntimeError;

/// The agent's side of the run: where text goes and where typed lines come from.
pub(crate) struct Ui<'a> {
    out: Box<dyn Write + 'a>,
    input: Box<dyn BufRead + 'a>,
    style: Style,
    /// Repeat each line read after its prompt (input from a pipe is not echoed by a
    /// terminal, and the transcript should show what was answered).
    echo: bool,
    /// Wrap text to this many columns (the terminal's width; `None` for a pipe).
    width: Option<usize>,
    /// The agent is at a terminal: articles open in a pager.
    terminal: bool,
}

/// A line the agent typed, as the runner reads it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Typed {
    /// Enter alone: accept what is offered.
    Empty,
    /// `?` (every linked article) or `?N` (the Nth).
    Help(Option<usize>),
    Back,
    /// `n` alone (ask for the text) or `n TEXT`.
    Note(Option<String>),
    /// `w`: where the call is.
    Where,
    Text(String),
}

pub(crate) fn parse_typed(line: &str) -> Typed {
    let t = line.trim();
    if t.is_empty() {
        return Typed::Empty;
    }
    if let Some(rest) = t.strip_prefix('?') {
        return Typed::Help(rest.trim().parse().ok());
    }
    if t.eq_ignore_ascii_case("b") {
        return Typed::Back;
    }
    if t.eq_ignore_ascii_case("n") {
        return Typed::Note(None);
    }
    if t.eq_ignore_ascii_case("w") {
        return Typed::Where;
    }
    if let Some(rest) = t.strip_prefix("n ") {
        return Typed::Note(Some(rest.trim().to_string()));
    }
    Typed::Text(t.to_string())
}

impl<'a> Ui<'a> {
    pub(crate) fn new(
        out: Box<dyn Write + 'a>,
        input: Box<dyn BufRead + 'a>,
        style: Style,
        echo: bool,
        width: Option<usize>,
        terminal: bool,
    ) -> Ui<'a> {
        Ui {
            out,
            input,
            style,
            echo,
            width,
            terminal,
        }
    }

    /// Whether the agent is at a terminal (not a pipe).
    pub(crate) fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// `s` neutralised, then bold: the style is the only control text in the result.
    fn bold(&self, s: &str) -> String {
        let s = neutralise(s);
        match self.style {
            Style::Ansi => format!("\x1b[1m{s}\x1b[0m"),
            _ => s.into_owned(),
        }
    }

    fn dim(&self, s: &str) -> String {
        let s = neutralise(s);
        match self.style {
            Style::Ansi => format!("\x1b[2m{s}\x1b[0m"),
            _ => s.into_owned(),
        }
    }

    /// Write text; output errors (a closed pipe) are not the run's problem, the store is.
    /// Everything said passes through [`neutralise`]: step text, probe output, recorded
    /// answers and names are shown, never obeyed by the terminal.
    pub(crate) fn say(&mut self, text: &str) {
        let text = neutralise(text);
        self.write_wrapped(&text);
    }

    /// Write text built from [`Ui::bold`], [`Ui::dim`] and neutralised pieces only.
    fn say_styled(&mut self, text: &str) {
        self.write_wrapped(text);
    }

    /// Write a line, wrapped at word boundaries to the terminal's width when there is one.
    fn write_wrapped(&mut self, text: &str) {
        match self.width {
            Some(w) => {
                let _ = writeln!(self.out, "{}", deskbook_content::wrap::wrap(text, w));
            }
            None => {
                let _ = writeln!(self.out, "{text}");
            }
        }
    }

    /// Text in the dim style (hints, help titles).
    pub(crate) fn say_dim(&mut self, text: &str) {
        let line = self.dim(text);
        self.say_styled(&line);
    }

    pub(crate) fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// The step's id and text, then the titles of the articles it links.
    pub(crate) fn header(&mut self, step: &str, text: &str, help: &[String], content: &Content) {
        let head = self.bold(&format!("[{step}]"));
        let text = neutralise(text.trim());
        if text.is_empty() {
            self.say_styled(&format!("\n{head}"));
        } else {
            self.say_styled(&format!("\n{head} {text}"));
        }
        for (n, id) in help.iter().enumerate() {
            let line = match content.item(id) {
                Some(i) if content.visible(i) => {
                    format!("  help ?{}: {} ({id})", n + 1, i.meta.title)
                }
                // A link to what the role may not read: neither its title nor its id.
                Some(_) => format!("  help ?{}: [withheld]", n + 1),
                None => format!("  help ?{}: (no such article) ({id})", n + 1),
            };
            self.say_dim(&line);
        }
    }

    pub(crate) fn choices(&mut self, choices: &[String], prefill: Option<&str>) {
        for (i, c) in choices.iter().enumerate() {
            let mark = if Some(c.as_str()) == prefill {
                "  (suggested)"
            } else {
                ""
            };
            self.say(&format!("  {}) {c}{mark}", i + 1));
        }
    }

    /// A result with where it came from (`canned`, `from this help desk computer (HOST)`).
    pub(crate) fn probe_result(&mut self, request: &str, r: &ProbeResult, how: &str) {
        self.say(&format!(
            "  probe {request}: {}: {} ({} ms, {how})",
            r.status, r.summary, r.duration_ms
        ));
    }

    /// Show a prompt and read one line; `None` when the input has ended.
    pub(crate) fn ask(&mut self, prompt: &str) -> Result<Option<String>, RuntimeError> {
        let _ = write!(self.out, "{}", neutralise(prompt));
        self.flush();
        let mut line = String::new();
        let n = match self.input.read_line(&mut line) {
            Ok(n) => n,
            Err(_) if crate::interrupt::requested() => {
                let _ = writeln!(self.out);
                return Err(RuntimeError::Interrupted);
            }
            Err(e) => return Err(RuntimeError::io("cannot read the agent's answer")(e)),
        };
        if n == 0 {
            let _ = writeln!(self.out);
            return Ok(None);
        }
        let line = line.trim_end_matches(['\n', '\r']).to_string();
        if self.echo {
            let _ = writeln!(self.out, "{}", neutralise(&line));
        }
        Ok(Some(line))
    }

    /// `?`: the linked articles as numbered titles with their one-line summaries; `?N`:
    /// article N, rendered for the terminal (in a pager when the agent is at one).
    pub(crate) fn show_help(&mut self, help: &[String], which: Option<usize>, content: &Content) {
        if help.is_empty() {
            self.say("  (this step links no article)");
            return;
        }
        let Some(n) = which else {
            self.say("  Help for this step (type ?N to open one):");
            for (i, id) in help.iter().enumerate() {
                let line = match content.item(id).filter(|i| content.visible(i)) {
                    Some(item) => format!(
                        "  {}) {}: {}",
                        i + 1,
                        item.meta.title,
                        item.meta.summary.trim()
                    ),
                    None if content.item(id).is_some() => format!("  {}) [withheld]", i + 1),
                    None => format!("  {}) no article `{id}`", i + 1),
                };
                self.say(&line);
            }
            return;
        };
        let Some(id) = n.checked_sub(1).and_then(|i| help.get(i)) else {
            self.say(&format!(
                "  there is no article {n}: this step links {} (?1-?{})",
                help.len(),
                help.len()
            ));
            return;
        };
        match content.item(id).filter(|i| content.visible(i)) {
            Some(item) => {
                let may_see = |id: &str| content.visible_id(id);
                let body = render_terminal_for(item.body(), self.style, &may_see);
                let title = self.bold(&item.meta.title);
                let text = format!("\n{title}\n{body}");
                let text = match self.width {
                    Some(w) => deskbook_content::wrap::wrap(&text, w),
                    None => text,
                };
                if !(self.terminal && crate::pager::page(&text)) {
                    let _ = writeln!(self.out, "{text}");
                }
            }
            None if content.item(id).is_some() => {
                self.say("  (an article this role may not read: withheld)")
            }
            None => self.say(&format!("  no article `{id}`")),
        }
    }

    /// The keys every prompt takes besides its answer.
    pub(crate) fn legend(&mut self) {
        self.say_dim(LEGEND);
    }

    pub(crate) fn error(&mut self, message: &str) {
        self.say(&format!("  ! {message}"));
    }
}

/// The hint line: every key a prompt takes besides its answer.
pub(crate) const LEGEND: &str =
    "  keys: ? help list · ?N open help N · w where am I · b back · n note · Enter accepts [default]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_commands() {
        assert_eq!(parse_typed("  "), Typed::Empty);
        assert_eq!(parse_typed("?"), Typed::Help(None));
        assert_eq!(parse_typed("?2"), Typed::Help(Some(2)));
        assert_eq!(parse_typed("b"), Typed::Back);
        assert_eq!(parse_typed("n"), Typed::Note(None));
        assert_eq!(
            parse_typed("n caller is on VPN"),
            Typed::Note(Some("caller is on VPN".into()))
        );
        assert_eq!(parse_typed("no"), Typed::Text("no".into()));
        assert_eq!(parse_typed("W"), Typed::Where);
    }
}
