//! Answers files (`--answers FILE`): the inputs, answers by step id and canned probe
//! results of a scripted run. A playbook scenario has the same shape plus `playbook`, `name`
//! and `expect`, so a scenario file can drive `deskbook run` as it is.
//!
//! ```yaml
//! vars: {caller: PC-0042, target: srv-files-01}
//! answers: {ping-target: "yes", basic-network: "not fixed"}
//! probes: {ping-target: {status: ok, data: {}}}
//! ```

use deskbook_content::{yaml, Content, Diagnostic, SourceFile};
use deskbook_playbook::scenario::CannedProbe;
use deskbook_playbook::step_ids::StepIds;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

use crate::RuntimeError;

/// A parsed answers file.
#[derive(Debug, Clone)]
pub struct AnswersFile {
    pub file: SourceFile,
    /// `playbook:` when the file names the playbook it is for (scenario files do).
    pub playbook: Option<String>,
    pub vars: BTreeMap<String, String>,
    pub answers: BTreeMap<String, String>,
    pub probes: BTreeMap<String, CannedProbe>,
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an answers file: a map with `vars`, `answers` and `probes` (see `deskbook run --help`)"
)]
struct Raw {
    #[serde(default)]
    playbook: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
    #[serde(default, deserialize_with = "deskbook_content::yaml::scalar_map")]
    vars: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "deskbook_content::yaml::scalar_map")]
    answers: BTreeMap<String, String>,
    #[serde(default)]
    probes: BTreeMap<String, CannedProbe>,
    #[serde(default)]
    #[allow(dead_code)]
    expect: Option<serde::de::IgnoredAny>,
}

impl AnswersFile {
    /// Read and parse `path`; every problem names `path:line:column`.
    pub fn read(path: &Path) -> Result<AnswersFile, RuntimeError> {
        let shown = path.display().to_string();
        let limit = yaml::MAX_DOCUMENT_BYTES as u64;
        let bytes = deskbook_content::file::read_bounded(path, limit).map_err(|e| {
            RuntimeError::Answers(Box::new(Diagnostic::error(
                &shown,
                1,
                1,
                format!("cannot read the answers file: {e}"),
            )))
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = deskbook_content::diag::position(
                &String::from_utf8_lossy(e.as_bytes()),
                e.utf8_error().valid_up_to(),
            );
            RuntimeError::Answers(Box::new(Diagnostic::error(
                &shown,
                line,
                column,
                "the answers file is not UTF-8 text",
            )))
        })?;
        AnswersFile::parse(SourceFile { path: shown, text })
    }

    /// Parse an answers file's text.
    pub fn parse(file: SourceFile) -> Result<AnswersFile, RuntimeError> {
        let raw: Raw = if file.text.trim().is_empty() {
            Raw {
                playbook: None,
                name: None,
                vars: BTreeMap::new(),
                answers: BTreeMap::new(),
                probes: BTreeMap::new(),
                expect: None,
            }
        } else {
            yaml::parse(&file.text).map_err(|e| {
                RuntimeError::Answers(Box::new(
                    Diagnostic::error(&file.path, e.line, e.column, e.message)
                        .with_source(&file.text),
                ))
            })?
        };
        Ok(AnswersFile {
            playbook: raw.playbook,
            vars: raw.vars,
            answers: raw.answers,
            probes: raw.probes,
            file,
        })
    }

    /// A diagnostic at the answer given for `step` (or at `answers:` when the step has
    /// none), for an answer the engine refused.
    pub fn at_answer(&self, step: &str, message: impl Into<String>) -> Diagnostic {
        let from = self
            .file
            .find_line(|l| l.trim_start().starts_with("answers:"))
            .unwrap_or(1);
        let (line, column) = self
            .file
            .locate(&format!("{step}:"), from)
            .or_else(|| self.file.locate(&format!("\"{step}\":"), from))
            .unwrap_or((from, 1));
        Diagnostic::error(&self.file.path, line, column, message).with_source(&self.file.text)
    }

