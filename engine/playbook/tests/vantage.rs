//! Every probe in a built-in playbook says where it runs (`from: caller | target |
//! helpdesk`): `check` rejects one that does not. (A layer's is a warning; see the
//! root package's tests/playbook_check.rs.)

use deskbook_content::{LayerSpec, PlaybookBody, Severity};

#[test]
fn a_built_in_probe_without_from_is_an_error() {
    let mut content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    assert!(
        deskbook_playbook::check::check(&content)
            .iter()
            .all(|d| d.severity != Severity::Error),
        "the built-in playbooks pass as shipped"
    );
    let doc = content
        .playbooks
        .iter_mut()
        .find(|d| d.id == "tier1-triage")
        .expect("tier1-triage");
    let PlaybookBody::Yaml(pb) = &mut doc.body else {
        panic!("tier1-triage is YAML");
    };
    let step = pb
        .steps
        .iter_mut()
        .find(|s| s.id == "ping-address")
        .expect("ping-address");
    step.probe.as_mut().expect("probe").from = None;
    let found: Vec<_> = deskbook_playbook::check::check(&content)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}:{}:{}: {}", d.file, d.line, d.column, d.message))
        .collect();
    assert_eq!(
        found,
        ["playbooks/tier1-triage.yaml:54:5: step `ping-address`: the probe does not say where it runs: add `from: caller`, `from: target` or `from: helpdesk`"]
    );
}
