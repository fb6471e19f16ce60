//! `--format html`: one self-contained page (no network, no script, no external style or
//! font; a Content-Security-Policy says so to the browser) with three SVG charts — calls
//! per category stacked by status, calls per ISO week, escalation rate per ISO week — and
//! the table of the requested grouping.

use deskbook_store::GroupKey;
use jiff::civil::{ISOWeekDate, Weekday};
use std::collections::BTreeMap;
use std::fmt::Write;

use super::svg::{self, esc, Bar, Chart, Series};
use super::{format, Charts, Group, Report};

/// Statuses in the order their segments stack, with their colours.
const STATUSES: [(&str, &str); 4] = [
    ("fixed-understood", "#2e7d32"),
    ("fixed-unclear", "#f9a825"),
    ("not-fixed", "#c62828"),
    ("open", "#757575"),
];
/// The bar of calls without a category (open calls); not a category id.
const NO_CATEGORY: &str = "\u{0}none";

/// A status no playbook ends with (written by another program).
const OTHER_STATUS: &str = "#5e35b1";

/// More weeks than this between the first and the last call: only weeks with calls get a
/// place on the axis.
const MAX_WEEK_SLOTS: usize = 260;

const STYLE: &str = "body{margin:0;background:#f6f6f4;color:#1a1a1a;font:15px/1.45 \"DejaVu Sans\",Verdana,sans-serif}\
main{max-width:920px;margin:0 auto;padding:24px 20px 48px}\
h1{font-size:26px;margin:0 0 6px}h2{font-size:19px;margin:28px 0 10px}\
.range{margin:0 0 18px;color:#333}\
figure{margin:0 0 22px;background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 0;overflow-x:auto}\
figcaption{font-size:13px;color:#444;padding:0 16px}\
table{border-collapse:collapse;background:#fff;width:100%;font-size:14px}\
th,td{border:1px solid #ccc;padding:5px 8px;text-align:left}\
th{background:#ecece8}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.unknown{color:#8a1c1c;font-size:12px}";

pub fn render(r: &Report) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Call classification report</title>\n",
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>\n<main>");
    out.push_str("<h1>Call classification report</h1>\n");
    let mut range = r.range_text();
    if let Some(first) = range.get(..1) {
        range = first.to_uppercase() + &range[1..];
    }
    let _ = writeln!(
        out,
        "<p class=\"range\">{}: <strong>{}</strong> calls.</p>",
        esc(&range),
        format::count(r.total)
    );
    if let Some(charts) = &r.charts {
        for chart in [
            category_chart(r, charts),
            week_chart(charts, false),
            week_chart(charts, true),
        ] {
            let _ = writeln!(out, "<figure>{}</figure>", svg::render(&chart));
        }
    }
    out.push_str(&table(r));
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

fn status_color(status: &str) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, c)| *c)
        .unwrap_or(OTHER_STATUS)
}

/// Calls per category, one bar each (largest first), stacked by status.
fn category_chart<'a>(r: &Report, charts: &Charts) -> Chart<'a> {
    let mut statuses: Vec<String> = STATUSES.iter().map(|(s, _)| s.to_string()).collect();
    let mut per: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for g in &charts.by_category_status {
        let category = g.keys[0].clone().unwrap_or_else(|| NO_CATEGORY.into());
        let status = g.keys[1].clone().unwrap_or_else(|| "open".into());
        if !statuses.contains(&status) {
            statuses.push(status.clone());
        }
        *per.entry(category).or_default().entry(status).or_default() += g.count;
    }
    let used: Vec<String> = statuses
        .into_iter()
        .filter(|s| per.values().any(|m| m.contains_key(s)))
        .collect();
    let mut bars: Vec<(u64, String, Bar)> = per
        .into_iter()
        .map(|(category, counts)| {
            let total: u64 = counts.values().sum();
            let label = match r.title(&category) {
                Some(t) => t.to_string(),
                None if category == NO_CATEGORY => "(no category: open calls)".to_string(),
                None => format!("{category} (not in the taxonomy)"),
            };
            let tooltip = if category == NO_CATEGORY {
                format!("{label}: {} calls", format::count(total))
            } else {
                format!("{label} [{category}]: {} calls", format::count(total))
            };
            let values = used
                .iter()
                .map(|s| counts.get(s).copied().unwrap_or(0) as f64)
                .collect();
            (
                total,
                category,
                Bar {
                    label,
                    values,
                    tooltip,
                },
            )
        })
        .collect();
    bars.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Chart {
        id: "category-status",
        title: "Calls per category, by status".into(),
        category_axis: "Category".into(),
        value_axis: "Calls".into(),
        series: used
            .iter()
            .map(|s| Series {
                name: s.clone(),
                color: status_color(s),
            })
            .collect(),
        slots: bars
            .into_iter()
            .map(|(_, _, b)| (b.label.clone(), Some(b)))
            .collect(),
        horizontal: true,
        max: None,
        tick: |v| format::count(v.round() as u64),
    }
}