    /// A diagnostic at the value given for input `name` under `vars:` (or at `vars:`), for
    /// an input the playbook refused.
    pub fn at_var(&self, name: &str, message: impl Into<String>) -> Diagnostic {
        let from = self
            .file
            .find_line(|l| l.trim_start().starts_with("vars:"))
            .unwrap_or(1);
        let (line, column) = self
            .file
            .locate(&format!("{name}:"), from)
            .or_else(|| self.file.locate(&format!("\"{name}\":"), from))
            .unwrap_or((from, 1));
        Diagnostic::error(&self.file.path, line, column, message).with_source(&self.file.text)
    }

    /// Every step the file answers or cans a probe for must be one a run of `playbook`
    /// can reach: a misspelt id would otherwise be silently ignored. An answer to a step
    /// with fixed choices must be one of them, and a free answer one line that fits the
    /// log, so a bad file is refused before a call is recorded.
    pub fn check_steps(&self, content: &Content, playbook: &str) -> Result<(), RuntimeError> {
        let ids = StepIds::of(content, playbook);
        for (key, answer) in &self.answers {
            if let Some(why) = ids
                .unknown(key, playbook)
                .or_else(|| ids.bad_choice(key, answer))
                .or_else(|| {
                    deskbook_playbook::engine::free_text(key, "an answer", answer)
                        .err()
                        .map(|e| e.to_string())
                })
            {
                return Err(RuntimeError::Answers(Box::new(self.at_answer(key, why))));
            }
        }
        for key in self.probes.keys() {
            if let Some(why) = ids.unknown(key, playbook) {
                return Err(RuntimeError::Answers(Box::new(
                    self.at_section("probes:", key, why),
                )));
            }
        }
        Ok(())
    }

    /// A diagnostic at `key:` under the line starting with `section` (or at `section`).
    fn at_section(&self, section: &str, key: &str, message: impl Into<String>) -> Diagnostic {
        let from = self
            .file
            .find_line(|l| l.trim_start().starts_with(section))
            .unwrap_or(1);
        let (line, column) = self
            .file
            .locate(&format!("{key}:"), from)
            .or_else(|| self.file.locate(&format!("\"{key}\":"), from))
            .unwrap_or((from, 1));
        Diagnostic::error(&self.file.path, line, column, message).with_source(&self.file.text)
    }

    /// A diagnostic at the `playbook:` line.
    pub fn at_playbook(&self, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.file.locate("playbook:", 1).unwrap_or((1, 1));
        Diagnostic::error(&self.file.path, line, column, message).with_source(&self.file.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AnswersFile, String> {
        AnswersFile::parse(SourceFile {
            path: "a.yaml".into(),
            text: text.into(),
        })
        .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_vars_answers_and_canned_probes() {
        let a = parse(
            "vars: {caller: PC-0042, port: 445}\nanswers: {ping-target: \"yes\", n: 1}\nprobes:\n  ping-target: {status: fail, data: {loss: 100}}\n",
        )
        .expect("parses");
        assert_eq!(a.vars.get("port").map(String::as_str), Some("445"));
        assert_eq!(a.answers.get("n").map(String::as_str), Some("1"));
        let r = a.probes["ping-target"].result("ping");
        assert_eq!(r.status, deskbook_probes::Status::Fail);
        assert_eq!(r.data.get("loss"), Some(&serde_json::json!(100)));
    }

    #[test]
    fn unknown_key_names_position() {
        let e = parse("vars: {}\nanswer: {a: b}\n").expect_err("unknown key");
        assert!(e.starts_with("a.yaml:2:1: unknown field `answer`"), "{e}");
    }

    #[test]
    fn empty_file_is_no_answers() {
        let a = parse("\n").expect("parses");
        assert!(a.answers.is_empty());
    }
}
