//! The formats over a report built by hand: widths, parsing, shapes, marks.

use super::*;

fn g(keys: &[Option<&str>], count: u64, escalated: u64, unclear: u64, med: Option<i64>) -> Group {
    Group {
        keys: keys.iter().map(|k| k.map(str::to_string)).collect(),
        count,
        escalated,
        fixed_unclear: unclear,
        median_ms: med,
        p90_ms: med.map(|m| m * 3),
    }
}

fn report(format: Format) -> Report {
    let request =
        Request::parse(Some("2026-11-01"), Some("2026-11-30"), None, format).expect("request");
    let groups = vec![
        g(
            &[Some("kerberos-authentication"), Some("fixed-understood")],
            812_345,
            4,
            0,
            Some(412_000),
        ),
        g(
            &[Some("network-connectivity"), Some("not-fixed")],
            120_000,
            110_000,
            0,
            Some(1_500_000),
        ),
        g(
            &[Some("legacy-nap"), Some("fixed-unclear")],
            7,
            0,
            7,
            Some(90_000),
        ),
        g(&[None, None], 3, 0, 0, None),
    ];
    let total = groups.iter().map(|g| g.count).sum();
    let charts = (format == Format::Html).then(|| Charts {
        by_category_status: groups.clone(),
        by_week: vec![
            g(&[Some("2026-W45")], 500_000, 50_000, 0, None),
            g(&[Some("2026-W47")], 432_355, 60_000, 7, None),
        ],
    });
    Report {
        request,
        total,
        groups,
        titles: [
            ("kerberos-authentication", "Kerberos authentication"),
            ("network-connectivity", "Network connectivity"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
        charts,
    }
}

#[test]
fn table_fits_80_columns_and_marks_unknown_categories() {
    let text = report(Format::Table).render();
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert_eq!(
        text,
        "Call classification report: 932,355 calls
calls that started from 2026-11-01 until 2026-11-30

category                 status             calls share esc uncl median    p90
kerberos-authentication  fixed-understood  812345 87.1%  0%   0%  6m52s 20m36s
network-connectivity     not-fixed         120000 12.9% 92%   0% 25m00s  1h15m
legacy-nap*              fixed-unclear          7  0.0%  0% 100%  1m30s  4m30s
-                        open                   3  0.0%  0%   0%      -      -

esc: escalated to Tier 2 or 3; uncl: ended fixed-unclear; median, p90: call
duration of the calls that ended.
* a category the taxonomy no longer has (counted as recorded).
"
    );
    // Three key columns: the widest is cut to fit.
    let mut r = report(Format::Table);
    r.request.by = vec![GroupKey::Category, GroupKey::Status, GroupKey::Agent];
    for g in &mut r.groups {
        g.keys
            .push(Some("a-very-long-agent-name-from-the-directory".into()));
    }
    let text = r.render();
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(text.contains("…"), "{text}");
}

// Regression: nine key columns were each cut to four characters to fit 80 columns, so
// every date read `202…`, `fix…` stood for two statuses and the `*` of a retired category
// was cut off while its footnote printed. A column is cut only while its values still
// read apart; the table grows wider instead, and the mark stays.
#[test]
fn table_keys_stay_unambiguous_and_marked_however_many() {
    let mut r = report(Format::Table);
    r.request.by = vec![
        GroupKey::Day,
        GroupKey::Week,
        GroupKey::Month,
        GroupKey::Agent,
        GroupKey::Rollout,
        GroupKey::Playbook,
        GroupKey::Escalate,
        GroupKey::Status,
        GroupKey::Category,
    ];
    let keys = [
        [
            "2026-11-02",
            "2026-W45",
            "2026-11",
            "alice",
            "phase-1",
            "tier1-triage",
            "tier2",
            "fixed-understood",
            "kerberos-authentication",
        ],
        [
            "2026-11-03",
            "2026-W45",
            "2026-11",
            "alice",
            "phase-1",
            "tier1-triage",
            "tier2",
            "fixed-unclear",
            "legacy-nap",
        ],
    ];
    r.groups = keys
        .iter()
        .map(|k| g(&k.map(Some), 5, 1, 1, Some(60_000)))
        .collect();
    r.total = 10;
    let text = r.render();
    assert_eq!(
        text,
        "Call classification report: 10 calls
calls that started from 2026-11-01 until 2026-11-30

day         week      month    agent  rollout  playbook    escalate  status            category    calls share esc uncl median   p90
2026-11-02  2026-W45  2026-11  alice  phase-1  tier1-tri…  tier2     fixed-understood  kerberos-…      5 50.0% 20%  20%  1m00s 3m00s
2026-11-03  2026-W45  2026-11  alice  phase-1  tier1-tri…  tier2     fixed-unclear     legacy-n…*      5 50.0% 20%  20%  1m00s 3m00s

esc: escalated to Tier 2 or 3; uncl: ended fixed-unclear; median, p90: call
duration of the calls that ended.
* a category the taxonomy no longer has (counted as recorded).
"
    );
    // A name column is cut only while its values read apart: two agents that differ at
    // the end are shown whole.
    let mut r = report(Format::Table);
    r.request.by = vec![GroupKey::Category, GroupKey::Status, GroupKey::Agent];
    for (n, g) in r.groups.iter_mut().enumerate() {
        g.keys.push(Some(format!(
            "a-very-long-agent-name-from-the-directory-{}",
            n % 2
        )));
    }
    let text = r.render();
    assert!(
        text.contains("-directory-0  812345") && text.contains("-directory-1  120000"),
        "{text}"
    );
}

#[test]
fn csv_parses_with_a_csv_reader() {
    let text = report(Format::Csv).render();
    let mut r = ::csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header,
        [
            "category",
            "status",
            "category_title",
            "category_in_taxonomy",
            "count",
            "share",
            "escalation_rate",
            "fixed_unclear_rate",
            "median_duration_ms",
            "p90_duration_ms"
        ]
    );
    let rows: Vec<::csv::StringRecord> = r.records().map(|x| x.expect("record")).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][0], "kerberos-authentication");
    assert_eq!(&rows[0][2], "Kerberos authentication");
    assert_eq!(&rows[0][4], "812345");
    assert_eq!(&rows[2][0], "legacy-nap");
    assert_eq!(&rows[2][3], "false");
    // An open call without a category: `open`, as in the table; nothing to look up.
    assert_eq!(&rows[3][0], "");
    assert_eq!(&rows[3][1], "open");
    assert_eq!(&rows[3][3], "");
    assert_eq!(&rows[0][3], "true");
    let sum: u64 = rows
        .iter()
        .map(|r| r[4].parse::<u64>().expect("count"))
        .sum();
    assert_eq!(sum, 932_355);
}