/// Calls (or the escalation rate) per ISO week, weeks without calls kept as gaps.
fn week_chart<'a>(charts: &Charts, rate: bool) -> Chart<'a> {
    let weeks: BTreeMap<&str, &Group> = charts
        .by_week
        .iter()
        .filter_map(|g| g.keys[0].as_deref().map(|w| (w, g)))
        .collect();
    let labels = week_slots(&weeks.keys().copied().collect::<Vec<_>>());
    let slots = labels
        .into_iter()
        .map(|w| {
            let bar = weeks.get(w.as_str()).map(|g| {
                let value = if rate {
                    g.escalation_rate()
                } else {
                    g.count as f64
                };
                let tooltip = if rate {
                    format!(
                        "{w}: {} of {} calls escalated",
                        format::count(g.escalated),
                        format::count(g.count)
                    )
                } else {
                    format!("{w}: {} calls", format::count(g.count))
                };
                Bar {
                    label: w.clone(),
                    values: vec![value],
                    tooltip,
                }
            });
            (w, bar)
        })
        .collect();
    if rate {
        Chart {
            id: "escalation-week",
            title: "Escalation rate per week".into(),
            category_axis: "ISO week (UTC)".into(),
            value_axis: "Calls escalated to Tier 2 or 3".into(),
            series: vec![Series {
                name: "escalated (share of the week's calls)".into(),
                color: "#c62828",
            }],
            slots,
            horizontal: false,
            max: Some(1.0),
            tick: |v| format::percent(v, 0),
        }
    } else {
        Chart {
            id: "calls-week",
            title: "Calls per week".into(),
            category_axis: "ISO week (UTC)".into(),
            value_axis: "Calls".into(),
            series: vec![Series {
                name: "calls".into(),
                color: "#1565c0",
            }],
            slots,
            horizontal: false,
            max: None,
            tick: |v| format::count(v.round() as u64),
        }
    }
}

/// Every ISO week from the first to the last label (`2026-W49`), or only the labels when
/// they are years apart or do not parse.
fn week_slots(labels: &[&str]) -> Vec<String> {
    let only = || labels.iter().map(|l| l.to_string()).collect();
    let parse = |l: &str| -> Option<jiff::civil::Date> {
        let (y, w) = l.split_once("-W")?;
        ISOWeekDate::new(y.parse().ok()?, w.parse().ok()?, Weekday::Monday)
            .ok()
            .map(|d| d.date())
    };
    let (Some(first), Some(last)) = (
        labels.first().and_then(|l| parse(l)),
        labels.last().and_then(|l| parse(l)),
    ) else {
        return only();
    };
    let mut out = Vec::new();
    let mut d = first;
    while d <= last {
        if out.len() > MAX_WEEK_SLOTS {
            return only();
        }
        let w = d.iso_week_date();
        out.push(format!("{:04}-W{:02}", w.year(), w.week()));
        match d.checked_add(jiff::Span::new().days(7)) {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    out
}

/// The requested grouping as an HTML table.
fn table(r: &Report) -> String {
    let mut s = String::new();
    let by: Vec<&str> = r.request.by.iter().map(|k| k.name()).collect();
    let _ = writeln!(s, "<h2>Calls by {}</h2>", esc(&by.join(", ")));
    s.push_str("<table>\n<thead><tr>");
    for k in &by {
        let _ = write!(s, "<th scope=\"col\">{}</th>", esc(k));
    }
    for h in [
        "Calls",
        "Share",
        "Escalated",
        "Fixed unclear",
        "Median",
        "p90",
    ] {
        let _ = write!(s, "<th scope=\"col\">{h}</th>");
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for g in &r.groups {
        s.push_str("<tr>");
        for (k, v) in r.request.by.iter().zip(&g.keys) {
            match (k, v.as_deref()) {
                (GroupKey::Category, Some(c)) => match r.title(c) {
                    Some(t) => {
                        let _ = write!(s, "<td title=\"{}\">{}</td>", esc(c), esc(t));
                    }
                    None => {
                        let _ = write!(
                            s,
                            "<td>{} <span class=\"unknown\">(not in the taxonomy)</span></td>",
                            esc(c)
                        );
                    }
                },
                _ => {
                    let _ = write!(s, "<td>{}</td>", esc(&r.key_text(*k, v.as_deref())));
                }
            }
        }
        for n in [
            format::count(g.count),
            format::percent(r.share(g), 1),
            format::percent(g.escalation_rate(), 1),
            format::percent(g.fixed_unclear_rate(), 1),
            format::duration(g.median_ms),
            format::duration(g.p90_ms),
        ] {
            let _ = write!(s, "<td class=\"n\">{n}</td>");
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    if r.groups.is_empty() {
        s.push_str("<p>No calls in this range.</p>\n");
    }
    s.push_str(
        "<p>Escalated: to Tier 2 or 3. Median and p90: duration of the calls that ended.</p>\n",
    );
    s
}
