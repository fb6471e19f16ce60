//! A person as the agent: typing at a terminal (or into a pipe). Every prompt takes the
//! same keys besides its answer, listed on the hint line: `?` the step's help as numbered
//! titles, `?N` one of them, `w` where the call is, `b` back, `n` note. After help or `w`
//! the question is shown again. The end of input fails the run naming the step it
//! stopped at.

use deskbook_content::Content;
use deskbook_playbook::scenario::CannedProbe;
use deskbook_playbook::{Reply, RunError};

use super::{Agent, Allow, At, Turn};
use crate::terminal::{parse_typed, Typed, Ui};
use crate::RuntimeError;

pub(crate) struct TerminalAgent<'a> {
    content: &'a Content,
    /// The step's choices (or the command's y/s) have been listed.
    offered: bool,
    /// The hint line has been shown at this step.
    hinted: bool,
}

impl<'a> TerminalAgent<'a> {
    pub(crate) fn new(content: &'a Content) -> TerminalAgent<'a> {
        TerminalAgent {
            content,
            offered: false,
            hinted: false,
        }
    }

    fn missing(step: &str, expected: &str) -> RuntimeError {
        RuntimeError::MissingAnswer(format!(
            "no answer for step `{step}`: the input ended (expected {expected})"
        ))
    }

    /// Read one line; the end of input fails the run naming the step. The first prompt of
    /// a step comes after the hint line.
    fn read(
        &mut self,
        ui: &mut Ui<'_>,
        step: &str,
        prompt: &str,
        expected: &str,
    ) -> Result<Typed, RuntimeError> {
        if !std::mem::replace(&mut self.hinted, true) {
            ui.legend();
        }
        match ui.ask(prompt)? {
            Some(line) => Ok(parse_typed(&line)),
            None => Err(Self::missing(step, expected)),
        }
    }

    /// What every prompt accepts besides an answer; `None` when `typed` is not one of them.
    fn common(
        &mut self,
        ui: &mut Ui<'_>,
        typed: &Typed,
        at: &At<'_>,
    ) -> Result<Option<Turn>, RuntimeError> {
        Ok(match typed {
            Typed::Help(n) => {
                ui.show_help(at.help, *n, self.content);
                self.again(ui, at);
                Some(Turn::Again)
            }
            Typed::Where => {
                ui.say(at.whereabouts);
                self.again(ui, at);
                Some(Turn::Again)
            }
            Typed::Back => Some(Turn::Reply(Reply::Back)),
            Typed::Note(Some(text)) if !text.is_empty() => {
                Some(Turn::Reply(Reply::Note(text.clone())))
            }
            Typed::Note(_) => match ui.ask("  note: ")? {
                Some(t) if !t.trim().is_empty() => {
                    Some(Turn::Reply(Reply::Note(t.trim().to_string())))
                }
                _ => Some(Turn::Again),
            },
            _ => None,
        })
    }

    /// Read at `prompt` until `take` accepts what was typed. Help, `w`, `b` and notes are
    /// handled on the way, the same at every prompt; their turn is returned through `turn`.
    fn read_until<T>(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        (prompt, expected): (&str, &str),
        turn: impl Fn(Turn) -> T,
        mut take: impl FnMut(&mut Self, &mut Ui<'_>, Typed) -> Option<T>,
    ) -> Result<T, RuntimeError> {
        loop {
            let typed = self.read(ui, at.step, prompt, expected)?;
            if let Some(t) = self.common(ui, &typed, at)? {
                return Ok(turn(t));
            }
            if let Some(v) = take(self, ui, typed) {
                return Ok(v);
            }
        }
    }

    /// Show the step's question again (after help or `w`), and its choices with it.
    fn again(&mut self, ui: &mut Ui<'_>, at: &At<'_>) {
        ui.header(at.step, at.text, at.help, self.content);
        self.offered = false;
    }

    /// Pick one of `choices` from what the agent typed, or say why not.
    fn pick(
        ui: &mut Ui<'_>,
        typed: &Typed,
        choices: &[String],
        prefill: Option<&str>,
    ) -> Option<String> {
        match typed {
            Typed::Empty => match prefill {
                Some(p) => Some(p.to_string()),
                None => {
                    ui.error("type the number of a choice, or the choice itself");
                    None
                }
            },
            Typed::Text(t) => {
                if let Ok(n) = t.parse::<usize>() {
                    if n >= 1 && n <= choices.len() {
                        return Some(choices[n - 1].clone());
                    }
                }
                if let Some(c) = choices.iter().find(|c| c.eq_ignore_ascii_case(t)) {
                    return Some(c.clone());
                }
                ui.error(&format!(
                    "{t:?} is not a choice: type 1-{} or one of: {}",
                    choices.len(),
                    choices.join(", ")
                ));
                None
            }
            _ => None,
        }
    }

    /// List `choices` once, then read until one is picked (or another key is typed).
    fn pick_loop(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        choices: &[String],
        prefill: Option<&str>,
        shown: Option<&str>,
        word: &str,
    ) -> Result<Turn, RuntimeError> {
        let expected = format!("one of: {}", choices.join(", "));
        if !std::mem::replace(&mut self.offered, true) {
            ui.choices(choices, shown);
        }
        let prompt = match prefill {
            Some(p) => format!("{word} [{p}]: "),
            None => format!("{word}: "),
        };
        self.read_until(
            ui,
            at,
            (&prompt, &expected),
            |t| t,
            |_, ui, typed| Self::pick(ui, &typed, choices, prefill).map(Turn::Answer),
        )
    }
}

impl Agent for TerminalAgent<'_> {
    fn new_step(&mut self) {
        self.offered = false;
        self.hinted = false;
    }

    fn fix_input(
        &mut self,
        ui: &mut Ui<'_>,
        err: RunError,
    ) -> Result<(String, String), RuntimeError> {
        let (name, problem) = match err {
            RunError::MissingInput { name, prompt, .. } => (name, prompt),
            RunError::BadInput {
                name,
                value,
                reason,
                ..
            } => {
                ui.error(&format!("{name} = {value}: {reason}"));
                (name.clone(), name)
            }
            e => return Err(e.into()),
        };
        match ui.ask(&format!("{problem}: "))? {
            Some(v) => Ok((name, v.trim().to_string())),
            None => Err(RuntimeError::MissingAnswer(format!(
                "the input ended before `{name}` was given"
            ))),
        }
    }

    fn canned(&self, _step: &str) -> Option<&CannedProbe> {
        None
    }

    fn choose(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        choices: &[String],
        prefill: Option<&str>,
    ) -> Result<Turn, RuntimeError> {
        self.pick_loop(ui, at, choices, prefill, prefill, "answer")
    }

    fn confirm(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        choices: &[String],
    ) -> Result<Turn, RuntimeError> {
        let prefill = (choices.len() == 1).then(|| choices[0].clone());
        self.pick_loop(ui, at, choices, prefill.as_deref(), None, "confirm")
    }

    fn allow(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        line: &str,
        _choices: &[String],
    ) -> Result<Allow, RuntimeError> {
        if !std::mem::replace(&mut self.offered, true) {
            ui.say(&format!("  command: {line}"));
            ui.say("  y) run it now   s) skip it (done another way)");
        }
        let is = |t: &str, short: &str, long: &str| {
            t.eq_ignore_ascii_case(short) || t.eq_ignore_ascii_case(long)
        };
        self.read_until(
            ui,
            at,
            ("run it? ", "y or s"),
            Allow::Turn,
            |me, ui, typed| {
                let allow = match typed {
                    Typed::Text(t) if is(&t, "y", "yes") => Allow::Run,
                    Typed::Text(t) if is(&t, "s", "skip") => Allow::Skip,
                    _ => {
                        ui.error("type y to run the command or s to skip it");
                        return None;
                    }
                };
                me.offered = false;
                Some(allow)
            },
        )
    }

    fn judge(
        &mut self,
        ui: &mut Ui<'_>,
        at: &At<'_>,
        status: Option<&str>,
    ) -> Result<Turn, RuntimeError> {
        // No status offered: the probe did not run here, or its result is about another
        // computer; the agent types what was seen there.
        let prompt = match status {
            Some(status) => format!("accept [{status}] or type ok / fail / error: "),
            None => "what did it show? type ok / fail / error: ".to_string(),
        };
        self.read_until(
            ui,
            at,
            (&prompt, "ok, fail or error"),
            |t| t,
            |_, ui, typed| match (typed, status) {
                (Typed::Empty, Some(status)) => Some(Turn::Answer(status.to_string())),
                (Typed::Text(t), _) if ["ok", "fail", "error"].contains(&t.as_str()) => {
                    Some(Turn::Answer(t))
                }
                (_, Some(_)) => {
                    ui.error("press Enter to accept, or type ok, fail or error");
                    None
                }
                (_, None) => {
                    ui.error("type ok, fail or error");
                    None
                }
            },
        )
    }

    fn free(&mut self, ui: &mut Ui<'_>, at: &At<'_>) -> Result<Turn, RuntimeError> {
        // After going back, what was typed here before is the default.
        let prompt = match at.previous {
            Some(p) => format!("answer [{p}]: "),
            None => "answer: ".to_string(),
        };
        self.read_until(
            ui,
            at,
            (&prompt, "a free answer"),
            |t| t,
            |_, ui, typed| match (typed, at.previous) {
                (Typed::Text(t), _) => Some(Turn::Answer(t)),
                (Typed::Empty, Some(p)) => Some(Turn::Answer(p.to_string())),
                _ => {
                    ui.error("an answer is needed (or b to go back)");
                    None
                }
            },
        )
    }

    fn refused(&mut self, ui: &mut Ui<'_>, _step: &str, err: RunError) -> Result<(), RuntimeError> {
        ui.error(&err.to_string());
        Ok(())
    }
}
