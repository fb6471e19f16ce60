//! Relevance on the evaluation set `tests/search_eval.yaml`: at least 90% of the queries
//! must find all their expected ids in the first three hits, event numbers and tool names
//! must put their item first, and deskbook's ranking must clearly beat plain BM25 over
//! title and body. Prints top-1 and top-3 for both (`cargo test --test search_relevance
//! -- --nocapture`).

use deskbook_content::LayerSpec;
use deskbook_search::baseline::Baseline;
use deskbook_search::eval::{evaluate, EvalSet, Report};
use deskbook_search::{documents, Scope, SearchIndex, SearchOptions};

fn eval_set() -> EvalSet {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search_eval.yaml");
    let text = std::fs::read_to_string(path).expect("tests/search_eval.yaml");
    EvalSet::parse("tests/search_eval.yaml", &text).unwrap_or_else(|d| panic!("{d}"))
}

fn print(name: &str, r: &Report) {
    println!(
        "{name:28} top-1 {:5.1}%  top-3 {:5.1}%  ({} queries)",
        r.top1() * 100.0,
        r.top3() * 100.0,
        r.len()
    );
}

#[test]
fn ranking_beats_plain_bm25_and_reaches_90_percent_top3() {
    let set = eval_set();
    assert!(set.queries.len() >= 60, "{} queries", set.queries.len());
    let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    let docs = documents(&content, Scope::Public);

    // Every expected id exists: a renamed item must not pass as a ranking miss.
    for q in &set.queries {
        for id in &q.expect {
            assert!(
                content.has_id(id),
                "{:?} expects unknown id `{id}`",
                q.query
            );
        }
    }

    let index = SearchIndex::in_memory(&docs).expect("index");
    let opts = SearchOptions {
        limit: 3,
        kind: None,
    };
    let ours = evaluate(&set, |q| {
        index
            .search(q, &opts)
            .map(|r| r.hits.into_iter().map(|h| h.id).collect())
    })
    .expect("deskbook ranking");
    let plain = Baseline::new(&docs).expect("baseline index");
    let base = evaluate(&set, |q| plain.search(q, 3)).expect("baseline ranking");

    print("deskbook", &ours);
    print("plain BM25 over title+body", &base);
    for o in ours.misses() {
        println!(
            "missed: {:?} expected {:?} got {:?}",
            o.query, o.expect, o.got
        );
    }

    let firsts: Vec<_> = ours.outcomes.iter().filter(|o| o.first_missed).collect();
    assert!(firsts.is_empty(), "must rank first: {firsts:#?}");
    assert!(
        ours.top3() >= 0.90,
        "top-3 {:.1}% < 90%",
        ours.top3() * 100.0
    );
    assert!(
        ours.top3() >= base.top3() + 0.10,
        "top-3 {:.1}% is not clearly above plain BM25's {:.1}%",
        ours.top3() * 100.0,
        base.top3() * 100.0
    );
    assert!(
        ours.top1() > base.top1(),
        "top-1 {:.1}% is not above plain BM25's {:.1}%",
        ours.top1() * 100.0,
        base.top1() * 100.0
    );
}
