//! Generated calls for the report's tests and benchmarks: N calls with the spreads a help
//! desk in an isolation rollout sees (categories led by network and policy problems, most
//! calls fixed, a third escalated, forty agents with a few doing most calls, three rollout
//! phases over 26 weeks of weekdays, durations of a few minutes with a long tail), from a
//! seed, so every run generates the same calls.
//!
//! [`insert_sqlite`] writes them straight into the `calls` table of a store file in one
//! transaction (a million calls in seconds); [`copy_text`] gives them as PostgreSQL `COPY`
//! text. Only `calls` rows are written: the report reads nothing else.

use rusqlite::{params, Connection};
use std::fmt::Write;

/// Categories and their weights. `legacy-nap` is not in the taxonomy: a category a layer
/// once had, which the report must still count and mark.
pub const CATEGORIES: &[(&str, u32)] = &[
    ("network-connectivity", 20),
    ("caller-policy", 14),
    ("name-resolution", 11),
    ("application", 9),
    ("target-policy", 8),
    ("caller-domain-account", 7),
    ("target-logon-right", 7),
    ("target-connectivity", 6),
    ("rras", 4),
    ("ipsec-service", 4),
    ("kerberos-authentication", 4),
    ("other", 3),
    ("policy-integrity", 2),
    ("legacy-nap", 1),
];

const PLAYBOOKS: &[(&str, u32)] = &[
    ("tier1-triage", 70),
    ("caller-computer", 12),
    ("target-computer", 10),
    ("refresh-policy", 5),
    ("detect-policy", 3),
];

const PATHS: &[&str] = &[
    r#"["social-check","scope","ping-address","basic-network","escalate-network"]"#,
    r#"["social-check","scope","ping-address","name-check","end-name-fixed"]"#,
    r#"["social-check","scope","ping-address","name-check","app-check","escalate-application"]"#,
    r#"["social-check","scope","ping-address","test-hosts","caller-side","caller-computer/rras","caller-computer/refresh"]"#,
];

/// Monday 2026-06-01T00:00:00Z, the first day generated calls start on.
pub const FIRST_DAY_MS: i64 = 1_780_272_000_000;
/// Weeks the calls spread over.
pub const WEEKS: i64 = 26;
const DAY_MS: i64 = 86_400_000;

/// One generated call, as the `calls` columns hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenCall {
    pub session: String,
    pub playbook: &'static str,
    pub agent: String,
    pub caller: String,
    pub target: String,
    pub rollout: &'static str,
    pub started_ms: i64,
    /// `None` for an open call (abandoned): no end, status or duration.
    pub duration_ms: Option<i64>,
    pub status: Option<&'static str>,
    pub category: Option<&'static str>,
    pub escalate: Option<&'static str>,
    pub path: &'static str,
    pub flags: &'static str,
}

/// SplitMix64: small, fast and good enough for spreads.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u32 = table.iter().map(|(_, w)| w).sum();
        let mut r = self.below(u64::from(total)) as u32;
        for (v, w) in table {
            if r < *w {
                return *v;
            }
            r -= w;
        }
        table[0].0
    }
}

/// The calls of `seed`, `n` of them, in start order.
pub fn calls(n: usize, seed: u64) -> impl Iterator<Item = GenCall> {
    let mut rng = Rng(seed);
    // Forty agents; agent k takes calls in proportion to 1/(k+1) (a few do most calls).
    let agents: Vec<(usize, u32)> = (0..40).map(|k| (k, 4000 / (k as u32 + 2))).collect();
    let span = WEEKS * 7 * DAY_MS;
    (0..n).map(move |i| {
        // Calls rise through the rollout: the start is drawn with density growing in time.
        let t = rng.unit().sqrt();
        let mut day = (t * (WEEKS * 7) as f64) as i64;
        // Weekends are quiet: move most weekend calls to the Friday before.
        let weekday = day % 7; // 0 = Monday
        if weekday >= 5 && rng.below(10) < 9 {
            day -= weekday - 4;
        }
        let hour = 8 + rng.below(10) as i64;
        let started_ms =
            (FIRST_DAY_MS + day * DAY_MS + hour * 3_600_000 + rng.below(3_600_000) as i64)
                .min(FIRST_DAY_MS + span - 1);
        let rollout = if rng.below(100) < 3 {
            ""
        } else if day < 42 {
            "pilot"
        } else if day < 112 {
            "phase-1"
        } else {
            "phase-2"
        };
        let category = rng.weighted(CATEGORIES);
        let open = rng.below(100) == 0;
        let (status, escalate) = if open {
            (None, None)
        } else {
            // Application and RRAS problems are escalated more often than they are fixed.
            let hard = matches!(category, "application" | "rras" | "target-logon-right");
            let r = rng.below(100);
            let status = if r < if hard { 35 } else { 56 } {
                "fixed-understood"
            } else if r < if hard { 45 } else { 71 } {
                "fixed-unclear"
            } else {
                "not-fixed"
            };
            let e = rng.below(100);
            let escalate = match status {
                "not-fixed" if e < 88 => Some("tier2"),
                "not-fixed" if e < 95 => Some("tier3"),
                "not-fixed" => None,
                _ if e < 2 => Some("tier2"),
                _ => None,
            };
            (Some(status), escalate)
        };
        // Minutes: 3 to 40 typically, longer when escalated (the packet is collected).
        let base = 180_000.0 + 420_000.0 * (-(1.0 - rng.unit()).ln());
        let duration_ms = (!open).then(|| {
            let f = if escalate.is_some() { 1.8 } else { 1.0 };
            (base * f) as i64
        });
        GenCall {
            session: format!(
                "{:010x}",
                (seed.wrapping_mul(1_000_003) ^ i as u64) & 0xff_ffff_ffff
            ),
            playbook: rng.weighted(PLAYBOOKS),
            agent: format!("agent-{:02}", rng.weighted(&agents) + 1),
            caller: format!("pc-{:04}.woodgrovebank.com", rng.below(5000)),
            target: format!("srv-files-{:02}.woodgrovebank.com", rng.below(30) + 1),
            rollout,
            started_ms,
            duration_ms,
            status,
            category: (!open).then_some(category),
            escalate,
            path: PATHS[rng.below(PATHS.len() as u64) as usize],
            flags: if rng.below(200) == 0 {
                r#"["social-engineering"]"#
            } else {
                "[]"
            },
        }
    })
}

