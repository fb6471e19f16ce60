//! The store's cost per event: N records appended to one call, each its own committed
//! transaction, as the runner writes them: SQLite (WAL, `synchronous=NORMAL`) in a
//! temporary folder, then PostgreSQL over loopback (a server of the bench's own on
//! 127.0.0.1, PostgreSQL's default durability: an fsync per commit).
//!
//! `cargo bench -p deskbook-store --bench append` (DESKBOOK_BENCH_EVENTS changes N,
//! default 20,000: two events per step of a 10,000-step run; `-- sqlite` leaves PostgreSQL
//! out). Target: at most 1 ms per event on SQLite; the PostgreSQL figure is stated.

use deskbook_store::{NewCall, Record, Store};
use deskbook_testkit::pg::{Commit, PgServer};
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("DESKBOOK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_path(&dir.path().join("calls.sqlite")).expect("open");
    report("SQLite, WAL", n, append(&mut store, n));
    if std::env::args().any(|a| a == "sqlite") {
        return;
    }
    let pg = PgServer::start(Commit::Durable).unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let url = pg
        .fresh_database()
        .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let mut store = Store::open(&url).expect("open");
    report("PostgreSQL over loopback", n, append(&mut store, n));
}

fn report(what: &str, n: usize, took: f64) {
    println!(
        "append ({what}): {n} events, one transaction each: {:.1} ms, {:.1} µs/event (target SQLite ≤ 1000 µs)",
        took * 1e3,
        took * 1e6 / n as f64
    );
}

/// Seconds to append `n` records (half `entered`, half `answered`) to a new call.
fn append(store: &mut Store, n: usize) -> f64 {
    let vars = BTreeMap::from([("caller".to_string(), "pc-0042".to_string())]);
    let call = store
        .begin_call(&NewCall {
            playbook: "bench",
            fingerprint: "f",
            content_version: "c",
            agent: None,
            rollout: None,
            vars: &vars,
        })
        .expect("begin");
    let t = Instant::now();
    for i in 0..n {
        let step = format!("s{:05}", i / 2);
        let record = if i % 2 == 0 {
            Record::Entered { step }
        } else {
            Record::Answered {
                text: Some(format!("Step {}?", i / 2)),
                step,
                answer: "yes".into(),
                prefill: None,
                overridden: None,
                from: None,
                command: None,
            }
        };
        store.append(&call.session, &record).expect("append");
    }
    t.elapsed().as_secs_f64()
}