#[test]
fn json_keeps_the_design_shape() {
    let v = report(Format::Json).json();
    assert_eq!(v["total"], 932_355);
    assert_eq!(v["by"], serde_json::json!(["category", "status"]));
    let first = &v["groups"][0];
    assert_eq!(first["category"], "kerberos-authentication");
    assert_eq!(first["status"], "fixed-understood");
    assert_eq!(first["count"], 812_345);
    assert_eq!(first["category_title"], "Kerberos authentication");
    assert_eq!(v["groups"][1]["escalation_rate"], 0.9167);
    assert_eq!(v["groups"][2]["category_in_taxonomy"], false);
    // An open call without a category: `open`, as in the table; nothing to look up.
    assert_eq!(v["groups"][3]["status"], "open");
    assert_eq!(v["groups"][3]["category"], serde_json::Value::Null);
    assert_eq!(
        v["groups"][3]["category_in_taxonomy"],
        serde_json::Value::Null
    );
    assert_eq!(v["groups"][0]["category_in_taxonomy"], true);
    assert_eq!(v["since"], "2026-11-01T00:00:00.000Z");
}

#[test]
fn markdown_has_titles_and_marks() {
    let text = report(Format::Markdown).render();
    assert!(text.contains("| Category | Status | Calls | Share | Escalated | Fixed unclear | Median | p90 |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"), "{text}");
    assert!(text.contains("| Kerberos authentication (`kerberos-authentication`) | fixed-understood | 812,345 | 87.1% | 0.0% | 0.0% | 6m52s | 20m36s |\n"), "{text}");
    assert!(
        text.contains("| `legacy-nap` (not in the taxonomy) | fixed-unclear |"),
        "{text}"
    );
    assert!(text.contains("| - | open | 3 |"), "{text}");
}

#[test]
fn html_is_self_contained_with_three_charts() {
    let text = report(Format::Html).render();
    assert!(text.starts_with("<!DOCTYPE html>"));
    for forbidden in ["<script", "http://", "https://", "<link", "@import", "url("] {
        let allowed = forbidden == "http://"
            && text.matches(forbidden).count()
                == text.matches("http://www.w3.org/2000/svg").count();
        assert!(allowed || !text.contains(forbidden), "{forbidden}");
    }
    for id in [
        "chart-category-status",
        "chart-calls-week",
        "chart-escalation-week",
    ] {
        assert!(text.contains(&format!("<svg id=\"{id}\"")), "{id}");
    }
    // Three weeks on the axis (45 to 47), two with calls.
    assert_eq!(
        text.matches("2026-W46").count(),
        2,
        "a labelled gap in each week chart"
    );
    assert!(text.contains("legacy-nap (not in the taxonomy)"));
}
