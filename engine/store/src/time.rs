//! Timestamps as RFC 3339 UTC text with milliseconds (`2026-11-01T14:03:07.512Z`).
//!
//! Text sorts in time order, reads well in a transcript, and PostgreSQL parses it into a
//! `timestamptz`, so the schema stays portable without a date type. The calendar is jiff's.

use jiff::Timestamp;

/// The format every stored time has.
const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// The current time.
pub fn now() -> String {
    format(Timestamp::now())
}

/// A timestamp in the stored format.
pub fn format(t: Timestamp) -> String {
    t.strftime(FORMAT).to_string()
}

/// Milliseconds since 1970-01-01T00:00:00Z in the stored format.
pub fn format_unix_millis(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(format)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// Milliseconds from `start` to `end` (stored times); `None` when either does not parse.
pub fn millis_between(start: &str, end: &str) -> Option<i64> {
    let a: Timestamp = start.parse().ok()?;
    let b: Timestamp = end.parse().ok()?;
    Some(b.as_millisecond() - a.as_millisecond())
}

/// Which end of a time range a command-line value gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// `--since`: from this instant on (a date: from its first moment, UTC).
    Since,
    /// `--until`: before this instant (a date: to its end, so the day is included).
    Until,
}

/// A `--since`/`--until` value (`2026-11-01`, `2026-11-01T14:00:00Z`, `2026-11-01T14:00`
/// taken as UTC, or with an offset) as a stored time, or a message naming the value and
/// what was expected.
pub fn parse_bound(flag: &str, value: &str, bound: Bound) -> Result<String, String> {
    let v = value.trim();
    let expected = "expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM[:SS], UTC unless it ends with Z or an offset such as +02:00)";
    if let Ok(t) = v.parse::<Timestamp>() {
        return Ok(format(t));
    }
    if let Ok(dt) = v.parse::<jiff::civil::DateTime>() {
        if v.contains('T') || v.contains(' ') {
            return dt
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .map(|z| format(z.timestamp()))
                .map_err(|e| format!("{flag} {value}: {e}"));
        }
    }
    match v.parse::<jiff::civil::Date>() {
        Ok(d) => {
            let day = match bound {
                Bound::Since => Ok(d),
                Bound::Until => d.tomorrow(),
            };
            day.and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC))
                .map(|z| format(z.timestamp()))
                .map_err(|e| format!("{flag} {value}: {e}"))
        }
        Err(e) => {
            let why = e.to_string();
            // jiff says what was wrong (`parameter 'month' is not in the required range of 1..=12`)
            // when the text has the shape of a date.
            let shaped = v.len() >= 10 && v.as_bytes().get(4) == Some(&b'-');
            if shaped {
                Err(format!(
                    "{flag} {value}: not a valid date ({why}); {expected}"
                ))
            } else {
                Err(format!("{flag} {value}: not a date; {expected}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_unix_millis(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day in a century leap year), 12:34:56.789.
        assert_eq!(
            format_unix_millis(951_827_696_789),
            "2000-02-29T12:34:56.789Z"
        );
        assert_eq!(
            format_unix_millis(1_793_541_787_512),
            "2026-11-01T14:03:07.512Z"
        );
        assert_eq!(format_unix_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(now().len(), 24);
    }

    #[test]
    fn command_line_bounds() {
        assert_eq!(
            parse_bound("--since", "2026-11-01", Bound::Since),
            Ok("2026-11-01T00:00:00.000Z".to_string())
        );
        assert_eq!(
            parse_bound("--until", "2026-11-30", Bound::Until),
            Ok("2026-12-01T00:00:00.000Z".to_string())
        );
        assert_eq!(
            parse_bound("--since", "2026-11-01T14:30", Bound::Since),
            Ok("2026-11-01T14:30:00.000Z".to_string())
        );
        assert_eq!(
            parse_bound("--since", "2026-11-01T14:30:00+02:00", Bound::Since),
            Ok("2026-11-01T12:30:00.000Z".to_string())
        );
        assert!(parse_bound("--since", "2026-13-01", Bound::Since)
            .is_err_and(|e| e.starts_with("--since 2026-13-01: not a valid date (")));
        assert!(parse_bound("--since", "last week", Bound::Since)
            .is_err_and(|e| e.starts_with("--since last week: not a date; expected")));
    }

    #[test]
    fn durations_between_stored_times() {
        assert_eq!(
            millis_between("2026-11-01T14:03:07.512Z", "2026-11-01T14:04:08.000Z"),
            Some(60_488)
        );
        assert_eq!(
            millis_between("yesterday", "2026-11-01T14:04:08.000Z"),
            None
        );
    }
}
