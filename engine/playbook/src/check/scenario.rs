//! Scenario files: they parse, and name a playbook that exists.

use deskbook_content::{Content, Diagnostic, SourceFile};

use crate::scenario;

pub(super) fn check_scenario(content: &Content, file: &SourceFile, out: &mut Vec<Diagnostic>) {
    let s = match scenario::parse(file) {
        Ok(s) => s,
        Err(d) => {
            out.push(d);
            return;
        }
    };
    if content.playbook(&s.playbook).is_none() {
        let (line, col) = file
            .find_line(|l| l.starts_with("playbook:"))
            .and_then(|l| file.locate(&s.playbook, l))
            .unwrap_or((1, 1));
        out.push(
            Diagnostic::error(
                &file.path,
                line,
                col,
                format!("scenario for missing playbook `{}`", s.playbook),
            )
            .with_source(&file.text),
        );
    }
}
