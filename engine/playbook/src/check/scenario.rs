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
    if content.playbook(&s.playbook).is_some() {
        let ids = crate::step_ids::StepIds::of(content, &s.playbook);
        for (section, keys) in [
            ("answers:", s.answers.keys().collect::<Vec<_>>()),
            ("probes:", s.probes.keys().collect::<Vec<_>>()),
        ] {
            for key in keys {
                if let Some(why) = ids.unknown(key, &s.playbook) {
                    let (line, col) = file
                        .find_line(|l| l.trim_start().starts_with(section))
                        .and_then(|l| file.locate(&format!("{key}:"), l))
                        .unwrap_or((1, 1));
                    out.push(Diagnostic::error(&file.path, line, col, why).with_source(&file.text));
                }
            }
        }
    }
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
