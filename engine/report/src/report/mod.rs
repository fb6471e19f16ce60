//! The call classification report (`deskbook report`): calls grouped by any of category,
//! status, playbook, rollout, agent, escalation tier and period, with their share of the
//! total, escalation rate, fixed-unclear rate and median and 90th percentile duration, as
//! a table, CSV, JSON, Markdown or a self-contained HTML page with SVG charts.
//!
//! The source material asks for "a call classification system so that help desk personnel
//! can provide clear reports about the volume and nature of IPsec-related problems"; this is
//! that report. The counting is the store's GROUP BY ([`deskbook_store::aggregate`]); this
//! module turns its groups into what people read.

mod csv;
mod format;
mod html;
mod markdown;
pub mod request;
mod svg;
mod table;

use deskbook_content::Content;
use deskbook_store::{AggregateQuery, GroupKey, StoreError};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::collections::HashMap;

pub use request::{Bound, Format, Request};

/// One group of calls: the store's row as it is (keys in `--by` order, `None` where the
/// call has no value, such as an open call's status).
pub use deskbook_store::GroupRow as Group;

/// What the HTML page draws besides its table: calls per category and status, and calls
/// and escalations per ISO week.
#[derive(Debug, Clone, PartialEq)]
pub struct Charts {
    /// Keys: category, status.
    pub by_category_status: Vec<Group>,
    /// Keys: week. In week order.
    pub by_week: Vec<Group>,
}

/// A finished report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub request: Request,
    pub total: u64,
    pub groups: Vec<Group>,
    /// Category id to title, from the effective taxonomy.
    pub titles: HashMap<String, String>,
    /// Only for the HTML format.
    pub charts: Option<Charts>,
}

/// Count the calls `request` asks for. `aggregate` is the store's GROUP BY (any backend).
pub fn build(
    request: Request,
    content: &Content,
    aggregate: impl Fn(&AggregateQuery) -> Result<Vec<Group>, StoreError>,
) -> Result<Report, StoreError> {
    let query = |by: Vec<GroupKey>| AggregateQuery {
        by,
        since: request.since.as_ref().map(|b| b.at.clone()),
        until: request.until.as_ref().map(|b| b.at.clone()),
    };
    let mut groups: Vec<Group> = aggregate(&query(request.by.clone()))?.into_iter().collect();
    sort(&request.by, &mut groups);
    let total = groups.iter().map(|g| g.count).sum();
    let charts = if request.format == Format::Html {
        let mut by_category_status: Vec<Group> =
            aggregate(&query(vec![GroupKey::Category, GroupKey::Status]))?
                .into_iter()
                .collect();
        sort(
            &[GroupKey::Category, GroupKey::Status],
            &mut by_category_status,
        );
        let mut by_week: Vec<Group> = aggregate(&query(vec![GroupKey::Week]))?
            .into_iter()
            .collect();
        sort(&[GroupKey::Week], &mut by_week);
        Some(Charts {
            by_category_status,
            by_week,
        })
    } else {
        None
    };
    let titles = content
        .taxonomy
        .categories
        .iter()
        .map(|c| (c.id.clone(), c.title.clone()))
        .collect();
    Ok(Report {
        request,
        total,
        groups,
        titles,
        charts,
    })
}

