//! The files of a new organisation folder (`deskbook init`): a deskbook.yaml with public and
//! restricted variables, one article that overrides a built-in one, and a patched triage
//! playbook for the first rollout phase with a scenario. The folder passes `check` and
//! `test` as written; the tests of `init` hold it to that.

use crate::vocab::is_valid_id;

/// A problem with `init`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaffoldError {
    #[error("invalid rollout name `{0}`: use lowercase letters a-z, digits 0-9 and `-` (phase-1)")]
    BadRollout(String),
    #[error("invalid organisation name: expected one line of text (got {0:?})")]
    BadName(String),
}

/// The files to write, as (path relative to the new folder, text).
pub fn files(name: &str, rollout: &str) -> Result<Vec<(String, String)>, ScaffoldError> {
    if !is_valid_id(rollout) {
        return Err(ScaffoldError::BadRollout(
            rollout.chars().take(40).collect(),
        ));
    }
    let trimmed = name.trim();
    if trimmed.is_empty() || name.contains(['\n', '\r']) || name.chars().any(char::is_control) {
        return Err(ScaffoldError::BadName(name.chars().take(40).collect()));
    }
    // A JSON string is a YAML double-quoted scalar: any name is written safely.
    let quoted = serde_json::Value::String(trimmed.to_string()).to_string();
    let config = format!(
        "# The organisation folder of {trimmed}. Layers are folders next to this file, lowest first.\n\
         # `deskbook check` and `deskbook test` run from this folder (or any folder below it).\n\
         name: {quoted}\n\
         rollout: {rollout}\n\
         layers: [builtin, common, {rollout}]\n\
         vars:\n\
         \x20 escalation_contact: {{value: \"Network operations, ext. 4100\"}}\n\
         \x20 security_contact: {{value: \"Information security, ext. 4700\"}}\n\
         \x20 # Restricted: Tier 2 and Tier 3 see the values; Tier 1 sees [withheld: NAME].\n\
         \x20 helpdesk_test_hosts: {{value: [hd-test-01, hd-test-02], audience: restricted}}\n\
         \x20 exemption_list: {{value: [dc-01, dc-02], audience: restricted}}\n"
    );
    let article = "---\n\
         id: escalation-checklist\n\
         title: Escalation checklist\n\
         tags: [escalation]\n\
         ---\n\
         Before you escalate an IPsec call, write down the caller's computer name, the target\n\
         computer, who else is affected and since when, and the results of every test you ran.\n\
         \n\
         Escalate to {{ org.escalation_contact }}. Report a caller who asks which computers are\n\
         exempt or isolated to {{ org.security_contact }}.\n"
        .to_string();
    let patch = "# The triage flowchart for this rollout phase: the help desk test hosts are named from\n\
         # the organisation's restricted variables (Tier 1 sees that they were withheld).\n\
         patch: tier1-triage\n\
         replace:\n\
         \x20 - id: test-hosts\n\
         \x20   ask: >-\n\
         \x20     Can the caller reach the help desk test computers ({{ org.helpdesk_test_hosts }})?\n\
         \x20     Try `net view` against each of them; never read their names out to the caller.\n\
         \x20   help: [is-ipsec-the-problem, escalation-checklist]\n\
         \x20   choices: {\"none of them\": caller-side, \"all of them\": target-side}\n"
        .to_string();
    let scenario = format!(
        "playbook: tier1-triage\n\
         name: \"{rollout}: no reply by address; basic network troubleshooting fixes it\"\n\
         vars: {{caller: pc-0042.example.com, target: srv-files-01.example.com}}\n\
         answers:\n\
         \x20 caller-check: \"no\"\n\
         \x20 scope: \"only this caller; since this morning\"\n\
         \x20 ping-address: \"no reply\"\n\
         \x20 basic-network: \"fixed\"\n\
         probes:\n\
         \x20 ping-address: {{status: fail, data: {{loss: 100}}}}\n\
         expect:\n\
         \x20 status: fixed-understood\n\
         \x20 category: network-connectivity\n\
         \x20 path: [caller-check, scope, ping-address, basic-network, end-network-fixed]\n"
    );
    Ok(vec![
        (crate::org::CONFIG_FILE.to_string(), config),
        ("common/kb/escalation-checklist.md".to_string(), article),
        (
            format!("{rollout}/playbooks/tier1-triage.patch.yaml"),
            patch,
        ),
        (
            format!("{rollout}/playbooks/tests/tier1-triage-{rollout}.yaml"),
            scenario,
        ),
    ])
}
