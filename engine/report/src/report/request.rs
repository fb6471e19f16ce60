//! What `deskbook report` is asked: the range (`--since`, `--until`), the grouping (`--by`)
//! and the format, checked with a message that names the value and what was expected.

use deskbook_store::GroupKey;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::ReportError;

/// The grouping when `--by` is not given (DESIGN.md).
pub const DEFAULT_BY: [GroupKey; 2] = [GroupKey::Category, GroupKey::Status];

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned columns, 80 wide when the keys allow.
    #[default]
    Table,
    Csv,
    Json,
    Markdown,
    /// One self-contained page with SVG charts.
    Html,
}

/// One end of the range: what was typed and the instant it means (RFC 3339 UTC, as the
/// store keeps `started_at`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub given: String,
    pub at: String,
}

/// A checked request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub by: Vec<GroupKey>,
    /// Calls that started at or after this instant.
    pub since: Option<Bound>,
    /// Calls that started before this instant (for a date: before the next day).
    pub until: Option<Bound>,
    pub format: Format,
}

impl Request {
    /// Check the command-line values.
    pub fn parse(
        since: Option<&str>,
        until: Option<&str>,
        by: Option<&str>,
        format: Format,
    ) -> Result<Request, ReportError> {
        let since = since.map(|v| bound("--since", v, false)).transpose()?;
        let until = until.map(|v| bound("--until", v, true)).transpose()?;
        if let (Some(s), Some(u)) = (&since, &until) {
            if u.at <= s.at {
                return Err(ReportError::Input(format!(
                    "--until {} is before --since {}: the range holds no calls; give an --until on or after --since",
                    u.given, s.given
                )));
            }
        }
        let by = match by {
            Some(list) => parse_by(list)?,
            None => DEFAULT_BY.to_vec(),
        };
        Ok(Request {
            by,
            since,
            until,
            format,
        })
    }
}

fn fields() -> String {
    GroupKey::ALL.map(GroupKey::name).join(", ")
}

/// `--by category,status`: known fields, each once.
fn parse_by(list: &str) -> Result<Vec<GroupKey>, ReportError> {
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(ReportError::Input(format!(
                "--by {list:?}: an empty field; expected a comma-separated list of {}",
                fields()
            )));
        }
        let key = GroupKey::parse(&name.to_ascii_lowercase()).ok_or_else(|| {
            ReportError::Input(format!(
                "--by {list}: unknown field `{}`; expected a comma-separated list of {}",
                neutralise(name),
                fields()
            ))
        })?;
        if out.contains(&key) {
            return Err(ReportError::Input(format!(
                "--by {list}: `{}` is given twice",
                key.name()
            )));
        }
        out.push(key);
    }
    Ok(out)
}

/// A date (`2026-11-30`, the whole day in UTC), a date-time in UTC (`2026-11-30T14:00`), or
/// an instant with its offset (`2026-11-30T14:00:00Z`, `2026-11-30T15:00+01:00`).
fn bound(flag: &str, value: &str, end: bool) -> Result<Bound, ReportError> {
    let bad = || {
        ReportError::Input(format!(
            "{flag} {}: not a valid date or date-time; expected an ISO date such as 2026-11-30, \
             or a date-time such as 2026-11-30T14:00 (UTC) or 2026-11-30T14:00:00+01:00",
            neutralise(value)
        ))
    };
    let v = value.trim();
    let ts: Timestamp = if !v.contains(['T', 't', ' ']) {
        let date: Date = v.parse().map_err(|_| bad())?;
        let date = if end {
            date.tomorrow().map_err(|_| bad())?
        } else {
            date
        };
        TimeZone::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .map_err(|_| bad())?
    } else if let Ok(ts) = v.parse::<Timestamp>() {
        // jiff takes offsets up to ±25:59; a UTC offset is at most ±23:59 (RFC 3339, and
        // `+23:60` is refused).
        let offset = jiff::fmt::temporal::Pieces::parse(v)
            .ok()
            .and_then(|p| p.to_numeric_offset())
            .map_or(0, |o| o.seconds());
        if offset.unsigned_abs() >= 24 * 3600 {
            return Err(bad());
        }
        ts
    } else {
        let dt: DateTime = v.parse().map_err(|_| bad())?;
        TimeZone::UTC.to_timestamp(dt).map_err(|_| bad())?
    };
    let ms = ts.as_millisecond();
    // The store keeps four-digit years (RFC 3339 text compared as text).
    let earliest = 0; // 1970-01-01
    let latest = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    if !(earliest..=latest).contains(&ms) {
        return Err(ReportError::Input(format!(
            "{flag} {}: out of range; expected a date from 1970-01-01 to 9999-12-31",
            neutralise(value)
        )));
    }
    Ok(Bound {
        given: neutralise(value),
        at: deskbook_store::time::format_unix_millis(ms),
    })
}

