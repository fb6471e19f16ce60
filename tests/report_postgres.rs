//! The report on PostgreSQL: the same generated calls in a real server (started by the
//! test) and in SQLite give the same report, group for group, in every grouping.

mod report_support;

use report_support::*;
use std::process::Command;

fn report(db: &str, args: &[&str]) -> String {
    let out = Command::new(bin())
        .arg("--db")
        .arg(db)
        .arg("report")
        .args(args)
        .env_remove("DESKBOOK_DB")
        .output()
        .expect("run deskbook");
    ok(&out)
}

#[test]
fn postgres_and_sqlite_give_the_same_report() {
    let sqlite = Filled::new(4_000, 21);
    let pg = Postgres::start();
    // The store creates its schema on first open; then the calls go in with COPY.
    ok(&Command::new(bin())
        .args(["--db", &pg.url, "sessions", "list"])
        .output()
        .expect("run deskbook"));
    pg.load(&sqlite.calls);
    let lite = sqlite.db.display().to_string();
    for args in [
        &["--format", "json"][..],
        &["--by", "week", "--format", "json"],
        &["--by", "agent,rollout,escalate", "--format", "json"],
        &[
            "--by",
            "month,playbook",
            "--since",
            "2026-07-15",
            "--until",
            "2026-10-01T12:00",
            "--format",
            "json",
        ],
        &["--by", "day,status", "--format", "csv"],
    ] {
        let a = report(&lite, args);
        let b = report(&pg.url, args);
        assert_eq!(a, b, "{args:?}");
    }
    let v: serde_json::Value =
        serde_json::from_str(&report(&pg.url, &["--format", "json"])).expect("JSON");
    assert_eq!(v["total"], 4_000);
    // The HTML page reads the same way from PostgreSQL.
    let html = report(&pg.url, &["--format", "html"]);
    assert!(html.contains("<svg id=\"chart-calls-week\""));
}
