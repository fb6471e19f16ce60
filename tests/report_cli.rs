//! `deskbook report` on the command line: every format over generated calls, and each bad
//! value refused with an exact message, a non-zero exit and nothing written.

mod report_support;

use report_support::*;

/// Bad values are refused before the store is opened: the message names the value and
/// what was expected.
#[test]
fn bad_values_get_exact_messages() {
    let desk = Filled::new(10, 1);
    let cases: &[(&[&str], &str)] = &[
        (
            &["report", "--since", "2026-13-01"],
            "error: --since 2026-13-01: not a valid date or date-time; expected an ISO date such as 2026-11-30, or a date-time such as 2026-11-30T14:00 (UTC) or 2026-11-30T14:00:00+01:00\n",
        ),
        (
            &["report", "--until", "30/11/2026"],
            "error: --until 30/11/2026: not a valid date or date-time; expected an ISO date such as 2026-11-30, or a date-time such as 2026-11-30T14:00 (UTC) or 2026-11-30T14:00:00+01:00\n",
        ),
        (
            &["report", "--since", "2026-11-01T08:00+25:00"],
            "error: --since 2026-11-01T08:00+25:00: not a valid date or date-time; expected an ISO date such as 2026-11-30, or a date-time such as 2026-11-30T14:00 (UTC) or 2026-11-30T14:00:00+01:00\n",
        ),
        (
            &["report", "--since", "2026-11-30", "--until", "2026-11-01"],
            "error: --until 2026-11-01 is before --since 2026-11-30: the range holds no calls; give an --until on or after --since\n",
        ),
        (
            &["report", "--by", "category,priority"],
            "error: --by category,priority: unknown field `priority`; expected a comma-separated list of category, status, playbook, rollout, agent, escalate, day, week, month\n",
        ),
        (
            &["report", "--by", "status,status"],
            "error: --by status,status: `status` is given twice\n",
        ),
        (
            &["report", "--format", "html", "--out", "."],
            "error: --out .: it is a folder; give a file name\n",
        ),
    ];
    for (args, message) in cases {
        let out = desk.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), *message, "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    let out = desk.run(&["report", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: invalid value 'pdf' for '--format <FORMAT>'\n  [possible values: table, csv, json, markdown, html]"),
        "{}",
        stderr(&out)
    );
}

/// A missing folder for --out: an error, and no partial file anywhere.
#[test]
fn out_into_a_missing_folder_writes_nothing() {
    let desk = Filled::new(10, 1);
    let out = desk.run(&["report", "--out", "no/such/report.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .starts_with("error: --out no/such/report.txt: cannot write the report\n  caused by: "),
        "{}",
        stderr(&out)
    );
    let names: Vec<String> = std::fs::read_dir(desk.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| !n.starts_with("calls.sqlite"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn json_counts_every_call_in_the_design_shape() {
    let desk = Filled::new(3_000, 5);
    let v: serde_json::Value =
        serde_json::from_str(&ok(&desk.run(&["report", "--format", "json"]))).expect("JSON");
    assert_eq!(v["total"], 3_000);
    let groups = v["groups"].as_array().expect("groups");
    let sum: u64 = groups.iter().filter_map(|g| g["count"].as_u64()).sum();
    assert_eq!(sum, 3_000);
    let expected = desk
        .calls
        .iter()
        .filter(|c| c.category == Some("rras") && c.status == Some("not-fixed"))
        .count();
    let rras = groups
        .iter()
        .find(|g| g["category"] == "rras" && g["status"] == "not-fixed")
        .expect("rras not-fixed");
    assert_eq!(rras["count"], expected);
    assert_eq!(rras["category_title"], "Routing and Remote Access (RRAS)");
    let nap = groups
        .iter()
        .find(|g| g["category"] == "legacy-nap")
        .expect("the retired category is counted");
    assert_eq!(nap["category_in_taxonomy"], false);
    for g in groups {
        let keys: Vec<&String> = g.as_object().expect("object").keys().collect();
        assert_eq!(keys[..3], ["category", "status", "category_title"]);
    }

    // --by week and a range: only the calls that started in it.
    let v: serde_json::Value = serde_json::from_str(&ok(&desk.run(&[
        "report",
        "--by",
        "week",
        "--since",
        "2026-07-01",
        "--until",
        "2026-07-31",
        "--format",
        "json",
    ])))
    .expect("JSON");
    let july = desk
        .calls
        .iter()
        .filter(|c| {
            let at = deskbook_testkit::calls::rfc3339(c.started_ms);
            at.as_str() >= "2026-07-01" && at.as_str() < "2026-08-01"
        })
        .count();
    assert_eq!(v["total"], july);
    assert_eq!(v["groups"][0]["week"], "2026-W27");
}

#[test]
fn csv_parses_and_table_fits_80_columns() {
    let desk = Filled::new(2_000, 9);
    let text = ok(&desk.run(&["report", "--by", "agent,rollout,status", "--format", "csv"]));
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().expect("header").iter().collect::<Vec<_>>(),
        [
            "agent",
            "rollout",
            "status",
            "count",
            "share",
            "escalation_rate",
            "fixed_unclear_rate",
            "median_duration_ms",
            "p90_duration_ms"
        ]
    );
    let total: u64 = r
        .records()
        .map(|rec| rec.expect("record")[3].parse::<u64>().expect("count"))
        .sum();
    assert_eq!(total, 2_000);

    for by in [
        "category,status",
        "agent,rollout,status",
        "playbook,escalate,month",
        "day",
    ] {
        let text = ok(&desk.run(&["report", "--by", by]));
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "--by {by}: {line}");
        }
    }
    let md = ok(&desk.run(&["report", "--format", "markdown"]));
    assert!(md.starts_with("## Call classification report\n\nAll recorded calls: 2,000 calls.\n\n| Category | Status |"), "{md}");
}

/// An agent name with ESC, a C1 CSI (U+009B) and a right-to-left override (U+202E).
const HOSTILE_AGENT: &str = "eve\x1b]0;pwned\x07\u{9b}31m\u{202e}gfx";

/// A store of three calls taken by `HOSTILE_AGENT`.
fn hostile_agent_desk() -> Filled {
    let desk = Filled::new(0, 1);
    let calls = deskbook_testkit::calls::calls(3, 1).map(|mut c| {
        c.agent = HOSTILE_AGENT.to_string();
        c
    });
    deskbook_testkit::calls::write_sqlite(&desk.db, calls).expect("calls written");
    desk
}

/// No raw control character (but newline and tab) nor bidirectional control in `text`.
fn no_raw_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && *c != '\t' && *c != '\r')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what}: raw controls {bad:?} in:\n{text}");
}