/// A typed value cut to 40 characters with control characters made visible, for messages.
fn neutralise(value: &str) -> String {
    let cut: String = value.chars().take(40).collect();
    let mut out = deskbook_content::terminal::neutralise_line(&cut).into_owned();
    if value.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<Request, ReportError>) -> String {
        match r {
            Ok(r) => format!("accepted: {r:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn dates_and_date_times_become_utc_instants() -> Result<(), ReportError> {
        let r = Request::parse(Some("2026-11-01"), Some("2026-11-30"), None, Format::Json)?;
        assert_eq!(
            r.since.map(|b| b.at).as_deref(),
            Some("2026-11-01T00:00:00.000Z")
        );
        // A date as --until takes in that whole day.
        assert_eq!(
            r.until.map(|b| b.at).as_deref(),
            Some("2026-12-01T00:00:00.000Z")
        );
        assert_eq!(r.by, DEFAULT_BY);
        let r = Request::parse(
            Some("2026-11-01T14:30"),
            Some("2026-11-01T16:00:00+01:00"),
            Some("week, Agent"),
            Format::Json,
        )?;
        assert_eq!(
            r.since.map(|b| b.at).as_deref(),
            Some("2026-11-01T14:30:00.000Z")
        );
        assert_eq!(
            r.until.map(|b| b.at).as_deref(),
            Some("2026-11-01T15:00:00.000Z")
        );
        assert_eq!(r.by, [GroupKey::Week, GroupKey::Agent]);
        let r = Request::parse(Some("2026-11-01T14:30:00Z"), None, None, Format::Json)?;
        assert_eq!(
            r.since.map(|b| b.at).as_deref(),
            Some("2026-11-01T14:30:00.000Z")
        );
        Ok(())
    }

    #[test]
    fn bad_values_name_the_value_and_what_was_expected() {
        assert_eq!(
            msg(Request::parse(Some("2026-13-01"), None, None, Format::Table)),
            "--since 2026-13-01: not a valid date or date-time; expected an ISO date such as 2026-11-30, or a date-time such as 2026-11-30T14:00 (UTC) or 2026-11-30T14:00:00+01:00"
        );
        assert_eq!(
            msg(Request::parse(None, Some("2026-02-30"), None, Format::Table)),
            "--until 2026-02-30: not a valid date or date-time; expected an ISO date such as 2026-11-30, or a date-time such as 2026-11-30T14:00 (UTC) or 2026-11-30T14:00:00+01:00"
        );
        assert_eq!(
            msg(Request::parse(Some("2026-11-02"), Some("2026-11-01"), None, Format::Table)),
            "--until 2026-11-01 is before --since 2026-11-02: the range holds no calls; give an --until on or after --since"
        );
        assert_eq!(
            msg(Request::parse(None, None, Some("category,colour"), Format::Table)),
            "--by category,colour: unknown field `colour`; expected a comma-separated list of category, status, playbook, rollout, agent, escalate, day, week, month"
        );
        assert_eq!(
            msg(Request::parse(None, None, Some("week,week"), Format::Table)),
            "--by week,week: `week` is given twice"
        );
        assert_eq!(
            msg(Request::parse(None, None, Some("category,"), Format::Table)),
            "--by \"category,\": an empty field; expected a comma-separated list of category, status, playbook, rollout, agent, escalate, day, week, month"
        );
        // An offset beyond ±23:59, as `+23:60`.
        for offset in ["+25:00", "+24:00", "-24:30", "+23:60"] {
            assert_eq!(
                msg(Request::parse(
                    Some(&format!("2026-11-01T08:00{offset}")),
                    None,
                    None,
                    Format::Table
                )),
                format!("--since 2026-11-01T08:00{offset}: not a valid date or date-time; expected an ISO date such as 2026-11-30, or a date-time such as 2026-11-30T14:00 (UTC) or 2026-11-30T14:00:00+01:00")
            );
        }
        assert!(Request::parse(Some("2026-11-01T08:00-23:59"), None, None, Format::Table).is_ok());
        assert_eq!(
            msg(Request::parse(
                Some("1969-12-31"),
                None,
                None,
                Format::Table
            )),
            "--since 1969-12-31: out of range; expected a date from 1970-01-01 to 9999-12-31"
        );
    }
}
