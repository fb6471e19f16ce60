//! The store's cost per event: N events appended to one call, each its own committed
//! transaction, as the runner writes them. `cargo bench -p deskbook-store --bench append`
//! (DESKBOOK_BENCH_EVENTS changes N, default 20,000: two events per step of a 10,000-step run;
//! DESKBOOK_BENCH_HOLD_LOCK=1 holds the lock as a scripted run does).

use deskbook_store::{NewCall, Store};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("DESKBOOK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("calls.sqlite")).expect("open");
    let held = std::env::var_os("DESKBOOK_BENCH_HOLD_LOCK").is_some();
    if held {
        store.hold_lock().expect("lock");
    }
    let vars = BTreeMap::from([("caller".to_string(), "pc-0042".to_string())]);
    let call = store
        .begin_call(
            &NewCall {
                playbook: "bench",
                fingerprint: "f",
                agent: None,
                rollout: None,
                vars: &vars,
            },
            &json!({}),
        )
        .expect("begin");
    let t = Instant::now();
    for i in 0..n {
        let step = format!("s{:05}", i / 2);
        let payload = if i % 2 == 0 {
            json!({})
        } else {
            json!({"answer": "yes", "text": format!("Step {}?", i / 2)})
        };
        let kind = if i % 2 == 0 { "entered" } else { "answered" };
        store
            .append(&call.session, kind, Some(&step), &payload)
            .expect("append");
    }
    let took = t.elapsed();
    println!(
        "append: {n} events, one transaction each{}: {:.1} ms, {:.1} µs/event",
        if held { ", lock held" } else { "" },
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e6 / n as f64
    );
}