/// Periods in time order first (a report by week reads down the weeks), then the largest
/// groups, then the keys alphabetically so the order is stable.
fn sort(by: &[GroupKey], groups: &mut [Group]) {
    let periods: Vec<usize> = (0..by.len()).filter(|i| by[*i].is_period()).collect();
    groups.sort_by(|a, b| {
        for i in &periods {
            match a.keys[*i].cmp(&b.keys[*i]) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        b.count.cmp(&a.count).then_with(|| a.keys.cmp(&b.keys))
    });
}

impl Report {
    /// The report in its requested format, ending with a newline.
    pub fn render(&self) -> String {
        match self.request.format {
            Format::Table => table::render(self),
            Format::Csv => csv::render(self),
            Format::Json => {
                serde_json::to_string_pretty(&self.json()).unwrap_or_else(|_| "{}".into()) + "\n"
            }
            Format::Markdown => markdown::render(self),
            Format::Html => html::render(self),
        }
    }

    /// Where the `--by` list has `category`.
    fn category_index(&self) -> Option<usize> {
        self.request
            .by
            .iter()
            .position(|k| *k == GroupKey::Category)
    }

    /// The title of a category id, or `None` when the taxonomy no longer has it.
    pub fn title(&self, category: &str) -> Option<&str> {
        self.titles.get(category).map(String::as_str)
    }

    pub fn share(&self, g: &Group) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            g.count as f64 / self.total as f64
        }
    }

    /// Whether some group's category is not in the taxonomy.
    fn has_unknown_category(&self) -> bool {
        self.category_index().is_some_and(|i| {
            self.groups.iter().any(|g| {
                g.keys[i]
                    .as_deref()
                    .is_some_and(|c| self.title(c).is_none())
            })
        })
    }

    /// DESIGN.md's shape: `{"total": N, "groups": [{<by fields>, "count": N, ...}]}`, with
    /// the range, the fields and each group's rates and durations beside.
    pub fn json(&self) -> Value {
        let cat = self.category_index();
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let mut o = Map::new();
                for (k, v) in self.request.by.iter().zip(&g.keys) {
                    o.insert(k.name().into(), json!(key_value(*k, v.as_deref())));
                }
                if let Some(i) = cat {
                    let title = g.keys[i].as_deref().and_then(|c| self.title(c));
                    o.insert("category_title".into(), json!(title));
                    // No category: null, nothing to find in the taxonomy.
                    o.insert(
                        "category_in_taxonomy".into(),
                        json!(g.keys[i].as_ref().map(|_| title.is_some())),
                    );
                }
                o.insert("count".into(), json!(g.count));
                o.insert("share".into(), json!(round4(self.share(g))));
                o.insert("escalation_rate".into(), json!(round4(g.escalation_rate())));
                o.insert(
                    "fixed_unclear_rate".into(),
                    json!(round4(g.fixed_unclear_rate())),
                );
                o.insert("median_duration_ms".into(), json!(g.median_ms));
                o.insert("p90_duration_ms".into(), json!(g.p90_ms));
                Value::Object(o)
            })
            .collect();
        json!({
            "total": self.total,
            "since": self.request.since.as_ref().map(|b| &b.at),
            "until": self.request.until.as_ref().map(|b| &b.at),
            "by": self.request.by.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "groups": groups,
        })
    }

    /// How a key reads in the table, CSV-free formats: `open` for a call without status,
    /// `-` for no value.
    fn key_text(&self, key: GroupKey, value: Option<&str>) -> String {
        match (key, value) {
            (GroupKey::Status, None) => "open".into(),
            (GroupKey::Escalate, None) => "none".into(),
            (GroupKey::Rollout, Some("")) => "(none)".into(),
            (_, None) => "-".into(),
            (_, Some(v)) => v.into(),
        }
    }

    /// The range in words: `calls that started from 2026-11-01 until 2026-11-30`.
    fn range_text(&self) -> String {
        match (&self.request.since, &self.request.until) {
            (None, None) => "all recorded calls".into(),
            (Some(s), None) => format!("calls that started from {}", s.given),
            (None, Some(u)) => format!("calls that started until {}", u.given),
            (Some(s), Some(u)) => {
                format!("calls that started from {} until {}", s.given, u.given)
            }
        }
    }
}

/// A group's key as CSV and JSON give it: an open call's status is `open`, as the table
/// shows it; any other missing value stays missing (`null`, an empty cell).
fn key_value(key: GroupKey, value: Option<&str>) -> Option<String> {
    match (key, value) {
        (GroupKey::Status, None) => Some("open".into()),
        (_, v) => v.map(str::to_string),
    }
}

/// Recorded text (agent names, categories written by other programs) on one line with
/// control characters made visible (`^[`), so nothing it holds reaches a terminal as an
/// escape sequence.
pub(crate) fn terminal_safe(text: &str) -> String {
    deskbook_content::terminal::neutralise_line(text).into_owned()
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests;