/// Regression: `report --format csv` on a terminal printed a recorded agent name's ESC,
/// C1 and bidirectional controls raw, and the HTML page kept U+202E in its cell. CSV on a
/// terminal shows them neutralised, as the table does; to a pipe or a file it keeps the
/// data as recorded. The HTML page shows each as `?`, as it does ESC.
#[test]
fn csv_on_a_terminal_and_html_show_control_characters_neutralised() {
    let desk = hostile_agent_desk();
    // On a terminal (`script`'s pseudo-terminal).
    let line = format!(
        "'{}' --db '{}' report --by agent --format csv",
        bin().display(),
        desk.db.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(desk.path())
        .env_remove("DESKBOOK_DB")
        .output()
        .expect("script (util-linux)");
    let shown = ok(&out);
    no_raw_controls("csv on a terminal", &shown);
    assert!(
        shown.contains("\r\neve^[]0;pwned^G<U+009B>31m<U+202E>gfx,3,1.0000,"),
        "{shown:?}"
    );
    // Piped: the recorded value as it is.
    let piped = ok(&desk.run(&["report", "--by", "agent", "--format", "csv"]));
    let mut r = csv::Reader::from_reader(piped.as_bytes());
    let rec = r.records().next().expect("a row").expect("record");
    assert_eq!(&rec[0], HOSTILE_AGENT);
    // HTML, to standard output and to a file alike.
    ok(&desk.run(&[
        "report", "--by", "agent", "--format", "html", "--out", "r.html",
    ]));
    let html = std::fs::read_to_string(desk.path().join("r.html")).expect("page");
    no_raw_controls("html", &html);
    assert!(html.contains("<td>eve?]0;pwned??31m?gfx</td>"), "{html}");
}

/// Regression: the table showed an open call's status as `open` while CSV left it empty
/// and JSON gave null, and both said a call without a category had one in the taxonomy.
/// Now every format says `open`, and a missing category is not looked up (null, empty).
#[test]
fn open_calls_read_open_in_every_format() {
    let desk = Filled::new(500, 3);
    let open = desk.calls.iter().filter(|c| c.status.is_none()).count();
    assert!(open > 0, "the generated calls hold open ones");
    let v: serde_json::Value =
        serde_json::from_str(&ok(&desk.run(&["report", "--format", "json"]))).expect("JSON");
    let groups = v["groups"].as_array().expect("groups");
    assert!(groups.iter().all(|g| g["status"].is_string()), "{v}");
    let counted: u64 = groups
        .iter()
        .filter(|g| g["status"] == "open")
        .filter_map(|g| g["count"].as_u64())
        .sum();
    assert_eq!(counted, open as u64);
    for g in groups {
        match g["category"].as_str() {
            None => assert_eq!(g["category_in_taxonomy"], serde_json::Value::Null, "{g}"),
            Some(_) => assert!(g["category_in_taxonomy"].is_boolean(), "{g}"),
        }
    }
    let text = ok(&desk.run(&["report", "--format", "csv"]));
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("record")).collect();
    let counted: u64 = rows
        .iter()
        .filter(|row| &row[1] == "open")
        .map(|row| row[4].parse::<u64>().expect("count"))
        .sum();
    assert_eq!(counted, open as u64);
    assert!(rows.iter().all(|row| !row[1].is_empty()), "{text}");
    for row in &rows {
        if row[0].is_empty() {
            assert_eq!(&row[3], "", "{text}");
        }
    }
    assert!(rows.iter().any(|row| row[0].is_empty()), "{text}");
}