/// `ms` since 1970 as the store writes times (`2026-06-01T08:00:00.000Z`).
pub fn rfc3339(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => String::new(),
    }
}

const COLUMNS: &str = "session, playbook, fingerprint, content_version, agent, caller, target, \
                       rollout, vars, started_at, ended_at, duration_ms, status, category, \
                       escalate, path, notes, probes, flags, closed_by";

/// Insert `calls` into the `calls` table of `conn` (a store already created, so its schema
/// and version are the real ones) in one transaction.
pub fn insert_sqlite(
    conn: &mut Connection,
    calls: impl Iterator<Item = GenCall>,
) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let mut n = 0;
    {
        let sql = format!(
            "INSERT INTO calls ({COLUMNS}) VALUES (?1, ?2, 'f0', 'c0', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, '[]', '[]', ?15, ?16)"
        );
        let mut stmt = tx.prepare(&sql)?;
        let mut vars = String::new();
        for c in calls {
            vars.clear();
            let _ = write!(
                vars,
                r#"{{"caller":"{}","target":"{}"}}"#,
                c.caller, c.target
            );
            let started = rfc3339(c.started_ms);
            let ended = c.duration_ms.map(|d| rfc3339(c.started_ms + d));
            stmt.execute(params![
                c.session,
                c.playbook,
                c.agent,
                c.caller,
                c.target,
                c.rollout,
                vars,
                started,
                ended,
                c.duration_ms,
                c.status,
                c.category,
                c.escalate,
                c.path,
                c.flags,
                c.status.map(|_| "playbook"),
            ])?;
            n += 1;
        }
    }
    tx.commit()?;
    Ok(n)
}

/// [`insert_sqlite`] into the store file at `path` (created by `deskbook-store` first).
pub fn write_sqlite(
    path: &std::path::Path,
    calls: impl Iterator<Item = GenCall>,
) -> rusqlite::Result<usize> {
    let mut conn = Connection::open(path)?;
    insert_sqlite(&mut conn, calls)
}

/// `calls` as the text of `COPY calls (COLUMNS) FROM STDIN` (tab-separated, `\N` for NULL),
/// for a PostgreSQL store. The column list is [`copy_columns`].
pub fn copy_text(calls: impl Iterator<Item = GenCall>, out: &mut String) {
    let opt = |v: Option<&str>| v.map_or("\\N".to_string(), str::to_string);
    for c in calls {
        let ended = c.duration_ms.map(|d| rfc3339(c.started_ms + d));
        let _ = writeln!(
            out,
            "{}\t{}\tf0\tc0\t{}\t{}\t{}\t{}\t{{\"caller\":\"{}\",\"target\":\"{}\"}}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t[]\t[]\t{}\t{}",
            c.session,
            c.playbook,
            c.agent,
            c.caller,
            c.target,
            c.rollout,
            c.caller,
            c.target,
            rfc3339(c.started_ms),
            opt(ended.as_deref()),
            c.duration_ms.map_or("\\N".to_string(), |d| d.to_string()),
            opt(c.status),
            opt(c.category),
            opt(c.escalate),
            c.path,
            c.flags,
            opt(c.status.map(|_| "playbook")),
        );
    }
}

/// The column list of [`copy_text`].
pub fn copy_columns() -> &'static str {
    COLUMNS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_calls() {
        let a: Vec<GenCall> = calls(50, 7).collect();
        let b: Vec<GenCall> = calls(50, 7).collect();
        assert_eq!(a, b);
        assert_ne!(a, calls(50, 8).collect::<Vec<_>>());
    }

    #[test]
    fn spreads_look_like_a_help_desk() {
        let all: Vec<GenCall> = calls(20_000, 1).collect();
        let share = |f: &dyn Fn(&GenCall) -> bool| {
            all.iter().filter(|c| f(c)).count() as f64 / all.len() as f64
        };
        let net = share(&|c| c.category == Some("network-connectivity"));
        assert!((0.17..0.23).contains(&net), "{net}");
        let open = share(&|c| c.status.is_none());
        assert!((0.005..0.02).contains(&open), "{open}");
        let esc = share(&|c| c.escalate.is_some());
        assert!((0.2..0.4).contains(&esc), "{esc}");
        // Weekdays carry nearly every call.
        let weekend = share(&|c| ((c.started_ms - FIRST_DAY_MS) / DAY_MS) % 7 >= 5);
        assert!(weekend < 0.03, "{weekend}");
        assert!(all
            .iter()
            .all(|c| c.started_ms >= FIRST_DAY_MS
                && c.started_ms < FIRST_DAY_MS + WEEKS * 7 * DAY_MS));
        let top_agent = share(&|c| c.agent == "agent-01");
        assert!(top_agent > 0.05, "{top_agent}");
    }

    #[test]
    fn times_are_the_store_format() {
        assert_eq!(rfc3339(FIRST_DAY_MS), "2026-06-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(FIRST_DAY_MS + 8 * 3_600_000 + 5),
            "2026-06-01T08:00:00.005Z"
        );
    }
}
