//! The built-in scenarios, run through the library (the binary's `deskbook test` is tested
//! in the workspace's tests/playbook_scenarios.rs).

use deskbook_content::LayerSpec;
use deskbook_playbook::{coverage, scenario};

#[test]
fn every_builtin_scenario_passes() {
    let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    assert!(!content.scenarios.is_empty());
    let results: Vec<_> = content
        .scenarios
        .iter()
        .map(|f| scenario::run_file(&content, f))
        .collect();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| format!("{} ({}): {}", r.file, r.name, r.problems.join("; ")))
        .collect();
    for c in coverage::compute(&content, &results) {
        eprintln!(
            "{} {} {}/{} {:?}",
            c.playbook, c.measure, c.taken, c.total, c.missing
        );
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
