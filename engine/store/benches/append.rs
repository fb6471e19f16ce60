//! The store's cost per event: N records appended to one call, each its own committed
//! transaction, as the runner writes them. `cargo bench -p deskbook-store --bench append`
//! (DESKBOOK_BENCH_EVENTS changes N, default 20,000: two events per step of a 10,000-step
//! run).

use deskbook_store::{NewCall, Record, Store};
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("DESKBOOK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open_path(&dir.path().join("calls.sqlite")).expect("open");
    let took = append(&mut store, n);
    println!(
        "append (SQLite, WAL): {n} events, one transaction each: {:.1} ms, {:.1} µs/event",
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
