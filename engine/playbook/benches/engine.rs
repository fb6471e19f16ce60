//! Step engine speed (no store, no terminal): the cost of one step on a generated
//! 10,000-step playbook (target ≤ 20 µs), and of a step that runs Lua (target ≤ 50 µs):
//! a YAML `lua` step, and a question of a Lua playbook (a coroutine resume).
//!
//! Run: `cargo bench -p deskbook-playbook --bench engine`. Each measurement is a whole run;
//! criterion's throughput line gives steps per second (per-step time = 1 / that).

use std::collections::BTreeMap;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use deskbook_content::{Content, LayerSpec};
use deskbook_playbook::{Engine, Reply};
use deskbook_testkit::playbook;

fn layer(dir: &Path, file: &str, text: &str) -> Content {
    let pb = dir.join("playbooks");
    std::fs::create_dir_all(&pb).expect("mkdir");
    std::fs::write(pb.join(file), text).expect("write");
    let content = deskbook_content::load(&[LayerSpec::BuiltIn, LayerSpec::Dir(dir.to_path_buf())]);
    assert!(!content.has_errors(), "{:?}", content.diagnostics.first());
    content
}

fn vars() -> BTreeMap<String, String> {
    BTreeMap::from([("caller".to_string(), "pc-0042.example.com".to_string())])
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");

    const N: usize = 10_000;
    let content = layer(
        &dir.path().join("linear"),
        "linear.yaml",
        &playbook::linear(N),
    );
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64 - 1));
    g.bench_function("yaml step, 10,000-step playbook", |b| {
        b.iter_batched(
            || Engine::start(&content, "linear", vars()).expect("starts"),
            |mut e| {
                for i in 1..N {
                    e.submit(Reply::Answer(playbook::linear_answer(i).into()))
                        .expect("answer");
                }
                assert!(e.outcome().is_some());
                e
            },
            BatchSize::PerIteration,
        )
    });

    // Starting a run prepares the playbook once (step index, every template parsed).
    g.throughput(Throughput::Elements(1));
    g.bench_function("start, 10,000-step playbook", |b| {
        b.iter(|| Engine::start(&content, "linear", vars()).expect("starts"))
    });

    const L: usize = 1_000;
    let content = layer(
        &dir.path().join("lua-steps"),
        "lua-steps.yaml",
        &playbook::with_lua_steps(L),
    );
    g.throughput(Throughput::Elements(L as u64));
    g.bench_function("question + yaml lua step", |b| {
        b.iter_batched(
            || Engine::start(&content, "lua-steps", vars()).expect("starts"),
            |mut e| {
                for _ in 0..L {
                    e.submit(Reply::Answer("yes".into())).expect("answer");
                }
                assert!(e.outcome().is_some());
                e
            },
            BatchSize::PerIteration,
        )
    });

    let content = layer(
        &dir.path().join("lua-asks"),
        "lua-asks.lua",
        &playbook::lua_asks(L),
    );
    g.bench_function("lua playbook question (coroutine resume)", |b| {
        b.iter_batched(
            || Engine::start(&content, "lua-asks", vars()).expect("starts"),
            |mut e| {
                for _ in 0..L {
                    e.submit(Reply::Answer("yes".into())).expect("answer");
                }
                assert!(e.outcome().is_some());
                e
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
