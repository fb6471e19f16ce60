//! The built-in playbooks run end to end through the real binary, for what scenarios do not
//! see: the flag a call carries, the words a question chooses for an address or a name, and
//! what the steps say to the caller.

mod runtime_support;

use runtime_support::*;
use serde_json::Value;

/// Run a built-in playbook with one of its scenario files as the answers file, `--json`.
fn run_scenario(desk: &Desk, playbook: &str, scenario: &str) -> Vec<Value> {
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks/tests")
        .join(scenario);
    let file = file.to_string_lossy().to_string();
    let out = desk.run_layers(&[], &["run", playbook, "--answers", &file, "--json"], "");
    success_stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The text of the question answered at `step`.
fn asked(lines: &[Value], step: &str) -> String {
    lines
        .iter()
        .find(|l| l["event"] == "answered" && l["step"] == step)
        .and_then(|l| l["text"].as_str())
        .unwrap_or_else(|| panic!("no answer at {step}"))
        .to_string()
}

// Issue 12: a caller asking which computers are exempt is declined, the call carries the
// `social-engineering` flag (an event, and the ended record's flags), and the triage goes on
// to the caller's real problem instead of ending as `other`.
#[test]
fn social_engineering_is_flagged_and_the_triage_goes_on() {
    let desk = Desk::new();
    let lines = run_scenario(
        &desk,
        "tier1-triage",
        "tier1-triage-social-engineering.yaml",
    );
    let flagged: Vec<&Value> = lines.iter().filter(|l| l["event"] == "flagged").collect();
    assert_eq!(flagged.len(), 1, "{lines:?}");
    assert_eq!(flagged[0]["flag"], "social-engineering");
    assert_eq!(flagged[0]["step"], "decline-request");
    let end = lines.last().expect("an end line");
    assert_eq!(end["event"], "end");
    assert_eq!(end["status"], "fixed-understood");
    assert_eq!(end["category"], "name-resolution");
    let session = end["session"].as_str().expect("session").to_string();
    let shown = desk.show(&session);
    assert_eq!(count(&shown, "flagged", "decline-request"), 1);
    let ended = shown["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "ended")
        .expect("an ended event")
        .clone();
    assert_eq!(
        ended["payload"]["flags"],
        serde_json::json!(["social-engineering"]),
        "{ended}"
    );
}

// Issue 12: with an address as the target the questions never say "ping 192.0.2.20 by
// name"; with a name they never say "the address of" an address.
#[test]
fn questions_choose_their_words_for_an_address_or_a_name() {
    let desk = Desk::new();
    let by_address = run_scenario(&desk, "tier1-triage", "tier1-triage-address-target.yaml");
    let ping = asked(&by_address, "ping-address");
    assert!(ping.contains("type `ping 192.0.2.20`"), "{ping}");
    assert!(!ping.contains("address of 192.0.2.20"), "{ping}");
    let name = asked(&by_address, "name-check");
    assert!(name.contains("`ping -a 192.0.2.20`"), "{name}");
    assert!(!name.contains("by name"), "{name}");

    let by_name = run_scenario(&desk, "tier1-triage", "tier1-triage-name-escalated.yaml");
    let ping = asked(&by_name, "ping-address");
    assert!(ping.contains("ping the address of srv-"), "{ping}");
    let name = asked(&by_name, "name-check");
    assert!(
        name.contains("`ping srv-") && name.contains("(by name)"),
        "{name}"
    );
}

// Issue 12: questions a caller cannot answer are said as words for the caller; the policy
// refresh says why the IPsec service is restarted (the polling interval); what Tier 2 needs
// (`ipconfig /all`, tracert, the application and its error) is asked during the call.
#[test]
fn steps_speak_to_the_caller_and_gather_what_tier2_needs_during_the_call() {
    let desk = Desk::new();
    let rras = run_scenario(&desk, "tier1-triage", "tier1-triage-caller-rras.yaml");
    let needed = asked(&rras, "caller-computer/rras-needed");
    assert!(
        needed.starts_with(
            "Ask the caller: \"Do you use this computer to accept VPN or dial-in connections"
        ),
        "{needed}"
    );
    assert!(!needed.contains("Does the caller need"), "{needed}");
    let running = asked(&rras, "caller-computer/rras-running");
    assert!(
        running.contains("Say to the caller: \"Please press"),
        "{running}"
    );

    let refresh = run_scenario(&desk, "refresh-policy", "refresh-policy-fixes.yaml");
    let gp = asked(&refresh, "refresh-gp");
    assert!(gp.starts_with("Refresh Group Policy on "), "{gp}");
    let ipsec = asked(&refresh, "refresh-ipsec");
    assert!(
        ipsec.contains("restart the IPsec service so that it loads the assigned policy now")
            && ipsec.contains("only at the polling interval set in the policy (180 minutes"),
        "{ipsec}"
    );

    let network = run_scenario(&desk, "tier1-triage", "tier1-triage-network-escalated.yaml");
    let basic = asked(&network, "basic-network");
    assert!(
        basic.contains("Run `ipconfig /all`") && basic.contains("Run `tracert 192.0.2.25`"),
        "{basic}"
    );
    let evidence = asked(&network, "network-evidence");
    assert!(
        evidence.starts_with("Before you end the call, ask the caller to read out")
            && evidence.contains("`ipconfig /all`")
            && evidence.contains("`tracert 192.0.2.25`")
            && !evidence.contains("address of"),
        "{evidence}"
    );
    let said = network
        .iter()
        .find(|l| l["event"] == "said")
        .and_then(|l| l["text"].as_str())
        .unwrap_or_default();
    assert!(
        said.starts_with("pc-0117.woodgrovebank.com cannot reach 192.0.2.25 and basic network"),
        "{said}"
    );

    let app = run_scenario(&desk, "tier1-triage", "tier1-triage-application.yaml");
    let details = asked(&app, "application-details");
    assert!(
        details.contains("\"Which program fails, and what exactly does its error message say?\""),
        "{details}"
    );
}
