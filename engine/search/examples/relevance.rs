//! Relevance of deskbook's ranking against plain BM25 over title and body, on the
//! evaluation set `tests/search_eval.yaml`, over the built-in content.
//!
//! `cargo run --release -p deskbook-search --example relevance [-- --misses]`

use deskbook_content::LayerSpec;
use deskbook_search::baseline::Baseline;
use deskbook_search::eval::{evaluate, EvalSet, Report};
use deskbook_search::{documents, Scope, SearchIndex, SearchOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let show_misses = std::env::args().any(|a| a == "--misses");
    let show_second = std::env::args().any(|a| a == "--not-first");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/search_eval.yaml");
    let text = std::fs::read_to_string(path)?;
    let set = EvalSet::parse("tests/search_eval.yaml", &text).map_err(|d| d.to_string())?;
    let content = deskbook_content::load(&[LayerSpec::BuiltIn]);
    let docs = documents(&content, Scope::Public);

    let ours = SearchIndex::in_memory(&docs)?;
    let opts = SearchOptions {
        limit: 3,
        kind: None,
    };
    let report = evaluate(&set, |q| {
        ours.search(q, &opts)
            .map(|r| r.hits.into_iter().map(|h| h.id).collect())
    })?;
    let plain = Baseline::new(&docs)?;
    let base = evaluate(&set, |q| plain.search(q, 3))?;

    println!("{} queries over {} records", report.len(), docs.len());
    line("deskbook", &report);
    line("plain BM25 (title+body)", &base);
    if show_misses {
        for (name, r) in [("deskbook", &report), ("plain BM25", &base)] {
            for o in r.misses() {
                println!(
                    "{name} missed: {:?} expected {:?} got {:?}",
                    o.query, o.expect, o.got
                );
            }
        }
    }
    if show_second {
        for o in report.outcomes.iter().filter(|o| o.top3 && !o.top1) {
            println!(
                "not first: {:?} expected {:?} got {:?}",
                o.query, o.expect, o.got
            );
        }
    }
    Ok(())
}

fn line(name: &str, r: &Report) {
    println!(
        "{name:24} top-1 {:5.1}%  top-3 {:5.1}%",
        r.top1() * 100.0,
        r.top3() * 100.0
    );
}
