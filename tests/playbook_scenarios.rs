//! `deskbook test` on the built-in content: every scenario passes, and the scenarios take
//! every edge of every YAML playbook (and every answer the Lua playbooks offer). A layer
//! with failing scenarios makes `deskbook test` exit 1 and say why.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn builtin_scenarios_pass_with_full_coverage() {
    let out = run(&["test", "--json"]);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("test --json prints JSON");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert!(scenarios.len() >= 30, "only {} scenarios", scenarios.len());
    let failed: Vec<String> = scenarios
        .iter()
        .filter(|s| s["passed"] != true)
        .map(|s| format!("{}: {}", s["file"], s["problems"]))
        .collect();
    assert!(
        failed.is_empty(),
        "failing scenarios:\n{}",
        failed.join("\n")
    );
    assert_eq!(report["failed"], 0);
    assert_eq!(out.status.code(), Some(0));
    let coverage = report["coverage"].as_array().expect("coverage");
    let playbooks: Vec<&str> = coverage
        .iter()
        .filter_map(|c| c["playbook"].as_str())
        .collect();
    for id in [
        "tier1-triage",
        "caller-computer",
        "target-computer",
        "refresh-policy",
        "detect-policy",
        "collect-diagnostics",
    ] {
        assert!(playbooks.contains(&id), "no coverage for {id}");
    }
    for c in coverage {
        let (taken, total) = (c["taken"].as_u64(), c["total"].as_u64());
        assert!(total > Some(0), "{c}: a playbook without edges or answers");
        assert_eq!(taken, total, "not every branch is taken: {c}");
        assert_eq!(c["missing"].as_array().map(Vec::len), Some(0), "{c}");
        if c["measure"] == "answers" {
            assert_eq!(c["asks_reached"], c["asks_written"], "{c}");
        }
    }
}

#[test]
fn human_output_lists_each_scenario_and_coverage() {
    let out = run(&["test"]);
    let text = stdout(&out);
    assert!(
        text.contains("ok    tier1-triage: ping by address fails, basic network troubleshooting fixes it  (playbooks/tests/tier1-triage-network-fixed.yaml)"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("tier1-triage")
                && l.contains("edges")
                && l.contains("100.0%")),
        "{text}"
    );
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

#[test]
fn failing_scenarios_fail_the_command_with_reasons() {
    let layer = fixture("scenarios-bad/wrong-outcome");
    let layer_s = layer.to_string_lossy().to_string();
    let out = run(&["--content", &layer_s, "test"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out).replace(&layer_s, "$LAYER");
    let expected = "\
FAIL  tier1-triage: expects a flag the call does not carry  ($LAYER/playbooks/tests/flags.yaml)
      expected flags `social-engineering`, the call ended with none
FAIL  tier1-triage: stops at a step it has no answer for  ($LAYER/playbooks/tests/unanswered.yaml)
      no answer for step `scope` (add it under `answers`)
FAIL  tier1-triage: expects the wrong outcome  ($LAYER/playbooks/tests/wrong.yaml)
      expected status `not-fixed`, the run ended `fixed-understood`
      the path differs at step 4: expected `escalate-network`, the run went to `basic-network`
";
    assert!(text.contains(expected), "{text}");
    assert!(text.contains(" passed, 3 failed"), "{text}");
}

/// A Lua playbook's `help` links are only known when it asks: the scenario checks them.
#[test]
fn lua_help_links_are_checked_when_asked() {
    let layer = fixture("scenarios-bad/lua-help");
    let layer_s = layer.to_string_lossy().to_string();
    let out = run(&["--content", &layer_s, "test"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out).replace(&layer_s, "$LAYER");
    assert!(
        text.contains(
            "FAIL  help-link: the question's help link is missing  ($LAYER/playbooks/tests/help-link.yaml)
      step `q` links to missing id `no-such-article` in `help`"
        ),
        "{text}"
    );
}
