//! `report --format html` opened in headless Chromium: no console errors (the page's own
//! Content-Security-Policy turns any external load into one), each chart has the bars the
//! data implies, and a screenshot is kept in `<target>/test-artefacts/report.png`.

mod report_support;

use report_support::*;
use std::collections::BTreeSet;

#[test]
fn html_report_renders_in_chromium_with_the_bars_the_data_implies() {
    let desk = Filled::new(5_000, 11);
    let out = desk.path().join("report.html");
    let o = desk.run(&["report", "--format", "html", "--out", "report.html"]);
    assert_eq!(ok(&o), "", "--out writes nothing to standard output");
    let page = load(&out);
    assert!(
        page.console.is_empty(),
        "console messages: {:#?}",
        page.console
    );

    // What the generated calls imply.
    let categories: BTreeSet<Option<&str>> = desk.calls.iter().map(|c| c.category).collect();
    let weeks: BTreeSet<i64> = desk
        .calls
        .iter()
        .map(|c| (c.started_ms - deskbook_testkit::calls::FIRST_DAY_MS) / (7 * 86_400_000))
        .collect();
    let pairs: BTreeSet<(Option<&str>, Option<&str>)> =
        desk.calls.iter().map(|c| (c.category, c.status)).collect();

    let cat = svg(&page.dom, "chart-category-status");
    assert_eq!(cat.matches("class=\"bar\"").count(), categories.len());
    assert_eq!(cat.matches("class=\"segment\"").count(), pairs.len());
    for id in ["chart-calls-week", "chart-escalation-week"] {
        let chart = svg(&page.dom, id);
        assert_eq!(chart.matches("class=\"bar\"").count(), weeks.len(), "{id}");
    }
    // Titles, axis labels and legends on every chart.
    for (id, title, axis) in [
        (
            "chart-category-status",
            "Calls per category, by status",
            "Category",
        ),
        ("chart-calls-week", "Calls per week", "ISO week (UTC)"),
        (
            "chart-escalation-week",
            "Escalation rate per week",
            "ISO week (UTC)",
        ),
    ] {
        let chart = svg(&page.dom, id);
        assert!(chart.contains(&format!(">{title}</text>")), "{id} title");
        assert!(chart.contains("class=\"axis-label\""), "{id} axis labels");
        assert!(chart.contains(&format!(">{axis}</text>")), "{id}: {axis}");
        assert!(chart.contains("class=\"legend\""), "{id} legend");
    }
    // The retired category is counted and marked; the table is there.
    assert!(page.dom.contains("legacy-nap (not in the taxonomy)"));
    assert!(page.dom.contains("<h2>Calls by category, status</h2>"));

    let png = artefacts().join("report.png");
    screenshot(&out, &png, 1000, 2400);
}

/// The console check can fail: a page that logs an error, or loads from the network under
/// the report's policy, is caught.
#[test]
fn console_messages_are_caught() {
    let dir = tempfile::tempdir().expect("dir");
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"></head>\
         <body><img src=\"https://example.invalid/x.png\"></body></html>",
    )
    .expect("page");
    let loaded = load(&page);
    assert_eq!(loaded.console.len(), 1, "{:#?}", loaded.console);
    assert!(loaded.console[0].contains("violates the following Content Security Policy"));
}
